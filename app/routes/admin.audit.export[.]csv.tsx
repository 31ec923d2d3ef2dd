// The audit log, filtered as on /admin/audit, as a streamed CSV (UTF-8 with BOM) download; the export is audited.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { auditExport, parseAuditFilter } from "~/models/audit.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";

export async function loader(args: LoaderFunctionArgs) {
  const admin = await requireRole(args, "admin");
  const filter = parseAuditFilter(new URL(args.request.url).searchParams);
  return downloadResponse(await auditExport(args.context.db, filter, { actorId: admin.id, ip: args.context.clientIp, format: "csv" }));
}
