// 培训台账 for a secretary: the same page as the organization department's, limited to the trainees of
// their unit's subtree (a unit chosen outside it falls back to the subtree).
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { LedgerView } from "~/components/Ledger.tsx";
import { ledgerPageData } from "~/models/ledger.server.ts";
import ledgerCss from "~/styles/ledger.css?url";
import { requireSecretaryScope } from "~/guards/auth.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: ledgerCss }];
export const meta: MetaFunction = () => [{ title: "本单位培训台账 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const { user: me, scope } = await requireSecretaryScope(args);
  return ledgerPageData(args.context.db, new URL(args.request.url).searchParams, scope, me);
}

export default function BranchLedger() {
  return <LedgerView data={useLoaderData<typeof loader>()} base="/branch/ledger" title="本单位培训台账" scopeNote="仅含本单位（含下级组织）的学员。" />;
}
