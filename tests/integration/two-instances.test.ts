// Two server processes on the same DATA_DIR behind a round-robin proxy (scripts/faults/proxy.ts) behave
// as one (nothing a second instance needs lives in process memory): a sign-in on one is
// valid on the other, failed sign-ins are throttled across both, an exam's deadline and autosave are
// the same on both, an upload made through one downloads from the other, a sign-out on one ends the
// session on both, and mixed write load through the proxy loses nothing.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type DB } from "../../app/utils/db.server.ts";
import {
  ASSIGNMENT_PATH,
  EXAM_PATH,
  httpClient,
  MIXED,
  multipart,
  newLedger,
  prepareWorld,
  runLoad,
  totalLost,
  verifyLedger,
} from "../../scripts/faults/load.ts";
import { startProxy, type Proxy } from "../../scripts/faults/proxy.ts";
import { launch, type App } from "../../scripts/faults/server.ts";
import { waitUntil } from "../setup/wait.ts";
import { DEMO_PASSWORD } from "../../app/models/demo.server.ts";

let dataDir: string;
let a: App;
let b: App;
let proxy: Proxy;
let db: DB;
const client = httpClient(8);

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-two-"));
  // One after the other, as a rolling start does: the first creates and migrates the database.
  a = await launch(dataDir);
  b = await launch(dataDir);
  proxy = await startProxy([a.url, b.url]);
  db = openDatabase(path.join(dataDir, "app.db"));
}, 120_000);

afterAll(async () => {
  client.close();
  await db?.destroy();
  await proxy?.close();
  await Promise.all([a?.signal("SIGTERM"), b?.signal("SIGTERM")]);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const form = (base: string, cookie = "") => ({ Origin: base, "Content-Type": "application/x-www-form-urlencoded", ...(cookie ? { Cookie: cookie } : {}) });
const signIn = async (base: string, username: string, password = DEMO_PASSWORD) =>
  client.send(base, "/login", { method: "POST", headers: form(base), body: new URLSearchParams({ username, password }).toString() });
const cookieOf = (res: { headers: Record<string, unknown> }) => String(res.headers["set-cookie"] ?? "").split(";")[0]!;

describe("two instances on one database", () => {
  it("a sign-in on one instance is valid on the other, and through the proxy on both", async () => {
    const res = await signIn(a.url, "2023002");
    expect(res.status).toBe(302);
    const cookie = cookieOf(res);
    const home = await client.send(b.url, "/", { headers: { Cookie: cookie } });
    expect(home.status).toBe(200);
    expect(home.body).toContain("陈思雨");

    const viaProxy = cookieOf(await signIn(proxy.url, "2022015"));
    const upstreams = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const r = await client.send(proxy.url, "/courses", { headers: { Cookie: viaProxy } });
      expect(r.status).toBe(200);
      upstreams.add(String(r.headers["x-upstream"]));
    }
    expect(upstreams).toEqual(new Set(["0", "1"]));
  });

  it("failed sign-ins are counted across both instances", async () => {
    const username = "2021030";
    for (let i = 0; i < 10; i++) {
      const res = await signIn(i % 2 ? b.url : a.url, username, `wrong-${i}`);
      expect(res.status, `attempt ${i + 1}`).toBe(401);
    }
    for (const base of [a.url, b.url]) {
      const res = await signIn(base, username);
      expect(res.status).toBe(429);
      expect(res.body).toContain("尝试次数过多");
    }
  });

  it("an exam started on one instance has the same deadline and answers on the other; an older save loses on either", async () => {
    const cookie = cookieOf(await signIn(a.url, "2023101"));
    const start = await client.send(a.url, EXAM_PATH, { method: "POST", headers: form(a.url, cookie), body: "" });
    const attemptId = Number(/\/exam-attempts\/(\d+)$/.exec(String(start.headers.location))?.[1]);
    expect(attemptId).toBeGreaterThan(0);
    const { deadline_at } = await db.selectFrom("exam_attempts").select("deadline_at").where("id", "=", attemptId).executeTakeFirstOrThrow();
    for (const base of [a.url, b.url]) {
      const page = await client.send(base, `/exam-attempts/${attemptId}.data`, { headers: { Cookie: cookie } });
      expect(page.status).toBe(200);
      expect(page.body).toContain(String(deadline_at * 1000));
    }
    const q = await db
      .selectFrom("attempt_questions as aq")
      .innerJoin("questions as q", "q.id", "aq.question_id")
      .select("aq.question_id")
      .where("aq.attempt_id", "=", attemptId)
      .where("q.type", "=", "简答")
      .executeTakeFirstOrThrow();
    const save = (base: string, seq: number) =>
      client.send(base, `/exam-attempts/${attemptId}/answers`, {
        method: "POST",
        headers: { Origin: base, Cookie: cookie, "Content-Type": "application/json" },
        body: JSON.stringify({ questionId: q.question_id, seq, answer: { text: `第 ${seq} 次保存` } }),
      });
    // Saves 1…20 at once, spread over both instances in shuffled order.
    const seqs = Array.from({ length: 20 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    const replies = await Promise.all(seqs.map((s, i) => save(i % 2 ? b.url : a.url, s)));
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
    const late = JSON.parse((await save(b.url, 5)).body) as { ok: boolean; applied: boolean };
    expect(late).toMatchObject({ ok: true, applied: false });
    const row = await db
      .selectFrom("attempt_answers")
      .select(["seq", "answer"])
      .where("attempt_id", "=", attemptId)
      .where("question_id", "=", q.question_id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ seq: 20, answer: JSON.stringify({ text: "第 20 次保存" }) });
  });

  it("an upload through one instance downloads from the other", async () => {
    const cookie = cookieOf(await signIn(b.url, "2023001"));
    const pdf = Buffer.from(`%PDF-1.4\n% two instances ${Date.now()}\n%%EOF\n`);
    const { body, type } = await multipart({ intent: "save", text: "两个实例", files: [pdf, "两个实例.pdf"] });
    const saved = await client.send(b.url, `${ASSIGNMENT_PATH}.data`, {
      method: "POST",
      headers: { Origin: b.url, Cookie: cookie, "Content-Type": type },
      body,
    });
    expect(saved.status).toBe(200);
    const file = await db.selectFrom("submission_files").select("id").where("name", "=", "两个实例.pdf").orderBy("id", "desc").executeTakeFirstOrThrow();
    const got = await fetch(`${a.url}/submission-files/${file.id}`, { headers: { Cookie: cookie } });
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer())).toEqual(pdf);
  });

  it("a sign-out on one instance ends the session on the other", async () => {
    const cookie = cookieOf(await signIn(a.url, "js001"));
    expect((await client.send(b.url, "/teach", { headers: { Cookie: cookie } })).status).toBe(200);
    const out = await client.send(a.url, "/logout", { method: "POST", headers: form(a.url, cookie), body: "" });
    expect(out.status).toBe(302);
    const after = await client.send(b.url, "/teach", { headers: { Cookie: cookie } });
    expect(after.status).toBe(302);
    expect(String(after.headers.location)).toMatch(/^\/login/);
  });

  it("mixed write load through the proxy: no error, nothing acknowledged is missing, both instances served", async () => {
    const world = await prepareWorld(proxy.url, { dataDir }, { prefix: "ti" });
    const ledger = newLedger();
    const served = [...proxy.served];
    let stop = false;
    const load = runLoad({ target: () => proxy.url, world, ledger, workers: 12, mix: MIXED, stop: () => stop });
    // Load until 100 writes, every kind among them, were acknowledged and both upstreams served over 50
    // requests (6–8 s on this machine), or an error shows up; the limit is for a stalled run only.
    const started = Date.now();
    const acknowledged = () => Object.values(ledger.counts).reduce((n, c) => n + c.acked, 0);
    await waitUntil(
      () =>
        ledger.unexpected.length > 0 ||
        (acknowledged() >= 100 && Object.values(ledger.counts).every((c) => c.acked > 0) && proxy.served.every((n, i) => n - served[i]! > 50)),
      "100 writes of every kind acknowledged and over 50 requests on each instance",
      { timeoutMs: 45_000 },
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    stop = true;
    await load;
    const v = await verifyLedger({ dataDir }, world, ledger);
    const acked = acknowledged();
    console.log(
      `two instances: ${acked} writes acknowledged in ${seconds} s through the proxy (${JSON.stringify(ledger.counts)}); upstreams served ${proxy.served.map((n, i) => n - served[i]!).join(" / ")}`,
    );
    expect(ledger.unexpected).toEqual([]);
    expect(v.examples).toEqual([]);
    expect(totalLost(v)).toBe(0);
    for (const c of Object.values(ledger.counts)) expect(c.acked).toBeGreaterThan(0);
    expect(proxy.served[0]! - served[0]!).toBeGreaterThan(50);
    expect(proxy.served[1]! - served[1]!).toBeGreaterThan(50);
  }, 60_000);
});
