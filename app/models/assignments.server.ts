// Assignments (思想汇报, 学习心得, 读书报告): drafts, submitted versions with attachments, deadlines and
// extensions, grading and return for revision, blind grading, similarity flags and the bulk export.
//
// Every function is scoped: trainee functions take the acting user's id and only ever touch that
// user's submission; grading functions take an assignment the route has already authorized through
// requireCourseEditor and only touch submissions of that assignment, so a foreign id is "not found".
import fs from "node:fs";
import { Zip, ZipDeflate, ZipPassThrough, strToU8 } from "fflate";
import { z } from "zod";
import type { AttachmentType, SubmissionStatus } from "../../db/types.ts";
import { now as nowSeconds, writeTransaction, type DB } from "~/utils/db.server.ts";
import {
  candidatePairs,
  candidatesFor,
  commonPassages,
  DEFAULT_THRESHOLD,
  fingerprint,
  jaccard,
  shinglesOf,
  signatureFromBytes,
  signatureToBytes,
} from "~/utils/similarity.server.ts";
import type { Storage } from "~/utils/storage.server.ts";
import { allowedTypes, safeSegment, type AcceptedFile } from "~/utils/uploads.server.ts";
import { audit } from "./audit.server.ts";
import { getCourseBySlug, type CourseView } from "./courses.server.ts";
import { seesEverything, taughtBySql, type Viewer } from "./visibility.server.ts";
import { notify, type NotifyOptions } from "./notifications.server.ts";
import { idParam } from "~/utils/forms.server.ts";

/** The acting user: who they are for scoping, and their roles for course visibility. */
type Person = Viewer & { id: number };
/** `email`: whether e-mail is configured (`context.config.email`), for the notifications a change sends. */
type Ctx = { ip?: string | null; now?: number; email?: boolean };

/** A refusal the user should read (Chinese); the route turns it into a 400 with the message. */
export class AssignmentError extends Error {
  constructor(
    message: string,
    public status: 400 | 403 | 404 | 409 = 400,
    /** The form field at fault, when there is one. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const MAX_FILES = 5;

export const STATUS_LABEL: Record<SubmissionStatus | "none", string> = {
  none: "未开始",
  draft: "草稿",
  submitted: "已提交",
  late: "迟交",
  returned: "已退回修改",
  graded: "已评分",
};

/** Characters that count toward 字数: every character except whitespace. */
export function countChars(text: string): number {
  let n = 0;
  for (const c of text) if (!/\s/.test(c)) n++;
  return n;
}

const fmtCount = (n: number) => n.toLocaleString("en-US");
const round1 = (x: number) => Math.round(x * 10) / 10;

// ------------------------------------------------------------------------------------ assignment

const ASSIGNMENT_COLUMNS = [
  "id",
  "course_id",
  "key",
  "title",
  "kind",
  "due_at",
  "cutoff_at",
  "max_score",
  "pass_score",
  "hours",
  "min_length",
  "attachments",
  "max_attachment_mb",
  "resubmit",
  "body_md",
  "archived",
] as const;

type AssignmentRow = {
  id: number;
  course_id: number;
  key: string;
  title: string;
  kind: "思想汇报" | "学习心得" | "读书报告";
  due_at: number | null;
  cutoff_at: number | null;
  max_score: number;
  pass_score: number;
  hours: number;
  min_length: number | null;
  attachments: string;
  max_attachment_mb: number;
  resubmit: number;
  body_md: string;
  archived: number;
};

function toAssignment(row: AssignmentRow) {
  const allowed = [...allowedTypes(JSON.parse(row.attachments) as string[])];
  return { ...row, allowed, resubmit: row.resubmit === 1, archived: row.archived === 1, maxBytes: Math.round(row.max_attachment_mb * 1024 * 1024) };
}
type AssignmentView = ReturnType<typeof toAssignment>;

type Settings = { blind: boolean; latePenaltyPercent: number; similarityThreshold: number; releasedAt: number | null };

async function getSettings(db: DB, assignmentId: number): Promise<Settings> {
  const row = await db.selectFrom("assignment_settings").selectAll().where("assignment_id", "=", assignmentId).executeTakeFirst();
  return {
    blind: row?.blind === 1,
    latePenaltyPercent: row?.late_penalty_percent ?? 0,
    similarityThreshold: row?.similarity_threshold ?? DEFAULT_THRESHOLD,
    releasedAt: row?.released_at ?? null,
  };
}

/** Names are hidden from graders while blind grading is on and grades are not yet released. */
export const namesHidden = (s: Settings) => s.blind && s.releasedAt === null;
/** Trainees see a score once graded, or with blind grading once the grades are released. */
export const scoreVisible = (s: Pick<Settings, "blind" | "releasedAt">) => !s.blind || s.releasedAt !== null;

async function assignmentRow(db: DB, courseId: number, key: string) {
  const row = await db.selectFrom("assignments").select(ASSIGNMENT_COLUMNS).where("course_id", "=", courseId).where("key", "=", key).executeTakeFirst();
  return row && toAssignment(row);
}

/** For grading pages: the assignment of a course the route has already authorized (archived included). */
export async function getAssignmentForEditor(db: DB, course: Pick<CourseView, "id">, key: string) {
  const assignment = await assignmentRow(db, course.id, key);
  if (!assignment) return undefined;
  return { assignment, settings: await getSettings(db, assignment.id) };
}

// ------------------------------------------------------------------------------------ deadlines

type Extension = { due_at: number; cutoff_at: number; reason: string; created_at: number };

async function latestExtension(db: DB, assignmentId: number, userId: number): Promise<Extension | undefined> {
  return db
    .selectFrom("assignment_extensions")
    .select(["due_at", "cutoff_at", "reason", "created_at"])
    .where("assignment_id", "=", assignmentId)
    .where("user_id", "=", userId)
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
}

type Deadlines = { dueAt: number | null; cutoffAt: number | null; extended: boolean };

export function deadlinesFor(a: Pick<AssignmentView, "due_at" | "cutoff_at">, ext: Extension | undefined): Deadlines {
  if (!ext) return { dueAt: a.due_at, cutoffAt: a.cutoff_at, extended: false };
  return { dueAt: ext.due_at, cutoffAt: ext.cutoff_at, extended: true };
}

// ------------------------------------------------------------------------------------ trainee state

type SubmissionRow = {
  id: number;
  status: SubmissionStatus;
  current_version: number;
  draft_md: string;
  draft_seq: number;
  draft_saved_at: number | null;
  raw_score: number | null;
  penalty_percent: number | null;
  score: number | null;
  graded_version: number | null;
  feedback_md: string | null;
  graded_at: number | null;
  user_id: number;
};

const SUBMISSION_COLUMNS = [
  "id",
  "status",
  "current_version",
  "draft_md",
  "draft_seq",
  "draft_saved_at",
  "raw_score",
  "penalty_percent",
  "score",
  "graded_version",
  "feedback_md",
  "graded_at",
  "user_id",
] as const;

const VERSION_COLUMNS = ["id", "version", "text_md", "text_length", "submitted_at", "late", "returned_comment_md", "returned_at"] as const;
const FILE_COLUMNS = ["id", "version_id", "name", "type", "size"] as const;

async function submissionOf(db: DB, assignmentId: number, userId: number): Promise<SubmissionRow | undefined> {
  return db.selectFrom("submissions").select(SUBMISSION_COLUMNS).where("assignment_id", "=", assignmentId).where("user_id", "=", userId).executeTakeFirst();
}

async function versionsOf(db: DB, submissionId: number) {
  const [versions, files] = await Promise.all([
    db.selectFrom("submission_versions").select(VERSION_COLUMNS).where("submission_id", "=", submissionId).orderBy("version", "desc").execute(),
    db.selectFrom("submission_files").select(FILE_COLUMNS).where("submission_id", "=", submissionId).orderBy("id").execute(),
  ]);
  return {
    versions: versions.map((v) => ({ ...v, late: v.late === 1, files: files.filter((f) => f.version_id === v.id) })),
    draftFiles: files.filter((f) => f.version_id === null),
  };
}

type Editability = { canEdit: boolean; reason: string | null; resubmission: boolean; willBeLate: boolean };

/** What the trainee may do now: write and submit, or why not. */
export function editability(
  a: Pick<AssignmentView, "resubmit">,
  d: Deadlines,
  sub: Pick<SubmissionRow, "status"> | undefined,
  lastVersionLate: boolean,
  t: number,
): Editability {
  const status = sub?.status ?? "draft";
  const pastDue = d.dueAt !== null && t > d.dueAt;
  // A revision the instructor asked for keeps the on-time standing of the version that was returned.
  const willBeLate = pastDue && !(status === "returned" && !lastVersionLate);
  const no = (reason: string) => ({ canEdit: false, reason, resubmission: false, willBeLate });
  if (d.cutoffAt !== null && t > d.cutoffAt) return no("已过最终截止时间，不能再提交");
  if (status === "graded") return no("已评分，不能再修改");
  if (status === "submitted" || status === "late") {
    if (!a.resubmit) return no("已提交，等待教师批改");
    if (pastDue) return no("已过截止时间，不能重新提交");
    return { canEdit: true, reason: null, resubmission: true, willBeLate: false };
  }
  return { canEdit: true, reason: null, resubmission: status === "returned", willBeLate };
}

async function traineeState(db: DB, assignment: AssignmentView, userId: number, t: number) {
  const [sub, ext] = await Promise.all([submissionOf(db, assignment.id, userId), latestExtension(db, assignment.id, userId)]);
  const deadlines = deadlinesFor(assignment, ext);
  const { versions, draftFiles } = sub ? await versionsOf(db, sub.id) : { versions: [], draftFiles: [] };
  const edit = editability(assignment, deadlines, sub, versions[0]?.late ?? false, t);
  return { submission: sub, versions, draftFiles, deadlines, extension: ext, edit };
}

/**
 * The trainee page: the assignment of a course the viewer may see (getCourseBySlug's rules), with the
 * viewer's own submission, versions, draft and what they may do. undefined when the course is not
 * visible to the viewer, null when the course is but has no such assignment.
 */
export async function getAssignmentForTrainee(db: DB, slug: string, key: string, viewer: Person, t = nowSeconds()) {
  const course = await getCourseBySlug(db, slug, viewer);
  if (!course) return undefined;
  const assignment = await assignmentRow(db, course.id, key);
  if (!assignment || (assignment.archived && !seesEverything(course, viewer))) return null;
  const [settings, state] = await Promise.all([getSettings(db, assignment.id), traineeState(db, assignment, viewer.id, t)]);
  const sub = state.submission;
  const graded = sub?.status === "graded" && scoreVisible(settings);
  return {
    course: { id: course.id, slug: course.slug, title: course.title },
    assignment,
    settings,
    ...state,
    // Only what the trainee may know: no score fields before the grade is visible to them.
    submission: sub && { id: sub.id, status: sub.status, currentVersion: sub.current_version, draftMd: sub.draft_md, draftSavedAt: sub.draft_saved_at },
    result:
      graded && sub
        ? {
            score: sub.score,
            rawScore: sub.raw_score,
            penaltyPercent: sub.penalty_percent,
            feedbackMd: sub.feedback_md,
            passed: (sub.score ?? 0) >= assignment.pass_score,
          }
        : null,
  };
}

async function ensureSubmission(trx: DB, assignmentId: number, userId: number, t: number): Promise<SubmissionRow> {
  const existing = await submissionOf(trx, assignmentId, userId);
  if (existing) return existing;
  await trx.insertInto("submissions").values({ assignment_id: assignmentId, user_id: userId, created_at: t, updated_at: t }).execute();
  return (await submissionOf(trx, assignmentId, userId))!;
}

async function requireEditable(trx: DB, assignment: AssignmentView, userId: number, t: number) {
  const state = await traineeState(trx, assignment, userId, t);
  if (!state.edit.canEdit) throw new AssignmentError(state.edit.reason ?? "现在不能修改", 409);
  return state;
}

/**
 * Saves the draft text (when given; an autosave with an older `seq` than the stored one is ignored)
 * and adds accepted attachments to the draft. Refused when the trainee may not edit now.
 */
export async function saveDraft(
  db: DB,
  input: { assignment: AssignmentView; userId: number; text?: string; seq?: number; files?: AcceptedFile[] },
  ctx: Ctx = {},
): Promise<{ savedAt: number; applied: boolean }> {
  const t = ctx.now ?? nowSeconds();
  return writeTransaction(db, async (trx) => {
    const state = await requireEditable(trx, input.assignment, input.userId, t);
    const sub = state.submission ?? (await ensureSubmission(trx, input.assignment.id, input.userId, t));
    const files = input.files ?? [];
    if (state.draftFiles.length + files.length > MAX_FILES) throw new AssignmentError(`附件最多 ${MAX_FILES} 个，请先删除不需要的附件`);
    for (const f of files) {
      if (!input.assignment.allowed.includes(f.type)) throw new AssignmentError(`不接受 ${f.type} 类型的附件`);
      await trx
        .insertInto("submission_files")
        .values({ submission_id: sub.id, version_id: null, sha256: f.sha256, name: f.name, type: f.type, size: f.size, created_at: t })
        .execute();
    }
    // An autosave carries the browser's sequence number and loses to anything newer; an explicit save
    // (a button) always applies and moves the sequence past every autosave sent before it.
    const applied = input.text !== undefined && (input.seq === undefined || input.seq > sub.draft_seq);
    if (applied) {
      const seq = input.seq ?? Math.max(sub.draft_seq + 1, Date.now());
      await trx.updateTable("submissions").set({ draft_md: input.text, draft_seq: seq, draft_saved_at: t, updated_at: t }).where("id", "=", sub.id).execute();
    }
    return { savedAt: t, applied };
  });
}

export async function removeDraftFile(db: DB, input: { assignment: AssignmentView; userId: number; fileId: number }, ctx: Ctx = {}) {
  const t = ctx.now ?? nowSeconds();
  await writeTransaction(db, async (trx) => {
    const state = await requireEditable(trx, input.assignment, input.userId, t);
    const file = state.draftFiles.find((f) => f.id === input.fileId);
    if (!file || !state.submission) throw new AssignmentError("附件不存在", 404);
    await trx
      .deleteFrom("submission_files")
      .where("id", "=", file.id)
      .where("submission_id", "=", state.submission.id)
      .where("version_id", "is", null)
      .execute();
  });
}

/**
 * Submits the draft as a new version: minimum length (unless the work is in an attachment), late
 * after the due date, nothing after the cut-off. The draft's attachments go with the version and are
 * carried into the next draft, so a later revision starts from what was handed in.
 */
export async function submitAssignment(
  db: DB,
  input: { assignment: AssignmentView; userId: number; text?: string },
  ctx: Ctx = {},
): Promise<{ versionId: number; version: number; late: boolean; flags: number }> {
  const t = ctx.now ?? nowSeconds();
  const { assignment } = input;
  const result = await writeTransaction(db, async (trx) => {
    const state = await requireEditable(trx, assignment, input.userId, t);
    const sub = state.submission ?? (await ensureSubmission(trx, assignment.id, input.userId, t));
    const text = (input.text ?? sub.draft_md).replace(/\r\n/g, "\n");
    const length = countChars(text);
    const files = state.draftFiles;
    if (length === 0 && files.length === 0) throw new AssignmentError("请填写正文或上传附件后再提交");
    if (assignment.min_length && files.length === 0 && length < assignment.min_length) {
      throw new AssignmentError(`字数不足：当前 ${fmtCount(length)} 字，至少 ${fmtCount(assignment.min_length)} 字`);
    }
    const version = sub.current_version + 1;
    const late = state.edit.willBeLate;
    const { signature } = fingerprint(text);
    const { id: versionId } = await trx
      .insertInto("submission_versions")
      .values({
        submission_id: sub.id,
        version,
        text_md: text,
        text_length: length,
        submitted_at: t,
        late: late ? 1 : 0,
        minhash: signature && signatureToBytes(signature),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    if (files.length) {
      await trx.updateTable("submission_files").set({ version_id: versionId }).where("submission_id", "=", sub.id).where("version_id", "is", null).execute();
      const carried = await trx
        .selectFrom("submission_files")
        .select(["sha256", "name", "type", "size"])
        .where("version_id", "=", versionId)
        .orderBy("id")
        .execute();
      await trx
        .insertInto("submission_files")
        .values(carried.map((f) => ({ ...f, submission_id: sub.id, version_id: null, created_at: t })))
        .execute();
    }
    await trx
      .updateTable("submissions")
      .set({ status: late ? "late" : "submitted", current_version: version, draft_md: text, draft_saved_at: t, updated_at: t })
      .where("id", "=", sub.id)
      .execute();
    return { versionId, version, late };
  });
  // The submission is committed; a failing similarity check must not turn it into an error page.
  const flags = await checkVersionSimilarity(db, result.versionId, { now: t }).catch((e: unknown) => {
    console.error("similarity check failed for version", result.versionId, e);
    return 0;
  });
  return { ...result, flags };
}

// ------------------------------------------------------------------------------------ grading queue

const QUEUE_STATUSES = ["waiting", "submitted", "late", "returned", "graded"] as const;
type QueueFilter = { status?: (typeof QUEUE_STATUSES)[number]; unitId?: number; late?: boolean; classId?: number };

const QueueParams = z.object({
  status: z.enum(QUEUE_STATUSES).optional().catch(undefined),
  unit: idParam.optional().catch(undefined),
  late: z.literal("1").optional().catch(undefined),
  class: idParam.optional().catch(undefined),
});

/** The queue filter of the list page's query string (bad values are ignored); no branch filter while names are hidden. */
export function queueFilterFrom(params: URLSearchParams, settings: Settings): QueueFilter {
  const f = QueueParams.parse(Object.fromEntries(params));
  return { status: f.status, unitId: namesHidden(settings) ? undefined : f.unit, late: f.late === "1", classId: f.class };
}

/**
 * Submissions of one assignment that were handed in at least once, waiting ones first (oldest
 * first), with the trainee, their unit, the current version and the highest similarity flag.
 */
export async function listQueue(db: DB, assignmentId: number, f: QueueFilter = {}) {
  let q = db
    .selectFrom("submissions as s")
    .innerJoin("users as u", "u.id", "s.user_id")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .innerJoin("submission_versions as v", (j) => j.onRef("v.submission_id", "=", "s.id").onRef("v.version", "=", "s.current_version"))
    .select([
      "s.id",
      "s.status",
      "s.current_version",
      "s.score",
      "s.user_id",
      "u.username",
      "u.name",
      "o.id as unit_id",
      "o.name as unit_name",
      "v.id as version_id",
      "v.submitted_at",
      "v.late",
      "v.text_length",
    ])
    .where("s.assignment_id", "=", assignmentId)
    .where("s.current_version", ">", 0);
  if (f.status === "waiting") q = q.where("s.status", "in", ["submitted", "late"]);
  else if (f.status) q = q.where("s.status", "=", f.status);
  if (f.unitId) q = q.where("u.org_unit_id", "=", f.unitId);
  if (f.late) q = q.where("v.late", "=", 1);
  if (f.classId) q = q.where("s.user_id", "in", db.selectFrom("class_members").select("user_id").where("class_id", "=", f.classId));
  const rows = await q.orderBy("v.submitted_at").orderBy("s.id").execute();
  const flags = rows.length ? await maxFlagBySubmission(db, assignmentId) : new Map<number, number>();
  const waiting = (s: SubmissionStatus) => (s === "submitted" || s === "late" ? 0 : 1);
  return rows
    .map((r) => ({ ...r, late: r.late === 1, similarity: flags.get(r.id) ?? null }))
    .sort((a, b) => waiting(a.status) - waiting(b.status) || a.submitted_at - b.submitted_at || a.id - b.id);
}

/** Training classes that include the assignment's course, for the class filter. */
export async function listQueueClasses(db: DB, courseId: number) {
  return db
    .selectFrom("training_classes as c")
    .innerJoin("class_courses as cc", "cc.class_id", "c.id")
    .select(["c.id", "c.name"])
    .where("cc.course_id", "=", courseId)
    .orderBy("c.id", "desc")
    .execute();
}

/** Units that appear among the submitters, for the branch filter. */
export async function listQueueUnits(db: DB, assignmentId: number) {
  return db
    .selectFrom("submissions as s")
    .innerJoin("users as u", "u.id", "s.user_id")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .select(["o.id", "o.name"])
    .distinct()
    .where("s.assignment_id", "=", assignmentId)
    .where("s.current_version", ">", 0)
    .orderBy("o.name")
    .execute();
}

/** An anonymous label for blind grading, stable for a submission. */
export const anonymousLabel = (submissionId: number) => `匿名-${String(submissionId).padStart(4, "0")}`;

/** One submission of this assignment for the grader, with every version, its files, the trainee and flags. */
export async function getSubmissionForGrading(db: DB, assignment: AssignmentView, submissionId: number) {
  const sub = await db
    .selectFrom("submissions as s")
    .innerJoin("users as u", "u.id", "s.user_id")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .select([
      "s.id",
      "s.status",
      "s.current_version",
      "s.raw_score",
      "s.penalty_percent",
      "s.score",
      "s.graded_version",
      "s.feedback_md",
      "s.graded_at",
      "s.user_id",
      "u.username",
      "u.name",
      "o.name as unit_name",
    ])
    .where("s.id", "=", submissionId)
    .where("s.assignment_id", "=", assignment.id)
    .where("s.current_version", ">", 0)
    .executeTakeFirst();
  if (!sub) return undefined;
  const [{ versions }, ext, flags] = await Promise.all([
    versionsOf(db, sub.id),
    latestExtension(db, assignment.id, sub.user_id),
    listFlagsForSubmission(db, assignment.id, sub.id),
  ]);
  return { submission: sub, versions, deadlines: deadlinesFor(assignment, ext), extension: ext, flags };
}

function assertScore(assignment: AssignmentView, score: number) {
  if (!Number.isFinite(score) || score < 0 || score > assignment.max_score)
    throw new AssignmentError(`分数应在 0 到 ${assignment.max_score} 之间`, 400, "score");
}

/** A handed-in submission of this assignment, as an instructor acts on it (404 if none; 409 while it is back with the trainee). */
async function handedIn(db: DB, assignmentId: number, submissionId: number, whileReturned: string) {
  const sub = await db
    .selectFrom("submissions")
    .select(SUBMISSION_COLUMNS)
    .where("id", "=", submissionId)
    .where("assignment_id", "=", assignmentId)
    .executeTakeFirst();
  if (!sub || sub.current_version === 0) throw new AssignmentError("提交不存在", 404);
  if (sub.status === "returned" || sub.status === "draft") throw new AssignmentError(whileReturned, 409);
  return sub;
}

/**
 * Grades the current version. A late version loses the assignment's late penalty (a percentage of
 * the score, frozen at grading time). A change of an existing grade is audited as such.
 */
export async function gradeSubmission(
  db: DB,
  input: { assignment: AssignmentView; submissionId: number; score: number; feedbackMd: string; graderId: number },
  ctx: Ctx = {},
) {
  const t = ctx.now ?? nowSeconds();
  assertScore(input.assignment, input.score);
  return writeTransaction(db, async (trx) => {
    const sub = await handedIn(trx, input.assignment.id, input.submissionId, "该作业已退回修改，学员重新提交后才能评分");
    const version = await trx
      .selectFrom("submission_versions")
      .select(["id", "late"])
      .where("submission_id", "=", sub.id)
      .where("version", "=", sub.current_version)
      .executeTakeFirstOrThrow();
    const settings = await getSettings(trx, input.assignment.id);
    const penalty = version.late ? settings.latePenaltyPercent : 0;
    const raw = round1(input.score);
    const score = round1(raw * (1 - penalty / 100));
    await trx
      .updateTable("submissions")
      .set({
        status: "graded",
        raw_score: raw,
        penalty_percent: penalty,
        score,
        graded_version: sub.current_version,
        feedback_md: input.feedbackMd,
        graded_by: input.graderId,
        graded_at: t,
        updated_at: t,
      })
      .where("id", "=", sub.id)
      .execute();
    const changed = sub.status === "graded";
    if (scoreVisible(settings))
      await notifyOwners(trx, input.assignment, [{ id: sub.id, userId: sub.user_id, version: sub.current_version }], "report_graded", { t, email: ctx.email });
    await audit(trx, {
      actorId: input.graderId,
      action: changed ? "assignment.grade_change" : "assignment.grade",
      targetType: "submission",
      targetId: sub.id,
      detail: {
        assignmentId: input.assignment.id,
        userId: sub.user_id,
        version: sub.current_version,
        rawScore: raw,
        penaltyPercent: penalty,
        score,
        ...(changed ? { previousScore: sub.score } : {}),
      },
      ip: ctx.ip,
    });
    return { score, penaltyPercent: penalty };
  });
}

/** 退回修改: the trainee may revise and submit again; a grade given before is withdrawn (audited). */
export async function returnSubmission(
  db: DB,
  input: { assignment: AssignmentView; submissionId: number; commentMd: string; graderId: number },
  ctx: Ctx = {},
) {
  const t = ctx.now ?? nowSeconds();
  await writeTransaction(db, async (trx) => {
    const sub = await handedIn(trx, input.assignment.id, input.submissionId, "该作业已退回修改");
    await trx
      .updateTable("submission_versions")
      .set({ returned_comment_md: input.commentMd, returned_by: input.graderId, returned_at: t })
      .where("submission_id", "=", sub.id)
      .where("version", "=", sub.current_version)
      .execute();
    await trx
      .updateTable("submissions")
      .set({
        status: "returned",
        raw_score: null,
        penalty_percent: null,
        score: null,
        graded_version: null,
        graded_by: null,
        graded_at: null,
        feedback_md: null,
        updated_at: t,
      })
      .where("id", "=", sub.id)
      .execute();
    await notifyOwners(trx, input.assignment, [{ id: sub.id, userId: sub.user_id, version: sub.current_version }], "report_returned", { t, email: ctx.email });
    await audit(trx, {
      actorId: input.graderId,
      action: "assignment.return",
      targetType: "submission",
      targetId: sub.id,
      detail: {
        assignmentId: input.assignment.id,
        userId: sub.user_id,
        version: sub.current_version,
        ...(sub.status === "graded" ? { previousScore: sub.score } : {}),
      },
      ip: ctx.ip,
    });
  });
}

/**
 * An individual extension (audited): new due date and cut-off for one trainee. Without a cut-off the
 * later of the new due date and the assignment's cut-off applies.
 */
export async function grantExtension(
  db: DB,
  input: { assignment: AssignmentView; userId: number; dueAt: number; cutoffAt?: number | null; reason: string; grantedBy: number },
  ctx: Ctx = {},
) {
  const t = ctx.now ?? nowSeconds();
  const cutoffAt = input.cutoffAt ?? Math.max(input.dueAt, input.assignment.cutoff_at ?? input.dueAt);
  if (cutoffAt < input.dueAt) throw new AssignmentError("最终截止时间不能早于新的截止时间");
  await writeTransaction(db, async (trx) => {
    const user = await trx.selectFrom("users").select("id").where("id", "=", input.userId).executeTakeFirst();
    if (!user) throw new AssignmentError("学员不存在", 404);
    await trx
      .insertInto("assignment_extensions")
      .values({
        assignment_id: input.assignment.id,
        user_id: input.userId,
        due_at: input.dueAt,
        cutoff_at: cutoffAt,
        reason: input.reason,
        granted_by: input.grantedBy,
        created_at: t,
      })
      .execute();
    await audit(trx, {
      actorId: input.grantedBy,
      action: "assignment.extension",
      targetType: "user",
      targetId: input.userId,
      detail: { assignmentId: input.assignment.id, dueAt: input.dueAt, cutoffAt, reason: input.reason },
      ip: ctx.ip,
    });
  });
}

export async function findUserByUsername(db: DB, username: string) {
  return db.selectFrom("users").select(["id", "username", "name"]).where("username", "=", username).executeTakeFirst();
}

export async function listExtensions(db: DB, assignmentId: number) {
  return db
    .selectFrom("assignment_extensions as e")
    .innerJoin("users as u", "u.id", "e.user_id")
    .innerJoin("users as g", "g.id", "e.granted_by")
    .select(["e.id", "e.user_id", "e.due_at", "e.cutoff_at", "e.reason", "e.created_at", "u.username", "u.name", "g.name as granted_by_name"])
    .where("e.assignment_id", "=", assignmentId)
    .orderBy("e.id", "desc")
    .execute();
}

/** Blind grading, late penalty and similarity threshold (audited); a new threshold re-checks every pair. */
export async function updateSettings(
  db: DB,
  input: { assignmentId: number; blind: boolean; latePenaltyPercent: number; similarityThreshold: number; actorId: number },
  ctx: Ctx = {},
) {
  const t = ctx.now ?? nowSeconds();
  if (input.latePenaltyPercent < 0 || input.latePenaltyPercent > 100) throw new AssignmentError("迟交扣分比例应在 0 到 100 之间");
  if (input.similarityThreshold < 0.1 || input.similarityThreshold > 0.95) throw new AssignmentError("相似度阈值应在 0.1 到 0.95 之间");
  const before = await getSettings(db, input.assignmentId);
  await writeTransaction(db, async (trx) => {
    const values = {
      blind: input.blind ? 1 : 0,
      late_penalty_percent: input.latePenaltyPercent,
      similarity_threshold: input.similarityThreshold,
      updated_by: input.actorId,
      updated_at: t,
    };
    await trx
      .insertInto("assignment_settings")
      .values({ assignment_id: input.assignmentId, ...values })
      .onConflict((oc) => oc.column("assignment_id").doUpdateSet(values))
      .execute();
    await audit(trx, {
      actorId: input.actorId,
      action: "assignment.settings",
      targetType: "assignment",
      targetId: input.assignmentId,
      detail: { before, after: { blind: input.blind, latePenaltyPercent: input.latePenaltyPercent, similarityThreshold: input.similarityThreshold } },
      ip: ctx.ip,
    });
  });
  if (before.similarityThreshold !== input.similarityThreshold) await recomputeSimilarity(db, input.assignmentId, { now: t });
}

/** Releases (or withdraws) the grades of a blind-graded assignment: trainees see scores, graders see names. */
export async function setReleased(db: DB, input: { assignmentId: number; released: boolean; actorId: number }, ctx: Ctx = {}) {
  const t = ctx.now ?? nowSeconds();
  await writeTransaction(db, async (trx) => {
    const releasedAt = input.released ? t : null;
    await trx
      .insertInto("assignment_settings")
      .values({ assignment_id: input.assignmentId, released_at: releasedAt, updated_by: input.actorId, updated_at: t })
      .onConflict((oc) => oc.column("assignment_id").doUpdateSet({ released_at: releasedAt, updated_by: input.actorId, updated_at: t }))
      .execute();
    if (input.released) {
      const graded = await trx
        .selectFrom("submissions")
        .select(["id", "user_id", "graded_version"])
        .where("assignment_id", "=", input.assignmentId)
        .where("status", "=", "graded")
        .execute();
      const assignment = await trx
        .selectFrom("assignments")
        .select(["course_id", "key", "title"])
        .where("id", "=", input.assignmentId)
        .executeTakeFirstOrThrow();
      await notifyOwners(
        trx,
        assignment,
        graded.map((g) => ({ id: g.id, userId: g.user_id, version: g.graded_version ?? 0 })),
        "report_graded",
        { t, email: ctx.email },
      );
    }
    await audit(trx, {
      actorId: input.actorId,
      action: input.released ? "assignment.release" : "assignment.unrelease",
      targetType: "assignment",
      targetId: input.assignmentId,
      ip: ctx.ip,
    });
  });
}

/** Tells the trainees that their submission (this version) was graded or returned; once per version and kind. */
async function notifyOwners(
  trx: DB,
  assignment: { course_id: number; key: string; title: string },
  subs: { id: number; userId: number; version: number }[],
  kind: "report_graded" | "report_returned",
  opts: NotifyOptions,
) {
  if (!subs.length) return;
  const { slug } = await trx.selectFrom("courses").select("slug").where("id", "=", assignment.course_id).executeTakeFirstOrThrow();
  const title = kind === "report_graded" ? `您的《${assignment.title}》已评分` : `您的《${assignment.title}》被退回修改`;
  const body = kind === "report_graded" ? "请查看成绩和评语。" : "请查看教师意见，修改后重新提交。";
  await notify(
    trx,
    subs.map((s) => ({
      userId: s.userId,
      kind,
      title,
      body,
      link: `/courses/${slug}/assignments/${assignment.key}`,
      key: `submission:${s.id}:v${s.version}:${kind}`,
    })),
    opts,
  );
}

/** Assignments of the courses a grader teaches (all courses for an admin) with how many wait for grading. */
export async function listGradingOverview(db: DB, viewer: Person) {
  const q = db
    .selectFrom("assignments as a")
    .innerJoin("courses as c", "c.id", "a.course_id")
    .select(["a.id", "a.key", "a.title", "a.kind", "a.due_at", "c.slug", "c.title as course_title", "c.instructors"])
    .where("a.archived", "=", 0)
    .where("c.archived", "=", 0);
  const rows = await q
    .where(taughtBySql(db, "c.instructors", viewer))
    .orderBy("c.id")
    .orderBy("a.position")
    .execute();
  if (!rows.length) return [];
  const counts = await db
    .selectFrom("submissions")
    .select(["assignment_id", "status", (eb) => eb.fn.countAll<number>().as("n")])
    .where(
      "assignment_id",
      "in",
      rows.map((r) => r.id),
    )
    .where("current_version", ">", 0)
    .groupBy(["assignment_id", "status"])
    .execute();
  const count = (id: number, statuses: SubmissionStatus[]) =>
    counts.filter((c) => c.assignment_id === id && statuses.includes(c.status)).reduce((n, c) => n + Number(c.n), 0);
  return rows.map(({ instructors: _i, ...r }) => ({
    ...r,
    waiting: count(r.id, ["submitted", "late"]),
    returned: count(r.id, ["returned"]),
    graded: count(r.id, ["graded"]),
  }));
}

// ------------------------------------------------------------------------------------ files

/**
 * An attachment for download: to its author (drafts included), and — once submitted — to the course's
 * instructors and admins. Anyone else gets undefined (404, the file's existence is not revealed).
 */
export async function getSubmissionFileForViewer(db: DB, fileId: number, viewer: Person) {
  const row = await db
    .selectFrom("submission_files as f")
    .innerJoin("submissions as s", "s.id", "f.submission_id")
    .innerJoin("assignments as a", "a.id", "s.assignment_id")
    .innerJoin("courses as c", "c.id", "a.course_id")
    .select(["f.id", "f.sha256", "f.name", "f.type", "f.size", "f.version_id", "s.user_id", "c.instructors"])
    .where("f.id", "=", fileId)
    .executeTakeFirst();
  if (!row) return undefined;
  const own = row.user_id === viewer.id;
  const grader = row.version_id !== null && seesEverything({ instructors: JSON.parse(row.instructors) as string[] }, viewer);
  if (!own && !grader) return undefined;
  return { id: row.id, sha256: row.sha256, name: row.name, type: row.type as AttachmentType, size: row.size };
}

// ------------------------------------------------------------------------------------ similarity

type SigRow = { id: number; user_id: number; minhash: Uint8Array | null };

async function signaturesOf(db: DB, assignmentId: number): Promise<SigRow[]> {
  return db
    .selectFrom("submission_versions as v")
    .innerJoin("submissions as s", "s.id", "v.submission_id")
    .select(["v.id", "s.user_id", "v.minhash"])
    .where("s.assignment_id", "=", assignmentId)
    .where("v.minhash", "is not", null)
    .orderBy("v.id")
    .execute();
}

async function textsOf(db: DB, versionIds: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (let i = 0; i < versionIds.length; i += 500) {
    const rows = await db
      .selectFrom("submission_versions")
      .select(["id", "text_md"])
      .where("id", "in", versionIds.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.id, r.text_md);
  }
  return out;
}

async function insertFlags(db: DB, assignmentId: number, pairs: { a: number; b: number; score: number }[], t: number) {
  for (const p of pairs) {
    const [a, b] = p.a < p.b ? [p.a, p.b] : [p.b, p.a];
    await db
      .insertInto("similarity_flags")
      .values({ assignment_id: assignmentId, version_a: a, version_b: b, score: p.score, computed_at: t })
      .onConflict((oc) => oc.columns(["version_a", "version_b"]).doUpdateSet({ score: p.score, computed_at: t }))
      .execute();
  }
}

/**
 * Compares one submitted version with every version other trainees handed in for the same
 * assignment (earlier classes included: they are submissions to the same assignment): LSH bands
 * pick candidates from the stored signatures, exact Jaccard decides. Returns the number of flags.
 */
async function checkVersionSimilarity(db: DB, versionId: number, ctx: Ctx = {}): Promise<number> {
  const t = ctx.now ?? nowSeconds();
  const me = await db
    .selectFrom("submission_versions as v")
    .innerJoin("submissions as s", "s.id", "v.submission_id")
    .select(["v.id", "v.text_md", "v.minhash", "s.user_id", "s.assignment_id"])
    .where("v.id", "=", versionId)
    .executeTakeFirst();
  if (!me?.minhash) return 0;
  const { similarityThreshold } = await getSettings(db, me.assignment_id);
  const others = (await signaturesOf(db, me.assignment_id)).filter((r) => r.user_id !== me.user_id);
  const picked = candidatesFor(
    signatureFromBytes(me.minhash),
    others.map((r) => signatureFromBytes(r.minhash!)),
    similarityThreshold,
  );
  if (!picked.length) return 0;
  const texts = await textsOf(
    db,
    picked.map((i) => others[i]!.id),
  );
  const mine = shinglesOf(me.text_md);
  const flags = picked
    .map((i) => ({ a: me.id, b: others[i]!.id, score: jaccard(mine, shinglesOf(texts.get(others[i]!.id) ?? "")) }))
    .filter((p) => p.score >= similarityThreshold);
  if (flags.length) await writeTransaction(db, (trx) => insertFlags(trx, me.assignment_id, flags, t));
  return flags.length;
}

/** Re-checks every pair of an assignment (after a threshold change): all pairs through LSH buckets. */
export async function recomputeSimilarity(db: DB, assignmentId: number, ctx: Ctx = {}): Promise<number> {
  const t = ctx.now ?? nowSeconds();
  const { similarityThreshold } = await getSettings(db, assignmentId);
  const rows = await signaturesOf(db, assignmentId);
  const pairs = candidatePairs(
    rows.map((r) => signatureFromBytes(r.minhash!)),
    similarityThreshold,
  ).filter(([i, j]) => rows[i]!.user_id !== rows[j]!.user_id);
  const texts = await textsOf(
    db,
    [...new Set(pairs.flat())].map((i) => rows[i]!.id),
  );
  const shingles = new Map<number, Uint32Array>();
  const of = (i: number) => {
    const id = rows[i]!.id;
    let s = shingles.get(id);
    if (!s) shingles.set(id, (s = shinglesOf(texts.get(id) ?? "")));
    return s;
  };
  const flags = pairs.map(([i, j]) => ({ a: rows[i]!.id, b: rows[j]!.id, score: jaccard(of(i), of(j)) })).filter((p) => p.score >= similarityThreshold);
  await writeTransaction(db, async (trx) => {
    await trx.deleteFrom("similarity_flags").where("assignment_id", "=", assignmentId).execute();
    await insertFlags(trx, assignmentId, flags, t);
  });
  return flags.length;
}

async function maxFlagBySubmission(db: DB, assignmentId: number): Promise<Map<number, number>> {
  const rows = await db
    .selectFrom("similarity_flags as f")
    .innerJoin("submission_versions as va", "va.id", "f.version_a")
    .innerJoin("submission_versions as vb", "vb.id", "f.version_b")
    .select(["va.submission_id as sa", "vb.submission_id as sb", "f.score"])
    .where("f.assignment_id", "=", assignmentId)
    .execute();
  const out = new Map<number, number>();
  for (const r of rows) {
    for (const s of [r.sa, r.sb]) out.set(s, Math.max(out.get(s) ?? 0, r.score));
  }
  return out;
}

/** Flags that involve any version of one submission, with the other side's submission and trainee. */
async function listFlagsForSubmission(db: DB, assignmentId: number, submissionId: number) {
  const rows = await db
    .selectFrom("similarity_flags as f")
    .innerJoin("submission_versions as va", "va.id", "f.version_a")
    .innerJoin("submission_versions as vb", "vb.id", "f.version_b")
    .select(["f.id", "f.score", "f.computed_at", "va.submission_id as sa", "va.version as na", "vb.submission_id as sb", "vb.version as nb"])
    .where("f.assignment_id", "=", assignmentId)
    .where((eb) => eb.or([eb("va.submission_id", "=", submissionId), eb("vb.submission_id", "=", submissionId)]))
    .orderBy("f.score", "desc")
    .execute();
  const otherIds = [...new Set(rows.map((r) => (r.sa === submissionId ? r.sb : r.sa)))];
  const people = otherIds.length
    ? await db
        .selectFrom("submissions as s")
        .innerJoin("users as u", "u.id", "s.user_id")
        .select(["s.id", "u.username", "u.name"])
        .where("s.id", "in", otherIds)
        .execute()
    : [];
  return rows.map((r) => {
    const mineIsA = r.sa === submissionId;
    const other = mineIsA ? r.sb : r.sa;
    const person = people.find((p) => p.id === other);
    return {
      id: r.id,
      score: r.score,
      myVersion: mineIsA ? r.na : r.nb,
      otherSubmissionId: other,
      otherVersion: mineIsA ? r.nb : r.na,
      otherUsername: person?.username ?? "",
      otherName: person?.name ?? "",
    };
  });
}

/** The two texts of a flag with their shared passages marked; `submissionId` must be one side. */
export async function compareFlag(db: DB, assignmentId: number, submissionId: number, flagId: number) {
  const flag = await db
    .selectFrom("similarity_flags as f")
    .innerJoin("submission_versions as va", "va.id", "f.version_a")
    .innerJoin("submission_versions as vb", "vb.id", "f.version_b")
    .select(["f.score", "va.submission_id as sa", "va.text_md as ta", "vb.submission_id as sb", "vb.text_md as tb"])
    .where("f.id", "=", flagId)
    .where("f.assignment_id", "=", assignmentId)
    .executeTakeFirst();
  if (!flag || (flag.sa !== submissionId && flag.sb !== submissionId)) return undefined;
  const [mine, theirs] = flag.sa === submissionId ? [flag.ta, flag.tb] : [flag.tb, flag.ta];
  const cmp = commonPassages(mine, theirs);
  return { score: flag.score, mine: cmp.a, theirs: cmp.b, passages: cmp.passages, sharedChars: cmp.sharedChars };
}

// ------------------------------------------------------------------------------------ export

/**
 * Every handed-in submission of an assignment as a zip, streamed: `支部/学号-姓名/v2-正文.md` for every
 * version's text and `支部/学号-姓名/附件名.pdf` for the current version's attachments. Names come from
 * user data and are made safe path segments; with names hidden (blind grading) folders are
 * anonymous. Audited as an export of personal data.
 */
export async function exportSubmissionsZip(
  db: DB,
  storage: Storage,
  input: { assignment: AssignmentView; settings: Settings; actorId: number; classId?: number },
  ctx: Ctx = {},
): Promise<{ stream: ReadableStream<Uint8Array>; count: number }> {
  const rows = await listQueue(db, input.assignment.id, { classId: input.classId });
  const hide = namesHidden(input.settings);
  await audit(db, {
    actorId: input.actorId,
    action: "assignment.export",
    targetType: "assignment",
    targetId: input.assignment.id,
    detail: { submissions: rows.length, anonymous: hide, classId: input.classId ?? null },
    ip: ctx.ip,
  });
  const entries = async function* () {
    const used = new Set<string>();
    const unique = (path: string) => {
      let p = path;
      for (let n = 2; used.has(p); n++) p = path.replace(/(\.[^./]+)?$/, (ext) => `(${n})${ext}`);
      used.add(p);
      return p;
    };
    for (const r of rows) {
      const folder = hide ? `${anonymousLabel(r.id)}` : `${safeSegment(r.unit_name, "未知支部")}/${safeSegment(`${r.username}-${r.name}`)}`;
      const { versions } = await versionsOf(db, r.id);
      for (const v of [...versions].reverse()) {
        if (v.text_md.trim()) yield { name: unique(`${folder}/v${v.version}-正文.md`), text: v.text_md };
      }
      for (const f of versions[0]?.files ?? []) {
        const sha = await db.selectFrom("submission_files").select("sha256").where("id", "=", f.id).executeTakeFirstOrThrow();
        yield { name: unique(`${folder}/${safeSegment(f.name, "附件")}`), file: storage.pathOf(sha.sha256) };
      }
    }
  };
  return { stream: zipStream(entries()), count: rows.length };
}

type ZipEntry = { name: string; text?: string; file?: string };

/** A zip built entry by entry as the reader pulls, so memory holds one chunk, not the archive. */
function zipStream(entries: AsyncIterable<ZipEntry>): ReadableStream<Uint8Array> {
  const queue: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure = err;
    else queue.push(chunk);
  });
  async function* produce(): AsyncGenerator<Uint8Array> {
    const flush = function* () {
      if (failure) throw failure;
      while (queue.length) yield queue.shift()!;
    };
    for await (const e of entries) {
      if (e.text !== undefined) {
        const f = new ZipDeflate(e.name, { level: 6 });
        zip.add(f);
        f.push(strToU8(e.text), true);
      } else if (e.file) {
        const f = new ZipPassThrough(e.name); // PDFs, images and docx are compressed already
        zip.add(f);
        for await (const chunk of fs.createReadStream(e.file)) {
          f.push(chunk as Uint8Array);
          yield* flush();
        }
        f.push(new Uint8Array(0), true);
      }
      yield* flush();
    }
    zip.end();
    yield* flush();
  }
  const it = produce();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await it.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await it.return(undefined);
    },
  });
}
