// 培训台账 through the real loaders: the columns the 组织部 keeps, live standing until completion is confirmed
// and the confirmed result after, every filter, XLSX read back by ExcelJS (numbers, dates, headers,
// frozen header), CSV with BOM, formula injection neutralized in both, exports audited, secretaries
// limited to their subtree (pages and files), trainees refused, the per-class results sheet, and
// keyset paging that neither repeats nor loses a row.
import ExcelJS from "exceljs";
import Papa from "papaparse";
import { beforeEach, describe, expect, it } from "vitest";
import { confirmCompletion } from "../../app/models/certificates.server.ts";
import { classResults, enrollUsernames, type ClassView } from "../../app/models/classes.server.ts";
import { ledgerBatches, LEDGER_COLUMNS, resolveLedgerFilter } from "../../app/models/ledger.server.ts";
import { assignLiaison } from "../../app/models/branch-liaisons.server.ts";
import { recordStageEvent } from "../../app/models/branch-stages.server.ts";
import { getUserWithRoles } from "../../app/models/users.server.ts";
import * as adminPage from "../../app/routes/admin.ledger.tsx";
import * as adminCsv from "../../app/routes/admin.ledger.export[.]csv.tsx";
import * as adminXlsx from "../../app/routes/admin.ledger.export[.]xlsx.tsx";
import * as branchPage from "../../app/routes/branch.ledger.tsx";
import * as branchCsv from "../../app/routes/branch.ledger.export[.]csv.tsx";
import * as branchXlsx from "../../app/routes/branch.ledger.export[.]xlsx.tsx";
import * as resultsXlsx from "../../app/routes/admin.classes.$id.results[.]xlsx.tsx";
import type { DB } from "../../app/utils/db.server.ts";
import { classWorld, didTheWork, makeClass, type ClassWorld } from "../setup/classes.ts";
import { createTestUser, makeRequest, outcome } from "../setup/db.ts";
import { cstDate } from "../../app/utils/cst.ts";

let db: DB;
let ctx: ClassWorld["ctx"];
let tree: ClassWorld["tree"];
let users: ClassWorld["users"];
let courseId: number;
let cls: ClassView;

const HEADERS = [
  "序号",
  "学号/工号",
  "姓名",
  "性别",
  "二级党委",
  "党支部",
  "发展阶段",
  "列为入党积极分子的时间",
  "列为发展对象的时间",
  "接收为预备党员的时间",
  "转正时间",
  "培养联系人",
  "培训班名称",
  "期次",
  "培训起止日期",
  "应修学时",
  "已修学时",
  "必修完成率",
  "作业成绩",
  "考试成绩",
  "平时成绩",
  "综合成绩",
  "考核等级",
  "是否结业",
  "证书编号",
  "发证日期",
  "证书状态",
  "撤销日期",
  "撤销原因",
  "备注",
];
const HOSTILE = ['=HYPERLINK("http://evil.example","点我")', "+1", "-1+1", "@SUM(A1)", "\t制表符"];
const col = (h: string) => HEADERS.indexOf(h);

async function enroll(usernames: string[], classId = cls.id) {
  const r = await enrollUsernames(
    db,
    { classId, entries: usernames.map((username) => ({ username })), source: "pick", skipProblems: false },
    { actorId: users.admin.id },
  );
  if (!r.applied) throw new Error(`enrollment refused: ${JSON.stringify(r.plan.problems)}`);
}

beforeEach(async () => {
  ({ db, ctx, tree, users, courseId, cls } = await classWorld());
  await enroll(["2023001", "2023002", "2023101"]);
  await didTheWork(db, users.traineeA.id, courseId, { essay: 85, exam: 90 });
  await didTheWork(db, users.traineeA2.id, courseId, { lessons: "required" });
  await didTheWork(db, users.traineeB.id, courseId, { essay: 70, exam: 60 });
});

type Who = keyof ClassWorld["users"] | null;
const args = (who: Who, url: string, params: Record<string, string> = {}) => ({
  request: makeRequest(url, { cookie: who ? users[who].cookie : undefined }),
  context: ctx,
  params,
});
const admin = (query = "") => outcome(adminPage.loader(args("admin", `/admin/ledger${query}`)));

async function xlsxRows(res: Response): Promise<{ ws: ExcelJS.Worksheet; rows: unknown[][] }> {
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toContain("spreadsheetml");
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await res.arrayBuffer()) as ArrayBuffer);
  const ws = wb.worksheets[0]!;
  const rows: unknown[][] = [];
  ws.eachRow((row) => rows.push(HEADERS.map((_, i) => row.getCell(i + 1).value)));
  return { ws, rows };
}

async function csvRows(res: Response): Promise<{ text: string; rows: string[][] }> {
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = new TextDecoder().decode(bytes.subarray(3));
  return { text, rows: Papa.parse<string[]>(text, { skipEmptyLines: true }).data };
}

const exportOf = async (route: { loader: (a: never) => Promise<Response> }, who: Who, url: string, params: Record<string, string> = {}) =>
  route.loader(args(who, url, params) as never);

describe("ledger rows", () => {
  it("has one row per trainee and class with the live standing, 未认定 until completion is confirmed", async () => {
    const page = await admin();
    expect(page.status).toBe(200);
    expect(page.data.counts).toEqual({ rows: 3, classes: 1, completed: 0, notCompleted: 0, undecided: 3 });
    // By unit path, then 学号: branch A (2023001, 2023002), then branch B.
    expect(page.data.preview.map((r: { username: string }) => r.username)).toEqual(["2023001", "2023002", "2023101"]);
    expect(page.data.preview.map((r: { seq: number }) => r.seq)).toEqual([1, 2, 3]);
    const live = new Map((await classResults(db, cls)).map((r) => [r.username, r.result]));
    for (const row of page.data.preview) {
      const r = live.get(row.username)!;
      expect({ hours: row.hours, requiredHours: row.requiredHours, composite: row.composite, band: row.band }).toEqual({
        hours: r.hours,
        requiredHours: r.requiredHours,
        composite: r.composite,
        band: "—", // no 等级 before the organization department decides
      });
      expect(row.status).toBe("未认定");
    }
    const a = page.data.preview[0];
    expect(a).toMatchObject({
      name: "张晓明",
      unit: "甲学院第一党支部",
      hours: 5.5,
      requiredHours: 5.5,
      note: "已达到结业条件，待组织部确认",
      certificateNumber: null,
    });
    expect(page.data.preview[1].note).toMatch(/^尚未达到结业条件：.*思想汇报》未提交/);
  });

  it("shows the confirmed result, 是/否, the certificate number and date once completion is confirmed, even if a grade changes later", async () => {
    const t = 1_796_000_000; // 2026-11-30 Beijing time
    const summary = await confirmCompletion(db, { classId: cls.id, schoolCode: "TST", close: true, early: true }, { actorId: users.admin.id }, t);
    const confirmed = (await admin()).data.preview.find((r: { username: string }) => r.username === "2023001");
    // A regrade after the decision: the class page shows it live, the ledger keeps what was confirmed.
    await db.updateTable("submissions").set({ score: 20, raw_score: 20 }).where("user_id", "=", users.traineeA.id).execute();
    const page = await admin();
    expect(page.data.counts).toMatchObject({ completed: summary.completed, notCompleted: summary.notCompleted, undecided: 0 });
    const a = page.data.preview.find((r: { username: string }) => r.username === "2023001");
    expect(a).toMatchObject({ status: "是", certificateNumber: "TST-2026-12-0001", composite: confirmed.composite, note: "" });
    expect((await classResults(db, cls, { userId: users.traineeA.id }))[0]!.result.composite).not.toBe(a.composite);
    const a2 = page.data.preview.find((r: { username: string }) => r.username === "2023002");
    expect(a2.status).toBe("否");
    expect(a2.note).toContain("思想汇报》未提交");
    const { rows } = await xlsxRows(await exportOf(adminXlsx, "admin", "/admin/ledger/export.xlsx?status=completed"));
    const issued = rows.find((r) => r[col("学号/工号")] === "2023001")!;
    expect(issued[col("是否结业")]).toBe("是");
    expect(issued[col("证书编号")]).toBe("TST-2026-12-0001");
    expect((issued[col("发证日期")] as Date).toISOString().slice(0, 10)).toBe(cstDate(t));
  });

  it("pages by keyset without repeating or losing a row, across classes and units", async () => {
    const second = await makeClass(db, { adminId: users.admin.id, hostUnitId: tree.root, courseId, term: 13, name: "2027年春季第13期入党积极分子培训班" });
    await db.updateTable("training_classes").set({ start_date: "2027-03-01", end_date: "2027-05-30" }).where("id", "=", second.id).execute();
    const extra = [];
    for (let i = 0; i < 9; i++)
      extra.push(await createTestUser(db, { orgUnitId: i % 2 ? tree.branchA : tree.branchB, username: `2024${String(i).padStart(3, "0")}` }));
    await enroll(["2023001", "2023101", ...extra.map((u) => u.username)], second.id);
    const f = await resolveLedgerFilter(db, {}, { unitPath: null });
    const batches = [];
    for await (const b of ledgerBatches(db, f, 3)) batches.push(b);
    const rows = batches.flat();
    expect(batches.every((b) => b.length <= 3)).toBe(true);
    expect(rows).toHaveLength(3 + 11);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
    expect(new Set(rows.map((r) => `${r.classId}:${r.userId}`)).size).toBe(14);
    // Newest class first; within it by branch, then 学号.
    expect(rows.slice(0, 11).every((r) => r.classId === second.id)).toBe(true);
    const branchOrder = rows.slice(0, 11).map((r) => r.branch);
    expect(branchOrder).toEqual([...branchOrder].sort((x, y) => (x === y ? 0 : x === "甲学院第一党支部" ? -1 : 1)));
  });
});

describe("filters", () => {
  let candidates: ClassView;
  beforeEach(async () => {
    candidates = await makeClass(db, {
      adminId: users.admin.id,
      hostUnitId: tree.root,
      courseId,
      term: 3,
      kind: "candidate",
      name: "2027年第3期发展对象培训班",
    });
    await db.updateTable("training_classes").set({ start_date: "2027-04-01", end_date: "2027-04-05" }).where("id", "=", candidates.id).execute();
    await createTestUser(db, { orgUnitId: tree.branchB, username: "2022099", stage: "candidate" });
    await enroll(["2022015", "2022099"], candidates.id);
  });
  const names = async (query: string) =>
    (await admin(query)).data.preview.map((r: { username: string; classId: number }) => `${r.classId === cls.id ? "A" : "C"}:${r.username}`);

  it("by class, kind and 期次", async () => {
    expect(await names(`?class=${candidates.id}`)).toEqual(["C:2022015", "C:2022099"]);
    expect(await names("?kind=candidate")).toEqual(["C:2022015", "C:2022099"]);
    expect(await names("?kind=activist&term=12")).toEqual(["A:2023001", "A:2023002", "A:2023101"]);
    expect(await names("?term=3")).toEqual(["C:2022015", "C:2022099"]);
    expect(await names("?term=99")).toEqual([]);
  });

  it("by org subtree and by training dates that overlap the range", async () => {
    expect(await names(`?unit=${tree.subB}`)).toEqual(["C:2022099", "A:2023101"]);
    expect(await names(`?unit=${tree.branchA}&class=${cls.id}`)).toEqual(["A:2023001", "A:2023002"]);
    expect(await names("?from=2027-04-05&to=2027-12-31")).toEqual(["C:2022015", "C:2022099"]);
    expect(await names("?from=2026-11-30&to=2026-11-30")).toHaveLength(3);
    expect(await names("?to=2026-08-31")).toEqual([]);
  });

  it("by completion status, and ignores bad values instead of failing", async () => {
    await confirmCompletion(db, { classId: cls.id, schoolCode: "TST", close: true }, { actorId: users.admin.id });
    expect(await names("?status=undecided")).toEqual(["C:2022015", "C:2022099"]);
    const done = await names("?status=completed");
    expect(done).toContain("A:2023001");
    expect(done.every((n: string) => n.startsWith("A:"))).toBe(true);
    expect((await names("?status=not_completed")).every((n: string) => n.startsWith("A:"))).toBe(true);
    const bad = await admin("?status=maybe&term=x&from=2026-02-30&unit=-1&kind=nobody");
    expect(bad.status).toBe(200);
    expect(bad.data.filter).toEqual({});
    expect(bad.data.counts.rows).toBe(5);
  });
});

describe("exports", () => {
  beforeEach(async () => {
    for (const [i, name] of HOSTILE.entries()) {
      const u = await createTestUser(db, { orgUnitId: tree.branchA, username: `9900${i}`, name });
      await enroll([u.username]);
    }
  });

  it("XLSX: the ledger headers, a frozen header row, widths, numbers as numbers and the audit entry", async () => {
    const zhang = await db.selectFrom("users").select("id").where("username", "=", "2023001").executeTakeFirstOrThrow();
    await recordStageEvent(db, { userId: zhang.id, stage: "activist", decidedOn: "2025-09-01" }, null);
    const liaison = await createTestUser(db, { orgUnitId: tree.branchA, stage: "full", name: "孙丽华" });
    await assignLiaison(db, { traineeId: zhang.id, liaisonUsername: liaison.username, startOn: "2025-09-01" }, (await getUserWithRoles(db, users.admin.id))!);
    const shown = (await admin()).data.preview.find((r: { username: string }) => r.username === "2023001");
    expect(shown.liaisons).toBe("孙丽华");
    const res = await exportOf(adminXlsx, "admin", `/admin/ledger/export.xlsx?class=${cls.id}`);
    expect(res.headers.get("Content-Disposition")).toContain(`filename*=UTF-8''${encodeURIComponent("培训台账-")}`);
    expect(res.headers.get("Content-Disposition")).toMatch(/\.xlsx$/);
    const { ws, rows } = await xlsxRows(res);
    expect(rows[0]).toEqual(HEADERS);
    expect(ws.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
    expect(ws.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(LEDGER_COLUMNS.map((c, i) => ws.getColumn(i + 1).width === c.width).every(Boolean)).toBe(true);
    expect(rows).toHaveLength(1 + 3 + HOSTILE.length);
    const a = rows.find((r) => r[col("学号/工号")] === "2023001")!;
    expect(a.slice(0, 17)).toEqual([
      a[0],
      "2023001",
      "张晓明",
      "男",
      "甲学院党委",
      "甲学院第一党支部",
      "入党积极分子",
      new Date("2025-09-01T00:00:00Z"),
      null,
      null,
      null,
      "孙丽华",
      cls.name,
      12,
      "2026-09-01 至 2026-11-30",
      5.5,
      5.5,
    ]);
    for (const h of ["序号", "期次", "应修学时", "已修学时", "必修完成率", "作业成绩", "考试成绩", "平时成绩", "综合成绩"])
      expect(typeof a[col(h)], h).toBe("number");
    expect(a[col("必修完成率")]).toBe(1);
    expect(ws.getRow(2).getCell(col("必修完成率") + 1).numFmt).toBe("0.0%");
    expect(a[col("考试成绩")]).toBe(90);
    expect(a[col("作业成绩")]).toBe(85);
    expect(a[col("是否结业")]).toBe("未认定");
    expect(a[col("发证日期")]).toBeNull();
    const entry = await db.selectFrom("audit_log").selectAll().where("action", "=", "ledger.export").orderBy("id", "desc").executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(users.admin.id);
    expect(JSON.parse(entry.detail!)).toEqual({ format: "xlsx", filter: { class: cls.id }, scope: "all", rows: 3 + HOSTILE.length });
  });

  it("CSV: UTF-8 with BOM, the same rows and columns, audited", async () => {
    const { rows } = await csvRows(await exportOf(adminCsv, "admin", "/admin/ledger/export.csv"));
    expect(rows[0]).toEqual(HEADERS);
    expect(rows).toHaveLength(1 + 3 + HOSTILE.length);
    const a = rows.find((r) => r[1] === "2023001")!;
    expect(a[col("必修完成率")]).toBe("100%");
    expect(a[col("已修学时")]).toBe("5.5");
    const entry = await db.selectFrom("audit_log").select("detail").where("action", "=", "ledger.export").orderBy("id", "desc").executeTakeFirstOrThrow();
    expect(JSON.parse(entry.detail!)).toMatchObject({ format: "csv", rows: 3 + HOSTILE.length });
  });

  it("neutralizes formula injection in both formats", async () => {
    const expected = HOSTILE.map((h) => `'${h}`);
    const { rows: x } = await xlsxRows(await exportOf(adminXlsx, "admin", "/admin/ledger/export.xlsx"));
    const { rows: c, text } = await csvRows(await exportOf(adminCsv, "admin", "/admin/ledger/export.csv"));
    const namesOf = (rows: unknown[][]) => rows.filter((r) => String(r[col("学号/工号")]).startsWith("9900")).map((r) => r[col("姓名")]);
    expect(namesOf(x)).toEqual(expected);
    expect(namesOf(c)).toEqual(expected);
    for (const line of text.split("\r\n")) for (const cell of Papa.parse<string[]>(line).data[0] ?? []) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });
});

describe("who may see what", () => {
  it("a secretary's page and exports hold only their subtree, whatever unit they ask for", async () => {
    const page = await outcome(branchPage.loader(args("secretaryA", `/branch/ledger?unit=${tree.branchB}`)));
    expect(page.status).toBe(200);
    expect(page.data.preview.map((r: { username: string }) => r.username)).toEqual(["2023001", "2023002"]);
    expect(page.data.units.map((u: { id: number }) => u.id).sort()).toEqual([tree.subA, tree.branchA].sort());
    for (const query of ["", `?unit=${tree.branchB}`, `?unit=${tree.root}`, `?class=${cls.id}`]) {
      const { rows: x } = await xlsxRows(await exportOf(branchXlsx, "secretaryA", `/branch/ledger/export.xlsx${query}`));
      const { rows: c } = await csvRows(await exportOf(branchCsv, "secretaryA", `/branch/ledger/export.csv${query}`));
      for (const rows of [x.slice(1), c.slice(1)]) {
        expect(rows.map((r) => r[col("学号/工号")])).toEqual(["2023001", "2023002"]);
        expect(rows.every((r) => r[col("二级党委")] === "甲学院党委")).toBe(true);
        expect(JSON.stringify(rows)).not.toContain("刘子涵");
      }
    }
    const { rows: b } = await csvRows(await exportOf(branchCsv, "secretaryB", "/branch/ledger/export.csv"));
    expect(b.slice(1).map((r) => r[1])).toEqual(["2023101"]);
    const entry = await db
      .selectFrom("audit_log")
      .select(["actor_id", "detail"])
      .where("action", "=", "ledger.export")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(users.secretaryB.id);
    expect(JSON.parse(entry.detail!).scope).toMatch(/^\/\d+\/\d+\/$/);
  });

  it("trainees and instructors cannot reach the admin ledger or the secretaries' one; anonymous users are sent to sign in", async () => {
    for (const who of ["traineeA", "instructor", "secretaryA"] as const) {
      expect((await outcome(adminPage.loader(args(who, "/admin/ledger")))).status).toBe(403);
      expect((await outcome(exportOf(adminXlsx, who, "/admin/ledger/export.xlsx"))).status).toBe(403);
      expect((await outcome(exportOf(adminCsv, who, "/admin/ledger/export.csv"))).status).toBe(403);
    }
    for (const who of ["traineeA", "instructor", "admin"] as const) {
      expect((await outcome(branchPage.loader(args(who, "/branch/ledger")))).status).toBe(403);
      expect((await outcome(exportOf(branchCsv, who, "/branch/ledger/export.csv"))).status).toBe(403);
    }
    expect((await outcome(adminPage.loader(args(null, "/admin/ledger")))).status).toBe(302);
    expect(await db.selectFrom("audit_log").select("id").where("action", "=", "ledger.export").execute()).toHaveLength(0);
  });

  it("the per-class results sheet: every row for admins and the class's instructors, the subtree for secretaries, nothing for others", async () => {
    const params = { id: String(cls.id) };
    const url = `/admin/classes/${cls.id}/results.xlsx`;
    const usernames = async (who: Who) => (await xlsxRows(await exportOf(resultsXlsx, who, url, params))).rows.slice(1).map((r) => r[col("学号/工号")]);
    expect(await usernames("admin")).toEqual(["2023001", "2023002", "2023101"]);
    expect(await usernames("instructor")).toEqual(["2023001", "2023002", "2023101"]);
    expect(await usernames("secretaryB")).toEqual(["2023101"]);
    const res = await exportOf(resultsXlsx, "admin", url, params);
    expect(decodeURIComponent(res.headers.get("Content-Disposition")!)).toContain(`${cls.name}-第12期-成绩.xlsx`);
    expect((await outcome(exportOf(resultsXlsx, "otherInstructor", url, params))).status).toBe(404);
    expect((await outcome(exportOf(resultsXlsx, "traineeA", url, params))).status).toBe(403);
    expect((await outcome(exportOf(resultsXlsx, "admin", "/admin/classes/999999/results.xlsx", { id: "999999" }))).status).toBe(404);
    const entries = await db.selectFrom("audit_log").select(["actor_id", "target_id", "detail"]).where("action", "=", "class.results_export").execute();
    expect(entries.map((e) => e.actor_id)).toEqual([users.admin.id, users.instructor.id, users.secretaryB.id, users.admin.id]);
    expect(JSON.parse(entries[2]!.detail!)).toMatchObject({ rows: 1 });
  });
});
