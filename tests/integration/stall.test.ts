// No request can stall the server: the short stall sweep (scripts/faults/stall-sweep.ts --short; the full
// one sends as every role with bodies up to 16 MB), and the numbered stalls of the issue over real HTTP:
// 50,000 fields, a 300 MB sign-in, a "> " × 3,000 submission whose pages must keep answering.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rssMb } from "../../scripts/faults/server.ts";
import { runStallSweep, sendStreamed, STALL_LIMIT_MS } from "../../scripts/faults/stall-sweep.ts";
import { DEMO, DEMO_ASSIGNMENT, seedScenario, type Scenario } from "../setup/scenario.ts";
import { startServer, type TestServer } from "../setup/server.ts";

describe("stall sweep (short)", () => {
  it(`every body-taking route, signed out and as its role: no /healthz wait over ${STALL_LIMIT_MS} ms, no 5xx`, async () => {
    const r = await runStallSweep({ short: true });
    const worst = Object.entries(r.worstMs).sort((a, b) => b[1] - a[1]);
    console.log(
      `stall sweep: ${r.requests} requests, ${worst.length} routes/paths; worst ${worst
        .slice(0, 3)
        .map(([l, ms]) => `${Math.round(ms)} ms ${l}`)
        .join("; ")}`,
    );
    expect(r.failures).toEqual([]);
    expect(worst.filter(([, ms]) => ms > STALL_LIMIT_MS)).toEqual([]);
  }, 300_000);
});

describe("the issue's stalls over HTTP", () => {
  let server: TestServer;
  let s: Scenario;
  beforeAll(async () => {
    server = await startServer({ COURSES_DIR: "courses" });
    s = await seedScenario(server);
  }, 120_000);
  afterAll(async () => {
    await s?.db.destroy();
    await server?.stop();
  });

  /** Sends `body`; the answer counts even when the connection is cut after it. */
  const post = (url: string, opts: { body: string; cookie?: string }) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      let answered = false;
      const req = http.request(server.url + url, {
        method: "POST",
        agent: false,
        headers: {
          Origin: server.url,
          "Content-Type": "application/x-www-form-urlencoded",
          "Content-Length": Buffer.byteLength(opts.body),
          ...(opts.cookie ? { Cookie: opts.cookie } : {}),
        },
      });
      req.on("response", (res) => {
        answered = true;
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
      });
      req.on("error", (e) => (answered ? undefined : reject(e)));
      req.end(opts.body);
    });

  it("1. 50,000 fields: refused at once with a Chinese message, at sign-in and on a plain form", async () => {
    const body = `${"a=1&".repeat(49_999)}a=1`;
    const login = await post("/login", { body });
    expect(login.status).toBe(413);
    expect(login.body).toBe("提交的内容过大（此处最多 16 KB），已拒绝");
    const small = `${"a&".repeat(49_999)}a`; // 100 KB: under the plain-form byte limit, over its field limit
    const org = await post("/admin/org", { body: small, cookie: s.cookies.admin });
    expect(org.status).toBe(413);
    expect(org.body).toBe("表单字段过多（最多 1000 项），已拒绝");
  });

  it("3. six 300 MB sign-ins at once: refused before their bodies are read, memory and /healthz untouched", async () => {
    const before = rssMb(server.proc.pid!);
    const answers = await Promise.all(Array.from({ length: 6 }, () => sendStreamed(server.url, "/login", 300 * 1024 * 1024)));
    for (const a of answers) {
      // The answer, or the connection cut right after it while the client was still sending.
      if (a.status !== 0) expect(a.body).toBe("提交的内容过大（此处最多 16 KB），已拒绝");
      expect([0, 413]).toContain(a.status);
      expect(a.sentMb).toBeLessThan(100);
    }
    expect(rssMb(server.proc.pid!) - before).toBeLessThan(100);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('4. a submission of "> " × 3,000: stored, and both its trainee page and its grading page answer', async () => {
    const page = `/courses/${DEMO}/assignments/${DEMO_ASSIGNMENT}`;
    const form = new FormData();
    form.append("intent", "submit");
    form.append("text", "> ".repeat(3000));
    const sent = await s.request("traineeA", page, { method: "POST", body: form });
    expect(sent.status).toBeLessThan(400);
    const row = await s.db.selectFrom("submissions").select("id").where("user_id", "=", s.users.traineeA.id).executeTakeFirstOrThrow();
    const own = await s.request("traineeA", page);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain("<blockquote>");
    const grading = await s.request("instructor", `/teach/${DEMO}/assignments/${DEMO_ASSIGNMENT}/${row.id}`);
    expect(grading.status).toBe(200);
  });
});
