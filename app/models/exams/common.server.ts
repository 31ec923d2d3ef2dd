// What the exam modules share: the error type, who is asking, the exam row with its course, and the
// visibility of an exam (the course rule lives in ../visibility.server.ts).
import type { Role, Stage } from "../../../db/types.ts";
import { courseFromRow, openToStage, seesEverything } from "../visibility.server.ts";
import type { ExamSettings } from "~/utils/course-types.ts";
import type { DB } from "~/utils/db.server.ts";

export class ExamError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 | 409 | 410 = 409,
  ) {
    super(message);
  }
}

export type ExamViewer = { id: number; username: string; stage: Stage; roles: readonly Role[] };

export const parseSettings = (json: string) => JSON.parse(json) as ExamSettings;

export const EXAM_COLUMNS = [
  "e.id",
  "e.key",
  "e.title",
  "e.settings",
  "e.instructions_md",
  "e.archived",
  "e.course_id",
  "c.slug as course_slug",
  "c.title as course_title",
] as const;

export async function examById(db: DB, examId: number) {
  return db
    .selectFrom("exams as e")
    .innerJoin("courses as c", "c.id", "e.course_id")
    .select([...EXAM_COLUMNS, "c.published", "c.archived as course_archived", "c.audience", "c.instructors"])
    .where("e.id", "=", examId)
    .executeTakeFirst();
}

type CourseVisibility = { published: number; course_archived: number; audience: string; instructors: string };

/** Staff of the course see every exam; a trainee a current exam of a course open to their stage. */
export function visibleTo(row: CourseVisibility & { archived: number }, viewer: ExamViewer): boolean {
  const course = courseFromRow({ ...row, archived: row.course_archived });
  return seesEverything(course, viewer) || (row.archived === 0 && openToStage(course, viewer.stage));
}

export async function viewerById(db: DB, userId: number): Promise<ExamViewer | undefined> {
  const user = await db.selectFrom("users").select(["id", "username", "stage"]).where("id", "=", userId).where("active", "=", 1).executeTakeFirst();
  if (!user) return undefined;
  const roles = await db.selectFrom("user_roles").select("role").where("user_id", "=", userId).execute();
  return { ...user, roles: roles.map((r) => r.role) };
}

export async function overrideFor(db: DB, examId: number, userId: number) {
  return db
    .selectFrom("exam_overrides")
    .select(["extra_minutes", "extra_attempts", "reason"])
    .where("exam_id", "=", examId)
    .where("user_id", "=", userId)
    .executeTakeFirst();
}

const ATTEMPT_TIMING = ["a.id", "a.status", "a.deadline_at", "a.grace_seconds", "a.exam_id"] as const;

export async function attemptForUser(db: DB, attemptId: number, userId: number) {
  return db.selectFrom("exam_attempts as a").select(ATTEMPT_TIMING).where("a.id", "=", attemptId).where("a.user_id", "=", userId).executeTakeFirst();
}
