// `npm run db:to-postgres -- <DATABASE_URL>`: copies DATA_DIR/app.db (SQLite) into an empty PostgreSQL database,
// then verifies every table by row count and checksum. `-- --verify <DATABASE_URL>` only verifies (server stopped).
//
// 1. Refuses a target that is not empty (a table that is not ours, or one of ours with rows) before changing anything.
// 2. Migrates the target with the one migration list (db/migrate.ts, PostgreSQL through db/dialect.ts).
// 3. Reads the source in ONE SQLite read transaction (a snapshot: whatever a running server writes meanwhile is
//    not in the copy) and writes the target in ONE PostgreSQL transaction: all our tables locked, emptiness checked
//    again, foreign keys dropped and re-added after the data (as pg_restore does: any table order, self-references,
//    and every row checked when a key is re-added), rows streamed in multi-row INSERTs with their ids, identity
//    sequences set past the largest id SQLite ever handed out. A failure rolls everything back. The audit log's
//    trigger refuses UPDATE and DELETE only; the copy only inserts.
// 4. Verifies: per table, the count and a SHA-256 over the rows in primary-key order, each value normalized in JS
//    the same way for both engines (numbers as their decimal text, text as UTF-8, blobs as bytes), the source read in
//    the same snapshot. Prints a table; exit 1 on any mismatch or failure, 2 on a refusal or bad usage.
import Sqlite from "better-sqlite3";
import { createHash, type Hash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { openPostgres } from "../app/utils/db.server.ts";
import { loadEnv } from "../app/utils/env.server.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { migrations } from "../db/migrations/index.ts";

/** Kysely's own bookkeeping: made by migrating the target, compared by migration names, never copied. */
const BOOKKEEPING = new Set(["kysely_migration", "kysely_migration_lock"]);
const MAX_BATCH_ROWS = 1000;
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
const FETCH_ROWS = 2000;

export class Refused extends Error {}

type Table = { name: string; columns: string[]; key: string[] };
export type TableCheck = { table: string; sqliteRows: number; postgresRows: number; sqliteSum: string; postgresSum: string; ok: boolean };
export type CopyReport = { tables: TableCheck[]; rows: number; copyMs: number; verifyMs: number; ok: boolean };

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The URL with its password hidden, for messages. */
export function shown(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(无法解析的地址 unparseable URL)";
  }
}

// ------------------------------------------------------------------------------------------ source

function openSource(file: string): Sqlite.Database {
  if (!fs.existsSync(file)) throw new Refused(`找不到 SQLite 数据库 ${file}（检查 DATA_DIR）(no SQLite database there; check DATA_DIR)`);
  const db = new Sqlite(file, { fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  return db;
}

/** Our tables as the source has them, after checking that it is ours and fully migrated. Call inside the read transaction. */
function sourceTables(db: Sqlite.Database): Table[] {
  const names = (
    db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by name").all() as { name: string }[]
  ).map((r) => r.name);
  if (!names.includes("kysely_migration")) throw new Refused("源数据库不是本系统的数据库 (the SQLite file is not a 网上党校 database)");
  const done = (db.prepare("select name from kysely_migration order by name").all() as { name: string }[]).map((r) => r.name).join(",");
  if (done !== Object.keys(migrations).sort().join(",")) {
    throw new Refused(
      "源数据库的结构不是最新版本：请先运行 npm run db:migrate (the SQLite database is not at the latest migration; run npm run db:migrate first)",
    );
  }
  return names
    .filter((n) => !BOOKKEEPING.has(n))
    .map((name) => {
      const info = db.pragma(`table_info(${q(name)})`) as { name: string; pk: number }[];
      const key = info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name);
      const columns = info.map((c) => c.name);
      return { name, columns, key: key.length ? key : columns };
    });
}

/** The highest id SQLite ever gave each AUTOINCREMENT table (also of rows deleted since), so PostgreSQL never reuses one. */
function autoincrementHighs(db: Sqlite.Database): Map<string, number> {
  const has = db.prepare("select 1 from sqlite_master where name = 'sqlite_sequence'").get();
  if (!has) return new Map();
  return new Map((db.prepare("select name, seq from sqlite_sequence").all() as { name: string; seq: number }[]).map((r) => [r.name, r.seq]));
}

const orderBy = (t: Table, textKeys: Set<string> = new Set()) => t.key.map((c) => `${q(c)}${textKeys.has(c) ? ' collate "C"' : ""} asc nulls first`).join(", ");

function* sourceRows(db: Sqlite.Database, t: Table): Generator<unknown[]> {
  yield* db
    .prepare(`select ${t.columns.map(q).join(", ")} from ${q(t.name)} order by ${orderBy(t)}`)
    .raw(true)
    .safeIntegers(true)
    .iterate() as Iterable<unknown[]>;
}

// ------------------------------------------------------------------------------------------ target

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (e) {
    const err = e as { code?: string; message: string };
    const why =
      err.code === "28P01" || err.code === "28000"
        ? "用户名或密码不对 (authentication failed)"
        : err.code === "3D000"
          ? "数据库不存在，请先用 createdb 建一个空库 (the database does not exist; create an empty one with createdb)"
          : `连不上服务器 (cannot reach the server): ${err.message}`;
    throw new Refused(`无法连接 PostgreSQL ${shown(url)}：${why}`);
  }
  // A broken connection later surfaces as the failing query's error; without a listener it would crash the process.
  client.on("error", () => {});
  return client;
}

/** Why the target is not empty (a table that is not ours, or one of ours with rows); empty list: it is empty. */
async function targetProblems(client: pg.Client, ours: Set<string>): Promise<string[]> {
  const { rows } = await client.query<{ schema: string; name: string; here: boolean }>(
    `select n.nspname as schema, c.relname as name, n.nspname = current_schema() as here
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p', 'f') and n.nspname <> 'information_schema' and n.nspname not like 'pg\\_%'
      order by 1, 2`,
  );
  const problems: string[] = [];
  for (const r of rows) {
    if (!r.here || (!ours.has(r.name) && !BOOKKEEPING.has(r.name))) problems.push(`${r.schema}.${r.name}（不是本系统的表 not one of ours）`);
    else if (!BOOKKEEPING.has(r.name) && (await client.query(`select exists (select 1 from ${q(r.name)}) as x`)).rows[0].x) {
      problems.push(`${r.name}（已有数据 has rows）`);
    }
  }
  return problems;
}

function refuseUnlessEmpty(problems: string[]) {
  if (!problems.length) return;
  const list = problems.slice(0, 8).join("、") + (problems.length > 8 ? ` …（共 ${problems.length} 项 in all）` : "");
  throw new Refused(
    `目标数据库不是空的，未做任何改动：${list}。请用 createdb 新建一个空数据库再复制。\n` +
      "(The target database is not empty; nothing was changed. Create a new, empty database with createdb and copy into it.)",
  );
}

/** Column names and the text-typed ones, per table, as the migrated target has them. */
async function targetColumns(client: pg.Client): Promise<Map<string, { columns: Set<string>; text: Set<string> }>> {
  const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string }>(
    "select table_name, column_name, data_type from information_schema.columns where table_schema = current_schema()",
  );
  const out = new Map<string, { columns: Set<string>; text: Set<string> }>();
  for (const r of rows) {
    const t = out.get(r.table_name) ?? { columns: new Set(), text: new Set() };
    t.columns.add(r.column_name);
    if (r.data_type === "text" || r.data_type === "character varying") t.text.add(r.column_name);
    out.set(r.table_name, t);
  }
  return out;
}

function checkSameColumns(tables: Table[], target: Map<string, { columns: Set<string> }>) {
  for (const t of tables) {
    const there = target.get(t.name)?.columns;
    const same = there && there.size === t.columns.length && t.columns.every((c) => there.has(c));
    if (!same)
      throw new Error(`表 ${t.name} 在两边的列不同 (columns differ between SQLite and PostgreSQL): ${[...(there ?? [])].join(",")} ≠ ${t.columns.join(",")}`);
  }
}

const sizeOf = (v: unknown) => (typeof v === "string" ? v.length * 3 : v instanceof Uint8Array ? v.length : 8);

/** Streams one table's rows into the target in multi-row INSERTs (at most MAX_BATCH_ROWS rows, about MAX_BATCH_BYTES). */
async function copyTable(source: Sqlite.Database, client: pg.Client, t: Table): Promise<number> {
  const perBatch = Math.min(MAX_BATCH_ROWS, Math.floor(65535 / t.columns.length));
  const head = `insert into ${q(t.name)} (${t.columns.map(q).join(", ")}) values `;
  let batch: unknown[][] = [];
  let bytes = 0;
  let copied = 0;
  const flush = async () => {
    if (!batch.length) return;
    const values = batch.map((row, i) => `(${row.map((_, j) => `$${i * row.length + j + 1}`).join(", ")})`).join(", ");
    await client.query(head + values, batch.flat());
    copied += batch.length;
    batch = [];
    bytes = 0;
  };
  for (const row of sourceRows(source, t)) {
    batch.push(row);
    for (const v of row) bytes += sizeOf(v);
    if (batch.length >= perBatch || bytes >= MAX_BATCH_BYTES) await flush();
  }
  await flush();
  return copied;
}

/** Copies every table in one transaction; see the head of this file. */
async function copyAll(source: Sqlite.Database, client: pg.Client, tables: Table[], log: (line: string) => void): Promise<number> {
  const highs = autoincrementHighs(source);
  await client.query("begin");
  try {
    await client.query(`lock table ${tables.map((t) => q(t.name)).join(", ")} in access exclusive mode`);
    refuseUnlessEmpty(await targetProblems(client, new Set(tables.map((t) => t.name))));
    const { rows: keys } = await client.query<{ tbl: string; name: string; def: string }>(
      `select c.conrelid::regclass::text as tbl, c.conname as name, pg_get_constraintdef(c.oid) as def
         from pg_constraint c join pg_namespace n on n.oid = c.connamespace
        where c.contype = 'f' and n.nspname = current_schema()`,
    );
    for (const k of keys) await client.query(`alter table ${k.tbl} drop constraint ${q(k.name)}`);
    let rows = 0;
    for (const t of tables) {
      const n = await copyTable(source, client, t).catch((e: Error) => {
        throw new Error(`表 ${t.name} (table ${t.name}): ${e.message}`);
      });
      rows += n;
      if (n >= 10_000) log(`  ${t.name}: ${n} 行 (rows)`);
    }
    for (const k of keys) await client.query(`alter table ${k.tbl} add constraint ${q(k.name)} ${k.def}`);
    const { rows: identities } = await client.query<{ table_name: string; column_name: string }>(
      "select table_name, column_name from information_schema.columns where table_schema = current_schema() and is_identity = 'YES'",
    );
    for (const c of identities) {
      const { rows: m } = await client.query(`select coalesce(max(${q(c.column_name)}), 0)::text as m from ${q(c.table_name)}`);
      const high = Math.max(Number(m[0].m), highs.get(c.table_name) ?? 0);
      if (high > 0) await client.query("select setval(pg_get_serial_sequence($1, $2), $3)", [q(c.table_name), c.column_name, high]);
    }
    await client.query("commit");
    return rows;
  } catch (e) {
    await client.query("rollback").catch(() => {});
    throw e;
  }
}

// ------------------------------------------------------------------------------------------ verification

/** One value into the hash, the same for both engines: integers and reals as decimal text, text as UTF-8, blobs as bytes. */
function feed(hash: Hash, v: unknown) {
  if (v === null) hash.update("N;");
  else if (typeof v === "bigint" || typeof v === "number") hash.update(`n${v};`);
  else if (typeof v === "string") hash.update(`s${Buffer.byteLength(v)}:`).update(v, "utf8");
  else if (v instanceof Uint8Array) hash.update(`b${v.length}:`).update(v);
  else throw new Error(`unexpected value ${typeof v}`);
}

function checksum() {
  const hash = createHash("sha256");
  let rows = 0;
  return {
    add(row: unknown[]) {
      for (const v of row) feed(hash, v);
      rows++;
    },
    done: () => ({ rows, sum: hash.digest("hex") }),
  };
}

/** PostgreSQL values as the SQLite side gives them: bigint columns as BigInt (SQLite read with safeIntegers). */
const exactTypes = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === 20 ? (v: string) => BigInt(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

async function targetSum(client: pg.Client, t: Table, textKeys: Set<string>) {
  const sum = checksum();
  await client.query(`declare rows_cursor no scroll cursor for select ${t.columns.map(q).join(", ")} from ${q(t.name)} order by ${orderBy(t, textKeys)}`);
  for (;;) {
    const { rows } = await client.query<unknown[]>({ text: `fetch ${FETCH_ROWS} from rows_cursor`, rowMode: "array", types: exactTypes });
    for (const row of rows) sum.add(row);
    if (rows.length < FETCH_ROWS) break;
  }
  await client.query("close rows_cursor");
  return sum.done();
}

/** Count and checksum of every table on both sides; the source inside its read transaction, the target in one snapshot. */
async function verify(source: Sqlite.Database, client: pg.Client, tables: Table[]): Promise<TableCheck[]> {
  const target = await targetColumns(client);
  checkSameColumns(tables, target);
  const out: TableCheck[] = [];
  await client.query("begin isolation level repeatable read read only");
  try {
    const { rows: ran } = await client.query<{ name: string }>("select name from kysely_migration order by name");
    const sqliteRan = (source.prepare("select name from kysely_migration order by name").all() as { name: string }[]).map((r) => r.name);
    const a = JSON.stringify(sqliteRan);
    const b = JSON.stringify(ran.map((r) => r.name));
    out.push({
      table: "kysely_migration",
      sqliteRows: sqliteRan.length,
      postgresRows: ran.length,
      sqliteSum: hex(a),
      postgresSum: hex(b),
      ok: a === b,
    });
    for (const t of tables) {
      const s = checksum();
      for (const row of sourceRows(source, t)) s.add(row);
      const src = s.done();
      const dst = await targetSum(client, t, target.get(t.name)!.text);
      out.push({
        table: t.name,
        sqliteRows: src.rows,
        postgresRows: dst.rows,
        sqliteSum: src.sum,
        postgresSum: dst.sum,
        ok: src.rows === dst.rows && src.sum === dst.sum,
      });
    }
  } finally {
    await client.query("commit");
  }
  return out;
}

const hex = (s: string) => createHash("sha256").update(s).digest("hex");

// ------------------------------------------------------------------------------------------ entry points

/**
 * Copies `sqliteFile` into the empty database at `url` and verifies it; with `verifyOnly`, only verifies.
 * Throws Refused (nothing changed) for a non-empty target, a bad source, or a server it cannot reach.
 */
export async function toPostgres(opts: { sqliteFile: string; url: string; verifyOnly?: boolean; log?: (line: string) => void }): Promise<CopyReport> {
  const log = opts.log ?? (() => {});
  const source = openSource(opts.sqliteFile);
  let client: pg.Client | undefined;
  try {
    source.exec("begin"); // the snapshot starts at the first read below and lasts until the end
    const tables = sourceTables(source);
    client = await connect(opts.url);
    let rows = 0;
    let copyMs = 0;
    if (!opts.verifyOnly) {
      refuseUnlessEmpty(await targetProblems(client, new Set(tables.map((t) => t.name))));
      const started = performance.now();
      const kdb = openPostgres(opts.url, { max: 1 });
      try {
        await migrateToLatest(kdb);
      } finally {
        await kdb.destroy();
      }
      rows = await copyAll(source, client, tables, log);
      copyMs = performance.now() - started;
    }
    const started = performance.now();
    const checks = await verify(source, client, tables);
    return { tables: checks, rows, copyMs, verifyMs: performance.now() - started, ok: checks.every((c) => c.ok) };
  } finally {
    if (source.inTransaction) source.exec("commit");
    source.close();
    await client?.end();
  }
}

/** The per-table result as printed. */
export function formatReport(r: CopyReport): string {
  const width = Math.max(...r.tables.map((t) => t.table.length), 10);
  const lines = [`${"表 table".padEnd(width)}  ${"SQLite".padStart(9)}  ${"PostgreSQL".padStart(10)}  ${"校验和 checksum".padEnd(16)}  结果 result`];
  for (const t of r.tables) {
    const sum = t.sqliteSum === t.postgresSum ? t.sqliteSum.slice(0, 16) : `${t.sqliteSum.slice(0, 7)}≠${t.postgresSum.slice(0, 7)} `;
    lines.push(
      `${t.table.padEnd(width)}  ${String(t.sqliteRows).padStart(9)}  ${String(t.postgresRows).padStart(10)}  ${sum.padEnd(16)}  ${t.ok ? "一致 ok" : "不一致 MISMATCH"}`,
    );
  }
  const bad = r.tables.filter((t) => !t.ok).length;
  const total = r.tables.reduce((n, t) => n + t.sqliteRows, 0);
  lines.push(bad ? `${bad} 张表不一致 (${bad} tables differ)` : `全部 ${r.tables.length} 项一致，共 ${total} 行 (all ${r.tables.length} match, ${total} rows)`);
  lines.push(`复制 copy ${(r.copyMs / 1000).toFixed(1)} s, 校验 verify ${(r.verifyMs / 1000).toFixed(1)} s`);
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const verifyOnly = args[0] === "--verify";
  const url = verifyOnly ? args[1] : args[0];
  if (!url || args.length !== (verifyOnly ? 2 : 1)) {
    console.error("用法 (usage): npm run db:to-postgres -- [--verify] postgres://user:password@host:5432/dbname");
    process.exit(2);
  }
  try {
    const env = loadEnv({ ...process.env, DATABASE_URL: url });
    const sqliteFile = path.join(env.dataDir, "app.db");
    console.log(`${verifyOnly ? "校验 (verifying)" : "复制 (copying)"} ${sqliteFile} → ${shown(url)}`);
    const report = await toPostgres({ sqliteFile, url, verifyOnly, log: (l) => console.log(l) });
    console.log(formatReport(report));
    if (!report.ok) process.exit(1);
    if (!verifyOnly)
      console.log(
        `上传的文件仍在 ${path.join(env.dataDir, "files")}：每个实例都用这同一个 DATA_DIR (uploaded files stay in DATA_DIR, shared by every instance)`,
      );
  } catch (e) {
    const refused = e instanceof Refused || (e as Error).message.startsWith("环境变量无效");
    console.error(
      refused
        ? (e as Error).message
        : `出错 (failed): ${(e as Error).message}\n（数据在一个事务里复制，出错时目标库里的数据全部撤销 — the copy is one transaction, rolled back on error）`,
    );
    process.exit(refused ? 2 : 1);
  }
}
