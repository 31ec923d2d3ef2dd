// While the database is away (PostgreSQL restarting or unreachable), every loader and action that needs it
// fails with an error `isDatabaseUnavailable` recognizes. Instead of a 500 and a logged stack trace per
// request, the person gets a 503 in Chinese: a page shows it in the error page, a JSON endpoint (autosave,
// heartbeat) answers `{ ok: false, reason: "unavailable", message }`, so a client keeps its queue and sends
// again. Nothing here holds state: the next request after PostgreSQL is back is served as usual. A value the
// database refuses as data (`isRefusedValue`: NUL in text, a number out of range, on PostgreSQL) is answered the
// same way with a 400: its statement failed, so nothing was written, and the person reads why in Chinese.
import type { ServerBuild } from "@remix-run/node";
import { isDatabaseUnavailable, isRefusedValue } from "./db.server.ts";

export const DATABASE_UNAVAILABLE = "数据库暂时无法连接，请稍后再试。已保存的内容不会丢失。";
export const VALUE_REFUSED = "提交的内容含有无法保存的字符（如空字符）或超出范围的数字，已拒绝，未作任何修改。";
/** Seconds a client is told to wait before sending again. */
const RETRY_AFTER_SECONDS = 5;

/** The 503 for a request that found the database away: text for a page's error boundary, JSON for a resource route. */
function outageResponse(kind: "page" | "json"): Response {
  const headers = { "Retry-After": String(RETRY_AFTER_SECONDS), "Cache-Control": "no-store" };
  if (kind === "json") return Response.json({ ok: false, reason: "unavailable", message: DATABASE_UNAVAILABLE }, { status: 503, headers });
  return new Response(DATABASE_UNAVAILABLE, { status: 503, headers: { ...headers, "Content-Type": "text/plain; charset=utf-8" } });
}

/** The 400 for a value the database refused as data (`isRefusedValue`): nothing was written. */
function refusedResponse(kind: "page" | "json"): Response {
  const headers = { "Cache-Control": "no-store" };
  if (kind === "json") return Response.json({ ok: false, reason: "invalid", message: VALUE_REFUSED }, { status: 400, headers });
  return new Response(VALUE_REFUSED, { status: 400, headers: { ...headers, "Content-Type": "text/plain; charset=utf-8" } });
}

/** The answer for an error the database raised that is not a fault of ours (away, or refusing a value); else null. */
export function databaseAnswer(error: unknown, kind: "page" | "json"): Response | null {
  if (isDatabaseUnavailable(error)) return outageResponse(kind);
  if (isRefusedValue(error)) return refusedResponse(kind);
  return null;
}

type Handler = (args: never) => unknown;

/** The build with every route's loader and action answering `databaseAnswer` when the database is away or refuses a value. */
export function answeringOutages(build: ServerBuild): ServerBuild {
  const routes: ServerBuild["routes"] = {};
  for (const [id, route] of Object.entries(build.routes)) {
    const { module } = route;
    // A route without a component is a resource route: its callers read JSON.
    const kind = typeof module.default === "function" ? "page" : "json";
    const wrap = <F extends Handler | undefined>(fn: F): F =>
      fn &&
      ((async (args: never) => {
        try {
          return await fn(args);
        } catch (error) {
          throw databaseAnswer(error, kind) ?? error;
        }
      }) as F);
    routes[id] = { ...route, module: { ...module, loader: wrap(module.loader), action: wrap(module.action) } };
  }
  return { ...build, routes };
}
