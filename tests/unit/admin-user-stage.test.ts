// The admin's user form records a stage change as a dated stage event through the stage rules
// (app/utils/stage-rules.ts): a move up needs the branch's day, the 细则's rules give the refusals (in the
// shared form shape, under the field at fault) and nothing changes; a move down is refused while a
// timeline exists and is a plain correction while none does; the user page shows the days and 培养联系人.
import { beforeEach, describe, expect, it } from "vitest";
import { assignLiaison } from "../../app/models/branch-liaisons.server.ts";
import { recordStageEvent } from "../../app/models/branch-stages.server.ts";
import { getUserWithRoles } from "../../app/models/users.server.ts";
import * as editUser from "../../app/routes/admin.users.$userId.tsx";
import * as newUser from "../../app/routes/admin.users.new.tsx";
import type { DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, testContext } from "../setup/db.ts";

let db: DB;
let t: Awaited<ReturnType<typeof createTestTree>>;
let admin: Awaited<ReturnType<typeof createTestUser>>;
const base = () => ({ name: "李学员", gender: "女", orgUnitId: String(t.branchA), roles: "trainee" });
const create = (form: Record<string, string>) =>
  outcome(newUser.action({ request: makeRequest("/admin/users/new", { cookie: admin.cookie, form }), context: testContext(db), params: {} }));
const edit = (id: number, form: Record<string, string>) =>
  outcome(
    editUser.action({
      request: makeRequest(`/admin/users/${id}`, { cookie: admin.cookie, form: { intent: "save", ...form } }),
      context: testContext(db),
      params: { userId: String(id) },
    }),
  );
const stageOf = async (id: number) => (await db.selectFrom("users").select("stage").where("id", "=", id).executeTakeFirstOrThrow()).stage;
const eventsOf = (id: number) =>
  db.selectFrom("stage_events").select(["stage", "decided_on"]).where("user_id", "=", id).where("withdrawn_at", "is", null).orderBy("id").execute();

beforeEach(async () => {
  db = await createTestDb();
  t = await createTestTree(db);
  admin = await createTestUser(db, { orgUnitId: t.root, roles: ["admin"], stage: "full" });
});

describe("the admin's user form and the stage timeline", () => {
  it("a new account in a decided stage needs the day; bad days are refused; nothing is written", async () => {
    const before = (await db.selectFrom("users").select("id").execute()).length;
    expect(await create({ ...base(), username: "2025001", stage: "activist" })).toMatchObject({
      status: 400,
      data: { ok: false, errors: { stageDecidedOn: "请填写列为入党积极分子的时间（支部决定日期）" } },
    });
    expect((await create({ ...base(), username: "2025001", stage: "activist", stageDecidedOn: "2025-02-30" })).data.errors).toEqual({
      stageDecidedOn: "列为入党积极分子的时间不是有效日期（格式 YYYY-MM-DD）",
    });
    expect((await create({ ...base(), username: "2025001", stage: "activist", stageDecidedOn: "2999-01-01" })).data.errors.stageDecidedOn).toMatch(
      /不能晚于今天/,
    );
    expect((await db.selectFrom("users").select("id").execute()).length).toBe(before);
    expect(await db.selectFrom("stage_events").selectAll().execute()).toEqual([]);
    const ok = await create({ ...base(), username: "2025002", stage: "applicant" }); // 入党申请人: no decision day
    expect(ok.data).toMatchObject({ ok: true });
  });

  it("moving up records the day as an event through the 细则's rules; the stage follows the timeline", async () => {
    const u = await createTestUser(db, { orgUnitId: t.branchA, stage: "activist" });
    await recordStageEvent(db, { userId: u.id, stage: "activist", decidedOn: "2024-03-01" }, null);
    const early = await edit(u.id, { ...base(), stage: "candidate", stageDecidedOn: "2024-09-01" });
    expect(early).toMatchObject({
      status: 400,
      data: {
        ok: false,
        errors: {
          stageDecidedOn: "入党积极分子须经过一年以上培养教育和考察方可列为发展对象：列为积极分子的时间为 2024-03-01，列为发展对象的时间最早为 2025-03-01",
        },
      },
    });
    expect(await stageOf(u.id)).toBe("activist");
    expect((await edit(u.id, { ...base(), stage: "candidate" })).data.errors).toEqual({ stageDecidedOn: "请填写列为发展对象的时间（支部决定日期）" });
    expect((await edit(u.id, { ...base(), stage: "probationary", stageDecidedOn: "2025-06-01" })).data.message).toBe(
      "发展阶段须依次录入：请先录入“列为发展对象的时间”",
    );
    expect((await edit(u.id, { ...base(), stage: "candidate", stageDecidedOn: "2025-04-01" })).data).toMatchObject({ ok: true });
    expect(await stageOf(u.id)).toBe("candidate");
    expect(await eventsOf(u.id)).toEqual([
      { stage: "activist", decided_on: "2024-03-01" },
      { stage: "candidate", decided_on: "2025-04-01" },
    ]);
    const audit = await db
      .selectFrom("audit_log")
      .select(["action", "detail"])
      .where("target_id", "=", String(u.id))
      .where("action", "in", ["stage.event", "user.update"])
      .orderBy("id")
      .execute();
    expect(audit.map((a) => a.action)).toEqual(["stage.event", "user.update", "stage.event"]); // the name changed; the stage came by its event
    expect(audit[1]!.detail).not.toContain("stage");

    // Down: refused while the timeline says otherwise, with the way to withdraw.
    expect(await edit(u.id, { ...base(), stage: "activist" })).toMatchObject({
      status: 400,
      data: {
        errors: { stage: "发展阶段为“入党积极分子”，但已录入列为发展对象的时间：发展阶段以支部最近一次决定为准，如录入有误，请先在培养考察页撤销该记录" },
      },
    });
    // Unchanged stage, no day: other fields save as before.
    expect((await edit(u.id, { ...base(), name: "李改名", stage: "candidate" })).data).toMatchObject({ ok: true });
  });

  it("without a timeline, moving down is a correction; a day for the stage held records it", async () => {
    const u = await createTestUser(db, { orgUnitId: t.branchA, stage: "full" });
    expect((await edit(u.id, { ...base(), stage: "applicant" })).data).toMatchObject({ ok: true });
    expect(await stageOf(u.id)).toBe("applicant");
    const v = await createTestUser(db, { orgUnitId: t.branchA, stage: "activist" });
    expect((await edit(v.id, { ...base(), stage: "activist", stageDecidedOn: "2025-01-10" })).data).toMatchObject({ ok: true });
    expect(await eventsOf(v.id)).toEqual([{ stage: "activist", decided_on: "2025-01-10" }]);
  });

  it("the user page shows the stage days and the current 培养联系人", async () => {
    const u = await createTestUser(db, { orgUnitId: t.branchA, stage: "activist" });
    await recordStageEvent(db, { userId: u.id, stage: "activist", decidedOn: "2025-01-10" }, null);
    const member = await createTestUser(db, { orgUnitId: t.branchA, stage: "full", name: "孙丽华" });
    await assignLiaison(db, { traineeId: u.id, liaisonUsername: member.username, startOn: "2025-02-01" }, (await getUserWithRoles(db, admin.id))!);
    const page = await outcome(
      editUser.loader({ request: makeRequest(`/admin/users/${u.id}`, { cookie: admin.cookie }), context: testContext(db), params: { userId: String(u.id) } }),
    );
    expect(page.data.stageDays[0]).toEqual({ stage: "activist", label: "列为入党积极分子的时间", day: "2025-01-10" });
    expect(page.data.stageDays[1].day).toBeNull();
    expect(page.data.liaisons).toEqual([{ id: expect.any(Number), name: "孙丽华", username: member.username, startOn: "2025-02-01" }]);
  });
});
