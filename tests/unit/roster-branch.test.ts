// Roster import carrying the branch's side: the stage days (列为积极分子日期 … 转正日期, or the ledger's
// headers) checked with the 细则's rules on each account's whole timeline, and 培养联系人 by 学号/工号 —
// every bad row reported by its row number in Chinese, nothing written before confirming (nor at all
// while a row is bad), and on confirm dated stage events, users.stage from the timeline, assignments
// from today with the 培养联系人 role, all audited.
import ExcelJS from "exceljs";
import { beforeEach, describe, expect, it } from "vitest";
import { recordStageEvent } from "../../app/models/branch-stages.server.ts";
import { importRoster, planRosterImport } from "../../app/models/users.server.ts";
import { cstToday } from "../../app/utils/cst.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { formatRosterIssue, readRosterFile, rosterField, type RosterRow } from "../../app/utils/roster-import.server.ts";
import { createTestDb, createTestTree, createTestUser } from "../setup/db.ts";

let db: DB;
let admin: Awaited<ReturnType<typeof createTestUser>>;
let t: Awaited<ReturnType<typeof createTestTree>>;
const HEADER = [
  "学号/工号",
  "姓名",
  "性别",
  "二级党委",
  "党支部",
  "发展阶段",
  "角色",
  "列为积极分子日期",
  "列为发展对象日期",
  "接收预备党员日期",
  "转正日期",
  "培养联系人（学号/工号）",
];
type Extra = { stage?: string; roles?: string; activist?: string; candidate?: string; probationary?: string; full?: string; liaisons?: string };
const row = (username: string, name: string, x: Extra = {}) => [
  username,
  name,
  "男",
  "甲学院党委",
  "甲学院第一党支部",
  x.stage ?? "入党积极分子",
  x.roles ?? "学员",
  x.activist ?? "",
  x.candidate ?? "",
  x.probationary ?? "",
  x.full ?? "",
  x.liaisons ?? "",
];
async function rowsOf(rows: unknown[][], header = HEADER): Promise<RosterRow[]> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("用户名单");
  ws.addRow(header);
  for (const r of rows) ws.addRow(r);
  const file = await readRosterFile(new Uint8Array((await wb.xlsx.writeBuffer()) as ArrayBuffer), "名单.xlsx");
  if (!file.ok) throw new Error(file.message);
  return file.rows;
}
const actor = () => ({ actorId: admin.id, ip: "203.0.113.7" });
const source = { fileName: "名单.xlsx", sha256: "0".repeat(64) };
const snapshot = async () => ({
  users: await db.selectFrom("users").select(["username", "stage"]).orderBy("id").execute(),
  events: await db.selectFrom("stage_events").selectAll().execute(),
  liaisons: await db.selectFrom("liaison_assignments").selectAll().execute(),
  audit: (await db.selectFrom("audit_log").select("id").execute()).length,
});

beforeEach(async () => {
  db = await createTestDb();
  t = await createTestTree(db);
  admin = await createTestUser(db, { orgUnitId: t.branchA, roles: ["admin"], stage: "full", username: "zzb001" });
  await createTestUser(db, { orgUnitId: t.branchA, stage: "full", username: "pl001", name: "孙丽华" });
  await createTestUser(db, { orgUnitId: t.branchA, stage: "full", username: "pl002", name: "钱正" });
  await createTestUser(db, { orgUnitId: t.branchA, stage: "full", username: "pl003", name: "赵三" });
  await createTestUser(db, { orgUnitId: t.branchA, stage: "probationary", username: "yb001", name: "预备甲" });
});

describe("roster columns for the branch's side", () => {
  it("knows the template's headers and the ledger's", () => {
    expect(rosterField("列为积极分子日期")).toBe("activistOn");
    expect(rosterField("列为入党积极分子的时间")).toBe("activistOn");
    expect(rosterField("接收为预备党员的时间")).toBe("probationaryOn");
    expect(rosterField("转正时间")).toBe("fullOn");
    expect(rosterField("培养联系人（学号/工号）")).toBe("liaisons");
    expect(rosterField("培养联系人")).toBe("liaisons");
  });

  it("every bad row is reported with its row number and nothing is written, not even on confirm", async () => {
    await createTestUser(db, { orgUnitId: t.branchA, stage: "activist", username: "2023050", name: "已录入" });
    const id = (await db.selectFrom("users").select("id").where("username", "=", "2023050").executeTakeFirstOrThrow()).id;
    await recordStageEvent(db, { userId: id, stage: "activist", decidedOn: "2024-03-01" }, null);
    const rows = await rowsOf([
      row("2024001", "日期错", { activist: "2025-13-01" }),
      row("2024002", "太早", { stage: "发展对象", activist: "2025-03-01", candidate: "2025-09-01" }),
      row("2024003", "不一致", { stage: "发展对象", activist: "2024-01-01" }),
      row("2024004", "无此人", { liaisons: "nobody9" }),
      row("2024005", "非党员", { liaisons: "yb001" }),
      row("2024006", "正式党员", { stage: "正式党员", liaisons: "pl001" }),
      row("2024007", "三名", { liaisons: "pl001、pl002、pl003" }),
      row("2023050", "已录入", { activist: "2024-05-01" }),
      row("2024009", "未来", { activist: "2999-01-01" }),
      row("2024010", "好的", { activist: "2025/9/1", liaisons: "pl001" }),
    ]);
    const before = await snapshot();
    const plan = await planRosterImport(db, rows, admin.id);
    expect(plan.errors.map(formatRosterIssue)).toEqual([
      "第 2 行（2024001）：列为积极分子日期「2025-13-01」不是有效日期，应写作 2025-09-01",
      "第 3 行（2024002）：入党积极分子须经过一年以上培养教育和考察方可列为发展对象：列为积极分子的时间为 2025-03-01，列为发展对象的时间最早为 2026-03-01",
      "第 4 行（2024003）：发展阶段为“发展对象”，请填写列为发展对象的时间",
      "第 5 行（2024004）：培养联系人「nobody9」不存在（请填写已有账号的学号/工号）",
      "第 6 行（2024005）：预备甲（yb001）不是正式党员，不能担任培养联系人",
      "第 7 行（2024006）：只有入党积极分子、发展对象和预备党员指定培养联系人（本行为正式党员）",
      "第 8 行（2024007）：每名学员的培养联系人为一至两名，本行填写了 3 名",
      "第 9 行（2023050）：已录入列为入党积极分子的时间（2024-03-01），与填写的 2024-05-01 不同：如需更正，请先在培养考察页撤销原记录",
      `第 10 行（2024009）：列为入党积极分子的时间不能晚于今天（${cstToday()}）`,
    ]);
    expect(plan.creates.map((e) => e.username)).toEqual(["2024010"]);
    expect(await snapshot()).toEqual(before); // a preview writes nothing
    const refused = await importRoster(db, rows, { skipErrors: false, actor: actor(), source });
    expect(refused.ok).toBe(false);
    expect(await snapshot()).toEqual(before);
  });

  it("on confirm: dated stage events, the stage from the timeline, 培养联系人 from today with the role, audited", async () => {
    await createTestUser(db, { orgUnitId: t.branchA, stage: "activist", username: "2023060", name: "老学员" });
    const old = (await db.selectFrom("users").select("id").where("username", "=", "2023060").executeTakeFirstOrThrow()).id;
    await recordStageEvent(db, { userId: old, stage: "activist", decidedOn: "2024-03-01" }, null);
    const rows = await rowsOf([
      row("2024020", "新学员", { activist: "2025-09-01", liaisons: "pl001, pl002" }),
      row("2023060", "老学员", { stage: "发展对象", activist: "2024-03-01", candidate: "2025-04-01", liaisons: "pl003" }),
      // 孙丽华's own row lists only 学员: being 培养联系人 is kept, not removed by the roster.
      row("pl001", "孙丽华", { stage: "正式党员", roles: "学员" }),
    ]);
    const plan = await planRosterImport(db, rows, admin.id);
    expect(plan.errors).toEqual([]);
    expect(plan.updates.find((u) => u.entry.username === "2023060")?.changes).toEqual([
      { field: "发展阶段", from: "入党积极分子", to: "发展对象" },
      { field: "列为发展对象日期", from: "", to: "2025-04-01" },
      { field: "培养联系人", from: "", to: "赵三" },
    ]);
    const r = await importRoster(db, rows, { skipErrors: false, actor: actor(), source });
    expect(r.ok).toBe(true);
    const id = (u: string) => db.selectFrom("users").select(["id", "stage"]).where("username", "=", u).executeTakeFirstOrThrow();
    const fresh = await id("2024020");
    expect(fresh.stage).toBe("activist");
    expect((await id("2023060")).stage).toBe("candidate");
    const events = await db.selectFrom("stage_events").select(["user_id", "stage", "decided_on", "entered_by"]).orderBy("id").execute();
    expect(events.slice(1)).toEqual([
      { user_id: fresh.id, stage: "activist", decided_on: "2025-09-01", entered_by: admin.id },
      { user_id: old, stage: "candidate", decided_on: "2025-04-01", entered_by: admin.id },
    ]);
    const assigned = await db
      .selectFrom("liaison_assignments as a")
      .innerJoin("users as l", "l.id", "a.liaison_id")
      .select(["a.trainee_id", "l.username", "a.start_on", "a.end_on"])
      .orderBy("a.id")
      .execute();
    expect(assigned).toEqual([
      { trainee_id: fresh.id, username: "pl001", start_on: cstToday(), end_on: null },
      { trainee_id: fresh.id, username: "pl002", start_on: cstToday(), end_on: null },
      { trainee_id: old, username: "pl003", start_on: cstToday(), end_on: null },
    ]);
    const roles = await db
      .selectFrom("user_roles as r")
      .innerJoin("users as u", "u.id", "r.user_id")
      .select(["u.username"])
      .where("r.role", "=", "liaison")
      .orderBy("u.username")
      .execute();
    expect(roles.map((x) => x.username)).toEqual(["pl001", "pl002", "pl003"]);
    const audit = await db.selectFrom("audit_log").select("action").where("action", "in", ["stage.event", "liaison.assign"]).execute();
    expect(audit.filter((a) => a.action === "stage.event")).toHaveLength(3); // the one recorded before, and the two from the file
    expect(audit.filter((a) => a.action === "liaison.assign")).toHaveLength(3);
    // The same file again changes nothing: the days are recorded and the 培养联系人 current.
    const again = await planRosterImport(db, rows, admin.id);
    expect(again.errors).toEqual([]);
    expect(again.updates.map((u) => u.entry.username)).toEqual([]);
  });
});
