// Reminders: an assignment due within 48 h (to trainees who have not handed it in) and an exam whose
// window opens or closes within 24 h (to the course's trainees; for the close, those who have not sat
// it). Each reminder's idempotency key names the event, so a second run — or a second instance — adds
// nothing; the scheduler's lease only saves the duplicate work.
import { notify, type NewNotification, type NotifyOptions } from "~/models/notifications.server.ts";
import { takeLease } from "~/models/job-leases.server.ts";
import { openToUserSql } from "~/models/visibility.server.ts";
import { formatDateTime } from "~/utils/cst.ts";
import { now as nowSeconds, type DB } from "~/utils/db.server.ts";

const REMINDER_WINDOWS = { assignmentDue: 48 * 3600, examWindow: 24 * 3600 };

/** The active trainees who can see the course (the visibility rule, in SQL): exactly those a reminder is for. */
async function audienceOf(db: DB, courseId: number): Promise<number[]> {
  const rows = await db
    .selectFrom("users as u")
    .innerJoin("courses as c", (j) => j.on("c.id", "=", courseId))
    .select("u.id")
    .where("u.active", "=", 1)
    .where((eb) => eb.exists(eb.selectFrom("user_roles as r").select("r.user_id").whereRef("r.user_id", "=", "u.id").where("r.role", "=", "trainee")))
    .where(openToUserSql("c", "u"))
    .execute();
  return rows.map((r) => r.id);
}

export async function sendReminders(db: DB, opts: NotifyOptions = {}): Promise<number> {
  const t = opts.t ?? nowSeconds();
  const courses = await db.selectFrom("courses").select(["id", "slug", "title"]).where("published", "=", 1).where("archived", "=", 0).execute();
  const byId = new Map(courses.map((c) => [c.id, c]));
  const audience = new Map<number, number[]>();
  const traineesOf = async (courseId: number) => audience.get(courseId) ?? audience.set(courseId, await audienceOf(db, courseId)).get(courseId)!;
  const items: NewNotification[] = [];

  const due = await db
    .selectFrom("assignments")
    .select(["id", "course_id", "key", "title", "due_at"])
    .where("archived", "=", 0)
    .where("due_at", ">", t)
    .where("due_at", "<=", t + REMINDER_WINDOWS.assignmentDue)
    .execute();
  for (const a of due) {
    const course = byId.get(a.course_id);
    if (!course) continue;
    const handedIn = new Set(
      (await db.selectFrom("submissions").select("user_id").where("assignment_id", "=", a.id).where("status", "in", ["submitted", "graded"]).execute()).map(
        (r) => r.user_id,
      ),
    );
    for (const userId of await traineesOf(a.course_id)) {
      if (handedIn.has(userId)) continue;
      items.push({
        userId,
        kind: "assignment_due",
        title: `《${a.title}》将于 ${formatDateTime(a.due_at!)} 截止`,
        body: `课程“${course.title}”的作业尚未提交，请按时完成。`,
        link: `/courses/${course.slug}/assignments/${a.key}`,
        key: `assignment:${a.id}:due`,
      });
    }
  }

  const exams = await db.selectFrom("exams").select(["id", "course_id", "key", "title", "settings"]).where("archived", "=", 0).execute();
  for (const e of exams) {
    const course = byId.get(e.course_id);
    if (!course) continue;
    const s = JSON.parse(e.settings) as { opens_at?: number | null; closes_at?: number | null };
    const soon = (x: number | null | undefined) => typeof x === "number" && x > t && x <= t + REMINDER_WINDOWS.examWindow;
    const link = `/courses/${course.slug}/exams/${e.key}`;
    if (soon(s.opens_at)) {
      for (const userId of await traineesOf(e.course_id))
        items.push({
          userId,
          kind: "exam_window",
          title: `考试“${e.title}”将于 ${formatDateTime(s.opens_at!)} 开始`,
          body: `课程“${course.title}”。`,
          link,
          key: `exam:${e.id}:opens`,
        });
    }
    if (soon(s.closes_at)) {
      const sat = new Set(
        (await db.selectFrom("exam_attempts").select("user_id").where("exam_id", "=", e.id).where("status", "!=", "in_progress").execute()).map(
          (r) => r.user_id,
        ),
      );
      for (const userId of await traineesOf(e.course_id)) {
        if (!sat.has(userId))
          items.push({
            userId,
            kind: "exam_window",
            title: `考试“${e.title}”将于 ${formatDateTime(s.closes_at!)} 结束`,
            body: `课程“${course.title}”，您还没有交卷。`,
            link,
            key: `exam:${e.id}:closes`,
          });
      }
    }
  }
  // Grouped by kind so each call looks preferences up once.
  let created = 0;
  for (const kind of ["assignment_due", "exam_window"] as const)
    created += await notify(
      db,
      items.filter((i) => i.kind === kind),
      { ...opts, t },
    );
  return created;
}

/** One scheduler round: only the instance holding the lease runs it. */
export async function runReminderRound(db: DB, owner: string, intervalSeconds: number, opts: NotifyOptions = {}): Promise<number | null> {
  const t = opts.t ?? nowSeconds();
  if (!(await takeLease(db, "reminders", owner, intervalSeconds * 2, t))) return null;
  return sendReminders(db, { ...opts, t });
}
