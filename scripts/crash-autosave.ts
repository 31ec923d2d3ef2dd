// `npx tsx scripts/crash-autosave.ts [rounds]` (after `npm run build`; BUILD_DIR is honoured).
// Kills the production server with SIGKILL at random moments during autosave load, at least 50 times.
// After each kill it checks that every save the server ever acknowledged is in the database (the
// stored seq is at least the acknowledged one, with that answer when equal) and that
// `PRAGMA integrity_check` is ok, then restarts the server on the same data. Prints a summary and
// exits non-zero on any lost save or integrity failure. Traffic goes to 127.0.0.1 only.
import Database from "better-sqlite3";
import { spawn, type ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { makeTrainees } from "./bench/fixtures.ts";
import { freePort } from "../tests/setup/server.ts";

const ROUNDS = Math.max(50, Number(process.argv[2] ?? 50));
const TRAINEES = 40;
const WORKERS = 16;
const EXAM_PATH = "/courses/jijifenzi-peixun/exams/jieye-kaoshi";

type Server = { url: string; proc: ChildProcess; exited: Promise<void> };

async function startServer(dataDir: string, port: number): Promise<Server> {
  let out = "";
  const proc = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited:\n${out}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, proc, exited };
    } catch {
      /* starting */
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Slot = { attemptId: number; questionId: number; cookie: string };

async function main() {
  if (!fs.existsSync(`${process.env.BUILD_DIR ?? "build"}/server/index.js`)) throw new Error("run `npm run build` first");
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-crash-"));
  const port = await freePort();
  let server = await startServer(dataDir, port);
  process.once("exit", () => server.proc.kill("SIGKILL"));

  // Trainees with an attempt in progress; saves go to their 判断 questions.
  const cookies = makeTrainees(dataDir, TRAINEES, { prefix: "crash" });
  const slots: Slot[] = [];
  for (const cookie of cookies) {
    const res = await fetch(server.url + EXAM_PATH, { method: "POST", redirect: "manual", headers: { cookie, origin: server.url } });
    const attemptId = Number(/\/exam-attempts\/(\d+)$/.exec(res.headers.get("location") ?? "")?.[1]);
    if (!attemptId) throw new Error(`start failed: ${res.status}`);
    slots.push({ attemptId, questionId: 0, cookie });
  }
  {
    const db = new Database(path.join(dataDir, "app.db"), { readonly: true });
    const judge = db.prepare("select aq.question_id from attempt_questions aq join questions q on q.id = aq.question_id where aq.attempt_id = ? and q.type = '判断'");
    for (const s of [...slots]) {
      const ids = (judge.all(s.attemptId) as { question_id: number }[]).map((r) => r.question_id);
      slots.splice(slots.indexOf(s), 1, ...ids.map((questionId) => ({ ...s, questionId })));
    }
    db.close();
  }

  const acked = new Map<string, number>(); // attempt:question → highest acknowledged seq
  let seq = 0;
  let sent = 0;
  let acknowledged = 0;
  let lostTotal = 0;
  let unexpected = 0;
  let integrityFailures = 0;
  const restarts: number[] = [];
  const killAfter: number[] = [];

  for (let round = 1; round <= ROUNDS; round++) {
    if (round > 1) {
      const t = performance.now();
      server = await startServer(dataDir, port);
      restarts.push(performance.now() - t);
    }
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const slot = slots[randomInt(slots.length)]!;
        const s = ++seq;
        sent++;
        try {
          const res = await fetch(`${server.url}/exam-attempts/${slot.attemptId}/answers`, {
            method: "POST",
            headers: { cookie: slot.cookie, origin: server.url, "content-type": "application/json" },
            body: JSON.stringify({ questionId: slot.questionId, seq: s, answer: { judge: s % 2 === 0 } }),
          });
          const body = (await res.json()) as { ok: boolean };
          if (res.status === 200 && body.ok) {
            const key = `${slot.attemptId}:${slot.questionId}`;
            acked.set(key, Math.max(acked.get(key) ?? 0, s));
            acknowledged++;
          } else unexpected++;
        } catch {
          if (!killed) unexpected++; // the server is gone only when we killed it
        }
      }
    };
    const workers = Array.from({ length: WORKERS }, worker);
    const delay = 100 + randomInt(1400);
    killAfter.push(delay);
    await new Promise((r) => setTimeout(r, delay));
    killed = true;
    server.proc.kill("SIGKILL");
    await server.exited;
    await Promise.allSettled(workers);

    // The database after a hard kill: every acknowledged save present, integrity ok.
    const db = new Database(path.join(dataDir, "app.db"));
    const integrity = (db.pragma("integrity_check") as { integrity_check: string }[]).map((r) => r.integrity_check).join(",");
    const rows = db.prepare("select attempt_id, question_id, seq, answer from attempt_answers").all() as { attempt_id: number; question_id: number; seq: number; answer: string }[];
    db.close();
    const stored = new Map(rows.map((r) => [`${r.attempt_id}:${r.question_id}`, r]));
    let lost = 0;
    for (const [key, s] of acked) {
      const row = stored.get(key);
      if (!row || row.seq < s || (row.seq === s && (JSON.parse(row.answer) as { judge: boolean }).judge !== (s % 2 === 0))) lost++;
    }
    lostTotal += lost;
    if (integrity !== "ok") integrityFailures++;
    console.log(`round ${String(round).padStart(2)}: killed after ${delay} ms, ${acknowledged} acknowledged so far, lost ${lost}, integrity ${integrity}`);
  }

  const avg = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
  console.log("\nsummary");
  console.log(`  kills (SIGKILL during autosave load): ${ROUNDS}`);
  console.log(`  saves sent: ${sent}, acknowledged: ${acknowledged}, distinct answers acknowledged: ${acked.size}`);
  console.log(`  acknowledged saves missing after a kill: ${lostTotal}`);
  console.log(`  integrity_check failures: ${integrityFailures}`);
  console.log(`  unexpected answers while the server was up: ${unexpected}`);
  console.log(`  kill moment: ${Math.min(...killAfter)}–${Math.max(...killAfter)} ms into the load; restart to healthy: avg ${avg(restarts)} ms`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  process.exit(lostTotal || integrityFailures || unexpected ? 1 : 0);
}

await main();
