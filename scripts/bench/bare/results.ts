// The baseline's class standings: the same queries as classResults (app/models/classes.server.ts) written
// as better-sqlite3 statements, and the same pure rules (computeResult, countedAttempt) on their rows.
// Used by the bare ledger export and the bare completion confirmation.
import type Sqlite from "better-sqlite3";
import { countedAttempt } from "../../../app/utils/exam-rules.ts";
import { computeResult, DEFAULT_RULES, type AssignmentInput, type ClassResult, type ClassRules, type ExamInput } from "../../../app/utils/class-rules.ts";
import type { AttemptStatus, OrgKind } from "../../../db/types.ts";

type BareClass = {
  id: number;
  name: string;
  kind: string;
  term: number;
  start_date: string;
  end_date: string;
  number_format: string;
  final_exam_id: number | null;
  completed_at: number | null;
  rules: ClassRules;
};

/** What a class member row adds to the work done (平时, cheating, exception). */
export type MemberInputs = {
  user_id: number;
  usual_score: number | null;
  cheating: number;
  exception: "complete" | "fail" | null;
  exception_reason: string | null;
};

const ids = (xs: number[]) => JSON.stringify(xs);
const IN = "(select value from json_each(?))";

export function bareResults(db: Sqlite.Database) {
  const q = {
    cls: db.prepare("select id, name, kind, term, start_date, end_date, number_format, final_exam_id, completed_at, rules from training_classes where id = ?"),
    courses: db.prepare("select course_id, required from class_courses where class_id = ?"),
    lessons: db.prepare(`select id, course_id, hours, required from lessons where course_id in ${IN} and archived = 0`),
    assignments: db.prepare(
      `select id, course_id, title, hours, max_score, pass_score from assignments where course_id in ${IN} and archived = 0 order by course_id, position`,
    ),
    courseExams: db.prepare(`select id, title, settings from exams where archived = 0 and course_id in ${IN} order by course_id, position`),
    finalExam: db.prepare("select id, title, settings from exams where archived = 0 and id = ?"),
    done: db.prepare(`select user_id, lesson_id from lesson_progress where user_id in ${IN} and lesson_id in ${IN} and completed_at is not null`),
    offline: db.prepare(`select user_id, sum(hours) as hours from offline_hours where user_id in ${IN} and course_id in ${IN} group by user_id`),
    submissions: db.prepare(
      `select user_id, assignment_id, status, current_version, graded_version, score from submissions where user_id in ${IN} and assignment_id in ${IN}`,
    ),
    attempts: db.prepare(
      `select user_id, exam_id, attempt_no, status, score, passed, max_score from exam_attempts where user_id in ${IN} and exam_id in ${IN}`,
    ),
    units: db.prepare("select id, name, kind from org_units"),
  };

  function classOf(id: number): BareClass | undefined {
    const row = q.cls.get(id) as (Omit<BareClass, "rules"> & { rules: string }) | undefined;
    return row && { ...row, rules: { ...DEFAULT_RULES, ...(JSON.parse(row.rules) as ClassRules) } };
  }

  /** What every member's standing in a class needs besides the member's own rows (read once per class). */
  function classContext(cls: BareClass) {
    const courses = q.courses.all(cls.id) as { course_id: number; required: number }[];
    const courseIds = courses.map((c) => c.course_id);
    const requiredCourse = new Set(courses.filter((c) => c.required === 1).map((c) => c.course_id));
    const lessons = q.lessons.all(ids(courseIds)) as { id: number; course_id: number; hours: number; required: number }[];
    const assignments = q.assignments.all(ids(courseIds)) as {
      id: number;
      course_id: number;
      title: string;
      hours: number;
      max_score: number;
      pass_score: number;
    }[];
    const exams = (cls.final_exam_id !== null ? q.finalExam.all(cls.final_exam_id) : q.courseExams.all(ids([...requiredCourse]))) as {
      id: number;
      title: string;
      settings: string;
    }[];
    const counts = new Map(exams.map((e) => [e.id, (JSON.parse(e.settings) as { counts: "best" | "last" }).counts]));
    return { cls, courseIds, requiredCourse, lessons, assignments, exams, counts };
  }

  /** computeResult for each member, from four queries over the members' ids. */
  function results(ctx: ReturnType<typeof classContext>, members: MemberInputs[]): Map<number, ClassResult> {
    const userIds = ids(members.map((m) => m.user_id));
    const done = new Set(
      (q.done.all(userIds, ids(ctx.lessons.map((l) => l.id))) as { user_id: number; lesson_id: number }[]).map((d) => `${d.user_id}:${d.lesson_id}`),
    );
    const offline = new Map(
      (q.offline.all(userIds, ids(ctx.courseIds)) as { user_id: number; hours: number | null }[]).map((o) => [o.user_id, Number(o.hours ?? 0)]),
    );
    type Sub = { user_id: number; assignment_id: number; status: string; current_version: number; graded_version: number | null; score: number | null };
    const subs = new Map((q.submissions.all(userIds, ids(ctx.assignments.map((a) => a.id))) as Sub[]).map((s) => [`${s.user_id}:${s.assignment_id}`, s]));
    type Attempt = {
      user_id: number;
      exam_id: number;
      attempt_no: number;
      status: AttemptStatus;
      score: number | null;
      passed: number | null;
      max_score: number;
    };
    const attempts = new Map<string, Attempt[]>();
    for (const a of q.attempts.all(userIds, ids(ctx.exams.map((e) => e.id))) as Attempt[]) {
      const k = `${a.user_id}:${a.exam_id}`;
      attempts.set(k, [...(attempts.get(k) ?? []), a]);
    }
    const out = new Map<number, ClassResult>();
    for (const m of members) {
      const assignments: AssignmentInput[] = ctx.assignments.map((a) => {
        const s = subs.get(`${m.user_id}:${a.id}`);
        const graded = s?.status === "graded" && s.graded_version === s.current_version;
        const status: AssignmentInput["status"] =
          !s || s.current_version === 0 ? "none" : graded ? "graded" : s.status === "returned" ? "returned" : "submitted";
        return {
          title: a.title,
          required: ctx.requiredCourse.has(a.course_id),
          hours: a.hours,
          maxScore: a.max_score,
          passScore: a.pass_score,
          status,
          score: graded ? s!.score : null,
        };
      });
      const exams: ExamInput[] = ctx.exams.map((e) => {
        const counted = countedAttempt(attempts.get(`${m.user_id}:${e.id}`) ?? [], ctx.counts.get(e.id)!);
        if (!counted) return { title: e.title, status: "none", score: null, maxScore: 0, passed: false };
        const pending = counted.status !== "graded";
        return {
          title: e.title,
          status: pending ? "pending" : "graded",
          score: pending ? null : counted.score,
          maxScore: counted.max_score,
          passed: !pending && counted.passed === 1,
        };
      });
      const inputs = {
        lessons: ctx.lessons.map((l) => ({
          hours: l.hours,
          required: ctx.requiredCourse.has(l.course_id) && l.required === 1,
          completed: done.has(`${m.user_id}:${l.id}`),
        })),
        offlineHours: offline.get(m.user_id) ?? 0,
        assignments,
        exams,
        usualScore: m.usual_score,
        cheating: m.cheating === 1,
        exception: m.exception ? { kind: m.exception, reason: m.exception_reason ?? "" } : null,
      };
      out.set(m.user_id, computeResult(inputs, ctx.cls.rules));
    }
    return out;
  }

  /** The units on a unit path (`/1/5/9/`), root first, from one read of the tree. */
  function unitChains() {
    const units = new Map((q.units.all() as { id: number; name: string; kind: OrgKind }[]).map((u) => [u.id, u]));
    return (path: string) =>
      path
        .split("/")
        .filter(Boolean)
        .map((id) => units.get(Number(id)));
  }

  return { classOf, classContext, results, unitChains };
}
