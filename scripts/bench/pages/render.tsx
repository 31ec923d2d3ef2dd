// The fair page baseline: the trainee's home, lesson, course and exam pages served by node:http with the
// production bundle's own root and route loaders (so the same guards, model functions and Markdown
// cache) and its own components (root Layout, AppShell, the route components) rendered with
// react-dom/server's renderToPipeableStream as entry.server does — but without Express, without Remix's
// request/response conversion, route matching, single-fetch serialization and router context
// (./remix-free.tsx stands in for @remix-run/react). The app ÷ this ratio is the framework's share.
import type { ServerBuild } from "@remix-run/node";
import { randomBytes } from "node:crypto";
import type http from "node:http";
import { register } from "node:module";
import path from "node:path";
import type { Transform } from "node:stream";
import { pathToFileURL } from "node:url";
import { renderToPipeableStream } from "react-dom/server";
import type { ComponentType } from "react";
import type { AppContext } from "../../../app/load-context.ts";
import { securityHeaders } from "../../../app/utils/http.server.ts";
import { PageContext, Route, type Descriptor, type PageState } from "./remix-free.tsx";

register("./hooks.mjs", import.meta.url);
const build = (await import(pathToFileURL(path.resolve(process.env.BUILD_DIR ?? "build", "server/index.js")).href)) as ServerBuild;
const { withoutNulBytes } = build.entry.module as unknown as { withoutNulBytes: () => Transform };

type Module = {
  loader: (args: unknown) => Promise<unknown>;
  default: ComponentType;
  Layout?: ComponentType<{ children: React.ReactNode }>;
  meta?: (args: { data: unknown }) => Descriptor[];
  links?: () => Descriptor[];
};
const mod = (id: string) => build.routes[id]!.module as unknown as Module;
const root = mod("root");

/** The four pages, matched by hand (the baseline knows its routes). */
const PAGES: { id: string; pattern: RegExp; params: string[] }[] = [
  { id: "routes/_index", pattern: /^\/$/, params: [] },
  { id: "routes/courses.$slug._index", pattern: /^\/courses\/([^/]+)$/, params: ["slug"] },
  { id: "routes/courses.$slug.lessons.$key", pattern: /^\/courses\/([^/]+)\/lessons\/([^/]+)$/, params: ["slug", "key"] },
  { id: "routes/courses.$slug.exams.$key", pattern: /^\/courses\/([^/]+)\/exams\/([^/]+)$/, params: ["slug", "key"] },
];

/** What <Links> and <Scripts> write for a route: its stylesheets and the modules it needs, from the bundle's manifest. */
function assetsOf(id: string) {
  const r = build.assets.routes[id]!;
  const rootAssets = build.assets.routes.root!;
  const css = [...(rootAssets.css ?? []), ...(r.css ?? [])].map((href) => ({ rel: "stylesheet", href }));
  const links = [...(root.links?.() ?? []), ...(mod(id).links?.() ?? []), ...css];
  const modules = [...new Set([...build.assets.entry.imports, rootAssets.module, ...(rootAssets.imports ?? []), r.module, ...(r.imports ?? [])])];
  return { links, modules };
}
const ASSETS = new Map(PAGES.map((p) => [p.id, assetsOf(p.id)]));

/**
 * Serves GET of the four pages; returns false for any other request. `context` is what server.ts
 * hands every loader (db, storage, config, …), without the per-request nonce and address.
 */
export function pageServer(context: Omit<AppContext, "cspNonce" | "clientIp">, opts: { production: boolean }) {
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> => {
    if (req.method !== "GET") return false;
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
    let m: RegExpExecArray | null = null;
    const page = PAGES.find((p) => (m = p.pattern.exec(url.pathname)));
    if (!page) return false;
    const params = Object.fromEntries(page.params.map((name, i) => [name, decodeURIComponent(m![i + 1]!)]));
    const nonce = randomBytes(16).toString("base64");
    const headers = securityHeaders(nonce, { production: opts.production, secure: context.cookieSecure });
    // The loaders read the cookie and the address from a Fetch Request, as under Remix.
    const request = new Request(url, { headers: { cookie: req.headers.cookie ?? "" } });
    const args = { request, params, context: { ...context, cspNonce: nonce, clientIp: req.socket.remoteAddress ?? "unknown" } };
    const leaf = mod(page.id);
    let rootData: unknown, data: unknown;
    try {
      [rootData, data] = await Promise.all([root.loader(args), leaf.loader(args)]);
    } catch (e) {
      if (!(e instanceof Response)) throw e;
      res.writeHead(e.status, { ...headers, ...Object.fromEntries(e.headers) }).end(await e.text());
      return true;
    }
    const { links, modules } = ASSETS.get(page.id)!;
    const state: PageState = {
      url,
      nonce,
      data: { root: rootData, [page.id]: data },
      meta: (leaf.meta ?? root.meta!)({ data }),
      links,
      modules,
      entry: build.assets.entry.module,
    };
    const Layout = root.Layout!;
    const App = root.default;
    const Leaf = leaf.default;
    await new Promise<void>((resolve, reject) => {
      const { pipe } = renderToPipeableStream(
        <PageContext.Provider value={state}>
          <Route
            id="root"
            outlet={
              <Route id={page.id} outlet={null}>
                <Leaf />
              </Route>
            }
          >
            <Layout>
              <App />
            </Layout>
          </Route>
        </PageContext.Provider>,
        {
          nonce,
          onShellReady() {
            res.writeHead(200, { ...headers, "Content-Type": "text/html; charset=utf-8" });
            const body = withoutNulBytes();
            body.pipe(res);
            pipe(body);
            res.once("finish", resolve);
          },
          onShellError: reject,
          onError: (e) => console.error(e),
        },
      );
    });
    return true;
  };
}
