// Real HTTP against the built server: cookies, logout, disabled accounts, CSRF, throttling, authorization.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "../../app/models/demo.server.ts";
import { client, cookieFrom, startServer, type TestServer } from "../setup/server.ts";

let server: TestServer;
let http: ReturnType<typeof client>;
beforeAll(async () => {
  server = await startServer();
  http = client(server.url);
});
afterAll(() => server?.stop());

async function signIn(username: string, password = DEMO_PASSWORD) {
  const res = await http.post("/login", { username, password, redirectTo: "/" });
  expect(res.status).toBe(302);
  return cookieFrom(res)!;
}

describe("HTTP: sessions", () => {
  it("/healthz checks the database", async () => {
    const res = await http.get("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, db: "ok" });
  });

  it("sign-in sets an HttpOnly, SameSite=Lax, Secure cookie with a new token each time", async () => {
    const res = await http.post("/login", { username: "2023001", password: DEMO_PASSWORD });
    const set = res.headers.get("set-cookie")!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Lax/);
    expect(set).toMatch(/Secure/);
    const again = await signIn("2023001");
    expect(again).not.toBe(cookieFrom(res));
    const home = await http.get("/", again);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("张晓明");
  });

  it("logout invalidates the token on the server: replaying the old cookie fails", async () => {
    const cookie = await signIn("2023002");
    expect((await http.get("/", cookie)).status).toBe(200);
    const out = await http.post("/logout", {}, { cookie });
    expect(out.headers.get("set-cookie")).toMatch(/Max-Age=0/);
    const replay = await http.get("/", cookie);
    expect(replay.status).toBe(302);
    expect(replay.headers.get("location")).toBe("/login");
  });

  it("a disabled account's live session stops working at once", async () => {
    const traineeCookie = await signIn("2023101");
    expect((await http.get("/", traineeCookie)).status).toBe(200);
    const adminCookie = await signIn("zzb001");
    const list = await (await http.get("/admin/users?q=2023101", adminCookie)).text();
    const id = /\/admin\/users\/(\d+)/.exec(list)![1];
    const res = await http.post(`/admin/users/${id}`, { intent: "disable" }, { cookie: adminCookie });
    expect(res.status).toBe(200);
    expect((await http.get("/", traineeCookie)).headers.get("location")).toBe("/login");
    const retry = await http.post("/login", { username: "2023101", password: DEMO_PASSWORD });
    expect(retry.status).toBe(401);
  });
});

describe("HTTP: CSRF", () => {
  it("refuses cross-origin and header-less POSTs before they reach any action", async () => {
    const base = { username: "zzb001", password: DEMO_PASSWORD };
    const cross = await http.post("/login", base, { headers: { Origin: "https://evil.example" } });
    expect(cross.status).toBe(403);
    const site = await http.post("/login", base, { headers: { Origin: server.url, "Sec-Fetch-Site": "cross-site" } });
    expect(site.status).toBe(403);
    const bare = await fetch(`${server.url}/login`, { method: "POST", body: new URLSearchParams(base), redirect: "manual" });
    expect(bare.status).toBe(403);
    expect(cross.headers.get("set-cookie")).toBeNull();
  });

  it("a cross-origin POST with a valid session cookie changes nothing", async () => {
    const adminCookie = await signIn("zzb001");
    const res = await http.post(
      "/admin/org",
      { intent: "create", parentId: "1", name: "伪造组织" },
      { cookie: adminCookie, headers: { Origin: "https://evil.example" } },
    );
    expect(res.status).toBe(403);
    expect(await (await http.get("/admin/org", adminCookie)).text()).not.toContain("伪造组织");
  });
});

describe("HTTP: throttling", () => {
  it("the 11th wrong password in a row is throttled with 429", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await http.post("/login", { username: "2022015", password: `wrong${i}` })).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    expect((await http.post("/login", { username: "2022015", password: DEMO_PASSWORD })).status).toBe(429);
  });
});

describe("HTTP: authorization", () => {
  const adminUrls = ["/admin/users", "/admin/users/new", "/admin/users/1", "/admin/org", "/admin/audit", "/branch"];
  it("a trainee gets 403 on every admin and secretary page, for GET and POST", async () => {
    const cookie = await signIn("2021030");
    for (const url of adminUrls) {
      expect((await http.get(url, cookie)).status, `GET ${url}`).toBe(403);
      // Pages without an action answer 405; those with one refuse the trainee with 403.
      expect([403, 405], `POST ${url}`).toContain((await http.post(url, { intent: "disable" }, { cookie })).status);
    }
  });

  it("the admin's account survived the trainee's POSTs", async () => {
    const cookie = await signIn("zzb001");
    expect((await http.get("/admin/users/1", cookie)).status).toBe(200);
  });

  it("an instructor gets 403 on admin pages too", async () => {
    const cookie = await signIn("js001");
    for (const url of adminUrls) expect((await http.get(url, cookie)).status, url).toBe(403);
  });

  it("error pages are Chinese and carry no stack trace in production", async () => {
    const cookie = await signIn("zzb001");
    const missing = await http.get("/admin/users/987654", cookie);
    expect(missing.status).toBe(404);
    const html = await missing.text();
    expect(html).toContain("用户不存在");
    const broken = await fetch(`${server.url}/login`, {
      method: "POST",
      headers: { Origin: server.url, "Content-Type": "multipart/form-data; boundary=x" },
      body: "--x\r\nbroken",
      redirect: "manual",
    });
    expect(broken.status).toBeGreaterThanOrEqual(400);
    const text = await broken.text();
    expect(text).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(text).not.toMatch(/node_modules/);
  });
});
