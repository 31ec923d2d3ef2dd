// 审计日志 through the real loaders: filters (actor, action, target, Beijing-time dates), pagination,
// CSV (BOM) and XLSX exports with formula cells neutralized, the export audited, admins only, and no
// code path in the app that rewrites the log (the triggers are tested in users.test.ts).
import fs from "node:fs";
import path from "node:path";
import ExcelJS from "exceljs";
import Papa from "papaparse";
import { beforeEach, describe, expect, it } from "vitest";
import { audit } from "../../app/models/audit.server.ts";
import * as auditPage from "../../app/routes/admin.audit.tsx";
import * as exportCsv from "../../app/routes/admin.audit.export[.]csv.tsx";
import * as exportXlsx from "../../app/routes/admin.audit.export[.]xlsx.tsx";
import type { DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, testContext } from "../setup/db.ts";

let db: DB;
let admin: Awaited<ReturnType<typeof createTestUser>>;
let trainee: Awaited<ReturnType<typeof createTestUser>>;
let evil: Awaited<ReturnType<typeof createTestUser>>;
let firstId: number;

// 2026-03-01 23:30 and 2026-03-02 00:10 in Beijing time.
const LATE_MARCH_1 = Date.parse("2026-03-01T23:30:00+08:00") / 1000;
const EARLY_MARCH_2 = Date.parse("2026-03-02T00:10:00+08:00") / 1000;

beforeEach(async () => {
  db = await createTestDb();
  const t = await createTestTree(db);
  admin = await createTestUser(db, { orgUnitId: t.branchA, roles: ["admin"], stage: "full", username: "zzb001", name: "王建国" });
  trainee = await createTestUser(db, { orgUnitId: t.branchA, username: "2023001", name: "张晓明" });
  evil = await createTestUser(db, { orgUnitId: t.branchA, username: "x1", name: '=HYPERLINK("http://evil.example","点我")' });
  firstId =
    Number(
      (
        await db
          .selectFrom("audit_log")
          .select((eb) => eb.fn.max("id").as("m"))
          .executeTakeFirstOrThrow()
      ).m,
    ) + 1;
  const at = (id: number, when: number) => ({ id, at: when });
  const rows = [
    {
      ...at(0, LATE_MARCH_1),
      actor_id: admin.id,
      action: "user.roles",
      target_type: "user",
      target_id: String(trainee.id),
      detail: '{"from":["trainee"],"to":["trainee","instructor"]}',
    },
    { ...at(0, EARLY_MARCH_2), actor_id: trainee.id, action: "login.success", target_type: "user", target_id: String(trainee.id), detail: null },
    { ...at(0, EARLY_MARCH_2 + 60), actor_id: evil.id, action: "login.success", target_type: "user", target_id: "+1", detail: "-1+1" },
    { ...at(0, EARLY_MARCH_2 + 120), actor_id: evil.id, action: "login.failure", target_type: "@SUM(A1)", target_id: "\tx", detail: null },
  ];
  for (const r of rows) {
    await db
      .insertInto("audit_log")
      .values({ at: r.at, actor_id: r.actor_id, action: r.action, target_type: r.target_type, target_id: r.target_id, detail: r.detail, ip: "198.51.100.1" })
      .execute();
  }
});

const args = (url: string, cookie = admin.cookie) => ({ request: makeRequest(url, { cookie }), context: testContext(db), params: {} });
type PageData = Awaited<ReturnType<typeof auditPage.loader>>;
const page = async (query: string): Promise<PageData> => (await outcome(auditPage.loader(args(`/admin/audit${query}`)))).data;
const mine = <T extends { id: number }>(entries: T[]) => entries.filter((e) => e.id >= firstId);

describe("审计日志 page", () => {
  it("is for admins only, pages and exports included", async () => {
    // One call at a time: a loader started before the previous one is awaited could reject unobserved.
    for (const call of [
      () => auditPage.loader(args("/admin/audit", trainee.cookie)),
      () => exportCsv.loader(args("/admin/audit/export.csv", trainee.cookie)),
      () => exportXlsx.loader(args("/admin/audit/export.xlsx", trainee.cookie)),
    ]) {
      expect((await outcome(call())).status).toBe(403);
    }
  });

  it("filters by actor (学号 or name), action, target and Beijing-time dates", async () => {
    expect(mine((await page("?actor=2023001")).entries).map((e) => e.action)).toEqual(["登录成功"]);
    expect(mine((await page("?actor=王建国")).entries).map((e) => e.action)).toEqual(["变更角色"]);
    expect((await page("?action=login.failure")).entries).toHaveLength(1);
    // A 学号 as target finds entries about that user; `type#id` and a bare id work too.
    const aboutTrainee = mine((await page("?target=2023001")).entries);
    expect(aboutTrainee.map((e) => e.action)).toEqual(["登录成功", "变更角色"]);
    expect(mine((await page(`?target=user%23${trainee.id}`)).entries)).toHaveLength(2);
    expect((await page("?target=%2B1")).entries).toHaveLength(1);
    // Days are Beijing days, both ends inclusive.
    const march1 = await page("?from=2026-03-01&to=2026-03-01");
    expect(march1.entries.map((e) => e.action)).toEqual(["变更角色"]);
    const march2 = await page("?from=2026-03-02");
    expect(mine(march2.entries)).toHaveLength(3);
    expect(march2.filter).toEqual({ from: "2026-03-02" });
    // Bad values are ignored rather than failing the page.
    expect((await page("?from=yesterday")).filter).toEqual({});
    // Combined.
    expect((await page("?actor=x1&action=login.success&from=2026-03-02&to=2026-03-02")).total).toBe(1);
  });

  it("pages through the log 50 at a time and lists the known actions", async () => {
    for (let i = 0; i < 120; i++) await audit(db, { actorId: admin.id, action: "org.rename", targetType: "org_unit", targetId: i });
    const p1 = await page("?action=org.rename");
    expect([p1.total, p1.pages, p1.entries.length]).toEqual([120, 3, 50]);
    const p3 = await page("?action=org.rename&page=3");
    expect(p3.entries).toHaveLength(20);
    expect(p3.entries.at(-1)!.target).toBe("组织：0");
    expect(p1.actions).toEqual(
      expect.arrayContaining([
        { code: "user.import", label: "批量导入用户" },
        { code: "login.success", label: "登录成功" },
      ]),
    );
  });

  it("exports CSV with a BOM and XLSX with real types, both filtered, neutralized and audited", async () => {
    const csvRes = await exportCsv.loader(args("/admin/audit/export.csv?from=2026-03-01&to=2026-03-02"));
    expect(csvRes.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(csvRes.headers.get("Content-Disposition")).toMatch(/^attachment; filename="[^"]*"; filename\*=UTF-8''%E5%AE%A1%E8%AE%A1/);
    expect(csvRes.headers.get("Cache-Control")).toContain("no-store");
    const bytes = new Uint8Array(await csvRes.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const table = Papa.parse<string[]>(new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes).replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
    expect(table[0]).toEqual(["编号", "时间（北京时间）", "操作人学号/工号", "操作人姓名", "操作", "操作说明", "对象类型", "对象编号", "详情", "IP"]);
    expect(table).toHaveLength(5);
    const byAction = (a: string) => table.filter((r) => r[4] === a);
    expect(byAction("user.roles")[0]!.slice(1, 6)).toEqual(["2026-03-01 23:30:00", "zzb001", "王建国", "user.roles", "变更角色"]);
    const failure = byAction("login.failure")[0]!;
    expect(failure[3]).toBe(`'=HYPERLINK("http://evil.example","点我")`);
    expect(failure[6]).toBe("'@SUM(A1)");
    expect(failure[7]).toBe("'\tx");
    const success = table.find((r) => r[2] === "x1" && r[4] === "login.success")!;
    expect([success[7], success[8]]).toEqual(["'+1", "'-1+1"]);

    const exportEntry = await db.selectFrom("audit_log").selectAll().where("action", "=", "audit.export").executeTakeFirstOrThrow();
    expect(exportEntry.actor_id).toBe(admin.id);
    expect(JSON.parse(exportEntry.detail!)).toEqual({ format: "csv", filter: { from: "2026-03-01", to: "2026-03-02" }, rows: 4 });

    const xlsxRes = await exportXlsx.loader(args("/admin/audit/export.xlsx?actor=x1"));
    expect(xlsxRes.headers.get("Content-Type")).toContain("spreadsheetml");
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await xlsxRes.arrayBuffer());
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe("审计日志");
    expect(ws.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
    expect(ws.getRow(1).getCell(1).value).toBe("编号");
    expect(ws.rowCount).toBe(3);
    const row = ws.getRow(2); // newest first: the failure
    expect(typeof row.getCell(1).value).toBe("number");
    const when = row.getCell(2).value as Date;
    expect(when).toBeInstanceOf(Date);
    expect(when.toISOString()).toBe("2026-03-02T00:12:00.000Z"); // shown as Beijing wall time
    expect(row.getCell(4).value).toBe(`'=HYPERLINK("http://evil.example","点我")`);
    expect(row.getCell(7).value).toBe("'@SUM(A1)");
    const exports = await db.selectFrom("audit_log").select("detail").where("action", "=", "audit.export").orderBy("id").execute();
    expect(JSON.parse(exports[1]!.detail!)).toEqual({ format: "xlsx", filter: { actor: "x1" }, rows: 2 });
  });

  it("an export of many entries streams them all, newest first, without its own entry", async () => {
    for (let i = 0; i < 2600; i++) await audit(db, { actorId: admin.id, action: "org.move", targetId: i });
    const res = await exportCsv.loader(args("/admin/audit/export.csv?action=org.move"));
    const table = Papa.parse<string[]>((await res.text()).replace(/^\uFEFF/, ""), { skipEmptyLines: true }).data;
    expect(table).toHaveLength(2601);
    expect(table[1]![7]).toBe("2599");
    expect(table.at(-1)![7]).toBe("0");
  });
});

describe("the log cannot be changed through the application", () => {
  it("no route has an action on the audit page, and no code in app/ updates or deletes audit rows", () => {
    expect("action" in auditPage).toBe(false);
    expect("action" in exportCsv || "action" in exportXlsx).toBe(false);
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(p);
        else if (/\.(ts|tsx)$/.test(entry.name)) {
          const src = fs.readFileSync(p, "utf8");
          if (/(updateTable|deleteFrom|replaceInto)\(\s*["'`]audit_log/.test(src) || /(UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+["'`]?audit_log/i.test(src))
            offenders.push(p);
        }
      }
    };
    walk("app");
    expect(offenders).toEqual([]);
  });
});
