// A secretary's training ledger (their subtree only), filtered as on /branch/ledger, as a streamed .xlsx download; audited.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { ledgerExportResponse, parseLedgerFilter, secretaryScope } from "~/models/ledger.server.ts";
import { requireRole } from "~/guards/auth.server.ts";

export async function loader(args: LoaderFunctionArgs) {
  const me = await requireRole(args, "secretary");
  const scope = await secretaryScope(args.context.db, me.org_unit_id);
  const filter = parseLedgerFilter(new URL(args.request.url).searchParams);
  return ledgerExportResponse(args.context.db, filter, scope, { actorId: me.id, ip: args.context.clientIp, format: "xlsx" });
}
