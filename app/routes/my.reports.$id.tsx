// Writing one 思想汇报: title, text, attachments; save as draft, then submit. A returned report comes
// back here with the request, to be revised and submitted again.
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { ReportReviews } from "~/components/ReportReviews.tsx";
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
import { idParam, parseForm } from "~/utils/forms.server.ts";
import { renderMarkdown } from "~/utils/markdown.server.ts";
import { REPORT_STATUS_LABEL } from "~/utils/report-rhythm.ts";
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
    report: { id: report.id, title: report.title, status: report.status, draft: report.draft_md, submittedAt: report.submitted_at },
    html: report.status === "submitted" || report.status === "reviewed" ? renderMarkdown(report.text_md ?? "") : null,
    files,
    reviews: reviews.map((r) => ({ ...r, html: renderMarkdown(r.body_md) })),
    minChars: MIN_REPORT_CHARS,
    maxFiles: MAX_REPORT_FILES,
  };
}

const ActionForm = z.object({
  intent: z.string().regex(/^(save|submit|remove:\d+)$/, "未知操作"),
  title: z.string().max(200).default(""),
  text: z.string().max(100_000, "正文过长").default(""),
});

export async function action(args: ActionFunctionArgs) {
  const { me, found } = await load(args);
  const { db, storage } = args.context;
  const fail = (message: string, status = 400) => data({ ok: false, message }, { status });
  try {
    let form: FormData;
    let files: AcceptedFile[] = [];
    if ((args.request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data")) {
      if (found.report.status !== "draft" && found.report.status !== "returned") return fail("已提交的思想汇报不能修改", 409);
      ({ form, files } = await parseUploadForm(args.request, {
        storage,
        allowed: new Set(REPORT_ALLOWED),
        maxBytes: REPORT_MAX_BYTES,
        maxFiles: MAX_REPORT_FILES,
      }));
    } else {
      form = await args.request.formData();
    }
    const parsed = parseForm(form, ActionForm);
    if (!parsed.ok) return fail(parsed.message);
    const who = { reportId: found.report.id, userId: me.id };
    await saveReportDraft(db, { ...who, title: parsed.data.title, text: parsed.data.text, files });
    const remove = /^remove:(\d+)$/.exec(parsed.data.intent);
    if (remove) {
      await removeReportFile(db, { ...who, fileId: Number(remove[1]) });
      return { ok: true, message: "附件已删除" };
    }
    if (parsed.data.intent === "submit") {
      await submitReport(db, who, { ip: args.context.clientIp });
      return { ok: true, message: "已提交，等待培养联系人和支部书记审阅" };
    }
    return { ok: true, message: files.length ? `草稿已保存，已上传 ${files.length} 个附件` : "草稿已保存" };
  } catch (e) {
    if (e instanceof BranchError) return fail(e.message);
    if (e instanceof UploadRefused) return fail(e.message, e.status);
    throw e;
  }
}

export default function MyReport() {
  const { report, html, files, reviews, minChars, maxFiles } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const editable = report.status === "draft" || report.status === "returned";
  return (
    <section className="narrow stack">
      <p>
        <Link to="/my/reports">← 思想汇报</Link>
      </p>
      <h1>
        {report.title} <span className="tag">{REPORT_STATUS_LABEL[report.status]}</span>
      </h1>
      {result ? (
        <p className={`alert ${result.ok ? "ok" : "error"}`} role={result.ok ? "status" : "alert"}>
          {result.message}
        </p>
      ) : null}
      <ReportReviews reviews={reviews} />
      {editable ? (
        <Form method="post" encType="multipart/form-data" className="card form stack">
          <label>
            标题
            <input name="title" defaultValue={report.title} maxLength={60} required />
          </label>
          <label>
            正文（支持 Markdown，至少 {minChars} 字）
            <textarea name="text" rows={14} defaultValue={report.draft} />
          </label>
          <ul className="plain">
            {files.map((f) => (
              <li key={f.id}>
                <a href={`/report-files/${f.id}`}>{f.name}</a>{" "}
                <button className="btn secondary small" name="intent" value={`remove:${f.id}`} type="submit">
                  删除
                </button>
              </li>
            ))}
          </ul>
          {files.length < maxFiles ? (
            <label>
              附件（PDF、Word、图片，每个不超过 10 MB）
              <input type="file" name="files" multiple accept=".pdf,.doc,.docx,.jpg,.jpeg,.png" />
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
      ) : (
        <div className="card">
          <p className="muted">提交于 {report.submittedAt ? formatDateTime(report.submittedAt) : ""}</p>
          <div className="prose" dangerouslySetInnerHTML={{ __html: html ?? "" }} />
          <ul className="plain">
            {files.map((f) => (
              <li key={f.id}>
                <a href={`/report-files/${f.id}`}>{f.name}</a>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
