// 统计 for a secretary: the same figures as the organization department's, for their subtree only.
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { DashboardView } from "~/components/Dashboard.tsx";
import { listOverdue } from "~/models/branch-reports.server.ts";
import { listClassesFor } from "~/models/classes.server.ts";
import { dashboardPage } from "~/models/statistics.server.ts";
import dashboardCss from "~/styles/dashboard.css?url";
import { requireSecretaryScope } from "~/guards/auth.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: dashboardCss }];
export const meta: MetaFunction = () => [{ title: "本单位统计 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const { user: me, scope } = await requireSecretaryScope(args);
  const { db } = args.context;
  const page = await dashboardPage(db, new URL(args.request.url).searchParams, scope, await listClassesFor(db, me));
  // The same count as the secretary's home page: one function decides who is overdue.
  return { ...page, reportsOverdue: (await listOverdue(db, scope.unitPath ?? "/")).length };
}

export default function BranchDashboard() {
  const data = useLoaderData<typeof loader>();
  return <DashboardView data={data} title="本单位统计" ledgerHref="/branch/ledger" canGrade={false} reportsOverdue={data.reportsOverdue} />;
}
