// Reminders: an assignment due within 48 h reaches the trainees who have not handed it in, an exam
// opening within 24 h reaches the course's trainees; a second run (or a second instance) adds nothing,
// and only the lease holder runs a round.
import { beforeAll, describe, expect, it } from "vitest";
import { runReminderRound, sendReminders } from "../../app/models/reminders.server.ts";
import { listInbox } from "../../app/models/notifications.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser } from "../setup/db.ts";

const T = 1_800_000_000;
let db: DB;
let waiting: number, handedIn: number, otherStage: number;

beforeAll(async () => {
  db = await createTestDb();
  const tree = await createTestTree(db);
  waiting = (await createTestUser(db, { orgUnitId: tree.branchA })).id;
  handedIn = (await createTestUser(db, { orgUnitId: tree.branchA })).id;
  otherStage = (await createTestUser(db, { orgUnitId: tree.branchB, stage: "probationary" })).id;
  const { id: courseId } = await db
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
    .executeTakeFirstOrThrow();
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
    expect(await sendReminders(db, { t: T })).toBe(3);
    expect(await sendReminders(db, { t: T + 60 })).toBe(0);
    expect((await listInbox(db, waiting)).map((n) => n.kind).sort()).toEqual(["assignment_due", "exam_window"]);
    expect((await listInbox(db, handedIn)).map((n) => n.kind)).toEqual(["exam_window"]);
    expect(await listInbox(db, otherStage)).toEqual([]);
    const due = (await listInbox(db, waiting)).find((n) => n.kind === "assignment_due")!;
    expect(due.link).toBe("/courses/rem/assignments/hb");
  });

  it("run on one instance at a time: the other waits for the lease", async () => {
    expect(await runReminderRound(db, "one", 600, { t: T + 100 })).toBe(0);
    expect(await runReminderRound(db, "two", 600, { t: T + 200 })).toBeNull();
    expect(await runReminderRound(db, "two", 600, { t: T + 100 + 1201 })).toBe(0);
  });
});
