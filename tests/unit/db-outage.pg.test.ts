// PostgreSQL only: a connection that breaks while the app holds it between two queries (inside a transaction)
// must not end the process (pg emits 'error' on it, and the pool listens only to idle connections); the query
// that follows fails as "database unavailable", and the pool serves the next one on a new connection.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDatabaseUnavailable, type DB } from "../../app/utils/db.server.ts";
import { createPostgresTestDb, testingOnPostgres } from "../setup/postgres.ts";
import { waitUntil } from "../setup/wait.ts";

describe.runIf(testingOnPostgres())("a PostgreSQL connection broken while checked out", () => {
  let db: DB;
  let other: DB;
  beforeAll(async () => {
    db = await createPostgresTestDb();
    other = await createPostgresTestDb();
  });
  afterAll(async () => {
    await db?.destroy();
    await other?.destroy();
  });

  it("fails the next query cleanly instead of ending the process, and the pool recovers", async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on("uncaughtException", onUncaught);
    try {
      const failure = await db
        .transaction()
        .execute(async (trx) => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
          // Between two queries of the transaction, the server ends this connection (as a fast shutdown does).
          await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(other);
          await waitUntil(async () => {
            const { rows: left } = await sql<{ n: number }>`select count(*) as n from pg_stat_activity where pid = ${rows[0]!.pid}`.execute(other);
            return Number(left[0]!.n) === 0;
          }, "the backend gone");
          await sql`select 1`.execute(trx);
        })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(failure).not.toBeNull();
      expect(isDatabaseUnavailable(failure), String(failure)).toBe(true);
      expect(uncaught).toEqual([]);
      expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows).toEqual([{ one: 1 }]);
    } finally {
      process.off("uncaughtException", onUncaught);
    }
  });
});
