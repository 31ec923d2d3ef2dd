// `npx tsx scripts/faults/pg-restart.ts [down-ms] [--instances N]` (after `npm run build`): three app instances
// (or N) on a throwaway PostgreSQL cluster behind the proxy, under mixed write load; PostgreSQL is stopped in
// the middle of the load — once with `pg_ctl stop -m fast`, once with `-m immediate` (crash recovery at the
// next start) — kept down for `down-ms` (default 3000) and started again, while the load goes on. While it is
// down every request must be refused cleanly (503 with the Chinese message, within the connection timeout),
// no instance may exit, `/healthz` must say the database is down and a page must show the Chinese 503; after
// it is back every instance must recover by itself (no restart) and every acknowledged write must be there.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { DATABASE_UNAVAILABLE } from "../../app/utils/db-outage.server.ts";
import type { Cluster } from "../pg-cluster.ts";
import { httpClient, MIXED, newLedger, prepareWorld, runLoad, totalLost, verifyLedger, type Ledger } from "./load.ts";
import { startProxy, type Proxy } from "./proxy.ts";
import { faultArgs, launch, requireBuild, sleep, type App, type Store } from "./server.ts";

export type Outage = {
  mode: "fast" | "immediate";
  /** From the stop command until PostgreSQL accepted connections again. */
  downMs: number;
  /** Requests refused with the 503 and its Chinese message, and the slowest of them (the bound on a wait). */
  refused: number;
  slowestRefusalMs: number;
  /** Which kind of write that slowest refusal was (a submission or sign-in does CPU work before its first query). */
  slowestRefusalOp: string;
  /** After PostgreSQL accepted connections: until every instance's /healthz said ok, and until the next acknowledged write. */
  healthyAfterMs: number;
  firstAckAfterMs: number;
  /** What the probes saw while it was down: each instance's /healthz, a page through the proxy. */
  healthzWhileDown: string[];
  pageWhileDown: string;
};

export type RestartSummary = {
  instances: number;
  outages: Outage[];
  ops: Ledger["counts"];
  lost: number;
  lostExamples: string[];
  appliedButRefused: number;
  unexpected: Ledger["unexpected"];
  /** Instances that exited during the run (none may). */
  exited: string[];
  ok: boolean;
};

const acknowledged = (ledger: Ledger) => Object.values(ledger.counts).reduce((n, c) => n + c.acked, 0);

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(25);
  }
}

export async function runDatabaseRestart(opts: {
  cluster: Pick<Cluster, "shutDown" | "startAgain">;
  /** An empty database of that cluster. */
  databaseUrl: string;
  instances?: number;
  modes?: ("fast" | "immediate")[];
  downMs?: number;
  workers?: number;
  log?: (line: string) => void;
}): Promise<RestartSummary> {
  requireBuild();
  const log = opts.log ?? (() => {});
  const n = opts.instances ?? 3;
  const store: Store = { dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-pgrestart-")), databaseUrl: opts.databaseUrl };
  const apps: App[] = [];
  let proxy: Proxy | undefined;
  const probe = httpClient(8);
  try {
    for (let i = 0; i < n; i++) apps.push(await launch(store));
    proxy = await startProxy(apps.map((a) => a.url));
    const front = proxy.url;
    const world = await prepareWorld(front, store, { prefix: "pr" });
    const ledger = newLedger();
    // A refusal is expected for a request sent before every instance was healthy again and answered after the stop began.
    let downSince = Infinity;
    let healthyAt = 0;
    let stop = false;
    const load = runLoad({
      target: () => front,
      world,
      ledger,
      workers: opts.workers ?? 16,
      mix: MIXED,
      stop: () => stop,
      down: (_upstream, startedAt) => Date.now() >= downSince && startedAt <= healthyAt,
    });
    const outages: Outage[] = [];
    const healthy = async () =>
      (
        await Promise.all(
          apps.map((a) =>
            probe.send(a.url, "/healthz").then(
              (r) => r.status === 200,
              () => false,
            ),
          ),
        )
      ).every(Boolean);
    for (const mode of opts.modes ?? ["fast", "immediate"]) {
      await waitFor("load under way", () => acknowledged(ledger) >= 50);
      const failedBefore = ledger.failed.length;
      healthyAt = Infinity;
      downSince = Date.now();
      const t0 = performance.now();
      await opts.cluster.shutDown(mode);
      await sleep(opts.downMs ?? 3000);
      // Probes while it is down: each /healthz, and a page a signed-in trainee opens.
      const healthzWhileDown = await Promise.all(apps.map((a) => probe.send(a.url, "/healthz").then((r) => `${r.status} ${r.body}`)));
      const page = await probe.send(front, "/courses", { headers: { Cookie: world.drafters[0]!.cookie } });
      const pageWhileDown = `${page.status} ${page.body.includes(DATABASE_UNAVAILABLE) ? "with the Chinese message" : "WITHOUT the message"}`;
      await opts.cluster.startAgain();
      const up = performance.now();
      const downMs = up - t0;
      const acksAtStart = acknowledged(ledger);
      let firstAckAfterMs = -1;
      const firstAck = waitFor("an acknowledged write after the restart", () => acknowledged(ledger) > acksAtStart).then(
        () => (firstAckAfterMs = performance.now() - up),
      );
      await waitFor("every instance healthy", healthy);
      const healthyAfterMs = performance.now() - up;
      healthyAt = Date.now();
      await firstAck;
      const refusals = ledger.failed.slice(failedBefore).filter((f) => f.code.startsWith("503"));
      const outage: Outage = {
        mode,
        downMs: Math.round(downMs),
        refused: refusals.length,
        slowestRefusalMs: Math.round(Math.max(0, ...refusals.map((f) => f.ms))),
        slowestRefusalOp: refusals.reduce((a, f) => (f.ms > a.ms ? f : a), { ms: -1, op: "none" }).op,
        healthyAfterMs: Math.round(healthyAfterMs),
        firstAckAfterMs: Math.round(firstAckAfterMs),
        healthzWhileDown,
        pageWhileDown,
      };
      outages.push(outage);
      log(
        `PostgreSQL stop -m ${mode}: down ${outage.downMs} ms; refused with 503 ${outage.refused} (slowest ${outage.slowestRefusalMs} ms, ${outage.slowestRefusalOp}); healthy ${outage.healthyAfterMs} ms and first acknowledged write ${outage.firstAckAfterMs} ms after it was back; page while down ${pageWhileDown}`,
      );
    }
    // A moment of steady load after the last outage, then the check.
    const settled = acknowledged(ledger);
    await waitFor("50 more writes acknowledged", () => acknowledged(ledger) >= settled + 50);
    stop = true;
    await load;
    const v = await verifyLedger(store, world, ledger);
    const exited = apps.filter((a) => a.proc.exitCode !== null || a.proc.signalCode !== null).map((a) => `pid ${a.pid}: ${a.output().slice(-500)}`);
    const summary: RestartSummary = {
      instances: n,
      outages,
      ops: ledger.counts,
      lost: totalLost(v),
      lostExamples: v.examples,
      appliedButRefused: v.appliedButFailed,
      unexpected: ledger.unexpected,
      exited,
      ok: false,
    };
    summary.ok =
      summary.lost === 0 &&
      !summary.unexpected.length &&
      !exited.length &&
      outages.every((o) => o.refused > 0 && o.pageWhileDown.startsWith("503 with") && o.healthzWhileDown.every((h) => h.startsWith("503")));
    return summary;
  } finally {
    probe.close();
    await proxy?.close();
    await Promise.all(apps.map((a) => (a.proc.exitCode === null && a.proc.signalCode === null ? a.signal("SIGTERM") : undefined)));
    fs.rmSync(store.dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = await faultArgs(3000, [...process.argv.slice(2), "--postgres"]);
  try {
    const s = await runDatabaseRestart({
      cluster: args.cluster!,
      databaseUrl: args.databaseUrl!,
      instances: args.instances,
      downMs: args.count,
      log: console.log,
    });
    console.log("\nsummary");
    console.log(`  PostgreSQL, ${s.instances} instances behind the proxy, mixed write load throughout`);
    for (const o of s.outages) {
      console.log(
        `  stop -m ${o.mode}: down ${o.downMs} ms; ${o.refused} requests refused with 503 and the Chinese message, slowest ${o.slowestRefusalMs} ms (${o.slowestRefusalOp}); healthy again after ${o.healthyAfterMs} ms, first acknowledged write after ${o.firstAckAfterMs} ms`,
      );
      console.log(`    /healthz while down: ${o.healthzWhileDown.map((h) => h.split(" ")[0]).join(", ")}; a page while down: ${o.pageWhileDown}`);
    }
    for (const [op, c] of Object.entries(s.ops)) console.log(`  ${op.padEnd(7)} sent ${c.sent}, acknowledged ${c.acked}`);
    console.log(`  acknowledged writes missing: ${s.lost}; refused but applied (the commit was under way): ${s.appliedButRefused}`);
    for (const e of s.lostExamples) console.log(`    ${e}`);
    console.log(`  unexpected answers: ${s.unexpected.length}`);
    for (const u of s.unexpected.slice(0, 10)) console.log(`    ${u.op} ${u.status} ${u.body}`);
    console.log(`  instances that exited: ${s.exited.length ? s.exited.join("; ") : "none"}`);
    process.exitCode = s.ok ? 0 : 1;
  } finally {
    args.cluster?.stop();
  }
  process.exit();
}
