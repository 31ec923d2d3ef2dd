import { z } from "zod";
import { now, type DB } from "~/utils/db.server.ts";
import type { Download, RefusedDownload } from "~/utils/http.server.ts";
import { csvStream, CSV_TYPE, XLSX_TYPE, type StreamColumn } from "~/utils/spreadsheet.server.ts";
import { xlsxStream } from "~/utils/xlsx-stream.server.ts";
import { cstDate, cstDateTimeText, cstMidnight, cstWallDate } from "~/utils/cst.ts";

type AuditEvent = {
  actorId: number | null;
  action: string;
  targetType?: string;
  targetId?: string | number;
  detail?: Record<string, unknown>;
  ip?: string | null;
};

/** Appends one entry; the table refuses UPDATE and DELETE through triggers. */
export async function audit(db: DB, e: AuditEvent): Promise<void> {
  await db
    .insertInto("audit_log")
    .values({
      at: now(),
      actor_id: e.actorId,
      action: e.action,
      target_type: e.targetType ?? null,
      target_id: e.targetId === undefined ? null : String(e.targetId),
      detail: e.detail ? JSON.stringify(e.detail) : null,
      ip: e.ip ?? null,
    })
    .execute();
}

/** Actions the application writes, with what the audit page calls them. Others found in the log are listed by code. */
export const AUDIT_ACTIONS: Record<string, string> = {
  "login.success": "登录成功",
  "login.failure": "登录失败",
  "login.throttled": "登录被限制",
  "password.failure": "修改密码时当前密码错误",
  "password.throttled": "修改密码被限制",
  "account.locked": "账号被锁定",
  "account.unlock": "解除账号锁定",
  "address.slowed": "登录地址被限速",
  logout: "退出登录",
  "user.create": "新建用户",
  "user.update": "修改用户信息",
  "user.roles": "变更角色",
  "user.enable": "启用账号",
  "user.disable": "停用账号",
  "user.password_reset": "重置密码",
  "user.password_change": "修改密码",
  "user.import": "批量导入用户",
  "user.passwords_export": "下载一次性密码表",
  "org.create": "新建组织",
  "org.rename": "重命名组织",
  "org.move": "移动组织",
  "org.delete": "删除组织",
  "org.activate": "启用组织",
  "org.deactivate": "停用组织",
  "course.create": "新建课程",
  "course.import": "导入课程",
  "course.detach": "课程转为在线编辑",
  "bank.import": "导入题库",
  "exam.grade": "考试评分",
  "exam.override": "考试延时/加次",
  "assignment.grade": "作业评分",
  "assignment.grade_change": "修改作业成绩",
  "assignment.return": "退回作业",
  "assignment.extension": "作业延期",
  "assignment.settings": "作业设置",
  "assignment.release": "公布作业成绩",
  "assignment.unrelease": "撤回作业成绩",
  "assignment.export": "导出作业",
  "exam.regrade": "考试重新评分",
  "hours.offline_credit": "认定线下学时",
  "audit.export": "导出审计日志",
  "class.create": "新建培训班",
  "class.update": "修改培训班设置",
  "class.courses": "设置培训班课程",
  "class.enroll": "学员报名入班",
  "class.unenroll": "移出培训班",
  "class.usual_score": "录入平时成绩",
  "class.cheating_mark": "记录违纪",
  "liaison.assign": "指定培养联系人",
  "liaison.end": "结束培养联系人",
  "stage.event": "录入发展阶段时间",
  "stage.withdraw": "撤销发展阶段时间",
  "report.rhythm": "设置思想汇报频次",
  "report.submit": "提交思想汇报",
  "report.opinion": "填写考察意见",
  "report.return": "退回思想汇报",
  "branch.pack": "下载支部证书包",
  "class.cheating_clear": "清除违纪记录",
  "class.exception": "结业例外处理",
  "class.note": "修改台账备注",
  "class.complete": "确认结业（一轮）",
  "class.close": "培训班结班",
  "class.results_export": "导出培训班成绩",
  "certificate.issue": "颁发结业证书",
  "certificate.revoke": "撤销结业证书",
  "certificate.download": "下载结业证书",
  "certificate.export": "批量下载结业证书",
  "certificate.template": "修改证书版式",
  "ledger.export": "导出培训台账",
  "record.export": "导出个人培训档案",
  "xapi.export": "导出学习记录（xAPI）",
  "question.hide": "隐藏答疑提问",
  "question.unhide": "恢复答疑提问",
  "settings.question_limit": "修改答疑回复时限",
  "notice.publish": "发布通知公告",
  "notice.edit": "修改通知公告",
  "notice.reads_export": "导出通知阅读情况",
  "webhook.set": "设置群机器人",
  "webhook.remove": "移除群机器人",
};

const TARGET_TYPE_LABEL: Record<string, string> = {
  user: "用户",
  class: "培训班",
  certificate: "证书",
  org_unit: "组织",
  course: "课程",
  exam: "考试",
  exam_attempt: "答卷",
  assignment: "作业",
  submission: "作业提交",
  class_kind: "培训班类别",
};

/** Labels of the detail fields the application writes; other keys are shown as they are. */
const DETAIL_LABEL: Record<string, string> = {
  userId: "学员",
  userIds: "学员",
  classId: "培训班",
  number: "证书编号",
  reason: "理由",
  basis: "认定依据",
  from: "原值",
  to: "新值",
  kind: "类别",
  format: "格式",
  filter: "筛选条件",
  rows: "行数",
  scope: "范围",
  certificates: "证书份数",
  completed: "结业人数",
  notCompleted: "未结业人数",
  studying: "学习中人数",
  issued: "颁发份数",
  decision: "结业依据",
  note: "说明",
  source: "方式",
  courses: "课程",
  reissuable: "可重新颁发",
  name: "名称",
  parentId: "上级组织",
  username: "学号/工号",
  roles: "角色",
  layout: "版式",
  showUsername: "印学号",
  showScore: "印成绩",
  before: "修改前",
  after: "修改后",
  score: "成绩",
  hours: "学时",
  count: "数量",
  created: "新建",
  updated: "更新",
  unchanged: "未变",
  skipped: "跳过",
  errors: "错误行",
  file: "文件",
  sha256: "文件校验值",
  usernames: "学号/工号",
  anonymous: "匿名",
  answers: "答案",
  assignmentId: "作业编号",
  attemptId: "答卷编号",
  blind: "匿名评阅",
  changed: "变更",
  comment: "评语",
  cutoffAt: "截止时间",
  deadline: "截止时间",
  draftErrors: "草稿错误",
  dueAt: "提交期限",
  entries: "条目",
  extraAttempts: "加考次数",
  extraMinutes: "延长分钟",
  finalExamId: "结业考试",
  latePenaltyPercent: "迟交扣分%",
  mode: "方式",
  newVersion: "新版本",
  numberFormat: "证书编号格式",
  offlineId: "线下学时编号",
  penaltyPercent: "扣分%",
  previousScore: "原成绩",
  questionId: "题目编号",
  rawScore: "原始分",
  rules: "结业条件",
  similarityThreshold: "相似度阈值",
  since: "起",
  until: "止",
  statements: "语句数",
  submissions: "提交数",
  term: "期次",
  totalAfter: "调整后总分",
  totalBefore: "调整前总分",
  version: "版本",
  createdUsernames: "新建的学号/工号",
  updatedUsernames: "更新的学号/工号",
};

const VALUE_LABEL: Record<string, string> = {
  complete: "准予结业",
  fail: "不予结业",
  rules: "按结业条件",
  exception: "经党校认定",
  narrative: "叙述式",
  labels: "表格式",
  pick: "逐个选择",
  unit: "按组织",
  upload: "上传名单",
  carryover: "上期转入",
  csv: "CSV",
  xlsx: "Excel",
  all: "全部",
  offline: "线下培训已完成",
  makeup: "因公缺课，已补学",
  transfer: "已在其他党校（培训班）结业",
  other: "其他",
  activist: "入党积极分子",
  candidate: "发展对象",
  probationary: "预备党员",
};

type Names = {
  user: Map<number, string>;
  class: Map<number, string>;
  certificate: Map<number, string>;
  org_unit: Map<number, string>;
  course: Map<number, string>;
};

const asIds = (v: unknown): number[] => (Array.isArray(v) ? v : [v]).map(Number).filter((n) => Number.isInteger(n) && n > 0);

/** Names for every id the entries mention (targets and the detail's userId/userIds/classId), in a few queries. */
async function namesFor(db: DB, rows: Pick<AuditRow, "target_type" | "target_id" | "detail">[]): Promise<Names> {
  const want = { user: new Set<number>(), class: new Set<number>(), certificate: new Set<number>(), org_unit: new Set<number>(), course: new Set<number>() };
  for (const r of rows) {
    if (r.target_type && r.target_type in want) for (const id of asIds(r.target_id)) want[r.target_type as keyof typeof want].add(id);
    const d = parseDetail(r.detail);
    for (const id of asIds(d.userId ?? [])) want.user.add(id);
    for (const id of asIds(d.userIds ?? []).slice(0, 20)) want.user.add(id);
    for (const id of asIds(d.classId ?? [])) want.class.add(id);
  }
  const ids = (set: Set<number>) => (set.size ? [...set] : [-1]);
  const [users, classes, certs, units, courses] = await Promise.all([
    db.selectFrom("users").select(["id", "name", "username"]).where("id", "in", ids(want.user)).execute(),
    db.selectFrom("training_classes").select(["id", "name", "term"]).where("id", "in", ids(want.class)).execute(),
    db.selectFrom("certificates").select(["id", "number", "holder_name"]).where("id", "in", ids(want.certificate)).execute(),
    db.selectFrom("org_units").select(["id", "name"]).where("id", "in", ids(want.org_unit)).execute(),
    db.selectFrom("courses").select(["id", "title"]).where("id", "in", ids(want.course)).execute(),
  ]);
  return {
    user: new Map(users.map((u) => [u.id, `${u.name}（${u.username}）`])),
    class: new Map(classes.map((c) => [c.id, c.name.includes(`第${c.term}期`) ? c.name : `${c.name}（第${c.term}期）`])),
    certificate: new Map(certs.map((c) => [c.id, `${c.number}（${c.holder_name}）`])),
    org_unit: new Map(units.map((u) => [u.id, u.name])),
    course: new Map(courses.map((c) => [c.id, `《${c.title}》`])),
  };
}

function parseDetail(detail: string | null): Record<string, unknown> {
  if (!detail) return {};
  try {
    const v = JSON.parse(detail) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : { 详情: v };
  } catch {
    return { 详情: detail };
  }
}

function valueText(key: string, v: unknown, names: Names): string {
  if (v === null || v === undefined || v === "") return "—";
  if (key === "userId") return names.user.get(Number(v)) ?? `已删除的用户`;
  if (key === "userIds") {
    const ids = asIds(v);
    const shown = ids
      .slice(0, 20)
      .map((id) => names.user.get(id) ?? "已删除的用户")
      .join("、");
    return ids.length > 20 ? `${shown} 等 ${ids.length} 人` : shown;
  }
  if (key === "classId") return names.class.get(Number(v)) ?? "已删除的培训班";
  if (typeof v === "boolean") return v ? "是" : "否";
  if (typeof v === "string") return VALUE_LABEL[v] ?? v;
  if (typeof v === "number") return String(v);
  if (Array.isArray(v)) return v.map((x) => valueText("", x, names)).join("、");
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${DETAIL_LABEL[k] ?? k}：${valueText(k, x, names)}`)
    .join("；");
}

/**
 * Entries as a clerk reads them: the action in Chinese, the object by its name (学员 name and 学号, the
 * class's name, the certificate's number), and the detail as labelled fields with names for ids.
 */
export async function describeAuditEntries(db: DB, rows: AuditRow[]) {
  const names = await namesFor(db, rows);
  return rows.map((r) => {
    const type = r.target_type ?? "";
    const id = Number(r.target_id);
    const named = type in names ? names[type as keyof Names].get(id) : undefined;
    const target = !type
      ? ""
      : named
        ? `${TARGET_TYPE_LABEL[type] ?? type}：${named}`
        : `${TARGET_TYPE_LABEL[type] ?? type}：${VALUE_LABEL[r.target_id ?? ""] ?? r.target_id ?? ""}`;
    const fields = Object.entries(parseDetail(r.detail)).map(([k, v]) => ({ label: DETAIL_LABEL[k] ?? k, value: valueText(k, v, names) }));
    return {
      id: r.id,
      at: r.at,
      actor: r.actor_name ? `${r.actor_name}（${r.actor_username}）` : "—",
      action: AUDIT_ACTIONS[r.action] ?? r.action,
      target,
      fields,
      ip: r.ip,
    };
  });
}

/** The known actions and any other action already in the log, for the filter's drop-down. */
export async function listAuditActions(db: DB): Promise<{ code: string; label: string }[]> {
  const seen = await db.selectFrom("audit_log").select("action").distinct().execute();
  const codes = new Set([...Object.keys(AUDIT_ACTIONS), ...seen.map((r) => r.action)]);
  return [...codes].map((code) => ({ code, label: AUDIT_ACTIONS[code] ?? code })).sort((a, b) => a.label.localeCompare(b.label, "zh-Hans-CN"));
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const optional = (max: number) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined), z.string().max(max).optional()).catch(undefined);
const day = z.preprocess((v) => (typeof v === "string" && DAY.test(v) && !Number.isNaN(Date.parse(v)) ? v : undefined), z.string().optional());

/** The audit page's filter as it appears in the query string (bad values are ignored, not errors). */
const AuditFilterParams = z.object({
  actor: optional(40),
  action: optional(60),
  target: optional(60),
  from: day,
  to: day,
});
type AuditFilter = z.infer<typeof AuditFilterParams>;

export function parseAuditFilter(params: URLSearchParams): AuditFilter {
  const f = AuditFilterParams.parse(Object.fromEntries(params));
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as AuditFilter;
}

/**
 * The filtered log, newest first. actor: a 学号/工号 or a name (exact); action: its code; target:
 * `user#12`, a bare id or type (`12`, `org_unit`), or a 学号 (that user as the target); from/to:
 * days in Beijing time, both inclusive. `beforeId` pages by id (exports), `upToId` pins a snapshot.
 */
async function auditQuery(db: DB, f: AuditFilter, opts: { upToId?: number; beforeId?: number } = {}) {
  let q = db
    .selectFrom("audit_log as a")
    .leftJoin("users as u", "u.id", "a.actor_id")
    .select(["a.id", "a.at", "a.action", "a.target_type", "a.target_id", "a.detail", "a.ip", "u.name as actor_name", "u.username as actor_username"]);
  if (f.action) q = q.where("a.action", "=", f.action);
  if (f.actor) {
    const actor = f.actor;
    q = q.where(
      "a.actor_id",
      "in",
      db
        .selectFrom("users")
        .select("id")
        .where((eb) => eb.or([eb("username", "=", actor), eb("name", "=", actor)])),
    );
  }
  if (f.target) {
    const target = f.target;
    const [type, id] = target.includes("#") ? target.split("#", 2) : [null, null];
    const asUser = await db.selectFrom("users").select("id").where("username", "=", target).executeTakeFirst();
    q = q.where((eb) =>
      type !== null
        ? eb.and([eb("a.target_type", "=", type), eb("a.target_id", "=", id ?? "")])
        : eb.or([
            eb("a.target_id", "=", target),
            eb("a.target_type", "=", target),
            ...(asUser ? [eb.and([eb("a.target_type", "=", "user"), eb("a.target_id", "=", String(asUser.id))])] : []),
          ]),
    );
  }
  if (f.from) q = q.where("a.at", ">=", cstMidnight(f.from));
  if (f.to) q = q.where("a.at", "<", cstMidnight(f.to) + 24 * 3600);
  if (opts.upToId !== undefined) q = q.where("a.id", "<=", opts.upToId);
  if (opts.beforeId !== undefined) q = q.where("a.id", "<", opts.beforeId);
  return q.orderBy("a.id", "desc");
}

type AuditRow = Awaited<ReturnType<typeof listAuditEntries>>[number];

export async function listAuditEntries(db: DB, opts: AuditFilter & { limit?: number; offset?: number } = {}) {
  const q = await auditQuery(db, opts);
  return q
    .limit(opts.limit ?? 100)
    .offset(opts.offset ?? 0)
    .execute();
}

/** How many entries match, up to a fixed last id (so an export's count and its rows agree). */
export async function countAuditEntries(db: DB, f: AuditFilter, upToId?: number): Promise<number> {
  const q = await auditQuery(db, f, { upToId });
  const row = await db
    .selectFrom(q.clearSelect().clearOrderBy().select("a.id").as("m"))
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function lastAuditId(db: DB): Promise<number> {
  const row = await db
    .selectFrom("audit_log")
    .select((eb) => eb.fn.max("id").as("id"))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

/**
 * The matching entries up to `upToId`, newest first, in batches of `batch` rows: each batch is its
 * own short query, so a long export never holds the database connection between batches. The SQLite
 * driver answers synchronously and Remix's body writer loops on promises alone, so each batch first
 * yields to the event loop: other requests (and the socket's own writes) run between batches.
 */
async function* auditEntryBatches(db: DB, f: AuditFilter, upToId: number, batch = 1000): AsyncGenerator<AuditRow[]> {
  let beforeId: number | undefined;
  for (;;) {
    await new Promise((resolve) => setImmediate(resolve));
    const rows = await (await auditQuery(db, f, { upToId, beforeId })).limit(batch).execute();
    if (rows.length) yield rows;
    if (rows.length < batch) return;
    beforeId = rows[rows.length - 1]!.id;
  }
}

// ---- Export (CSV and XLSX); the download itself is streamed by spreadsheet.server.ts.

const AUDIT_EXPORT_COLUMNS: StreamColumn[] = [
  { header: "编号", width: 9 },
  { header: "时间（北京时间）", width: 20, numFmt: "yyyy-mm-dd hh:mm:ss" },
  { header: "操作人学号/工号", width: 16 },
  { header: "操作人姓名", width: 12 },
  { header: "操作", width: 22 },
  { header: "操作说明", width: 16 },
  { header: "对象类型", width: 12 },
  { header: "对象编号", width: 10 },
  { header: "详情", width: 60 },
  { header: "IP", width: 16 },
];

/** One entry as an export row: XLSX gets a real date (shown in Beijing time), CSV the same as text. */
function auditExportRow(r: AuditRow, format: "csv" | "xlsx"): unknown[] {
  const when = format === "xlsx" ? cstWallDate(r.at) : cstDateTimeText(r.at);
  return [r.id, when, r.actor_username, r.actor_name, r.action, AUDIT_ACTIONS[r.action] ?? "", r.target_type, r.target_id, r.detail, r.ip];
}

/** Excel's row limit less the header. */
export const XLSX_MAX_ROWS = 1_048_575;

/**
 * The filtered log as a streamed download. Pins the export to the entries that exist now, counts them
 * and audits the export itself (who, which filter, how many rows) before a single row leaves.
 */
export async function auditExport(
  db: DB,
  f: AuditFilter,
  e: { actorId: number; ip: string | null; format: "csv" | "xlsx" },
): Promise<Download | RefusedDownload> {
  const upToId = await lastAuditId(db);
  const rows = await countAuditEntries(db, f, upToId);
  if (e.format === "xlsx" && rows > XLSX_MAX_ROWS) {
    return { refused: `符合条件的日志有 ${rows} 条，超过 Excel 的行数上限：请缩小筛选范围或导出 CSV` };
  }
  await audit(db, { actorId: e.actorId, ip: e.ip, action: "audit.export", detail: { format: e.format, filter: f, rows } });
  const batches = (async function* () {
    for await (const batch of auditEntryBatches(db, f, upToId)) yield batch.map((r) => auditExportRow(r, e.format));
  })();
  const name = `审计日志-${cstDate(now())}`;
  return e.format === "csv"
    ? { filename: `${name}.csv`, contentType: CSV_TYPE, body: csvStream(AUDIT_EXPORT_COLUMNS, batches) }
    : { filename: `${name}.xlsx`, contentType: XLSX_TYPE, body: xlsxStream("审计日志", AUDIT_EXPORT_COLUMNS, batches) };
}
