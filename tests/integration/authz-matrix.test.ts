// The authorization matrix: every route of the built app (from the route manifest), requested as
// anonymous, as each role and as a trainee of another branch, with ids that belong to someone else.
// No 500s; nobody gets trainee B's name, 学号 or records unless their role may see
// them; everyone outside a route's viewers is refused; every state-changing request from another
// origin, or without Origin/Sec-Fetch-Site, is refused. A route without a row in
// tests/setup/route-table.ts fails the first test by name.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES, allows, type Case } from "../setup/route-table.ts";
import { appRoutes, dataUrl, type AppRoute } from "../setup/routes.ts";
import { ACTORS, leaksIn, seedScenario, type Actor, type Scenario } from "../setup/scenario.ts";
import { startServer, type TestServer } from "../setup/server.ts";

const routes = await appRoutes();
let server: TestServer;
let s: Scenario;
let requests = 0;

beforeAll(async () => {
  server = await startServer({ COURSES_DIR: "courses" });
  s = await seedScenario(server);
}, 120_000);

afterAll(async () => {
  console.log(`authz matrix: ${routes.length} routes, ${requests} requests`);
  await s?.db.destroy();
  await server?.stop();
});

async function send(actor: Actor, url: string, init: RequestInit = {}) {
  requests++;
  const res = await s.request(actor, url, init);
  return { status: res.status, location: res.headers.get("location") ?? "", body: await res.text() };
}

type Got = Awaited<ReturnType<typeof send>>;

/** Why this answer is not a refusal, or null when it is one. */
function notRefused(got: Got, actor: Actor, route: AppRoute, method: string): string | null {
  if ([403, 404, 405].includes(got.status)) return null;
  if (actor === "anon" && [302, 303].includes(got.status) && got.location.startsWith("/login")) return null;
  // A GET to a route that has only an action: Remix answers 400 "no loader" to everyone.
  if (method === "GET" && !route.hasLoader && got.status === 400) return null;
  return `${got.status}${got.location ? ` → ${got.location}` : ""}: ${got.body.slice(0, 160)}`;
}

/** A `.data` (client navigation) answer that carries nothing: a redirect to sign in, or an error status. */
function dataRefused(got: Got, actor: Actor): boolean {
  if ([403, 404, 405].includes(got.status)) return true;
  return actor === "anon" && got.status === 202 && got.body.includes("SingleFetchRedirect") && got.body.includes("/login");
}

const expectedStatus = (c: Case, a: Actor) => (typeof c.status === "function" ? c.status(a) : (c.status ?? 200));
const secretsFor = (c: Case, actor: Actor) => {
  const revealed = allows(c.view, actor) ? (c.reveals ?? []) : [];
  return Object.fromEntries(Object.entries(s.secrets).map(([k, v]) => [k, revealed.includes(k as never) ? [] : v])) as Scenario["secrets"];
};

describe("authorization matrix", () => {
  it("every route of the build has a row in tests/setup/route-table.ts, and every row a route", () => {
    const ids = new Set(routes.map((r) => r.id));
    const missing = routes.filter((r) => !ROUTES[r.id]).map((r) => `${r.id} (${r.pattern})`);
    expect(missing, `routes without a row in tests/setup/route-table.ts (add who may see them and which ids to use): ${missing.join(", ")}`).toEqual([]);
    const stale = Object.keys(ROUTES).filter((id) => !ids.has(id));
    expect(stale, `rows for routes that are not in the build: ${stale.join(", ")}`).toEqual([]);
  });

  it("every route other than the layout has at least one case, and every case's URL matches its route", () => {
    for (const r of routes.filter((x) => x.id !== "root" && ROUTES[x.id])) {
      const cases = ROUTES[r.id]!.cases(s);
      expect(cases.length, `${r.id}: no case`).toBeGreaterThan(0);
      const re = new RegExp(
        `^${r.pattern
          .replace(/[.]/g, "\\.")
          .replace(/:[A-Za-z]+/g, "[^/]+")
          .replace(/\*$/, ".+")}$`,
      );
      for (const c of cases) expect(new URL(c.url, "http://x").pathname, r.id).toMatch(re);
    }
  });

  it.each(routes.filter((r) => r.id !== "root").map((r) => [r.id, r] as const))("GET and POST %s as every actor", async (_id, route) => {
    const row = ROUTES[route.id];
    if (!row) throw new Error(`no row for ${route.id}`);
    const problems: string[] = [];
    for (const c of row.cases(s)) {
      for (const actor of ACTORS) {
        const where = `${actor} GET ${c.url}`;
        const got = await send(actor, c.url);
        const secrets = secretsFor(c, actor);
        if (got.status >= 500) problems.push(`${where}: ${got.status}`);
        if (allows(c.view, actor)) {
          if (got.status !== expectedStatus(c, actor))
            problems.push(`${where}: expected ${expectedStatus(c, actor)}, got ${got.status} ${got.body.slice(0, 160)}`);
        } else {
          const why = notRefused(got, actor, route, "GET");
          if (why) problems.push(`${where}: not refused: ${why}`);
        }
        for (const leak of leaksIn(got.body, actor, secrets)) problems.push(`${where}: leaks ${leak}`);

        if (route.hasDefault) {
          const data = await send(actor, dataUrl(c.url));
          if (data.status >= 500) problems.push(`${actor} GET ${dataUrl(c.url)}: ${data.status}`);
          if (!allows(c.view, actor) && !dataRefused(data, actor))
            problems.push(`${actor} GET ${dataUrl(c.url)}: not refused: ${data.status} ${data.body.slice(0, 160)}`);
          for (const leak of leaksIn(data.body, actor, secrets)) problems.push(`${actor} GET ${dataUrl(c.url)}: leaks ${leak}`);
        }

        if (route.hasAction && !allows(c.post ?? c.view, actor)) {
          const b = c.postBody?.() ?? { body: new URLSearchParams() };
          const posted = await send(actor, c.url, { method: "POST", body: b.body, headers: b.type ? { "Content-Type": b.type } : {} });
          const why = notRefused(posted, actor, route, "POST");
          if (why) problems.push(`${actor} POST ${c.url}: not refused: ${why}`);
          for (const leak of leaksIn(posted.body, actor, secrets)) problems.push(`${actor} POST ${c.url}: leaks ${leak}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it.each(routes.filter((r) => r.id !== "root").map((r) => [r.id, r] as const))(
    "state-changing requests to %s from elsewhere are refused",
    async (_id, route) => {
      const c = ROUTES[route.id]!.cases(s)[0]!;
      // The most privileged session that may post here, so that only the origin check can refuse.
      const actor =
        (["admin", "instructor", "instructorOther", "traineeB", "secretaryB", "traineeA"] as const).find((a) => allows(c.post ?? c.view, a)) ?? "admin";
      const variants: [string, Record<string, string>][] = [
        ["another origin", { Origin: "https://evil.example" }],
        ["Origin null", { Origin: "null" }],
        ["no Origin and no Sec-Fetch-Site", {}],
        ["Sec-Fetch-Site cross-site", { "Sec-Fetch-Site": "cross-site", Origin: s.url }],
        ["Sec-Fetch-Site same-site", { "Sec-Fetch-Site": "same-site" }],
        ["a look-alike origin", { Origin: `${s.url}.evil.example` }],
      ];
      const methods = route.hasAction ? ["POST", "PUT", "PATCH", "DELETE"] : ["POST"];
      const problems: string[] = [];
      for (const method of methods) {
        for (const [label, headers] of variants) {
          requests++;
          const b = c.postBody?.() ?? { body: new URLSearchParams({ intent: "x" }) };
          // fetch() would add our own Origin to a POST; the scenario's request() only when none is set, so
          // build the headers here and send them as they are.
          const res = await fetch(s.url + c.url, {
            method,
            redirect: "manual",
            headers: { Cookie: s.cookies[actor], ...(b.type ? { "Content-Type": b.type } : {}), ...headers },
            body: b.body,
          });
          const text = await res.text();
          if (res.status !== 403 || !text.includes("跨站请求已被拒绝")) problems.push(`${method} ${c.url} (${label}): ${res.status} ${text.slice(0, 120)}`);
        }
      }
      expect(problems).toEqual([]);
    },
  );

  it("the refused cross-origin requests changed nothing: every actor is still signed in", async () => {
    for (const actor of ACTORS.filter((a) => a !== "anon")) {
      const res = await s.request(actor, "/account/password");
      expect(res.status, actor).toBe(200);
    }
  });
});
