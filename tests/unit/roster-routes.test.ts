// 批量导入用户 through the real loaders and actions: admins only, upload → preview (nothing written) →
// confirm, the template (which imports back cleanly), and the one-time password sheet.
import ExcelJS from "exceljs";
import { beforeEach, describe, expect, it } from "vitest";
import * as importPage from "../../app/routes/admin.users.import.tsx";
import * as passwordsRoute from "../../app/routes/admin.users.import.passwords.tsx";
import * as templateRoute from "../../app/routes/admin.users.import.template[.]xlsx.tsx";
import type { DB } from "../../app/utils/db.server.ts";
import { readRosterFile } from "../../app/utils/roster-import.server.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, testContext } from "../setup/db.ts";

let db: DB;
let admin: Awaited<ReturnType<typeof createTestUser>>;
let otherAdmin: Awaited<ReturnType<typeof createTestUser>>;
let secretary: Awaited<ReturnType<typeof createTestUser>>;
let t: Awaited<ReturnType<typeof createTestTree>>;
beforeEach(async () => {
  db = await createTestDb();
  t = await createTestTree(db);
  admin = await createTestUser(db, { orgUnitId: t.branchA, roles: ["admin"], stage: "full" });
  otherAdmin = await createTestUser(db, { orgUnitId: t.branchA, roles: ["admin"], stage: "full" });
  secretary = await createTestUser(db, { orgUnitId: t.subA, roles: ["secretary", "instructor"], stage: "full" });
});

const args = (url: string, init: Parameters<typeof makeRequest>[1] = {}) => ({ request: makeRequest(url, init), context: testContext(db), params: {} });

function uploadArgs(cookie: string, name: string, bytes: Uint8Array) {
  const form = new FormData();
  form.append("intent", "upload");
  form.append("file", new File([Buffer.from(bytes)], name));
  const request = new Request("http://localhost/admin/users/import", { method: "POST", headers: { Origin: "http://localhost", Cookie: cookie }, body: form });
  return { request, context: testContext(db), params: {} };
}

const CSV = [
  "学号/工号,姓名,性别,二级党委,党支部,发展阶段,角色,手机,邮箱",
  "2025001,张 三,男,甲学院党委,甲学院第一党支部,入党积极分子,学员,,",
  "2025002,李四,女,乙学院党委,乙学院第一党支部,发展对象,学员,,",
  "2025003,王五,男,甲学院党委,甲学院第一党支部,群众,学员,,",
].join("\r\n");
const csvBytes = () => new TextEncoder().encode(CSV);

const count = async (table: "users" | "audit_log") =>
  Number(
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  );

async function readXlsx(res: Response) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(await res.arrayBuffer());
  return wb;
}

describe("批量导入 routes", () => {
  it("are for 组织部管理员 only: a secretary/instructor gets 403 on every loader and action", async () => {
    const c = secretary.cookie;
    const calls = [
      importPage.loader(args("/admin/users/import", { cookie: c })),
      importPage.action(uploadArgs(c, "a.csv", csvBytes())),
      importPage.action(args("/admin/users/import", { cookie: c, form: { intent: "confirm", sha256: "a".repeat(64) } })),
      templateRoute.loader(args("/admin/users/import/template.xlsx", { cookie: c })),
      passwordsRoute.action(args("/admin/users/import/passwords", { cookie: c, form: { rows: "[]" } })),
    ];
    // Every call is already running: outcome() observes each at once, so none rejects unobserved while another is awaited.
    for (const { status } of await Promise.all(calls.map(outcome))) expect(status).toBe(403);
    expect(await count("users")).toBe(3);
  });

  it("upload → preview writes nothing; confirm refuses a file with bad rows; with 跳过错误行 imports the rest once", async () => {
    const usersBefore = await count("users");
    const auditBefore = await count("audit_log");
    const up = await outcome(importPage.action(uploadArgs(admin.cookie, "名单.csv", csvBytes())));
    expect(up.status).toBe(302);
    const sha = /file=([0-9a-f]{64})/.exec(up.location ?? "")?.[1];
    expect(sha).toBeTruthy();

    const preview = await outcome(importPage.loader(args(`/admin/users/import?file=${sha}`, { cookie: admin.cookie })));
    expect(preview.data.upload.preview.counts).toEqual({ rows: 3, creates: 2, updates: 0, unchanged: 0, errors: 1 });
    expect(preview.data.upload.preview.errors).toEqual([
      "第 4 行（2025003）：发展阶段「群众」无效，应为 入党申请人、入党积极分子、发展对象、预备党员、正式党员 之一",
    ]);
    expect(preview.data.upload.format).toBe("CSV（UTF-8 编码）");
    expect(await count("users")).toBe(usersBefore);
    expect(await count("audit_log")).toBe(auditBefore);

    // Another admin cannot confirm this upload: it is not theirs.
    const foreign = await outcome(
      importPage.action(args("/admin/users/import", { cookie: otherAdmin.cookie, form: { intent: "confirm", sha256: sha!, skipErrors: "on" } })),
    );
    expect(foreign.status).toBe(404);

    const refused = await outcome(importPage.action(args("/admin/users/import", { cookie: admin.cookie, form: { intent: "confirm", sha256: sha! } })));
    expect(refused.status).toBe(400);
    expect(refused.data).toMatchObject({ ok: false, message: expect.stringContaining("未导入任何数据"), errors: {} });
    expect(refused.data.details.length).toBeGreaterThan(0);
    expect(refused.data.details).toEqual([expect.stringContaining("第 4 行")]);
    expect(await count("users")).toBe(usersBefore);

    const done = await outcome(
      importPage.action(args("/admin/users/import", { cookie: admin.cookie, form: { intent: "confirm", sha256: sha!, skipErrors: "on" } })),
    );
    expect(done.status).toBe(200);
    expect(done.data.done.created.map((c: { 学号: string }) => c.学号)).toEqual(["2025001", "2025002"]);
    // The inner space of 张 三 is not part of the name.
    expect((await db.selectFrom("users").select("name").where("username", "=", "2025001").executeTakeFirstOrThrow()).name).toBe("张三");
    expect(done.data.done.skipped).toHaveLength(1);
    expect(await count("users")).toBe(usersBefore + 2);

    // The pending upload is used up: confirming again finds nothing.
    const again = await outcome(
      importPage.action(args("/admin/users/import", { cookie: admin.cookie, form: { intent: "confirm", sha256: sha!, skipErrors: "on" } })),
    );
    expect(again.status).toBe(404);
    expect(await count("users")).toBe(usersBefore + 2);
  });

  it("cancel forgets the upload", async () => {
    const up = await outcome(importPage.action(uploadArgs(admin.cookie, "名单.csv", csvBytes())));
    const sha = /file=([0-9a-f]{64})/.exec(up.location!)![1]!;
    const cancel = await outcome(importPage.action(args("/admin/users/import", { cookie: admin.cookie, form: { intent: "cancel", sha256: sha } })));
    expect(cancel.location).toBe("/admin/users/import");
    const page = await outcome(importPage.loader(args(`/admin/users/import?file=${sha}`, { cookie: admin.cookie })));
    expect(page.data.upload).toEqual({ sha256: sha, missing: true });
  });

  it("the template has the columns, one example row from the real tree, the units and stages; it imports back cleanly", async () => {
    const res = await templateRoute.loader(args("/admin/users/import/template.xlsx", { cookie: admin.cookie }));
    expect(res.headers.get("Content-Type")).toContain("spreadsheetml");
    expect(res.headers.get("Content-Disposition")).toContain("attachment");
    const bytes = new Uint8Array(await res.clone().arrayBuffer());
    const wb = await readXlsx(res);
    const [sheet, ref] = wb.worksheets;
    expect(sheet!.getRow(1).values).toEqual([
      undefined,
      "学号/工号",
      "姓名",
      "性别",
      "二级党委",
      "党支部",
      "发展阶段",
      "角色",
      "手机",
      "邮箱",
      "列为积极分子日期",
      "列为发展对象日期",
      "接收预备党员日期",
      "转正日期",
      "培养联系人（学号/工号）",
    ]);
    expect(sheet!.getRow(2).getCell(4).value).toBe("甲学院党委");
    expect(sheet!.rowCount).toBe(2);
    const pairs = [2, 3].map((r) => [ref!.getRow(r).getCell(1).value, ref!.getRow(r).getCell(2).value]);
    expect(pairs).toEqual([
      ["甲学院党委", "甲学院第一党支部"],
      ["乙学院党委", "乙学院第一党支部"],
    ]);
    expect([2, 3, 4, 5, 6].map((r) => ref!.getRow(r).getCell(4).value)).toEqual(["入党申请人", "入党积极分子", "发展对象", "预备党员", "正式党员"]);
    const file = await readRosterFile(bytes, "模板.xlsx");
    expect(file.ok && file.rows).toHaveLength(1);
    const up = await outcome(importPage.action(uploadArgs(admin.cookie, "模板.xlsx", bytes)));
    const preview = await outcome(importPage.loader(args(up.location!, { cookie: admin.cookie })));
    expect(preview.data.upload.preview.counts).toMatchObject({ creates: 1, errors: 0 });
    expect(preview.data.upload.preview.creates[0].branch).toBe("列为入党积极分子的时间 2025-09-01"); // the example row's day
  });

  it("the password sheet neutralizes formula cells, is not cached, refuses a bad payload and is audited", async () => {
    await createTestUser(db, { orgUnitId: t.branchB, username: "2025004", name: "赵六" });
    const slip = await passwordsRoute.action(
      args("/admin/users/import/passwords", {
        cookie: admin.cookie,
        form: { rows: JSON.stringify([{ 学号: "2025004", 姓名: "赵六", 一次性密码: "abcDEF2345" }]) },
      }),
    );
    // Each slip says which branch it goes to.
    expect((await readXlsx(slip)).worksheets[0]!.getRow(2).getCell(3).value).toBe("乙学院党委 / 乙学院第一党支部");
    const rows = [
      { 学号: "2025001", 姓名: '=HYPERLINK("http://evil.example")', 一次性密码: "abcDEF2345" },
      { 学号: "2025002", 姓名: "@SUM(A1)", 一次性密码: "xyzXYZ6789" },
      { 学号: "2025003", 姓名: "-1+1", 一次性密码: "pqrPQR2345" },
    ];
    const res = await passwordsRoute.action(args("/admin/users/import/passwords", { cookie: admin.cookie, form: { rows: JSON.stringify(rows) } }));
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toContain("no-store");
    expect(res.headers.get("Content-Disposition")).toContain("attachment");
    const ws = (await readXlsx(res)).worksheets[0]!;
    expect(ws.getRow(1).values).toEqual([undefined, "学号/工号", "姓名", "所属组织", "一次性密码", "登录网址"]);
    expect(ws.getRow(2).values).toEqual([
      undefined,
      "2025001",
      `'=HYPERLINK("http://evil.example")`,
      "",
      "abcDEF2345",
      expect.stringMatching(/^https?:\/\/[^/]+\/login$/),
    ]);
    expect(ws.getRow(3).getCell(2).value).toBe("'@SUM(A1)");
    expect(ws.getRow(4).getCell(2).value).toBe("'-1+1");
    for (let r = 1; r <= ws.rowCount; r++) ws.getRow(r).eachCell((c) => expect(typeof c.value).toBe("string"));
    const entry = await db.selectFrom("audit_log").selectAll().where("action", "=", "user.passwords_export").orderBy("id", "desc").executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(admin.id);
    expect(JSON.parse(entry.detail!)).toEqual({ rows: 3, usernames: ["2025001", "2025002", "2025003"] });

    for (const bad of ["not json", "[]", JSON.stringify([{ 学号: "x", 姓名: "y", 一次性密码: "<script>" }])]) {
      const r = await outcome(passwordsRoute.action(args("/admin/users/import/passwords", { cookie: admin.cookie, form: { rows: bad } })));
      expect(r.status).toBe(400);
    }
  });
});
