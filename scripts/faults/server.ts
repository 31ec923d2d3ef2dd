// Production servers for the fault scripts: started on a data directory (tests/setup/server.ts does the
// spawning and waits for /healthz), killed or stopped by signal, with their RSS and the database files
// measured from outside. Every server started here is SIGKILLed if the script itself exits.
import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { startServer, type TestServer } from "../../tests/setup/server.ts";

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

/** Starts the built server on `dataDir` (a new database is created, seeded and synced on first start). */
export async function launch(dataDir: string, env: Record<string, string> = {}): Promise<App> {
  const s = await startServer({ COURSES_DIR: "courses", ...env }, dataDir);
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

/** `PRAGMA integrity_check` and `foreign_key_check` of the database: "ok" or what is wrong. */
export function checkDatabase(dataDir: string): string {
  const db = new Database(path.join(dataDir, "app.db"));
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
