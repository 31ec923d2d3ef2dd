// `npm run test:crash [-- kills]` (default 100; after `npm run build`, BUILD_DIR is honoured): kills the
// production server with SIGKILL at random moments under mixed write load — exam answers, progress
// heartbeats, assignment drafts and submissions with attachments, sign-ins — and after each kill
// checks that every acknowledged write is in the database, that `PRAGMA integrity_check` and the
// foreign keys are fine, and, once restarted on the same data, that in-progress exams show the same
// deadline and acknowledged sign-ins still work. Exits non-zero on any failure.
import { randomInt } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { checkResume, MIXED, newLedger, OPS, prepareWorld, runLoad, totalLost, verifyLedger, type Ledger, type Op, type Verdict } from "./load.ts";
import { checkDatabase, launch, requireBuild, sleep, type App } from "./server.ts";

export type CrashSummary = {
  kills: number;
  ops: Ledger["counts"];
  lost: Verdict["lost"];
  lostExamples: string[];
  integrityFailures: string[];
  unexpected: Ledger["unexpected"];
  resumeProblems: string[];
  restartMs: { avg: number; max: number };
  killAfterMs: { min: number; max: number };
  /** Upload scratch files left in DATA_DIR/tmp by killed uploads (a start removes those older than an hour). */
  tmpLeftovers: number;
  ok: boolean;
};

export async function runCrash(opts: {
  kills: number;
  workers?: number;
  mix?: Partial<Record<Op, number>>;
  log?: (line: string) => void;
  /** How many trainees of each kind (see prepareWorld); the prefix of their 学号. */
  world?: Omit<Parameters<typeof prepareWorld>[2], "prefix">;
  prefix?: string;
}): Promise<CrashSummary> {
  requireBuild();
  const log = opts.log ?? (() => {});
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-crash-"));
  let app: App = await launch(dataDir);
  try {
    const world = await prepareWorld(app.url, dataDir, { ...opts.world, prefix: opts.prefix ?? "cr" });
    const ledger = newLedger();
    const restarts: number[] = [];
    const killAfter: number[] = [];
    const integrityFailures: string[] = [];
    const resumeProblems: string[] = [];
    let verdict: Verdict | undefined;
    let roundStart = 0;
    for (let round = 1; round <= opts.kills; round++) {
      if (round > 1) {
        const t = performance.now();
        app = await launch(dataDir);
        restarts.push(performance.now() - t);
        for (const p of await checkResume(app.url, world, ledger, { sessionsSince: roundStart })) resumeProblems.push(`after kill ${round - 1}: ${p}`);
      }
      roundStart = Date.now();
      let down = false;
      let stop = false;
      const current = app;
      const load = runLoad({
        target: () => current.url,
        world,
        ledger,
        workers: opts.workers ?? 16,
        mix: opts.mix ?? MIXED,
        stop: () => stop,
        down: () => down,
      });
      const delay = 100 + randomInt(1400);
      killAfter.push(delay);
      await sleep(delay);
      down = true;
      await current.signal("SIGKILL");
      stop = true;
      await load;
      verdict = verifyLedger(dataDir, world, ledger);
      const integrity = checkDatabase(dataDir);
      if (integrity !== "ok") integrityFailures.push(`kill ${round}: ${integrity}`);
      const acked = OPS.map((o) => `${o} ${ledger.counts[o].acked}`).join(", ");
      log(
        `kill ${String(round).padStart(3)} after ${String(delay).padStart(4)} ms: acknowledged so far ${acked}; lost ${totalLost(verdict)}; integrity ${integrity}`,
      );
    }
    // One last start: the data of the last kill must come back too.
    app = await launch(dataDir);
    for (const p of await checkResume(app.url, world, ledger, { sessionsSince: roundStart, attempts: world.attempts.length }))
      resumeProblems.push(`after the last kill: ${p}`);
    await app.signal("SIGTERM");
    const tmp = path.join(dataDir, "tmp");
    const avg = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
    const summary: CrashSummary = {
      kills: opts.kills,
      ops: ledger.counts,
      lost: verdict!.lost,
      lostExamples: verdict!.examples,
      integrityFailures,
      unexpected: ledger.unexpected,
      resumeProblems,
      restartMs: { avg: avg(restarts), max: Math.round(Math.max(0, ...restarts)) },
      killAfterMs: { min: Math.min(...killAfter), max: Math.max(...killAfter) },
      tmpLeftovers: fs.existsSync(tmp) ? fs.readdirSync(tmp).length : 0,
      ok: false,
    };
    summary.ok = totalLost(verdict!) === 0 && !integrityFailures.length && !ledger.unexpected.length && !resumeProblems.length;
    return summary;
  } finally {
    if (app.proc.exitCode === null && app.proc.signalCode === null) await app.signal("SIGKILL");
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const kills = Number(process.argv[2] ?? 100);
  const s = await runCrash({ kills, log: console.log });
  console.log("\nsummary");
  console.log(`  kills (SIGKILL under mixed write load): ${s.kills}; kill moment ${s.killAfterMs.min}–${s.killAfterMs.max} ms into the load`);
  for (const op of OPS) console.log(`  ${op.padEnd(7)} sent ${s.ops[op].sent}, acknowledged ${s.ops[op].acked}`);
  console.log(`  acknowledged writes missing after a kill: ${JSON.stringify(s.lost)}`);
  for (const e of s.lostExamples) console.log(`    ${e}`);
  console.log(`  integrity/foreign-key failures: ${s.integrityFailures.length}`);
  console.log(`  unexpected answers while the server was up: ${s.unexpected.length}`);
  for (const u of s.unexpected.slice(0, 10)) console.log(`    ${u.op} ${u.status} ${u.body}`);
  console.log(
    `  after restarts: ${s.resumeProblems.length ? s.resumeProblems.join("; ") : "every sampled exam showed its deadline unchanged; every acknowledged sign-in still worked"}`,
  );
  console.log(`  restart to healthy: avg ${s.restartMs.avg} ms, max ${s.restartMs.max} ms`);
  console.log(`  upload scratch files left in DATA_DIR/tmp: ${s.tmpLeftovers}`);
  process.exit(s.ok ? 0 : 1);
}
