// The branch's certificate pack for one class: what a 发展党员 dossier needs per person of the
// secretary's subtree, as one sheet (the certificates themselves come as the class zip, scoped).
import ExcelJS from "exceljs";
import { cstDate } from "~/utils/cst.ts";
import { inSubtree, type DB } from "~/utils/db.server.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";
import { writeSheet, type SheetColumn } from "~/utils/spreadsheet.server.ts";
import { DECIDED_STAGES, STAGE_EVENT_LABEL } from "~/utils/stage-rules.ts";
import { audit } from "./audit.server.ts";
import { currentLiaisonNames } from "./branch-liaisons.server.ts";
import { reportCounts } from "./branch-reports.server.ts";
import { ledgerBatches, resolveLedgerFilter } from "./ledger.server.ts";

export const PACK_COLUMNS: SheetColumn[] = [
  { header: "姓名", width: 10 },
  { header: "学号/工号", width: 13 },
  { header: "党支部", width: 26 },
  { header: "发展阶段", width: 13 },
  ...DECIDED_STAGES.map((s) => ({ header: STAGE_EVENT_LABEL[s], width: 12 })),
  { header: "培训班名称", width: 30 },
  { header: "期次", width: 6 },
  { header: "培训起止日期", width: 24 },
  { header: "已修学时", width: 9 },
  { header: "综合成绩", width: 9 },
  { header: "考核等级", width: 9 },
  { header: "证书编号", width: 20 },
  { header: "发证日期", width: 12 },
  { header: "培养联系人", width: 16 },
  { header: "培训期间思想汇报篇数", width: 12 },
];

/**
 * One row per member of the class inside the subtree. Dates are YYYY-MM-DD text (a dossier copies
 * them as written); the 思想汇报 count is of reports handed in during the class's training dates.
 */
async function branchPackRows(db: DB, classId: number, unitPath: string) {
  const f = await resolveLedgerFilter(db, { class: classId }, { unitPath });
  const rows = [];
  for await (const batch of ledgerBatches(db, f)) rows.push(...batch);
  const ids = rows.map((r) => r.userId);
  const liaisons = await currentLiaisonNames(db, ids);
  const cls = rows[0];
  const counts = cls ? await reportCounts(db, ids, cls.startDate, cls.endDate) : new Map<number, number>();
  return rows.map((r) => [
    r.name,
    r.username,
    r.branch,
    STAGE_LABEL[r.stage],
    ...DECIDED_STAGES.map((s) => r.stageDays[s] ?? null),
    r.className,
    r.term,
    `${r.startDate} 至 ${r.endDate}`,
    r.hours,
    r.composite,
    r.band,
    r.revokedAt === null ? r.certificateNumber : null,
    r.revokedAt === null && r.issuedAt !== null ? cstDate(r.issuedAt) : null,
    liaisons.get(r.userId) ?? null,
    counts.get(r.userId) ?? 0,
  ]);
}

export async function branchPackWorkbook(db: DB, classId: number, unitPath: string, actor: { actorId: number; ip: string | null }) {
  const rows = await branchPackRows(db, classId, unitPath);
  await audit(db, {
    actorId: actor.actorId,
    ip: actor.ip,
    action: "branch.pack",
    targetType: "class",
    targetId: classId,
    detail: { scope: unitPath, rows: rows.length },
  });
  const wb = new ExcelJS.Workbook();
  writeSheet(wb.addWorksheet("支部证书汇总"), PACK_COLUMNS, rows);
  return wb;
}

/** Classes with members in the subtree, newest first, with how many of them and how many hold a valid certificate. */
export async function listPackClasses(db: DB, unitPath: string) {
  return db
    .selectFrom("class_members as m")
    .innerJoin("training_classes as k", "k.id", "m.class_id")
    .innerJoin("users as u", "u.id", "m.user_id")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .leftJoin("certificates as c", (j) => j.onRef("c.class_id", "=", "m.class_id").onRef("c.user_id", "=", "m.user_id").on("c.revoked_at", "is", null))
    .select(["k.id", "k.name", "k.term", "k.start_date", "k.end_date"])
    .select((eb) => [eb.fn.count<number>("m.user_id").distinct().as("members"), eb.fn.count<number>("c.id").distinct().as("certificates")])
    .where(inSubtree("o.path", unitPath))
    .groupBy(["k.id", "k.name", "k.term", "k.start_date", "k.end_date"])
    .orderBy("k.start_date", "desc")
    .orderBy("k.id", "desc")
    .execute();
}

/** The class, when it has members in the subtree (else undefined: the route answers 404). */
export async function packClass(db: DB, classId: number, unitPath: string) {
  return (await listPackClasses(db, unitPath)).find((k) => k.id === classId);
}
