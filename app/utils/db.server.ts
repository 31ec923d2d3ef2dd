import Sqlite from "better-sqlite3";
import { Kysely, SqliteDialect, sql, type RawBuilder, type SqlBool } from "kysely";
import type { Database } from "../../db/types.ts";
import { subtreePattern } from "./org-path.ts";

export type DB = Kysely<Database>;

/** Opens the embedded SQLite database with WAL, foreign keys, a busy timeout and synchronous=FULL. */
export function openDatabase(file: string, opts: { synchronous?: "FULL" | "NORMAL" } = {}): DB {
  const sqlite = new Sqlite(file);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  // NORMAL (DB_SYNCHRONOUS, read by server.ts) exists for the benchmarks' FULL/NORMAL comparison; FULL is the default.
  sqlite.pragma(`synchronous = ${opts.synchronous ?? "FULL"}`);
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}

/**
 * Kysely prepares every query anew; preparing is a real share of a request's CPU. Statements are
 * reused by SQL text (bounded), which is safe because better-sqlite3 runs each one synchronously.
 */
function withStatementCache(sqlite: Sqlite.Database, max = 1000): Sqlite.Database {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Sqlite.Statement>();
  sqlite.prepare = ((sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = prepare(sql);
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(sql, stmt);
    }
    return stmt;
  }) as typeof sqlite.prepare;
  return sqlite;
}

/**
 * Runs `fn` in a write transaction that takes the write lock up front (BEGIN IMMEDIATE), so a
 * read-then-write never fails half-way with SQLITE_BUSY when another process writes. This is the one
 * place that knows the dialect: on PostgreSQL it becomes a plain transaction with row locks.
 */
const inTransaction = new WeakSet<DB>();

export async function writeTransaction<T>(db: DB, fn: (trx: DB) => Promise<T>): Promise<T> {
  if (db.isTransaction || inTransaction.has(db)) return fn(db);
  return db.connection().execute(async (conn) => {
    inTransaction.add(conn);
    await sql`BEGIN IMMEDIATE`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`COMMIT`.execute(conn);
      return result;
    } catch (error) {
      await sql`ROLLBACK`.execute(conn);
      throw error;
    }
  });
}

export const now = () => Math.floor(Date.now() / 1000);

/**
 * `column LIKE 'path%'`: the org unit at `path` (a materialized path such as `/1/4/`) and everything below it.
 * The one way to scope a query to an org subtree (`pathInSubtree` is the same rule for paths in hand); paths
 * hold only digits and slashes, so nothing needs escaping.
 */
export function inSubtree(column: string, path: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref(column)} like ${subtreePattern(path)}`;
}

/**
 * `column LIKE '%text%'` where the user's `%`, `_` and `\` are taken literally. The ESCAPE clause is
 * what makes the backslashes mean anything (SQLite has no default escape character); it reads the
 * same in SQLite and PostgreSQL. Every LIKE on user text goes through here.
 */
export function likeContains(column: string, text: string): RawBuilder<SqlBool> {
  const pattern = `%${text.replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
  return sql<SqlBool>`${sql.ref(column)} like ${pattern} escape '\\'`;
}
