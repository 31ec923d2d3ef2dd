// 培训台账: one row per (trainee, training class) with the columns the organization department keeps,
// filtered by class, kind, 期次, org subtree, dates and completion status, previewed on
// /admin/ledger and /branch/ledger and exported as streamed XLSX/CSV (also per class as its results
// sheet). A row reports the decision where one was made: members whose completion was confirmed show
// the result as it was confirmed (stored with the decision, the same numbers the certificate printed);
// the others show their live standing from `classResults` (class-rules' computeResult) and read 未认定.
import { DECIDED_STAGES, STAGE_EVENT_LABEL, type DecidedStage } from "~/utils/stage-rules.ts";
import { currentLiaisonNames } from "./branch-liaisons.server.ts";
import { stageDaysOf } from "./branch-stages.server.ts";
import { z } from "zod";
import { CLASS_KINDS, type OrgKind, type Stage } from "../../db/types.ts";
import { blockerText, type ClassResult } from "~/utils/class-rules.ts";
import { basisLabel } from "~/utils/completion.ts";
import type { DB } from "~/utils/db.server.ts";
import { LEDGER_STATUS_LABEL, LEDGER_STATUSES, STAGE_LABEL, type LedgerStatus } from "~/utils/labels.ts";
import type { Download, RefusedDownload } from "~/utils/http.server.ts";
import { csvStream, CSV_TYPE, XLSX_TYPE, type StreamColumn } from "~/utils/spreadsheet.server.ts";
import { safeSegment } from "~/utils/uploads.server.ts";
import { xlsxStream } from "~/utils/xlsx-stream.server.ts";
import { audit, XLSX_MAX_ROWS } from "./audit.server.ts";
import { classResults, getClassRow, listClassesFor, type ClassView, type ClassViewer } from "./classes.server.ts";
import { compareUnitPaths, listOrgUnits, withLabels } from "./org.server.ts";
import { cstDate } from "~/utils/cst.ts";
import { inSubtree } from "~/utils/db.server.ts";
import { pathInSubtree } from "~/utils/org-path.ts";

// ------------------------------------------------------------------------------------------ filter

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const validDay = (v: unknown) =>
  typeof v === "string" && DAY.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);
const day = z.preprocess((v) => (validDay(v) ? v : undefined), z.string().optional());
const positiveInt = (max: number) =>
  z.preprocess(
    (v) => (typeof v === "string" && /^\d{1,9}$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= max ? Number(v) : undefined),
    z.number().optional(),
  );

/** The ledger's filter as it appears in the query string; bad values are ignored, not errors. */
const LedgerFilterParams = z.object({
  class: positiveInt(2 ** 31),
  kind: z.enum(CLASS_KINDS).optional().catch(undefined),
  term: positiveInt(9999),
  unit: positiveInt(2 ** 31),
  from: day,
  to: day,
  status: z.enum(LEDGER_STATUSES).optional().catch(undefined),
});
type LedgerFilter = z.infer<typeof LedgerFilterParams>;

export function parseLedgerFilter(params: URLSearchParams): LedgerFilter {
  const f = LedgerFilterParams.parse(Object.fromEntries(params));
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as LedgerFilter;
}

/** The filter as a query string (for export links and the pager). */
function ledgerQuery(f: LedgerFilter): string {
  const q = new URLSearchParams(Object.entries(f).map(([k, v]) => [k, String(v)])).toString();
  return q ? `?${q}` : "";
}

/** Whose rows: everyone (admins), or a subtree (a secretary's unit). */
type LedgerScope = { unitPath: string | null };

/** The filter with the subtree resolved: a unit outside the viewer's subtree falls back to the subtree. */
type ResolvedFilter = Omit<LedgerFilter, "unit"> & { unitPath: string | null; userId?: number };

export async function resolveLedgerFilter(db: DB, f: LedgerFilter, scope: LedgerScope): Promise<ResolvedFilter> {
  const { unit, ...rest } = f;
  let unitPath = scope.unitPath;
  if (unit !== undefined) {
    const row = await db.selectFrom("org_units").select("path").where("id", "=", unit).executeTakeFirst();
    if (row && (scope.unitPath === null || pathInSubtree(row.path, scope.unitPath))) unitPath = row.path;
  }
  return { ...rest, unitPath };
}

/** Training classes matching the class-level part of the filter. */
function classesQuery(db: DB, f: ResolvedFilter) {
  let q = db.selectFrom("training_classes as k").select(["k.id"]);
  if (f.class !== undefined) q = q.where("k.id", "=", f.class);
  if (f.kind) q = q.where("k.kind", "=", f.kind);
  if (f.term !== undefined) q = q.where("k.term", "=", f.term);
  // A class is in the date range when its training period overlaps it.
  if (f.to) q = q.where("k.start_date", "<=", f.to);
  if (f.from) q = q.where("k.end_date", ">=", f.from);
  return q;
}

/** Members of the matching classes within the subtree and status, joined with what a row prints. */
function membersQuery(db: DB, f: ResolvedFilter) {
  let q = db
    .selectFrom("class_members as m")
    .innerJoin("training_classes as k", "k.id", "m.class_id")
    .innerJoin("users as u", "u.id", "m.user_id")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .where("m.class_id", "in", classesQuery(db, f));
  if (f.unitPath) q = q.where(inSubtree("o.path", f.unitPath));
  if (f.userId !== undefined) q = q.where("m.user_id", "=", f.userId);
  if (f.status === "completed") q = q.where("m.outcome", "=", "completed");
  else if (f.status === "not_completed") q = q.where("m.outcome", "=", "not_completed");
  else if (f.status === "undecided") q = q.where("m.outcome", "is", null);
  return q;
}

type LedgerCounts = { rows: number; classes: number; completed: number; notCompleted: number; undecided: number };

/** How many rows the filter gives, by 是否结业, and over how many classes. */
async function countLedger(db: DB, f: ResolvedFilter): Promise<LedgerCounts> {
  const [byOutcome, classes] = await Promise.all([
    membersQuery(db, f)
      .select(["m.outcome", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("m.outcome")
      .execute(),
    membersQuery(db, f)
      .select((eb) => eb.fn.count<number>("m.class_id").distinct().as("n"))
      .executeTakeFirstOrThrow(),
  ]);
  const n = (o: string | null) => Number(byOutcome.find((r) => r.outcome === o)?.n ?? 0);
  const counts = { completed: n("completed"), notCompleted: n("not_completed"), undecided: n(null) };
  return { rows: counts.completed + counts.notCompleted + counts.undecided, classes: Number(classes.n), ...counts };
}

// ------------------------------------------------------------------------------------------ rows

export type LedgerRow = {
  seq: number;
  userId: number;
  username: string;
  name: string;
  gender: string;
  subcommittee: string;
  branch: string;
  stage: Stage;
  /** The days the branch decided each stage (stage timeline); absent when not recorded. */
  stageDays: Partial<Record<DecidedStage, string>>;
  /** Current 培养联系人 names ("王一、李二"), empty when none. */
  liaisons: string;
  classId: number;
  className: string;
  term: number;
  startDate: string;
  endDate: string;
  requiredHours: number;
  hours: number;
  /** Required lessons done ÷ required lessons (0–1); null when the class has none. */
  lessonRate: number | null;
  assignment: number;
  exam: number;
  usual: number;
  composite: number;
  band: string;
  status: LedgerStatus;
  certificateNumber: string | null;
  /** Unix seconds. */
  issuedAt: number | null;
  /** When the certificate shown was revoked (a revoked one is shown when no valid one exists), and why. */
  revokedAt: number | null;
  revokeReason: string | null;
  note: string;
};

type UnitInfo = { name: string; kind: OrgKind };

/** 二级党委 and 党支部 of a unit path, from the units of the tree (read once per export). */
async function unitNamer(db: DB) {
  const units = new Map<number, UnitInfo>((await db.selectFrom("org_units").select(["id", "name", "kind"]).execute()).map((u) => [u.id, u]));
  const cache = new Map<string, { subcommittee: string; branch: string }>();
  return (path: string) => {
    let names = cache.get(path);
    if (!names) {
      const chain = path
        .split("/")
        .filter(Boolean)
        .map((id) => units.get(Number(id)));
      names = { subcommittee: chain.find((u) => u?.kind === "subcommittee")?.name ?? "", branch: chain.find((u) => u?.kind === "branch")?.name ?? "" };
      cache.set(path, names);
    }
    return names;
  };
}

type MemberLine = {
  user_id: number;
  username: string;
  name: string;
  gender: string;
  stage: Stage;
  unit_path: string;
  outcome: "completed" | "not_completed" | null;
  result: string | null;
  exception: "complete" | "fail" | null;
  exception_reason: string | null;
  exception_basis: string | null;
  /** 备注 written by the organization department. */
  member_note: string | null;
};

type CertLine = { user_id: number; number: string; issued_at: number; revoked_at: number | null; revoke_reason: string | null };

function pageQuery(db: DB, f: ResolvedFilter, classId: number, unitPath: string, after: string | null, limit: number) {
  let q = membersQuery(db, f)
    .select([
      "m.user_id",
      "u.username",
      "u.name",
      "u.gender",
      "u.stage",
      "o.path as unit_path",
      "m.outcome",
      "m.result",
      "m.exception",
      "m.exception_reason",
      "m.exception_basis",
      "m.note as member_note",
    ])
    .where("m.class_id", "=", classId)
    .where("o.path", "=", unitPath);
  if (after !== null) q = q.where("u.username", ">", after);
  return q.orderBy("u.username").limit(limit);
}

/** Each member's certificate of the class as the ledger shows it: the valid one, else the last revoked. */
async function certificatesOf(db: DB, classId: number, userIds: number[]): Promise<Map<number, CertLine>> {
  const rows = userIds.length
    ? await db
        .selectFrom("certificates")
        .select(["user_id", "number", "issued_at", "revoked_at", "revoke_reason"])
        .where("class_id", "=", classId)
        .where("user_id", "in", userIds)
        .orderBy("id")
        .execute()
    : [];
  const out = new Map<number, CertLine>();
  for (const c of rows) {
    const held = out.get(c.user_id);
    if (!held || held.revoked_at !== null) out.set(c.user_id, c);
  }
  return out;
}

/** 考核等级 as the ledger prints it: a band only for a decision the rules made. */
export function ledgerBand(status: LedgerStatus, result: ClassResult): string {
  if (status === "undecided") return "—";
  if (status === "not_completed") return "不合格";
  return result.forced === "complete" ? "认定结业" : result.band;
}

/** 备注: why a row is what it is, in words, then what the organization department wrote. */
export function noteFor(
  status: LedgerStatus,
  result: ClassResult,
  m: Pick<MemberLine, "exception" | "exception_reason" | "exception_basis" | "member_note">,
  cert: Pick<CertLine, "number" | "revoked_at" | "revoke_reason"> | null,
): string {
  const parts: string[] = [];
  const basis = basisLabel(m.exception_basis);
  if (status === "completed") {
    if (m.exception === "complete") parts.push(`经党校认定准予结业${basis ? `（${basis}）` : ""}：${m.exception_reason ?? ""}`);
    if (!cert) parts.push("证书未发放");
  } else if (status === "not_completed") parts.push(blockerText(result));
  else parts.push(result.passed ? "已达到结业条件，待组织部确认" : `尚未达到结业条件：${blockerText(result)}`);
  if (cert && cert.revoked_at !== null) parts.push(`证书 ${cert.number} 已于 ${cstDate(cert.revoked_at)} 撤销：${cert.revoke_reason ?? ""}`);
  if (m.member_note) parts.push(`备注：${m.member_note}`);
  return parts.filter(Boolean).join("；");
}

const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The rows of a class for one page of members. Decided members carry the result stored with the
 * decision; the live standing of the others comes from `classResults`, asked per org unit of the page
 * (a page spans a few branches, so the work per page stays near the page size) with a turn of the
 * event loop between units.
 */
async function pageRows(db: DB, cls: ClassView, page: MemberLine[], names: Awaited<ReturnType<typeof unitNamer>>, firstSeq: number): Promise<LedgerRow[]> {
  const live = new Map<number, ClassResult>();
  const undecided = page.filter((m) => m.outcome === null || m.result === null);
  const wanted = new Set(undecided.map((m) => m.user_id));
  for (const unitPath of new Set(undecided.map((m) => m.unit_path))) {
    await yieldToLoop();
    for (const r of await classResults(db, cls, { unitPath })) if (r.unitPath === unitPath && wanted.has(r.userId)) live.set(r.userId, r.result);
  }
  const certs = await certificatesOf(
    db,
    cls.id,
    page.map((m) => m.user_id),
  );
  const ids = page.map((m) => m.user_id);
  const [days, liaisons] = await Promise.all([stageDaysOf(db, ids), currentLiaisonNames(db, ids)]);
  return page.map((m, i) => {
    const cert = certs.get(m.user_id) ?? null;
    const decided = m.outcome !== null && m.result !== null;
    const result = decided ? (JSON.parse(m.result!) as ClassResult) : live.get(m.user_id)!;
    const status: LedgerStatus = m.outcome ?? "undecided";
    const unit = names(m.unit_path);
    return {
      seq: firstSeq + i,
      userId: m.user_id,
      username: m.username,
      name: m.name,
      gender: m.gender,
      subcommittee: unit.subcommittee,
      branch: unit.branch,
      stage: m.stage,
      stageDays: days.get(m.user_id) ?? {},
      liaisons: liaisons.get(m.user_id) ?? "",
      classId: cls.id,
      className: cls.name,
      term: cls.term,
      startDate: cls.start_date,
      endDate: cls.end_date,
      requiredHours: result.requiredHours,
      hours: result.hours,
      lessonRate: result.requiredLessonsTotal ? Math.round((result.requiredLessonsDone / result.requiredLessonsTotal) * 1000) / 1000 : null,
      assignment: result.components.assignment,
      exam: result.components.exam,
      usual: result.components.usual,
      composite: result.composite,
      band: ledgerBand(status, result),
      status,
      certificateNumber: cert?.number ?? null,
      issuedAt: cert?.issued_at ?? null,
      revokedAt: cert?.revoked_at ?? null,
      revokeReason: cert?.revoke_reason ?? null,
      note: noteFor(status, result, m, cert),
    };
  });
}

/**
 * The ledger's rows in batches of at most `batch`: class by class (newest first), and within a class by
 * unit and 学号 with keyset pagination. Each batch is its own short queries after a turn of the event
 * loop, so a 100,000-row export neither holds the rows nor keeps other requests waiting.
 */
export async function* ledgerBatches(db: DB, f: ResolvedFilter, batch = 1000): AsyncGenerator<LedgerRow[]> {
  const names = await unitNamer(db);
  const classIds = (await classesQuery(db, f).orderBy("k.start_date", "desc").orderBy("k.id", "desc").execute()).map((c) => c.id);
  let seq = 1;
  for (const classId of classIds) {
    const cls = await getClassRow(db, classId);
    if (!cls) continue;
    // Units in tree order (ids as numbers), then 学号 within a unit, each unit paged by keyset.
    const units = (await membersQuery(db, f).where("m.class_id", "=", classId).select("o.path").distinct().execute()).map((u) => u.path).sort(compareUnitPaths);
    for (const unitPath of units) {
      let after: string | null = null;
      for (;;) {
        await yieldToLoop();
        const page: MemberLine[] = await pageQuery(db, f, classId, unitPath, after, batch).execute();
        if (!page.length) break;
        const rows = await pageRows(db, cls, page, names, seq);
        seq += rows.length;
        yield rows;
        if (page.length < batch) break;
        after = page[page.length - 1]!.username;
      }
    }
  }
}

/** The first `limit` rows (the page's preview). */
async function ledgerPreview(db: DB, f: ResolvedFilter, limit = 50): Promise<LedgerRow[]> {
  const out: LedgerRow[] = [];
  const batches = ledgerBatches(db, f, limit);
  for await (const rows of batches) {
    out.push(...rows);
    if (out.length >= limit) break;
  }
  await batches.return(undefined);
  return out.slice(0, limit);
}

// ------------------------------------------------------------------------------------------ export

/** The ledger's columns in the order the organization department keeps them, with the certificate's state. */
export const LEDGER_COLUMNS: StreamColumn[] = [
  { header: "序号", width: 7 },
  { header: "学号/工号", width: 13 },
  { header: "姓名", width: 10 },
  { header: "性别", width: 6 },
  { header: "二级党委", width: 22 },
  { header: "党支部", width: 26 },
  { header: "发展阶段", width: 13 },
  ...DECIDED_STAGES.map((s) => ({ header: STAGE_EVENT_LABEL[s], width: 12, numFmt: "yyyy-mm-dd" })),
  { header: "培养联系人", width: 14 },
  { header: "培训班名称", width: 34 },
  { header: "期次", width: 6 },
  { header: "培训起止日期", width: 24 },
  { header: "应修学时", width: 9, numFmt: "0.0" },
  { header: "已修学时", width: 9, numFmt: "0.0" },
  { header: "必修完成率", width: 11, numFmt: "0.0%" },
  { header: "作业成绩", width: 9, numFmt: "0.0" },
  { header: "考试成绩", width: 9, numFmt: "0.0" },
  { header: "平时成绩", width: 9, numFmt: "0.0" },
  { header: "综合成绩", width: 9, numFmt: "0.0" },
  { header: "考核等级", width: 9 },
  { header: "是否结业", width: 9 },
  { header: "证书编号", width: 20 },
  { header: "发证日期", width: 12, numFmt: "yyyy-mm-dd" },
  { header: "证书状态", width: 9 },
  { header: "撤销日期", width: 12, numFmt: "yyyy-mm-dd" },
  { header: "撤销原因", width: 24 },
  { header: "备注", width: 44 },
];

/** A YYYY-MM-DD day as a Date whose UTC fields are that day (what the XLSX writer stores). */
const dayDate = (ymd: string) => new Date(`${ymd}T00:00:00Z`);
const percentText = (rate: number) => `${Math.round(rate * 1000) / 10}%`;

/** A row's cells: XLSX gets numbers and a real date, CSV the same as text where Excel would guess wrong. */
export function ledgerCells(r: LedgerRow, format: "csv" | "xlsx"): unknown[] {
  const issued = r.issuedAt === null ? null : cstDate(r.issuedAt);
  const revoked = r.revokedAt === null ? null : cstDate(r.revokedAt);
  return [
    r.seq,
    r.username,
    r.name,
    r.gender,
    r.subcommittee,
    r.branch,
    STAGE_LABEL[r.stage],
    ...DECIDED_STAGES.map((s) => {
      const day = r.stageDays[s];
      return day === undefined ? null : format === "xlsx" ? dayDate(day) : day;
    }),
    r.liaisons || null,
    r.className,
    r.term,
    `${r.startDate} 至 ${r.endDate}`,
    r.requiredHours,
    r.hours,
    r.lessonRate === null ? null : format === "xlsx" ? r.lessonRate : percentText(r.lessonRate),
    r.assignment,
    r.exam,
    r.usual,
    r.composite,
    r.band,
    LEDGER_STATUS_LABEL[r.status],
    r.certificateNumber,
    issued === null ? null : format === "xlsx" ? dayDate(issued) : issued,
    r.certificateNumber === null ? null : r.revokedAt === null ? "有效" : "已撤销",
    revoked === null ? null : format === "xlsx" ? dayDate(revoked) : revoked,
    r.revokeReason,
    r.note,
  ];
}

const today = () => cstDate(Math.floor(Date.now() / 1000));

const EXPORT_SLICE = 200;

type ExportRequest = { actorId: number; ip: string | null; format: "csv" | "xlsx" };

/**
 * A streamed ledger download for the filter within the scope. Counts the rows and audits the export
 * (who, which filter and scope, how many rows) before a single row leaves.
 */
export async function ledgerExport(
  db: DB,
  f: LedgerFilter,
  scope: LedgerScope,
  e: ExportRequest & { action?: string; targetType?: string; targetId?: number; fileName?: string; sheetName?: string },
): Promise<Download | RefusedDownload> {
  const resolved = await resolveLedgerFilter(db, f, scope);
  const { rows } = await countLedger(db, resolved);
  if (e.format === "xlsx" && rows > XLSX_MAX_ROWS) {
    return { refused: `符合条件的台账有 ${rows} 行，超过 Excel 的行数上限：请缩小筛选范围或导出 CSV` };
  }
  await audit(db, {
    actorId: e.actorId,
    ip: e.ip,
    action: e.action ?? "ledger.export",
    targetType: e.targetType,
    targetId: e.targetId,
    detail: { format: e.format, filter: f, scope: scope.unitPath ?? "all", rows },
  });
  // Rows leave in slices with a turn of the event loop between them: turning 1,000 rows into CSV or
  // sheet XML at once would keep other requests waiting for tens of milliseconds.
  const batches = (async function* () {
    for await (const batch of ledgerBatches(db, resolved)) {
      for (let i = 0; i < batch.length; i += EXPORT_SLICE) {
        if (i) await yieldToLoop();
        yield batch.slice(i, i + EXPORT_SLICE).map((r) => ledgerCells(r, e.format));
      }
    }
  })();
  const filename = `${e.fileName ?? `培训台账-${today()}`}.${e.format}`;
  return e.format === "csv"
    ? { filename, contentType: CSV_TYPE, body: csvStream(LEDGER_COLUMNS, batches) }
    : { filename, contentType: XLSX_TYPE, body: xlsxStream(e.sheetName ?? "培训台账", LEDGER_COLUMNS, batches) };
}

/** One class's results sheet (the ledger's columns for that class), within the viewer's subtree. */
export async function classResultsExport(
  db: DB,
  cls: Pick<ClassView, "id" | "name" | "term">,
  scope: LedgerScope,
  e: ExportRequest,
): Promise<Download | RefusedDownload> {
  return ledgerExport(db, { class: cls.id }, scope, {
    ...e,
    action: "class.results_export",
    targetType: "class",
    targetId: cls.id,
    fileName: safeSegment(`${cls.name}-第${cls.term}期-成绩`, "成绩"),
    sheetName: "成绩",
  });
}

// ------------------------------------------------------------------------------------------ page

/** What the ledger page shows: the filter, its choices within the scope, counts and the first rows. */
export async function ledgerPageData(db: DB, params: URLSearchParams, scope: LedgerScope, viewer: ClassViewer, previewRows = 50) {
  const filter = parseLedgerFilter(params);
  const resolved = await resolveLedgerFilter(db, filter, scope);
  const [counts, preview, classes, units] = await Promise.all([
    countLedger(db, resolved),
    ledgerPreview(db, resolved, previewRows),
    listClassesFor(db, viewer),
    listOrgUnits(db),
  ]);
  return {
    filter,
    query: ledgerQuery(filter),
    counts,
    preview: preview.map((r) => ({
      seq: r.seq,
      userId: r.userId,
      username: r.username,
      name: r.name,
      unit: r.branch || r.subcommittee,
      liaisons: r.liaisons,
      classId: r.classId,
      className: r.className,
      term: r.term,
      hours: r.hours,
      requiredHours: r.requiredHours,
      composite: r.composite,
      band: r.band,
      status: LEDGER_STATUS_LABEL[r.status],
      certificateNumber: r.certificateNumber,
      note: r.note,
    })),
    classes: classes.map((c) => ({ id: c.id, label: `${c.name}（第 ${c.term} 期）` })),
    units: withLabels(units)
      .filter((u) => scope.unitPath === null || pathInSubtree(u.path, scope.unitPath))
      .map((u) => ({ id: u.id, label: u.fullName })),
  };
}
export type LedgerPageData = Awaited<ReturnType<typeof ledgerPageData>>;

/** A secretary's scope: their unit's subtree (null when their unit is gone). */
export async function secretaryScope(db: DB, orgUnitId: number): Promise<LedgerScope | null> {
  const unit = await db.selectFrom("org_units").select("path").where("id", "=", orgUnitId).executeTakeFirst();
  return unit ? { unitPath: unit.path } : null;
}
