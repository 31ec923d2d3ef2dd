import Sqlite from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql, type RawBuilder, type SqlBool } from "kysely";
import path from "node:path";
import pg from "pg";
import { isPostgres } from "../../db/dialect.ts";
import type { Database } from "../../db/types.ts";
import { subtreePattern } from "./org-path.ts";
import type { Env } from "./env.server.ts";

export { isPostgres };

export type DB = Kysely<Database>;

/**
 * Opens the embedded SQLite database with WAL, foreign keys, a busy timeout and synchronous=FULL. With `slowQueryMs`,
 * every query that takes at least that long is written to stderr as one JSON line with its plan (EXPLAIN QUERY PLAN).
 */
export function openDatabase(file: string, opts: { synchronous?: "FULL" | "NORMAL"; slowQueryMs?: number } = {}): DB {
  const sqlite = new Sqlite(file);
  const explain = sqlite.prepare.bind(sqlite);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  // NORMAL (DB_SYNCHRONOUS, read by server.ts) exists for the benchmarks' FULL/NORMAL comparison; FULL is the default.
  sqlite.pragma(`synchronous = ${opts.synchronous ?? "FULL"}`);
  const slowMs = opts.slowQueryMs;
  return new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
    log: slowMs
      ? (event) => {
          if (event.queryDurationMillis < slowMs) return;
          const { sql: text, parameters } = event.query;
          let plan: string[] = [];
          try {
            plan = (explain(`explain query plan ${text}`).all(...parameters) as { detail: string }[]).map((r) => r.detail);
          } catch {
            /* not explainable (e.g. a pragma) */
          }
          console.warn(JSON.stringify({ slowQuery: Math.round(event.queryDurationMillis), sql: text, parameters, plan }));
        }
      : undefined,
  });
}

/**
 * PostgreSQL through a pg pool of at most `max` connections. 64-bit integers (`bigint` columns, count(*)) and
 * numerics (sum/avg of them) come back as JS numbers, as SQLite gives them: the app's integers (ids, unix
 * seconds, counts) are far below 2^53.
 *
 * While PostgreSQL is away (restarting, unreachable) the process keeps running and each query fails within
 * `connectTimeoutMs` (waiting for a new connection or a free one of the pool); such failures are told apart by
 * `isDatabaseUnavailable`. Broken connections leave the pool and new ones are opened when PostgreSQL is back.
 */
export function openPostgres(url: string, opts: { max?: number; connectTimeoutMs?: number } = {}): DB {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    // TCP keep-alive finds a peer that vanished without closing (a crashed host), not only a closed connection.
    keepAlive: true,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8 || oid === NUMERIC ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A connection that breaks while idle in the pool (the server restarts) is dropped from the pool; the next query opens a new one.
  pool.on("error", (error) => console.error(`数据库连接中断 (PostgreSQL connection lost): ${error.message}`));
  // The pool listens only to idle connections. One that breaks while checked out but between two queries (inside a
  // transaction, say) would emit an 'error' nobody hears, which ends the process: its next query fails instead,
  // and the pool drops it on release as no longer queryable.
  pool.on("connect", (client) => client.on("error", () => {}));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
const INT8 = 20;
const NUMERIC = 1700;

/** The configured database: PostgreSQL when DATABASE_URL is set, else DATA_DIR/app.db. */
export function openConfiguredDatabase(
  env: Pick<Env, "DATABASE_URL" | "DB_POOL_MAX" | "DB_CONNECT_TIMEOUT" | "DB_SYNCHRONOUS" | "dataDir"> & { DB_SLOW_QUERY_MS?: number },
): DB {
  return env.DATABASE_URL
    ? openPostgres(env.DATABASE_URL, { max: env.DB_POOL_MAX, connectTimeoutMs: env.DB_CONNECT_TIMEOUT })
    : openDatabase(path.join(env.dataDir, "app.db"), { synchronous: env.DB_SYNCHRONOUS, slowQueryMs: env.DB_SLOW_QUERY_MS });
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
 * Runs `fn` in a write transaction. This is the one place that knows the dialect.
 * - SQLite: the write lock is taken up front (BEGIN IMMEDIATE), so a read-then-write never fails half-way with
 *   SQLITE_BUSY when another process writes, and transactions run one after another.
 * - PostgreSQL: SERIALIZABLE, the same guarantee (the result is as if the transactions ran one after another),
 *   and `fn` runs again when PostgreSQL reports a serialization failure (40001) or deadlock (40P01). So `fn`
 *   must do nothing outside the database that cannot be repeated. A unique violation (23505) is run again too,
 *   at most four times: under SERIALIZABLE it can be the trace of a concurrent transaction's insert that this one
 *   could not see (PostgreSQL's manual says so; two instances starting the same exam attempt at once hit it),
 *   and the next run sees that row and answers by the model's rule; a real duplicate still fails.
 * A call inside a transaction joins it.
 */
const inTransaction = new WeakSet<DB>();
const RETRYABLE = new Set(["40001", "40P01"]);
const MAX_TRIES = 20;
const UNIQUE_TRIES = 5;

export async function writeTransaction<T>(db: DB, fn: (trx: DB) => Promise<T>): Promise<T> {
  if (db.isTransaction || inTransaction.has(db)) return fn(db);
  if (isPostgres(db)) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction().setIsolationLevel("serializable").execute(fn);
      } catch (error) {
        const code = (error as { code?: string }).code ?? "";
        const again = RETRYABLE.has(code) || (code === "23505" && attempt < UNIQUE_TRIES);
        if (attempt >= MAX_TRIES || !again) throw error;
        // Jittered backoff, so that transactions which collided do not collide again in lockstep.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
  }
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

/**
 * The error says the database server cannot be reached or is going away (PostgreSQL stopping, restarting or
 * unreachable), not that the query was wrong: the request is answered 503 and may be sent again.
 * - errors of the socket (refused, reset, broken pipe, timed out);
 * - pg's own: a connection that ended or broke, or the pool's wait for a connection that ran out;
 * - PostgreSQL's SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, crash
 *   shutdown, cannot connect now while starting or stopping).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  if (SOCKET_ERRORS.has(code) || /^08/.test(code) || /^57P0[1-3]$/.test(code)) return true;
  return typeof e?.message === "string" && PG_CONNECTION_MESSAGES.some((m) => (e.message as string).includes(m));
}
const SOCKET_ERRORS = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
const PG_CONNECTION_MESSAGES = ["Connection terminated", "timeout exceeded when trying to connect", "is not queryable"];

/**
 * A value the database refused as data (PostgreSQL's SQLSTATE class 22, data exception): a NUL character in text,
 * a number out of its column's range, a string where a number belongs. SQLite stores such values as given; on
 * PostgreSQL the statement (and its transaction) fails and nothing is written, so the request is bad input, not a fault.
 */
export function isRefusedValue(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^22[0-9A-Z]{3}$/.test(code);
}

/** The error a UNIQUE index or primary key raised, on either engine (SQLite's code, PostgreSQL's 23505). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
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
 * SQL: the JSON array of strings in `column` (text, written by the app) has `value` as an element, exactly.
 * SQLite reads it with json_each, PostgreSQL as jsonb (`?` tests a string element of an array).
 */
export function jsonArrayHas(db: DB, column: string, value: string): RawBuilder<SqlBool> {
  if (isPostgres(db)) return sql<SqlBool>`(${sql.ref(column)}::jsonb ? ${value})`;
  return sql<SqlBool>`exists (select 1 from json_each(${sql.ref(column)}) where value = ${value})`;
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
