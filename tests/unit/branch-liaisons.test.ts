import { beforeEach, describe, expect, it } from "vitest";
import { assignLiaison, endLiaison, listLiaisonHistory, listTraineesOfLiaison } from "../../app/models/branch-liaisons.server.ts";
import { accessTo, getPerson } from "../../app/models/branch-scope.server.ts";
import { getUserWithRoles } from "../../app/models/users.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser } from "../setup/db.ts";

let db: DB;
let t: Awaited<ReturnType<typeof createTestTree>>;
const today = "2026-06-30";
const viewer = async (id: number) => (await getUserWithRoles(db, id))!;

beforeEach(async () => {
  db = await createTestDb();
  t = await createTestTree(db);
});

async function world() {
  const secretary = await createTestUser(db, { orgUnitId: t.subA, roles: ["secretary"], stage: "full" });
  const trainee = await createTestUser(db, { orgUnitId: t.branchA, stage: "activist" });
  const member1 = await createTestUser(db, { orgUnitId: t.branchA, roles: ["trainee"], stage: "full" });
  const member2 = await createTestUser(db, { orgUnitId: t.branchA, roles: ["trainee"], stage: "full" });
  const member3 = await createTestUser(db, { orgUnitId: t.branchA, roles: ["trainee"], stage: "full" });
  const outsider = await createTestUser(db, { orgUnitId: t.branchB, roles: ["trainee"], stage: "full" });
  const probationary = await createTestUser(db, { orgUnitId: t.branchA, stage: "probationary" });
  return { secretary, trainee, member1, member2, member3, outsider, probationary, sec: await viewer(secretary.id) };
}

describe("培养联系人 assignment", () => {
  it("appoints one or two full members of the subtree, grants the role, audits, and keeps history on change", async () => {
    const w = await world();
    const a1 = await assignLiaison(db, { traineeId: w.trainee.id, liaisonUsername: w.member1.username, startOn: "2026-03-01" }, w.sec, { today });
    await assignLiaison(db, { traineeId: w.trainee.id, liaisonUsername: w.member2.username, startOn: "2026-03-01" }, w.sec, { today });
    await expect(assignLiaison(db, { traineeId: w.trainee.id, liaisonUsername: w.member3.username, startOn: "2026-03-02" }, w.sec, { today })).rejects.toThrow(
      "每名学员的培养联系人为一至两名",
    );
    expect((await viewer(w.member1.id)).roles).toContain("liaison");

    await endLiaison(db, { assignmentId: a1, endOn: "2026-05-31" }, w.sec, { today });
    await assignLiaison(db, { traineeId: w.trainee.id, liaisonUsername: w.member3.username, startOn: "2026-06-01" }, w.sec, { today });
    const history = await listLiaisonHistory(db, w.trainee.id);
    expect(history.map((h) => [h.username, h.start_on, h.end_on])).toEqual([
      [w.member3.username, "2026-06-01", null],
      [w.member2.username, "2026-03-01", null],
      [w.member1.username, "2026-03-01", "2026-05-31"],
    ]);
    const actions = await db.selectFrom("audit_log").select("action").where("action", "like", "liaison.%").orderBy("id").execute();
    expect(actions.map((a) => a.action)).toEqual(["liaison.assign", "liaison.assign", "liaison.end", "liaison.assign"]);
    expect((await listTraineesOfLiaison(db, w.member1.id)).length).toBe(0);
    expect((await listTraineesOfLiaison(db, w.member3.id)).map((r) => r.id)).toEqual([w.trainee.id]);
  });

  it("refuses non-members, people outside the subtree, oneself, future days and a trainee outside the subtree", async () => {
    const w = await world();
    const go = (liaisonUsername: string, startOn = "2026-03-01", traineeId = w.trainee.id) =>
      assignLiaison(db, { traineeId, liaisonUsername, startOn }, w.sec, { today });
    await expect(go(w.probationary.username)).rejects.toThrow("不是正式党员，不能担任培养联系人");
    await expect(go(w.outsider.username)).rejects.toThrow("不是本组织的人员");
    await expect(go(w.trainee.username)).rejects.toThrow(/不能指定学员本人|不是正式党员/);
    await expect(go(w.member1.username, "2026-07-01")).rejects.toThrow("不能晚于今天");
    await expect(go(w.member1.username, "2026-02-30")).rejects.toThrow("不是有效日期");
    const far = await createTestUser(db, { orgUnitId: t.branchB, stage: "activist" });
    await expect(go(w.member1.username, "2026-03-01", far.id)).rejects.toThrow("不在您管理的组织内");
    const applicant = await createTestUser(db, { orgUnitId: t.branchA, stage: "applicant" });
    await expect(go(w.member1.username, "2026-03-01", applicant.id)).rejects.toThrow("只能为入党积极分子、发展对象或预备党员");
    await go(w.member1.username);
    await expect(go(w.member1.username)).rejects.toThrow("已是该学员的培养联系人");
    const [a] = await listLiaisonHistory(db, w.trainee.id);
    await expect(endLiaison(db, { assignmentId: a!.id, endOn: "2026-02-01" }, w.sec, { today })).rejects.toThrow("结束日期不能早于开始日期");
  });

  it("a 培养联系人 sees only their current trainees; a secretary only the subtree; a trainee only themself", async () => {
    const w = await world();
    await assignLiaison(db, { traineeId: w.trainee.id, liaisonUsername: w.member1.username, startOn: "2026-03-01" }, w.sec, { today });
    const other = await createTestUser(db, { orgUnitId: t.branchA, stage: "activist" });
    const far = await createTestUser(db, { orgUnitId: t.branchB, stage: "activist" });
    const person = async (id: number) => (await getPerson(db, id))!;
    const liaison = await viewer(w.member1.id);
    expect(await accessTo(db, liaison, await person(w.trainee.id))).toBe("liaison");
    expect(await accessTo(db, liaison, await person(other.id))).toBeNull();
    expect(await accessTo(db, w.sec, await person(other.id))).toBe("governs");
    expect(await accessTo(db, w.sec, await person(far.id))).toBeNull();
    const trainee = await viewer(w.trainee.id);
    expect(await accessTo(db, trainee, await person(w.trainee.id))).toBe("self");
    expect(await accessTo(db, trainee, await person(other.id))).toBeNull();
    const [a] = await listLiaisonHistory(db, w.trainee.id);
    await endLiaison(db, { assignmentId: a!.id, endOn: today }, w.sec, { today });
    expect(await accessTo(db, liaison, await person(w.trainee.id))).toBeNull();
  });
});
