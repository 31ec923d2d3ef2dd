// One definition of 学时, checked as a property: random histories for many trainees — lessons read and
// watched through real heartbeats (some lost and re-sent with the next, some retried, some from a
// hidden tab), assignments drafted/submitted/returned/graded/resubmitted, exams passed, failed and
// waiting for the grader, offline 学时 for the course or for none, deadline extensions, an archived
// lesson, blind grading with the grades released or not, completion confirmed and certificates revoked —
// and every view for the same audience must give the same figures per trainee. Staff views (completion
// review, the ledger, the training record as staff see it, the instructor's roster, the dashboard, the
// certificate and xAPI) give the 学时 counted from the raw tables, independently of the app's code. The
// trainee's own views (the course page, /progress, the catalog, 我的培训班, their own training record and
// its XLSX/CSV rows) give exactly that minus the 学时 of a blind grade not released yet (which a valid
// certificate for the course releases), and completion differs only where such a grade is hidden.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { grantExtension, setReleased, updateSettings } from "../../app/models/assignments.server.ts";
import { certificatesOfClass, confirmCompletion, revokeCertificate } from "../../app/models/certificates.server.ts";
import { classResults, enrollUsernames, getClassRow, myClasses } from "../../app/models/classes.server.ts";
import { syncCourses } from "../../app/models/courses.server.ts";
import { ledgerBatches } from "../../app/models/ledger.server.ts";
import { courseRoster, creditOfflineHours, recordBeat } from "../../app/models/progress.server.ts";
import { recordRows, recordSubjectFor, trainingRecord } from "../../app/models/record.server.ts";
import { dashboardData, standingOf } from "../../app/models/statistics.server.ts";
import { statementBatches } from "../../app/models/xapi.server.ts";
import * as catalog from "../../app/routes/courses._index.tsx";
import * as coursePage from "../../app/routes/courses.$slug._index.tsx";
import * as myClassesPage from "../../app/routes/my.classes.tsx";
import * as progressPage from "../../app/routes/progress._index.tsx";
import type { DB } from "../../app/utils/db.server.ts";
import { makeClass } from "../setup/classes.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, testContext } from "../setup/db.ts";
import { cstDate } from "../../app/utils/cst.ts";
import { testingOnPostgres } from "../setup/postgres.ts";

const SAMPLE = path.resolve("tests/fixtures/courses/sample");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hours-property-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const T0 = 1_790_000_000;
const VIDEO_SECONDS = 120; // the sample's lecture is given no readable length: the first beat reports it

// ------------------------------------------------------------------------------------------ histories

const beatArb = fc.record({ gap: fc.integer({ min: 5, max: 40 }), lost: fc.boolean(), retried: fc.boolean(), hidden: fc.boolean() });
const lessonArb = fc.array(beatArb, { maxLength: 28 });
const ASSIGNMENT_STATES = ["none", "draft", "submitted", "returned", "graded", "resubmitted"] as const;
const traineeArb = fc.record({
  branch: fc.constantFrom("A", "B"),
  lessons: fc.tuple(lessonArb, lessonArb, lessonArb),
  assignment: fc.record({ state: fc.constantFrom(...ASSIGNMENT_STATES), score: fc.integer({ min: 0, max: 100 }), extension: fc.boolean() }),
  attempts: fc.array(fc.record({ graded: fc.boolean(), score: fc.integer({ min: 0, max: 22 }) }), { maxLength: 2 }),
  offline: fc.array(fc.record({ forCourse: fc.boolean(), halves: fc.integer({ min: 1, max: 8 }) }), { maxLength: 3 }),
  revoke: fc.boolean(),
});
/** A trainee who does the work (beats still lost and retried now and then), so completion and certificates occur. */
const diligentArb = traineeArb.chain((t) =>
  fc
    .record({
      lessons: fc.tuple(
        ...[0, 1, 2].map(() =>
          fc.array(fc.record({ gap: fc.integer({ min: 10, max: 15 }), lost: fc.boolean(), retried: fc.boolean(), hidden: fc.constant(false) }), {
            minLength: 60,
            maxLength: 70,
          }),
        ),
      ) as never,
      score: fc.integer({ min: 60, max: 100 }),
      exam: fc.integer({ min: 14, max: 22 }),
    })
    .map((d) => ({
      ...t,
      lessons: d.lessons as typeof t.lessons,
      assignment: { ...t.assignment, state: "graded" as const, score: d.score },
      attempts: [{ graded: true, score: d.exam }],
    })),
);
const worldArb = fc.record({
  trainees: fc.array(fc.oneof({ arbitrary: traineeArb, weight: 2 }, { arbitrary: diligentArb, weight: 1 }), { minLength: 1, maxLength: 5 }),
  archiveElective: fc.boolean(),
  grading: fc.constantFrom("open", "blind", "released"),
  confirm: fc.boolean(),
  reissuable: fc.boolean(),
});
type Trainee = typeof traineeArb extends fc.Arbitrary<infer T> ? T : never;
type World = typeof worldArb extends fc.Arbitrary<infer T> ? T : never;

/** Plays one lesson's beats as the page would: a lost beat's segments go with the next one, a retried beat is sent twice. */
async function study(db: DB, user: { id: number }, lesson: { id: number; video: boolean }, beats: Trainee["lessons"][number], clock: { t: number }) {
  const send = (segments: [number, number][], position: number, visible: boolean) =>
    recordBeat(db, {
      userId: user.id,
      stage: "activist",
      lessonId: lesson.id,
      now: clock.t,
      beat: { tabId: `tab-${user.id}`, segments, position, visible, duration: lesson.video ? VIDEO_SECONDS : undefined },
    });
  await send([], 0, true); // opening the page starts the clock
  let position = 0;
  let pending: [number, number][] = [];
  for (const b of beats) {
    clock.t += b.gap;
    if (lesson.video) {
      const to = Math.min(VIDEO_SECONDS, position + b.gap);
      if (to > position) pending.push([position, to]);
      position = to;
    }
    if (b.lost) continue;
    const r = await send(pending, position, !b.hidden);
    if (b.retried) await send(pending, position, !b.hidden);
    if (r.ok) pending = [];
  }
  clock.t += 600; // then on to the next lesson, well after this page's last beat
}

async function buildWorld(w: World, run: number) {
  const db = await createTestDb();
  const ctx = testContext(db);
  const tree = await createTestTree(db);
  const root = path.join(tmp, String(run));
  fs.cpSync(SAMPLE, path.join(root, "sample"), { recursive: true });
  expect((await syncCourses(db, { root, storage: ctx.storage })).ok).toBe(true);
  const admin = await createTestUser(db, { orgUnitId: tree.root, roles: ["admin"], stage: "full" });
  const instructor = await createTestUser(db, { orgUnitId: tree.branchA, roles: ["instructor"], stage: "full", username: `js001` });
  const course = await db.selectFrom("courses").select("id").where("slug", "=", "sample").executeTakeFirstOrThrow();
  const cls = await makeClass(db, { adminId: admin.id, hostUnitId: tree.root, courseId: course.id });
  const lessons = await db.selectFrom("lessons").select(["id", "key", "video"]).where("course_id", "=", course.id).orderBy("position").execute();
  const assignment = await db.selectFrom("assignments").selectAll().where("course_id", "=", course.id).executeTakeFirstOrThrow();
  const exam = await db.selectFrom("exams").select("id").where("course_id", "=", course.id).executeTakeFirstOrThrow();
  if (w.grading !== "open")
    await updateSettings(db, { assignmentId: assignment.id, blind: true, latePenaltyPercent: 0, similarityThreshold: 0.8, actorId: instructor.id });
  if (w.grading === "released") await setReleased(db, { assignmentId: assignment.id, released: true, actorId: instructor.id });

  const users = [];
  for (const [i, h] of w.trainees.entries()) {
    const u = await createTestUser(db, { orgUnitId: h.branch === "A" ? tree.branchA : tree.branchB, username: `2026${String(i).padStart(3, "0")}` });
    users.push({ ...u, history: h });
    const clock = { t: T0 + i * 100_000 };
    for (const [k, l] of lessons.entries()) await study(db, u, { id: l.id, video: l.video !== null }, h.lessons[k]!, clock);

    const a = h.assignment;
    const base = { assignment_id: assignment.id, user_id: u.id, created_at: clock.t, updated_at: clock.t };
    if (a.state === "draft")
      await db
        .insertInto("submissions")
        .values({ ...base, status: "draft", current_version: 0 })
        .execute();
    if (a.state === "submitted")
      await db
        .insertInto("submissions")
        .values({ ...base, status: "submitted", current_version: 1 })
        .execute();
    if (a.state === "returned")
      await db
        .insertInto("submissions")
        .values({ ...base, status: "returned", current_version: 1, graded_version: 1, raw_score: a.score, score: a.score })
        .execute();
    if (a.state === "graded")
      await db
        .insertInto("submissions")
        .values({ ...base, status: "graded", current_version: 1, graded_version: 1, raw_score: a.score, score: a.score })
        .execute();
    // Graded, then handed in again: the new version waits, the old grade no longer counts.
    if (a.state === "resubmitted")
      await db
        .insertInto("submissions")
        .values({ ...base, status: "submitted", current_version: 2, graded_version: 1, raw_score: a.score, score: a.score })
        .execute();
    if (a.extension)
      await grantExtension(
        db,
        { assignment: assignment as never, userId: u.id, dueAt: clock.t + 86_400 * 30, reason: "病假", grantedBy: instructor.id },
        { now: clock.t },
      );

    for (const [n, x] of h.attempts.entries()) {
      await db
        .insertInto("exam_attempts")
        .values({
          exam_id: exam.id,
          user_id: u.id,
          attempt_no: n + 1,
          started_at: clock.t,
          deadline_at: clock.t + 2400,
          grace_seconds: 30,
          submitted_at: clock.t + 1200,
          finalized_by: "user",
          status: x.graded ? "graded" : "submitted",
          max_score: 22,
          auto_score: x.score,
          score: x.graded ? x.score : null,
          passed: x.graded ? Number(x.score >= 10) : null,
        })
        .execute();
    }
    for (const o of h.offline) {
      await creditOfflineHours(
        db,
        { userId: u.id, courseId: o.forCourse ? course.id : null, kind: "分组研讨", hours: o.halves / 2, reason: "研讨", activityDate: "2026-10-12" },
        { actorId: instructor.id },
      );
    }
  }
  const enrolled = await enrollUsernames(
    db,
    { classId: cls.id, entries: users.map((u) => ({ username: u.username })), source: "pick", skipProblems: false },
    { actorId: admin.id },
  );
  expect(enrolled.applied).toBe(true);

  if (w.archiveElective) {
    // The instructor drops the elective lesson (and its 学时 from the declared total): it is archived with its progress.
    fs.rmSync(path.join(root, "sample/lessons/03-jilv.md"));
    const md = path.join(root, "sample/course.md");
    fs.writeFileSync(md, fs.readFileSync(md, "utf8").replace("hours: 8", "hours: 6"));
    expect((await syncCourses(db, { root, storage: ctx.storage })).ok).toBe(true);
  }
  if (w.confirm) {
    await confirmCompletion(db, { classId: cls.id, schoolCode: "TST" }, { actorId: admin.id }, T0 + 2_000_000);
    for (const c of await certificatesOfClass(db, cls.id)) {
      if (users.find((u) => u.id === c.user_id)!.history.revoke) {
        await revokeCertificate(db, { classId: cls.id, certificateId: c.id, reason: "核查", reissuable: w.reissuable }, { actorId: admin.id }, T0 + 2_100_000);
      }
    }
  }
  return { db, ctx, admin, instructor, users, course, cls: (await getClassRow(db, cls.id))! };
}

/** 学时 straight from the tables: completed live lessons + passed current grades + offline for the course. */
async function expectedHours(db: DB, userId: number, courseId: number) {
  const lessons = await db
    .selectFrom("lesson_progress as p")
    .innerJoin("lessons as l", "l.id", "p.lesson_id")
    .select((eb) => eb.fn.sum<number>("l.hours").as("h"))
    .where("p.user_id", "=", userId)
    .where("l.course_id", "=", courseId)
    .where("l.archived", "=", 0)
    .where("p.completed_at", "is not", null)
    .executeTakeFirst();
  const assignments = await db
    .selectFrom("submissions as s")
    .innerJoin("assignments as a", "a.id", "s.assignment_id")
    .select((eb) => eb.fn.sum<number>("a.hours").as("h"))
    .where("s.user_id", "=", userId)
    .where("a.course_id", "=", courseId)
    .where("s.status", "=", "graded")
    .whereRef("s.graded_version", "=", "s.current_version")
    .whereRef("s.score", ">=", "a.pass_score")
    .executeTakeFirst();
  const offline = await db
    .selectFrom("offline_hours")
    .select((eb) => eb.fn.sum<number>("hours").as("h"))
    .where("user_id", "=", userId)
    .where("course_id", "=", courseId)
    .executeTakeFirst();
  const loose = await db
    .selectFrom("offline_hours")
    .select((eb) => eb.fn.sum<number>("hours").as("h"))
    .where("user_id", "=", userId)
    .where("course_id", "is", null)
    .executeTakeFirst();
  const n = (x: { h: number | null } | undefined) => Number(x?.h ?? 0);
  return { lessons: n(lessons), assignments: n(assignments), offline: n(offline), course: n(lessons) + n(assignments) + n(offline), loose: n(loose) };
}

/**
 * What the trainee may not see yet, from the tables: a current graded version of a blind assignment whose
 * grades are not released, unless the trainee holds a valid certificate of a class with the course.
 */
async function hiddenFromTrainee(db: DB, userId: number, courseId: number) {
  const rows = await db
    .selectFrom("submissions as s")
    .innerJoin("assignments as a", "a.id", "s.assignment_id")
    .innerJoin("assignment_settings as x", "x.assignment_id", "a.id")
    .select(["a.hours", "a.pass_score", "s.score"])
    .where("s.user_id", "=", userId)
    .where("a.course_id", "=", courseId)
    .where("s.status", "=", "graded")
    .whereRef("s.graded_version", "=", "s.current_version")
    .where("x.blind", "=", 1)
    .where("x.released_at", "is", null)
    .execute();
  const cert = await db
    .selectFrom("certificates as c")
    .innerJoin("class_courses as cc", "cc.class_id", "c.class_id")
    .select("c.id")
    .where("c.user_id", "=", userId)
    .where("cc.course_id", "=", courseId)
    .where("c.revoked_at", "is", null)
    .executeTakeFirst();
  if (cert) return { any: false, hours: 0 };
  return { any: rows.length > 0, hours: rows.filter((r) => (r.score ?? 0) >= r.pass_score).reduce((n, r) => n + r.hours, 0) };
}

// ------------------------------------------------------------------------------------------ the property

let run = 0;
/** How much of the space the runs covered, so a property that passes vacuously is noticed. */
const seen = {
  trainees: 0,
  lessonsDone: 0,
  assignmentHours: 0,
  hiddenHours: 0,
  releasedHours: 0,
  offline: 0,
  passed: 0,
  certificates: 0,
  revoked: 0,
  archived: 0,
};

// Twenty worlds on SQLite; on PostgreSQL (every query a round trip to another process) the first five of the same
// seed, to keep the PostgreSQL run short: they check that the engines agree, the SQLite run checks the variety.
const RUNS = testingOnPostgres() ? 5 : 20;

describe("学时 and completion: one definition, every view", () => {
  it("gives every trainee the same 学时 and the same completion in every view, for random histories", { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(worldArb, async (w) => {
        const world = await buildWorld(w, ++run);
        const { db, ctx, users, course, cls } = world;
        const staff = await classResults(db, cls);
        const ledger = [];
        for await (const rows of ledgerBatches(db, { unitPath: null, class: cls.id })) ledger.push(...rows);
        const roster = await courseRoster(db, { id: course.id, audience: ["activist"] }, {});
        const certs = await certificatesOfClass(db, cls.id);
        const xapiLessons = new Map<string, number>();
        for await (const batch of statementBatches(db, { since: null, until: null }, { origin: "http://localhost" })) {
          for (const s of batch) {
            if (s.verb.id.endsWith("/completed") && "definition" in s.object && s.object.definition.type.endsWith("/lesson")) {
              const who = s.actor.account.name;
              xapiLessons.set(who, (xapiLessons.get(who) ?? 0) + Number(Object.values(s.result?.extensions ?? {})[0] ?? 0));
            }
          }
        }
        const call = async (mod: { loader: (a: never) => unknown }, url: string, cookie: string, params: Record<string, string> = {}) =>
          (await outcome(mod.loader({ request: makeRequest(url, { cookie }), context: ctx, params } as never))).data;

        for (const u of users) {
          const want = await expectedHours(db, u.id, course.id);
          const row = staff.find((r) => r.userId === u.id)!;
          const H = row.result.hours;
          const passed = row.result.passed;
          expect(H, "class result vs the raw tables").toBe(want.course);
          // The trainee's own views: the same, less a blind grade not released yet (and its judgement).
          const hid = await hiddenFromTrainee(db, u.id, course.id);
          const mineH = H - hid.hours;
          const minePassed = hid.any ? false : passed;
          seen.trainees++;
          if (want.lessons > 0) seen.lessonsDone++;
          if (want.assignments > 0) seen.assignmentHours++;
          if (hid.hours > 0) seen.hiddenHours++;
          if (w.grading === "released" && want.assignments > 0) seen.releasedHours++;
          if (want.offline + want.loose > 0) seen.offline++;
          if (passed) seen.passed++;

          const page = await call(coursePage, "/courses/sample", u.cookie, { slug: "sample" });
          expect(page.summary).toMatchObject({
            hoursEarned: mineH,
            onlineHours: want.lessons,
            assignmentHours: want.assignments - hid.hours,
            offlineHours: want.offline,
          });
          expect(page.assignments[0].state.includes("成绩待公布"), "the course page says a hidden grade is pending").toBe(hid.any);
          const progress = await call(progressPage, "/progress", u.cookie);
          expect(progress.mine.courses.find((c: { slug: string }) => c.slug === "sample").hoursEarned).toBe(mineH);
          expect(progress.mine.total.total).toBe(mineH + want.loose);
          const cat = await call(catalog, "/courses", u.cookie);
          expect(cat.courses.find((c: { slug: string }) => c.slug === "sample").progress.hoursEarned).toBe(mineH);
          const mine = await call(myClassesPage, "/my/classes", u.cookie);
          expect(mine.classes[0].row).toMatchObject({ hours: mineH, passed: minePassed });
          expect((await myClasses(db, u.id))[0]!.row.result).toMatchObject({ hours: mineH, passed: minePassed });

          const subject = (await recordSubjectFor(db, u.id, { id: world.admin.id, roles: ["admin"], org_unit_id: 0 }))!;
          for (const [forTrainee, h] of [
            [false, H],
            [true, mineH],
          ] as const) {
            const record = await trainingRecord(db, subject, { forTrainee });
            const a = want.assignments - (forTrainee ? hid.hours : 0);
            expect(record.courses.find((c) => c.title === "入党积极分子培训（样例）")).toMatchObject({
              hours: h,
              onlineHours: want.lessons,
              assignmentHours: a,
              offlineHours: want.offline,
            });
            expect(record.totals.hours).toBe(h + want.loose);
            for (const format of ["xlsx", "csv"] as const) {
              const rows = recordRows(record, format);
              expect(rows.find((r) => r[0] === "课程")![6]).toBe(h);
              const classRow = rows.find((r) => r[0] === "培训班")!;
              expect(classRow[6]).toBe(h);
            }
          }

          const l = ledger.find((r) => r.userId === u.id)!;
          expect(l.hours).toBe(H);
          if (l.status !== "undecided") expect(l.status === "completed").toBe(passed);
          expect(roster.rows.find((r) => r.id === u.id)!.hoursEarned).toBe(H);
          expect(xapiLessons.get(u.username) ?? 0).toBe(want.lessons);
          const cert = certs.find((c) => c.user_id === u.id);
          if (cert) expect(cert.hours).toBe(H);
          if (cert) seen.certificates++;
          if (cert?.revoked_at) seen.revoked++;
          if (cert && cert.revoked_at === null) expect(passed).toBe(true);
        }

        // The dashboard's figures for the class are the same rows added up.
        const dash = await dashboardData(db, { unitPath: null }, { classId: cls.id, includeCompleted: true }, T0 + 2_200_000);
        const perClass = dash.classes.find((c) => c.id === cls.id)!;
        const mean = staff.reduce((n, r) => n + r.result.hours, 0) / staff.length;
        expect(perClass.avgHours).toBe(Math.round(mean * 10) / 10);
        const today = cstDate(T0 + 2_200_000);
        const standings = staff.map((r) => standingOf(r, cls, today));
        expect(perClass).toMatchObject({
          completed: standings.filter((s) => s === "completed").length,
          failed: standings.filter((s) => s === "failed").length,
        });
        if (w.archiveElective) seen.archived++;
        await db.destroy();
      }),
      // A fixed seed keeps CI repeatable (a random one left a kind of history out in one run of many);
      // FC_SEED=<n> explores other worlds locally, and the coverage check below says whether they were varied.
      { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? 20261203) },
    );
    // Every kind of history occurred, so the property did not pass vacuously (the same seed's first worlds on
    // PostgreSQL are a subset of these: the SQLite run is where their variety is checked).
    if (RUNS < 20) return;
    expect(seen.trainees).toBeGreaterThan(40);
    for (const [k, v] of Object.entries(seen)) expect(v, k).toBeGreaterThan(0);
  });
});
