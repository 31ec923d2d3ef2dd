// The training ledger, filtered as on /admin/ledger, as a streamed .csv download; the export is audited.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { ledgerExport, parseLedgerFilter } from "~/models/ledger.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";

export async function loader(args: LoaderFunctionArgs) {
  const admin = await requireRole(args, "admin");
  const filter = parseLedgerFilter(new URL(args.request.url).searchParams);
  return downloadResponse(await ledgerExport(args.context.db, filter, { unitPath: null }, { actorId: admin.id, ip: args.context.clientIp, format: "csv" }));
}
