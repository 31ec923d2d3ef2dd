import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { syncCourses } from "../../app/models/courses.server.ts";
import { confirmPresence, creditOfflineHours, getLessonProgress, recordBeat, type Beat } from "../../app/models/progress.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser } from "../setup/db.ts";

let db: DB;
let trainee: { id: number };
let video: number;
let reading: number;
let unitId: number;
const T0 = 1_800_000_000;

beforeEach(async () => {
  db = await createTestDb();
  const t = await createTestTree(db);
  trainee = await createTestUser(db, { orgUnitId: t.branchA, stage: "activist" });
  unitId = t.branchA;
  const r = await syncCourses(db, { root: "tests/fixtures/e2e-courses" });
  expect(r.ok).toBe(true);
  const lessons = await db.selectFrom("lessons").select(["id", "key"]).execute();
  video = lessons.find((l) => l.key === "01-video")!.id;
  reading = lessons.find((l) => l.key === "02-reading")!.id;
});

const beat = (lessonId: number, at: number, b: Partial<Beat> = {}, stage = "activist") =>
  recordBeat(db, { userId: trainee.id, stage, lessonId, now: T0 + at, beat: { tabId: "tab-a", segments: [], position: 0, visible: true, ...b } });

describe("video heartbeats", () => {
  it("the first beat only starts the clock; then real play is credited", async () => {
    expect(await beat(video, 0, { segments: [[0, 3]] })).toMatchObject({ ok: true, credited: 0 });
    expect(await beat(video, 3, { segments: [[0, 3]] })).toMatchObject({ ok: true, credited: 3, furthest: 3 });
  });

  it("a scripted client claiming the whole video in 1 s of wall time gets at most ~1 s (+ slack)", async () => {
    await beat(video, 0);
    const r = await beat(video, 1, { segments: [[0, 8]] });
    expect(r.ok && r.credited).toBeLessThanOrEqual(3);
    expect(r.ok && r.completed).toBe(false);
  });

  it("a beat beyond the furthest point is not credited while seeking is locked", async () => {
    await beat(video, 0);
    await beat(video, 2, { segments: [[0, 2]] });
    const r = await beat(video, 12, { segments: [[6, 8]] });
    expect(r).toMatchObject({ ok: true, credited: 0, furthest: 2 });
  });

  it("retrying the same beat changes nothing", async () => {
    await beat(video, 0);
    const first = await beat(video, 3, { segments: [[0, 3]] });
    const again = await beat(video, 3, { segments: [[0, 3]] });
    expect(again).toMatchObject({ ok: true, credited: 0 });
    expect(again.ok && first.ok && again.coverage).toBe(first.ok && first.coverage);
  });

  it("completes at the coverage threshold and never goes backwards", async () => {
    await beat(video, 0);
    await beat(video, 3, { segments: [[0, 3]] });
    const done = await beat(video, 6, { segments: [[3, 6]] });
    expect(done).toMatchObject({ ok: true, completed: true });
    const later = await beat(video, 100, { segments: [] });
    expect(later).toMatchObject({ ok: true, completed: true });
    const p = (await getLessonProgress(db, trainee.id, [video])).get(video)!;
    expect(p.completed).toBe(true);
    expect(p.coverage).toBeGreaterThanOrEqual(50);
  });

  it("a long pause does not turn into credit beyond the maximum gap", async () => {
    await beat(video, 0);
    const r = await beat(video, 3600, { segments: [[0, 8]] });
    expect(r.ok && r.credited).toBe(8); // the whole 8 s video is plausible within a 60 s gap
    const db2 = await beat(reading, 4000);
    expect(db2.ok && db2.credited).toBe(0);
  });
});

describe("reading heartbeats", () => {
  it("credits visible time, capped per beat, and completes after the reading minutes", async () => {
    await beat(reading, 0);
    expect(await beat(reading, 15)).toMatchObject({ ok: true, credited: 15 });
    expect(await beat(reading, 15 + 300)).toMatchObject({ ok: true, credited: 30 }); // a hidden tab's gap is capped
    expect(await beat(reading, 330, { visible: false })).toMatchObject({ ok: true, credited: 0 });
    const r = await beat(reading, 345);
    expect(r).toMatchObject({ ok: true, completed: true, readSeconds: 60 });
  });
});

describe("one lesson at a time", () => {
  it("a second tab is told to wait until it takes over; the first then becomes the waiting one", async () => {
    await beat(video, 0);
    const other = await beat(reading, 5, { tabId: "tab-b" });
    expect(other).toMatchObject({ ok: false, reason: "busy" });
    expect(await beat(reading, 6, { tabId: "tab-b", takeover: true })).toMatchObject({ ok: true });
    expect(await beat(video, 10, { segments: [[0, 3]] })).toMatchObject({ ok: false, reason: "busy" });
  });

  it("a closed tab's release beat credits its last seconds and frees the trainee at once", async () => {
    await beat(reading, 0);
    expect(await beat(reading, 10, { release: true })).toMatchObject({ ok: true, credited: 10 });
    // The next lesson, opened a second later in a new tab, is not told "busy" and counts from its first beat.
    expect(await beat(video, 11, { tabId: "tab-b" })).toMatchObject({ ok: true, credited: 0 });
    expect(await beat(video, 14, { tabId: "tab-b", segments: [[0, 3]] })).toMatchObject({ ok: true, credited: 3 });
  });

  it("a release from a tab that does not hold the presence frees nothing", async () => {
    await beat(video, 0);
    expect(await beat(reading, 5, { tabId: "tab-b", release: true })).toMatchObject({ ok: false, reason: "busy" });
    expect(await beat(reading, 6, { tabId: "tab-c" })).toMatchObject({ ok: false, reason: "busy" });
  });

  it(
    "no mix of tabs, lessons, releases and take-overs credits more than the wall time (+ 2 s slack per credited video beat)",
    { timeout: 60_000 },
    async () => {
      // Mostly an honest page (so that time is credited at all), now and then a release, a take-over, another tab or lesson.
      const seldom = fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, { arbitrary: fc.constant(true), weight: 1 });
      // A second course like the first, so that two reading lessons could be credited for the same seconds.
      const root = fs.mkdtempSync(path.join(os.tmpdir(), "progress-"));
      fs.cpSync("tests/fixtures/e2e-courses/test-progress", path.join(root, "test-progress"), { recursive: true });
      fs.cpSync("tests/fixtures/e2e-courses/test-progress", path.join(root, "test-progress-2"), { recursive: true });
      expect((await syncCourses(db, { root })).ok).toBe(true);
      fs.rmSync(root, { recursive: true, force: true });
      const lessons = await db.selectFrom("lessons").select(["id", "key"]).execute();
      const reading2 = lessons.find((l) => l.key === "02-reading" && l.id !== reading)!.id;
      expect(await beat(reading2, 0)).toMatchObject({ ok: true });
      const step = fc.record({
        dt: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 15 }), weight: 4 }, { arbitrary: fc.integer({ min: 16, max: 90 }), weight: 1 }),
        lesson: fc.constantFrom(video, reading, reading2),
        tab: seldom.map((b) => (b ? "tab-b" : "tab-a")),
        release: seldom,
        takeover: seldom,
        from: fc.integer({ min: 0, max: 8 }),
        length: fc.integer({ min: 0, max: 8 }),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
          await db.deleteFrom("lesson_progress").execute();
          await db.deleteFrom("learning_presence").execute();
          let t = 0;
          let credited = 0;
          let slack = 0;
          for (const x of steps) {
            t += x.dt;
            const r = await beat(x.lesson, t, {
              tabId: x.tab,
              release: x.release,
              takeover: x.takeover,
              segments: x.length ? [[x.from, Math.min(8, x.from + x.length)]] : [],
            });
            if (r.ok) credited += r.credited;
            if (r.ok && x.lesson === video && r.credited > 0) slack += 2; // a video beat's allowance for timer jitter
          }
          expect(credited).toBeLessThanOrEqual(t + slack);
        }),
        { numRuns: 60 },
      );
    },
  );

  it("a stale presence (closed tab) is free to take", async () => {
    await beat(video, 0);
    expect(await beat(reading, 100, { tabId: "tab-b" })).toMatchObject({ ok: true });
  });
});

describe("visibility", () => {
  it("refuses a beat for a lesson the trainee's stage may not see", async () => {
    expect(await beat(video, 0, {}, "candidate")).toEqual({ ok: false, reason: "not_found" });
    expect(await beat(999999, 0)).toEqual({ ok: false, reason: "not_found" });
  });
});

describe("presence check (继续学习)", () => {
  it("stops crediting when a check is due, until it is answered; paused time never counts", async () => {
    await db
      .updateTable("courses")
      .set({ progress: JSON.stringify({ lock_seek: true, lock_rate: true, presence_check: true }) })
      .execute();
    await beat(reading, 0);
    await db.updateTable("lesson_progress").set({ check_after: 20 }).execute();
    await beat(reading, 15);
    const due = await beat(reading, 30);
    expect(due).toMatchObject({ ok: true, presenceCheck: true });
    expect(await beat(reading, 45)).toMatchObject({ ok: true, credited: 0, presenceCheck: true });
    await confirmPresence(db, { userId: trainee.id, lessonId: reading, now: T0 + 500 });
    expect(await beat(reading, 515)).toMatchObject({ ok: true, credited: 15, presenceCheck: false });
  });
});

describe("offline hours", () => {
  it("are recorded with the actor and audited", async () => {
    const instructor = await createTestUser(db, { orgUnitId: unitId, roles: ["instructor"], stage: "full" });
    await creditOfflineHours(
      db,
      { userId: trainee.id, courseId: null, kind: "分组研讨", hours: 2, reason: "第三小组研讨", activityDate: "2026-11-20" },
      { actorId: instructor.id },
    );
    const entry = await db.selectFrom("audit_log").selectAll().where("action", "=", "hours.offline_credit").executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(instructor.id);
    expect(JSON.parse(entry.detail!)).toMatchObject({ hours: 2, kind: "分组研讨" });
  });
});
