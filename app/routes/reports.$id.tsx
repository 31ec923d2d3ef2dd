// Reading a trainee's 思想汇报 as their 培养联系人 or the secretary (or the 组织部): write a dated
// 考察意见 (with attachments, checked like the report's own), or return it with a request to revise.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { FieldError, fieldProps, FormAlert } from "~/components/FormErrors.tsx";
import { ReportFiles, ReportReviews } from "~/components/ReportReviews.tsx";
import { BranchError } from "~/models/branch-scope.server.ts";
import { getReportForViewer, MAX_REPORT_FILES, REPORT_ALLOWED, REPORT_MAX_BYTES, reviewReport } from "~/models/branch-reports.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { cstToday, formatDateTime } from "~/utils/cst.ts";
import { fail, failParsed, failWith } from "~/utils/form-result.server.ts";
import { idParam, parseForm } from "~/utils/forms.server.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";
import { renderMarkdown } from "~/utils/markdown.server.ts";
import { REPORT_STATUS_LABEL, reviewable } from "~/utils/report-rhythm.ts";
import { parseUploadForm, UploadRefused } from "~/utils/uploads.server.ts";

export const meta: MetaFunction = () => [{ title: "阅思想汇报 · 网上党校" }];

async function load(args: LoaderFunctionArgs) {
  const me = await requireUser(args);
  const id = idParam.safeParse(args.params.id);
  const found = id.success ? await getReportForViewer(args.context.db, id.data, me) : null;
  if (!found || found.access === "self") throw new Response("思想汇报不存在", { status: 404 });
  return { me, found };
}

export async function loader(args: LoaderFunctionArgs) {
  const { found } = await load(args);
  const { report, person, files, reviews } = found;
  return {
    report: { id: report.id, title: report.title, status: report.status, submittedAt: report.submitted_at, stage: report.stage },
    person: { id: person.id, name: person.name, username: person.username, unit: person.unit_name },
    html: renderMarkdown(report.text_md ?? ""),
    files,
    reviews: reviews.map((r) => ({ ...r, html: renderMarkdown(r.body_md) })),
    today: cstToday(),
    maxFiles: MAX_REPORT_FILES,
  };
}

const Review = z.object({
  intent: z.enum(["opinion", "return"], { errorMap: () => ({ message: "未知操作" }) }),
  body: z.string().max(5000, "意见过长（最多 5000 字）"),
  reviewedOn: z.string().trim().max(10),
});

export async function action(args: ActionFunctionArgs) {
  const { me, found } = await load(args);
  try {
    // Refuse before reading a byte of an upload when nothing may be written now.
    if (!reviewable(found.report.status)) return fail("该思想汇报现在不能审阅（已退回或未提交）", {}, 409);
    const { form, files } = await parseUploadForm(args.request, {
      storage: args.context.storage,
      allowed: new Set(REPORT_ALLOWED),
      maxBytes: REPORT_MAX_BYTES,
      maxFiles: MAX_REPORT_FILES,
    });
    const parsed = parseForm(form, Review);
    if (!parsed.ok) return failParsed(parsed);
    await reviewReport(
      args.context.db,
      { reportId: found.report.id, kind: parsed.data.intent, body: parsed.data.body, reviewedOn: parsed.data.reviewedOn, files },
      me,
      { ip: args.context.clientIp, email: args.context.config.email },
    );
    return { ok: true as const, message: parsed.data.intent === "return" ? "已退回，学员修改后可再次提交" : "考察意见已保存" };
  } catch (e) {
    if (e instanceof BranchError) return failWith(e);
    if (e instanceof UploadRefused) return fail(e.message, { files: e.message }, e.status);
    throw e;
  }
}

export default function ReadReport() {
  const { report, person, html, files, reviews, today, maxFiles } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const open = report.status === "submitted" || report.status === "reviewed";
  const f = (name: string) => fieldProps(result, "review", name);
  return (
    <section className="narrow stack">
      <p>
        <Link to={`/branch/people/${person.id}`}>← {person.name}的培养考察</Link>
      </p>
      <h1>
        {report.title} <span className="tag">{REPORT_STATUS_LABEL[report.status]}</span>
      </h1>
      <p className="muted">
        {person.name}（{person.username}）· {person.unit}
        {report.stage ? ` · 提交时为${STAGE_LABEL[report.stage]}` : ""}
        {report.submittedAt ? ` · 提交于 ${formatDateTime(report.submittedAt)}` : ""}
      </p>
      <FormAlert result={result} />
      {result?.ok ? (
        <p className="alert ok" role="status">
          {result.message}
        </p>
      ) : null}
      <div className="card prose" dangerouslySetInnerHTML={{ __html: html }} />
      <ReportFiles files={files} />
      <h2>考察意见</h2>
      <ReportReviews reviews={reviews} />
      {reviews.length === 0 ? <p className="muted">尚无考察意见</p> : null}
      {open ? (
        <Form method="post" encType="multipart/form-data" className="card form stack" key={reviews.length}>
          <label>
            意见
            <textarea {...f("body")} rows={5} maxLength={5000} required />
            <FieldError result={result} form="review" name="body" />
          </label>
          <label>
            日期
            <input type="date" {...f("reviewedOn")} defaultValue={today} max={today} required />
            <FieldError result={result} form="review" name="reviewedOn" />
          </label>
          <label>
            附件（可选，PDF、Word、图片，每个不超过 10 MB，最多 {maxFiles} 个）
            <input type="file" {...f("files")} multiple accept=".pdf,.doc,.docx,.jpg,.jpeg,.png" />
            <FieldError result={result} form="review" name="files" />
          </label>
          <div className="row">
            <button className="btn" name="intent" value="opinion" type="submit">
              保存考察意见
            </button>
            <button className="btn secondary" name="intent" value="return" type="submit">
              退回修改
            </button>
          </div>
        </Form>
      ) : null}
    </section>
  );
}
