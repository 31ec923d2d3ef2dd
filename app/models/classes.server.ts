// Training classes (培训班, 期次): settings and completion rules, the courses in a class, enrollment
// (by picking, by org unit, from a 学号 list, carried over from the previous 期次), and each trainee's
// standing computed by the pure rules in app/utils/class-rules.ts from what courses, progress, exams
// and assignments recorded. Reads are scoped: admins see every class and row, instructors the classes
// with their courses, secretaries their subtree's rows, trainees their own row.
import Papa from "papaparse";
import { z } from "zod";
import { CLASS_KINDS, type ClassKind, type Role, type Stage } from "../../db/types.ts";
import { candidateRuleWarning, type ExceptionBasis } from "~/utils/completion.ts";
import {
  computeResult,
  ClassRulesSchema,
  DEFAULT_RULES,
  type AssignmentInput,
  type ClassResult,
  type ClassRules,
  type ExamInput,
  type ResultInputs,
} from "~/utils/class-rules.ts";
import { isUniqueViolation, likeContains, now as nowSeconds, writeTransaction, inSubtree, type DB } from "~/utils/db.server.ts";
import { text } from "~/utils/forms.server.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";
import { rosterField } from "~/utils/roster-import.server.ts";
import { sniff } from "~/utils/sniff.server.ts";
import { cellText, decodeUploadedText, loadUploadedWorkbook, restoreCell } from "~/utils/spreadsheet.server.ts";
import { audit } from "./audit.server.ts";
import { chunked, courseStandings } from "./hours.server.ts";
import { namesInstructor } from "./visibility.server.ts";
import { cstDate } from "~/utils/cst.ts";

export type ClassViewer = { id: number; username: string; stage: Stage; roles: readonly Role[]; org_unit_id: number };
type Actor = { actorId: number; ip?: string | null };

/** A refusal the user should read (Chinese); routes turn it into a 400/404/409 with the message. */
export class ClassError extends Error {
  constructor(
    message: string,
    public status: 400 | 404 | 409 = 400,
    /** The form field at fault, when there is one. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const CLASS_KIND_LABEL: Record<ClassKind, string> = {
  activist: STAGE_LABEL.activist,
  candidate: STAGE_LABEL.candidate,
  probationary: STAGE_LABEL.probationary,
};

const DEFAULT_NUMBER_FORMAT = "{school}-{year}-{term}-{seq}";

const NUMBER_TOKENS = ["{school}", "{year}", "{term}", "{seq}"];

/** A number format's problem in words, or null: {seq} exactly once, known tokens, printable characters. */
function numberFormatProblem(format: string): string | null {
  if (format.split("{seq}").length !== 2) return "证书编号格式必须包含且只包含一个 {seq}（序号）";
  const unknown = (format.match(/\{[^}]*\}/g) ?? []).filter((t) => !NUMBER_TOKENS.includes(t));
  if (unknown.length) return `证书编号格式中有未知的占位符：${unknown.join("、")}（可用 {school} {year} {term} {seq}）`;
  const rest = format.replace(/\{(school|year|term|seq)\}/g, "");
  if (/[^A-Za-z0-9\-_./（）()\u4e00-\u9fff]/.test(rest)) return "证书编号格式只能包含字母、数字、汉字和 - _ . / ( )";
  return null;
}

// ------------------------------------------------------------------------------------------ class rows

const CLASS_COLUMNS = [
  "id",
  "name",
  "kind",
  "term",
  "host_unit_id",
  "start_date",
  "end_date",
  "rules",
  "final_exam_id",
  "number_format",
  "completed_at",
  "completed_by",
  "created_at",
  "updated_at",
] as const;

type ClassRow = {
  id: number;
  name: string;
  kind: ClassKind;
  term: number;
  host_unit_id: number;
  start_date: string;
  end_date: string;
  rules: string;
  final_exam_id: number | null;
  number_format: string;
  completed_at: number | null;
  completed_by: number | null;
  created_at: number;
  updated_at: number;
};

function toClassView(row: ClassRow & { host_unit_name: string }) {
  return { ...row, rules: { ...DEFAULT_RULES, ...(JSON.parse(row.rules) as ClassRules) } };
}
export type ClassView = ReturnType<typeof toClassView>;

function classQuery(db: DB) {
  return db
    .selectFrom("training_classes as k")
    .innerJoin("org_units as h", "h.id", "k.host_unit_id")
    .select(CLASS_COLUMNS.map((c) => `k.${c}` as const))
    .select("h.name as host_unit_name");
}

export async function getClassRow(db: DB, id: number): Promise<ClassView | undefined> {
  const row = await classQuery(db).where("k.id", "=", id).executeTakeFirst();
  return row && toClassView(row);
}

/** The class, or a 404 ClassError. */
export async function requireClass(db: DB, id: number): Promise<ClassView> {
  const cls = await getClassRow(db, id);
  if (!cls) throw new ClassError("培训班不存在", 404);
  return cls;
}

/** 未开始 / 进行中 / 已结束 / 已结业, by the China Standard Time date. */
export function classStatus(c: Pick<ClassView, "start_date" | "end_date" | "completed_at">, t = nowSeconds()): string {
  if (c.completed_at) return "已结业";
  const today = cstDate(t);
  if (today < c.start_date) return "未开始";
  return today > c.end_date ? "已结束" : "进行中";
}

// ------------------------------------------------------------------------------------------ who sees what

type ClassScope = { kind: "all"; canEdit: boolean; canGrade: boolean } | { kind: "subtree"; unitPath: string; canEdit: false; canGrade: false };

async function instructedClassIds(db: DB, username: string): Promise<number[]> {
  const rows = await db
    .selectFrom("class_courses as cc")
    .innerJoin("courses as c", "c.id", "cc.course_id")
    .select("cc.class_id")
    .distinct()
    .where(namesInstructor(db, "c.instructors", username))
    .execute();
  return rows.map((r) => r.class_id);
}

async function unitPathOf(db: DB, unitId: number): Promise<string | undefined> {
  return (await db.selectFrom("org_units").select("path").where("id", "=", unitId).executeTakeFirst())?.path;
}

/**
 * What a staff member may see of one class: admins everything (and edit), instructors of one of its
 * courses every row (and enter 平时 and cheating marks), secretaries the rows of their subtree.
 * Undefined for anyone else, so the route answers 404.
 */
export async function classScopeFor(db: DB, classId: number, viewer: ClassViewer): Promise<ClassScope | undefined> {
  if (viewer.roles.includes("admin")) return { kind: "all", canEdit: true, canGrade: true };
  if (viewer.roles.includes("instructor") && (await instructedClassIds(db, viewer.username)).includes(classId)) {
    return { kind: "all", canEdit: false, canGrade: true };
  }
  if (viewer.roles.includes("secretary")) {
    const unitPath = await unitPathOf(db, viewer.org_unit_id);
    if (unitPath) return { kind: "subtree", unitPath, canEdit: false, canGrade: false };
  }
  return undefined;
}

/** Classes a staff member may open, newest first, with member and certificate counts. */
export async function listClassesFor(db: DB, viewer: ClassViewer) {
  let q = classQuery(db).orderBy("k.start_date", "desc").orderBy("k.id", "desc");
  if (!viewer.roles.includes("admin")) {
    const ids = viewer.roles.includes("instructor") ? await instructedClassIds(db, viewer.username) : [];
    const unitPath = viewer.roles.includes("secretary") ? await unitPathOf(db, viewer.org_unit_id) : undefined;
    q = q.where((eb) =>
      eb.or([
        eb("k.id", "in", ids.length ? ids : [-1]),
        ...(unitPath
          ? [
              eb(
                "k.id",
                "in",
                db
                  .selectFrom("class_members as m")
                  .innerJoin("users as u", "u.id", "m.user_id")
                  .innerJoin("org_units as o", "o.id", "u.org_unit_id")
                  .select("m.class_id")
                  .where(inSubtree("o.path", unitPath)),
              ),
            ]
          : []),
      ]),
    );
  }
  const rows = (await q.execute()).map(toClassView);
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const [members, certs] = await Promise.all([
    db
      .selectFrom("class_members")
      .select(["class_id", (eb) => eb.fn.countAll<number>().as("n")])
      .where("class_id", "in", ids)
      .groupBy("class_id")
      .execute(),
    db
      .selectFrom("certificates")
      .select(["class_id", (eb) => eb.fn.countAll<number>().as("n")])
      .where("class_id", "in", ids)
      .where("revoked_at", "is", null)
      .groupBy("class_id")
      .execute(),
  ]);
  const t = nowSeconds();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    term: r.term,
    hostUnit: r.host_unit_name,
    startDate: r.start_date,
    endDate: r.end_date,
    status: classStatus(r, t),
    members: Number(members.find((m) => m.class_id === r.id)?.n ?? 0),
    certificates: Number(certs.find((m) => m.class_id === r.id)?.n ?? 0),
  }));
}

// ------------------------------------------------------------------------------------------ settings

const ymd = (label: string) =>
  z
    .string({ required_error: `请填写${label}` })
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${label}格式应为 YYYY-MM-DD`)
    .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), `${label}不是有效日期`);

const ClassFieldsObject = z.object({
  name: text("培训班名称", 80),
  kind: z.enum(CLASS_KINDS, { errorMap: () => ({ message: "请选择培训班类别" }) }),
  term: z.coerce.number({ invalid_type_error: "期次必须是数字" }).int("期次必须是整数").min(1, "期次至少为 1").max(9999, "期次不能超过 9999"),
  hostUnitId: z.coerce.number({ invalid_type_error: "请选择主办单位" }).int().positive("请选择主办单位"),
  startDate: ymd("开始日期"),
  endDate: ymd("结束日期"),
});
export const ClassFieldsSchema = ClassFieldsObject.refine((v) => v.endDate >= v.startDate, { message: "结束日期不能早于开始日期", path: ["endDate"] });
type ClassFields = z.infer<typeof ClassFieldsSchema>;

type ClassSettings = ClassFields & { rules: ClassRules; numberFormat: string; finalExamId: number | null };

async function checkHost(db: DB, hostUnitId: number) {
  const unit = await db.selectFrom("org_units").select(["kind", "active"]).where("id", "=", hostUnitId).executeTakeFirst();
  if (!unit || !unit.active) throw new ClassError("主办单位不存在或已停用", 400, "hostUnitId");
  if (unit.kind === "branch") throw new ClassError("主办单位应为校党委或二级党委（分党校），不能是党支部", 400, "hostUnitId");
}

function uniqueTermError(e: unknown): never {
  if (isUniqueViolation(e)) throw new ClassError("该主办单位已有同类别、同期次的培训班", 409, "term");
  throw e;
}

const classColumns = (f: ClassFields) => ({
  name: f.name,
  kind: f.kind,
  term: f.term,
  host_unit_id: f.hostUnitId,
  start_date: f.startDate,
  end_date: f.endDate,
});

export async function createClass(db: DB, input: ClassFields, actor: Actor): Promise<number> {
  await checkHost(db, input.hostUnitId);
  const t = nowSeconds();
  return writeTransaction(db, async (trx) => {
    const { id } = await trx
      .insertInto("training_classes")
      .values({
        ...classColumns(input),
        rules: JSON.stringify({ ...DEFAULT_RULES, requiredHours: input.kind === "activist" ? 40 : 24 }),
        final_exam_id: null,
        number_format: DEFAULT_NUMBER_FORMAT,
        created_by: actor.actorId,
        created_at: t,
        updated_at: t,
      })
      .returning("id")
      .executeTakeFirstOrThrow()
      .catch(uniqueTermError);
    await audit(trx, { ...actor, action: "class.create", targetType: "class", targetId: id, detail: { ...input } });
    return id;
  });
}

/** Saves the settings and rules (validated by the caller's schema); audited with the previous values. */
export async function updateClassSettings(db: DB, classId: number, input: ClassSettings, actor: Actor) {
  const rules = ClassRulesSchema.parse(input.rules);
  const problem = numberFormatProblem(input.numberFormat);
  if (problem) throw new ClassError(problem);
  await checkHost(db, input.hostUnitId);
  await writeTransaction(db, async (trx) => {
    const before = await requireClass(trx, classId);
    if (input.finalExamId !== null) {
      const exam = await trx
        .selectFrom("exams as e")
        .innerJoin("class_courses as cc", "cc.course_id", "e.course_id")
        .select("e.id")
        .where("cc.class_id", "=", classId)
        .where("e.id", "=", input.finalExamId)
        .executeTakeFirst();
      if (!exam) throw new ClassError("结业考试必须是本班课程中的考试");
    }
    await trx
      .updateTable("training_classes")
      .set({
        ...classColumns(input),
        rules: JSON.stringify(rules),
        number_format: input.numberFormat,
        final_exam_id: input.finalExamId,
        updated_at: nowSeconds(),
      })
      .where("id", "=", classId)
      .execute()
      .catch(uniqueTermError);
    await audit(trx, {
      ...actor,
      action: "class.update",
      targetType: "class",
      targetId: classId,
      detail: {
        before: { name: before.name, term: before.term, rules: before.rules, numberFormat: before.number_format, finalExamId: before.final_exam_id },
        after: { ...input, rules },
      },
    });
  });
}

/** Replaces the class's courses: each required or elective, in the given order. */
export async function setClassCourses(db: DB, classId: number, courses: { courseId: number; required: boolean }[], actor: Actor) {
  await writeTransaction(db, async (trx) => {
    const cls = await requireClass(trx, classId);
    const ids = courses.map((c) => c.courseId);
    if (ids.length) {
      const found = await trx.selectFrom("courses").select("id").where("id", "in", ids).execute();
      if (found.length !== new Set(ids).size) throw new ClassError("所选课程不存在");
    }
    await trx.deleteFrom("class_courses").where("class_id", "=", classId).execute();
    if (courses.length) {
      await trx
        .insertInto("class_courses")
        .values(courses.map((c, i) => ({ class_id: classId, course_id: c.courseId, required: c.required ? 1 : 0, position: i })))
        .execute();
    }
    if (cls.final_exam_id !== null) {
      const still = await trx
        .selectFrom("exams")
        .select("id")
        .where("id", "=", cls.final_exam_id)
        .where("course_id", "in", ids.length ? ids : [-1])
        .executeTakeFirst();
      if (!still) await trx.updateTable("training_classes").set({ final_exam_id: null }).where("id", "=", classId).execute();
    }
    await audit(trx, { ...actor, action: "class.courses", targetType: "class", targetId: classId, detail: { courses } });
  });
}

/** The class's courses in order, with their exams (for the final-exam choice). */
export async function classCourses(db: DB, classId: number) {
  const courses = await db
    .selectFrom("class_courses as cc")
    .innerJoin("courses as c", "c.id", "cc.course_id")
    .select(["c.id", "c.slug", "c.title", "c.hours", "c.instructors", "c.archived", "cc.required"])
    .where("cc.class_id", "=", classId)
    .orderBy("cc.position")
    .execute();
  const exams = courses.length
    ? await db
        .selectFrom("exams")
        .select(["id", "course_id", "title"])
        .where(
          "course_id",
          "in",
          courses.map((c) => c.id),
        )
        .where("archived", "=", 0)
        .orderBy("position")
        .execute()
    : [];
  return courses.map((c) => ({ ...c, required: c.required === 1, archived: c.archived === 1, exams: exams.filter((e) => e.course_id === c.id) }));
}

// ------------------------------------------------------------------------------------------ enrollment

export type EnrollProblem = { line?: number; username: string; message: string };
type Candidate = { id: number; username: string; name: string; stage: Stage; active: number; trainee: boolean };

async function candidatesByUsername(db: DB, usernames: string[]): Promise<Map<string, Candidate>> {
  const out = new Map<string, Candidate>();
  for (let i = 0; i < usernames.length; i += 500) {
    const chunk = usernames.slice(i, i + 500);
    const rows = await db
      .selectFrom("users as u")
      .leftJoin("user_roles as r", (j) => j.onRef("r.user_id", "=", "u.id").on("r.role", "=", "trainee"))
      .select(["u.id", "u.username", "u.name", "u.stage", "u.active", "r.role"])
      .where("u.username", "in", chunk)
      .execute();
    for (const r of rows)
      out.set(r.username, { id: r.id, username: r.username, name: r.name, stage: r.stage, active: r.active, trainee: r.role === "trainee" });
  }
  return out;
}

/** Why this person cannot join a class of this kind, or null. */
function unfit(c: Candidate | undefined, kind: ClassKind): string | null {
  if (!c) return "没有这个学号/工号的用户";
  if (!c.active) return `${c.name} 的账号已停用`;
  if (!c.trainee) return `${c.name} 不是学员`;
  if (c.stage !== kind) return `${c.name} 的发展阶段是${STAGE_LABEL[c.stage]}，与培训班类别（${CLASS_KIND_LABEL[kind]}）不符`;
  return null;
}

/** Inserts members that are not there yet; returns how many were added. */
async function addMembers(db: DB, classId: number, userIds: number[], source: "pick" | "unit" | "upload" | "carryover", actor: Actor) {
  if (!userIds.length) return 0;
  const existing = new Set((await db.selectFrom("class_members").select("user_id").where("class_id", "=", classId).execute()).map((r) => r.user_id));
  const fresh = [...new Set(userIds)].filter((id) => !existing.has(id));
  const t = nowSeconds();
  for (let i = 0; i < fresh.length; i += 200) {
    await db
      .insertInto("class_members")
      .values(fresh.slice(i, i + 200).map((user_id) => ({ class_id: classId, user_id, source, added_by: actor.actorId, added_at: t })))
      .execute();
  }
  if (fresh.length) await audit(db, { ...actor, action: "class.enroll", targetType: "class", targetId: classId, detail: { source, userIds: fresh } });
  return fresh.length;
}

export type EnrollPlan = { ok: EnrollCandidate[]; already: EnrollCandidate[]; problems: EnrollProblem[] };
type EnrollCandidate = { line?: number; userId: number; username: string; name: string };

/** Checks 学号 (with their row numbers when they come from a file) against the roster and the class kind. */
async function planEnrollment(db: DB, classId: number, entries: { line?: number; username: string }[]): Promise<EnrollPlan> {
  const cls = await requireClass(db, classId);
  const found = await candidatesByUsername(db, [...new Set(entries.map((e) => e.username))]);
  const members = new Set((await db.selectFrom("class_members").select("user_id").where("class_id", "=", classId).execute()).map((r) => r.user_id));
  const plan: EnrollPlan = { ok: [], already: [], problems: [] };
  const seen = new Set<string>();
  for (const e of entries) {
    const c = found.get(e.username);
    const why = unfit(c, cls.kind);
    if (why) plan.problems.push({ line: e.line, username: e.username, message: why });
    else if (seen.has(e.username)) plan.problems.push({ line: e.line, username: e.username, message: "与前面的行重复" });
    else if (members.has(c!.id)) plan.already.push({ line: e.line, userId: c!.id, username: c!.username, name: c!.name });
    else plan.ok.push({ line: e.line, userId: c!.id, username: c!.username, name: c!.name });
    seen.add(e.username);
  }
  return plan;
}

/**
 * Enrolls trainees by 学号. With problems (unknown 学号, wrong stage, disabled…) nothing is added unless
 * `skipProblems` confirms that the rest should go in.
 */
export async function enrollUsernames(
  db: DB,
  input: { classId: number; entries: { line?: number; username: string }[]; source: "pick" | "upload"; skipProblems: boolean },
  actor: Actor,
): Promise<{ added: number; plan: EnrollPlan; applied: boolean }> {
  return writeTransaction(db, async (trx) => {
    const plan = await planEnrollment(trx, input.classId, input.entries);
    if (plan.problems.length && !input.skipProblems) return { added: 0, plan, applied: false };
    const added = await addMembers(
      trx,
      input.classId,
      plan.ok.map((c) => c.userId),
      input.source,
      actor,
    );
    return { added, plan, applied: true };
  });
}

/** Every active trainee of a unit's subtree whose stage fits the class kind. */
export async function enrollByUnit(db: DB, input: { classId: number; unitId: number }, actor: Actor): Promise<{ added: number; matched: number }> {
  return writeTransaction(db, async (trx) => {
    const cls = await requireClass(trx, input.classId);
    const path = await unitPathOf(trx, input.unitId);
    if (!path) throw new ClassError("组织不存在");
    const rows = await trx
      .selectFrom("users as u")
      .innerJoin("org_units as o", "o.id", "u.org_unit_id")
      .select("u.id")
      .where(inSubtree("o.path", path))
      .where("u.active", "=", 1)
      .where("u.stage", "=", cls.kind)
      .where("u.id", "in", trx.selectFrom("user_roles").select("user_id").where("role", "=", "trainee"))
      .execute();
    const added = await addMembers(
      trx,
      input.classId,
      rows.map((r) => r.id),
      "unit",
      actor,
    );
    return { added, matched: rows.length };
  });
}

/** Trainees matching a search (学号 or name) who could join: fitting stage, not yet members. */
export async function searchEnrollable(db: DB, classId: number, q: string) {
  const cls = await getClassRow(db, classId);
  if (!cls || !q) return [];
  return db
    .selectFrom("users as u")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .select(["u.id", "u.username", "u.name", "o.name as unit_name"])
    .where("u.active", "=", 1)
    .where("u.stage", "=", cls.kind)
    .where("u.id", "in", db.selectFrom("user_roles").select("user_id").where("role", "=", "trainee"))
    .where("u.id", "not in", db.selectFrom("class_members").select("user_id").where("class_id", "=", classId))
    .where((eb) => eb.or([likeContains("u.username", q), likeContains("u.name", q)]))
    .orderBy("u.username")
    .limit(30)
    .execute();
}

/** Removes a member who holds no certificate of this class (audited). */
export async function removeMember(db: DB, input: { classId: number; userId: number }, actor: Actor) {
  await writeTransaction(db, async (trx) => {
    const cert = await trx.selectFrom("certificates").select("id").where("class_id", "=", input.classId).where("user_id", "=", input.userId).executeTakeFirst();
    if (cert) throw new ClassError("该学员已有本班证书（含已撤销的），不能移出", 409);
    const r = await trx.deleteFrom("class_members").where("class_id", "=", input.classId).where("user_id", "=", input.userId).executeTakeFirst();
    if (!r.numDeletedRows) throw new ClassError("该学员不在本班", 404);
    await audit(trx, { ...actor, action: "class.unenroll", targetType: "class", targetId: input.classId, detail: { userId: input.userId } });
  });
}

/** The previous 期次 of the same kind and host unit (the highest term below this one). */
async function previousClass(db: DB, cls: Pick<ClassView, "kind" | "host_unit_id" | "term">) {
  return db
    .selectFrom("training_classes")
    .select(["id", "name", "term"])
    .where("kind", "=", cls.kind)
    .where("host_unit_id", "=", cls.host_unit_id)
    .where("term", "<", cls.term)
    .orderBy("term", "desc")
    .limit(1)
    .executeTakeFirst();
}

/** Members of the previous 期次 who did not complete (no valid certificate) and are not in this class yet. */
export async function carryOverCandidates(db: DB, classId: number) {
  const cls = await getClassRow(db, classId);
  if (!cls) return { previous: null, trainees: [] };
  const previous = await previousClass(db, cls);
  if (!previous) return { previous: null, trainees: [] };
  const trainees = await db
    .selectFrom("class_members as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .select(["u.id", "u.username", "u.name", "u.stage", "u.active", "o.name as unit_name", "m.outcome"])
    .where("m.class_id", "=", previous.id)
    .where("u.id", "not in", db.selectFrom("certificates").select("user_id").where("class_id", "=", previous.id).where("revoked_at", "is", null))
    .where("u.id", "not in", db.selectFrom("class_members").select("user_id").where("class_id", "=", classId))
    .orderBy("u.username")
    .execute();
  return { previous, trainees: trainees.map((t) => ({ ...t, fits: t.active === 1 && t.stage === cls.kind })) };
}

/** Adds the previous 期次's non-completed trainees whose stage still fits. */
export async function carryOver(db: DB, classId: number, actor: Actor): Promise<{ added: number; skipped: number }> {
  return writeTransaction(db, async (trx) => {
    const { trainees } = await carryOverCandidates(trx, classId);
    const fit = trainees.filter((t) => t.fits);
    const added = await addMembers(
      trx,
      classId,
      fit.map((t) => t.id),
      "carryover",
      actor,
    );
    return { added, skipped: trainees.length - fit.length };
  });
}

// ------------------------------------------------------------------------------------------ 学号 lists

export const MAX_LIST_BYTES = 2 * 1024 * 1024;
const MAX_LIST_ROWS = 5000;

type UsernameList = { ok: true; entries: { line: number; username: string }[] } | { ok: false; message: string };

/**
 * 学号 from an uploaded .xlsx or CSV (UTF-8 with or without BOM, GBK): the column headed 学号/工号
 * (any header the roster import accepts), or the first column when no header names it. Row numbers
 * are the sheet's own.
 */
export async function readUsernameList(bytes: Uint8Array, fileName: string): Promise<UsernameList> {
  if (!bytes.byteLength) return { ok: false, message: "文件是空的" };
  if (bytes.byteLength > MAX_LIST_BYTES) return { ok: false, message: "文件超过大小限制（最大 2 MB）" };
  let table: string[][];
  if (sniff(bytes.subarray(0, 64)) === "zip") {
    const opened = await loadUploadedWorkbook(bytes);
    if ("error" in opened) return { ok: false, message: opened.error };
    const ws = opened.workbook.worksheets.find((w) => w.state === "visible") ?? opened.workbook.worksheets[0];
    if (!ws) return { ok: false, message: "Excel 文件中没有工作表" };
    table = [];
    for (let r = 1; r <= Math.min(ws.rowCount, MAX_LIST_ROWS + 1); r++) {
      const row = ws.getRow(r);
      table.push(Array.from({ length: ws.columnCount }, (_, i) => cellText(row.getCell(i + 1).value)));
    }
  } else {
    if (/\.xlsx?$/i.test(fileName)) return { ok: false, message: "文件扩展名是 Excel，但内容不是 .xlsx 文件（旧版 .xls 请另存为 .xlsx 或 CSV）" };
    const decoded = decodeUploadedText(bytes);
    if (!decoded) return { ok: false, message: "无法读取文件：不是文本文件，或编码不是 UTF-8 / GBK" };
    table = Papa.parse<string[]>(decoded.text.replace(/^\uFEFF/, ""), { delimitersToGuess: [",", "\t", ";"], skipEmptyLines: false }).data;
  }
  if (table.length > MAX_LIST_ROWS + 1) return { ok: false, message: `一次最多导入 ${MAX_LIST_ROWS} 人，请拆分后再上传` };
  const headerCol = (table[0] ?? []).findIndex((h) => rosterField(h) === "username");
  const col = Math.max(0, headerCol);
  const first = headerCol >= 0 ? 1 : 0;
  const entries: { line: number; username: string }[] = [];
  for (let i = first; i < table.length; i++) {
    const username = restoreCell(String(table[i]![col] ?? ""))
      .trim()
      .normalize("NFKC");
    if (username) entries.push({ line: i + 1, username });
  }
  if (!entries.length) return { ok: false, message: "文件中没有学号" };
  return { ok: true, entries };
}

// ------------------------------------------------------------------------------------------ results

export type MemberRow = {
  userId: number;
  username: string;
  name: string;
  unitName: string;
  unitPath: string;
  usualScore: number | null;
  cheating: boolean;
  cheatingNote: string | null;
  exception: { kind: "complete" | "fail"; reason: string } | null;
  outcome: "completed" | "not_completed" | null;
  inputs: ResultInputs;
  result: ClassResult;
  certificate: { id: number; number: string; issuedAt: number } | null;
};

/**
 * `asTraineeAt`: results as the trainee sees them at that time (`traineeSees` in hours.server.ts): an
 * exam result the exam does not show yet (review after close, or never) is "hidden" until the member
 * holds a certificate of a class with the course, and a blind grade is "hidden" (its 学时 not counted)
 * until the instructor releases the assignment's grades (or that certificate is issued).
 */
type MemberFilter = { unitPath?: string; userId?: number; asTraineeAt?: number };

/**
 * Every member's inputs and computed result in a fixed number of queries (lessons, progress, offline
 * 学时, assignments with submissions, exams with attempts), whatever the class size.
 */
export async function classResults(db: DB, cls: ClassView, filter: MemberFilter = {}): Promise<MemberRow[]> {
  let mq = db
    .selectFrom("class_members as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .select([
      "m.user_id",
      "u.username",
      "u.name",
      "o.name as unit_name",
      "o.path as unit_path",
      "m.usual_score",
      "m.cheating",
      "m.cheating_note",
      "m.exception",
      "m.exception_reason",
      "m.outcome",
    ])
    .where("m.class_id", "=", cls.id)
    .orderBy("o.path")
    .orderBy("u.username");
  if (filter.unitPath) mq = mq.where(inSubtree("o.path", filter.unitPath));
  if (filter.userId !== undefined) mq = mq.where("m.user_id", "=", filter.userId);
  const members = await mq.execute();
  if (!members.length) return [];
  const userIds = members.map((m) => m.user_id);
  const inUsers = <T>(run: (ids: number[]) => Promise<T[]>) => chunked(userIds, run);

  const courses = await db.selectFrom("class_courses").select(["course_id", "required"]).where("class_id", "=", cls.id).execute();
  const courseIds = courses.map((c) => c.course_id).sort((a, b) => a - b);
  const requiredCourse = new Set(courses.filter((c) => c.required === 1).map((c) => c.course_id));
  const none = [-1];
  const exams = await (() => {
    let q = db.selectFrom("exams").select(["id", "title"]).where("archived", "=", 0);
    if (cls.final_exam_id !== null) q = q.where("id", "=", cls.final_exam_id);
    else q = q.where("course_id", "in", [...requiredCourse].length ? [...requiredCourse] : none);
    return q.orderBy("course_id").orderBy("position").execute();
  })();
  const [standings, certs] = await Promise.all([
    courseStandings(db, userIds, courseIds, filter.asTraineeAt === undefined ? "staff" : "trainee", filter.asTraineeAt),
    inUsers((ids) =>
      db
        .selectFrom("certificates")
        .select(["id", "user_id", "number", "issued_at"])
        .where("class_id", "=", cls.id)
        .where("user_id", "in", ids)
        .where("revoked_at", "is", null)
        .execute(),
    ),
  ]);
  const certBy = new Map(certs.map((c) => [c.user_id, c]));

  return members.map((m) => {
    const mine = [...(standings.get(m.user_id)?.values() ?? [])];
    // Only the required courses' lessons and assignments are required for the class.
    const lessonInputs = mine.flatMap((c) =>
      c.lessons.map((l) => ({ hours: l.hours, required: requiredCourse.has(c.courseId) && l.required, completed: l.completed })),
    );
    const assignmentInputs: AssignmentInput[] = mine.flatMap((c) =>
      c.assignments.map((a) => ({
        title: a.title,
        required: requiredCourse.has(c.courseId),
        hours: a.hours,
        maxScore: a.maxScore,
        passScore: a.passScore,
        status: a.status,
        score: a.score,
      })),
    );
    // The class's exams are exams of its courses (the final exam is checked to be one), so the standings hold their counted attempts.
    const standingExams = new Map(mine.flatMap((c) => c.exams).map((e) => [e.id, e]));
    const examInputs: ExamInput[] = exams.map((e) => {
      const standing = standingExams.get(e.id);
      const counted = standing?.counted;
      if (!standing || !counted) return { title: e.title, status: "none", score: null, maxScore: 0, passed: false };
      const pending = counted.status !== "graded";
      const hidden = !pending && !standing.resultVisible;
      if (hidden) return { title: e.title, status: "hidden", score: null, maxScore: counted.max_score, passed: false };
      return {
        title: e.title,
        status: pending ? "pending" : "graded",
        score: pending ? null : counted.score,
        maxScore: counted.max_score,
        passed: !pending && counted.passed === 1,
      };
    });
    const exception = m.exception ? { kind: m.exception, reason: m.exception_reason ?? "" } : null;
    const inputs: ResultInputs = {
      lessons: lessonInputs,
      offlineHours: mine.reduce((n, c) => n + c.offlineHours, 0),
      assignments: assignmentInputs,
      exams: examInputs,
      usualScore: m.usual_score,
      cheating: m.cheating === 1,
      exception,
    };
    const cert = certBy.get(m.user_id);
    return {
      userId: m.user_id,
      username: m.username,
      name: m.name,
      unitName: m.unit_name,
      unitPath: m.unit_path,
      usualScore: m.usual_score,
      cheating: m.cheating === 1,
      cheatingNote: m.cheating_note,
      exception,
      outcome: m.outcome,
      inputs,
      result: computeResult(inputs, cls.rules),
      certificate: cert ? { id: cert.id, number: cert.number, issuedAt: cert.issued_at } : null,
    };
  });
}

/** The classes a trainee is in, with their own standing in each ("我的培训班"). */
export async function myClasses(db: DB, userId: number, t = nowSeconds()) {
  const ids = await db.selectFrom("class_members").select("class_id").where("user_id", "=", userId).execute();
  const out = [];
  for (const { class_id } of ids) {
    const cls = await getClassRow(db, class_id);
    if (!cls) continue;
    const [row] = await classResults(db, cls, { userId, asTraineeAt: t });
    const courses = await classCourses(db, class_id);
    out.push({
      id: cls.id,
      name: cls.name,
      kind: cls.kind,
      term: cls.term,
      hostUnit: cls.host_unit_name,
      startDate: cls.start_date,
      endDate: cls.end_date,
      status: classStatus(cls),
      courses: courses.map((c) => ({ slug: c.slug, title: c.title, required: c.required })),
      rules: cls.rules,
      row: row!,
    });
  }
  return out.sort((a, b) => b.startDate.localeCompare(a.startDate));
}

// ------------------------------------------------------------------------------------------ marks

async function requireMember(db: DB, classId: number, userId: number) {
  const m = await db.selectFrom("class_members").selectAll().where("class_id", "=", classId).where("user_id", "=", userId).executeTakeFirst();
  if (!m) throw new ClassError("该学员不在本班", 404);
  return m;
}

/** 平时 entered by an instructor of the class or an admin (null clears it); audited. */
export async function setUsualScore(db: DB, input: { classId: number; userId: number; score: number | null }, actor: Actor) {
  if (input.score !== null && !(input.score >= 0 && input.score <= 100)) throw new ClassError("平时成绩应在 0–100 之间");
  await writeTransaction(db, async (trx) => {
    const m = await requireMember(trx, input.classId, input.userId);
    await trx
      .updateTable("class_members")
      .set({ usual_score: input.score, usual_by: actor.actorId })
      .where("class_id", "=", input.classId)
      .where("user_id", "=", input.userId)
      .execute();
    await audit(trx, {
      ...actor,
      action: "class.usual_score",
      targetType: "class",
      targetId: input.classId,
      detail: { userId: input.userId, from: m.usual_score, to: input.score },
    });
  });
}

/** A cheating mark (违纪) with a note, or its removal; audited. */
export async function setCheating(db: DB, input: { classId: number; userId: number; cheating: boolean; note: string | null }, actor: Actor) {
  if (input.cheating && !input.note) throw new ClassError("请填写违纪情况说明");
  await writeTransaction(db, async (trx) => {
    await requireMember(trx, input.classId, input.userId);
    await trx
      .updateTable("class_members")
      .set({ cheating: input.cheating ? 1 : 0, cheating_note: input.cheating ? input.note : null })
      .where("class_id", "=", input.classId)
      .where("user_id", "=", input.userId)
      .execute();
    await audit(trx, {
      ...actor,
      action: input.cheating ? "class.cheating_mark" : "class.cheating_clear",
      targetType: "class",
      targetId: input.classId,
      detail: { userId: input.userId, note: input.note },
    });
  });
}

type ExceptionInput = {
  classId: number;
  userIds: number[];
  kind: "complete" | "fail" | null;
  /** What a 准予结业 rests on (EXCEPTION_BASES); required for it. */
  basis: ExceptionBasis | null;
  reason: string | null;
  /** The reviewer confirmed the 细则's minimum for 发展对象 where the 学时 fall short of it. */
  acknowledged?: boolean;
};

/**
 * An exception to the computed outcome (准予结业 on a stated basis, or 不予结业) with a reason, or its
 * removal, for one trainee or many at once; members with a valid certificate are left alone. In a
 * 发展对象 class a 准予结业 below 24 学时 needs the reviewer's confirmation of the 细则's 3 days. One
 * transaction, one audit entry per member.
 */
export async function setException(db: DB, input: ExceptionInput, actor: Actor): Promise<{ changed: number; skipped: number }> {
  if (!input.userIds.length) throw new ClassError("请至少选择一名学员", 400, "userIds");
  if (input.kind && !input.reason) throw new ClassError("请填写例外处理的理由", 400, "reason");
  if (input.kind === "complete" && !input.basis) throw new ClassError("请选择认定依据", 400, "basis");
  return writeTransaction(db, async (trx) => {
    const cls = await requireClass(trx, input.classId);
    const wanted = new Set(input.userIds);
    const rows = (await classResults(trx, cls)).filter((r) => wanted.has(r.userId));
    if (rows.length !== wanted.size) throw new ClassError("该学员不在本班", 404);
    if (input.kind === "complete" && !input.acknowledged) {
      const short = rows
        .filter((r) => !r.certificate)
        .flatMap((r) => {
          const w = candidateRuleWarning(cls.kind, r.result.hours);
          return w ? [`${r.name}（${r.username}）：${w}`] : [];
        });
      if (short.length) throw new ClassError(short.length === 1 ? short[0]! : `${short.length} 名学员：${short[0]}`, 409, "acknowledged");
    }
    let changed = 0;
    const t = nowSeconds();
    for (const r of rows) {
      if (r.certificate) continue;
      await trx
        .updateTable("class_members")
        .set({
          exception: input.kind,
          exception_basis: input.kind === "complete" ? input.basis : null,
          exception_reason: input.kind ? input.reason : null,
          exception_by: input.kind ? actor.actorId : null,
          exception_at: input.kind ? t : null,
        })
        .where("class_id", "=", input.classId)
        .where("user_id", "=", r.userId)
        .execute();
      await audit(trx, {
        ...actor,
        action: "class.exception",
        targetType: "class",
        targetId: input.classId,
        detail: {
          userId: r.userId,
          from: r.exception?.kind ?? null,
          to: input.kind,
          basis: input.kind === "complete" ? input.basis : null,
          reason: input.reason,
        },
      });
      changed++;
    }
    return { changed, skipped: rows.length - changed };
  });
}

/** Exception bases and 备注 of a class's members (what the review and the ledger print beside the standing). */
export async function memberNotes(db: DB, classId: number): Promise<Map<number, { basis: string | null; note: string | null }>> {
  const rows = await db.selectFrom("class_members").select(["user_id", "exception_basis", "note"]).where("class_id", "=", classId).execute();
  return new Map(rows.map((r) => [r.user_id, { basis: r.exception_basis, note: r.note }]));
}

/** 备注 for the ledger, written by the organization department (empty clears it); audited with the old text. */
export async function setMemberNote(db: DB, input: { classId: number; userId: number; note: string }, actor: Actor) {
  const note = input.note.trim();
  if (note.length > 200) throw new ClassError("备注不能超过 200 字");
  await writeTransaction(db, async (trx) => {
    const m = await requireMember(trx, input.classId, input.userId);
    await trx
      .updateTable("class_members")
      .set({ note: note || null, note_by: actor.actorId, note_at: nowSeconds() })
      .where("class_id", "=", input.classId)
      .where("user_id", "=", input.userId)
      .execute();
    await audit(trx, {
      ...actor,
      action: "class.note",
      targetType: "class",
      targetId: input.classId,
      detail: { userId: input.userId, from: m.note, to: note || null },
    });
  });
}

// ------------------------------------------------------------------------------------------ display

const EXAM_STATUS_TEXT = { pending: "待阅卷", hidden: "已交卷，成绩待公布", none: "未参加" } as const;
const examText = (e: ExamInput) =>
  e.status === "graded" ? `${e.title} ${e.score} 分${e.passed ? "" : "（未通过）"}` : `${e.title} ${EXAM_STATUS_TEXT[e.status]}`;
const ASSIGNMENT_STATUS_TEXT = { none: "未提交", returned: "退回修改", submitted: "待批改", hidden: "已评分，成绩待公布" } as const;
const assignmentText = (a: AssignmentInput) => (a.status === "graded" ? `${a.title} ${a.score} 分` : `${a.title} ${ASSIGNMENT_STATUS_TEXT[a.status]}`);

/** A member's row as the pages show it: numbers, results in words, blockers. */
export function memberView(r: MemberRow) {
  // While an exam result or a blind grade is hidden from the trainee, so is everything computed from it.
  const unknown = (x: number | string) => (r.result.hidden ? "待公布" : x);
  const hiddenPart = (part: "exams" | "assignments", x: number) => (r.inputs[part].some((i) => i.status === "hidden") ? "待公布" : x);
  return {
    userId: r.userId,
    username: r.username,
    name: r.name,
    unitName: r.unitName,
    hours: r.result.hours,
    requiredHours: r.result.requiredHours,
    lessonsDone: r.result.requiredLessonsDone,
    lessonsTotal: r.result.requiredLessonsTotal,
    exams: r.inputs.exams.map(examText),
    assignments: r.inputs.assignments.filter((a) => a.required).map(assignmentText),
    components: {
      ...r.result.components,
      exam: hiddenPart("exams", r.result.components.exam),
      assignment: hiddenPart("assignments", r.result.components.assignment),
    },
    composite: unknown(r.result.composite),
    resultHidden: r.result.hidden,
    band: unknown(r.result.band),
    passed: r.result.passed,
    blockers: r.result.blockers,
    forced: r.result.forced,
    exception: r.exception,
    usualScore: r.usualScore,
    cheating: r.cheating,
    cheatingNote: r.cheatingNote,
    outcome: r.outcome,
    certificate: r.certificate,
  };
}
export type MemberView = ReturnType<typeof memberView>;
