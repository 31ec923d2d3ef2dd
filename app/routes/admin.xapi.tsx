// Learning records as xAPI statements (JSON StatementResult) for a learning record store:
// /admin/xapi?since=2026-09-01 (or an ISO 8601 instant) [&until=…]. Admins only; streamed; audited.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { publicOrigin } from "~/models/certificates.server.ts";
import { parsePeriod, XAPI_VERSION, xapiExport } from "~/models/xapi.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";

export async function loader(args: LoaderFunctionArgs) {
  const admin = await requireRole(args, "admin");
  const period = parsePeriod(new URL(args.request.url).searchParams);
  if (!period) {
    return new Response("since 和 until 应为日期（2026-09-01，按北京时间）或 ISO 8601 时间（2026-09-01T08:00:00+08:00）", {
      status: 400,
      headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
  }
  const statements = await xapiExport(args.context.db, period, {
    actorId: admin.id,
    ip: args.context.clientIp,
    origin: publicOrigin(args.request, args.context.config.origin),
    platform: args.context.schoolName,
  });
  return downloadResponse(statements, { "X-Experience-API-Version": XAPI_VERSION });
}
