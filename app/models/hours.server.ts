// What 学时 and completion are computed from, gathered once for every view: per trainee and course, the
// course's lessons (completed or not), assignments (with the state of the current submission), exams
// (with the attempt that counts) and the offline 学时 credited to it. The arithmetic itself is
// `hoursOf` in app/utils/class-rules.ts; the course page, /progress, the catalog, the training record,
// the instructor's roster and training classes (and so the ledger, dashboards and certificates) all read
// these standings, so they cannot disagree. Views for a trainee differ from staff views only by the
// blind grades not yet released (see `Audience`).
import type { AttemptStatus } from "../../db/types.ts";
import { addHours, hoursOf, type AssignmentInput, type Hours, type LessonInput } from "~/utils/class-rules.ts";
import type { ExamSettings } from "~/utils/course-types.ts";
import { now, type DB } from "~/utils/db.server.ts";
import { scoreVisible } from "./assignments.server.ts";
import { countedAttempt, resultsVisible } from "../utils/exam-rules.ts";

/**
 * Who looks: staff see every grade; a trainee's own views ("trainee") do not see a blind-graded
 * assignment's grade before the instructor releases it, so its 学时 wait for the release too, nor an
 * exam result the exam does not show yet (review after the close, or never) — unless the trainee holds
 * a valid certificate of a class with that course, which prints them anyway. `traineeSees` is that rule;
 * every trainee view (course page, exam page, 我的培训班, /progress, the record) reads it.
 */
type Audience = "staff" | "trainee";

export const traineeSees = {
  grade: (settings: { blind: boolean; releasedAt: number | null }, certified: boolean) => certified || scoreVisible(settings),
  examResult: (settings: ExamSettings, t: number, certified: boolean) => certified || resultsVisible(settings, t),
};

/** The blind-grading state of the given assignments (one without a settings row shows its grades). */
export async function gradeRelease(db: DB, assignmentIds: number[]): Promise<Map<number, { blind: boolean; releasedAt: number | null }>> {
  if (!assignmentIds.length) return new Map();
  const rows = await chunked(assignmentIds, (ids) =>
    db.selectFrom("assignment_settings").select(["assignment_id", "blind", "released_at"]).where("assignment_id", "in", ids).execute(),
  );
  return new Map(rows.map((r) => [r.assignment_id, { blind: r.blind === 1, releasedAt: r.released_at }]));
}

/** `user:course` pairs where the trainee holds a valid certificate of a class with that course. */
export async function certifiedCourses(db: DB, userIds: number[], courseIds: number[]): Promise<Set<string>> {
  if (!userIds.length || !courseIds.length) return new Set();
  const rows = await chunked(userIds, (ids) =>
    db
      .selectFrom("certificates as c")
      .innerJoin("class_courses as cc", "cc.class_id", "c.class_id")
      .select(["c.user_id", "cc.course_id"])
      .where("c.user_id", "in", ids)
      .where("c.revoked_at", "is", null)
      .where("cc.course_id", "in", courseIds)
      .execute(),
  );
  return new Set(rows.map((c) => `${c.user_id}:${c.course_id}`));
}

export type StandingLesson = LessonInput & { id: number; courseId: number };
export type StandingAssignment = AssignmentInput & { id: number; courseId: number; key: string };
export type StandingAttempt = { attempt_no: number; status: AttemptStatus; score: number | null; passed: number | null; max_score: number };
export type StandingExam = {
  id: number;
  courseId: number;
  key: string;
  title: string;
  settings: ExamSettings;
  attempts: number;
  inProgress: boolean;
  counted: StandingAttempt | null;
  /** The viewer may see the counted attempt's score and result (always for staff). */
  resultVisible: boolean;
};

export type CourseStanding = {
  courseId: number;
  lessons: StandingLesson[];
  assignments: StandingAssignment[];
  exams: StandingExam[];
  offlineHours: number;
  hours: Hours;
  lessonsDone: number;
  lessonsTotal: number;
  requiredDone: number;
  requiredTotal: number;
};

const none = [-1];

export async function chunked<T>(ids: number[], run: (ids: number[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += 500) out.push(...(await run(ids.slice(i, i + 500))));
  return out;
}

/** The state of a trainee's current submission as the rules see it; `visible`: whether the viewer may see its grade. */
export function assignmentStatus(
  s: { status: string; current_version: number; graded_version: number | null } | undefined,
  visible = true,
): AssignmentInput["status"] {
  if (!s || s.current_version === 0) return "none";
  if (s.status === "graded" && s.graded_version === s.current_version) return visible ? "graded" : "hidden";
  return s.status === "returned" ? "returned" : "submitted";
}

/**
 * Standings of each trainee in each course, in a fixed number of queries whatever the numbers (user ids
 * in chunks of 500). Archived lessons, assignments and exams do not count; every course gets a standing,
 * also one the trainee never opened.
 */
export async function courseStandings(
  db: DB,
  userIds: number[],
  courseIds: number[],
  audience: Audience = "staff",
  t = now(),
): Promise<Map<number, Map<number, CourseStanding>>> {
  const out = new Map<number, Map<number, CourseStanding>>();
  if (!userIds.length) return out;
  const inCourses = courseIds.length ? courseIds : none;
  const [lessons, assignments, exams] = await Promise.all([
    db
      .selectFrom("lessons")
      .select(["id", "course_id", "hours", "required"])
      .where("course_id", "in", inCourses)
      .where("archived", "=", 0)
      .orderBy("course_id")
      .orderBy("position")
      .execute(),
    db
      .selectFrom("assignments")
      .select(["id", "course_id", "key", "title", "hours", "max_score", "pass_score"])
      .where("course_id", "in", inCourses)
      .where("archived", "=", 0)
      .orderBy("course_id")
      .orderBy("position")
      .execute(),
    db
      .selectFrom("exams")
      .select(["id", "course_id", "key", "title", "settings"])
      .where("course_id", "in", inCourses)
      .where("archived", "=", 0)
      .orderBy("course_id")
      .orderBy("position")
      .execute(),
  ]);
  const lessonIds = lessons.length ? lessons.map((l) => l.id) : none;
  const assignmentIds = assignments.length ? assignments.map((a) => a.id) : none;
  const examIds = exams.length ? exams.map((e) => e.id) : none;
  const byUsers = <T>(run: (ids: number[]) => Promise<T[]>) => chunked(userIds, run);
  const [done, offline, submissions, attempts, gradeSettings, certifiedIn] = await Promise.all([
    byUsers((ids) =>
      db
        .selectFrom("lesson_progress")
        .select(["user_id", "lesson_id"])
        .where("user_id", "in", ids)
        .where("lesson_id", "in", lessonIds)
        .where("completed_at", "is not", null)
        .execute(),
    ),
    byUsers((ids) =>
      db
        .selectFrom("offline_hours")
        .select(["user_id", "course_id", (eb) => eb.fn.sum<number>("hours").as("hours")])
        .where("user_id", "in", ids)
        .where("course_id", "in", inCourses)
        .groupBy(["user_id", "course_id"])
        .execute(),
    ),
    byUsers((ids) =>
      db
        .selectFrom("submissions")
        .select(["user_id", "assignment_id", "status", "current_version", "graded_version", "score"])
        .where("user_id", "in", ids)
        .where("assignment_id", "in", assignmentIds)
        .execute(),
    ),
    byUsers((ids) =>
      db
        .selectFrom("exam_attempts")
        .select(["user_id", "exam_id", "attempt_no", "status", "score", "passed", "max_score"])
        .where("user_id", "in", ids)
        .where("exam_id", "in", examIds)
        .execute(),
    ),
    audience === "trainee"
      ? gradeRelease(
          db,
          assignments.map((a) => a.id),
        )
      : Promise.resolve(new Map<number, { blind: boolean; releasedAt: number | null }>()),
    audience === "trainee" ? certifiedCourses(db, userIds, courseIds) : Promise.resolve(new Set<string>()),
  ]);
  const doneSet = new Set(done.map((d) => `${d.user_id}:${d.lesson_id}`));
  const offlineBy = new Map(offline.map((o) => [`${o.user_id}:${o.course_id}`, Number(o.hours ?? 0)]));
  const subBy = new Map(submissions.map((s) => [`${s.user_id}:${s.assignment_id}`, s]));
  const attemptsBy = new Map<string, typeof attempts>();
  for (const a of attempts) attemptsBy.set(`${a.user_id}:${a.exam_id}`, [...(attemptsBy.get(`${a.user_id}:${a.exam_id}`) ?? []), a]);
  const settings = new Map(exams.map((e) => [e.id, JSON.parse(e.settings) as ExamSettings]));

  for (const userId of userIds) {
    const mine = new Map<number, CourseStanding>();
    for (const courseId of courseIds) {
      const ls: StandingLesson[] = lessons
        .filter((l) => l.course_id === courseId)
        .map((l) => ({ id: l.id, courseId, hours: l.hours, required: l.required === 1, completed: doneSet.has(`${userId}:${l.id}`) }));
      const as: StandingAssignment[] = assignments
        .filter((a) => a.course_id === courseId)
        .map((a) => {
          const s = subBy.get(`${userId}:${a.id}`);
          const shown = gradeSettings.get(a.id);
          const status = assignmentStatus(s, !shown || traineeSees.grade(shown, certifiedIn.has(`${userId}:${courseId}`)));
          return {
            id: a.id,
            courseId,
            key: a.key,
            title: a.title,
            required: true,
            hours: a.hours,
            maxScore: a.max_score,
            passScore: a.pass_score,
            status,
            score: status === "graded" ? s!.score : null,
          };
        });
      const es: StandingExam[] = exams
        .filter((e) => e.course_id === courseId)
        .map((e) => {
          const mineA = attemptsBy.get(`${userId}:${e.id}`) ?? [];
          const s = settings.get(e.id)!;
          return {
            id: e.id,
            courseId,
            key: e.key,
            title: e.title,
            settings: s,
            attempts: mineA.length,
            inProgress: mineA.some((a) => a.status === "in_progress"),
            counted: countedAttempt(mineA, s.counts),
            resultVisible: audience === "staff" || traineeSees.examResult(s, t, certifiedIn.has(`${userId}:${courseId}`)),
          };
        });
      const offlineHours = offlineBy.get(`${userId}:${courseId}`) ?? 0;
      const required = ls.filter((l) => l.required);
      mine.set(courseId, {
        courseId,
        lessons: ls,
        assignments: as,
        exams: es,
        offlineHours,
        hours: hoursOf({ lessons: ls, assignments: as, offlineHours }),
        lessonsDone: ls.filter((l) => l.completed).length,
        lessonsTotal: ls.length,
        requiredDone: required.filter((l) => l.completed).length,
        requiredTotal: required.length,
      });
    }
    out.set(userId, mine);
  }
  return out;
}

/** One trainee's standing in each of the given courses, as they see it themselves unless staff look. */
export async function myCourseStandings(
  db: DB,
  userId: number,
  courseIds: number[],
  audience: Audience = "trainee",
  t = now(),
): Promise<Map<number, CourseStanding>> {
  return (await courseStandings(db, [userId], courseIds, audience, t)).get(userId) ?? new Map();
}

/** Ids of every course the trainee has anything in: a class, progress, offline 学时, an exam attempt or a submission. */
async function courseIdsOf(db: DB, userId: number): Promise<number[]> {
  const [byClass, byLesson, byOffline, byExam, byAssignment] = await Promise.all([
    db
      .selectFrom("class_courses as cc")
      .innerJoin("class_members as m", "m.class_id", "cc.class_id")
      .select("cc.course_id as id")
      .where("m.user_id", "=", userId)
      .execute(),
    db
      .selectFrom("lesson_progress as p")
      .innerJoin("lessons as l", "l.id", "p.lesson_id")
      .select("l.course_id as id")
      .where("p.user_id", "=", userId)
      .execute(),
    db.selectFrom("offline_hours").select("course_id as id").where("user_id", "=", userId).where("course_id", "is not", null).execute(),
    db.selectFrom("exam_attempts as a").innerJoin("exams as e", "e.id", "a.exam_id").select("e.course_id as id").where("a.user_id", "=", userId).execute(),
    db
      .selectFrom("submissions as s")
      .innerJoin("assignments as a", "a.id", "s.assignment_id")
      .select("a.course_id as id")
      .where("s.user_id", "=", userId)
      .where("s.current_version", ">", 0)
      .execute(),
  ]);
  return [...new Set([...byClass, ...byLesson, ...byOffline, ...byExam, ...byAssignment].map((r) => r.id as number))];
}

/**
 * A trainee's 累计学时: every course they have anything in, plus offline 学时 credited to no course.
 * The training record and /progress show this total.
 */
export async function traineeHours(db: DB, userId: number, audience: Audience = "trainee", t = now()) {
  const courseIds = await courseIdsOf(db, userId);
  const courses = await myCourseStandings(db, userId, courseIds, audience, t);
  const loose = await db
    .selectFrom("offline_hours")
    .select((eb) => eb.fn.sum<number>("hours").as("hours"))
    .where("user_id", "=", userId)
    .where("course_id", "is", null)
    .executeTakeFirst();
  const unassignedOffline = Number(loose?.hours ?? 0);
  const total = addHours([...[...courses.values()].map((c) => c.hours), { lessons: 0, assignments: 0, offline: unassignedOffline, total: unassignedOffline }]);
  return { courseIds, courses, unassignedOffline, total };
}
