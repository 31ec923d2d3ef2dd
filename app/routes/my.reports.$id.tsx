// Writing one 思想汇报: title, text, attachments; save as draft, then submit. A returned report comes
// back here with the request, to be revised and submitted again. With JavaScript the draft is also
// autosaved (my.reports.$id.draft) and kept on the phone until the server has it.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { FieldError, fieldProps, FormAlert } from "~/components/FormErrors.tsx";
import { ReportFiles, ReportReviews } from "~/components/ReportReviews.tsx";
import { useDraftAutosave } from "~/components/useDraftAutosave.ts";
import { BranchError } from "~/models/branch-scope.server.ts";
import {
  getReportForViewer,
  MAX_REPORT_FILES,
  MIN_REPORT_CHARS,
  removeReportFile,
  REPORT_ALLOWED,
  REPORT_MAX_BYTES,
  saveReportDraft,
  submitReport,
} from "~/models/branch-reports.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { formatDateTime } from "~/utils/cst.ts";
import { fail, failParsed, failWith } from "~/utils/form-result.server.ts";
import { idParam, parseForm } from "~/utils/forms.server.ts";
import { renderMarkdown } from "~/utils/markdown.server.ts";
import { editable, REPORT_STATUS_LABEL } from "~/utils/report-rhythm.ts";
import { parseUploadForm, UploadRefused, type AcceptedFile } from "~/utils/uploads.server.ts";

export const meta: MetaFunction = () => [{ title: "思想汇报 · 网上党校" }];

async function load(args: LoaderFunctionArgs) {
  const me = await requireRole(args, "trainee");
  const id = idParam.safeParse(args.params.id);
  const found = id.success ? await getReportForViewer(args.context.db, id.data, me) : null;
  if (!found || found.access !== "self") throw new Response("思想汇报不存在", { status: 404 });
  return { me, found };
}

export async function loader(args: LoaderFunctionArgs) {
  const { found } = await load(args);
  const { report, files, reviews } = found;
  return {
    report: {
      id: report.id,
      title: report.title,
      status: report.status,
      draft: report.draft_md,
      draftSeq: report.draft_seq,
      updatedAt: report.updated_at,
      submittedAt: report.submitted_at,
    },
    html: report.status === "submitted" || report.status === "reviewed" ? renderMarkdown(report.text_md ?? "") : null,
    files,
    reviews: reviews.map((r) => ({ ...r, html: renderMarkdown(r.body_md) })),
    minChars: MIN_REPORT_CHARS,
    maxFiles: MAX_REPORT_FILES,
  };
}

const ActionForm = z.object({
  intent: z.string().regex(/^(save|submit|remove:\d+)$/, "未知操作"),
  title: z.string().max(200, "标题过长").default(""),
  text: z.string().max(100_000, "正文过长（最多 100,000 字）").default(""),
  seq: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).catch(0),
});

type Done = { ok: true; message: string };

export async function action(args: ActionFunctionArgs) {
  const { me, found } = await load(args);
  const { db, storage } = args.context;
  try {
    // Refuse before reading a byte of an upload when nothing may change now.
    if (!editable(found.report.status)) return fail("已提交的思想汇报不能修改", {}, 409);
    const { form, files }: { form: FormData; files: AcceptedFile[] } = await parseUploadForm(args.request, {
      storage,
      allowed: new Set(REPORT_ALLOWED),
      maxBytes: REPORT_MAX_BYTES,
      maxFiles: MAX_REPORT_FILES,
    });
    const parsed = parseForm(form, ActionForm);
    if (!parsed.ok) return failParsed(parsed);
    const { intent, title, text, seq } = parsed.data;
    const who = { reportId: found.report.id, userId: me.id };
    await saveReportDraft(db, { ...who, title, text, seq, files });
    const remove = /^remove:(\d+)$/.exec(intent);
    if (remove) {
      await removeReportFile(db, { ...who, fileId: Number(remove[1]) });
      return { ok: true, message: "附件已删除" } satisfies Done;
    }
    if (intent === "submit") {
      await submitReport(db, who, { ip: args.context.clientIp });
      return { ok: true, message: "已提交，等待培养联系人和支部书记审阅" } satisfies Done;
    }
    return { ok: true, message: files.length ? `草稿已保存，已上传 ${files.length} 个附件` : "草稿已保存" } satisfies Done;
  } catch (e) {
    if (e instanceof BranchError) return failWith(e);
    if (e instanceof UploadRefused) return fail(e.message, { files: e.message }, e.status);
    throw e;
  }
}

export default function MyReport() {
  const { report, html, files, reviews } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <section className="narrow stack">
      <p>
        <Link to="/my/reports">← 思想汇报</Link>
      </p>
      <h1>
        {report.title} <span className="tag">{REPORT_STATUS_LABEL[report.status]}</span>
      </h1>
      <FormAlert result={result} />
      {result?.ok ? (
        <p className="alert ok" role="status">
          {result.message}
        </p>
      ) : null}
      <ReportReviews reviews={reviews} />
      {editable(report.status) ? (
        <Editor key={report.id} />
      ) : (
        <div className="card">
          <p className="muted">提交于 {report.submittedAt ? formatDateTime(report.submittedAt) : ""}</p>
          <div className="prose" dangerouslySetInnerHTML={{ __html: html ?? "" }} />
          <ReportFiles files={files} />
        </div>
      )}
    </section>
  );
}

/** The writing form: every button also saves the text and chosen files, without JavaScript too. */
function Editor() {
  const { report, files, minChars, maxFiles } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const draft = useDraftAutosave({
    url: `/my/reports/${report.id}/draft`,
    storageKey: `dx-report-draft-${report.id}`,
    server: { title: report.title, text: report.draft, seq: report.draftSeq, savedAt: report.draftSeq ? report.updatedAt : null },
  });
  const f = (name: string) => fieldProps(result, "report", name);
  return (
    <Form method="post" encType="multipart/form-data" className="card form stack" onSubmit={draft.handOver}>
      <input type="hidden" name="seq" value={draft.seq} />
      <label>
        标题
        <input {...f("title")} value={draft.title} onChange={(e) => draft.change({ title: e.target.value })} maxLength={60} required />
        <FieldError result={result} form="report" name="title" />
      </label>
      <label>
        正文（支持 Markdown，至少 {minChars} 字）
        <textarea {...f("text")} rows={14} value={draft.text} onChange={(e) => draft.change({ text: e.target.value })} />
        <FieldError result={result} form="report" name="text" />
      </label>
      <p className={`draft-status ${draft.status.tone}`} aria-live="polite" data-testid="draft-status">
        {draft.status.text}
      </p>
      <ReportFiles files={files} removable />
      {files.length < maxFiles ? (
        <label>
          附件（PDF、Word、图片，每个不超过 10 MB）
          <input type="file" {...f("files")} multiple accept=".pdf,.doc,.docx,.jpg,.jpeg,.png" />
          <FieldError result={result} form="report" name="files" />
        </label>
      ) : null}
      <div className="row">
        <button className="btn secondary" name="intent" value="save" type="submit">
          保存草稿
        </button>
        <button className="btn" name="intent" value="submit" type="submit">
          提交
        </button>
      </div>
    </Form>
  );
}
