// A trainee's 思想汇报 for the branch: where they stand against the rhythm, and their reports.
import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { FormAlert } from "~/components/FormErrors.tsx";
import { ReportStandingNote } from "~/components/ReportStanding.tsx";
import { BranchError } from "~/models/branch-scope.server.ts";
import { createReport, listMyReports, myReportStanding } from "~/models/branch-reports.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { formatDateTime } from "~/utils/cst.ts";
import { fail } from "~/utils/form-result.server.ts";
import { REPORT_STATUS_LABEL } from "~/utils/report-rhythm.ts";

export const meta: MetaFunction = () => [{ title: "思想汇报 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const me = await requireRole(args, "trainee");
  const { db } = args.context;
  return { reports: await listMyReports(db, me.id), standing: await myReportStanding(db, me.id) };
}

export async function action(args: ActionFunctionArgs) {
  const me = await requireRole(args, "trainee");
  const form = await args.request.formData();
  if (form.get("intent") !== "new") return fail("未知操作");
  try {
    return redirect(`/my/reports/${await createReport(args.context.db, me.id)}`);
  } catch (e) {
    if (e instanceof BranchError) return fail(e.message, {}, e.status);
    throw e;
  }
}

export default function MyReports() {
  const { reports, standing } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <section className="narrow stack">
      <h1>思想汇报</h1>
      <FormAlert result={result} />
      {standing ? <ReportStandingNote standing={standing} /> : null}
      <Form method="post">
        <input type="hidden" name="intent" value="new" />
        <button className="btn" type="submit">
          写思想汇报
        </button>
      </Form>
      <ul className="cards">
        {reports.map((r) => (
          <li key={r.id} className="card">
            <Link to={`/my/reports/${r.id}`}>
              <strong>{r.title}</strong>
            </Link>{" "}
            <span className="tag">{REPORT_STATUS_LABEL[r.status]}</span>
            <span className="muted"> {r.submitted_at ? `提交于 ${formatDateTime(r.submitted_at)}` : `保存于 ${formatDateTime(r.updated_at)}`}</span>
          </li>
        ))}
        {reports.length === 0 ? <li className="card empty">还没有思想汇报</li> : null}
      </ul>
    </section>
  );
}
