// The bench's copy of a SQLite fixture into PostgreSQL (scripts/bench/postgres.ts): every table arrives with
// its rows and ids, and the next id PostgreSQL hands out follows the copied ones. PostgreSQL only (TEST_PG=1).
import Sqlite from "better-sqlite3";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { seedDemo } from "../../app/models/demo.server.ts";
import { openDatabase, openPostgres } from "../../app/utils/db.server.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import { withClient, withDatabase } from "../../scripts/pg-cluster.ts";
import { copyToPostgres } from "../../scripts/bench/postgres.ts";
import { testingOnPostgres } from "../setup/postgres.ts";

describe.skipIf(!testingOnPostgres())("bench fixture copy into PostgreSQL", () => {
  it("copies every table's rows and moves the identities past them", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-copy-"));
    const file = path.join(dir, "app.db");
    const lite = openDatabase(file);
    await migrateToLatest(lite);
    await seedDemo(lite);
    await lite.destroy();
    const url = withDatabase(process.env.TEST_PG_SERVER!, `bench_copy_${process.pid}`);
    await withClient(process.env.TEST_PG_SERVER!, (c) => c.query(`CREATE DATABASE bench_copy_${process.pid}`));

    const copied = await copyToPostgres(file, url);

    const source = new Sqlite(file, { readonly: true });
    const tables = source.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'").all() as {
      name: string;
    }[];
    const pgDb = openPostgres(url, { max: 1 });
    let total = 0;
    await withClient(url, async (c) => {
      for (const { name } of tables) {
        const n = (source.prepare(`select count(*) as n from "${name}"`).get() as { n: number }).n;
        const { rows } = await c.query(`select count(*)::int as n from "${name}"`);
        expect([name, rows[0].n]).toEqual([name, n]);
        total += n;
      }
    });
    expect(copied).toBe(total);
    expect(total).toBeGreaterThan(0);
    const maxUser = (source.prepare("select max(id) as m from users").get() as { m: number }).m;
    const admin = await pgDb.selectFrom("users").select(["id", "username"]).where("username", "=", "zzb001").executeTakeFirstOrThrow();
    expect(admin).toEqual(source.prepare("select id, username from users where username = 'zzb001'").get());
    const unit = source.prepare("select org_unit_id from users where username = 'zzb001'").get() as { org_unit_id: number };
    const { id } = await pgDb
      .insertInto("users")
      .values({
        username: "new1",
        name: "新用户",
        gender: "男",
        org_unit_id: unit.org_unit_id,
        stage: "activist",
        password_hash: "x",
        must_change_password: 0,
        active: 1,
        created_at: 0,
        updated_at: 0,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    expect(id).toBe(maxUser + 1);
    source.close();
    await pgDb.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
