// The bench's PostgreSQL rows: the exam start, autosave, heartbeat and ledger export scenarios run again with
// the production server on PostgreSQL (a throwaway cluster from scripts/pg-cluster.ts, one per bench run, a
// fresh database per row), with one instance and with three (the same DATABASE_URL and DATA_DIR) behind a
// round-robin proxy in its own process (lb.ts). The fixtures are the SQLite ones: each scenario writes its data
// into DATA_DIR/app.db as for the SQLite row, and the file is then copied into the empty, migrated PostgreSQL
// database table by table (ids kept, identities moved past them), so both engines start from the same rows.
// The bare baseline stays node:http + better-sqlite3 on that same SQLite file: a row reuses the baseline
// measured for its scenario's SQLite row in the same run, or measures it when that row was not selected.
//
//   npm run bench                                  SQLite rows, then each PostgreSQL-capable one at 1 and 3 instances
//   npm run bench -- --engine=pg [--instances=3]   only the PostgreSQL rows (the named ones, or all)
//   npm run bench -- autosave@pg3 ledger-export@pg1 autosave@pg1+lb   single rows (+lb: one instance behind the proxy)
import Sqlite from "better-sqlite3";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openPostgres, type DB } from "../../app/utils/db.server.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import { startCluster, withClient as admin, withDatabase } from "../pg-cluster.ts";
import { freshSchool } from "./fixtures.ts";
import { exportOnce, generateLedgerSchool as generateLedger } from "./scenarios/ledger.ts";
import { cpuSeconds, peakRssMb, round, startServer, stopServer, type Server } from "./servers.ts";
import type { Measurement, Request, Scenario } from "./types.ts";

/** The scenarios that run on PostgreSQL too (the issue's: exam start, autosave, heartbeats; the ledger export is a measurement). */
const ON_POSTGRES = [
  "exam-start",
  "exam-start-paced",
  "autosave",
  "autosave-100",
  "autosave-200",
  "autosave-300",
  "autosave-400",
  "heartbeat-1000",
  "heartbeat-peak",
];
/** Rows measured by default besides `@pg1` and `@pg3`: one instance behind the proxy, which is the proxy's own cost. */
const PROXY_COST = ["autosave"];

type Variant = { instances: number; proxy: boolean };
type PgScenario = Scenario & { base: Scenario; variant: Variant };

function parseVariant(suffix: string): Variant | undefined {
  const m = /^pg(\d)(\+lb)?$/.exec(suffix);
  return m ? { instances: Number(m[1]), proxy: Number(m[1]) > 1 || !!m[2] } : undefined;
}

/**
 * The bench's arguments as names to run: plain names are the SQLite rows (all when none is named), `name@pgN`
 * a PostgreSQL row with N instances (`@pg` both 1 and 3). `--engine=sqlite|pg|both` (default: both when no
 * name is given, else SQLite for plain names) and `--instances=1,3` widen plain names.
 */
export function selectNames(args: string[], all: string[]): string[] {
  const flag = (k: string) => args.find((a) => a.startsWith(`--${k}=`))?.split("=")[1];
  const named = args.filter((a) => !a.startsWith("--"));
  const engine = flag("engine") ?? (named.length ? "sqlite" : "both");
  if (!["sqlite", "pg", "both"].includes(engine)) throw new Error(`--engine=sqlite|pg|both, not ${engine}`);
  const instances = (flag("instances") ?? "1,3").split(",").map(Number);
  const pgNames = (n: string) => [...instances.map((k) => `${n}@pg${k}`), ...(!flag("instances") && PROXY_COST.includes(n) ? [`${n}@pg1+lb`] : [])];
  const out: string[] = [];
  for (const n of named.length ? named : all) {
    const [base, suffix] = n.split("@");
    if (suffix !== undefined) out.push(...(suffix === "pg" ? pgNames(base!) : [n]));
    else {
      if (engine !== "pg") out.push(n);
      if (engine !== "sqlite" && (ON_POSTGRES.includes(n) || n === "ledger-export")) out.push(...pgNames(n));
    }
  }
  return out;
}

/** The PostgreSQL variants of the scenarios named in `wanted`, each right after its SQLite scenario (so both run close in time). */
export function withPostgresVariants(scenarios: Scenario[], wanted: string[]): (Scenario | PgScenario)[] {
  return scenarios.flatMap((s) => [
    s,
    ...wanted
      .filter((w) => w.startsWith(`${s.name}@`) && ON_POSTGRES.includes(s.name))
      .map((w) => ({ ...s, name: w, base: s, variant: parseVariant(w.split("@")[1]!)! }))
      .filter((v) => v.variant),
  ]);
}

export const isPgScenario = (s: Scenario): s is PgScenario => "variant" in s;

// ------------------------------------------------------------------------------------------ cluster

let cluster: Promise<{ url: string; stop: () => void }> | undefined;
let databases = 0;

/** A fresh empty database in the run's cluster (started on first use, stopped when the bench exits). */
async function freshDatabase(): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  if (!cluster) {
    cluster = startCluster();
    const c = await cluster;
    process.once("exit", () => c.stop());
  }
  const { url } = await cluster;
  const name = `bench_${++databases}`;
  await admin(url, (c) => c.query(`CREATE DATABASE ${name}`));
  return { url: withDatabase(url, name), name, drop: () => admin(url, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}) };
}

/** CPU seconds of the whole cluster: the postmaster with its exited children, and the backends alive now. */
function clusterCpuSeconds(port: string): number {
  const procs = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  const read = (pid: string) => {
    try {
      return { cmd: fs.readFileSync(`/proc/${pid}/cmdline`, "utf8"), stat: fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ") };
    } catch {
      return undefined; // exited meanwhile
    }
  };
  const master = procs.find((p) => {
    const r = read(p);
    return r && r.cmd.split("\0").includes("-p") && r.cmd.split("\0").includes(port) && r.cmd.includes("postgres");
  });
  if (!master) return 0;
  const m = read(master)!.stat;
  let total = (Number(m[11]) + Number(m[12]) + Number(m[13]) + Number(m[14])) / 100;
  for (const p of procs) {
    const r = read(p);
    if (r && r.stat[1] === master) total += (Number(r.stat[11]) + Number(r.stat[12])) / 100;
  }
  return total;
}

/** Commits, rollbacks (each serialization failure the app retried is one) and deadlocks of a database, once its backends have gone. */
async function databaseStats(url: string, name: string) {
  return admin(withDatabase(url, "postgres"), async (c) => {
    for (let i = 0; i < 200; i++) {
      const { rows } = await c.query("select count(*)::int as n from pg_stat_activity where datname = $1", [name]);
      if (rows[0].n === 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await c.query("select pg_stat_clear_snapshot()");
    const { rows } = await c.query(
      "select xact_commit::int as commits, xact_rollback::int as rollbacks, deadlocks::int as deadlocks from pg_stat_database where datname = $1",
      [name],
    );
    return rows[0] as { commits: number; rollbacks: number; deadlocks: number };
  });
}

// ------------------------------------------------------------------------------------------ copy

/**
 * Copies every table of a SQLite database into an empty PostgreSQL database: the schema by the migrations,
 * the rows in multi-row INSERTs with foreign keys and triggers off for the session (the rows are already
 * consistent), then each identity moved past the largest id copied, and ANALYZE.
 */
export async function copyToPostgres(sqliteFile: string, url: string): Promise<number> {
  const target = openPostgres(url, { max: 1 });
  await migrateToLatest(target);
  await target.destroy();
  const source = new Sqlite(sqliteFile, { readonly: true });
  const tables = (
    source.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name").all() as {
      name: string;
    }[]
  ).map((t) => t.name);
  let copied = 0;
  await admin(url, async (c) => {
    await c.query("BEGIN");
    await c.query("SET LOCAL session_replication_role = replica");
    for (const table of tables) {
      const columns = (source.prepare(`select name from pragma_table_info('${table}')`).all() as { name: string }[]).map((x) => x.name);
      const perBatch = Math.floor(60_000 / columns.length);
      const head = `INSERT INTO "${table}" (${columns.map((x) => `"${x}"`).join(", ")}) VALUES `;
      let batch: unknown[][] = [];
      const flush = async () => {
        if (!batch.length) return;
        const values = batch.map((_, r) => `(${columns.map((_, k) => `$${r * columns.length + k + 1}`).join(", ")})`).join(", ");
        await c.query(head + values, batch.flat());
        copied += batch.length;
        batch = [];
      };
      for (const row of source.prepare(`select * from "${table}"`).raw().iterate() as Iterable<unknown[]>) {
        batch.push(row);
        if (batch.length >= perBatch) await flush();
      }
      await flush();
    }
    const { rows } = await c.query("select table_name, column_name from information_schema.columns where table_schema = 'public' and is_identity = 'YES'");
    for (const r of rows as { table_name: string; column_name: string }[]) {
      await c.query(
        `select setval(pg_get_serial_sequence('"${r.table_name}"', '${r.column_name}'), coalesce((select max("${r.column_name}") from "${r.table_name}"), 0) + 1, false)`,
      );
    }
    await c.query("COMMIT");
    // Statistics, as a database in service has them (autovacuum would gather them later): without them the
    // planner's guesses can turn index lookups into scans, and under SERIALIZABLE a scan locks the whole table.
    await c.query("ANALYZE");
  });
  source.close();
  return copied;
}

// ------------------------------------------------------------------------------------------ instances

type Fleet = { target: Server; apps: Server[]; proxy?: ChildProcess; stop: () => Promise<void> };

/** `instances` production servers on one PostgreSQL database and one DATA_DIR, behind the proxy when there are several (or when asked). */
async function startFleet(dataDir: string, url: string, v: Variant, env: Record<string, string> = {}): Promise<Fleet> {
  const apps = await Promise.all(Array.from({ length: v.instances }, () => startServer("app", dataDir, { ...env, DATABASE_URL: url })));
  if (!v.proxy) return { target: apps[0]!, apps, stop: async () => void (await Promise.all(apps.map(stopServer))) };
  const proxy = spawn(process.execPath, ["--import", "tsx", "scripts/bench/lb.ts", ...apps.map((a) => a.url)], { stdio: ["ignore", "pipe", "inherit"] });
  const kill = () => proxy.kill("SIGKILL");
  process.once("exit", kill);
  const proxyUrl = await new Promise<string>((resolve, reject) => {
    proxy.stdout!.once("data", (d: Buffer) => resolve(d.toString().trim()));
    proxy.once("exit", () => reject(new Error("the proxy exited")));
  });
  return {
    target: { ...apps[0]!, url: proxyUrl },
    apps,
    proxy,
    stop: async () => {
      process.off("exit", kill);
      await new Promise((r) => (proxy.once("exit", r), proxy.kill("SIGTERM")));
      await Promise.all(apps.map(stopServer));
    },
  };
}

/** CPU % of each part over `fn`: the app instances together, PostgreSQL, the proxy. */
async function cpuSplit<T>(fleet: Fleet, port: string, fn: () => Promise<T>) {
  const sample = () => ({
    apps: fleet.apps.reduce((n, a) => n + cpuSeconds(a.proc.pid!), 0),
    pg: clusterCpuSeconds(port),
    proxy: fleet.proxy ? cpuSeconds(fleet.proxy.pid!) : 0,
  });
  const before = sample();
  const t0 = performance.now();
  const result = await fn();
  const wall = (performance.now() - t0) / 1000;
  const after = sample();
  const pct = (k: keyof typeof before) => Math.round(((after[k] - before[k]) / wall) * 100);
  return { result, cpu: { apps: pct("apps"), postgres: pct("pg"), proxy: pct("proxy"), proxySeconds: after.proxy - before.proxy } };
}

// ------------------------------------------------------------------------------------------ rows

type Measured = { rps: number; cpuPercent: number; requests: number };
type Load<L> = (t: Server, s: Scenario, requests: Request[]) => Promise<L>;
type Side<L> = L & { peakRssMb: number; checks?: Record<string, number | string> };
export type PgRow<L extends Measured> = {
  scenario: string;
  what: string;
  engine: "postgresql";
  instances: number;
  app: Side<L>;
  baseline: Side<L>;
  ratio: number;
  postgres: { rowsCopied: number; cpuPercent: number; transactionsPerRequest: number; rollbacks: number; deadlocks: number; poolPerInstance: number };
  proxy?: { cpuPercent: number; cpuMsPerRequest: number };
  vsSqliteApp?: number;
};

export async function runOnPostgres<L extends Measured>(
  s: PgScenario,
  load: Load<L>,
  rows: { scenario: string; app: Side<L>; baseline: Side<L> }[],
): Promise<PgRow<L>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `dangxiao-bench-${s.base.name}-pg-`));
  const database = await freshDatabase();
  try {
    await freshSchool(dataDir);
    const requests = await s.requests(dataDir);
    const copied = await copyToPostgres(path.join(dataDir, "app.db"), database.url);
    const port = new URL(database.url).port;
    const before = await databaseStats(database.url, database.name);
    const fleet = await startFleet(dataDir, database.url, s.variant, s.env);
    let measured, rss;
    try {
      measured = await cpuSplit(fleet, port, () => load(fleet.target, s, requests));
      rss = Math.max(...fleet.apps.map((a) => peakRssMb(a.proc.pid!)));
    } finally {
      await fleet.stop();
    }
    const after = await databaseStats(database.url, database.name);
    const db: DB = openPostgres(database.url, { max: 2 });
    const checks = await s.verify?.(dataDir, db);
    await db.destroy();
    const { result, cpu } = measured;
    const transactions = after.commits + after.rollbacks - before.commits - before.rollbacks;
    const app = { ...result, cpuPercent: cpu.apps, peakRssMb: rss, ...(checks ? { checks } : {}) };
    const baseline = rows.find((r) => r.scenario === s.base.name)?.baseline ?? (await bareBaseline(s, dataDir, load));
    const sqliteApp = rows.find((r) => r.scenario === s.base.name)?.app;
    return {
      scenario: s.name,
      what: `${s.what} — PostgreSQL, ${s.variant.instances} instance${s.variant.instances > 1 ? "s" : ""}${s.variant.proxy ? " behind the proxy" : ""}`,
      engine: "postgresql" as const,
      instances: s.variant.instances,
      app,
      baseline,
      ratio: Number((result.rps / Math.max(1, baseline.rps)).toFixed(2)),
      postgres: {
        rowsCopied: copied,
        cpuPercent: cpu.postgres,
        transactionsPerRequest: round(transactions / Math.max(1, result.requests), 2),
        rollbacks: after.rollbacks - before.rollbacks,
        deadlocks: after.deadlocks - before.deadlocks,
        poolPerInstance: Number(process.env.DB_POOL_MAX ?? 10),
      },
      ...(fleet.proxy ? { proxy: { cpuPercent: cpu.proxy, cpuMsPerRequest: round((cpu.proxySeconds * 1000) / Math.max(1, result.requests), 2) } } : {}),
      ...(sqliteApp ? { vsSqliteApp: Number((result.rps / Math.max(1, sqliteApp.rps)).toFixed(2)) } : {}),
    };
  } finally {
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The bare baseline for a PostgreSQL row whose SQLite row was not run: on the same SQLite file, fresh requests. */
async function bareBaseline<L extends Measured>(s: PgScenario, dataDir: string, load: Load<L>): Promise<Side<L>> {
  const base = await startServer("baseline", dataDir, s.env);
  const result = await load(base, s.base, await s.requests(dataDir));
  const peak = peakRssMb(base.proc.pid!);
  await stopServer(base);
  const checks = await s.verify?.(dataDir);
  return { ...result, peakRssMb: peak, ...(checks ? { checks } : {}) };
}

/** One line per PostgreSQL row: where the CPU went, transactions per request, retries. */
export function describePgRow(r: PgRow<Measured>): string {
  const parts = [
    `app instances CPU ${r.app.cpuPercent} %`,
    `PostgreSQL CPU ${r.postgres.cpuPercent} %`,
    ...(r.proxy ? [`proxy CPU ${r.proxy.cpuPercent} % (${r.proxy.cpuMsPerRequest} ms per request)`] : []),
    `${r.postgres.transactionsPerRequest} transactions per request`,
    `${r.postgres.rollbacks} rollbacks (serialization retries and refusals)`,
    `${r.postgres.deadlocks} deadlocks`,
    ...(r.vsSqliteApp !== undefined ? [`req/s ÷ SQLite app ${r.vsSqliteApp}`] : []),
    `${r.postgres.rowsCopied} rows copied in`,
  ];
  return `${r.scenario}: ${parts.join("; ")}`;
}

// ------------------------------------------------------------------------------------------ ledger export

type LedgerFixture = {
  dataDir: string;
  url: string;
  port: string;
  cookie: string;
  members: number;
  copied: number;
  copyS: number;
  baseline: Record<string, Export>;
};
type Export = Awaited<ReturnType<typeof exportOnce>>;
let ledgerFixture: Promise<LedgerFixture> | undefined;

/**
 * The generated ledger once per run (LEDGER_ROWS, default 100,000), copied into PostgreSQL, and the bare
 * baseline's two exports of it from the SQLite file (the reference for the ratio and for the files' content).
 */
function ledgerData(): Promise<LedgerFixture> {
  ledgerFixture ??= (async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-bench-ledger-pg-"));
    process.once("exit", () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const data = await generateLedger(dataDir, Number(process.env.LEDGER_ROWS ?? 100_000));
    const { url } = await freshDatabase();
    const c0 = performance.now();
    const copied = await copyToPostgres(path.join(dataDir, "app.db"), url);
    const copyS = (performance.now() - c0) / 1000;
    const base = await startServer("baseline", dataDir);
    const baseline = { xlsx: await exportOnce(base, data.cookie, "xlsx", dataDir), csv: await exportOnce(base, data.cookie, "csv", dataDir) };
    await stopServer(base);
    return { dataDir, url, port: new URL(url).port, cookie: data.cookie, members: data.members, copied, copyS, baseline };
  })();
  return ledgerFixture;
}

/**
 * `ledger-export@pgN`: the ledger export (see scenarios/ledger.ts) by the admin through N instances on
 * PostgreSQL, against the bare baseline on the same rows in SQLite; the files must be the same (the CSV byte
 * for byte, the XLSX by its sheet).
 */
export function ledgerOnPostgres(name: string): Measurement | undefined {
  const v = parseVariant(name.split("@")[1] ?? "");
  if (!name.startsWith("ledger-export@") || !v) return undefined;
  return {
    name,
    what: `the ledger export (see ledger-export) on PostgreSQL, ${v.instances} instance${v.instances > 1 ? "s behind the proxy" : ""}, against the bare baseline on the same rows in SQLite`,
    run: async () => {
      const d = await ledgerData();
      const fleet = await startFleet(d.dataDir, d.url, v);
      try {
        const out: Record<string, number | string> = {
          "ledger rows (class members)": d.members,
          "rows copied into PostgreSQL / s": `${d.copied} / ${round(d.copyS, 1)}`,
        };
        for (const format of ["xlsx", "csv"] as const) {
          const e = await cpuSplit(fleet, d.port, () => exportOnce(fleet.target, d.cookie, format, d.dataDir));
          const base = d.baseline[format]!;
          const label = format.toUpperCase();
          out[`${label} export — app on PostgreSQL`] =
            `${round(e.result.ms / 1000, 2)} s; first byte ${Math.round(e.result.ttfb)} ms; ${e.result.rows} rows; CPU app ${e.cpu.apps} %, PostgreSQL ${e.cpu.postgres} %`;
          out[`${label} export — baseline (SQLite)`] = `${round(base.ms / 1000, 2)} s; ${base.rows} rows`;
          out[`${label} export — app time ÷ baseline time`] = round(e.result.ms / Math.max(0.001, base.ms), 2);
          out[`${label} the same ${format === "csv" ? "bytes" : "sheet"} as the baseline`] = e.result.digest === base.digest ? "yes" : "NO";
        }
        return out;
      } finally {
        await fleet.stop();
      }
    },
  };
}
