// Reading a trainee's 思想汇报 as their 培养联系人 or the secretary (or the 组织部): write a dated
// 考察意见, or return it with a request to revise.
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { ReportReviews } from "~/components/ReportReviews.tsx";
import { BranchError } from "~/models/branch-scope.server.ts";
import { getReportForViewer, reviewReport } from "~/models/branch-reports.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { cstToday, formatDateTime } from "~/utils/cst.ts";
import { idParam, parseForm } from "~/utils/forms.server.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";
import { renderMarkdown } from "~/utils/markdown.server.ts";
import { REPORT_STATUS_LABEL } from "~/utils/report-rhythm.ts";

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
  };
}

const Review = z.object({
  intent: z.enum(["opinion", "return"], { errorMap: () => ({ message: "未知操作" }) }),
  body: z.string().max(5000, "意见过长（最多 5000 字）"),
  reviewedOn: z.string().trim().max(10),
});

export async function action(args: ActionFunctionArgs) {
  const { me, found } = await load(args);
  const parsed = parseForm(await args.request.formData(), Review);
  if (!parsed.ok) return data({ ok: false, message: parsed.message }, { status: 400 });
  try {
    await reviewReport(
      args.context.db,
      { reportId: found.report.id, kind: parsed.data.intent, body: parsed.data.body, reviewedOn: parsed.data.reviewedOn },
      me,
      { ip: args.context.clientIp },
    );
    return { ok: true, message: parsed.data.intent === "return" ? "已退回，学员修改后可再次提交" : "考察意见已保存" };
  } catch (e) {
    if (e instanceof BranchError) return data({ ok: false, message: e.message }, { status: 400 });
    throw e;
  }
}

export default function ReadReport() {
  const { report, person, html, files, reviews, today } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const open = report.status === "submitted" || report.status === "reviewed";
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
      {result ? (
        <p className={`alert ${result.ok ? "ok" : "error"}`} role={result.ok ? "status" : "alert"}>
          {result.message}
        </p>
      ) : null}
      <div className="card prose" dangerouslySetInnerHTML={{ __html: html }} />
      {files.length ? (
        <ul className="plain">
          {files.map((f) => (
            <li key={f.id}>
              <a href={`/report-files/${f.id}`}>{f.name}</a>
            </li>
          ))}
        </ul>
      ) : null}
      <h2>考察意见</h2>
      <ReportReviews reviews={reviews} />
      {reviews.length === 0 ? <p className="muted">尚无考察意见</p> : null}
      {open ? (
        <Form method="post" className="card form stack">
          <label>
            意见
            <textarea name="body" rows={5} maxLength={5000} required />
          </label>
          <label>
            日期
            <input type="date" name="reviewedOn" defaultValue={today} max={today} required />
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
