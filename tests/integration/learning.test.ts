// Media serving and heartbeats over real HTTP against the built server.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "../../app/models/demo.server.ts";
import { client, cookieFrom, openServerDb, startServer, type TestServer } from "../setup/server.ts";

let server: TestServer;
let http: ReturnType<typeof client>;
let trainee: string;
let candidate: string;
const VIDEO = "/media/courses/jijifenzi-peixun/lecture-01.mp4";

beforeAll(async () => {
  server = await startServer({ COURSES_DIR: "courses,tests/fixtures/e2e-courses" });
  http = client(server.url);
  trainee = cookieFrom(await http.post("/login", { username: "2023001", password: DEMO_PASSWORD }))!;
  candidate = cookieFrom(await http.post("/login", { username: "2022015", password: DEMO_PASSWORD }))!;
});
afterAll(() => server?.stop());

const get = (path: string, cookie: string | null, headers: Record<string, string> = {}, method = "GET") =>
  fetch(server.url + path, { method, redirect: "manual", headers: { ...(cookie ? { Cookie: cookie } : {}), ...headers } });

describe("HTTP: course media", () => {
  it("serves first, middle, last and suffix byte ranges", async () => {
    const whole = Buffer.from(await (await get(VIDEO, trainee)).arrayBuffer());
    const size = whole.length;
    for (const [range, start, end] of [
      ["bytes=0-99", 0, 99],
      ["bytes=1000-1999", 1000, 1999],
      [`bytes=${size - 10}-`, size - 10, size - 1],
      ["bytes=-10", size - 10, size - 1],
    ] as const) {
      const res = await get(VIDEO, trainee, { Range: range });
      expect(res.status, range).toBe(206);
      expect(res.headers.get("content-range")).toBe(`bytes ${start}-${end}/${size}`);
      expect(Buffer.from(await res.arrayBuffer())).toEqual(whole.subarray(start, end + 1));
    }
  });

  it("answers 416, HEAD and conditional requests correctly", async () => {
    const bad = await get(VIDEO, trainee, { Range: "bytes=999999999-" });
    expect(bad.status).toBe(416);
    const head = await get(VIDEO, trainee, {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers.get("accept-ranges")).toBe("bytes");
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(10_000);
    const etag = head.headers.get("etag")!;
    expect((await get(VIDEO, trainee, { "If-None-Match": etag })).status).toBe(304);
    expect(head.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("gives no bytes to the anonymous or to a trainee whose stage the course is not for", async () => {
    const anon = await get(VIDEO, null, { Range: "bytes=0-99" });
    expect(anon.status).toBe(302);
    expect((await anon.arrayBuffer()).byteLength).toBe(0);
    const foreign = await get(VIDEO, candidate, { Range: "bytes=0-99" });
    expect(foreign.status).toBe(404);
    expect(Buffer.from(await foreign.arrayBuffer()).includes(Buffer.from("ftyp"))).toBe(false);
  });
});

describe("HTTP: heartbeats", () => {
  it("a scripted client claiming the whole 57 s lecture after 3 s of wall time is credited only ~3 s", async () => {
    expect((await get("/courses/jijifenzi-peixun/lessons/01-dang-de-xingzhi-zongzhi", trainee)).status).toBe(200);
    const db = openServerDb(server);
    const { id: lessonId } = await db.selectFrom("lessons").select("id").where("key", "=", "01-dang-de-xingzhi-zongzhi").executeTakeFirstOrThrow();
    await db.destroy();
    const beat = (segments: [number, number][]) =>
      fetch(`${server.url}/api/lessons/${lessonId}/beat`, {
        method: "POST",
        headers: { Cookie: trainee, "Content-Type": "application/json", Origin: server.url },
        body: JSON.stringify({ tabId: "scripted-client-1", segments, position: 0, visible: true }),
      }).then((r) => r.json());
    // The server credits at most the wall time between two beats (whole seconds) plus a 2 s slack. The bounds
    // are measured around the requests, so a slow machine widens them instead of failing the test.
    const SLACK = 2;
    const t0 = performance.now();
    expect(await beat([])).toMatchObject({ ok: true, credited: 0 });
    const t1 = performance.now();
    await new Promise((r) => setTimeout(r, 3000)); // the wall time this test is about, not a wait for something
    const t2 = performance.now();
    const r = await beat([[0, 57]]);
    const t3 = performance.now();
    expect(r.ok).toBe(true);
    expect(r.credited).toBeGreaterThanOrEqual(Math.floor((t2 - t1) / 1000) - 1);
    expect(r.credited).toBeLessThanOrEqual(Math.ceil((t3 - t0) / 1000) + SLACK);
    expect(r.completed).toBe(false);
    // Retrying the same claim adds only what the time since the last beat allows.
    const again = await beat([[0, 57]]);
    expect(again.credited).toBeLessThanOrEqual(Math.ceil((performance.now() - t2) / 1000) + SLACK);
  });

  it("a beat from another site is refused before it reaches the server's logic", async () => {
    const res = await fetch(`${server.url}/api/lessons/1/beat`, {
      method: "POST",
      headers: { Cookie: trainee, "Content-Type": "application/json", Origin: "https://evil.example" },
      body: JSON.stringify({ tabId: "scripted-client-2", segments: [[0, 5]], position: 0, visible: true }),
    });
    expect(res.status).toBe(403);
  });
});
