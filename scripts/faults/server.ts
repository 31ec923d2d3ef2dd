// Production servers for the fault scripts: started on a data directory (tests/setup/server.ts does the
// spawning and waits for /healthz), killed or stopped by signal, with their RSS and the database files
// measured from outside. Every server started here is SIGKILLed if the script itself exits.
import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { openDatabase, openPostgres, type DB } from "../../app/utils/db.server.ts";
import { startServer, type TestServer } from "../../tests/setup/server.ts";
import { startCluster, type Cluster } from "../pg-cluster.ts";

/** Where a fault run keeps its data: the DATA_DIR every instance shares, and the PostgreSQL database when it uses one (else DATA_DIR/app.db). */
export type Store = { dataDir: string; databaseUrl?: string };

/** The store's database, opened from outside the servers (to prepare a run and to check it). */
export function openStore(store: Store): DB {
  return store.databaseUrl ? openPostgres(store.databaseUrl, { max: 2 }) : openDatabase(path.join(store.dataDir, "app.db"));
}

export type App = TestServer & {
  pid: number;
  /** Resolves with the exit code (null when killed by a signal) once the process is gone. */
  exited: Promise<number | null>;
  /** Sends a signal and waits until the process is gone. */
  signal: (sig: NodeJS.Signals) => Promise<number | null>;
};

const running = new Set<App>();
process.once("exit", () => {
  for (const app of running) app.proc.kill("SIGKILL");
});

export function requireBuild() {
  const dir = process.env.BUILD_DIR ?? "build";
  if (!fs.existsSync(`${dir}/server/index.js`)) throw new Error(`${dir}/server/index.js is missing: run \`npm run build\` first`);
}

/** Starts the built server on a data directory or store (a new database is created, seeded and synced on first start). */
export async function launch(where: string | Store, env: Record<string, string> = {}): Promise<App> {
  const store = typeof where === "string" ? { dataDir: where } : where;
  const s = await startServer({ COURSES_DIR: "courses", ...(store.databaseUrl ? { DATABASE_URL: store.databaseUrl } : {}), ...env }, store.dataDir);
  const exited = new Promise<number | null>((resolve) => {
    if (s.proc.exitCode !== null || s.proc.signalCode !== null) resolve(s.proc.exitCode);
    else s.proc.once("exit", (code) => resolve(code));
  });
  const app: App = {
    ...s,
    pid: s.proc.pid!,
    exited,
    signal: async (sig) => {
      s.proc.kill(sig);
      return exited;
    },
  };
  running.add(app);
  void exited.then(() => running.delete(app));
  return app;
}

/**
 * The command line of a fault script: `[count] [--postgres] [--instances N]`. `--postgres` starts a throwaway
 * PostgreSQL cluster for the run (synchronous commit on, as in production; stop it with `cluster.stop()`)
 * and defaults to three instances; without it the run uses SQLite and one instance unless told otherwise.
 */
export async function faultArgs(
  defaultCount: number,
  argv = process.argv.slice(2),
): Promise<{ count: number; instances: number; databaseUrl?: string; cluster?: Cluster }> {
  const flag = (name: string) => argv.indexOf(name);
  const postgres = flag("--postgres") >= 0;
  const instancesAt = flag("--instances");
  const instances = instancesAt >= 0 ? Number(argv[instancesAt + 1]) : postgres ? 3 : 1;
  const count = Number(argv.find((a, i) => /^\d+$/.test(a) && (instancesAt < 0 || i !== instancesAt + 1)) ?? defaultCount);
  if (!(instances >= 1)) throw new Error("--instances needs a number of instances");
  const cluster = postgres ? await startCluster({ durable: true }) : undefined;
  return { count, instances, databaseUrl: cluster?.url, cluster };
}

/** Resident memory of a process in MB, from /proc. */
export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Size of the write-ahead log in bytes (0 when there is none). */
export function walBytes(dataDir: string): number {
  try {
    return fs.statSync(path.join(dataDir, "app.db-wal")).size;
  } catch {
    return 0;
  }
}

/**
 * SQLite: `PRAGMA integrity_check` and `foreign_key_check` of the database, "ok" or what is wrong.
 * PostgreSQL checks foreign keys at every write and replays its WAL after a crash; there is no file to check: "ok".
 */
export function checkDatabase(store: Store): string {
  if (store.databaseUrl) return "ok";
  const db = new Database(path.join(store.dataDir, "app.db"));
  try {
    db.pragma("busy_timeout = 5000");
    const integrity = (db.pragma("integrity_check") as { integrity_check: string }[]).map((r) => r.integrity_check).join("; ");
    const fk = db.pragma("foreign_key_check") as unknown[];
    return integrity === "ok" && fk.length === 0 ? "ok" : `integrity: ${integrity}; foreign keys: ${fk.length} broken`;
  } finally {
    db.close();
  }
}

/** Least-squares slope of y over x (e.g. MB per minute). */
export function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
