import { type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { ExamError } from "~/models/exams/common.server.ts";
import { itemAnalysis } from "~/models/exams/analysis.server.ts";
import { listAttemptsForExam, listOverrides, setExamOverride } from "~/models/exams/grading.server.ts";
import { listEditedQuestions, regradeWithNewestVersion } from "~/models/exams/regrade.server.ts";
import { optionsInBankOrder, reviewLeakWarning } from "~/utils/exam-rules.ts";
import { MSG } from "~/utils/course-messages.server.ts";
import { requireExamEditor } from "~/guards/exam.server.ts";
import { FieldError, FormOutcome, fieldProps } from "~/components/FormErrors.tsx";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { idParam, parseForm, text } from "~/utils/forms.server.ts";
import { stemSummary } from "~/utils/exam-stem.server.ts";
import styles from "~/styles/exams.css?url";
import { formatDateTime } from "~/utils/cst.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: styles }];
export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.exam.title ?? "考试"} · 考试管理 · 网上党校` }];

/** Attempts (status, time used, leave count, score), overrides and item analysis of one exam. */
export async function loader(args: LoaderFunctionArgs) {
  const { course, exam } = await requireExamEditor(args);
  const { db } = args.context;
  const [attempts, overrides, analysis, edited] = await Promise.all([
    listAttemptsForExam(db, exam.id),
    listOverrides(db, exam.id),
    itemAnalysis(db, exam.id),
    listEditedQuestions(db, exam.id),
  ]);
  return {
    course: { slug: course.slug, title: course.title },
    exam: { id: exam.id, key: exam.key, title: exam.title, pass_score: exam.settings.pass_score, total_score: exam.settings.total_score },
    reviewWarning: reviewLeakWarning(exam.settings),
    orderWarning: optionsInBankOrder(exam.settings) ? MSG.shuffleOff : null,
    attempts,
    overrides,
    analysis: analysis.map(({ stem_md, ...a }) => ({ ...a, stem: stemSummary(stem_md, 80) })),
    edited: edited.map(({ stem_md, ...q }) => ({ ...q, stem: stemSummary(stem_md, 80) })),
  };
}

const Regrade = z.object({ intent: z.literal("regrade"), questionId: idParam });

const Override = z.object({
  intent: z.literal("override"),
  username: text("学号", 40),
  extra_minutes: z.coerce
    .number({ invalid_type_error: "延长时间须为整数" })
    .int("延长时间须为整数")
    .min(0, "延长时间不能为负")
    .max(600, "延长时间最多 600 分钟"),
  extra_attempts: z.coerce.number({ invalid_type_error: "追加次数须为整数" }).int("追加次数须为整数").min(0, "追加次数不能为负").max(10, "追加次数最多 10 次"),
  reason: text("理由", 200),
});

/** Extra time or an extra attempt for one trainee (audited). */
export async function action(args: ActionFunctionArgs) {
  const { user, exam } = await requireExamEditor(args);
  const form = await args.request.formData();
  if (form.get("intent") === "regrade") {
    const q = parseForm(form, Regrade);
    if (!q.ok) return failParsed(q);
    try {
      const r = await regradeWithNewestVersion(
        args.context.db,
        { examId: exam.id, questionId: q.data.questionId },
        { actorId: user.id, ip: args.context.clientIp },
      );
      return { ok: true as const, message: `已按新版本重新评分：${r.answers} 份作答，其中 ${r.changed} 份得分变化` };
    } catch (e) {
      if (e instanceof ExamError) return fail(e.message, {}, e.status);
      throw e;
    }
  }
  const parsed = parseForm(form, Override);
  if (!parsed.ok) return failParsed(parsed);
  const f = parsed.data;
  try {
    const r = await setExamOverride(
      args.context.db,
      { examId: exam.id, username: f.username, extraMinutes: f.extra_minutes, extraAttempts: f.extra_attempts, reason: f.reason },
      { actorId: user.id, ip: args.context.clientIp },
    );
    const leak = reviewLeakWarning(exam.settings, f.extra_attempts);
    return {
      ok: true as const,
      message: `已为 ${r.name}（${f.username}）设置：延长 ${f.extra_minutes} 分钟，追加 ${f.extra_attempts} 次${r.deadline ? `；进行中的考试截止时间改为 ${formatDateTime(r.deadline)}` : ""}`,
      warning: leak && !reviewLeakWarning(exam.settings) ? `该学员现在有多次机会。${leak}` : null,
    };
  } catch (e) {
    if (e instanceof ExamError) return fail(e.message, {}, e.status);
    throw e;
  }
}

const STATUS = { in_progress: "作答中", submitted: "待阅卷", graded: "已评分" } as const;
const BY = { user: "本人交卷", deadline_read: "到时自动", sweep: "到时自动" } as const;
const minutes = (a: { started_at: number; submitted_at: number | null }) =>
  a.submitted_at ? `${Math.max(0, Math.round((a.submitted_at - a.started_at) / 60))} 分钟` : "—";

export default function TeachExam() {
  const d = useLoaderData<typeof loader>();
  const r = useActionData<typeof action>();
  const pending = d.attempts.reduce((n, a) => n + a.pending_manual, 0);
  return (
    <div className="stack teach-exam">
      <p className="muted">
        <Link to={`/teach/${d.course.slug}`}>{d.course.title}</Link> · 考试管理
      </p>
      <div className="page-head">
        <h1>{d.exam.title}</h1>
        <Link to={`/teach/${d.course.slug}/exams/${d.exam.key}/grading`} className="btn primary">
          阅卷{pending ? `（${pending} 待评）` : ""}
        </Link>
      </div>
      {[d.reviewWarning, d.orderWarning].map((w) =>
        w ? (
          <p key={w} className="alert warn" role="alert">
            {w}
          </p>
        ) : null,
      )}
      {r && "warning" in r && r.warning ? (
        <p className="alert warn" role="alert">
          {r.warning}
        </p>
      ) : null}
      <section className="card table-wrap" tabIndex={0}>
        <h2 className="table-title">作答记录（{d.attempts.length}）</h2>
        <table>
          <thead>
            <tr>
              <th>学号</th>
              <th>姓名</th>
              <th>次数</th>
              <th>状态</th>
              <th>开始</th>
              <th>用时</th>
              <th>离开页面</th>
              <th>得分</th>
              <th>延时/加次</th>
            </tr>
          </thead>
          <tbody>
            {d.attempts.map((a) => (
              <tr key={a.id}>
                <td>{a.username}</td>
                <td>{a.name}</td>
                <td>{a.attempt_no}</td>
                <td>
                  {STATUS[a.status]}
                  {a.finalized_by ? <span className="muted">（{BY[a.finalized_by]}）</span> : null}
                </td>
                <td className="nowrap">{formatDateTime(a.started_at)}</td>
                <td>{minutes(a)}</td>
                <td className={a.leave_count ? "exam-leaves" : ""}>{a.leave_count} 次</td>
                <td>
                  {a.score === null ? "—" : `${a.score} / ${a.max_score}`}
                  {a.passed === 1 ? <span className="tag ok">合格</span> : a.passed === 0 ? <span className="tag">不合格</span> : null}
                </td>
                <td>{a.extra_minutes || a.extra_attempts ? `+${a.extra_minutes ?? 0} 分钟 / +${a.extra_attempts ?? 0} 次` : "—"}</td>
              </tr>
            ))}
            {d.attempts.length === 0 ? (
              <tr>
                <td colSpan={9} className="empty">
                  还没有人参加考试
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </section>

      {d.edited.length ? (
        <section className="card stack">
          <h2>题目已修改（{d.edited.length}）</h2>
          <p className="muted">
            以下题目在考生作答后被修改过。已交的答卷仍保留考生当时看到的版本；需要时可按新版本的答案重新评分（教师的人工评分保留，操作记入审计日志）。
          </p>
          <ul className="file-list">
            {d.edited.map((q) => (
              <li key={q.id}>
                <span>
                  {q.type} · {q.stem}{" "}
                  <small className="muted">
                    第 {q.version} 版 → 第 {q.newVersion} 版 · {q.attempts} 份作答
                  </small>
                </span>{" "}
                <Form method="post" className="inline-form">
                  <input type="hidden" name="intent" value="regrade" />
                  <input type="hidden" name="questionId" value={q.id} />
                  <button type="submit" className="btn small">
                    按新版本重新评分
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section className="card">
        <h2>延长时间 / 追加考试次数</h2>
        <Form method="post" className="form exam-override-form">
          <input type="hidden" name="intent" value="override" />
          <label>
            学号
            <input {...fieldProps(r, "override", "username")} required maxLength={40} />
            <FieldError result={r} form="override" name="username" />
          </label>
          <label>
            延长时间（分钟）
            <input {...fieldProps(r, "override", "extra_minutes")} type="number" min={0} max={600} defaultValue={0} required />
            <FieldError result={r} form="override" name="extra_minutes" />
          </label>
          <label>
            追加次数
            <input {...fieldProps(r, "override", "extra_attempts")} type="number" min={0} max={10} defaultValue={0} required />
            <FieldError result={r} form="override" name="extra_attempts" />
          </label>
          <label>
            理由（记入审计日志）
            <input {...fieldProps(r, "override", "reason")} required maxLength={200} />
            <FieldError result={r} form="override" name="reason" />
          </label>
          <button type="submit" className="btn primary">
            保存
          </button>
        </Form>
        <FormOutcome result={r} />
        {d.overrides.length ? (
          <ul className="exam-overrides">
            {d.overrides.map((o) => (
              <li key={o.user_id}>
                {o.name}（{o.username}）：+{o.extra_minutes} 分钟，+{o.extra_attempts} 次 —— {o.reason}
                <span className="muted">
                  （{o.granted_by_name}，{formatDateTime(o.updated_at)}）
                </span>
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      <section className="card table-wrap" tabIndex={0}>
        <h2 className="table-title">试题分析</h2>
        <p className="muted table-title">难度系数 = 平均得分率；区分度 = 高分组（前 27%）得分率 − 低分组（后 27%）得分率，低于 0.2 的题目值得检查。</p>
        <table>
          <thead>
            <tr>
              <th>题目</th>
              <th>题型</th>
              <th>作答人次</th>
              <th>难度系数</th>
              <th>区分度</th>
              <th>选项分布</th>
            </tr>
          </thead>
          <tbody>
            {d.analysis.map((q) => (
              <tr key={q.questionId}>
                <td>
                  {q.stem}
                  <div className="muted">
                    {q.key} · v{q.version}
                  </div>
                </td>
                <td>{q.type}</td>
                <td>{q.n}</td>
                <td>{q.facility}%</td>
                <td className={q.discrimination !== null && q.discrimination < 0.2 ? "exam-leaves" : ""}>{q.discrimination ?? "—"}</td>
                <td>
                  {q.distribution.length ? (
                    <ul className="exam-dist">
                      {q.distribution.map((o) => (
                        <li key={o.label} className={o.correct ? "right" : ""}>
                          {o.label}：{o.count}
                        </li>
                      ))}
                      <li className="muted">未作答：{q.unanswered}</li>
                    </ul>
                  ) : (
                    <span className="muted">未作答：{q.unanswered}</span>
                  )}
                </td>
              </tr>
            ))}
            {d.analysis.length === 0 ? (
              <tr>
                <td colSpan={6} className="empty">
                  交卷后显示试题分析
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </section>
    </div>
  );
}
