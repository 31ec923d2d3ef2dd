// Training-class fixtures: a class over the sample course (two required lessons of 2 and 1.5 学时, an
// elective lesson, a 2-学时 思想汇报, the 结业考试) and rows that say a trainee did the work.
import { expect } from "vitest";
import { syncCourses } from "../../app/models/courses.server.ts";
import { createClass, setClassCourses, updateClassSettings, getClassRow } from "../../app/models/classes.server.ts";
import { DEFAULT_RULES, type ClassRules } from "../../app/utils/class-rules.ts";
import type { DB } from "../../app/utils/db.server.ts";
import type { Storage } from "../../app/utils/storage.server.ts";
import { createTestDb, createTestTree, createTestUser, testContext } from "./db.ts";

export const SAMPLE_SLUG = "sample";

async function syncSample(db: DB, storage: Storage) {
  const r = await syncCourses(db, { root: "tests/fixtures/courses", storage });
  expect(r.ok).toBe(true);
  return db.selectFrom("courses").select(["id"]).where("slug", "=", SAMPLE_SLUG).executeTakeFirstOrThrow();
}

/** A class of the sample course with rules that the sample course can meet (5.5 学时). */
export async function makeClass(
  db: DB,
  opts: {
    adminId: number;
    hostUnitId: number;
    courseId: number;
    term?: number;
    name?: string;
    kind?: "activist" | "candidate";
    rules?: Partial<ClassRules>;
    numberFormat?: string;
  },
) {
  const actor = { actorId: opts.adminId };
  const fields = {
    name: opts.name ?? `2026年秋季第${opts.term ?? 12}期入党积极分子培训班`,
    kind: opts.kind ?? ("activist" as const),
    term: opts.term ?? 12,
    hostUnitId: opts.hostUnitId,
    startDate: "2026-09-01",
    endDate: "2026-11-30",
  };
  const id = await createClass(db, fields, actor);
  await setClassCourses(db, id, [{ courseId: opts.courseId, required: true }], actor);
  await updateClassSettings(
    db,
    id,
    {
      ...fields,
      rules: { ...DEFAULT_RULES, requiredHours: 5.5, ...opts.rules },
      numberFormat: opts.numberFormat ?? "{school}-{year}-{term}-{seq}",
      finalExamId: null,
    },
    actor,
  );
  return (await getClassRow(db, id))!;
}

/** Required lessons completed, the 思想汇报 graded `essay`, and one graded exam attempt of `exam`% (pass at 50%). */
export async function didTheWork(
  db: DB,
  userId: number,
  courseId: number,
  opts: { essay?: number; exam?: number; lessons?: "required" | "all" | "none" } = {},
) {
  const t = 1_790_000_000;
  const lessons = await db.selectFrom("lessons").select(["id", "required"]).where("course_id", "=", courseId).where("archived", "=", 0).execute();
  for (const l of lessons) {
    if (opts.lessons === "none" || (opts.lessons !== "all" && !l.required)) continue;
    await db.insertInto("lesson_progress").values({ user_id: userId, lesson_id: l.id, completed_at: t, updated_at: t, seconds_credited: 600 }).execute();
  }
  const a = await db.selectFrom("assignments").select(["id"]).where("course_id", "=", courseId).executeTakeFirstOrThrow();
  if (opts.essay !== undefined) {
    await db
      .insertInto("submissions")
      .values({
        assignment_id: a.id,
        user_id: userId,
        status: "graded",
        current_version: 1,
        graded_version: 1,
        raw_score: opts.essay,
        score: opts.essay,
        created_at: t,
        updated_at: t,
      })
      .execute();
  }
  const e = await db.selectFrom("exams").select(["id"]).where("course_id", "=", courseId).executeTakeFirstOrThrow();
  if (opts.exam !== undefined) {
    await db
      .insertInto("exam_attempts")
      .values({
        exam_id: e.id,
        user_id: userId,
        attempt_no: 1,
        started_at: t,
        deadline_at: t + 2400,
        grace_seconds: 30,
        submitted_at: t + 1200,
        finalized_by: "user",
        status: "graded",
        max_score: 100,
        auto_score: opts.exam,
        score: opts.exam,
        passed: opts.exam >= 50 ? 1 : 0,
      })
      .execute();
  }
}

/**
 * A fresh database with the test tree, the people the class tests need (trainees in both 二级党委, a
 * 发展对象, a secretary of each 二级党委, the sample course's instructor js001 and another instructor),
 * the sample course and a class over it.
 */
export async function classWorld() {
  const db = await createTestDb();
  const ctx = testContext(db);
  const tree = await createTestTree(db);
  const users = {
    admin: await createTestUser(db, { orgUnitId: tree.root, roles: ["admin"], stage: "full" }),
    traineeA: await createTestUser(db, { orgUnitId: tree.branchA, name: "张晓明", username: "2023001" }),
    traineeA2: await createTestUser(db, { orgUnitId: tree.branchA, name: "陈思雨", username: "2023002" }),
    candidateA: await createTestUser(db, { orgUnitId: tree.branchA, name: "李文静", username: "2022015", stage: "candidate" }),
    traineeB: await createTestUser(db, { orgUnitId: tree.branchB, name: "刘子涵", username: "2023101" }),
    secretaryA: await createTestUser(db, { orgUnitId: tree.subA, roles: ["secretary"], stage: "full" }),
    secretaryB: await createTestUser(db, { orgUnitId: tree.subB, roles: ["secretary"], stage: "full" }),
    instructor: await createTestUser(db, { orgUnitId: tree.branchA, roles: ["instructor"], stage: "full", username: "js001" }),
    otherInstructor: await createTestUser(db, { orgUnitId: tree.branchA, roles: ["instructor"], stage: "full", username: "js999" }),
  };
  const courseId = (await syncSample(db, ctx.storage)).id;
  const cls = await makeClass(db, { adminId: users.admin.id, hostUnitId: tree.root, courseId });
  return { db, ctx, tree, users, courseId, cls };
}
export type ClassWorld = Awaited<ReturnType<typeof classWorld>>;
