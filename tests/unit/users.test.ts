import { sql } from "kysely";
import { beforeEach, describe, expect, it } from "vitest";
import { changePassword, createUser, getUserWithRoles, listUsers, resetPassword, setUserActive, updateUser, UserError } from "../../app/models/users.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { verifyPassword } from "../../app/utils/password.server.ts";
import { validateSessionToken } from "../../app/utils/session.server.ts";
import { createTestDb, createTestTree, createTestUser, TEST_PASSWORD } from "../setup/db.ts";

let db: DB;
let t: Awaited<ReturnType<typeof createTestTree>>;
beforeEach(async () => {
  db = await createTestDb();
  t = await createTestTree(db);
});

const base = { name: "张三", gender: "男" as const, stage: "activist" as const, roles: ["trainee" as const] };

describe("users", () => {
  it("creates a user with a one-time password that must be changed, and refuses a duplicate 学号", async () => {
    const { id, oneTimePassword } = await createUser(db, { ...base, username: "2024001", orgUnitId: t.branchA }, { actorId: null });
    const user = await getUserWithRoles(db, id);
    expect(user).toMatchObject({ username: "2024001", must_change_password: 1, roles: ["trainee"] });
    expect(oneTimePassword).toMatch(/^[A-Za-z2-9]{10}$/);
    await expect(createUser(db, { ...base, username: "2024001", orgUnitId: t.branchA }, { actorId: null })).rejects.toThrow("已存在");
  });

  it("refuses to place a user in a deactivated unit", async () => {
    await db.updateTable("org_units").set({ active: 0 }).where("id", "=", t.branchB).execute();
    await expect(createUser(db, { ...base, username: "x1", orgUnitId: t.branchB }, { actorId: null })).rejects.toThrow("已停用");
  });

  it("audits field and role changes with before and after", async () => {
    const u = await createTestUser(db, { orgUnitId: t.branchA });
    await updateUser(db, u.id, { ...base, name: "张三丰", orgUnitId: t.branchB, roles: ["trainee", "instructor"] }, { actorId: null });
    const rows = await db.selectFrom("audit_log").selectAll().where("target_id", "=", String(u.id)).orderBy("id").execute();
    const update = rows.find((r) => r.action === "user.update")!;
    expect(JSON.parse(update.detail!).org_unit_id).toEqual({ from: t.branchA, to: t.branchB });
    const roles = rows.find((r) => r.action === "user.roles")!;
    expect(JSON.parse(roles.detail!)).toEqual({ from: ["trainee"], to: ["trainee", "instructor"] });
  });

  it("an admin cannot remove their own admin role or disable themselves", async () => {
    const admin = await createTestUser(db, { orgUnitId: t.branchA, roles: ["admin"] });
    await expect(updateUser(db, admin.id, { ...base, orgUnitId: t.branchA, roles: ["trainee"] }, { actorId: admin.id })).rejects.toThrow(UserError);
    await expect(setUserActive(db, admin.id, false, { actorId: admin.id })).rejects.toThrow("不能停用自己的账号");
  });

  it("disabling ends every session; re-enabling does not revive them", async () => {
    const u = await createTestUser(db, { orgUnitId: t.branchA });
    await setUserActive(db, u.id, false, { actorId: null });
    expect(await validateSessionToken(db, u.token)).toBeNull();
    await setUserActive(db, u.id, true, { actorId: null });
    expect(await validateSessionToken(db, u.token)).toBeNull();
  });

  it("reset sets a one-time password, flags it and ends sessions", async () => {
    const u = await createTestUser(db, { orgUnitId: t.branchA });
    const otp = await resetPassword(db, u.id, { actorId: null });
    const row = await db.selectFrom("users").selectAll().where("id", "=", u.id).executeTakeFirstOrThrow();
    expect(row.must_change_password).toBe(1);
    expect(await verifyPassword(row.password_hash, otp)).toBe(true);
    expect(await validateSessionToken(db, u.token)).toBeNull();
  });

  it("changing one's password checks the current one and the rule, and ends all sessions", async () => {
    const u = await createTestUser(db, { orgUnitId: t.branchA });
    await expect(changePassword(db, u.id, "wrong-password1", "newpass123", null)).rejects.toThrow("当前密码不正确");
    await expect(changePassword(db, u.id, TEST_PASSWORD, "short1", null)).rejects.toThrow("至少 8 位");
    await expect(changePassword(db, u.id, TEST_PASSWORD, "password1", null)).rejects.toThrow("密码太容易被猜到：这是常见密码");
    await changePassword(db, u.id, TEST_PASSWORD, "Tiger-lamp-cloud-9", null);
    expect(await validateSessionToken(db, u.token)).toBeNull();
  });

  it("lists users of a subtree only, with search that treats % and _ literally", async () => {
    await createTestUser(db, { orgUnitId: t.branchA, name: "甲一" });
    await createTestUser(db, { orgUnitId: t.branchB, name: "乙一" });
    const sub = (await db.selectFrom("org_units").select("path").where("id", "=", t.subA).executeTakeFirstOrThrow()).path;
    const list = await listUsers(db, { unitPath: sub });
    expect(list.map((u) => u.name)).toEqual(["甲一"]);
    // Names that a wildcard would match too: only the one with the literal character is found.
    for (const name of ["满分100%", "丙_1", "丙X1"]) await createTestUser(db, { orgUnitId: t.branchA, name });
    const names = async (q: string) => (await listUsers(db, { unitPath: sub, q })).map((u) => u.name).sort();
    expect(await names("%")).toEqual(["满分100%"]);
    expect(await names("丙_")).toEqual(["丙_1"]);
  });

  it("search takes % _ and \\ literally: js_0 finds js_001, not jsX001", async () => {
    for (const [username, name] of [
      ["js_001", "赵一"],
      ["jsX001", "钱二"],
      ["js002", "100%同意"],
      ["js003", "反\\斜"],
    ]) {
      await createTestUser(db, { orgUnitId: t.branchA, username, name });
    }
    const names = async (q: string) => (await listUsers(db, { q })).map((u) => u.username).sort();
    expect(await names("js_0")).toEqual(["js_001"]);
    expect(await names("%")).toEqual(["js002"]);
    expect(await names("0%同")).toEqual(["js002"]);
    expect(await names("\\")).toEqual(["js003"]);
    expect(await names("s_0")).toEqual(["js_001"]);
  });

  it("the audit log refuses UPDATE and DELETE, even in plain SQL", async () => {
    await createTestUser(db, { orgUnitId: t.branchA });
    await expect(sql`UPDATE audit_log SET action = 'x'`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log`.execute(db)).rejects.toThrow(/append-only/);
  });
});
