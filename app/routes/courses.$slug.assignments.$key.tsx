import { data, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useFetcher, useLoaderData, useNavigation, type ShouldRevalidateFunction } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { z } from "zod";
import {
  AssignmentError,
  getAssignmentForTrainee,
  MAX_FILES,
  removeDraftFile,
  saveDraft,
  STATUS_LABEL,
  submitAssignment,
} from "~/models/assignments.server.ts";
import { whyCourseHidden } from "~/models/courses.server.ts";
import assignmentsCss from "~/styles/assignments.css?url";
import proseCss from "~/styles/prose.css?url";
import { requireUser } from "~/guards/auth.server.ts";
import { AssignmentBrief } from "~/components/CourseReader.tsx";
import { FieldError, fieldProps } from "~/components/FormErrors.tsx";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { idParam, parseForm } from "~/utils/forms.server.ts";
import { MARKDOWN_LIMITS_TEXT, renderMarkdown } from "~/utils/markdown.server.ts";
import { parseUploadForm, TYPE_LABEL, UploadRefused, type AcceptedFile } from "~/utils/uploads.server.ts";
import { formatDateTime } from "~/utils/cst.ts";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: proseCss },
  { rel: "stylesheet", href: assignmentsCss },
];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.assignment.title ?? "作业"} · 网上党校` }];

async function load(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  const { db } = args.context;
  const slug = args.params.slug ?? "";
  const found = await getAssignmentForTrainee(db, slug, args.params.key ?? "", user);
  if (found === null) throw new Response("作业不存在", { status: 404 });
  if (!found) {
    const why = await whyCourseHidden(db, slug, user);
    throw new Response(why?.message ?? "作业不存在", { status: why?.status ?? 404 });
  }
  return { user, found };
}

export async function loader(args: LoaderFunctionArgs) {
  const { found } = await load(args);
  const { course, assignment: a, submission, versions, draftFiles, deadlines, extension, edit, result, settings } = found;
  const mediaBase = `/media/courses/${course.slug}/`;
  const status = submission?.status ?? "none";
  return {
    markdownLimits: MARKDOWN_LIMITS_TEXT,
    course: { slug: course.slug, title: course.title },
    assignment: {
      key: a.key,
      title: a.title,
      kind: a.kind,
      maxScore: a.max_score,
      passScore: a.pass_score,
      hours: a.hours,
      minLength: a.min_length,
      allowed: a.allowed.map((t) => TYPE_LABEL[t]),
      accept: a.allowed.map((t) => (t === "jpg" ? ".jpg,.jpeg" : `.${t}`)).join(","),
      maxMb: a.max_attachment_mb,
      resubmit: a.resubmit,
      promptHtml: renderMarkdown(a.body_md, { mediaBase }),
    },
    deadlines,
    extensionReason: extension?.reason ?? null,
    edit,
    status,
    statusLabel: STATUS_LABEL[status],
    awaitingRelease: status === "graded" && !result && settings.blind,
    draft: { text: submission?.draftMd ?? "", savedAt: submission?.draftSavedAt ?? null },
    draftFiles,
    maxFiles: MAX_FILES,
    versions: versions.map((v) => ({
      id: v.id,
      version: v.version,
      submittedAt: v.submitted_at,
      late: v.late,
      length: v.text_length,
      html: renderMarkdown(v.text_md, { breaks: true }),
      files: v.files,
      returnedHtml: v.returned_comment_md ? renderMarkdown(v.returned_comment_md) : null,
      returnedAt: v.returned_at,
    })),
    result: result && { ...result, feedbackHtml: result.feedbackMd ? renderMarkdown(result.feedbackMd) : null },
  };
}

const ActionForm = z.object({
  intent: z.string({ required_error: "未知操作" }),
  text: z.string().max(200_000, "正文过长").optional(),
  seq: idParam.optional(),
});

type ActionResult = { ok: true; message?: string; previewHtml?: string; savedAt?: number };

export async function action(args: ActionFunctionArgs) {
  const { user, found } = await load(args);
  const { db, storage } = args.context;
  const { assignment } = found;
  try {
    let form: FormData;
    let files: AcceptedFile[] = [];
    if ((args.request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data")) {
      // Refuse before reading a byte of the upload when nothing may change now.
      if (!found.edit.canEdit) return fail(found.edit.reason ?? "现在不能修改", {}, 409);
      ({ form, files } = await parseUploadForm(args.request, {
        storage,
        allowed: new Set(assignment.allowed),
        maxBytes: assignment.maxBytes,
        maxFiles: MAX_FILES,
      }));
    } else {
      form = await args.request.formData();
    }
    const parsed = parseForm(form, ActionForm);
    if (!parsed.ok) return failParsed(parsed);
    const { intent, text, seq } = parsed.data;
    const who = { assignment, userId: user.id };
    if (intent === "autosave") {
      const saved = await saveDraft(db, { ...who, text, seq });
      return data<ActionResult>({ ok: true, savedAt: saved.savedAt });
    }
    const saved = await saveDraft(db, { ...who, text, files });
    const remove = /^remove:(\d+)$/.exec(intent);
    if (remove) {
      await removeDraftFile(db, { ...who, fileId: Number(remove[1]) });
      return data<ActionResult>({ ok: true, message: "附件已删除", savedAt: saved.savedAt });
    }
    switch (intent) {
      case "save":
        return data<ActionResult>({ ok: true, message: files.length ? `草稿已保存，已上传 ${files.length} 个附件` : "草稿已保存", savedAt: saved.savedAt });
      case "preview":
        return data<ActionResult>({ ok: true, previewHtml: renderMarkdown(text ?? "", { breaks: true }), savedAt: saved.savedAt });
      case "submit": {
        const res = await submitAssignment(db, { ...who, text }, { ip: args.context.clientIp });
        return data<ActionResult>({ ok: true, message: `已提交第 ${res.version} 版${res.late ? "（迟交）" : ""}` });
      }
      default:
        return fail("未知操作");
    }
  } catch (e) {
    if (e instanceof UploadRefused) return fail(e.message, { files: e.message }, e.status);
    if (e instanceof AssignmentError) return fail(e.message, {}, e.status);
    throw e;
  }
}

/** Autosaves and previews change nothing the page shows from the loader. */
export const shouldRevalidate: ShouldRevalidateFunction = ({ formData, defaultShouldRevalidate }) =>
  formData?.get("intent") === "autosave" ? false : defaultShouldRevalidate;

const countChars = (text: string) => [...text].filter((c) => !/\s/.test(c)).length;
const fmt = (n: number) => n.toLocaleString("en-US");
const fmtTime = (unix: number) => formatDateTime(unix).slice(11) + ":" + String(new Date(unix * 1000).getSeconds()).padStart(2, "0");
const sizeLabel = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`);

export default function AssignmentPage() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const a = d.assignment;
  // After 提交/保存 the outcome ("已提交第 N 版", or why not) is where the eye and the screen reader go.
  // Once the page has settled (the reloaded data can fold 题目要求 above it), so it stays in view.
  const outcome = useRef<HTMLParagraphElement>(null);
  const navigation = useNavigation();
  const shown = useRef<unknown>(null);
  useEffect(() => {
    if (navigation.state !== "idle" || !result?.message || shown.current === result) return;
    shown.current = result;
    requestAnimationFrame(() => {
      outcome.current?.focus({ preventScroll: true });
      outcome.current?.scrollIntoView({ block: "center" });
    });
  }, [result, navigation.state]);
  return (
    <div className="stack assignment-page">
      <AssignmentBrief base={`/courses/${d.course.slug}`} {...d} />

      {d.result ? (
        <section className="card stack result">
          <h2>成绩</h2>
          <p className="score">
            <strong>{d.result.score}</strong> / {a.maxScore} 分{" "}
            <span className={`tag ${d.result.passed ? "ok" : ""}`}>{d.result.passed ? "合格" : "不合格"}</span>
          </p>
          {d.result.penaltyPercent ? (
            <p className="muted">
              原始分 {d.result.rawScore}，迟交扣 {d.result.penaltyPercent}%
            </p>
          ) : null}
          {d.result.feedbackHtml ? <div className="prose feedback" dangerouslySetInnerHTML={{ __html: d.result.feedbackHtml }} /> : null}
        </section>
      ) : d.awaitingRelease ? (
        <p className="alert warn">已评分，成绩将在教师发布后显示。</p>
      ) : null}

      {d.status === "returned" && d.versions[0]?.returnedHtml ? (
        <section className="card alert warn stack">
          <h2>教师退回修改</h2>
          <div className="prose" dangerouslySetInnerHTML={{ __html: d.versions[0].returnedHtml }} />
          <p className="small">请根据意见修改后重新提交。</p>
        </section>
      ) : null}

      {result?.message ? (
        <p className={`alert ${result.ok ? "ok" : "error"}`} role={result.ok ? "status" : "alert"} tabIndex={-1} ref={outcome}>
          {result.message}
        </p>
      ) : null}

      {d.edit.canEdit ? <Editor /> : <p className="alert warn">{d.edit.reason}</p>}

      {d.versions.length ? (
        <section className="card stack">
          <h2>提交记录</h2>
          {d.versions.map((v) => (
            <details key={v.id} className="version" open={v.version === d.versions[0]!.version && !d.edit.canEdit}>
              <summary>
                第 {v.version} 版 · {formatDateTime(v.submittedAt)} · {fmt(v.length)} 字{v.late ? <span className="tag late">迟交</span> : null}
                {v.returnedAt ? <span className="tag">已退回</span> : null}
              </summary>
              <div className="prose" dangerouslySetInnerHTML={{ __html: v.html }} />
              <FileList files={v.files} />
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

function FileList({ files, removable }: { files: { id: number; name: string; type: string; size: number }[]; removable?: boolean }) {
  if (!files.length) return null;
  return (
    <ul className="files">
      {files.map((f) => (
        <li key={f.id}>
          <a href={`/submission-files/${f.id}`}>{f.name}</a> <small className="muted">{sizeLabel(f.size)}</small>
          {removable ? (
            <button type="submit" name="intent" value={`remove:${f.id}`} className="btn-link" formNoValidate>
              删除
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/**
 * The writing area: one multipart form, so every button also saves the text and any chosen files
 * without JavaScript. With JavaScript the text is also autosaved two seconds after typing stops.
 */
function Editor() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const autosave = useFetcher<typeof action>({ key: "autosave" });
  const [text, setText] = useState(d.draft.text);
  const [dirty, setDirty] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>();
  const a = d.assignment;
  const count = countChars(text);
  const short = !!a.minLength && count < a.minLength;
  const busy = navigation.state !== "idle";
  const savedAt = (autosave.data?.ok && autosave.data.savedAt) || (result?.ok && result.savedAt) || d.draft.savedAt;

  useEffect(() => () => clearTimeout(timer.current), []);
  useEffect(() => {
    if (autosave.state === "idle" && autosave.data?.ok) setDirty(false);
  }, [autosave.state, autosave.data]);
  // A successful 提交/保存 carried the text too: nothing is unsaved any more.
  useEffect(() => {
    if (result?.ok) setDirty(false);
  }, [result]);

  function onChange(value: string) {
    setText(value);
    setDirty(true);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      autosave.submit({ intent: "autosave", text: value, seq: String(Date.now()) }, { method: "post" });
    }, 2000);
  }

  return (
    <Form method="post" encType="multipart/form-data" className="card form editor" preventScrollReset onSubmit={() => clearTimeout(timer.current)}>
      <h2>{d.edit.resubmission ? "修改后重新提交" : "撰写"}</h2>
      {d.edit.willBeLate ? <p className="alert warn">已过截止时间，现在提交将记为迟交。</p> : null}
      <label>
        正文（支持 Markdown）
        <textarea
          {...fieldProps(result, "assignment", "text")}
          rows={18}
          value={text}
          onChange={(e) => onChange(e.target.value)}
          placeholder="敬爱的党组织："
        />
        <FieldError result={result} form="assignment" name="text" />
      </label>
      <p className={`counter ${short ? "short" : ""}`} aria-live="polite">
        {a.minLength ? `当前 ${fmt(count)} 字，至少 ${fmt(a.minLength)} 字` : `当前 ${fmt(count)} 字`}
        <span className="muted save-state">
          {autosave.state !== "idle" ? "保存中…" : dirty ? "有未保存的修改" : savedAt ? `已保存 ${fmtTime(savedAt)}` : ""}
        </span>
      </p>
      {a.minLength ? <p className="muted small">正文在附件中时，可不受最少字数限制，由教师核对。</p> : null}
      <p className="muted small">正文最多 200,000 字；{d.markdownLimits}。</p>

      {a.allowed.length ? (
        <fieldset className="attachments">
          <legend>附件</legend>
          <FileList files={d.draftFiles} removable />
          {d.draftFiles.length < d.maxFiles ? (
            <label>
              <span className="muted small">
                {a.allowed.join("、")}，每个不超过 {a.maxMb} MB，最多 {d.maxFiles} 个
              </span>
              <input key={d.draftFiles.map((f) => f.id).join("-")} type="file" {...fieldProps(result, "assignment", "files")} multiple accept={a.accept} />
              <FieldError result={result} form="assignment" name="files" />
            </label>
          ) : null}
        </fieldset>
      ) : null}

      <div className="row-actions">
        <button type="submit" name="intent" value="submit" className="btn primary" disabled={busy}>
          {d.edit.resubmission ? "重新提交" : "提交"}
        </button>
        <button type="submit" name="intent" value="save" className="btn" disabled={busy}>
          保存草稿{a.allowed.length ? "/上传附件" : ""}
        </button>
        <button type="submit" name="intent" value="preview" className="btn" disabled={busy}>
          预览
        </button>
      </div>
      {result?.ok && result.previewHtml !== undefined ? (
        <section className="preview">
          <h3>预览</h3>
          <div className="prose" dangerouslySetInnerHTML={{ __html: result.previewHtml }} />
        </section>
      ) : null}
    </Form>
  );
}
