// The training ledger, filtered as on /admin/ledger, as a streamed .csv download; the export is audited.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { ledgerExportResponse, parseLedgerFilter } from "~/models/ledger.server.ts";
import { requireRole } from "~/guards/auth.server.ts";

export async function loader(args: LoaderFunctionArgs) {
  const admin = await requireRole(args, "admin");
  const filter = parseLedgerFilter(new URL(args.request.url).searchParams);
  return ledgerExportResponse(args.context.db, filter, { unitPath: null }, { actorId: admin.id, ip: args.context.clientIp, format: "csv" });
}
