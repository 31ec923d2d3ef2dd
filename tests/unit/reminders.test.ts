// Reminders: an assignment due within 48 h reaches the trainees who have not handed it in, an exam
// opening within 24 h reaches the course's trainees; a second run (or a second instance) adds nothing,
// and only the lease holder runs a round. The audience is the visibility rule's: exactly the active
// trainees who may open the course (checked against the catalogue, which asks the same module).
import { beforeAll, describe, expect, it } from "vitest";
import { listCatalogForStage } from "../../app/models/courses.server.ts";
import { setCourseAudience } from "../../app/models/visibility.server.ts";
import { runReminderRound, sendReminders } from "../../app/models/reminders.server.ts";
import { listInbox } from "../../app/models/notifications.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser } from "../setup/db.ts";

const T = 1_800_000_000;
let db: DB;
let waiting: number, handedIn: number, otherStage: number, candidate: number, classmate: number, disabled: number, staff: number;
let courseId: number;

beforeAll(async () => {
  db = await createTestDb();
  const tree = await createTestTree(db);
  waiting = (await createTestUser(db, { orgUnitId: tree.branchA })).id;
  handedIn = (await createTestUser(db, { orgUnitId: tree.branchA })).id;
  otherStage = (await createTestUser(db, { orgUnitId: tree.branchB, stage: "probationary" })).id;
  candidate = (await createTestUser(db, { orgUnitId: tree.branchB, stage: "candidate" })).id;
  classmate = (await createTestUser(db, { orgUnitId: tree.branchA, stage: "applicant" })).id;
  disabled = (await createTestUser(db, { orgUnitId: tree.branchA })).id;
  await db.updateTable("users").set({ active: 0 }).where("id", "=", disabled).execute();
  staff = (await createTestUser(db, { orgUnitId: tree.branchA, roles: ["secretary"] })).id;
  ({ id: courseId } = await db
    .insertInto("courses")
    .values({
      slug: "rem",
      title: "提醒课",
      summary: "s",
      audience: '["activist"]',
      hours: 1,
      instructors: "[]",
      cover: null,
      published: 1,
      progress: "{}",
      intro_md: "",
      content_hash: "h",
      created_at: 1,
      updated_at: 1,
    })
    .returning("id")
    .executeTakeFirstOrThrow());
  // The rows the visibility rule reads: 入党积极分子 and 发展对象. The JSON on the course row is only the
  // display copy; here it lags behind (it still says 入党积极分子 alone), so a reader of the copy misses
  // the 发展对象.
  await setCourseAudience(db, courseId, ["activist", "candidate"]);
  await db.updateTable("courses").set({ audience: '["activist"]' }).where("id", "=", courseId).execute();
  // A class that lists the course does not open it to a member of another stage.
  const { id: classId } = await db
    .insertInto("training_classes")
    .values({
      name: "提醒班",
      kind: "activist",
      term: 1,
      host_unit_id: tree.root,
      start_date: "2027-01-01",
      end_date: "2027-02-01",
      rules: "{}",
      final_exam_id: null,
      number_format: "{seq}",
      completed_at: null,
      completed_by: null,
      created_by: null,
      created_at: 1,
      updated_at: 1,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db.insertInto("class_courses").values({ class_id: classId, course_id: courseId, position: 1 }).execute();
  await db
    .insertInto("class_members")
    .values({ class_id: classId, user_id: classmate, source: "pick", added_by: null, added_at: 1 } as never)
    .execute();
  const base = { course_id: courseId, content_hash: "h", created_at: 1, updated_at: 1 };
  const { id: assignmentId } = await db
    .insertInto("assignments")
    .values({
      ...base,
      key: "hb",
      position: 1,
      title: "思想汇报",
      kind: "思想汇报",
      due_at: T + 30 * 3600,
      cutoff_at: null,
      max_score: 100,
      pass_score: 60,
      hours: 1,
      min_length: null,
      attachments: "[]",
      max_attachment_mb: 1,
      resubmit: 0,
      body_md: "x",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("assignments")
    .values({
      ...base,
      key: "later",
      position: 2,
      title: "远期作业",
      kind: "学习心得",
      due_at: T + 72 * 3600,
      cutoff_at: null,
      max_score: 100,
      pass_score: 60,
      hours: 1,
      min_length: null,
      attachments: "[]",
      max_attachment_mb: 1,
      resubmit: 0,
      body_md: "x",
    })
    .execute();
  await db
    .insertInto("submissions")
    .values({ assignment_id: assignmentId, user_id: handedIn, status: "submitted", current_version: 1, created_at: T, updated_at: T } as never)
    .execute();
  await db
    .insertInto("exams")
    .values({
      ...base,
      key: "ks",
      position: 1,
      title: "结业考试",
      settings: JSON.stringify({ opens_at: T + 12 * 3600, closes_at: T + 96 * 3600 }),
      instructions_md: "",
    })
    .execute();
});

describe("reminders", () => {
  it("reach the right trainees once, however often they run", async () => {
    expect(await sendReminders(db, { t: T })).toBe(5);
    expect(await sendReminders(db, { t: T + 60 })).toBe(0);
    expect((await listInbox(db, waiting)).map((n) => n.kind).sort()).toEqual(["assignment_due", "exam_window"]);
    expect((await listInbox(db, handedIn)).map((n) => n.kind)).toEqual(["exam_window"]);
    expect(await listInbox(db, otherStage)).toEqual([]);
    const due = (await listInbox(db, waiting)).find((n) => n.kind === "assignment_due")!;
    expect(due.link).toBe("/courses/rem/assignments/hb");
  });

  it("go to exactly the active trainees who can see the course", async () => {
    const people = await db
      .selectFrom("users as u")
      .select(["u.id", "u.stage", "u.active"])
      .where("u.id", "in", [waiting, handedIn, otherStage, candidate, classmate, disabled, staff])
      .execute();
    const sees = new Set<number>();
    for (const p of people) {
      const roles = (await db.selectFrom("user_roles").select("role").where("user_id", "=", p.id).execute()).map((r) => r.role);
      const open = (await listCatalogForStage(db, p.stage)).some((c) => c.id === courseId);
      if (open && p.active === 1 && roles.includes("trainee")) sees.add(p.id);
    }
    expect([...sees].sort()).toEqual([waiting, handedIn, candidate].sort());
    for (const p of people) {
      const kinds = (await listInbox(db, p.id)).map((n) => n.kind);
      expect(kinds.includes("exam_window"), `user ${p.id} (${p.stage})`).toBe(sees.has(p.id));
    }
    expect((await listInbox(db, candidate)).map((n) => n.kind).sort()).toEqual(["assignment_due", "exam_window"]);
  });

  it("run on one instance at a time: the other waits for the lease", async () => {
    expect(await runReminderRound(db, "one", 600, { t: T + 100 })).toBe(0);
    expect(await runReminderRound(db, "two", 600, { t: T + 200 })).toBeNull();
    expect(await runReminderRound(db, "two", 600, { t: T + 100 + 1201 })).toBe(0);
  });
});
