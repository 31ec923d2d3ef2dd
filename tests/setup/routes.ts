// Every route of the built app, read from the route manifest of the production server build, so that
// tests that must cover every route (authorization matrix, bad-input sweep) see a new route the day
// it lands.
import path from "node:path";
import { pathToFileURL } from "node:url";

export type AppRoute = {
  id: string;
  parentId: string | undefined;
  /** Full URL pattern with its parents joined, e.g. "/teach/:slug/bank/:bankKey/export.xlsx". */
  pattern: string;
  index: boolean;
  hasLoader: boolean;
  hasAction: boolean;
  /** A UI route (default export): it renders a page and answers `.data` requests. */
  hasDefault: boolean;
};

type ManifestRoute = { id: string; parentId?: string; path?: string; index?: boolean; module: Record<string, unknown> };

/** Routes of `BUILD_DIR/server/index.js` (default `build`), in id order. */
export async function appRoutes(buildDir = process.env.BUILD_DIR ?? "build"): Promise<AppRoute[]> {
  const file = pathToFileURL(path.resolve(buildDir, "server/index.js")).href;
  const build = (await import(/* @vite-ignore */ file)) as { routes: Record<string, ManifestRoute> };
  const routes = build.routes;
  const patternOf = (id: string | undefined): string => {
    if (!id) return "";
    const r = routes[id];
    if (!r) throw new Error(`route ${id} has no manifest entry`);
    const parent = patternOf(r.parentId);
    return r.path ? `${parent.replace(/\/$/, "")}/${r.path}` : parent;
  };
  return Object.values(routes)
    .map((r) => ({
      id: r.id,
      parentId: r.parentId,
      pattern: patternOf(r.id) || "/",
      index: Boolean(r.index),
      hasLoader: typeof r.module.loader === "function",
      hasAction: typeof r.module.action === "function",
      hasDefault: typeof r.module.default === "function",
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The single-fetch data URL of a page (what the browser requests on client-side navigation). */
export function dataUrl(url: string): string {
  const u = new URL(url, "http://x");
  u.pathname = u.pathname === "/" ? "/_root.data" : `${u.pathname.replace(/\/$/, "")}.data`;
  return u.pathname + u.search;
}
