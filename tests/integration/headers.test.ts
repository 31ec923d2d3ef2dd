// Security headers on every kind of response the server gives.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "../../app/models/demo.server.ts";
import { seedScenario, type Scenario } from "../setup/scenario.ts";
import { client, cookieFrom, startServer, type TestServer } from "../setup/server.ts";

let server: TestServer;
let cookie: string;
let s: Scenario;
beforeAll(async () => {
  server = await startServer({ SECURITY_CONTACT: "mailto:security@example.edu.cn" });
  cookie = cookieFrom(await client(server.url).post("/login", { username: "2023001", password: DEMO_PASSWORD }))!;
  s = await seedScenario(server); // a submission file and a certificate to download
});
afterAll(async () => {
  await s?.db.destroy();
  await server?.stop();
});

async function fetchKind(kind: string): Promise<Response> {
  const get = (p: string, c: string | null = cookie) => fetch(server.url + p, { redirect: "manual", headers: c ? { Cookie: c } : {} });
  switch (kind) {
    case "page":
      return get("/");
    case "redirect":
      return get("/", null);
    case "data":
      return get("/courses.data");
    case "download":
      return get("/media/courses/jijifenzi-peixun/cover.png");
    case "static asset": {
      const html = await (await get("/login", null)).text();
      const asset = /href="(\/assets\/[^"]+\.css)"/.exec(html)![1]!;
      return get(asset, null);
    }
    case "error":
      return get("/courses/no-such-course");
    case "health":
      return get("/healthz", null);
    case "refused":
      return fetch(`${server.url}/login`, { method: "POST", headers: { Origin: "https://evil.example" }, body: "x=1" });
    case "submission file download":
      return get(`/submission-files/${s.ids.file}`, s.cookies.traineeB);
    case "certificate PDF":
      return get(`/certificates/${s.ids.certificate}.pdf`, s.cookies.traineeB);
    case "generated spreadsheet":
      return get("/admin/audit/export.xlsx", s.cookies.admin);
    case "streamed zip":
      return get("/teach/jijifenzi-peixun/assignments/01-sixiang-huibao/download.zip", s.cookies.instructor);
    case "partial content (206)":
      return fetch(`${server.url}/media/courses/jijifenzi-peixun/cover.png`, { headers: { Cookie: cookie, Range: "bytes=0-99" } });
    case "not modified (304)": {
      const first = await get("/media/courses/jijifenzi-peixun/cover.png");
      await first.arrayBuffer();
      return fetch(`${server.url}/media/courses/jijifenzi-peixun/cover.png`, { headers: { Cookie: cookie, "If-None-Match": first.headers.get("etag")! } });
    }
    case "forbidden (403)":
      return get("/admin/users");
    case "method not allowed (405)":
      return get("/api/lessons/1/beat");
    case "JSON answer":
      return fetch(`${server.url}/exam-attempts/${s.ids.attemptA}/answers`, {
        method: "POST",
        headers: { Cookie: s.cookies.traineeA, Origin: server.url, "Content-Type": "application/json" },
        body: JSON.stringify({ questionId: 1, seq: 1, answer: {} }),
      });
    case "public verification page":
      return get(`/verify/${s.ids.certificateCode}`, null);
    default:
      throw new Error(kind);
  }
}

const KINDS = ["page", "redirect", "data", "download", "static asset", "error", "health", "refused"];
// Added with the cross-cutting proofs (issue 9): downloads of every origin, conditional and partial answers, refusals, JSON, the public page.
const MORE_KINDS: [string, number][] = [
  ["submission file download", 200],
  ["certificate PDF", 200],
  ["generated spreadsheet", 200],
  ["streamed zip", 200],
  ["partial content (206)", 206],
  ["not modified (304)", 304],
  ["forbidden (403)", 403],
  ["method not allowed (405)", 405],
  ["JSON answer", 404],
  ["public verification page", 200],
];

describe("HTTP: security headers", () => {
  it.each([...KINDS, ...MORE_KINDS.map(([k]) => k)])("%s", async (kind) => {
    const res = await fetchKind(kind);
    await res.arrayBuffer();
    expect(res.status, kind).toBeLessThan(500);
    const expected = MORE_KINDS.find(([k]) => k === kind)?.[1];
    if (expected) expect(res.status, kind).toBe(expected);
    if (/file download|PDF|spreadsheet|zip/.test(kind)) expect(res.headers.get("content-disposition"), kind).toMatch(/^attachment/);
    // No answer other than a sign-in or sign-out sets a cookie.
    expect(res.headers.get("set-cookie"), kind).toBeNull();
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    // A header a route sets again reaches the browser as a list ("nosniff, nosniff"): browsers read the
    // first value of X-Content-Type-Options and the last known policy of Referrer-Policy (Fetch spec).
    const values = (h: string) => (res.headers.get(h) ?? "").split(",").map((v) => v.trim());
    expect(values("x-content-type-options")[0], kind).toBe("nosniff");
    // The public verification page sends no referrer at all (its URL carries the certificate's code).
    expect(values("referrer-policy").at(-1), kind).toBe(kind === "public verification page" ? "no-referrer" : "same-origin");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-powered-by")).toBeNull();
  });

  it("every inline script in a page carries this response's nonce", async () => {
    const res = await fetch(server.url + "/", { headers: { Cookie: cookie } });
    const nonce = /'nonce-([^']+)'/.exec(res.headers.get("content-security-policy")!)![1];
    const html = await res.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const attrs of scripts) expect(attrs).toContain(`nonce="${nonce}"`);
  });

  it("a submission file shown inline runs under a CSP sandbox and still may not be framed", async () => {
    const res = await fetch(`${server.url}/submission-files/${s.ids.file}?inline=1`, { headers: { Cookie: s.cookies.traineeB } });
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("sandbox");
    expect(res.headers.get("content-disposition")).toMatch(/^inline/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
  });

  it("/.well-known/security.txt names the contact from SECURITY_CONTACT", async () => {
    const res = await fetch(`${server.url}/.well-known/security.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const text = await res.text();
    expect(text).toMatch(/^Contact: mailto:security@example\.edu\.cn\nExpires: \d{4}-\d\d-\d\dT00:00:00\.000Z\n/);
    const expires = Date.parse(/Expires: (\S+)/.exec(text)![1]);
    expect(expires).toBeGreaterThan(Date.now());
    expect(expires).toBeLessThan(Date.now() + 365 * 24 * 3600 * 1000);
  });

  it("the cookies of sign-in and sign-out are HttpOnly, SameSite=Lax, Secure and site-wide; sign-out expires it", async () => {
    const signIn = await client(server.url).post("/login", { username: "2022015", password: DEMO_PASSWORD });
    const signOut = await client(server.url).post("/logout", {}, { cookie: cookieFrom(signIn)! });
    for (const [what, res] of [
      ["sign-in", signIn],
      ["sign-out", signOut],
    ] as const) {
      const set = res.headers.get("set-cookie") ?? "";
      expect(set, what).toMatch(/^__Host-dx_session=/);
      expect(set, what).not.toMatch(/Domain=/i);
      for (const flag of ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"]) expect(set, `${what}: ${flag}`).toContain(flag);
    }
    expect(signOut.headers.get("set-cookie")).toMatch(/__Host-dx_session=;.*Max-Age=0/);
    // The cookie's former name is expired at sign-in; a session under that name is not honoured any more.
    expect(signIn.headers.get("set-cookie")).toMatch(/(^|, )dx_session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0; Secure/);
    const again = await client(server.url).post("/login", { username: "2022015", password: DEMO_PASSWORD });
    const token = cookieFrom(again)!.split("=").slice(1).join("=");
    expect((await client(server.url).get("/", `__Host-dx_session=${token}`)).status).toBe(200);
    expect((await client(server.url).get("/", `dx_session=${token}`)).headers.get("location")).toBe("/login");
  });
});

describe("HTTP: the bytes of a page", () => {
  it("no page carries NUL bytes, whatever its Chinese text does at React's 2 KB chunk edges", async () => {
    const pages = [
      "/",
      "/courses",
      "/progress",
      "/my/classes",
      "/my/certificates",
      "/courses/jijifenzi-peixun",
      "/courses/jijifenzi-peixun/lessons/01-dang-de-xingzhi-zongzhi",
      "/courses/no-such-course",
    ];
    let bytes = 0;
    for (const p of pages) {
      const body = Buffer.from(await (await fetch(server.url + p, { headers: { Cookie: cookie } })).arrayBuffer());
      bytes += body.length;
      expect(body.indexOf(0), `NUL byte in ${p}`).toBe(-1);
      expect(body.toString("utf8"), p).not.toContain("\uFFFD");
    }
    expect(bytes).toBeGreaterThan(40_000); // enough Chinese text to cross many chunk edges
  });
});

describe("HTTP: the production 404 page", () => {
  // The router's own answer to an unknown address carried `Error: No route matches URL "/admin/…"` (and
  // its English status text) in the page's hydration data and in the `.data` answer.
  const english = /No route matches|Not Found|did not provide an `action`|Method Not Allowed|Unexpected Server Error/;
  it.each([
    ["signed in", () => cookie],
    ["signed out", () => null],
  ])("an unknown address answers 404 in Chinese only, in the HTML, its hydration data and the .data answer (%s)", async (_who, who) => {
    const c = who();
    const headers: Record<string, string> = c ? { Cookie: c } : {};
    for (const p of ["/admin/no-such-page", "/nowhere", "/courses/jijifenzi-peixun/lessons/01-dang-de-xingzhi-zongzhi/extra"]) {
      const page = await fetch(server.url + p, { headers });
      expect(page.status, p).toBe(404);
      const html = await page.text();
      expect(html, p).not.toMatch(english);
      expect(html, p).toContain("页面不存在");
      const hydration = [...html.matchAll(/streamController\.enqueue\((.*?)\);<\/script>/gs)].map((m) => m[1]).join("");
      expect(hydration, p).toContain("您要找的页面不存在");
      const data = await fetch(server.url + p + ".data", { headers });
      expect(data.status, `${p}.data`).toBe(404);
      const body = await data.text();
      expect(body, `${p}.data`).not.toMatch(english);
      expect(body, `${p}.data`).toContain("您要找的页面不存在");
      const posted = await fetch(server.url + p, { method: "POST", headers: { ...headers, Origin: server.url }, body: new URLSearchParams({ a: "1" }) });
      expect(posted.status, `POST ${p}`).toBe(404);
      expect(await posted.text(), `POST ${p}`).not.toMatch(english);
    }
  });
});
