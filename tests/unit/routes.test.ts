// Real loaders and actions against a real migrated database.
import { beforeEach, describe, expect, it } from "vitest";
import * as home from "../../app/routes/_index.tsx";
import * as password from "../../app/routes/account.password.tsx";
import * as audit from "../../app/routes/admin.audit.tsx";
import * as org from "../../app/routes/admin.org.tsx";
import * as users from "../../app/routes/admin.users._index.tsx";
import * as newUser from "../../app/routes/admin.users.new.tsx";
import * as editUser from "../../app/routes/admin.users.$userId.tsx";
import * as branch from "../../app/routes/branch._index.tsx";
import * as login from "../../app/routes/login.tsx";
import type { DB } from "../../app/utils/db.server.ts";
import { ACCOUNT_FREE_FAILURES } from "../../app/models/throttle.server.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, testContext, TEST_PASSWORD } from "../setup/db.ts";

let db: DB;
let t: Awaited<ReturnType<typeof createTestTree>>;
let admin: Awaited<ReturnType<typeof createTestUser>>;
let trainee: Awaited<ReturnType<typeof createTestUser>>;
let secretary: Awaited<ReturnType<typeof createTestUser>>;

beforeEach(async () => {
  db = await createTestDb();
  t = await createTestTree(db);
  admin = await createTestUser(db, { orgUnitId: t.branchA, roles: ["admin"], stage: "full" });
  trainee = await createTestUser(db, { orgUnitId: t.branchA, name: "甲学员" });
  secretary = await createTestUser(db, { orgUnitId: t.subA, roles: ["secretary"], stage: "full" });
  await createTestUser(db, { orgUnitId: t.branchB, name: "乙学员" });
});

const args = (path: string, init: Parameters<typeof makeRequest>[1] = {}, params: Record<string, string> = {}) => ({
  request: makeRequest(path, init),
  context: testContext(db),
  params,
});

describe("guards", () => {
  it("sends an anonymous visitor to sign in, remembering where they were going", async () => {
    const r = await outcome(users.loader(args("/admin/users?q=1")));
    expect(r.status).toBe(302);
    expect(r.location).toBe("/login?redirectTo=%2Fadmin%2Fusers%3Fq%3D1");
  });

  it("gives a trainee 403 on every admin loader and action", async () => {
    const c = trainee.cookie;
    const calls = [
      users.loader(args("/admin/users", { cookie: c })),
      newUser.loader(args("/admin/users/new", { cookie: c })),
      newUser.action(args("/admin/users/new", { cookie: c, form: { username: "x" } })),
      editUser.loader(args(`/admin/users/${admin.id}`, { cookie: c }, { userId: String(admin.id) })),
      editUser.action(args(`/admin/users/${admin.id}`, { cookie: c, form: { intent: "disable" } }, { userId: String(admin.id) })),
      org.loader(args("/admin/org", { cookie: c })),
      org.action(args("/admin/org", { cookie: c, form: { intent: "delete", id: String(t.branchB) } })),
      audit.loader(args("/admin/audit", { cookie: c })),
      branch.loader(args("/branch", { cookie: c })),
    ];
    // Every call is already running: outcome() observes each at once, so none rejects unobserved while another is awaited.
    for (const { status } of await Promise.all(calls.map(outcome))) expect(status).toBe(403);
    const admins = await db.selectFrom("users").select("active").where("id", "=", admin.id).executeTakeFirstOrThrow();
    expect(admins.active).toBe(1);
  });

  it("forces a user with a one-time password to change it first", async () => {
    await db.updateTable("users").set({ must_change_password: 1 }).where("id", "=", trainee.id).execute();
    const r = await outcome(home.loader(args("/", { cookie: trainee.cookie })));
    expect(r.location).toBe("/account/password");
    expect((await outcome(password.loader(args("/account/password", { cookie: trainee.cookie })))).status).toBe(200);
  });
});

describe("sign-in", () => {
  it("signs in with the right password and sets a session cookie", async () => {
    const r = await outcome(login.action(args("/login", { form: { username: trainee.username, password: TEST_PASSWORD, redirectTo: "/" } })));
    expect(r.status).toBe(302);
    expect(r.headers.get("Set-Cookie")).toMatch(/^__Host-dx_session=[a-z2-9]{24}\.[a-z2-9]{24}; Path=\/; HttpOnly; SameSite=Lax/);
  });

  it("answers the same way for an unknown account and a wrong password", async () => {
    const a = await outcome(login.action(args("/login", { form: { username: "nobody", password: "x" } })));
    const b = await outcome(login.action(args("/login", { form: { username: trainee.username, password: "x" } })));
    expect(a).toMatchObject({ status: 401, data: { ok: false, message: "学号/工号或密码不正确", errors: {} } });
    expect(b).toMatchObject({ status: 401, data: { ok: false, message: "学号/工号或密码不正确", errors: {} } });
  });

  it("throttles the 11th wrong password, even when the 11th is right", async () => {
    for (let i = 0; i < ACCOUNT_FREE_FAILURES; i++) await outcome(login.action(args("/login", { form: { username: trainee.username, password: "bad" } })));
    const r = await outcome(login.action(args("/login", { form: { username: trainee.username, password: TEST_PASSWORD } })));
    expect(r.status).toBe(429);
    expect(r.data.message).toMatch(/尝试次数过多/);
  });

  it("names the empty field of the sign-in form", async () => {
    const r = await outcome(login.action(args("/login", { form: { username: trainee.username, password: "" } })));
    expect(r).toMatchObject({ status: 400, data: { ok: false, message: "请输入密码", errors: { password: "请输入密码" } } });
    expect(r.data.errors.username).toBeUndefined();
  });

  it("never redirects off-site after sign-in", async () => {
    const r = await outcome(login.action(args("/login", { form: { username: trainee.username, password: TEST_PASSWORD, redirectTo: "//evil.example" } })));
    expect(r.location).toBe("/");
  });
});

describe("secretary scope", () => {
  it("lists only trainees of the secretary's subtree", async () => {
    const r = await outcome(branch.loader(args("/branch", { cookie: secretary.cookie })));
    expect(r.data.trainees.map((x: { name: string }) => x.name)).toEqual(["甲学员"]);
  });
});

describe("admin user management", () => {
  it("creates a user and shows the one-time password once", async () => {
    const r = await outcome(
      newUser.action(
        args("/admin/users/new", {
          cookie: admin.cookie,
          form: {
            username: "2024100",
            name: "新同学",
            gender: "女",
            orgUnitId: String(t.branchB),
            stage: "activist",
            roles: "trainee",
            stageDecidedOn: "2025-09-01",
          },
        }),
      ),
    );
    expect(r.data).toMatchObject({ ok: true, username: "2024100" });
    expect(r.data.oneTimePassword).toHaveLength(10);
    // The stage came with its day: a dated stage event, audited.
    const events = await db.selectFrom("stage_events").select(["user_id", "stage", "decided_on", "entered_by"]).execute();
    expect(events).toEqual([{ user_id: r.data.id, stage: "activist", decided_on: "2025-09-01", entered_by: admin.id }]);
  });

  it("reports bad input field by field and writes nothing", async () => {
    const before = await db.selectFrom("users").select("id").execute();
    const r = await outcome(
      newUser.action(
        args("/admin/users/new", {
          cookie: admin.cookie,
          form: { username: "bad id!", name: "", gender: "x", orgUnitId: "abc", stage: "nope", phone: "<script>" },
        }),
      ),
    );
    expect(r.status).toBe(400);
    expect(r.data.errors).toMatchObject({
      username: expect.stringContaining("学号/工号只能包含"),
      name: "请填写姓名",
      gender: "请选择性别",
      stage: "请选择发展阶段",
      roles: "至少选择一个角色",
      phone: "手机号格式不正确",
    });
    expect(await db.selectFrom("users").select("id").execute()).toHaveLength(before.length);
  });

  it("names the 学号 field when the 学号 is taken", async () => {
    const form = { username: trainee.username, name: "重名", gender: "女", orgUnitId: String(t.branchB), stage: "activist", roles: "trainee" };
    const r = await outcome(newUser.action(args("/admin/users/new", { cookie: admin.cookie, form })));
    expect(r.status).toBe(400);
    expect(r.data).toEqual({ ok: false, message: `学号/工号 ${trainee.username} 已存在`, errors: { username: `学号/工号 ${trainee.username} 已存在` } });
  });

  it("disables an account, which ends its live session", async () => {
    const r = await outcome(
      editUser.action(args(`/admin/users/${trainee.id}`, { cookie: admin.cookie, form: { intent: "disable" } }, { userId: String(trainee.id) })),
    );
    expect(r.data).toMatchObject({ ok: true });
    const after = await outcome(home.loader(args("/", { cookie: trainee.cookie })));
    expect(after.location).toBe("/login");
  });

  it("404s for a user id that does not exist or is not a number", async () => {
    for (const id of ["999999", "abc", "-1"]) {
      expect((await outcome(editUser.loader(args(`/admin/users/${id}`, { cookie: admin.cookie }, { userId: id })))).status).toBe(404);
    }
  });

  it("creates, moves and refuses to delete a non-empty unit with a clear message", async () => {
    const created = await outcome(
      org.action(args("/admin/org", { cookie: admin.cookie, form: { intent: "create", parentId: String(t.subB), name: "乙学院第二党支部" } })),
    );
    expect(created.data).toMatchObject({ ok: true, message: "已新建组织" });
    const del = await outcome(org.action(args("/admin/org", { cookie: admin.cookie, form: { intent: "delete", id: String(t.branchA) } })));
    expect(del).toMatchObject({ status: 400, data: { ok: false, message: expect.stringContaining("还有成员") } });
    const bogus = await outcome(org.action(args("/admin/org", { cookie: admin.cookie, form: { intent: "explode", id: "1" } })));
    expect(bogus.status).toBe(400);
  });
});
