// Which Vitest files run on which engine (read by vite.config.ts).
// - `vitest run` (SQLite, in-memory or DATA_DIR/app.db): every test file except `*.pg.test.ts`.
// - `TEST_PG=1 vitest run` (`npm run test:pg`): every file that touches the database — it imports one of the helpers
//   that make a database or a server (tests/setup/db.ts, classes.ts, server.ts, scenario.ts, postgres.ts) or the
//   fault scripts — except the SQLite-only files below, plus every `*.pg.test.ts`. Files of pure functions run once,
//   on SQLite: a second engine changes nothing they test.
import fs from "node:fs";
import path from "node:path";

/** Files that touch the database and still run on SQLite only, each with its reason. */
const SQLITE_ONLY: Record<string, string> = {
  // db:backup and db:restore copy DATA_DIR/app.db with SQLite's online backup; on PostgreSQL db:backup refuses and
  // README sends the operator to pg_dump/pg_basebackup.
  "tests/integration/backup.test.ts": "SQLite's backup of DATA_DIR/app.db",
  // SIGKILL, soak and SIGTERM runs through scripts/faults: they judge the result by SQLite's integrity_check and
  // foreign_key_check, the WAL's size and rows read from DATA_DIR/app.db. Their PostgreSQL versions (three instances
  // behind the proxy, a PostgreSQL restart) are fault scripts of their own, not this file.
  "tests/integration/faults.test.ts": "SQLite crash consistency (integrity_check, WAL size, app.db read back)",
  "tests/integration/notice-mail-crash.test.ts": "SQLite crash consistency (integrity_check, app.db read back)",
  // The load world and the ledger of acknowledged writes (scripts/faults/load.ts) are written and read back through
  // DATA_DIR/app.db; several instances on PostgreSQL is the fault scripts' three-instance rehearsal.
  "tests/integration/two-instances.test.ts": "its load world is read and written through DATA_DIR/app.db (scripts/faults/load.ts)",
  // Passes on PostgreSQL too (124 s under a load average of 12), but its 2,500 requests test body limits that
  // server.ts enforces before any query: left out of the PostgreSQL run for CI time.
  "tests/integration/stall.test.ts": "body and field limits act before the database; left out for CI time",
};

const TOUCHES_DB = /from "\.\.\/setup\/(db|classes|server|scenario|postgres)\.ts"|from "\.\.\/\.\.\/scripts\/faults\//;
const TEST_DIRS = ["tests/unit", "tests/integration"];
const isTest = (f: string) => /\.test\.tsx?$/.test(f);
const isPostgresOnly = (f: string) => /\.pg\.test\.tsx?$/.test(f);

function testFiles(root: string): string[] {
  return TEST_DIRS.flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })
      .filter(isTest)
      .map((f) => `${dir}/${f.split(path.sep).join("/")}`),
  ).sort();
}

/** The files of the PostgreSQL run, relative to `root`. */
export function postgresTestFiles(root = process.cwd()): string[] {
  const all = testFiles(root);
  const stale = Object.keys(SQLITE_ONLY).filter((f) => !all.includes(f));
  if (stale.length) throw new Error(`tests/setup/engines.ts names SQLite-only files that do not exist: ${stale.join(", ")}`);
  return all.filter((f) => isPostgresOnly(f) || (!(f in SQLITE_ONLY) && TOUCHES_DB.test(fs.readFileSync(path.join(root, f), "utf8"))));
}

/** Globs the SQLite run leaves out. */
export const POSTGRES_ONLY_GLOB = "**/*.pg.test.{ts,tsx}";
