// A training class over the demo course 入党积极分子培训 whose completion goes by the lessons alone
// (平时 = completion rate; the course's exam and essay do not gate), running from 30 days ago to 20 days
// ahead: what the desk journeys confirm in rounds before the end date.
import { createClass, setClassCourses, updateClassSettings } from "../../app/models/classes.server.ts";
import { DEFAULT_RULES } from "../../app/utils/class-rules.ts";
import { cstDate } from "../../app/utils/cst.ts";
import type { DB } from "../../app/utils/db.server.ts";

export const day = (offset: number) => cstDate(Math.floor(Date.now() / 1000) + offset * 86_400);

export async function lessonsOnlyClass(db: DB, input: { name: string; term: number; hostUnitId: number }, actor: { actorId: number }) {
  const course = await db.selectFrom("courses").select("id").where("slug", "=", "jijifenzi-peixun").executeTakeFirstOrThrow();
  const fields = { ...input, kind: "activist" as const, startDate: day(-30), endDate: day(20) };
  const classId = await createClass(db, fields, actor);
  await setClassCourses(db, classId, [{ courseId: course.id, required: true }], actor);
  const lessons = await db.selectFrom("lessons").select(["id", "hours", "required"]).where("course_id", "=", course.id).where("archived", "=", 0).execute();
  const required = lessons.filter((l) => l.required);
  const requiredHours = required.reduce((n, l) => n + l.hours, 0);
  const rules = {
    ...DEFAULT_RULES,
    requiredHours,
    weights: { exam: 0, assignment: 0, usual: 100 },
    gates: { examPassed: false, assignmentsPassed: false, noCheating: true },
  };
  await updateClassSettings(db, classId, { ...fields, rules, numberFormat: "{school}-{year}-{term}-{seq}", finalExamId: null }, actor);
  return { classId, required, requiredHours };
}
