// PostgreSQL only: the fault proofs with three app instances on one PostgreSQL database and one DATA_DIR
// behind the round-robin proxy, short versions of `npm run test:crash -- --postgres`,
// `npx tsx scripts/faults/graceful.ts --postgres` and `npx tsx scripts/faults/pg-restart.ts`. The cluster is
// this file's own (synchronous commit on, as in production), since one scenario stops and starts it.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCrash } from "../../scripts/faults/crash.ts";
import { runGraceful } from "../../scripts/faults/graceful.ts";
import { runDatabaseRestart } from "../../scripts/faults/pg-restart.ts";
import { startCluster, withDatabase, type Cluster } from "../../scripts/pg-cluster.ts";
import { testingOnPostgres } from "../setup/postgres.ts";

let cluster: Cluster;

/** A new empty database of the cluster. */
async function database(name: string): Promise<string> {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  return withDatabase(cluster.url, name);
}

describe.runIf(testingOnPostgres())("three instances on PostgreSQL behind the proxy", () => {
  beforeAll(async () => {
    cluster = await startCluster({ durable: true });
  });
  afterAll(() => cluster?.stop());

  it("SIGKILL of an instance at random moments under mixed write load: every acknowledged write is there, the others keep serving", async () => {
    const s = await runCrash({ kills: 2, instances: 3, databaseUrl: await database("crash"), prefix: "pgk" });
    console.log(
      `crash on PostgreSQL: ${JSON.stringify(s.ops)}; acknowledged by the others after kills ${s.ackedAfterKills}; restart avg ${s.restartMs.avg} ms`,
    );
    expect(s.lostExamples).toEqual([]);
    expect(Object.values(s.lost).every((n) => n === 0)).toBe(true);
    expect(s.unexpected).toEqual([]);
    expect(s.resumeProblems).toEqual([]);
    expect(s.ackedAfterKills).toBeGreaterThan(0);
    expect(s.ops.answer.acked).toBeGreaterThan(0);
  }, 180_000);

  it("SIGTERM of an instance under load: requests inside it are answered, nothing acknowledged or applied is lost, it exits 0", async () => {
    const s = await runGraceful({ rounds: 2, instances: 3, databaseUrl: await database("graceful") });
    console.log(`graceful stop on PostgreSQL: exit after avg ${s.exitMs.avg} ms; refused ${JSON.stringify(s.refused)}`);
    expect(s.exitCodes).toEqual([0, 0]);
    expect(s.inFlight.failures).toEqual([]);
    expect(s.inFlight.answered).toBe(s.inFlight.sent);
    expect(s.lostExamples).toEqual([]);
    expect(s.appliedButFailed).toBe(0);
    expect(s.errorsBeforeStop).toEqual([]);
    expect(Object.keys(s.refused).filter((k) => k.includes("(after the answer began)"))).toEqual([]);
  }, 180_000);

  it("PostgreSQL stopped (fast, then immediate) in the middle of load: clean Chinese 503s while down, no instance exits, recovery without a restart, nothing lost", async () => {
    const s = await runDatabaseRestart({ cluster, databaseUrl: await database("restart"), instances: 3, downMs: 1500 });
    for (const o of s.outages)
      console.log(
        `PostgreSQL stop -m ${o.mode}: down ${o.downMs} ms, ${o.refused} refused with 503 (slowest ${o.slowestRefusalMs} ms, ${o.slowestRefusalOp}), healthy ${o.healthyAfterMs} ms and first acknowledged write ${o.firstAckAfterMs} ms after it was back`,
      );
    expect(s.exited).toEqual([]);
    expect(s.unexpected).toEqual([]);
    expect(s.lostExamples).toEqual([]);
    expect(s.lost).toBe(0);
    for (const o of s.outages) {
      expect(o.refused, o.mode).toBeGreaterThan(0);
      expect(
        o.healthzWhileDown.every((h) => h.startsWith("503") && h.includes('"db":"down"')),
        o.healthzWhileDown.join("; "),
      ).toBe(true);
      expect(o.pageWhileDown).toBe("503 with the Chinese message");
      // Within the connection timeout (10 s) however loaded the machine.
      expect(o.slowestRefusalMs).toBeLessThan(10_000 + 2_000);
      expect(o.firstAckAfterMs).toBeGreaterThanOrEqual(0);
    }
  }, 180_000);
});
