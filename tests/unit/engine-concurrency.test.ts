// Read-then-write rules under concurrent calls, on whichever engine createTestDb gives (SQLite by default,
// PostgreSQL under TEST_PG=1, where the calls really overlap on several pooled connections and
// writeTransaction has to retry serialization failures). The model tests below call real model functions
// through several handles on one database, as several app instances do: on PostgreSQL each handle is a pool
// of its own (openAgain); on SQLite they share the one in-process handle (see openAgain for why).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { certificatesOfClass, confirmCompletion, revokeCertificate } from "../../app/models/certificates.server.ts";
import { enrollUsernames } from "../../app/models/classes.server.ts";
import { saveAnswer } from "../../app/models/exams/autosave.server.ts";
import { runSweepRound } from "../../app/models/exams/finalize.server.ts";
import { startExamAttempt } from "../../app/models/exams/windows.server.ts";
import { ImportBusy, withImportLock } from "../../app/models/import-locks.server.ts";
import { takeLease } from "../../app/models/job-leases.server.ts";
import { recordBeat } from "../../app/models/progress.server.ts";
import { setUpOnce } from "../../app/models/startup.server.ts";
import { getAccountLock, recordLoginFailure } from "../../app/models/throttle.server.ts";
import { isPostgres, writeTransaction, type DB } from "../../app/utils/db.server.ts";
import { createStorage } from "../../app/utils/storage.server.ts";
import { classWorld, didTheWork, makeClass } from "../setup/classes.ts";
import { createTestDb, createTestTree, createTestUser, openAgain } from "../setup/db.ts";
import { waitUntil } from "../setup/wait.ts";
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

  it("a unique violation inside writeTransaction is run again a few times on PostgreSQL (a concurrent insert it could not see), never on SQLite", async () => {
    await db.insertInto("job_leases").values({ name: "taken", owner: "x", until: 0 }).execute();
    const insertTaken = (trx: DB) => trx.insertInto("job_leases").values({ name: "taken", owner: "y", until: 0 }).execute();
    let runs = 0;
    const second = writeTransaction(db, async (trx) => {
      if (++runs === 1) await insertTaken(trx); // the first run collides; the next one checks first, as a model does
      return runs;
    });
    if (isPostgres(db)) expect(await second).toBe(2);
    else await expect(second).rejects.toThrow(/UNIQUE/);
    runs = 0;
    await expect(writeTransaction(db, async (trx) => (++runs, await insertTaken(trx)))).rejects.toThrow(/unique|UNIQUE/);
    expect(runs).toBe(isPostgres(db) ? 5 : 1); // a real duplicate still fails, after four more runs at most
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

// ------------------------------------------------------------------------------------------ several instances

const opened: DB[] = [];
/** `n` handles on the database of `db`, `db` first: the app instances of a test. */
function instances(db: DB, n: number): DB[] {
  const more = Array.from({ length: n - 1 }, () => openAgain(db));
  opened.push(...more.filter((x) => x !== db));
  return [db, ...more];
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((x) => x.destroy()));
});
/** Calls `fn` `n` times at once, the i-th call through instance i mod the number of instances. */
const atOnce = <T>(dbs: DB[], n: number, fn: (db: DB, i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: n }, (_, i) => fn(dbs[i % dbs.length]!, i)));
/** 2026-12-02 10:00 in Beijing: inside the sample exam's window (12-01 08:00 to 12-20 22:00). */
const IN_WINDOW = Date.UTC(2026, 11, 2, 2) / 1000;

describe("model rules under simultaneous calls from several instances", () => {
  it("certificate numbers: classes sharing a prefix confirmed at once (twice each) get 1…n with no gap and no repeat; reissues after revocations continue", async () => {
    const { db, tree, users, courseId, cls } = await classWorld();
    const admin = { actorId: users.admin!.id };
    const classes = [
      cls,
      ...(await Promise.all(
        [tree.subA, tree.subB].map((unit, k) => makeClass(db, { adminId: admin.actorId, hostUnitId: unit, courseId, name: `分党校第12期第${k}班` })),
      )),
    ];
    for (const [k, c] of classes.entries()) {
      const members = await Promise.all([0, 1, 2].map((i) => createTestUser(db, { orgUnitId: tree.branchA, username: `c${k}m${i}` })));
      for (const m of members) await didTheWork(db, m.id, courseId, { essay: 85, exam: 90 });
      await enrollUsernames(db, { classId: c.id, entries: members.map((m) => ({ username: m.username })), source: "pick", skipProblems: false }, admin);
    }
    const dbs = instances(db, 4);
    // Every class confirmed twice at once (a double click reaching two instances).
    await atOnce(dbs, 6, (x, i) => confirmCompletion(x, { classId: classes[i % 3]!.id, schoolCode: "JSU" }, admin));
    const numbers = async () => (await Promise.all(classes.map((c) => certificatesOfClass(db, c.id)))).flat().map((c) => c.number);
    const seqs = (list: string[]) => list.map((n) => Number(n.slice(-4))).sort((a, b) => a - b);
    const first = await numbers();
    expect(first).toHaveLength(9);
    expect(seqs(first)).toEqual(Array.from({ length: 9 }, (_, i) => i + 1));
    // Revoke one certificate in each class (reissuable) and confirm the three classes again, twice each, at once.
    const revoked = await Promise.all(classes.map(async (c) => (await certificatesOfClass(db, c.id))[0]!));
    await atOnce(dbs, 3, (x, i) =>
      revokeCertificate(x, { classId: classes[i]!.id, certificateId: revoked[i]!.id, reason: "信息有误", reissuable: true }, admin),
    );
    await atOnce(dbs, 6, (x, i) => confirmCompletion(x, { classId: classes[i % 3]!.id, schoolCode: "JSU" }, admin));
    const all = await numbers();
    expect(all).toHaveLength(12);
    expect(seqs(all)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1)); // revoked numbers stay taken, none given twice
    const counter = await db.selectFrom("certificate_counters").select("last_seq").where("prefix", "=", "JSU-2026-12-{seq}").executeTakeFirstOrThrow();
    expect(counter.last_seq).toBe(12);
  }, 120_000);

  it("presence: tabs on several devices claiming the same trainee's lesson at once: one is counted, the others are told busy", async () => {
    const { db, users, courseId } = await classWorld();
    const lesson = await db.selectFrom("lessons").select("id").where("course_id", "=", courseId).orderBy("id").executeTakeFirstOrThrow();
    const dbs = instances(db, 4);
    const results = await atOnce(dbs, 8, (x, i) =>
      recordBeat(x, {
        userId: users.traineeA!.id,
        stage: "activist",
        lessonId: lesson.id,
        now: IN_WINDOW,
        beat: { tabId: `tab-${i}`, segments: [], position: 0, visible: true },
      }),
    );
    const counted = results.flatMap((r, i) => (r.ok ? [`tab-${i}`] : []));
    expect(counted).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === "busy")).toHaveLength(7);
    const presence = await db.selectFrom("learning_presence").select("tab_id").where("user_id", "=", users.traineeA!.id).execute();
    expect(presence.map((p) => p.tab_id)).toEqual(counted);
  }, 60_000);

  it("exam start: the same trainee starting on several instances at once gets one attempt in progress, the others resume it", async () => {
    const { db, users, courseId } = await classWorld();
    const exam = await db.selectFrom("exams").select("id").where("course_id", "=", courseId).executeTakeFirstOrThrow();
    const dbs = instances(db, 4);
    const results = await atOnce(dbs, 12, (x) => startExamAttempt(x, { examId: exam.id, userId: users.traineeB!.id, now: IN_WINDOW }));
    expect(new Set(results.map((r) => r.attemptId)).size).toBe(1);
    expect(results.filter((r) => !r.resumed)).toHaveLength(1);
    const rows = await db.selectFrom("exam_attempts").select(["id", "status"]).where("user_id", "=", users.traineeB!.id).execute();
    expect(rows).toEqual([{ id: results[0]!.attemptId, status: "in_progress" }]);
  }, 60_000);

  it("autosave: saves of one answer arriving out of order on several instances keep the newest (highest seq)", async () => {
    const { db, users, courseId } = await classWorld();
    const exam = await db.selectFrom("exams").select("id").where("course_id", "=", courseId).executeTakeFirstOrThrow();
    const { attemptId } = await startExamAttempt(db, { examId: exam.id, userId: users.traineeB!.id, now: IN_WINDOW });
    const q = await db
      .selectFrom("attempt_questions as aq")
      .innerJoin("questions as q", "q.id", "aq.question_id")
      .select("aq.question_id")
      .where("aq.attempt_id", "=", attemptId)
      .where("q.type", "=", "简答")
      .executeTakeFirstOrThrow();
    const dbs = instances(db, 4);
    // Seqs 1…24 in a scrambled order, all at once; the newest (24) is among the first sent.
    const order = Array.from({ length: 24 }, (_, i) => ((i * 7) % 24) + 1).reverse();
    const results = await atOnce(dbs, order.length, (x, i) =>
      saveAnswer(x, {
        attemptId,
        userId: users.traineeB!.id,
        questionId: q.question_id,
        answer: { text: `第${order[i]}版` },
        seq: order[i]!,
        now: IN_WINDOW + 60,
      }),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const row = await db
      .selectFrom("attempt_answers")
      .select(["seq", "answer"])
      .where("attempt_id", "=", attemptId)
      .where("question_id", "=", q.question_id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ seq: 24, answer: JSON.stringify({ text: "第24版" }) });
  }, 60_000);

  it("throttling: failed sign-ins for one account through several instances at once are all counted, and it locks once", async () => {
    const dbs = instances(db, 4);
    const results = await atOnce(dbs, 15, (x) => recordLoginFailure(x, "2023009", "198.51.100.10", T));
    expect(results.map((r) => r.accountFailures).sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect(results.filter((r) => r.accountLocked)).toHaveLength(1);
    expect(await getAccountLock(dbs[3]!, "2023009", T)).not.toBeNull();
  });
});

describe("locks kept as rows", () => {
  it("an import lock: one user's imports started on several instances at once: one runs, the others are told busy", async () => {
    const tree = await createTestTree(db);
    const user = await createTestUser(db, { orgUnitId: tree.root, roles: ["instructor"] });
    const dbs = instances(db, 4);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let running = 0;
    let busy = 0;
    const tries = atOnce(dbs, 8, (x) =>
      withImportLock(x, user.id, "course-zip", async () => {
        running++;
        await held;
        return "ran";
      }).catch((e: unknown) => {
        if (!(e instanceof ImportBusy)) throw e;
        busy++;
        return "busy";
      }),
    );
    // Released only once every other attempt was answered, so none of them can come after the lock is gone.
    await waitUntil(() => running + busy === 8, "every import answered or running");
    release();
    const results = await tries;
    expect(results.filter((r) => r === "ran")).toHaveLength(1);
    expect(results.filter((r) => r === "busy")).toHaveLength(7);
    expect(await db.selectFrom("import_locks").selectAll().execute()).toEqual([]);
  });
});

describe("jobs that run once across instances", () => {
  it("the exam deadline sweep: of twelve instances ticking at once one sweeps, and an overdue attempt is finalized once", async () => {
    const { db, users, courseId } = await classWorld();
    const exam = await db.selectFrom("exams").select("id").where("course_id", "=", courseId).executeTakeFirstOrThrow();
    const { attemptId } = await startExamAttempt(db, { examId: exam.id, userId: users.traineeB!.id, now: IN_WINDOW });
    const dbs = instances(db, 4);
    const later = IN_WINDOW + 2 * 3600; // past the 40-minute deadline and its grace
    const rounds = await atOnce(dbs, 12, (x, i) => runSweepRound(x, `instance-${i}`, 30, later));
    expect(rounds.filter((r) => r !== null)).toEqual([1]);
    const a = await db.selectFrom("exam_attempts").select(["status", "finalized_by"]).where("id", "=", attemptId).executeTakeFirstOrThrow();
    expect(a.finalized_by).toBe("sweep");
    // The holder renews its lease on its next tick; another instance takes over only after it lapses.
    const holder = rounds.findIndex((r) => r !== null);
    expect(await runSweepRound(dbs[(holder + 1) % 4]!, `instance-${(holder + 1) % 12}`, 30, later + 30)).toBeNull();
    expect(await runSweepRound(dbs[holder % 4]!, `instance-${holder}`, 30, later + 30)).toBe(0);
    expect(await runSweepRound(dbs[(holder + 1) % 4]!, `instance-${(holder + 1) % 12}`, 30, later + 30 + 61)).toBe(0);
  }, 60_000);

  it("start-up: instances starting together on a new database seed the demo data and sync the courses once, all without error", async () => {
    const fresh = await createTestDb();
    const storage = createStorage(fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-startup-")));
    const dbs = instances(fresh, 4);
    const results = await atOnce(dbs, 4, (x, i) => setUpOnce(x, { owner: `instance-${i}`, seed: true, courseRoots: ["tests/fixtures/courses"], storage }));
    expect(results.filter((r) => r.seeded)).toHaveLength(1);
    expect(results.every((r) => r.synced?.ok)).toBe(true);
    const users = await fresh.selectFrom("users").select("username").execute();
    expect(users.map((u) => u.username).sort()).toEqual(["2021030", "2022015", "2023001", "2023002", "2023101", "js001", "pl001", "sj001", "zzb001"]);
    const courses = await fresh.selectFrom("courses").select("slug").execute();
    expect(new Set(courses.map((c) => c.slug)).size).toBe(courses.length);
    expect(courses.length).toBeGreaterThan(0);
    const lease = await fresh.selectFrom("job_leases").select("until").where("name", "=", "setup").executeTakeFirstOrThrow();
    expect(lease.until).toBe(0); // released, not left to expire
  }, 120_000);
});
