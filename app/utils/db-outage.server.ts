// While the database is away (PostgreSQL restarting or unreachable), every loader and action that needs it
// fails with an error `isDatabaseUnavailable` recognizes. Instead of a 500 and a logged stack trace per
// request, the person gets a 503 in Chinese: a page shows it in the error page, a JSON endpoint (autosave,
// heartbeat) answers `{ ok: false, reason: "unavailable", message }`, so a client keeps its queue and sends
// again. Nothing here holds state: the next request after PostgreSQL is back is served as usual.
import type { ServerBuild } from "@remix-run/node";
import { isDatabaseUnavailable } from "./db.server.ts";

export const DATABASE_UNAVAILABLE = "数据库暂时无法连接，请稍后再试。已保存的内容不会丢失。";
/** Seconds a client is told to wait before sending again. */
const RETRY_AFTER_SECONDS = 5;

/** The 503 for a request that found the database away: text for a page's error boundary, JSON for a resource route. */
export function outageResponse(kind: "page" | "json"): Response {
  const headers = { "Retry-After": String(RETRY_AFTER_SECONDS), "Cache-Control": "no-store" };
  if (kind === "json") return Response.json({ ok: false, reason: "unavailable", message: DATABASE_UNAVAILABLE }, { status: 503, headers });
  return new Response(DATABASE_UNAVAILABLE, { status: 503, headers: { ...headers, "Content-Type": "text/plain; charset=utf-8" } });
}

type Handler = (args: never) => unknown;

/** The build with every route's loader and action answering `outageResponse` when the database is away. */
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
          if (isDatabaseUnavailable(error)) throw outageResponse(kind);
          throw error;
        }
      }) as F);
    routes[id] = { ...route, module: { ...module, loader: wrap(module.loader), action: wrap(module.action) } };
  }
  return { ...build, routes };
}
