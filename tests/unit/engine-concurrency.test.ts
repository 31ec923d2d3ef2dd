// Read-then-write rules under concurrent calls, on whichever engine createTestDb gives (SQLite by default,
// PostgreSQL under TEST_PG=1, where the calls really overlap on several pooled connections and
// writeTransaction has to retry serialization failures).
import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { takeLease } from "../../app/models/notifications.server.ts";
import { getAccountLock, recordLoginFailure } from "../../app/models/throttle.server.ts";
import { isPostgres, writeTransaction, type DB } from "../../app/utils/db.server.ts";
import { createTestDb } from "../setup/db.ts";
import { testingOnPostgres } from "../setup/postgres.ts";

let db: DB;
beforeAll(async () => {
  db = await createTestDb();
});

const T = 1_800_000_000;

describe("concurrent read-then-write", () => {
  it("writeTransaction loses no update when many transactions read and rewrite one row at once", async () => {
    await db.insertInto("job_leases").values({ name: "counter", owner: "0", until: 0 }).execute();
    const bump = () =>
      writeTransaction(db, async (trx) => {
        const row = await trx.selectFrom("job_leases").select("owner").where("name", "=", "counter").executeTakeFirstOrThrow();
        await trx
          .updateTable("job_leases")
          .set({ owner: String(Number(row.owner) + 1) })
          .where("name", "=", "counter")
          .execute();
      });
    await Promise.all(Array.from({ length: 25 }, bump));
    const row = await db.selectFrom("job_leases").select("owner").where("name", "=", "counter").executeTakeFirstOrThrow();
    expect(row.owner).toBe("25");
  });

  it("a job lease goes to exactly one of many instances asking at the same moment", async () => {
    const taken = await Promise.all(Array.from({ length: 12 }, (_, i) => takeLease(db, "deadline-sweep", `instance-${i}`, 60, T)));
    expect(taken.filter(Boolean)).toHaveLength(1);
    const holder = await db.selectFrom("job_leases").select("owner").where("name", "=", "deadline-sweep").executeTakeFirstOrThrow();
    expect(holder.owner).toBe(`instance-${taken.indexOf(true)}`);
  });

  it("login failures arriving together are all counted, and the account locks at the limit", async () => {
    const results = await Promise.all(Array.from({ length: 15 }, () => recordLoginFailure(db, "2023001", "198.51.100.9", T)));
    expect(results.map((r) => r.accountFailures).sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(results.filter((r) => r.accountLocked)).toHaveLength(1);
    expect(await getAccountLock(db, "2023001", T)).not.toBeNull();
  });

  it("the audit log refuses UPDATE and DELETE on either engine, and TRUNCATE on PostgreSQL (SQLite has none)", async () => {
    await db.insertInto("audit_log").values({ at: T, action: "test", actor_id: null }).execute();
    const statements = [sql`UPDATE audit_log SET action = 'x'`, sql`DELETE FROM audit_log`, ...(isPostgres(db) ? [sql`TRUNCATE audit_log`] : [])];
    for (const statement of statements) await expect(statement.execute(db)).rejects.toThrow(/append-only/);
    expect(isPostgres(db)).toBe(testingOnPostgres());
  });
});
