// 统计 for the organization department: every class and unit (see app/models/statistics.server.ts).
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { DashboardView } from "~/components/Dashboard.tsx";
import { listClassesFor } from "~/models/classes.server.ts";
import { dashboardPage } from "~/models/statistics.server.ts";
import dashboardCss from "~/styles/dashboard.css?url";
import { requireRole } from "~/guards/auth.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: dashboardCss }];
export const meta: MetaFunction = () => [{ title: "统计 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const me = await requireRole(args, "admin");
  const { db } = args.context;
  return dashboardPage(db, new URL(args.request.url).searchParams, { unitPath: null }, await listClassesFor(db, me));
}

export default function AdminDashboard() {
  return <DashboardView data={useLoaderData<typeof loader>()} title="统计" ledgerHref="/admin/ledger" canGrade />;
}
