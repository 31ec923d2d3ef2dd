// 培训台账 for the organization department: filter by class, kind, 期次, org subtree, dates and
// completion status; counts and the first 50 rows; export as XLSX or CSV (streamed, audited).
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { LedgerView } from "~/components/Ledger.tsx";
import { ledgerPageData } from "~/models/ledger.server.ts";
import ledgerCss from "~/styles/ledger.css?url";
import { requireRole } from "~/guards/auth.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: ledgerCss }];
export const meta: MetaFunction = () => [{ title: "培训台账 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const me = await requireRole(args, "admin");
  return ledgerPageData(args.context.db, new URL(args.request.url).searchParams, { unitPath: null }, me);
}

export default function AdminLedger() {
  return <LedgerView data={useLoaderData<typeof loader>()} base="/admin/ledger" title="培训台账" xapi />;
}
