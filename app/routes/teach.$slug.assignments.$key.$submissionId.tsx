import { type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation, useNavigate } from "@remix-run/react";
import { useEffect } from "react";
import { z } from "zod";
import { ExtensionFields } from "~/components/ExtensionFields.tsx";
import {
  anonymousLabel,
  AssignmentError,
  compareFlag,
  getAssignmentForEditor,
  getSubmissionForGrading,
  gradeSubmission,
  listQueue,
  namesHidden,
  queueFilterFrom,
  returnSubmission,
  STATUS_LABEL,
} from "~/models/assignments.server.ts";
import assignmentsCss from "~/styles/assignments.css?url";
import proseCss from "~/styles/prose.css?url";
import { requireCourseEditor } from "~/guards/auth.server.ts";
import { FieldError, FormOutcome, fieldProps } from "~/components/FormErrors.tsx";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { idParam, parseForm, text } from "~/utils/forms.server.ts";
import { renderMarkdown } from "~/utils/markdown.server.ts";
import { formatDateTime } from "~/utils/cst.ts";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: proseCss },
  { rel: "stylesheet", href: assignmentsCss },
];
export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.who ?? "提交"} · ${d?.assignment.title ?? "作业"} · 批改 · 网上党校` }];

async function submissionFor(args: LoaderFunctionArgs | ActionFunctionArgs) {
  const { user, course } = await requireCourseEditor(args, args.params.slug);
  const { db } = args.context;
  const found = await getAssignmentForEditor(db, course, args.params.key ?? "");
  const id = idParam.safeParse(args.params.submissionId);
  if (!found || !id.success) throw new Response("提交不存在", { status: 404 });
  return { user, course, ...found, submissionId: id.data };
}

const Compare = idParam.optional().catch(undefined);

export async function loader(args: LoaderFunctionArgs) {
  const { course, assignment, settings, submissionId } = await submissionFor(args);
  const { db } = args.context;
  const detail = await getSubmissionForGrading(db, assignment, submissionId);
  if (!detail) throw new Response("提交不存在", { status: 404 });
  const url = new URL(args.request.url);
  const compareId = Compare.parse(url.searchParams.get("compare") ?? undefined);
  const hide = namesHidden(settings);
  // Neighbours in the queue as filtered on the list page, so j/k walks the same list.
  const queue = await listQueue(db, assignment.id, queueFilterFrom(url.searchParams, settings));
  const at = queue.findIndex((r) => r.id === submissionId);
  const prev = at > 0 ? queue[at - 1]!.id : null;
  const next = at >= 0 ? (queue[at + 1]?.id ?? null) : (queue.find((r) => r.id !== submissionId)?.id ?? null);
  const compare = compareId ? await compareFlag(db, assignment.id, submissionId, compareId) : undefined;
  const { submission: s, versions, flags } = detail;
  const label = (id: number, name: string, username: string) => (hide ? anonymousLabel(id) : `${name}（${username}）`);
  return {
    course: { slug: course.slug, title: course.title },
    assignment: {
      key: assignment.key,
      title: assignment.title,
      maxScore: assignment.max_score,
      passScore: assignment.pass_score,
      minLength: assignment.min_length,
    },
    settings,
    hide,
    who: label(s.id, s.name, s.username),
    unit: hide ? null : s.unit_name,
    submission: {
      id: s.id,
      status: s.status,
      statusLabel: STATUS_LABEL[s.status],
      currentVersion: s.current_version,
      score: s.score,
      rawScore: s.raw_score,
      penaltyPercent: s.penalty_percent,
      feedbackMd: s.feedback_md ?? "",
      gradedAt: s.graded_at,
    },
    deadlines: detail.deadlines,
    versions: versions.map((v) => ({
      id: v.id,
      version: v.version,
      submittedAt: v.submitted_at,
      late: v.late,
      length: v.text_length,
      html: renderMarkdown(v.text_md, { breaks: true }),
      files: v.files,
      returnedHtml: v.returned_comment_md ? renderMarkdown(v.returned_comment_md) : null,
    })),
    flags: flags.map((fl) => ({
      id: fl.id,
      score: fl.score,
      myVersion: fl.myVersion,
      otherVersion: fl.otherVersion,
      otherSubmissionId: fl.otherSubmissionId,
      other: label(fl.otherSubmissionId, fl.otherName, fl.otherUsername),
    })),
    compare: compare && { ...compare, flagId: compareId! },
    prev,
    next,
    position: at >= 0 ? { at: at + 1, of: queue.length } : null,
  };
}

const Grade = z.object({
  score: z.coerce.number({ invalid_type_error: "请填写分数" }).min(0, "分数不能为负"),
  feedback: z.string().max(20_000, "评语过长").default(""),
});
const Return = z.object({ comment: text("退回意见", 5000) });

export async function action(args: ActionFunctionArgs) {
  const { user, assignment, submissionId } = await submissionFor(args);
  const { db, clientIp: ip } = args.context;
  const form = await args.request.formData();
  try {
    switch (form.get("intent")) {
      case "grade": {
        const p = parseForm(form, Grade);
        if (!p.ok) return failParsed(p);
        const r = await gradeSubmission(
          db,
          { assignment, submissionId, score: p.data.score, feedbackMd: p.data.feedback, graderId: user.id },
          { ip, email: args.context.config.email },
        );
        return { ok: true as const, message: `已评分：${r.score} 分${r.penaltyPercent ? `（迟交扣 ${r.penaltyPercent}%）` : ""}` };
      }
      case "return": {
        const p = parseForm(form, Return);
        if (!p.ok) return failParsed(p);
        await returnSubmission(db, { assignment, submissionId, commentMd: p.data.comment, graderId: user.id }, { ip, email: args.context.config.email });
        return { ok: true as const, message: "已退回修改" };
      }
      default:
        return fail("未知操作");
    }
  } catch (e) {
    if (e instanceof AssignmentError) return fail(e.message, e.field ? { [e.field]: e.message } : {}, e.status);
    throw e;
  }
}

/** j / → next, k / ← previous, as long as the focus is not in a text field. The links work without it. */
function useQueueKeys(prev: string | null, next: string | null) {
  const navigate = useNavigate();
  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      const el = e.target as HTMLElement | null;
      if (el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName))) return;
      const to = e.key === "j" || e.key === "ArrowRight" ? next : e.key === "k" || e.key === "ArrowLeft" ? prev : null;
      if (to) {
        e.preventDefault();
        navigate(to);
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [prev, next, navigate]);
}

export default function GradeSubmission() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const location = useLocation();
  const base = `/teach/${d.course.slug}/assignments/${d.assignment.key}`;
  const params = new URLSearchParams(location.search);
  params.delete("compare");
  const keep = params.toString() ? `?${params}` : "";
  const prevUrl = d.prev ? `${base}/${d.prev}${keep}` : null;
  const nextUrl = d.next ? `${base}/${d.next}${keep}` : null;
  useQueueKeys(prevUrl, nextUrl);
  const current = d.versions[0]!;
  const s = d.submission;
  const canGrade = s.status === "submitted" || s.status === "late" || s.status === "graded";
  const compareUrl = (flagId: number) => {
    const p = new URLSearchParams(params);
    p.set("compare", String(flagId));
    return `?${p}#compare`;
  };

  return (
    <div className="stack grading">
      <p className="crumbs muted">
        <Link to="/grading">批改</Link> / <Link to={`${base}${keep}`}>{d.assignment.title}</Link>
      </p>
      <nav className="queue-nav" aria-label="上一份/下一份">
        {prevUrl ? (
          <Link to={prevUrl} rel="prev" className="btn small">
            ← 上一份 <kbd>k</kbd>
          </Link>
        ) : (
          <span />
        )}
        <span className="muted small">{d.position ? `第 ${d.position.at} / ${d.position.of} 份` : ""}</span>
        {nextUrl ? (
          <Link to={nextUrl} rel="next" className="btn small">
            下一份 <kbd>j</kbd> →
          </Link>
        ) : (
          <span />
        )}
      </nav>

      <section className="card">
        <div className="page-head">
          <h1>{d.who}</h1>
          <span className={`tag status-${s.status}`}>{s.statusLabel}</span>
        </div>
        <p className="muted">
          {d.unit ? `${d.unit} · ` : ""}第 {current.version} 版 · {formatDateTime(current.submittedAt)} 提交 · {current.length.toLocaleString("en-US")} 字
          {d.assignment.minLength && current.length < d.assignment.minLength ? `（少于要求的 ${d.assignment.minLength} 字，正文可能在附件中）` : ""}
          {current.late ? <span className="tag late">迟交</span> : null}
          {d.deadlines.extended && d.deadlines.dueAt ? ` · 已延期至 ${formatDateTime(d.deadlines.dueAt)}` : ""}
        </p>
      </section>

      <FormOutcome result={result} />

      <div className="grade-layout">
        <article className="card stack">
          <h2>正文</h2>
          {current.html ? (
            <div className="prose submission-text" dangerouslySetInnerHTML={{ __html: current.html }} />
          ) : (
            <p className="muted">（未填写正文）</p>
          )}
          <Attachments files={current.files} />
        </article>

        <aside className="stack">
          <section className="card stack">
            <h2>评分</h2>
            {s.score !== null ? (
              <p>
                当前成绩 <strong>{s.score}</strong> / {d.assignment.maxScore}
                {s.penaltyPercent ? `（原始分 ${s.rawScore}，迟交扣 ${s.penaltyPercent}%）` : ""}
              </p>
            ) : null}
            {canGrade ? (
              <Form method="post" className="form" key={`grade-${s.gradedAt ?? 0}`}>
                <input type="hidden" name="intent" value="grade" />
                <label>
                  分数（满分 {d.assignment.maxScore}，及格 {d.assignment.passScore}）
                  <input
                    type="number"
                    {...fieldProps(result, "grade", "score")}
                    min={0}
                    max={d.assignment.maxScore}
                    step={0.5}
                    required
                    defaultValue={s.rawScore ?? ""}
                  />
                  <FieldError result={result} form="grade" name="score" />
                </label>
                {current.late && d.settings.latePenaltyPercent ? <small className="muted">迟交：保存时按 {d.settings.latePenaltyPercent}% 扣减</small> : null}
                <label>
                  评语（支持 Markdown）
                  <textarea {...fieldProps(result, "grade", "feedback")} rows={6} defaultValue={s.feedbackMd} />
                  <FieldError result={result} form="grade" name="feedback" />
                </label>
                <button type="submit" className="btn primary">
                  {s.status === "graded" ? "修改成绩" : "保存成绩"}
                </button>
              </Form>
            ) : (
              <p className="muted">已退回修改，等待学员重新提交。</p>
            )}
          </section>
          {canGrade ? (
            <section className="card stack">
              <h2>退回修改</h2>
              <Form method="post" className="form">
                <input type="hidden" name="intent" value="return" />
                <label>
                  退回意见（学员可见）
                  <textarea {...fieldProps(result, "return", "comment")} rows={4} required />
                  <FieldError result={result} form="return" name="comment" />
                </label>
                <button type="submit" className="btn danger">
                  退回修改
                </button>
              </Form>
            </section>
          ) : null}
          <details className="card">
            <summary>为该学员延期</summary>
            <Form method="post" action={`${base}?index`} className="form">
              <input type="hidden" name="intent" value="extension" />
              <input type="hidden" name="submission" value={s.id} />
              <input type="hidden" name="returnTo" value={`${location.pathname}${location.search}`} />
              <ExtensionFields />
              <button type="submit" className="btn">
                延期
              </button>
            </Form>
          </details>
        </aside>
      </div>

      <section className="card stack" id="similarity">
        <h2>相似度</h2>
        {d.flags.length ? (
          <ul className="flags">
            {d.flags.map((fl) => (
              <li key={fl.id}>
                <span className="tag warn">{Math.round(fl.score * 100)}%</span> 本人第 {fl.myVersion} 版 与 {fl.other} 第 {fl.otherVersion} 版{" "}
                <Link to={compareUrl(fl.id)}>对比</Link> <Link to={`${base}/${fl.otherSubmissionId}`}>打开</Link>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">没有超过阈值（{d.settings.similarityThreshold}）的相似提交。</p>
        )}
        {d.compare ? (
          <div id="compare" className="stack">
            <p>
              相似度 {Math.round(d.compare.score * 100)}%，共 {d.compare.passages} 处相同段落（标黄，编号对应）。相似只是提示，是否抄袭由教师判断。
            </p>
            <div className="side-by-side">
              <Passages title="本提交" segments={d.compare.mine} />
              <Passages title="对方" segments={d.compare.theirs} />
            </div>
          </div>
        ) : null}
      </section>

      {d.versions.length > 1 ? (
        <section className="card stack">
          <h2>历史版本</h2>
          {d.versions.slice(1).map((v) => (
            <details key={v.id} className="version">
              <summary>
                第 {v.version} 版 · {formatDateTime(v.submittedAt)} · {v.length.toLocaleString("en-US")} 字
                {v.late ? <span className="tag late">迟交</span> : null}
              </summary>
              <div className="prose" dangerouslySetInnerHTML={{ __html: v.html }} />
              <Attachments files={v.files} />
              {v.returnedHtml ? (
                <div className="returned">
                  <strong>退回意见：</strong>
                  <div className="prose" dangerouslySetInnerHTML={{ __html: v.returnedHtml }} />
                </div>
              ) : null}
            </details>
          ))}
        </section>
      ) : null}
    </div>
  );
}

function Attachments({ files }: { files: { id: number; name: string; type: string; size: number }[] }) {
  if (!files.length) return null;
  return (
    <div className="stack">
      <h3>附件</h3>
      {files.map((f) => (
        <figure key={f.id} className="attachment">
          {f.type === "png" || f.type === "jpg" ? <img src={`/submission-files/${f.id}?inline=1`} alt={f.name} loading="lazy" /> : null}
          <figcaption>
            {f.name}{" "}
            {f.type === "pdf" || f.type === "png" || f.type === "jpg" ? (
              <a href={`/submission-files/${f.id}?inline=1`} target="_blank" rel="noopener noreferrer">
                在浏览器中查看
              </a>
            ) : null}{" "}
            <a href={`/submission-files/${f.id}`}>下载</a>
          </figcaption>
        </figure>
      ))}
    </div>
  );
}

/** Text segments rendered by React: every character escaped, shared passages in <mark>. */
function Passages({ title, segments }: { title: string; segments: { text: string; mark: number | null }[] }) {
  return (
    <div className="passages">
      <h3>{title}</h3>
      <div className="plain">
        {segments.map((seg, i) =>
          seg.mark ? (
            <mark key={i} data-n={seg.mark} title={`相同段落 ${seg.mark}`}>
              {seg.text}
            </mark>
          ) : (
            <span key={i}>{seg.text}</span>
          ),
        )}
      </div>
    </div>
  );
}
