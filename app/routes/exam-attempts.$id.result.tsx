import { redirect, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getAttemptReview } from "~/models/exams/attempts.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { optionLetter, type ExamResponse } from "~/utils/exam-response.ts";
import { idParam } from "~/utils/forms.server.ts";
import { renderMarkdown } from "~/utils/markdown.server.ts";
import type { QuestionAnswer } from "~/utils/course-types.ts";
import styles from "~/styles/exams.css?url";
import prose from "~/styles/prose.css?url";
import { formatDateTime } from "~/utils/cst.ts";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: prose },
  { rel: "stylesheet", href: styles },
];
export const meta: MetaFunction = () => [{ title: "考试结果 · 网上党校" }];

/** The trainee's own result; answers and 解析 only as the exam's show_results allows. */
export async function loader(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  const id = idParam.safeParse(args.params.id);
  const review = id.success ? await getAttemptReview(args.context.db, { attemptId: id.data, userId: user.id }) : undefined;
  if (!review) throw new Response("考试记录不存在", { status: 404 });
  if (review.attempt.status === "in_progress") throw redirect(`/exam-attempts/${review.attempt.id}`);
  const mediaBase = `/media/courses/${review.attempt.course_slug}/`;
  return {
    ...review,
    questions: review.questions.map(({ stem_md, explanation, ...q }) => ({
      ...q,
      stemHtml: renderMarkdown(stem_md, { mediaBase }).replace(/\{\{\}\}/g, '<span class="exam-blank">____</span>'),
      explanationHtml: explanation ? renderMarkdown(explanation, { mediaBase }) : null,
    })),
  };
}

const FINALIZED = { user: "本人交卷", deadline_read: "时间到自动交卷", sweep: "时间到自动交卷" } as const;

function Given({ response }: { response: ExamResponse | null }) {
  if (!response) return <em className="muted">未作答</em>;
  return null;
}

function Review({ q }: { q: ReturnType<typeof useLoaderData<typeof loader>>["questions"][number] }) {
  const r = q.response;
  const c = q.correct as QuestionAnswer;
  let body: React.ReactNode = null;
  if (q.options && "choices" in c) {
    const chosen = r && "choices" in r ? r.choices : [];
    body = (
      <ol className="exam-options review">
        {q.options.map((o, i) => (
          <li key={o.value} className={`${c.choices.includes(o.value) ? "right" : ""} ${chosen.includes(o.value) ? "chosen" : ""}`}>
            {optionLetter(i)}. {o.text}
            {chosen.includes(o.value) ? <span className="tag">您的选择</span> : null}
            {c.choices.includes(o.value) ? <span className="tag ok">正确答案</span> : null}
          </li>
        ))}
      </ol>
    );
  } else if ("judge" in c) {
    body = (
      <p>
        您的答案：{r && "judge" in r && r.judge !== null ? r.judge ? "正确" : "错误" : <Given response={null} />}；正确答案：{c.judge ? "正确" : "错误"}
      </p>
    );
  } else if ("blanks" in c) {
    const given = r && "blanks" in r ? r.blanks : [];
    body = (
      <ol className="exam-review-blanks">
        {c.blanks.map((alts, i) => (
          <li key={i}>
            您的答案：{given[i] ? given[i] : <em className="muted">空</em>}；参考答案：{alts.join(" 或 ")}
          </li>
        ))}
        {c.orderFree ? <li className="muted">各空顺序不限</li> : null}
      </ol>
    );
  } else if ("reference" in c) {
    body = (
      <>
        <p className="exam-essay-answer">{r && "text" in r && r.text.trim() ? r.text : <Given response={null} />}</p>
        <p>
          <strong>参考答案：</strong>
          {c.reference}
        </p>
      </>
    );
  }
  return (
    <section className="card exam-question">
      <header className="exam-qhead">
        <h2>
          第 {q.position} 题 <span className="tag">{q.type}</span>
        </h2>
        <span className={q.earned >= q.max ? "tag ok" : "tag"}>{q.pending ? "待阅卷" : `${q.earned} / ${q.max} 分`}</span>
      </header>
      <div className="prose exam-stem" dangerouslySetInnerHTML={{ __html: q.stemHtml }} />
      {body}
      {q.comment ? <p className="alert ok">阅卷评语：{q.comment}</p> : null}
      {q.explanationHtml ? (
        <div className="exam-explanation">
          <strong>解析：</strong>
          <div className="prose" dangerouslySetInnerHTML={{ __html: q.explanationHtml }} />
        </div>
      ) : null}
    </section>
  );
}

export default function ExamResult() {
  const d = useLoaderData<typeof loader>();
  const a = d.attempt;
  return (
    <div className="stack exam-result">
      <p className="muted">
        <Link to={`/courses/${a.course_slug}/exams/${a.exam_key}`}>{a.exam_title}</Link> · 第 {a.attempt_no} 次作答
      </p>
      <h1>考试结果</h1>
      <section className="card">
        <p className="alert ok" role="status">
          已交卷（{a.finalized_by ? FINALIZED[a.finalized_by] : ""}
          {a.submitted_at ? `，${formatDateTime(a.submitted_at)}` : ""}）
        </p>
        {d.visible ? (
          <div className="stat-grid">
            <div className="stat">
              <strong>{a.score ?? "—"}</strong>
              <span>得分 / {a.max_score}</span>
            </div>
            <div className="stat">
              <strong>{d.passScore}</strong>
              <span>及格分</span>
            </div>
            <div className="stat">
              <strong>{a.status === "submitted" ? "待阅卷" : a.passed ? "合格" : "不合格"}</strong>
              <span>结果</span>
            </div>
          </div>
        ) : (
          <p className="muted">
            {d.showResults === "never"
              ? "本次考试不公布成绩和答案，请留意授课教师的通知。"
              : `成绩和答案将在考试关闭后公布${d.closesAt ? `（${formatDateTime(d.closesAt)}）` : ""}。`}
          </p>
        )}
        {d.visible && a.status === "submitted" ? <p className="muted">主观题待教师阅卷，当前得分为客观题得分。</p> : null}
        {d.visible && !d.answersVisible ? <p className="muted">正确答案和解析将在您用完全部考试机会后公布。</p> : null}
      </section>
      {d.questions.map((q) => (
        <Review key={q.questionId} q={q} />
      ))}
      <p>
        <Link to={`/courses/${a.course_slug}/exams/${a.exam_key}`} className="btn">
          返回考试说明
        </Link>
      </p>
    </div>
  );
}
