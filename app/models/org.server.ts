// The organization tree 校党委 → 二级党委/党总支 → 党支部, kept as a materialized path.
import type { OrgKind, OrgUnit } from "../../db/types.ts";
import { now, writeTransaction, inSubtree, type DB } from "~/utils/db.server.ts";
import { ORG_KIND_LABEL } from "~/utils/labels.ts";
import { audit } from "./audit.server.ts";
import { pathInSubtree } from "~/utils/org-path.ts";

/** Which kind of unit may sit directly under which. */
const CHILD_KIND: Record<OrgKind, OrgKind | null> = { committee: "subcommittee", subcommittee: "branch", branch: null };

export class OrgError extends Error {}

/**
 * Tree order of two materialized paths: parents first, siblings in the order they were created (ids
 * compared as numbers, so a unit /1/10/ made later comes after /1/9/, which plain string order reverses).
 */
export function compareUnitPaths(a: string, b: string): number {
  const x = a.split("/").filter(Boolean).map(Number);
  const y = b.split("/").filter(Boolean).map(Number);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

export async function listOrgUnits(db: DB, opts: { activeOnly?: boolean } = {}) {
  let q = db.selectFrom("org_units").selectAll();
  if (opts.activeOnly) q = q.where("active", "=", 1);
  return (await q.execute()).sort((a, b) => compareUnitPaths(a.path, b.path));
}

export async function getOrgUnit(db: DB, id: number) {
  return db.selectFrom("org_units").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function isInSubtree(db: DB, rootUnitId: number, unitId: number): Promise<boolean> {
  const [root, unit] = await Promise.all([getOrgUnit(db, rootUnitId), getOrgUnit(db, unitId)]);
  return !!root && !!unit && pathInSubtree(unit.path, root.path);
}

/** Units with their depth and full name ("经济学院党委 / 本科生第一党支部") for pickers and tables. */
export function withLabels(units: OrgUnit[]) {
  const byId = new Map(units.map((u) => [u.id, u]));
  return units.map((u) => {
    const ids = u.path.split("/").filter(Boolean).map(Number);
    const names = ids.map((id) => byId.get(id)?.name ?? "?");
    return { ...u, depth: ids.length - 1, fullName: names.slice(1).join(" / ") || u.name };
  });
}

type Actor = { actorId: number | null; ip?: string | null };

export async function createOrgUnit(db: DB, input: { name: string; parentId: number | null }, actor: Actor) {
  return writeTransaction(db, async (trx) => {
    let kind: OrgKind = "committee";
    let parentPath = "/";
    if (input.parentId === null) {
      const root = await trx.selectFrom("org_units").select("id").where("parent_id", "is", null).executeTakeFirst();
      if (root) throw new OrgError("已存在校党委，只能在其下建立组织");
    } else {
      const parent = await getOrgUnit(trx, input.parentId);
      if (!parent) throw new OrgError("上级组织不存在");
      if (!parent.active) throw new OrgError("上级组织已停用");
      const childKind = CHILD_KIND[parent.kind];
      if (!childKind) throw new OrgError("党支部下不能再建下级组织");
      kind = childKind;
      parentPath = parent.path;
    }
    const { id } = await trx
      .insertInto("org_units")
      .values({ name: input.name, kind, parent_id: input.parentId, path: "", created_at: now() })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .updateTable("org_units")
      .set({ path: `${parentPath}${id}/` })
      .where("id", "=", id)
      .execute();
    await audit(trx, { ...actor, action: "org.create", targetType: "org_unit", targetId: id, detail: { name: input.name, parentId: input.parentId } });
    return id;
  });
}

export async function renameOrgUnit(db: DB, id: number, name: string, actor: Actor) {
  await writeTransaction(db, async (trx) => {
    const unit = await getOrgUnit(trx, id);
    if (!unit) throw new OrgError("组织不存在");
    await trx.updateTable("org_units").set({ name }).where("id", "=", id).execute();
    await audit(trx, { ...actor, action: "org.rename", targetType: "org_unit", targetId: id, detail: { from: unit.name, to: name } });
  });
}

/** Moves a unit (with its subtree) under another parent of the kind it needs. */
export async function moveOrgUnit(db: DB, id: number, newParentId: number, actor: Actor) {
  await writeTransaction(db, async (trx) => {
    const unit = await getOrgUnit(trx, id);
    const parent = await getOrgUnit(trx, newParentId);
    if (!unit || !parent) throw new OrgError("组织不存在");
    if (pathInSubtree(parent.path, unit.path)) throw new OrgError("不能移动到自身或其下级组织之下");
    if (CHILD_KIND[parent.kind] !== unit.kind) {
      throw new OrgError(`${ORG_KIND_LABEL[unit.kind]}只能放在${unit.kind === "branch" ? "二级党委/党总支" : "校党委"}之下`);
    }
    if (!parent.active) throw new OrgError("目标上级组织已停用");
    const newPath = `${parent.path}${id}/`;
    const descendants = await trx.selectFrom("org_units").select(["id", "path"]).where(inSubtree("path", unit.path)).execute();
    for (const d of descendants) {
      await trx
        .updateTable("org_units")
        .set({ path: newPath + d.path.slice(unit.path.length) })
        .where("id", "=", d.id)
        .execute();
    }
    await trx.updateTable("org_units").set({ parent_id: newParentId }).where("id", "=", id).execute();
    await audit(trx, { ...actor, action: "org.move", targetType: "org_unit", targetId: id, detail: { from: unit.parent_id, to: newParentId } });
  });
}

export async function setOrgUnitActive(db: DB, id: number, active: boolean, actor: Actor) {
  await writeTransaction(db, async (trx) => {
    const unit = await getOrgUnit(trx, id);
    if (!unit) throw new OrgError("组织不存在");
    if (!active && unit.parent_id === null) throw new OrgError("校党委不能停用");
    if (active && unit.parent_id !== null) {
      const parent = await getOrgUnit(trx, unit.parent_id);
      if (!parent?.active) throw new OrgError("请先启用上级组织");
    }
    // Deactivating a unit deactivates its subtree; re-activating restores only the unit itself.
    let q = trx.updateTable("org_units").set({ active: active ? 1 : 0 });
    q = active ? q.where("id", "=", id) : q.where(inSubtree("path", unit.path));
    await q.execute();
    await audit(trx, { ...actor, action: active ? "org.activate" : "org.deactivate", targetType: "org_unit", targetId: id });
  });
}

/** Deletes an empty unit: one with members or sub-units is refused. */
export async function deleteOrgUnit(db: DB, id: number, actor: Actor) {
  await writeTransaction(db, async (trx) => {
    const unit = await getOrgUnit(trx, id);
    if (!unit) throw new OrgError("组织不存在");
    const child = await trx.selectFrom("org_units").select("id").where("parent_id", "=", id).executeTakeFirst();
    if (child) throw new OrgError("该组织下还有下级组织，不能删除");
    const member = await trx.selectFrom("users").select("id").where("org_unit_id", "=", id).executeTakeFirst();
    if (member) throw new OrgError("该组织下还有成员，不能删除；可以先停用");
    await trx.deleteFrom("org_units").where("id", "=", id).execute();
    await audit(trx, { ...actor, action: "org.delete", targetType: "org_unit", targetId: id, detail: { name: unit.name } });
  });
}
