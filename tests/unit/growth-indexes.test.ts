// The indexes the growth benchmark's plans asked for (migration 0019), on both engines, and the slow-query log
// (DB_SLOW_QUERY_MS) that found them.
import { CompiledQuery, sql, type Compilable } from "kysely";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as m0019 from "../../db/migrations/0019_growth_indexes.ts";
import { inSubtree, isPostgres, openDatabase, type DB } from "../../app/utils/db.server.ts";
import { loadEnv } from "../../app/utils/env.server.ts";
import { createTestDb } from "../setup/db.ts";

/** The plan's lines (SQLite: EXPLAIN QUERY PLAN). */
async function plan(db: DB, query: Compilable) {
  const { sql: text, parameters } = query.compile();
  const result = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${text}`, [...parameters]));
  return result.rows.map((r) => r.detail).join("\n");
}

async function indexNames(db: DB): Promise<string[]> {
  if (isPostgres(db))
    return (await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema()`.execute(db)).rows.map((r) => r.name);
  return (await sql<{ name: string }>`select name from sqlite_master where type = 'index'`.execute(db)).rows.map((r) => r.name);
}

describe("migration 0019 (growth indexes)", () => {
  it("adds the role and subtree indexes, and goes down and up again", async () => {
    const db = await createTestDb();
    expect(await indexNames(db)).toEqual(expect.arrayContaining(["user_roles_role", "org_units_path_prefix"]));
    await m0019.down(db);
    expect(await indexNames(db)).not.toContain("org_units_path_prefix");
    expect(await indexNames(db)).not.toContain("user_roles_role");
    await m0019.up(db);
    expect(await indexNames(db)).toEqual(expect.arrayContaining(["user_roles_role", "org_units_path_prefix"]));
    await db.destroy();
  });

  it.skipIf(Boolean(process.env.TEST_PG_SERVER))("lets SQLite find a role's users and a subtree's units by index instead of scanning", async () => {
    const db = await createTestDb();
    const byRole = db
      .selectFrom("users as u")
      .select("u.id")
      .where("u.id", "in", db.selectFrom("user_roles").select("user_id").where("role", "=", "secretary"));
    expect(await plan(db, byRole)).toMatch(/SEARCH user_roles USING COVERING INDEX user_roles_role \(role=\?\)/);
    const subtree = db.selectFrom("org_units as o").select("o.id").where(inSubtree("o.path", "/1/2/"));
    expect(await plan(db, subtree)).toMatch(/org_units_path_prefix \(path>\? AND path<\?\)/);
    await db.destroy();
  });
});

describe("DB_SLOW_QUERY_MS", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is off by default and takes a number of milliseconds", () => {
    expect(loadEnv({}).DB_SLOW_QUERY_MS).toBe(0);
    expect(loadEnv({ DB_SLOW_QUERY_MS: "25" }).DB_SLOW_QUERY_MS).toBe(25);
    expect(() => loadEnv({ DB_SLOW_QUERY_MS: "-1" })).toThrow(/DB_SLOW_QUERY_MS/);
  });

  it("writes each query at or over the threshold to stderr as one JSON line with its parameters and plan", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const db = openDatabase(":memory:", { slowQueryMs: 1 });
    // Two million rows of a recursive CTE: well over a millisecond on any machine.
    await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${2_000_000}) select count(*) as c from n`.execute(db);
    const lines = warn.mock.calls.map((c) => JSON.parse(String(c[0])) as { slowQuery: number; sql: string; parameters: unknown[]; plan: string[] });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.slowQuery).toBeGreaterThanOrEqual(1);
    expect(lines[0]!.sql).toMatch(/^with recursive n/);
    expect(lines[0]!.parameters).toEqual([2_000_000]);
    expect(lines[0]!.plan.join("\n")).toMatch(/SCAN n/);
    await db.destroy();
  });

  it("logs nothing without a threshold", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const db = openDatabase(":memory:");
    await sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${200_000}) select count(*) as c from n`.execute(db);
    expect(warn).not.toHaveBeenCalled();
    await db.destroy();
  });
});
