// The two patches in scripts/patches (applied by `npm install`): Remix's router keeps each route path's
// compiled matcher, and Remix's server keeps the routes matching each parent path of a page for the
// lazy-discovery manifest, instead of recomputing both on every request.
import { createRequire } from "node:module";
import { afterEach, describe, expect, it, vi } from "vitest";

const require = createRequire(import.meta.url);
const router = require("@remix-run/router") as typeof import("@remix-run/router");
const fogOfWar = require("@remix-run/react/dist/fog-of-war.js") as {
  getPartialManifest: (manifest: { routes: Record<string, unknown> }, r: unknown) => { routes: Record<string, unknown> };
};

afterEach(() => vi.restoreAllMocks());

describe("route path matchers are compiled once", () => {
  it("compiles a path once however often it is matched (the router warns once per compilation of a bad splat)", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(router.matchPath({ path: "/cache-test*" }, "/cache-test/a")?.params["*"]).toBe("a");
    expect(router.matchPath({ path: "/cache-test*" }, "/cache-test/b")?.params["*"]).toBe("b");
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it("keeps case sensitivity and end apart", () => {
    expect(router.matchPath({ path: "/Case", caseSensitive: false }, "/case")).not.toBeNull();
    expect(router.matchPath({ path: "/Case", caseSensitive: true }, "/case")).toBeNull();
    expect(router.matchPath({ path: "/Case", end: true }, "/Case/more")).toBeNull();
    expect(router.matchPath({ path: "/Case", end: false }, "/Case/more")?.pathnameBase).toBe("/Case");
  });
});

describe("the lazy-discovery manifest of a page", () => {
  const routes = [
    {
      id: "root",
      path: "",
      children: [
        { id: "courses", path: "courses" },
        { id: "course", path: "courses/:slug", children: [{ id: "course-index", index: true }] },
        { id: "lesson", path: "courses/:slug/lessons/:key" },
      ],
    },
  ];
  const manifest = { routes: { root: {}, courses: {}, course: {}, "course-index": {}, lesson: {} } };
  const at = (pathname: string) => ({ routes, basename: "/", state: { location: { pathname }, matches: router.matchRoutes(routes, pathname) ?? [] } });

  it("matches each parent path once per build and still lists the same routes", () => {
    const page = at("/courses/a/lessons/x");
    const spy = vi.spyOn(router, "matchRoutes");
    const first = fogOfWar.getPartialManifest(manifest, page);
    expect(spy).toHaveBeenCalledTimes(4); // "/", "/courses/a/lessons", "/courses/a", "/courses"
    const second = fogOfWar.getPartialManifest(manifest, page);
    expect(spy).toHaveBeenCalledTimes(4);
    expect(Object.keys(second.routes).sort()).toEqual(Object.keys(first.routes).sort());
    expect(Object.keys(first.routes).sort()).toEqual(["course", "course-index", "courses", "lesson", "root"]);
  });

  it("a new build (a new manifest) matches again", () => {
    const page = at("/courses/b/lessons/y");
    fogOfWar.getPartialManifest(manifest, page);
    const spy = vi.spyOn(router, "matchRoutes");
    fogOfWar.getPartialManifest({ routes: { ...manifest.routes } }, page);
    expect(spy).toHaveBeenCalled();
  });
});

describe("a route tree's ranked branches", () => {
  const tree = () => [
    {
      id: "root",
      path: "",
      children: [
        { id: "a", path: "a" },
        { id: "b", path: "b/:id" },
      ],
    },
  ];

  it("are ranked once per tree, with the same matches", () => {
    const routes = tree();
    const sort = vi.spyOn(Array.prototype, "sort");
    expect(router.matchRoutes(routes, "/b/1")?.map((m) => m.route.id)).toEqual(["root", "b"]);
    const ranked = sort.mock.calls.length;
    expect(router.matchRoutes(routes, "/a")?.map((m) => m.route.id)).toEqual(["root", "a"]);
    expect(sort.mock.calls.length).toBe(ranked);
    router.matchRoutes(tree(), "/a");
    expect(sort.mock.calls.length).toBeGreaterThan(ranked);
  });

  it("routes patched into a router are matched at once", () => {
    const r = router.createRouter({ routes: tree(), history: router.createMemoryHistory() });
    expect(router.matchRoutes(r.routes, "/c")).toBeNull();
    r.patchRoutes("root", [{ id: "c", path: "c" }]);
    expect(router.matchRoutes(r.routes, "/c")?.map((m) => m.route.id)).toEqual(["root", "c"]);
    r.dispose();
  });
});
