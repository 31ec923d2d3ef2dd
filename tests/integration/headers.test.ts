// Security headers on every kind of response the server gives (DESIGN.md §6).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "../../scripts/seed.ts";
import { client, cookieFrom, startServer, type TestServer } from "../setup/server.ts";

let server: TestServer;
let cookie: string;
beforeAll(async () => {
  server = await startServer();
  cookie = cookieFrom(await client(server.url).post("/login", { username: "2023001", password: DEMO_PASSWORD }))!;
});
afterAll(() => server?.stop());

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
    default:
      throw new Error(kind);
  }
}

describe("HTTP: security headers", () => {
  it.each(["page", "redirect", "data", "download", "static asset", "error", "health", "refused"])("%s", async (kind) => {
    const res = await fetchKind(kind);
    await res.arrayBuffer();
    expect(res.status, kind).toBeLessThan(500);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
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
});
