import { type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ExamError } from "~/models/exams/common.server.ts";
import { getGradingItems, gradeAnswer, listGradingQueue } from "~/models/exams/grading.server.ts";
import { requireExamEditor } from "~/guards/exam.server.ts";
import type { QuestionAnswer } from "~/utils/course-types.ts";
import type { ExamResponse } from "~/utils/exam-response.ts";
import { idParam } from "~/utils/forms.server.ts";
import { FieldError, FormOutcome, fieldProps } from "~/components/FormErrors.tsx";
import { fail } from "~/utils/form-result.server.ts";
import { stemSummary } from "~/utils/exam-stem.server.ts";
import { renderMarkdown } from "~/utils/markdown.server.ts";
import styles from "~/styles/exams.css?url";
import prose from "~/styles/prose.css?url";
import { formatDateTime } from "~/utils/cst.ts";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: prose },
  { rel: "stylesheet", href: styles },
];
export const meta: MetaFunction = () => [{ title: "阅卷 · 网上党校" }];

/** Grading one question across every submitted attempt: the queue, then the chosen question's answers. */
export async function loader(args: LoaderFunctionArgs) {
  const { course, exam } = await requireExamEditor(args);
  const { db } = args.context;
  const queue = await listGradingQueue(db, exam.id);
  const asked = idParam.safeParse(new URL(args.request.url).searchParams.get("q"));
  const questionId = asked.success ? asked.data : (queue.find((q) => q.pending)?.question_id ?? queue[0]?.question_id);
  const grading = questionId !== undefined && queue.some((q) => q.question_id === questionId) ? await getGradingItems(db, exam.id, questionId) : undefined;
  const mediaBase = `/media/courses/${course.slug}/`;
  return {
    course: { slug: course.slug, title: course.title },
    exam: { key: exam.key, title: exam.title },
    queue: queue.map(({ stem_md, ...q }) => ({ ...q, stem: stemSummary(stem_md, 60) })),
    current: grading && {
      question: {
        id: grading.question.id,
        type: grading.question.type,
        stemHtml: renderMarkdown(grading.question.stem_md, { mediaBase }).replace(/\{\{\}\}/g, '<span class="exam-blank">____</span>'),
        answer: grading.question.answer,
      },
      items: grading.items,
    },
  };
}

/** Scores and comments of one question's answers; only changed rows are written (and audited). */
export async function action(args: ActionFunctionArgs) {
  const { user, exam } = await requireExamEditor(args);
  const form = await args.request.formData();
  const questionId = idParam.safeParse(form.get("questionId"));
  if (!questionId.success) return fail("题目编号无效");
  const attemptIds = form
    .getAll("attemptId")
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0);
  let changed = 0;
  for (const attemptId of attemptIds) {
    const raw = String(form.get(`score_${attemptId}`) ?? "").trim();
    if (raw === "") continue;
    const score = Number(raw);
    const field = `score_${attemptId}`;
    if (!Number.isFinite(score)) return fail(`分数格式不正确：${raw}`, { [field]: "请填写数字" });
    const comment =
      String(form.get(`comment_${attemptId}`) ?? "")
        .trim()
        .slice(0, 500) || null;
    try {
      const r = await gradeAnswer(
        args.context.db,
        { examId: exam.id, attemptId, questionId: questionId.data, score, comment },
        { actorId: user.id, ip: args.context.clientIp },
      );
      if (r.changed) changed++;
    } catch (e) {
      if (e instanceof ExamError) return fail(e.message, e.status === 400 ? { [field]: e.message } : {}, e.status);
      throw e;
    }
  }
  return { ok: true as const, message: changed ? `已保存 ${changed} 份评分，总分已重新计算` : "没有需要保存的改动" };
}

function ResponseText({ r }: { r: ExamResponse }) {
  if ("text" in r) return <p className="exam-essay-answer">{r.text || <em className="muted">未作答</em>}</p>;
  if ("blanks" in r) return <p>{r.blanks.map((b, i) => `（${i + 1}）${b || "空"}`).join("  ")}</p>;
  if ("choices" in r) return <p>{r.choices.map((c) => String.fromCharCode(65 + c)).join("") || "未作答"}</p>;
  return <p>{r.judge === null ? "未作答" : r.judge ? "正确" : "错误"}</p>;
}

function Reference({ a }: { a: QuestionAnswer }) {
  if ("reference" in a) {
    return (
      <>
        <p>
          <strong>参考答案：</strong>
          {a.reference}
        </p>
        {a.keywords.length ? (
          <p>
            <strong>关键词：</strong>
            {a.keywords.map((k) => (
              <span key={k} className="tag">
                {k}
              </span>
            ))}
          </p>
        ) : null}
      </>
    );
  }
  if ("blanks" in a)
    return (
      <p>
        <strong>参考答案：</strong>
        {a.blanks.map((alts, i) => `（${i + 1}）${alts.join(" / ")}`).join("  ")}
        {a.orderFree ? "（顺序不限）" : ""}
      </p>
    );
  if ("choices" in a)
    return (
      <p>
        <strong>正确选项（原始顺序）：</strong>
        {a.choices.map((c) => String.fromCharCode(65 + c)).join("")}
      </p>
    );
  return (
    <p>
      <strong>答案：</strong>
      {a.judge ? "正确" : "错误"}
    </p>
  );
}

export default function Grading() {
  const d = useLoaderData<typeof loader>();
  const r = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="stack grading">
      <p className="muted">
        <Link to={`/teach/${d.course.slug}/exams/${d.exam.key}`}>{d.exam.title}</Link> · 阅卷
      </p>
      <h1>阅卷：{d.exam.title}</h1>
      <nav className="card grading-queue" aria-label="待阅题目">
        {d.queue.length ? (
          <ul>
            {d.queue.map((q) => (
              <li key={q.question_id} className={d.current?.question.id === q.question_id ? "current" : ""}>
                <Link to={`?q=${q.question_id}`}>
                  <span className="tag">{q.type}</span> {q.stem}
                </Link>{" "}
                <span className={q.pending ? "tag" : "tag ok"}>{q.pending ? `${q.pending} 份待评` : "已评完"}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="empty">暂无需要人工评分的答卷</p>
        )}
      </nav>
      <FormOutcome result={r} />
      {d.current ? (
        <Form method="post" className="stack" key={d.current.question.id}>
          <section className="card">
            <div className="prose" dangerouslySetInnerHTML={{ __html: d.current.question.stemHtml }} />
            <Reference a={d.current.question.answer as QuestionAnswer} />
          </section>
          <input type="hidden" name="questionId" value={d.current.question.id} />
          {d.current.items.map((i) => (
            <section key={i.attempt_id} className={`card grading-item${i.pending ? " pending" : ""}`}>
              <header className="exam-qhead">
                <strong>
                  {i.name}（{i.username}）
                </strong>
                <span className="muted">
                  自动得分 {i.auto_score ?? 0} / {i.max}
                  {i.grader_name ? ` · ${i.grader_name} 评于 ${formatDateTime(i.graded_at!)}` : ""}
                </span>
              </header>
              <ResponseText r={i.response} />
              <input type="hidden" name="attemptId" value={i.attempt_id} />
              <div className="filters">
                <label>
                  得分（0–{i.max}）
                  <input
                    {...fieldProps(r, "grading", `score_${i.attempt_id}`)}
                    type="number"
                    min={0}
                    max={i.max}
                    step={0.5}
                    defaultValue={i.manual_score ?? ""}
                  />
                  <FieldError result={r} form="grading" name={`score_${i.attempt_id}`} />
                </label>
                <label className="grow">
                  评语
                  <input name={`comment_${i.attempt_id}`} maxLength={500} defaultValue={i.comment ?? ""} />
                </label>
              </div>
            </section>
          ))}
          <button type="submit" className="btn primary" disabled={busy}>
            保存本题评分
          </button>
        </Form>
      ) : null}
    </div>
  );
}
