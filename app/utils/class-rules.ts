// The one definition of 学时 (`hoursOf`) and the completion rules of a training class (培训班): the
// composite grade, its band and what blocks 结业. Pure and table-driven (no database), so the rules are
// tested case by case and the same functions serve every page, export and certificate that shows 学时.
import { z } from "zod";

export type Band = "优秀" | "良好" | "合格" | "不合格";

export type ClassRules = {
  /** 学时 a trainee must reach (completed lessons + offline 学时 + passed assignments' 学时). */
  requiredHours: number;
  /** Every required lesson of the required courses must be complete. */
  requireAllLessons: boolean;
  /** Weights in percent of the composite; they add up to 100. */
  weights: { exam: number; assignment: number; usual: number };
  /** 平时: required-lesson completion rate × 100, or a score the instructor enters per trainee. */
  usualSource: "progress" | "manual";
  /** Composite needed to complete (0–100). */
  passLine: number;
  /** Lowest composite of each band; 不合格 is everything below 合格 (and everything below the pass line). */
  bands: { excellent: number; good: number; pass: number };
  gates: { examPassed: boolean; assignmentsPassed: boolean; noCheating: boolean };
};

export const DEFAULT_RULES: ClassRules = {
  requiredHours: 24,
  requireAllLessons: true,
  weights: { exam: 70, assignment: 20, usual: 10 },
  usualSource: "progress",
  passLine: 60,
  bands: { excellent: 90, good: 80, pass: 60 },
  gates: { examPassed: true, assignmentsPassed: true, noCheating: true },
};

const pct = (label: string) =>
  z.coerce
    .number({ invalid_type_error: `${label}必须是数字` })
    .min(0, `${label}不能小于 0`)
    .max(100, `${label}不能大于 100`);

/** The rules as stored and as the settings form sends them, with every cross-field check in Chinese. */
export const ClassRulesSchema = z
  .object({
    requiredHours: z.coerce.number({ invalid_type_error: "应修学时必须是数字" }).min(0, "应修学时不能小于 0").max(1000, "应修学时不能超过 1000"),
    requireAllLessons: z.boolean(),
    weights: z.object({ exam: pct("考试权重"), assignment: pct("作业权重"), usual: pct("平时权重") }),
    usualSource: z.enum(["progress", "manual"], { errorMap: () => ({ message: "平时成绩来源无效" }) }),
    passLine: pct("及格线"),
    bands: z.object({ excellent: pct("优秀分数线"), good: pct("良好分数线"), pass: pct("合格分数线") }),
    gates: z.object({ examPassed: z.boolean(), assignmentsPassed: z.boolean(), noCheating: z.boolean() }),
  })
  .superRefine((r, ctx) => {
    const sum = r.weights.exam + r.weights.assignment + r.weights.usual;
    if (Math.abs(sum - 100) > 1e-9)
      ctx.addIssue({ code: "custom", path: ["weights"], message: `考试、作业、平时的权重之和必须是 100%，现在是 ${round1(sum)}%` });
    if (!(r.bands.excellent > r.bands.good && r.bands.good > r.bands.pass)) {
      ctx.addIssue({ code: "custom", path: ["bands"], message: "等级分数线必须从高到低：优秀 > 良好 > 合格" });
    }
  });

// ------------------------------------------------------------------------------------------ inputs

export type LessonInput = { hours: number; required: boolean; completed: boolean };
/** An assignment of one of the class's courses; `required` when its course is a required course. */
export type AssignmentInput = {
  title: string;
  required: boolean;
  hours: number;
  maxScore: number;
  passScore: number;
  /**
   * none: never handed in; submitted: waiting for a grade; returned: sent back for revision; graded: the
   * score counts; hidden: graded blind, and the grades are not released to this viewer (a trainee) yet.
   */
  status: "none" | "submitted" | "returned" | "graded" | "hidden";
  score: number | null;
};
/** An exam that counts for the class (the final exam, or every exam of the required courses). */
export type ExamInput = {
  title: string;
  /**
   * none: no finalized attempt; pending: the counted attempt waits for manual grading; hidden: graded,
   * but the exam does not show results to this viewer yet (a trainee before the exam's review time).
   */
  status: "none" | "pending" | "graded" | "hidden";
  score: number | null;
  maxScore: number;
  passed: boolean;
};
export type ResultInputs = {
  /** Lessons of every course of the class; only required lessons of required courses block completion. */
  lessons: LessonInput[];
  offlineHours: number;
  assignments: AssignmentInput[];
  exams: ExamInput[];
  /** 平时 entered by the instructor (manual source). */
  usualScore: number | null;
  cheating: boolean;
  exception: { kind: "complete" | "fail"; reason: string } | null;
};

export type Components = { exam: number; assignment: number; usual: number };
export type ClassResult = {
  hours: number;
  requiredHours: number;
  requiredLessonsDone: number;
  requiredLessonsTotal: number;
  components: Components;
  composite: number;
  band: Band;
  /** Completes the class: all gates and the pass line, or forced by an exception. */
  passed: boolean;
  /** What stands in the way, in plain words, even when an exception overrides them. */
  blockers: string[];
  forced: "complete" | "fail" | null;
  /** The composite (and band) depend on an exam or assignment result the viewer may not see yet: views say 待公布. */
  hidden: boolean;
};

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;
const fmt = (n: number) => String(round1(n));
const percentOf = (score: number | null, max: number) => (score === null || max <= 0 ? 0 : Math.max(0, Math.min(100, (score / max) * 100)));
const average = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

const assignmentPassed = (a: Pick<AssignmentInput, "status" | "score" | "passScore">) => a.status === "graded" && a.score !== null && a.score >= a.passScore;

export type Hours = { lessons: number; assignments: number; offline: number; total: number };

/**
 * 学时, by source: completed lessons (each once, whatever the coverage beyond the threshold), assignments
 * whose current version is graded at or above the pass score (a blind grade not yet released to the viewer
 * is "hidden" and counts only once released), and offline 学时 credited by staff. Exams
 * earn no 学时 (they decide completion). The caller passes only what counts: the lessons and assignments
 * that are not archived, and the offline entries of the course(s) in question.
 */
export function hoursOf(i: {
  lessons: Pick<LessonInput, "hours" | "completed">[];
  assignments: Pick<AssignmentInput, "hours" | "status" | "score" | "passScore">[];
  offlineHours: number;
}): Hours {
  const lessons = round2(i.lessons.filter((l) => l.completed).reduce((n, l) => n + l.hours, 0));
  const assignments = round2(i.assignments.filter(assignmentPassed).reduce((n, a) => n + a.hours, 0));
  const offline = round2(i.offlineHours);
  return { lessons, assignments, offline, total: round2(lessons + assignments + offline) };
}

/** Hours added up (several courses), rounded once per source like `hoursOf`. */
export function addHours(list: Hours[]): Hours {
  const sum = (k: keyof Hours) => round2(list.reduce((n, h) => n + h[k], 0));
  const lessons = sum("lessons");
  const assignments = sum("assignments");
  const offline = sum("offline");
  return { lessons, assignments, offline, total: round2(lessons + assignments + offline) };
}

/** The band of a composite: 不合格 below the 合格 cut-off and below the pass line. */
export function bandOf(composite: number, rules: Pick<ClassRules, "bands" | "passLine">): Band {
  if (composite < rules.passLine) return "不合格";
  if (composite >= rules.bands.excellent) return "优秀";
  if (composite >= rules.bands.good) return "良好";
  if (composite >= rules.bands.pass) return "合格";
  return "不合格";
}

/**
 * 学时, composite grade, band and completion of one trainee in one class.
 * - 学时 = `hoursOf` the class's courses: completed lessons + passed assignments + offline 学时
 *   credited to those courses.
 * - Composite = exam % × w.exam + assignment % × w.assignment + 平时 × w.usual, each component 0–100:
 *   exam % is the mean of the counted exams' score/max (missing = 0), assignment % the mean over the
 *   required courses' assignments (missing or ungraded = 0), 平时 the required-lesson completion rate × 100
 *   or the instructor's score (missing = 0). Rounded to one decimal before it is compared.
 * - Completion needs 学时 ≥ required, the required lessons (if asked), composite ≥ pass line and each
 *   gate; an exception forces the outcome either way but keeps the blockers for the record.
 */
export function computeResult(inputs: ResultInputs, rules: ClassRules): ClassResult {
  const blockers: string[] = [];

  const hours = hoursOf(inputs).total;
  if (hours + 1e-9 < rules.requiredHours) blockers.push(`还差 ${fmt(rules.requiredHours - hours)} 学时`);

  const required = inputs.lessons.filter((l) => l.required);
  const requiredDone = required.filter((l) => l.completed).length;
  if (rules.requireAllLessons && requiredDone < required.length) blockers.push(`必修课还有 ${required.length - requiredDone} 讲未学完`);

  const exam = average(inputs.exams.map((e) => (e.status === "graded" ? percentOf(e.score, e.maxScore) : 0)));
  const requiredAssignments = inputs.assignments.filter((a) => a.required);
  const assignment = average(requiredAssignments.map((a) => (a.status === "graded" ? percentOf(a.score, a.maxScore) : 0)));
  const usual =
    rules.usualSource === "progress" ? (required.length ? (requiredDone / required.length) * 100 : 100) : Math.max(0, Math.min(100, inputs.usualScore ?? 0));
  const components = { exam: round1(exam), assignment: round1(assignment), usual: round1(usual) };
  const composite = round1((exam * rules.weights.exam + assignment * rules.weights.assignment + usual * rules.weights.usual) / 100);
  const band = bandOf(composite, rules);

  if (rules.gates.examPassed) {
    if (!inputs.exams.length && rules.weights.exam > 0) blockers.push("培训班没有可计分的考试");
    for (const e of inputs.exams) {
      if (e.status === "none") blockers.push(`《${e.title}》未参加`);
      else if (e.status === "pending") blockers.push(`《${e.title}》待阅卷`);
      else if (e.status === "hidden") blockers.push(`《${e.title}》成绩待公布`);
      else if (!e.passed) blockers.push(`《${e.title}》未通过`);
    }
  }
  if (rules.gates.assignmentsPassed) {
    for (const a of requiredAssignments) {
      if (a.status === "none") blockers.push(`《${a.title}》未提交`);
      else if (a.status === "returned") blockers.push(`《${a.title}》已退回修改，待重新提交`);
      else if (a.status === "submitted") blockers.push(`《${a.title}》待批改`);
      else if (a.status === "hidden") blockers.push(`《${a.title}》成绩待公布`);
      else if (!assignmentPassed(a)) blockers.push(`《${a.title}》未达合格分 ${fmt(a.passScore)}`);
    }
  }
  if (rules.usualSource === "manual" && rules.weights.usual > 0 && inputs.usualScore === null) blockers.push("平时成绩未录入");
  if (rules.gates.noCheating && inputs.cheating) blockers.push("有违纪（作弊）记录");
  // A hidden result (counted as 0 above) leaves a weighted composite unknown to the viewer: below the
  // pass line it is not judged (a composite that passes even so gives nothing away).
  const examHidden = rules.weights.exam > 0 && inputs.exams.some((e) => e.status === "hidden");
  const assignmentHidden = rules.weights.assignment > 0 && requiredAssignments.some((a) => a.status === "hidden");
  const hidden = examHidden || assignmentHidden;
  const gateSaysSo = (examHidden && rules.gates.examPassed) || (assignmentHidden && rules.gates.assignmentsPassed);
  if (hidden && composite < rules.passLine && !gateSaysSo) blockers.push(examHidden ? "考试成绩待公布" : "作业成绩待公布");
  if (!hidden && composite < rules.passLine) blockers.push(`综合成绩 ${fmt(composite)} 分，未达及格线 ${fmt(rules.passLine)} 分`);

  const forced = inputs.exception?.kind ?? null;
  if (forced === "fail") blockers.push(`组织部决定不予结业：${inputs.exception!.reason}`);
  const passed = forced === "complete" ? true : forced === "fail" ? false : blockers.length === 0;
  return {
    hours,
    requiredHours: rules.requiredHours,
    requiredLessonsDone: requiredDone,
    requiredLessonsTotal: required.length,
    components,
    composite,
    band: passed && band === "不合格" ? "合格" : band,
    passed,
    blockers,
    forced,
    hidden,
  };
}

/** "还差 3.5 学时；结业考试未通过" */
export const blockerText = (r: Pick<ClassResult, "blockers">) => r.blockers.join("；");
