// 统计 for the organization department: every class and unit (see app/models/statistics.server.ts).
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { DashboardView } from "~/components/Dashboard.tsx";
import { QuestionStats } from "~/components/QuestionStats.tsx";
import { listOverdue } from "~/models/branch-reports.server.ts";
import { listClassesFor } from "~/models/classes.server.ts";
import { questionStats } from "~/models/questions.server.ts";
import { dashboardPage } from "~/models/statistics.server.ts";
import dashboardCss from "~/styles/dashboard.css?url";
import { requireRole } from "~/guards/auth.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: dashboardCss }];
export const meta: MetaFunction = () => [{ title: "统计 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const me = await requireRole(args, "admin");
  const { db } = args.context;
  const page = await dashboardPage(db, new URL(args.request.url).searchParams, { unitPath: null }, await listClassesFor(db, me));
  // The school-wide count of trainees behind on 思想汇报: the same function as the secretaries' pages, over the whole tree.
  return { ...page, questions: await questionStats(db), reportsOverdue: (await listOverdue(db, "/")).length };
}

export default function AdminDashboard() {
  const data = useLoaderData<typeof loader>();
  return (
    <>
      <DashboardView data={data} title="统计" ledgerHref="/admin/ledger" canGrade reportsOverdue={data.reportsOverdue} />
      <QuestionStats stats={data.questions} />
    </>
  );
}
