// `npm run test:soak [-- minutes]` (default 30; after `npm run build`, BUILD_DIR is honoured): mixed
// write load at a steady rate for N minutes against one production server. Samples the server's RSS
// and the WAL file every few seconds and reports the memory slope (least squares, after the first
// fifth of the run as warm-up), the largest WAL, throughput and latency, and any error response; at
// the end every acknowledged write must be in the database. Exits non-zero on errors, lost writes, a
// WAL over 64 MB, or memory that grows: over 1 MB/min in a run of 10 minutes or more (a shorter run is
// mostly the garbage collector's sawtooth, so there the floor of the last quarter — its lowest sample,
// which a collection peak cannot raise — may exceed the first warm quarter's floor by at most 120 MB, a
// check for a runaway leak only).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { httpClient, MIXED, newLedger, OPS, prepareWorld, runLoad, totalLost, verifyLedger, type Ledger, type Op } from "./load.ts";
import { checkDatabase, launch, requireBuild, rssMb, slope, sleep, walBytes } from "./server.ts";

export type SoakSummary = {
  minutes: number;
  rate: number;
  ops: Ledger["counts"];
  acknowledgedPerSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  rssMb: { start: number; end: number; max: number; slopePerMinute: number; growth: number };
  walMb: { max: number; end: number };
  errors: Ledger["unexpected"];
  /** Requests sent again on a new connection because a reused keep-alive one was closed (as browsers do). */
  retried: number;
  lost: number;
  lostExamples: string[];
  integrity: string;
  ok: boolean;
};

// A one-minute run still includes warm-up (JIT, statement and Markdown caches, SQLite page cache): its
// bound only catches a runaway leak; flatness is judged by the slope of the long run.
export const SOAK_LIMITS = { rssSlopeMbPerMinute: 1, shortRunGrowthMb: 120, walMb: 64 };

/** The lowest RSS among samples: what stays after the collector ran, so a leak raises it and a peak does not. */
const floor = (xs: { rss: number }[]) => (xs.length ? Math.min(...xs.map((s) => s.rss)) : 0);

export async function runSoak(opts: {
  minutes: number;
  rate?: number;
  workers?: number;
  sampleSeconds?: number;
  mix?: Partial<Record<Op, number>>;
  log?: (line: string) => void;
}): Promise<SoakSummary> {
  requireBuild();
  const log = opts.log ?? (() => {});
  const rate = opts.rate ?? 60;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-soak-"));
  const app = await launch(dataDir);
  try {
    const world = await prepareWorld(app.url, { dataDir }, { prefix: "sk", examinees: 24, beaters: 24, drafters: 12, submitters: 8, logins: 6 });
    const ledger = newLedger();
    const latencies: number[] = [];
    const client = httpClient(opts.workers ?? 16);
    // Latency of every request, measured around the client's send.
    const timed = {
      ...client,
      send: async (...a: Parameters<typeof client.send>) => {
        const t = performance.now();
        try {
          return await client.send(...a);
        } finally {
          latencies.push(performance.now() - t);
        }
      },
    };
    const started = Date.now();
    const until = started + opts.minutes * 60_000;
    const samples: { t: number; rss: number; wal: number }[] = [];
    let stop = false;
    const load = runLoad({ target: () => app.url, world, ledger, workers: opts.workers ?? 16, mix: opts.mix ?? MIXED, rate, stop: () => stop, client: timed });
    const every = (opts.sampleSeconds ?? 5) * 1000;
    while (Date.now() < until) {
      await sleep(Math.min(every, until - Date.now()));
      const s = { t: (Date.now() - started) / 60_000, rss: rssMb(app.pid), wal: walBytes(dataDir) / 2 ** 20 };
      samples.push(s);
      if (samples.length % Math.max(1, Math.round(60_000 / every)) === 0) {
        const acked = OPS.reduce((a, o) => a + ledger.counts[o].acked, 0);
        log(`${s.t.toFixed(1)} min: RSS ${s.rss.toFixed(1)} MB, WAL ${s.wal.toFixed(2)} MB, ${acked} writes acknowledged, ${ledger.unexpected.length} errors`);
      }
    }
    stop = true;
    await load;
    client.close();
    const verdict = await verifyLedger({ dataDir }, world, ledger);
    const integrity = checkDatabase({ dataDir });
    const warm = samples.filter((s) => s.t >= opts.minutes / 5);
    const sorted = [...latencies].sort((a, b) => a - b);
    const q = (p: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0).toFixed(1));
    const acked = OPS.reduce((a, o) => a + ledger.counts[o].acked, 0);
    const summary: SoakSummary = {
      minutes: opts.minutes,
      rate,
      ops: ledger.counts,
      acknowledgedPerSecond: Number((acked / ((Date.now() - started) / 1000)).toFixed(1)),
      latencyMs: { p50: q(0.5), p99: q(0.99), max: q(1) },
      rssMb: {
        start: Number((warm[0]?.rss ?? 0).toFixed(1)),
        end: Number((samples.at(-1)?.rss ?? 0).toFixed(1)),
        max: Number(Math.max(...samples.map((s) => s.rss)).toFixed(1)),
        slopePerMinute: Number(slope(warm.map((s) => [s.t, s.rss])).toFixed(2)),
        growth: Number((floor(warm.slice(-Math.ceil(warm.length / 4))) - floor(warm.slice(0, Math.ceil(warm.length / 4)))).toFixed(1)),
      },
      walMb: { max: Number(Math.max(...samples.map((s) => s.wal)).toFixed(2)), end: Number((samples.at(-1)?.wal ?? 0).toFixed(2)) },
      errors: ledger.unexpected,
      retried: client.stats.retried,
      lost: totalLost(verdict),
      lostExamples: verdict.examples,
      integrity,
      ok: false,
    };
    const flat = opts.minutes >= 10 ? summary.rssMb.slopePerMinute <= SOAK_LIMITS.rssSlopeMbPerMinute : summary.rssMb.growth <= SOAK_LIMITS.shortRunGrowthMb;
    summary.ok = !summary.errors.length && summary.lost === 0 && integrity === "ok" && flat && summary.walMb.max <= SOAK_LIMITS.walMb;
    return summary;
  } finally {
    await app.signal("SIGTERM");
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const minutes = Number(process.argv[2] ?? 30);
  const s = await runSoak({ minutes, log: console.log });
  console.log("\nsummary");
  console.log(
    `  ${s.minutes} min of mixed writes at ${s.rate} requests/s: ${s.acknowledgedPerSecond} acknowledged/s; latency p50 ${s.latencyMs.p50} ms, p99 ${s.latencyMs.p99} ms, max ${s.latencyMs.max} ms`,
  );
  for (const op of OPS) console.log(`  ${op.padEnd(7)} sent ${s.ops[op].sent}, acknowledged ${s.ops[op].acked}`);
  console.log(
    `  RSS after warm-up ${s.rssMb.start} MB → end ${s.rssMb.end} MB (max ${s.rssMb.max} MB), slope ${s.rssMb.slopePerMinute} MB/min, last quarter's floor − first quarter's ${s.rssMb.growth} MB`,
  );
  console.log(`  WAL max ${s.walMb.max} MB, at the end ${s.walMb.end} MB (limit ${SOAK_LIMITS.walMb})`);
  console.log(`  error responses: ${s.errors.length}; requests sent again after a keep-alive connection closed: ${s.retried}`);
  for (const e of s.errors.slice(0, 10)) console.log(`    ${e.op} ${e.status} ${e.body}`);
  console.log(`  acknowledged writes missing: ${s.lost}; integrity ${s.integrity}`);
  process.exit(s.ok ? 0 : 1);
}
