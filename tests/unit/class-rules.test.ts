// computeResult: composite grade, band, 学时 and what blocks completion — case by case, no database.
import { describe, expect, it } from "vitest";
import {
  bandOf,
  blockerText,
  ClassRulesSchema,
  computeResult,
  DEFAULT_RULES,
  type AssignmentInput,
  type ClassRules,
  type ExamInput,
  type ResultInputs,
} from "../../app/utils/class-rules.ts";

const rules = (over: Partial<ClassRules> = {}): ClassRules => ({ ...DEFAULT_RULES, requiredHours: 10, ...over });

/** 4 required lessons of 2 学时 and 1 elective of 2 学时; a 2-学时 思想汇报 (pass 60 of 100); one exam of 100. */
function inputs(
  over: {
    lessonsDone?: number;
    electiveDone?: boolean;
    exam?: Partial<ExamInput> | null;
    essay?: Partial<AssignmentInput> | null;
    offline?: number;
    usual?: number | null;
    cheating?: boolean;
    exception?: ResultInputs["exception"];
  } = {},
): ResultInputs {
  const done = over.lessonsDone ?? 4;
  return {
    lessons: [
      ...Array.from({ length: 4 }, (_, i) => ({ hours: 2, required: true, completed: i < done })),
      { hours: 2, required: false, completed: over.electiveDone ?? false },
    ],
    offlineHours: over.offline ?? 0,
    assignments:
      over.essay === null ? [] : [{ title: "思想汇报", required: true, hours: 2, maxScore: 100, passScore: 60, status: "graded", score: 80, ...over.essay }],
    exams: over.exam === null ? [] : [{ title: "结业考试", status: "graded", score: 80, maxScore: 100, passed: true, ...over.exam }],
    usualScore: over.usual ?? null,
    cheating: over.cheating ?? false,
    exception: over.exception ?? null,
  };
}

type Case = {
  name: string;
  in: Parameters<typeof inputs>[0];
  rules?: Partial<ClassRules>;
  hours?: number;
  composite?: number;
  band?: string;
  passed: boolean;
  blockers?: string[];
};

// Default weights 70/20/10, pass line 60, bands 90/80/60, 平时 = required-lesson completion × 100.
const cases: Case[] = [
  { name: "everything done, 80 in both", in: {}, hours: 10, composite: 82, band: "良好", passed: true, blockers: [] },
  {
    name: "exactly at the pass line passes",
    // 0.7·x + 0.2·60 + 0.1·100 = 60  ⇒  x = 54.2857…; the exam's own pass mark is separate
    in: { exam: { score: 54.2857142857, passed: true }, essay: { score: 60 } },
    composite: 60,
    band: "合格",
    passed: true,
    blockers: [],
  },
  {
    name: "a hair under the pass line fails and says by how much",
    in: { exam: { score: 54.1, passed: true }, essay: { score: 60 } },
    composite: 59.9,
    band: "不合格",
    passed: false,
    blockers: ["综合成绩 59.9 分，未达及格线 60 分"],
  },
  {
    name: "missing 学时: one required lesson short",
    in: { lessonsDone: 3 },
    hours: 8,
    passed: false,
    blockers: ["还差 2 学时", "必修课还有 1 讲未学完"],
  },
  {
    name: "offline and elective 学时 make up for a missing lesson, but the required lesson still blocks",
    in: { lessonsDone: 3, electiveDone: true, offline: 0.5 },
    hours: 10.5,
    passed: false,
    blockers: ["必修课还有 1 讲未学完"],
  },
  {
    name: "required lessons not demanded: 学时 alone decide",
    in: { lessonsDone: 3, electiveDone: true },
    rules: { requireAllLessons: false },
    hours: 10,
    passed: true,
  },
  {
    name: "fractional shortfall in words",
    in: { lessonsDone: 4, essay: { score: 50 } },
    rules: { requiredHours: 11.5, gates: { examPassed: true, assignmentsPassed: false, noCheating: true } },
    hours: 8,
    passed: false,
    blockers: ["还差 3.5 学时"],
  },
  {
    name: "failed exam with a high composite does not complete",
    in: { exam: { score: 55, passed: false }, essay: { score: 100 } },
    rules: { weights: { exam: 30, assignment: 50, usual: 20 } },
    composite: 86.5,
    band: "良好",
    passed: false,
    blockers: ["《结业考试》未通过"],
  },
  {
    name: "failed exam is fine when the exam gate is off",
    in: { exam: { score: 55, passed: false }, essay: { score: 100 } },
    rules: { weights: { exam: 30, assignment: 50, usual: 20 }, gates: { examPassed: false, assignmentsPassed: true, noCheating: true } },
    passed: true,
  },
  {
    name: "exam not taken",
    in: { exam: { status: "none", score: null, passed: false } },
    composite: 26,
    passed: false,
    blockers: ["《结业考试》未参加", "综合成绩 26 分，未达及格线 60 分"],
  },
  {
    name: "exam waiting for manual grading",
    in: { exam: { status: "pending", score: null, passed: false } },
    passed: false,
    blockers: ["《结业考试》待阅卷", "综合成绩 26 分，未达及格线 60 分"],
  },
  {
    name: "exam result hidden from the trainee: the composite is not judged",
    in: { exam: { status: "hidden", score: null, passed: false } },
    passed: false,
    blockers: ["《结业考试》成绩待公布"],
  },
  {
    name: "hidden exam result with the exam gate off leaves a composite below the pass line open",
    in: { exam: { status: "hidden", score: null, passed: false } },
    rules: { gates: { examPassed: false, assignmentsPassed: true, noCheating: true } },
    passed: false,
    blockers: ["考试成绩待公布"],
  },
  {
    name: "hidden exam result with the exam gate off: a composite that passes even with the exam at 0 gives nothing away",
    in: { exam: { status: "hidden", score: null, passed: false }, essay: { score: 100 } },
    rules: { weights: { exam: 30, assignment: 50, usual: 20 }, gates: { examPassed: false, assignmentsPassed: true, noCheating: true } },
    passed: true,
  },
  {
    name: "blind grade not released to the trainee: its 学时 wait, and the gate says 成绩待公布 instead of a judgement",
    in: { essay: { status: "hidden", score: null } },
    hours: 8,
    passed: false,
    blockers: ["还差 2 学时", "《思想汇报》成绩待公布"],
  },
  {
    name: "blind grade not released, assignment gate off: a composite below the pass line is left open",
    in: { essay: { status: "hidden", score: null }, exam: { score: 50 } },
    rules: { gates: { examPassed: true, assignmentsPassed: false, noCheating: true } },
    hours: 8,
    passed: false,
    blockers: ["还差 2 学时", "作业成绩待公布"],
  },
  {
    name: "hidden exam result that weighs nothing: the composite is judged as usual",
    in: { exam: { status: "hidden", score: null, passed: false }, essay: { score: 40 }, offline: 2 },
    rules: { weights: { exam: 0, assignment: 80, usual: 20 }, gates: { examPassed: false, assignmentsPassed: false, noCheating: true } },
    passed: false,
    blockers: ["综合成绩 52 分，未达及格线 60 分"],
  },
  {
    name: "assignment not handed in: counts 0, no 学时, and blocks",
    in: { essay: { status: "none", score: null } },
    hours: 8,
    composite: 66,
    passed: false,
    blockers: ["还差 2 学时", "《思想汇报》未提交"],
  },
  {
    name: "assignment waiting for a grade",
    in: { essay: { status: "submitted", score: null } },
    passed: false,
    blockers: ["还差 2 学时", "《思想汇报》待批改"],
  },
  { name: "assignment below its pass score", in: { essay: { score: 50 } }, hours: 8, passed: false, blockers: ["还差 2 学时", "《思想汇报》未达合格分 60"] },
  {
    name: "assignment returned for revision",
    in: { essay: { status: "returned", score: null } },
    passed: false,
    blockers: ["还差 2 学时", "《思想汇报》已退回修改，待重新提交"],
  },
  { name: "cheating mark blocks", in: { cheating: true }, composite: 82, passed: false, blockers: ["有违纪（作弊）记录"] },
  {
    name: "cheating mark ignored when that gate is off",
    in: { cheating: true },
    rules: { gates: { examPassed: true, assignmentsPassed: true, noCheating: false } },
    passed: true,
  },
  {
    name: "exception: force complete keeps the blockers for the record",
    in: { lessonsDone: 3, exception: { kind: "complete", reason: "因病补考，线下完成" } },
    passed: true,
    blockers: ["还差 2 学时", "必修课还有 1 讲未学完"],
  },
  {
    name: "exception: force complete of a failing composite prints 合格, not 不合格",
    in: { exam: { status: "none", score: null, passed: false }, exception: { kind: "complete", reason: "线下考试已通过" } },
    composite: 26,
    band: "合格",
    passed: true,
  },
  {
    name: "exception: force not complete despite everything done",
    in: { exception: { kind: "fail", reason: "培训期间违反纪律" } },
    composite: 82,
    passed: false,
    blockers: ["组织部决定不予结业：培训期间违反纪律"],
  },
  {
    name: "manual 平时 entered",
    in: { usual: 50 },
    rules: { usualSource: "manual" },
    composite: 77,
    band: "合格",
    passed: true,
  },
  {
    name: "manual 平时 missing counts 0 and is named",
    in: {},
    rules: { usualSource: "manual" },
    composite: 72,
    passed: false,
    blockers: ["平时成绩未录入"],
  },
  {
    name: "平时 from progress: 3 of 4 required lessons = 75",
    in: { lessonsDone: 3, electiveDone: true },
    rules: { requireAllLessons: false, weights: { exam: 0, assignment: 0, usual: 100 } },
    composite: 75,
    band: "合格",
    passed: true,
  },
  {
    name: "band 优秀 at exactly 90",
    in: { exam: { score: 90 }, essay: { score: 90 } },
    rules: { weights: { exam: 50, assignment: 50, usual: 0 } },
    composite: 90,
    band: "优秀",
    passed: true,
  },
  {
    name: "band 良好 at 89.9",
    in: { exam: { score: 89.8 }, essay: { score: 90 } },
    rules: { weights: { exam: 50, assignment: 50, usual: 0 } },
    composite: 89.9,
    band: "良好",
    passed: true,
  },
  {
    name: "pass line 70 above the 合格 cut-off: 65 is 不合格",
    in: { exam: { score: 65 }, essay: { score: 65 } },
    rules: { passLine: 70, weights: { exam: 50, assignment: 50, usual: 0 } },
    composite: 65,
    band: "不合格",
    passed: false,
  },
  {
    name: "scores on other scales are percentages (exam out of 150)",
    in: { exam: { score: 120, maxScore: 150 } },
    rules: { weights: { exam: 100, assignment: 0, usual: 0 } },
    composite: 80,
    passed: true,
  },
  {
    name: "a class without exams and a positive exam weight says so",
    in: { exam: null },
    passed: false,
    blockers: ["培训班没有可计分的考试", "综合成绩 26 分，未达及格线 60 分"],
  },
];

describe("computeResult", () => {
  it.each(cases)("$name", (c) => {
    const r = computeResult(inputs(c.in), rules(c.rules));
    if (c.hours !== undefined) expect(r.hours).toBe(c.hours);
    if (c.composite !== undefined) expect(r.composite).toBe(c.composite);
    if (c.band !== undefined) expect(r.band).toBe(c.band);
    expect(r.passed).toBe(c.passed);
    if (c.blockers !== undefined) expect(r.blockers).toEqual(c.blockers);
    if (c.passed && !c.in?.exception) expect(r.blockers).toEqual([]);
  });

  it("counts assignment 学时 only when the assignment passed, and offline 学时 always", () => {
    expect(computeResult(inputs({ offline: 1.5 }), rules()).hours).toBe(11.5);
    expect(computeResult(inputs({ essay: { score: 59 } }), rules()).hours).toBe(8);
  });

  it("marks the composite hidden while a weighted exam result or blind grade is hidden from the viewer", () => {
    expect(computeResult(inputs({ essay: { status: "hidden", score: null } }), rules()).hidden).toBe(true);
    expect(computeResult(inputs({ essay: { status: "hidden", score: null } }), rules({ weights: { exam: 90, assignment: 0, usual: 10 } })).hidden).toBe(false);
    expect(computeResult(inputs(), rules()).hidden).toBe(false);
  });

  it("joins the blockers in plain words", () => {
    const r = computeResult(
      inputs({ lessonsDone: 2, exam: { score: 40, passed: false }, essay: { status: "none", score: null } }),
      rules({ requiredHours: 7.5 }),
    );
    expect(blockerText(r)).toBe("还差 3.5 学时；必修课还有 2 讲未学完；《结业考试》未通过；《思想汇报》未提交；综合成绩 33 分，未达及格线 60 分");
  });

  it("weights change the composite", () => {
    const a = computeResult(
      inputs({ exam: { score: 100 }, essay: { score: 0, status: "graded" } }),
      rules({ weights: { exam: 70, assignment: 20, usual: 10 } }),
    );
    const b = computeResult(
      inputs({ exam: { score: 100 }, essay: { score: 0, status: "graded" } }),
      rules({ weights: { exam: 40, assignment: 50, usual: 10 } }),
    );
    expect(a.composite).toBe(80);
    expect(b.composite).toBe(50);
    expect(a.components).toEqual({ exam: 100, assignment: 0, usual: 100 });
  });
});

describe("bandOf", () => {
  it.each([
    [100, "优秀"],
    [90, "优秀"],
    [89.9, "良好"],
    [80, "良好"],
    [79.9, "合格"],
    [60, "合格"],
    [59.9, "不合格"],
    [0, "不合格"],
  ])("%s → %s", (score, band) => {
    expect(bandOf(score, DEFAULT_RULES)).toBe(band);
  });
});

describe("rule validation", () => {
  const valid = { ...DEFAULT_RULES };
  it("accepts the defaults", () => {
    expect(ClassRulesSchema.safeParse(valid).success).toBe(true);
  });
  it.each([
    ["weights that do not sum to 100", { weights: { exam: 70, assignment: 20, usual: 20 } }, "权重之和必须是 100%，现在是 110%"],
    ["bands not descending", { bands: { excellent: 80, good: 90, pass: 60 } }, "优秀 > 良好 > 合格"],
    ["equal bands", { bands: { excellent: 90, good: 90, pass: 60 } }, "优秀 > 良好 > 合格"],
    ["a pass line above 100", { passLine: 101 }, "及格线不能大于 100"],
    ["a negative pass line", { passLine: -1 }, "及格线不能小于 0"],
    ["negative 学时", { requiredHours: -2 }, "应修学时不能小于 0"],
  ])("refuses %s", (_name, over, message) => {
    const r = ClassRulesSchema.safeParse({ ...valid, ...over });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message).join(" ")).toContain(message);
  });
});
