// Roster import, pure (no database, no disk): reading the template's columns from an .xlsx or a CSV
// (UTF-8 with or without BOM, GBK/GB18030), checking every row against the organization tree and the
// existing accounts, and the Excel template and one-time-password sheet.
//
// Row numbers are the spreadsheet's own: the header is row 1, the first person row 2.
import ExcelJS from "exceljs";
import Papa from "papaparse";
import { ROLES, STAGES, type OrgKind, type Role, type Stage, type User } from "../../db/types.ts";
import { cstToday, isCstDay } from "./cst.ts";
import { ROLE_LABEL, STAGE_LABEL } from "./labels.ts";
import { isOle, sniff } from "./sniff.server.ts";
import { cellText, decodeUploadedText, loadUploadedWorkbook, restoreCell, writeSheet } from "./spreadsheet.server.ts";
import { NewUserFields } from "./user-form.server.ts";
import { DECIDED_STAGES, FOLLOWED_STAGES, MAX_LIAISONS, planStageDays, type DecidedStage, type TimelineEvent } from "./stage-rules.ts";

export const MAX_ROSTER_BYTES = 10 * 1024 * 1024;
export const MAX_ROSTER_ROWS = 20_000;

// ------------------------------------------------------------------------------------------ columns

const ROSTER_FIELDS = [
  "username",
  "name",
  "gender",
  "subcommittee",
  "branch",
  "stage",
  "roles",
  "phone",
  "email",
  "activistOn",
  "candidateOn",
  "probationaryOn",
  "fullOn",
  "liaisons",
] as const;
export type RosterField = (typeof ROSTER_FIELDS)[number];

/** The template's header for each field, and other headers people write for the same column. */
const ROSTER_HEADERS: Record<RosterField, { header: string; aliases: string[]; required: boolean; width: number }> = {
  username: { header: "学号/工号", aliases: ["学号", "工号", "学工号", "学号工号"], required: true, width: 14 },
  name: { header: "姓名", aliases: [], required: true, width: 10 },
  gender: { header: "性别", aliases: [], required: true, width: 6 },
  subcommittee: { header: "二级党委", aliases: ["二级党委/党总支", "党总支", "二级党组织"], required: true, width: 22 },
  branch: { header: "党支部", aliases: ["支部", "所在党支部"], required: true, width: 26 },
  stage: { header: "发展阶段", aliases: ["阶段", "政治面貌"], required: true, width: 12 },
  roles: { header: "角色", aliases: [], required: true, width: 14 },
  phone: { header: "手机", aliases: ["手机号", "手机号码", "联系电话", "电话"], required: false, width: 14 },
  email: { header: "邮箱", aliases: ["电子邮箱", "EMAIL", "E-MAIL", "电子邮件"], required: false, width: 22 },
  // The stage days (the ledger's headers are understood too) and 培养联系人 by 学号/工号: optional.
  activistOn: { header: "列为积极分子日期", aliases: ["列为入党积极分子的时间", "列为入党积极分子日期", "列为积极分子时间"], required: false, width: 14 },
  candidateOn: { header: "列为发展对象日期", aliases: ["列为发展对象的时间", "列为发展对象时间"], required: false, width: 14 },
  probationaryOn: { header: "接收预备党员日期", aliases: ["接收为预备党员的时间", "接收为预备党员日期", "接收预备党员时间"], required: false, width: 14 },
  fullOn: { header: "转正日期", aliases: ["转正时间"], required: false, width: 12 },
  liaisons: {
    header: "培养联系人（学号/工号）",
    aliases: ["培养联系人", "培养联系人学号", "培养联系人工号", "培养联系人学号/工号"],
    required: false,
    width: 20,
  },
};

/** The column of each stage's day. */
const DAY_FIELD: Record<DecidedStage, RosterField> = { activist: "activistOn", candidate: "candidateOn", probationary: "probationaryOn", full: "fullOn" };

/** Unicode-compatible form without any whitespace: full-width letters, digits and spaces fold away. */
const fold = (s: string) => s.normalize("NFKC").replace(/\s+/g, "");

/** `学号／工号`, ` 姓名 `, `手机（选填）`, `姓名*` → the field they name, or null for other columns. */
export function rosterField(header: string): RosterField | null {
  const t = fold(header)
    .replace(/\([^)]*\)/g, "")
    .replace(/[*:]/g, "")
    .toUpperCase();
  for (const f of ROSTER_FIELDS) {
    const h = ROSTER_HEADERS[f];
    if (fold(h.header) === t || h.aliases.some((a) => fold(a).toUpperCase() === t)) return f;
  }
  return null;
}

export type RosterRow = { line: number; cells: Record<RosterField, string> };
export type RosterFile = { ok: true; format: "xlsx" | "csv"; encoding: string | null; rows: RosterRow[] } | { ok: false; message: string };

/** Maps a header row to columns; a message names the missing required columns. */
function mapHeader(header: string[]): { columns: Map<RosterField, number> } | { message: string } {
  const columns = new Map<RosterField, number>();
  const repeated: string[] = [];
  header.forEach((h, i) => {
    const f = rosterField(h);
    if (!f) return;
    if (columns.has(f)) repeated.push(ROSTER_HEADERS[f].header);
    else columns.set(f, i);
  });
  const missing = ROSTER_FIELDS.filter((f) => ROSTER_HEADERS[f].required && !columns.has(f)).map((f) => ROSTER_HEADERS[f].header);
  if (missing.length) {
    return { message: `第 1 行应为表头，缺少列：${missing.join("、")}。请使用导入模板（列的顺序可以调整）` };
  }
  if (repeated.length) return { message: `表头中「${repeated.join("」「")}」列出现了不止一次` };
  return { columns };
}

function toRows(table: { line: number; values: string[] }[], columns: Map<RosterField, number>): RosterRow[] {
  const rows: RosterRow[] = [];
  for (const { line, values } of table) {
    const cells = {} as Record<RosterField, string>;
    for (const f of ROSTER_FIELDS) {
      const col = columns.get(f);
      cells[f] = col === undefined ? "" : restoreCell(values[col] ?? "").trim();
    }
    if (ROSTER_FIELDS.every((f) => !cells[f])) continue;
    rows.push({ line, cells });
  }
  return rows;
}

const tooMany = (n: number) => ({ ok: false as const, message: `一次最多导入 ${MAX_ROSTER_ROWS} 人，文件中有 ${n} 行，请拆分后再导入` });

async function readXlsx(bytes: Uint8Array): Promise<RosterFile> {
  const opened = await loadUploadedWorkbook(bytes);
  if ("error" in opened) return { ok: false, message: opened.error };
  const ws = opened.workbook.worksheets.find((w) => w.state === "visible") ?? opened.workbook.worksheets[0];
  if (!ws) return { ok: false, message: "Excel 文件中没有工作表" };
  const textOf = (row: ExcelJS.Row, count: number) => Array.from({ length: count }, (_, i) => cellText(row.getCell(i + 1).value).replace(/\r\n?/g, "\n"));
  const width = ws.columnCount;
  const header = mapHeader(textOf(ws.getRow(1), width));
  if ("message" in header) return { ok: false, message: header.message };
  if (ws.rowCount - 1 > MAX_ROSTER_ROWS) return tooMany(ws.rowCount - 1);
  const table: { line: number; values: string[] }[] = [];
  for (let r = 2; r <= ws.rowCount; r++) table.push({ line: r, values: textOf(ws.getRow(r), width) });
  return { ok: true, format: "xlsx", encoding: null, rows: toRows(table, header.columns) };
}

function readCsv(bytes: Uint8Array): RosterFile {
  const decoded = decodeUploadedText(bytes);
  if (!decoded) return { ok: false, message: "无法读取 CSV 文件：不是文本文件，或编码不是 UTF-8 / GBK" };
  const text = decoded.text.replace(/^\uFEFF/, "");
  const parsed = Papa.parse<string[]>(text, { delimitersToGuess: [",", "\t", ";"], skipEmptyLines: false });
  const records = parsed.data;
  // A trailing newline leaves one empty record; it is not a row of the sheet.
  if (records.length && records[records.length - 1]!.length === 1 && records[records.length - 1]![0] === "") records.pop();
  if (!records.length) return { ok: false, message: "文件是空的" };
  const header = mapHeader(records[0]!);
  if ("message" in header) return { ok: false, message: header.message };
  if (records.length - 1 > MAX_ROSTER_ROWS) return tooMany(records.length - 1);
  const table = records.slice(1).map((values, i) => ({ line: i + 2, values }));
  return { ok: true, format: "csv", encoding: decoded.encoding, rows: toRows(table, header.columns) };
}

/** Reads an uploaded roster: .xlsx by content (a zip), otherwise CSV text. */
export async function readRosterFile(bytes: Uint8Array, fileName: string): Promise<RosterFile> {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase() ?? "";
  if (bytes.byteLength === 0) return { ok: false, message: "文件是空的" };
  if (bytes.byteLength > MAX_ROSTER_BYTES) return { ok: false, message: "文件超过大小限制（最大 10 MB）" };
  if (isOle(bytes)) return { ok: false, message: "这是旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 或 CSV 后再导入" };
  if (sniff(bytes.subarray(0, 64)) === "zip") {
    if (ext !== "xlsx") return { ok: false, message: "文件内容是压缩包：Excel 名单请使用 .xlsx 格式" };
    return readXlsx(bytes);
  }
  if (ext === "xlsx") return { ok: false, message: "文件扩展名是 .xlsx，但内容不是 Excel 文件" };
  if (ext && !["csv", "txt"].includes(ext)) return { ok: false, message: `不支持的文件类型 .${ext}：请上传 Excel（.xlsx）或 CSV 文件` };
  return readCsv(bytes);
}

// ------------------------------------------------------------------------------------------ checking rows

type RosterUnit = { id: number; name: string; kind: OrgKind; parent_id: number | null; active: number };
export type RosterExisting = Pick<User, "id" | "username" | "name" | "gender" | "org_unit_id" | "stage" | "phone" | "email" | "active"> & { roles: Role[] };

/** One person as the file says, ready to write. */
export type RosterEntry = {
  line: number;
  username: string;
  name: string;
  gender: "男" | "女";
  orgUnitId: number;
  /** 二级党委 / 党支部 as written in the tree. */
  unitLabel: string;
  stage: Stage;
  roles: Role[];
  /** null: the cell was empty; for an existing account that keeps what it has. */
  phone: string | null;
  email: string | null;
  /** Stage decisions the row adds to the timeline (already checked against the rules). */
  stageEvents: TimelineEvent[];
  /** 培养联系人 the row adds (not yet current). */
  liaisons: RosterLiaison[];
};

/** An account a row may name as 培养联系人. */
export type RosterPerson = { id: number; username: string; name: string; stage: Stage; active: number };
export type RosterLiaison = Pick<RosterPerson, "id" | "username" | "name">;

/** What the rows are checked against besides the tree and the accounts: timelines, 培养联系人, today. */
export type RosterBranchContext = {
  today?: string;
  /** Recorded decisions of existing accounts, by user id. */
  timelines?: Map<number, TimelineEvent[]>;
  /** Accounts named in the 培养联系人 column, by 学号/工号. */
  people?: Map<string, RosterPerson>;
  /** Current 培养联系人 of existing accounts, by user id. */
  currentLiaisons?: Map<number, RosterLiaison[]>;
};

/** `2025-09-01`, `2025/9/1`, `2025.9.1` or `2025年9月1日` as YYYY-MM-DD, or null. */
function dayOf(raw: string): string | null {
  const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(raw.normalize("NFKC").trim());
  if (!m) return null;
  const day = `${m[1]}-${m[2]!.padStart(2, "0")}-${m[3]!.padStart(2, "0")}`;
  return isCstDay(day) ? day : null;
}

type FieldChange = { field: string; from: string; to: string };
export type RosterUpdate = { entry: RosterEntry; userId: number; changes: FieldChange[]; inactive: boolean };
export type RosterIssue = { line: number; username: string; messages: string[] };
export type RosterPlan = {
  rows: number;
  creates: RosterEntry[];
  updates: RosterUpdate[];
  unchanged: RosterEntry[];
  errors: RosterIssue[];
};

const GENDERS: Record<string, "男" | "女"> = { 男: "男", 女: "女", 男性: "男", 女性: "女" };
const STAGE_WORDS: Record<string, Stage> = {
  ...Object.fromEntries(STAGES.map((s) => [STAGE_LABEL[s], s])),
  申请人: "applicant",
  积极分子: "activist",
  党员: "full",
  中共党员: "full",
  中共预备党员: "probationary",
};
const ROLE_WORDS: Record<string, Role> = {
  ...Object.fromEntries(ROLES.map((r) => [ROLE_LABEL[r], r])),
  管理员: "admin",
  书记: "secretary",
  老师: "instructor",
};
const ROLE_SEPARATORS = /[、,，;；\s]+/;

/** The 学号/工号 a 培养联系人 cell names, each once. */
export const liaisonUsernames = (cell: string) => [
  ...new Set(
    cell
      .split(ROLE_SEPARATORS)
      .map((w) => w.normalize("NFKC").trim())
      .filter(Boolean),
  ),
];
const roleList = ROLES.map((r) => ROLE_LABEL[r]).join("、");
const stageList = STAGES.map((s) => STAGE_LABEL[s]).join("、");

const zodMessage = (schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }, v: unknown) => {
  const r = schema.safeParse(v);
  return r.success ? null : (r.error?.issues[0]?.message ?? "格式不正确");
};

/**
 * Checks every row and sorts the good ones into new accounts, changed accounts (with each changed
 * field) and unchanged ones. Every problem of a row is reported with its row number; a 学号 that
 * appears on several rows makes all of them bad, since the file does not say which one is right.
 */
export function planRoster(
  rows: RosterRow[],
  ctx: { units: RosterUnit[]; existing: Map<string, RosterExisting>; actorId: number | null } & RosterBranchContext,
): RosterPlan {
  const today = ctx.today ?? cstToday();
  const plan: RosterPlan = { rows: rows.length, creates: [], updates: [], unchanged: [], errors: [] };
  const byId = new Map(ctx.units.map((u) => [u.id, u]));
  const subcommittees = new Map<string, RosterUnit>();
  const branchesByName = new Map<string, RosterUnit[]>();
  for (const u of ctx.units) {
    if (u.kind === "subcommittee") subcommittees.set(fold(u.name), u);
    if (u.kind === "branch") branchesByName.set(fold(u.name), [...(branchesByName.get(fold(u.name)) ?? []), u]);
  }
  const unitLabel = (id: number) => {
    const u = byId.get(id);
    const parent = u?.parent_id ? byId.get(u.parent_id) : undefined;
    return u ? (parent && parent.kind !== "committee" ? `${parent.name} / ${u.name}` : u.name) : "?";
  };

  const seen = new Map<string, number[]>();
  for (const row of rows) {
    const key = row.cells.username.normalize("NFKC").trim();
    if (key) seen.set(key, [...(seen.get(key) ?? []), row.line]);
  }

  for (const { line, cells } of rows) {
    const messages: string[] = [];
    for (const f of ROSTER_FIELDS) if (ROSTER_HEADERS[f].required && !cells[f]) messages.push(`${ROSTER_HEADERS[f].header}不能为空`);

    const username = cells.username.normalize("NFKC").trim();
    if (username) {
      const bad = /^\d+(\.\d+)?E\+?\d+$/i.test(username)
        ? `学号/工号「${username}」被 Excel 显示成了科学计数法：请把该列设置为“文本”后重新填写`
        : zodMessage(NewUserFields.shape.username, username);
      if (bad) messages.push(bad);
      const lines = seen.get(username) ?? [];
      if (lines.length > 1) messages.push(`学号/工号 ${username} 在文件中重复（第 ${lines.join("、")} 行）`);
    }
    const parsedName = NewUserFields.shape.name.safeParse(cells.name);
    if (cells.name) {
      const bad = zodMessage(NewUserFields.shape.name, cells.name);
      if (bad) messages.push(bad);
    }
    const gender = GENDERS[fold(cells.gender)];
    if (cells.gender && !gender) messages.push(`性别「${cells.gender}」无效，应为 男 或 女`);
    const stage = STAGE_WORDS[fold(cells.stage)];
    if (cells.stage && !stage) messages.push(`发展阶段「${cells.stage}」无效，应为 ${stageList} 之一`);

    const roles: Role[] = [];
    for (const word of cells.roles.split(ROLE_SEPARATORS).filter(Boolean)) {
      const role = ROLE_WORDS[fold(word)];
      if (!role) messages.push(`角色「${word}」无效，应为 ${roleList}（多个用顿号、逗号、分号或空格分隔）`);
      else if (!roles.includes(role)) roles.push(role);
    }
    const sortedRoles = ROLES.filter((r) => roles.includes(r));

    let orgUnitId = 0;
    if (cells.subcommittee) {
      const sub = subcommittees.get(fold(cells.subcommittee));
      if (!sub) {
        const asBranch = branchesByName.has(fold(cells.subcommittee));
        messages.push(asBranch ? `「${cells.subcommittee}」是党支部，不是二级党委` : `二级党委「${cells.subcommittee}」不存在`);
      } else if (!sub.active) messages.push(`二级党委「${sub.name}」已停用`);
      else if (cells.branch) {
        const candidates = branchesByName.get(fold(cells.branch)) ?? [];
        const branch = candidates.find((b) => b.parent_id === sub.id);
        if (!branch) {
          const elsewhere = candidates.map((b) => byId.get(b.parent_id ?? 0)?.name).filter(Boolean);
          messages.push(
            elsewhere.length
              ? `党支部「${cells.branch}」不在二级党委「${sub.name}」下（它属于「${elsewhere.join("」「")}」）`
              : `党支部「${cells.branch}」不存在`,
          );
        } else if (!branch.active) messages.push(`党支部「${branch.name}」已停用`);
        else orgUnitId = branch.id;
      }
    }

    const phone = cells.phone ? cells.phone.normalize("NFKC").trim() : null;
    if (phone) {
      const bad = zodMessage(NewUserFields.shape.phone, phone);
      if (bad) messages.push(`${bad}：「${cells.phone}」`);
    }
    const email = cells.email ? cells.email.normalize("NFKC").trim() : null;
    if (email) {
      const bad = zodMessage(NewUserFields.shape.email, email);
      if (bad) messages.push(`${bad}：「${cells.email}」`);
    }

    const existing = username ? ctx.existing.get(username) : undefined;

    // Stage days: each a real day, then checked with the 细则's rules on the account's whole timeline,
    // which must end at the row's 发展阶段.
    const days: Partial<Record<DecidedStage, string>> = {};
    let daysOk = true;
    for (const s of DECIDED_STAGES) {
      const raw = cells[DAY_FIELD[s]];
      if (!raw) continue;
      const day = dayOf(raw);
      if (day) days[s] = day;
      else {
        daysOk = false;
        messages.push(`${ROSTER_HEADERS[DAY_FIELD[s]].header}「${raw}」不是有效日期，应写作 2025-09-01`);
      }
    }
    let stageEvents: TimelineEvent[] = [];
    if (stage && daysOk) {
      const plan = planStageDays(existing ? (ctx.timelines?.get(existing.id) ?? []) : [], existing?.stage ?? "applicant", days, stage, today);
      if ("problem" in plan) messages.push(plan.problem);
      else stageEvents = plan.added;
    }

    // 培养联系人 by 学号/工号: existing full members, one or two per trainee with the current ones.
    const liaisons: RosterLiaison[] = [];
    const named = liaisonUsernames(cells.liaisons);
    const current = existing ? (ctx.currentLiaisons?.get(existing.id) ?? []) : [];
    if (named.length && stage && !FOLLOWED_STAGES.includes(stage)) {
      messages.push(`只有入党积极分子、发展对象和预备党员指定培养联系人（本行为${STAGE_LABEL[stage]}）`);
    }
    for (const u of named) {
      const p = ctx.people?.get(u);
      if (!p) messages.push(`培养联系人「${u}」不存在（请填写已有账号的学号/工号）`);
      else if (p.username === username) messages.push("不能指定学员本人为培养联系人");
      else if (!p.active) messages.push(`培养联系人${p.name}（${u}）的账号已停用`);
      else if (p.stage !== "full") messages.push(`${p.name}（${u}）不是正式党员，不能担任培养联系人`);
      else if (!current.some((c) => c.id === p.id)) liaisons.push({ id: p.id, username: p.username, name: p.name });
    }
    if (current.length + liaisons.length > MAX_LIAISONS) {
      messages.push(
        current.length
          ? `每名学员的培养联系人为一至两名：现有${current.map((c) => c.name).join("、")}，请先在培养考察页结束一名再指定`
          : `每名学员的培养联系人为一至两名，本行填写了 ${liaisons.length} 名`,
      );
    }

    if (existing && existing.id === ctx.actorId && existing.roles.includes("admin") && roles.length && !roles.includes("admin")) {
      messages.push("不能取消自己的组织部管理员角色");
    }

    if (messages.length) {
      plan.errors.push({ line, username, messages });
      continue;
    }
    const entry: RosterEntry = {
      line,
      username,
      name: parsedName.success ? parsedName.data : cells.name,
      gender: gender!,
      orgUnitId,
      unitLabel: unitLabel(orgUnitId),
      stage: stage!,
      // 培养联系人 is given by an assignment, not by the roster: a row that does not list it keeps it.
      roles: existing?.roles.includes("liaison") ? ROLES.filter((r) => sortedRoles.includes(r) || r === "liaison") : sortedRoles,
      phone,
      email,
      stageEvents,
      liaisons,
    };
    if (!existing) {
      plan.creates.push(entry);
      continue;
    }
    const changes: FieldChange[] = [];
    const note = (field: string, from: string, to: string) => from !== to && changes.push({ field, from, to });
    note("姓名", existing.name, entry.name);
    note("性别", existing.gender, entry.gender);
    if (existing.org_unit_id !== entry.orgUnitId) changes.push({ field: "所属组织", from: unitLabel(existing.org_unit_id), to: entry.unitLabel });
    note("发展阶段", STAGE_LABEL[existing.stage], STAGE_LABEL[entry.stage]);
    const roleText = (rs: Role[]) => rs.map((r) => ROLE_LABEL[r]).join("、");
    note("角色", roleText(existing.roles), roleText(entry.roles));
    if (entry.phone !== null) note("手机", existing.phone ?? "", entry.phone);
    if (entry.email !== null) note("邮箱", existing.email ?? "", entry.email);
    for (const e of stageEvents) changes.push({ field: ROSTER_HEADERS[DAY_FIELD[e.stage]].header, from: "", to: e.decidedOn });
    if (liaisons.length) {
      const names = current.map((c) => c.name);
      changes.push({ field: "培养联系人", from: names.join("、"), to: [...names, ...liaisons.map((l) => l.name)].join("、") });
    }
    if (changes.length) plan.updates.push({ entry, userId: existing.id, changes, inactive: !existing.active });
    else plan.unchanged.push(entry);
  }
  return plan;
}

export const formatRosterIssue = (i: RosterIssue) => `第 ${i.line} 行${i.username ? `（${i.username}）` : ""}：${i.messages.join("；")}`;

// ------------------------------------------------------------------------------------------ workbooks

type SheetWithValidations = ExcelJS.Worksheet & {
  dataValidations: { add(range: string, validation: ExcelJS.DataValidation): void };
};

/**
 * The template: the roster sheet (headers, one example row drawn from the real tree, 学号 and 手机
 * as text so Excel keeps leading zeros, drop-downs for 性别 and 发展阶段), and a sheet listing the
 * active 二级党委 → 党支部 names and the valid stages and roles.
 */
export function rosterTemplate(units: RosterUnit[]): ExcelJS.Workbook {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "网上党校";
  const active = units.filter((u) => u.active);
  const pairs: [string, string][] = [];
  for (const sub of active.filter((u) => u.kind === "subcommittee")) {
    for (const b of active.filter((u) => u.kind === "branch" && u.parent_id === sub.id)) pairs.push([sub.name, b.name]);
  }
  const [exampleSub, exampleBranch] = pairs[0] ?? ["计算机学院党委", "计算机学院本科生第一党支部"];
  const ws = workbook.addWorksheet("用户名单") as SheetWithValidations;
  writeSheet(
    ws,
    ROSTER_FIELDS.map((f) => ({ header: ROSTER_HEADERS[f].header, width: ROSTER_HEADERS[f].width })),
    [["2024000001", "张三", "男", exampleSub, exampleBranch, "入党积极分子", "学员", "13800000000", "zhangsan@example.edu.cn", "2025-09-01", "", "", "", ""]],
  );
  for (const f of ["username", "phone", "activistOn", "candidateOn", "probationaryOn", "fullOn", "liaisons"] as const) {
    ws.getColumn(ROSTER_FIELDS.indexOf(f) + 1).numFmt = "@";
  }
  const col = (f: RosterField) => String.fromCharCode(65 + ROSTER_FIELDS.indexOf(f));
  const list = (values: string[]): ExcelJS.DataValidation => ({
    type: "list",
    allowBlank: true,
    formulae: [`"${values.join(",")}"`],
    showErrorMessage: true,
    errorTitle: "无效的值",
    error: `请从下拉列表中选择：${values.join("、")}`,
  });
  ws.dataValidations.add(`${col("gender")}2:${col("gender")}${MAX_ROSTER_ROWS + 1}`, list(["男", "女"]));
  ws.dataValidations.add(`${col("stage")}2:${col("stage")}${MAX_ROSTER_ROWS + 1}`, list(STAGES.map((s) => STAGE_LABEL[s])));

  const ref = workbook.addWorksheet("组织与阶段");
  const lists: unknown[][] = [];
  const notes: [string, string][] = [
    ["填写说明", "第 2 行是示例，导入前请改成真实人员或删除。表头按名称识别，列的顺序可以调整；导入前会预览，并列出每个有问题的行号和原因。"],
    ["学号/工号", "必填，字母、数字、下划线或短横线。已存在的学号/工号会更新该用户，不会重复创建。"],
    ["角色", `必填，${roleList}，可填多个，用顿号、逗号、分号或空格分隔。`],
    ["手机、邮箱", "选填；更新已有用户时留空表示保留原值。"],
    [
      "阶段日期",
      "选填：列为积极分子、列为发展对象、接收预备党员、转正的支部决定日期（如 2025-09-01），按《发展党员工作细则》检查；发展阶段须与最近一次决定一致。已录入的日期不会被改写，如需更正请在培养考察页撤销。",
    ],
    ["培养联系人", "选填：一至两名正式党员的学号/工号，用顿号或逗号分隔；从导入之日起担任，已有的培养联系人保留。"],
  ];
  const rowsNeeded = Math.max(pairs.length, STAGES.length, ROLES.length, notes.length);
  for (let i = 0; i < rowsNeeded; i++) {
    lists.push([
      pairs[i]?.[0] ?? null,
      pairs[i]?.[1] ?? null,
      null,
      STAGES[i] ? STAGE_LABEL[STAGES[i]!] : null,
      ROLES[i] ? ROLE_LABEL[ROLES[i]!] : null,
      null,
      notes[i]?.[0] ?? null,
      notes[i]?.[1] ?? null,
    ]);
  }
  writeSheet(
    ref,
    [
      { header: "二级党委", width: 24 },
      { header: "党支部", width: 30 },
      { header: "", width: 3 },
      { header: "发展阶段", width: 14 },
      { header: "角色", width: 14 },
      { header: "", width: 3 },
      { header: "说明", width: 12 },
      { header: "", width: 70 },
    ],
    lists,
  );
  return workbook;
}

export type IssuedPassword = { 学号: string; 姓名: string; 一次性密码: string };

/**
 * The sheet of new accounts' one-time passwords, to print, cut into slips and hand out through the
 * branches: each row says whose branch it goes to and where to sign in.
 */
export function passwordsWorkbook(rows: (IssuedPassword & { unit: string })[], loginUrl: string): ExcelJS.Workbook {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "网上党校";
  const ws = workbook.addWorksheet("一次性密码");
  writeSheet(
    ws,
    [
      { header: "学号/工号", width: 16 },
      { header: "姓名", width: 12 },
      { header: "所属组织", width: 36 },
      { header: "一次性密码", width: 16 },
      { header: "登录网址", width: 36 },
    ],
    rows.map((r) => [r.学号, r.姓名, r.unit, r.一次性密码, loginUrl]),
  );
  ws.getColumn(1).numFmt = "@";
  return workbook;
}
