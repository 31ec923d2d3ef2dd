// `npm run test:crash [-- kills] [-- --postgres [--instances N]]` (default 100 kills; after `npm run build`,
// BUILD_DIR is honoured): kills the production server with SIGKILL at random moments under mixed write load —
// exam answers, progress heartbeats, assignment drafts and submissions with attachments, sign-ins — and after
// each kill checks that every acknowledged write is in the database, that `PRAGMA integrity_check` and the
// foreign keys are fine (SQLite), and, once restarted on the same data, that in-progress exams show the same
// deadline and acknowledged sign-ins still work. Exits non-zero on any failure.
// With several instances (`--instances N`, three with `--postgres`, which starts a throwaway PostgreSQL
// cluster) the load goes through the round-robin proxy to all of them, one instance chosen at random is
// killed each round, the others keep serving a moment longer (their acknowledgements count), and the killed
// one is started again and put back behind the proxy.
import { randomInt } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { checkResume, MIXED, newLedger, OPS, prepareWorld, runLoad, totalLost, verifyLedger, type Ledger, type Op, type Verdict } from "./load.ts";
import { startProxy, type Proxy } from "./proxy.ts";
import { checkDatabase, faultArgs, launch, requireBuild, sleep, type App, type Store } from "./server.ts";

export type CrashSummary = {
  kills: number;
  instances: number;
  engine: "sqlite" | "postgres";
  ops: Ledger["counts"];
  lost: Verdict["lost"];
  lostExamples: string[];
  integrityFailures: string[];
  unexpected: Ledger["unexpected"];
  resumeProblems: string[];
  restartMs: { avg: number; max: number };
  killAfterMs: { min: number; max: number };
  /** Writes the other instances acknowledged between a kill and the end of its round (several instances only). */
  ackedAfterKills: number;
  /** Requests cut off by the kills (failed at the client or the proxy); some were applied before the kill. */
  failed: number;
  appliedButFailed: number;
  /** Upload scratch files left in DATA_DIR/tmp by killed uploads (a start removes those older than an hour). */
  tmpLeftovers: number;
  ok: boolean;
};

const acknowledged = (ledger: Ledger) => Object.values(ledger.counts).reduce((n, c) => n + c.acked, 0);

export async function runCrash(opts: {
  kills: number;
  workers?: number;
  mix?: Partial<Record<Op, number>>;
  log?: (line: string) => void;
  /** How many trainees of each kind (see prepareWorld); the prefix of their 学号. */
  world?: Omit<Parameters<typeof prepareWorld>[2], "prefix">;
  prefix?: string;
  /** An empty PostgreSQL database for the run; without it, DATA_DIR/app.db. */
  databaseUrl?: string;
  /** App instances on the one store, behind the proxy when more than one (default 1). */
  instances?: number;
}): Promise<CrashSummary> {
  requireBuild();
  const log = opts.log ?? (() => {});
  const n = opts.instances ?? 1;
  const store: Store = { dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-crash-")), databaseUrl: opts.databaseUrl };
  // One after the other, as a rolling start does: the first creates and migrates the database.
  const apps: App[] = [];
  let proxy: Proxy | undefined;
  try {
    for (let i = 0; i < n; i++) apps.push(await launch(store));
    proxy = n > 1 ? await startProxy(apps.map((a) => a.url)) : undefined;
    const front = () => proxy?.url ?? apps[0]!.url;
    const world = await prepareWorld(front(), store, { ...opts.world, prefix: opts.prefix ?? "cr" });
    const ledger = newLedger();
    const restarts: number[] = [];
    const killAfter: number[] = [];
    const integrityFailures: string[] = [];
    const resumeProblems: string[] = [];
    let ackedAfterKills = 0;
    let verdict: Verdict | undefined;
    let roundStart = 0;
    let victim = 0;
    for (let round = 1; round <= opts.kills; round++) {
      if (round > 1) {
        const t = performance.now();
        apps[victim] = await launch(store);
        restarts.push(performance.now() - t);
        proxy?.replace(victim, apps[victim]!.url);
        for (const p of await checkResume(apps[victim]!.url, world, ledger, { sessionsSince: roundStart }))
          resumeProblems.push(`after kill ${round - 1}: ${p}`);
      }
      roundStart = Date.now();
      victim = randomInt(n);
      let down = false;
      let stop = false;
      const target = front();
      const load = runLoad({
        target: () => target,
        world,
        ledger,
        workers: opts.workers ?? 16,
        mix: opts.mix ?? MIXED,
        stop: () => stop,
        // Behind the proxy only the killed instance's requests may fail.
        down: (upstream) => down && (!proxy || upstream === String(victim)),
      });
      const delay = 100 + randomInt(1400);
      killAfter.push(delay);
      await sleep(delay);
      down = true;
      await apps[victim]!.signal("SIGKILL");
      if (proxy) {
        // The load balancer takes the dead instance out; the others go on serving for a moment.
        proxy.replace(victim, null);
        const before = acknowledged(ledger);
        await sleep(300);
        ackedAfterKills += acknowledged(ledger) - before;
      }
      stop = true;
      await load;
      verdict = await verifyLedger(store, world, ledger);
      const integrity = checkDatabase(store);
      if (integrity !== "ok") integrityFailures.push(`kill ${round}: ${integrity}`);
      const acked = OPS.map((o) => `${o} ${ledger.counts[o].acked}`).join(", ");
      log(
        `kill ${String(round).padStart(3)}${proxy ? ` (instance ${victim})` : ""} after ${String(delay).padStart(4)} ms: acknowledged so far ${acked}; lost ${totalLost(verdict)}; integrity ${integrity}`,
      );
    }
    // One last start: the data of the last kill must come back too.
    apps[victim] = await launch(store);
    for (const p of await checkResume(apps[victim]!.url, world, ledger, { sessionsSince: roundStart, attempts: world.attempts.length }))
      resumeProblems.push(`after the last kill: ${p}`);
    const tmp = path.join(store.dataDir, "tmp");
    const avg = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
    const summary: CrashSummary = {
      kills: opts.kills,
      instances: n,
      engine: store.databaseUrl ? "postgres" : "sqlite",
      ops: ledger.counts,
      lost: verdict!.lost,
      lostExamples: verdict!.examples,
      integrityFailures,
      unexpected: ledger.unexpected,
      resumeProblems,
      restartMs: { avg: avg(restarts), max: Math.round(Math.max(0, ...restarts)) },
      killAfterMs: { min: Math.min(...killAfter), max: Math.max(...killAfter) },
      ackedAfterKills,
      failed: ledger.failed.length,
      appliedButFailed: verdict!.appliedButFailed,
      tmpLeftovers: fs.existsSync(tmp) ? fs.readdirSync(tmp).length : 0,
      ok: false,
    };
    summary.ok = totalLost(verdict!) === 0 && !integrityFailures.length && !ledger.unexpected.length && !resumeProblems.length;
    return summary;
  } finally {
    await proxy?.close();
    await Promise.all(apps.map((a) => (a.proc.exitCode === null && a.proc.signalCode === null ? a.signal("SIGTERM") : undefined)));
    fs.rmSync(store.dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = await faultArgs(100);
  try {
    const s = await runCrash({ kills: args.count, databaseUrl: args.databaseUrl, instances: args.instances, log: console.log });
    console.log("\nsummary");
    console.log(`  ${s.engine}, ${s.instances} instance(s)${s.instances > 1 ? " behind the proxy" : ""}`);
    console.log(`  kills (SIGKILL under mixed write load): ${s.kills}; kill moment ${s.killAfterMs.min}–${s.killAfterMs.max} ms into the load`);
    for (const op of OPS) console.log(`  ${op.padEnd(7)} sent ${s.ops[op].sent}, acknowledged ${s.ops[op].acked}`);
    if (s.instances > 1) console.log(`  acknowledged by the other instances between a kill and the end of its round: ${s.ackedAfterKills}`);
    console.log(`  requests cut off by the kills: ${s.failed} (of which the server had applied ${s.appliedButFailed})`);
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
    process.exitCode = s.ok ? 0 : 1;
  } finally {
    args.cluster?.stop();
  }
  process.exit();
}
