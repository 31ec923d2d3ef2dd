// Roster import: reading .xlsx and CSV (UTF-8 with/without BOM, GBK), every kind of bad row with its
// spreadsheet row number, updates instead of duplicates, skipping bad rows, nothing written before
// confirm, a 5,000-row file, and one-time passwords stored as a fast salted hash.
import { createRequire } from "node:module";
import ExcelJS from "exceljs";
import { beforeEach, describe, expect, it } from "vitest";
import { createOrgUnit } from "../../app/models/org.server.ts";
import { changePassword, createUser, importRoster, planRosterImport, resetPassword } from "../../app/models/users.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { verifyPassword } from "../../app/utils/password.server.ts";
import { readRosterFile, rosterField, type RosterRow } from "../../app/utils/roster-import.server.ts";
import { createTestDb, createTestTree, createTestUser } from "../setup/db.ts";

// iconv-lite (a transitive dependency) only to produce GBK bytes, as Excel on Chinese Windows saves them.
const iconv = createRequire(import.meta.url)("iconv-lite") as { encode(text: string, encoding: string): Buffer };

let db: DB;
let t: Awaited<ReturnType<typeof createTestTree>>;
let closedBranch: number;
let admin: Awaited<ReturnType<typeof createTestUser>>;
beforeEach(async () => {
  db = await createTestDb();
  t = await createTestTree(db);
  closedBranch = await createOrgUnit(db, { name: "甲学院已撤销党支部", parentId: t.subA }, { actorId: null });
  await db.updateTable("org_units").set({ active: 0 }).where("id", "=", closedBranch).execute();
  admin = await createTestUser(db, { orgUnitId: t.branchA, roles: ["admin"], stage: "full", username: "zzb001" });
});

const HEADER = ["学号/工号", "姓名", "性别", "二级党委", "党支部", "发展阶段", "角色", "手机", "邮箱"];
const row = (username: string, name: string, extra: Partial<Record<"gender" | "sub" | "branch" | "stage" | "roles" | "phone" | "email", string>> = {}) => [
  username,
  name,
  extra.gender ?? "男",
  extra.sub ?? "甲学院党委",
  extra.branch ?? "甲学院第一党支部",
  extra.stage ?? "入党积极分子",
  extra.roles ?? "学员",
  extra.phone ?? "",
  extra.email ?? "",
];

async function xlsx(header: string[], rows: unknown[][]): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("用户名单");
  ws.addRow(header);
  for (const r of rows) ws.addRow(r);
  return new Uint8Array((await wb.xlsx.writeBuffer()) as ArrayBuffer);
}

const csvText = (rows: unknown[][]) =>
  rows.map((r) => r.map((c) => (/[",\n]/.test(String(c)) ? `"${String(c).replace(/"/g, '""')}"` : String(c))).join(",")).join("\r\n") + "\r\n";

async function rowsOf(bytes: Uint8Array, name: string): Promise<RosterRow[]> {
  const file = await readRosterFile(bytes, name);
  if (!file.ok) throw new Error(file.message);
  return file.rows;
}

const counts = async () => ({
  users: Number(
    (
      await db
        .selectFrom("users")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  ),
  audit: Number(
    (
      await db
        .selectFrom("audit_log")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n,
  ),
});
const actor = () => ({ actorId: admin.id, ip: "203.0.113.7" });
const source = { fileName: "名单.xlsx", sha256: "0".repeat(64) };

describe("reading the file", () => {
  it("matches headers by name: any order, trimmed, full-width forms and spaces, (选填) and * ignored", () => {
    expect(rosterField("学号／工号")).toBe("username");
    expect(rosterField("\u3000姓　名 ")).toBe("name");
    expect(rosterField("手机（选填）")).toBe("phone");
    expect(rosterField("角色*")).toBe("roles");
    expect(rosterField("E-mail")).toBe("email");
    expect(rosterField("备注")).toBeNull();
  });

  it("reads a good .xlsx whose columns are in another order, and creates every account", async () => {
    const header = ["　姓名", "学号／工号 ", "角色", "性别", "党支部", "二级党委", "发展阶段", "邮箱", "手机", "备注"];
    const bytes = await xlsx(header, [
      ["张三", "2024001", "学员", "男", "甲学院第一党支部", "甲学院党委", "入党积极分子", "zs@example.edu.cn", 13800000001, "x"],
      ["李四", 2024002, "教师、支部书记", "女", "乙学院第一党支部", "乙学院党委", "正式党员", "", "", ""],
      [],
      ["王五", "２０２４００３", "学员", "男", "甲学院第一党支部", "甲学院党委", "发展对象", "", "", ""],
    ]);
    const file = await readRosterFile(bytes, "名单.xlsx");
    expect(file).toMatchObject({ ok: true, format: "xlsx" });
    const rows = await rowsOf(bytes, "名单.xlsx");
    expect(rows.map((r) => r.line)).toEqual([2, 3, 5]);
    const plan = await planRosterImport(db, rows, admin.id);
    expect(plan.errors).toEqual([]);
    expect(plan.creates.map((c) => c.username)).toEqual(["2024001", "2024002", "2024003"]);

    const result = await importRoster(db, rows, { skipErrors: false, actor: actor(), source });
    if (!result.ok) throw new Error("expected the import to succeed");
    expect(result.created.map((c) => c.学号)).toEqual(["2024001", "2024002", "2024003"]);
    const li = await db.selectFrom("users").selectAll().where("username", "=", "2024002").executeTakeFirstOrThrow();
    expect(li).toMatchObject({ name: "李四", gender: "女", org_unit_id: t.branchB, stage: "full", must_change_password: 1 });
    const roles = await db.selectFrom("user_roles").select("role").where("user_id", "=", li.id).execute();
    expect(roles.map((r) => r.role).sort()).toEqual(["instructor", "secretary"]);
    const zhang = await db.selectFrom("users").selectAll().where("username", "=", "2024001").executeTakeFirstOrThrow();
    expect(zhang).toMatchObject({ phone: "13800000001", email: "zs@example.edu.cn" });
    // The one-time password works, is stored as the fast salted hash, and is not stored in clear.
    const otp = result.created.find((c) => c.学号 === "2024001")!.一次性密码;
    expect(zhang.password_hash).toMatch(/^\$otp-sha256\$[0-9a-f]{32}\$[0-9a-f]{64}$/);
    expect(zhang.password_hash).not.toContain(otp);
    expect(await verifyPassword(zhang.password_hash, otp)).toBe(true);
    expect(await verifyPassword(zhang.password_hash, `${otp}x`)).toBe(false);

    const entries = await db.selectFrom("audit_log").selectAll().where("action", "in", ["user.import", "user.roles"]).execute();
    const summary = entries.find((e) => e.action === "user.import")!;
    expect(JSON.parse(summary.detail!)).toMatchObject({ rows: 3, created: 3, updated: 0, skipped: 0, createdUsernames: ["2024001", "2024002", "2024003"] });
    expect(summary.actor_id).toBe(admin.id);
    const grant = entries.filter((e) => e.action === "user.roles");
    expect(grant).toHaveLength(1);
    expect(JSON.parse(grant[0]!.detail!)).toEqual({ from: [], to: ["instructor", "secretary"] });
  });

  it("reads CSV in UTF-8 with a BOM, in UTF-8 without one, and in GBK, all to the same rows", async () => {
    const text = csvText([HEADER, row("2024101", "张晓明"), row("2024102", "欧阳娜娜", { gender: "女", roles: "学员,教师" })]);
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(text)]);
    const plain = new TextEncoder().encode(text);
    const gbk = new Uint8Array(iconv.encode(text, "gbk"));
    expect(gbk.length).toBeLessThan(plain.length); // two bytes per character, not UTF-8's three
    const files = await Promise.all([readRosterFile(withBom, "a.csv"), readRosterFile(plain, "b.csv"), readRosterFile(gbk, "c.csv")]);
    expect(files.map((f) => (f.ok ? f.encoding : f.message))).toEqual(["UTF-8", "UTF-8", "GB18030"]);
    const [a, b, c] = files.map((f) => (f.ok ? f.rows : []));
    expect(a).toEqual(b);
    expect(c).toEqual(a);
    expect(a![0]!.cells).toMatchObject({ username: "2024101", name: "张晓明", subcommittee: "甲学院党委", stage: "入党积极分子" });
    const plan = await planRosterImport(db, c!, admin.id);
    expect(plan.errors).toEqual([]);
    expect(plan.creates[1]).toMatchObject({ name: "欧阳娜娜", gender: "女", roles: ["trainee", "instructor"] });
  });

  it("refuses what is not a roster, with a reason", async () => {
    const msg = async (bytes: Uint8Array, name: string) => {
      const f = await readRosterFile(bytes, name);
      return f.ok ? "ok" : f.message;
    };
    expect(await msg(new Uint8Array(), "a.csv")).toBe("文件是空的");
    expect(await msg(new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]), "a.xls")).toContain("旧版 Excel");
    expect(await msg(new TextEncoder().encode("a,b\n1,2\n"), "a.xlsx")).toContain("不是 Excel 文件");
    expect(await msg(new TextEncoder().encode("姓名,性别\n张三,男\n"), "a.csv")).toContain("缺少列：学号/工号、二级党委、党支部、发展阶段、角色");
    expect(await msg(new Uint8Array([0x41, 0, 0x42]), "a.csv")).toContain("编码不是 UTF-8 / GBK");
    expect(await msg(new TextEncoder().encode("x"), "a.pdf")).toContain("不支持的文件类型");
  });
});

describe("checking rows", () => {
  it("reports every kind of bad row with its spreadsheet row number and a Chinese reason", async () => {
    const rows = [
      row("2024201", "好人"), // 2: good
      row("2024202", "甲", { sub: "丙学院党委" }), // 3
      row("2024203", "乙", { branch: "不存在党支部" }), // 4
      row("2024204", "丙", { branch: "乙学院第一党支部" }), // 5: a branch under another 二级党委
      row("2024205", "丁", { branch: "甲学院已撤销党支部" }), // 6: deactivated
      row("2024206", "戊"), // 7: duplicate with row 8
      row("2024206", "己"), // 8
      row("2024207", "庚", { stage: "群众" }), // 9
      row("2024208", "辛", { gender: "未知" }), // 10
      row("2024209", "壬", { roles: "学员、校长" }), // 11
      row("2024 210", "癸"), // 12: bad 学号 characters
      row("2024211", "子", { phone: "电话13800" }), // 13
      row("2024212", "丑", { email: "not-an-email" }), // 14
      row("2024213", "", { stage: "" }), // 15: empty required fields
      row("2024214", "寅", { sub: "甲学院第一党支部" }), // 16: a branch named as 二级党委
      row("2.02402E+11", "卯"), // 17: a 学号 Excel turned into a number
    ];
    const file = await readRosterFile(await xlsx(HEADER, rows), "bad.xlsx");
    if (!file.ok) throw new Error(file.message);
    const before = await counts();
    const plan = await planRosterImport(db, file.rows, admin.id);
    expect(await counts()).toEqual(before); // a preview writes nothing
    expect(plan.creates.map((c) => c.line)).toEqual([2]);
    const byLine = Object.fromEntries(plan.errors.map((e) => [e.line, e.messages.join("；")]));
    expect(Object.keys(byLine).map(Number)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect(byLine[3]).toBe("二级党委「丙学院党委」不存在");
    expect(byLine[4]).toBe("党支部「不存在党支部」不存在");
    expect(byLine[5]).toBe("党支部「乙学院第一党支部」不在二级党委「甲学院党委」下（它属于「乙学院党委」）");
    expect(byLine[6]).toBe("党支部「甲学院已撤销党支部」已停用");
    expect(byLine[7]).toBe("学号/工号 2024206 在文件中重复（第 7、8 行）");
    expect(byLine[8]).toBe(byLine[7]);
    expect(byLine[9]).toContain("发展阶段「群众」无效，应为 入党申请人、入党积极分子、发展对象、预备党员、正式党员 之一");
    expect(byLine[10]).toBe("性别「未知」无效，应为 男 或 女");
    expect(byLine[11]).toContain("角色「校长」无效");
    expect(byLine[12]).toContain("学号/工号只能包含字母、数字、下划线和短横线");
    expect(byLine[13]).toContain("手机号格式不正确");
    expect(byLine[14]).toContain("邮箱格式不正确");
    expect(byLine[15]).toBe("姓名不能为空；发展阶段不能为空");
    expect(byLine[16]).toBe("「甲学院第一党支部」是党支部，不是二级党委");
    expect(byLine[17]).toContain("科学计数法");
  });

  it("updates an existing 学号 instead of duplicating it, showing which fields change; empty phone keeps the old one", async () => {
    const { id } = await createUser(
      db,
      { username: "2024301", name: "旧名", gender: "男", orgUnitId: t.branchA, stage: "activist", roles: ["trainee"], phone: "13900000000" },
      { actorId: null },
    );
    await createUser(db, { username: "2024302", name: "不变", gender: "女", orgUnitId: t.branchA, stage: "activist", roles: ["trainee"] }, { actorId: null });
    const rows = await rowsOf(
      await xlsx(HEADER, [
        row("2024301", "新名", { sub: "乙学院党委", branch: "乙学院第一党支部", stage: "发展对象", roles: "学员 支部书记" }),
        row("2024302", "不变", { gender: "女" }),
      ]),
      "u.xlsx",
    );
    const plan = await planRosterImport(db, rows, admin.id);
    expect(plan.creates).toEqual([]);
    expect(plan.unchanged.map((u) => u.username)).toEqual(["2024302"]);
    expect(plan.updates).toHaveLength(1);
    expect(plan.updates[0]!.changes).toEqual([
      { field: "姓名", from: "旧名", to: "新名" },
      { field: "所属组织", from: "甲学院党委 / 甲学院第一党支部", to: "乙学院党委 / 乙学院第一党支部" },
      { field: "发展阶段", from: "入党积极分子", to: "发展对象" },
      { field: "角色", from: "学员", to: "学员、支部书记" },
    ]);
    const result = await importRoster(db, rows, { skipErrors: false, actor: actor(), source });
    expect(result.ok && result.created).toEqual([]);
    const users = await db.selectFrom("users").selectAll().where("username", "=", "2024301").execute();
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ id, name: "新名", org_unit_id: t.branchB, stage: "candidate", phone: "13900000000" });
    const audits = await db
      .selectFrom("audit_log")
      .selectAll()
      .where("target_id", "=", String(id))
      .where("action", "in", ["user.update", "user.roles"])
      .execute();
    expect(JSON.parse(audits.find((a) => a.action === "user.update")!.detail!)).toMatchObject({
      name: { from: "旧名", to: "新名" },
      stage: { from: "activist", to: "candidate" },
    });
    expect(JSON.parse(audits.find((a) => a.action === "user.roles")!.detail!)).toEqual({ from: ["trainee"], to: ["trainee", "secretary"] });
    // Importing the same file again changes nothing.
    const again = await planRosterImport(db, rows, admin.id);
    expect([again.creates.length, again.updates.length, again.unchanged.length]).toEqual([0, 0, 2]);
  });

  it("an admin cannot drop their own admin role through a roster", async () => {
    const rows = await rowsOf(await xlsx(HEADER, [row("zzb001", "管理员", { roles: "学员" })]), "self.xlsx");
    const plan = await planRosterImport(db, rows, admin.id);
    expect(plan.errors[0]).toMatchObject({ line: 2, messages: ["不能取消自己的组织部管理员角色"] });
  });

  it("with bad rows writes nothing unless told to skip them; skipping imports the good rows only", async () => {
    const rows = await rowsOf(await xlsx(HEADER, [row("2024401", "好"), row("2024402", "坏", { stage: "路人" }), row("2024403", "好二")]), "s.xlsx");
    const before = await counts();
    const refused = await importRoster(db, rows, { skipErrors: false, actor: actor(), source });
    expect(refused.ok).toBe(false);
    expect(refused.plan.errors.map((e) => e.line)).toEqual([3]);
    expect(await counts()).toEqual(before);

    const skipped = await importRoster(db, rows, { skipErrors: true, actor: actor(), source });
    expect(skipped.ok && skipped.created.map((c) => c.学号)).toEqual(["2024401", "2024403"]);
    const names = await db.selectFrom("users").select("username").where("username", "like", "20244%").orderBy("username").execute();
    expect(names.map((n) => n.username)).toEqual(["2024401", "2024403"]);
    const summary = await db.selectFrom("audit_log").select("detail").where("action", "=", "user.import").executeTakeFirstOrThrow();
    expect(JSON.parse(summary.detail!)).toMatchObject({ created: 2, skipped: 1 });
  });

  it("imports a 5,000-row CSV in one transaction, every account with its own one-time password", async () => {
    const lines = [HEADER];
    for (let i = 0; i < 5000; i++)
      lines.push(row(`S${String(i).padStart(6, "0")}`, `学员${i}`, i % 2 ? { branch: "甲学院第一党支部" } : { sub: "乙学院党委", branch: "乙学院第一党支部" }));
    const bytes = new Uint8Array(iconv.encode(csvText(lines), "gbk"));
    const started = performance.now();
    const rows = await rowsOf(bytes, "big.csv");
    const result = await importRoster(db, rows, { skipErrors: false, actor: actor(), source });
    const elapsed = performance.now() - started;
    console.log(`roster import: 5,000 rows (GBK CSV) read, checked and written in ${Math.round(elapsed)} ms`);
    if (!result.ok) throw new Error("expected the import to succeed");
    expect(result.created).toHaveLength(5000);
    expect(new Set(result.created.map((c) => c.一次性密码)).size).toBe(5000);
    const n = await db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("username", "like", "S%")
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(5000);
    const sample = await db.selectFrom("users").select("password_hash").where("username", "=", "S004999").executeTakeFirstOrThrow();
    expect(await verifyPassword(sample.password_hash, result.created[4999]!.一次性密码)).toBe(true);
  });
});

describe("one-time passwords", () => {
  it("admin-created accounts and resets get the fast one-time hash; a chosen password is argon2id", async () => {
    const u = await createTestUser(db, { orgUnitId: t.branchA });
    const given = await db.selectFrom("users").select("password_hash").where("id", "=", u.id).executeTakeFirstOrThrow();
    expect(given.password_hash).toMatch(/^\$argon2id\$/);
    const otp = await resetPassword(db, u.id, { actorId: null });
    const reset = await db.selectFrom("users").select("password_hash").where("id", "=", u.id).executeTakeFirstOrThrow();
    expect(reset.password_hash).toMatch(/^\$otp-sha256\$/);
    await changePassword(db, u.id, otp, "mychoice123", null);
    const chosen = await db.selectFrom("users").select("password_hash").where("id", "=", u.id).executeTakeFirstOrThrow();
    expect(chosen.password_hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(chosen.password_hash, "mychoice123")).toBe(true);
    const created = await createUser(
      db,
      { username: "otp1", name: "新", gender: "男", orgUnitId: t.branchA, stage: "activist", roles: ["trainee"] },
      { actorId: null },
    );
    const row1 = await db.selectFrom("users").select("password_hash").where("id", "=", created.id).executeTakeFirstOrThrow();
    expect(row1.password_hash).toMatch(/^\$otp-sha256\$/);
    expect(await verifyPassword(row1.password_hash, created.oneTimePassword)).toBe(true);
    expect(await verifyPassword("$otp-sha256$broken", created.oneTimePassword)).toBe(false);
  });
});
