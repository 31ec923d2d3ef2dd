// 思想汇报 the branch runs: written by a trainee from their home page (drafts, attachments, submit),
// read by their 培养联系人 and the secretary, who write a dated 考察意见 or return it with a request.
// The rhythm a unit sets per stage decides what is overdue.
import { STAGES, type Stage, type ThoughtReportStatus } from "../../db/types.ts";
import { inSubtree, now, writeTransaction, type DB } from "~/utils/db.server.ts";
import { cstDate, cstToday, isCstDay } from "~/utils/cst.ts";
import { countInPeriod, DEFAULT_RHYTHM, editable, PERIOD_MONTHS, reviewable, standing, type PeriodMonths, type Rhythm } from "~/utils/report-rhythm.ts";
import type { AcceptedFile } from "~/utils/uploads.server.ts";
import { audit } from "./audit.server.ts";
import { notify } from "./notifications.server.ts";
import { accessTo, BranchError, FOLLOWED_STAGES, getPerson, governedPath, type Access, type BranchViewer } from "./branch-scope.server.ts";
import { pathInSubtree } from "~/utils/org-path.ts";

export const MAX_REPORT_FILES = 5;
export const REPORT_MAX_BYTES = 10 * 1024 * 1024;
export const REPORT_ALLOWED = ["pdf", "docx", "doc", "jpg", "png"] as const;
export const MIN_REPORT_CHARS = 200;
const MAX_TITLE = 60;

type Ctx = { ip?: string | null; now?: number; today?: string; email?: boolean };

// ---------------------------------------------------------------- rhythm

/** Every unit's own settings, with the unit's path. Small: at most units × stages rows. */
async function allRhythms(db: DB) {
  return db
    .selectFrom("report_rhythms as r")
    .innerJoin("org_units as o", "o.id", "r.org_unit_id")
    .select(["r.org_unit_id", "r.stage", "r.period_months", "r.min_count", "o.path"])
    .execute();
}
type RhythmRow = Awaited<ReturnType<typeof allRhythms>>[number];

/** The rhythm for a stage at a unit: the nearest unit above (or at) it that set one, else the default. */
function rhythmAt(rows: RhythmRow[], unitPath: string, stage: Stage): Rhythm & { setAt: number | null } {
  let best: RhythmRow | undefined;
  for (const r of rows) if (r.stage === stage && pathInSubtree(unitPath, r.path) && (!best || r.path.length > best.path.length)) best = r;
  return best
    ? { periodMonths: best.period_months as PeriodMonths, minCount: best.min_count, setAt: best.org_unit_id }
    : { ...DEFAULT_RHYTHM[stage], setAt: null };
}

export async function rhythmsForUnit(db: DB, unitPath: string) {
  const rows = await allRhythms(db);
  return FOLLOWED_STAGES.map((stage) => ({ stage, ...rhythmAt(rows, unitPath, stage) }));
}

export async function setRhythm(
  db: DB,
  input: { orgUnitId: number; stage: Stage; periodMonths: number; minCount: number },
  actor: BranchViewer,
  ctx: Ctx = {},
) {
  if (!FOLLOWED_STAGES.includes(input.stage) || !STAGES.includes(input.stage)) throw new BranchError("只能为入党积极分子、发展对象、预备党员设置思想汇报频次");
  if (!(PERIOD_MONTHS as readonly number[]).includes(input.periodMonths)) throw new BranchError("周期须为每月、每季度、每半年或每年", "periodMonths");
  if (!Number.isInteger(input.minCount) || input.minCount < 0 || input.minCount > 12) throw new BranchError("每周期篇数须为 0 到 12 的整数", "minCount");
  return writeTransaction(db, async (trx) => {
    const path = await governedPath(trx, actor);
    const unit = await trx.selectFrom("org_units").select(["id", "path"]).where("id", "=", input.orgUnitId).executeTakeFirst();
    if (!path || !unit || !pathInSubtree(unit.path, path)) throw new BranchError("组织不存在或不在您管理的范围内");
    const values = { period_months: input.periodMonths, min_count: input.minCount, updated_by: actor.id, updated_at: now() };
    await trx
      .insertInto("report_rhythms")
      .values({ org_unit_id: unit.id, stage: input.stage, ...values })
      .onConflict((oc) => oc.columns(["org_unit_id", "stage"]).doUpdateSet(values))
      .execute();
    await audit(trx, {
      actorId: actor.id,
      action: "report.rhythm",
      targetType: "org_unit",
      targetId: unit.id,
      detail: { stage: input.stage, periodMonths: input.periodMonths, minCount: input.minCount },
      ip: ctx.ip,
    });
  });
}

// ---------------------------------------------------------------- writing (the trainee)

async function ownReport(db: DB, reportId: number, userId: number) {
  const r = await db.selectFrom("thought_reports").selectAll().where("id", "=", reportId).where("user_id", "=", userId).executeTakeFirst();
  if (!r) throw new BranchError("思想汇报不存在", undefined, 404);
  return r;
}

export async function createReport(db: DB, userId: number, ctx: Ctx = {}) {
  const person = await getPerson(db, userId);
  if (!person || !FOLLOWED_STAGES.includes(person.stage)) throw new BranchError("入党积极分子、发展对象和预备党员才需要提交思想汇报");
  const t = ctx.now ?? now();
  const { id } = await db
    .insertInto("thought_reports")
    .values({ user_id: userId, title: "思想汇报", created_at: t, updated_at: t })
    .returning("id")
    .executeTakeFirstOrThrow();
  return id;
}

/** The trainee's own attachments of a report (a 考察意见's files carry their review's id). */
const ownFiles = (db: DB, reportId: number) => db.selectFrom("thought_report_files").where("report_id", "=", reportId).where("review_id", "is", null);

/**
 * Saves the draft and adds attachments. `seq` is the page's sequence number for this version (0 from a
 * page without JavaScript). An autosave loses to anything newer (`applied: false`); an explicit save (a
 * button) always applies and moves the stored number past both the stored one and its own, so an
 * autosave of the same page sent before it can never overwrite it.
 */
export async function saveReportDraft(
  db: DB,
  input: { reportId: number; userId: number; title: string; text: string; seq?: number; autosave?: boolean; files?: AcceptedFile[] },
  ctx: Ctx = {},
): Promise<{ savedAt: number; applied: boolean; seq: number }> {
  return writeTransaction(db, async (trx) => {
    const r = await ownReport(trx, input.reportId, input.userId);
    if (!editable(r.status)) throw new BranchError("已提交的思想汇报不能修改；被退回后可修改再提交", undefined, 409);
    const title = input.title.trim().slice(0, MAX_TITLE) || "思想汇报";
    const t = ctx.now ?? now();
    const asked = input.seq ?? 0;
    const applied = !input.autosave || asked > r.draft_seq;
    const seq = applied ? Math.max(r.draft_seq + 1, asked) : r.draft_seq;
    if (applied) {
      await trx.updateTable("thought_reports").set({ title, draft_md: input.text, draft_seq: seq, updated_at: t }).where("id", "=", r.id).execute();
    }
    const files = input.files ?? [];
    if (files.length) {
      const have = await ownFiles(trx, r.id)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      if (Number(have.n) + files.length > MAX_REPORT_FILES) throw new BranchError(`附件最多 ${MAX_REPORT_FILES} 个`, "files");
      await trx
        .insertInto("thought_report_files")
        .values(files.map((f) => ({ report_id: r.id, sha256: f.sha256, name: f.name, type: f.type, size: f.size, created_at: t })))
        .execute();
    }
    return { savedAt: t, applied, seq };
  });
}

export async function removeReportFile(db: DB, input: { reportId: number; userId: number; fileId: number }) {
  const r = await ownReport(db, input.reportId, input.userId);
  if (!editable(r.status)) throw new BranchError("已提交的思想汇报不能修改");
  await db.deleteFrom("thought_report_files").where("id", "=", input.fileId).where("report_id", "=", r.id).where("review_id", "is", null).execute();
}

function countReportChars(text: string) {
  return text.replace(/\s/g, "").length;
}

export async function submitReport(db: DB, input: { reportId: number; userId: number }, ctx: Ctx = {}) {
  return writeTransaction(db, async (trx) => {
    const r = await ownReport(trx, input.reportId, input.userId);
    if (!editable(r.status)) throw new BranchError("该思想汇报已提交", undefined, 409);
    const chars = countReportChars(r.draft_md);
    if (chars < MIN_REPORT_CHARS) throw new BranchError(`思想汇报正文至少 ${MIN_REPORT_CHARS} 字，现有 ${chars} 字`, "text");
    const person = (await getPerson(trx, input.userId))!;
    const t = ctx.now ?? now();
    await trx
      .updateTable("thought_reports")
      .set({ status: "submitted", text_md: r.draft_md, stage: person.stage, submitted_at: t, updated_at: t })
      .where("id", "=", r.id)
      .execute();
    await audit(trx, { actorId: input.userId, action: "report.submit", targetType: "thought_report", targetId: r.id, ip: ctx.ip });
  });
}

export async function listMyReports(db: DB, userId: number) {
  return db
    .selectFrom("thought_reports")
    .select(["id", "title", "status", "submitted_at", "updated_at"])
    .where("user_id", "=", userId)
    .orderBy("updated_at", "desc")
    .orderBy("id", "desc")
    .execute();
}

/** What the trainee's home page shows: this period's count against the rhythm and last period's. */
export async function myReportStanding(db: DB, userId: number, today = cstToday()) {
  const person = await getPerson(db, userId);
  if (!person || !FOLLOWED_STAGES.includes(person.stage)) return null;
  const [rows, reports, since] = await Promise.all([allRhythms(db), reportTimes(db, [userId]), stageSinceOf(db, [userId])]);
  return standing(reports.get(userId) ?? [], rhythmAt(rows, person.unit_path, person.stage), today, since.get(userId) ?? null);
}

// ---------------------------------------------------------------- reading and 考察意见

/** A report for whoever may see it: its author (drafts too), their current 培养联系人, the governing secretary or admin. */
export async function getReportForViewer(db: DB, reportId: number, viewer: BranchViewer) {
  const r = await db.selectFrom("thought_reports").selectAll().where("id", "=", reportId).executeTakeFirst();
  const person = r ? await getPerson(db, r.user_id) : undefined;
  const access: Access | null = person ? await accessTo(db, viewer, person) : null;
  if (!r || !person || !access) return null;
  if (access !== "self" && r.status === "draft") return null;
  const [allFiles, reviews] = await Promise.all([
    db.selectFrom("thought_report_files").select(["id", "name", "type", "size", "review_id"]).where("report_id", "=", r.id).orderBy("id").execute(),
    db
      .selectFrom("thought_report_reviews as v")
      .innerJoin("users as u", "u.id", "v.reviewer_id")
      .select(["v.id", "v.kind", "v.body_md", "v.reviewed_on", "v.created_at", "u.name as reviewer"])
      .where("v.report_id", "=", r.id)
      .orderBy("v.id")
      .execute(),
  ]);
  const fileView = ({ id, name, type, size }: (typeof allFiles)[number]) => ({ id, name, type, size });
  const files = allFiles.filter((f) => f.review_id === null).map(fileView);
  return {
    report: r,
    person,
    access,
    files,
    reviews: reviews.map((v) => ({ ...v, files: allFiles.filter((f) => f.review_id === v.id).map(fileView) })),
  };
}

export async function getReportFileForViewer(db: DB, fileId: number, viewer: BranchViewer) {
  const f = await db.selectFrom("thought_report_files").selectAll().where("id", "=", fileId).executeTakeFirst();
  if (!f) return null;
  return (await getReportForViewer(db, f.report_id, viewer)) ? f : null;
}

export async function reviewReport(
  db: DB,
  input: { reportId: number; kind: "opinion" | "return"; body: string; reviewedOn: string; files?: AcceptedFile[] },
  viewer: BranchViewer,
  ctx: Ctx = {},
) {
  const today = ctx.today ?? cstToday();
  const body = input.body.trim();
  const files = input.files ?? [];
  if (!body) throw new BranchError(input.kind === "return" ? "请写明退回的原因和修改要求" : "请填写考察意见", "body");
  if (!isCstDay(input.reviewedOn)) throw new BranchError("日期无效（格式 YYYY-MM-DD）", "reviewedOn");
  if (input.reviewedOn > today) throw new BranchError(`日期不能晚于今天（${today}）`, "reviewedOn");
  if (files.length > MAX_REPORT_FILES) throw new BranchError(`附件最多 ${MAX_REPORT_FILES} 个`, "files");
  return writeTransaction(db, async (trx) => {
    const found = await getReportForViewer(trx, input.reportId, viewer);
    if (!found || found.access === "self") throw new BranchError("思想汇报不存在");
    const { report } = found;
    if (!reviewable(report.status)) throw new BranchError("该思想汇报现在不能审阅（已退回或未提交）", undefined, 409);
    if (report.submitted_at && input.reviewedOn < cstDate(report.submitted_at)) throw new BranchError("考察日期不能早于提交日期", "reviewedOn");
    const t = now();
    const { id: reviewId } = await trx
      .insertInto("thought_report_reviews")
      .values({ report_id: report.id, reviewer_id: viewer.id, kind: input.kind, body_md: body, reviewed_on: input.reviewedOn, created_at: t })
      .returning("id")
      .executeTakeFirstOrThrow();
    if (files.length) {
      await trx
        .insertInto("thought_report_files")
        .values(files.map((f) => ({ report_id: report.id, review_id: reviewId, sha256: f.sha256, name: f.name, type: f.type, size: f.size, created_at: t })))
        .execute();
    }
    const status: ThoughtReportStatus = input.kind === "return" ? "returned" : "reviewed";
    await trx
      .updateTable("thought_reports")
      .set({ status, updated_at: t, ...(input.kind === "return" ? { draft_md: report.text_md ?? report.draft_md } : {}) })
      .where("id", "=", report.id)
      .execute();
    await audit(trx, {
      actorId: viewer.id,
      action: input.kind === "return" ? "report.return" : "report.opinion",
      targetType: "thought_report",
      targetId: report.id,
      detail: { reviewedOn: input.reviewedOn, reviewId, files: files.length },
      ip: ctx.ip,
    });
    // The trainee hears of it in the same transaction (inbox, and e-mail where configured and wanted).
    const returned = input.kind === "return";
    await notify(
      trx,
      [
        {
          userId: report.user_id,
          kind: returned ? "thought_report_returned" : "thought_report_opinion",
          title: returned ? `思想汇报“${report.title}”被退回修改` : `思想汇报“${report.title}”有新的考察意见`,
          body: body.slice(0, 300),
          link: `/my/reports/${report.id}`,
          key: `thought_report:${report.id}:review:${reviewId}`,
        },
      ],
      { t, email: ctx.email },
    );
  });
}

/** A trainee's handed-in reports (not drafts), newest first, for the branch record. */
export async function listReportsOfTrainee(db: DB, userId: number) {
  return db
    .selectFrom("thought_reports")
    .select(["id", "title", "status", "submitted_at"])
    .where("user_id", "=", userId)
    .where("status", "!=", "draft")
    .orderBy("submitted_at", "desc")
    .execute();
}

/** Reports waiting to be read: of the viewer's current trainees, or in the subtree they govern. */
export async function listReportsToRead(db: DB, viewer: BranchViewer) {
  const path = await governedPath(db, viewer);
  let q = db
    .selectFrom("thought_reports as r")
    .innerJoin("users as u", "u.id", "r.user_id")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .select(["r.id", "r.title", "r.status", "r.submitted_at", "u.id as user_id", "u.name", "u.username", "o.name as unit_name"])
    .where("r.status", "=", "submitted");
  const liaisonOf = db.selectFrom("liaison_assignments").select("trainee_id").where("liaison_id", "=", viewer.id).where("end_on", "is", null);
  q = path !== null ? q.where((eb) => eb.or([inSubtree("o.path", path), eb("u.id", "in", liaisonOf)])) : q.where("u.id", "in", liaisonOf);
  return q.orderBy("r.submitted_at").limit(200).execute();
}

// ---------------------------------------------------------------- overdue

async function reportTimes(db: DB, userIds: number[]) {
  const out = new Map<number, { submittedAt: number | null; status: ThoughtReportStatus }[]>();
  for (let i = 0; i < userIds.length; i += 500) {
    const rows = await db
      .selectFrom("thought_reports")
      .select(["user_id", "submitted_at", "status"])
      .where("user_id", "in", userIds.slice(i, i + 500))
      .where("submitted_at", "is not", null)
      .execute();
    for (const r of rows) out.set(r.user_id, [...(out.get(r.user_id) ?? []), { submittedAt: r.submitted_at, status: r.status }]);
  }
  return out;
}

/**
 * The day each user entered their current stage: its recorded decision, else the day their account
 * was made (nothing is owed for periods before someone was in the system).
 */
async function stageSinceOf(db: DB, userIds: number[]) {
  const out = new Map<number, string>();
  for (let i = 0; i < userIds.length; i += 500) {
    const slice = userIds.slice(i, i + 500);
    for (const u of await db.selectFrom("users").select(["id", "created_at"]).where("id", "in", slice).execute()) out.set(u.id, cstDate(u.created_at));
    const rows = await db
      .selectFrom("stage_events as e")
      .innerJoin("users as u", (j) => j.onRef("u.id", "=", "e.user_id").onRef("u.stage", "=", "e.stage"))
      .select(["e.user_id", "e.decided_on"])
      .where("e.user_id", "in", slice)
      .where("e.withdrawn_at", "is", null)
      .execute();
    for (const r of rows) out.set(r.user_id, r.decided_on);
  }
  return out;
}

/** Handed-in report counts per user between two Beijing days (inclusive), for exports. */
export async function reportCounts(db: DB, userIds: number[], from: string, to: string) {
  const times = await reportTimes(db, userIds);
  return new Map(userIds.map((id) => [id, countInPeriod(times.get(id) ?? [], { start: from, end: to, label: "" })]));
}

/** Trainees of a subtree whose last full period has fewer 思想汇报 than their rhythm asks. */
export async function listOverdue(db: DB, path: string, today = cstToday()) {
  const people = await db
    .selectFrom("users as u")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .select(["u.id", "u.username", "u.name", "u.stage", "o.name as unit_name", "o.path"])
    .where(inSubtree("o.path", path))
    .where("u.active", "=", 1)
    .where("u.stage", "in", [...FOLLOWED_STAGES])
    .where("u.id", "in", db.selectFrom("user_roles").select("user_id").where("role", "=", "trainee"))
    .orderBy("u.username")
    .execute();
  const ids = people.map((p) => p.id);
  const [rows, times, since] = await Promise.all([allRhythms(db), reportTimes(db, ids), stageSinceOf(db, ids)]);
  const out = [];
  for (const p of people) {
    const s = standing(times.get(p.id) ?? [], rhythmAt(rows, p.path, p.stage), today, since.get(p.id) ?? null);
    if (s?.last.overdue) out.push({ id: p.id, username: p.username, name: p.name, stage: p.stage, unit_name: p.unit_name, ...s.last });
  }
  return out;
}
