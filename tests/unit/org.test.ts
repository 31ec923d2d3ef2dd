import { beforeEach, describe, expect, it } from "vitest";
import { createOrgUnit, deleteOrgUnit, getOrgUnit, isInSubtree, moveOrgUnit, OrgError, renameOrgUnit, setOrgUnitActive } from "../../app/models/org.server.ts";
import { inSubtree, type DB } from "../../app/utils/db.server.ts";
import { pathInSubtree } from "../../app/utils/org-path.ts";
import { createTestDb, createTestTree, createTestUser } from "../setup/db.ts";

let db: DB;
let t: Awaited<ReturnType<typeof createTestTree>>;
const actor = { actorId: null };
beforeEach(async () => {
  db = await createTestDb();
  t = await createTestTree(db);
});

describe("organization tree", () => {
  it("gives each level its kind and a materialized path", async () => {
    const branch = await getOrgUnit(db, t.branchA);
    expect(branch).toMatchObject({ kind: "branch", path: `/${t.root}/${t.subA}/${t.branchA}/` });
    expect((await getOrgUnit(db, t.subA))?.kind).toBe("subcommittee");
  });

  it("refuses a second root and a unit under a branch", async () => {
    await expect(createOrgUnit(db, { name: "另一个校党委", parentId: null }, actor)).rejects.toThrow(OrgError);
    await expect(createOrgUnit(db, { name: "小组", parentId: t.branchA }, actor)).rejects.toThrow("党支部下不能再建下级组织");
  });

  it("moves a branch with its path to another 二级党委 and keeps scope checks right", async () => {
    await moveOrgUnit(db, t.branchA, t.subB, actor);
    expect((await getOrgUnit(db, t.branchA))?.path).toBe(`/${t.root}/${t.subB}/${t.branchA}/`);
    expect(await isInSubtree(db, t.subB, t.branchA)).toBe(true);
    expect(await isInSubtree(db, t.subA, t.branchA)).toBe(false);
  });

  it("moves a 二级党委 subtree: descendants' paths follow", async () => {
    const sub = await createOrgUnit(db, { name: "丙学院党委", parentId: t.root }, actor);
    // A subcommittee can only sit under the committee; moving it under itself or a branch is refused.
    await expect(moveOrgUnit(db, t.subA, t.branchA, actor)).rejects.toThrow("不能移动到自身或其下级组织之下");
    await expect(moveOrgUnit(db, t.subA, t.subB, actor)).rejects.toThrow(OrgError);
    await moveOrgUnit(db, t.branchB, sub, actor);
    expect((await getOrgUnit(db, t.branchB))?.path).toBe(`/${t.root}/${sub}/${t.branchB}/`);
  });

  it("renames with an audit record", async () => {
    await renameOrgUnit(db, t.branchA, "甲学院本科生党支部", { actorId: null, ip: "1.2.3.4" });
    expect((await getOrgUnit(db, t.branchA))?.name).toBe("甲学院本科生党支部");
    const entry = await db.selectFrom("audit_log").selectAll().where("action", "=", "org.rename").executeTakeFirstOrThrow();
    expect(JSON.parse(entry.detail!)).toEqual({ from: "甲学院第一党支部", to: "甲学院本科生党支部" });
  });

  it("deactivates a subtree; re-activating a child needs an active parent", async () => {
    await setOrgUnitActive(db, t.subA, false, actor);
    expect((await getOrgUnit(db, t.branchA))?.active).toBe(0);
    await expect(setOrgUnitActive(db, t.branchA, true, actor)).rejects.toThrow("请先启用上级组织");
    await setOrgUnitActive(db, t.subA, true, actor);
    await setOrgUnitActive(db, t.branchA, true, actor);
    expect((await getOrgUnit(db, t.branchA))?.active).toBe(1);
    await expect(setOrgUnitActive(db, t.root, false, actor)).rejects.toThrow("校党委不能停用");
  });

  it("cannot delete a unit with members or sub-units; can delete an empty one", async () => {
    await createTestUser(db, { orgUnitId: t.branchA });
    await expect(deleteOrgUnit(db, t.branchA, actor)).rejects.toThrow("该组织下还有成员");
    await expect(deleteOrgUnit(db, t.subB, actor)).rejects.toThrow("该组织下还有下级组织");
    await deleteOrgUnit(db, t.branchB, actor);
    expect(await getOrgUnit(db, t.branchB)).toBeUndefined();
  });
});

describe("one subtree rule for SQL and for paths in hand", () => {
  it("pathInSubtree agrees with the SQL inSubtree on every pair, including /1/4/ against /1/40/", async () => {
    const paths = ["/1/", "/1/4/", "/1/40/", "/1/4/7/", "/1/40/7/", "/14/", "/2/", "/2/14/"];
    const mem = await createTestDb();
    await mem
      .insertInto("org_units")
      .values(paths.map((path, i) => ({ id: 1000 + i, name: `单位${i}`, kind: "branch" as const, parent_id: null, path, created_at: 0 })))
      .execute();
    for (const root of ["/", ...paths]) {
      const sqlSide = (await mem.selectFrom("org_units").select("path").where(inSubtree("path", root)).execute()).map((r) => r.path).sort();
      expect(sqlSide, root).toEqual(paths.filter((p) => pathInSubtree(p, root)).sort());
    }
    expect(pathInSubtree("/1/40/", "/1/4/")).toBe(false);
    expect(pathInSubtree("/1/4/7/", "/1/4/")).toBe(true);
    expect(pathInSubtree("/2/", "/")).toBe(true);
    // A root that is not a path is refused the same way on both sides.
    expect(() => pathInSubtree("/1/4/", "/1/4")).toThrow("not an org path");
    expect(() => inSubtree("path", "/1/4")).toThrow("not an org path");
    expect(() => inSubtree("path", "/1/%")).toThrow("not an org path");
  });
});
