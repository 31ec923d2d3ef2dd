import { redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ExamError } from "~/models/exams/common.server.ts";
import { findExamId, getExamForTrainee } from "~/models/exams/attempts.server.ts";
import { startExamAttempt } from "~/models/exams/windows.server.ts";
import { whyCourseHidden } from "~/models/courses.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { FormAlert } from "~/components/FormErrors.tsx";
import { fail } from "~/utils/form-result.server.ts";
import { renderMarkdown } from "~/utils/markdown.server.ts";
import { ExamRules } from "~/components/CourseReader.tsx";
import styles from "~/styles/exams.css?url";
import { formatDateTime } from "~/utils/cst.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: styles }];
export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.exam.title ?? "考试"} · 网上党校` }];

type Args = LoaderFunctionArgs | ActionFunctionArgs;

async function load(args: Args) {
  const user = await requireUser(args);
  const slug = args.params.slug ?? "";
  const found = await getExamForTrainee(args.context.db, { slug, key: args.params.key ?? "", viewer: user });
  if (!found) {
    const why = await whyCourseHidden(args.context.db, slug, user);
    throw new Response(why?.message ?? "考试不存在", { status: why?.status ?? 404 });
  }
  return { user, found };
}

export async function loader(args: LoaderFunctionArgs) {
  const { found } = await load(args);
  return { ...found, instructionsHtml: renderMarkdown(found.exam.instructions_md, { mediaBase: `/media/courses/${found.exam.courseSlug}/` }) };
}

/**
 * 开始考试 (or 继续考试): idempotent, so a double click lands on the same attempt. Kept to a few
 * queries (visibility is checked inside the start's transaction) because a whole cohort starts at once.
 */
export async function action(args: ActionFunctionArgs) {
  const user = await requireUser(args);
  const examId = await findExamId(args.context.db, args.params.slug ?? "", args.params.key ?? "");
  try {
    if (examId === undefined) throw new ExamError("考试不存在", 404);
    const { attemptId } = await startExamAttempt(args.context.db, { examId, userId: user.id, viewer: user });
    return redirect(`/exam-attempts/${attemptId}`);
  } catch (e) {
    if (!(e instanceof ExamError)) throw e;
    if (e.status === 404) await load(args); // throws the reason the course is hidden
    return fail(e.message, {}, e.status);
  }
}

const STATUS = { in_progress: "作答中", submitted: "已交卷（待阅卷）", graded: "已评分" } as const;

export default function ExamIntro() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const canStart = !d.inProgress && d.left > 0 && !d.windowProblem;
  return (
    <div className="stack exam-intro">
      <ExamRules base={`/courses/${d.exam.courseSlug}`} {...d} />
      <FormAlert result={result} />
      {d.inProgress ? (
        <Form method="post" className="card exam-start">
          <p>您有一次正在进行的考试，截止时间 {formatDateTime(d.inProgress.deadline_at)}。</p>
          <button type="submit" className="btn primary" disabled={busy}>
            继续考试
          </button>
        </Form>
      ) : canStart ? (
        <Form method="post" className="card exam-start">
          <p>点击“开始考试”后开始计时。</p>
          <button type="submit" className="btn primary" disabled={busy}>
            开始考试
          </button>
        </Form>
      ) : (
        <p className="alert warn">{d.windowProblem ?? "您的考试机会已用完"}</p>
      )}
      {d.attempts.length ? (
        <section className="card table-wrap" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th>次数</th>
                <th>开始时间</th>
                <th>状态</th>
                <th>成绩</th>
                <th>
                  <span className="sr-only">操作</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {d.attempts.map((a) => (
                <tr key={a.id}>
                  <td>第 {a.attempt_no} 次</td>
                  <td className="nowrap">{formatDateTime(a.started_at)}</td>
                  <td>{STATUS[a.status]}</td>
                  <td>{a.score === null ? "—" : `${a.score} / ${a.max_score}`}</td>
                  <td>
                    {a.status === "in_progress" ? <Link to={`/exam-attempts/${a.id}`}>继续</Link> : <Link to={`/exam-attempts/${a.id}/result`}>查看</Link>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </div>
  );
}
