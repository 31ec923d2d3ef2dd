// Who may see which trainee on the branch's side: an admin everyone, a secretary their unit's subtree,
// a 培养联系人 only the trainees currently assigned to them, a trainee only themself. One home for it.
import type { Role } from "../../db/types.ts";
import type { DB } from "~/utils/db.server.ts";
import { pathInSubtree } from "~/utils/org-path.ts";

export type BranchViewer = { id: number; org_unit_id: number; roles: Role[] };

/** A rule of the branch's side was not met; the message is for the user, `field` names the form field at fault. */
export class BranchError extends Error {
  constructor(
    message: string,
    readonly field?: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

export { FOLLOWED_STAGES } from "~/utils/stage-rules.ts";

/** The subtree a secretary or admin governs ("/" for an admin), or null for anyone else. */
export async function governedPath(db: DB, viewer: BranchViewer): Promise<string | null> {
  if (viewer.roles.includes("admin")) return "/";
  if (!viewer.roles.includes("secretary")) return null;
  const unit = await db.selectFrom("org_units").select("path").where("id", "=", viewer.org_unit_id).executeTakeFirst();
  return unit?.path ?? null;
}

/** A trainee as a branch page shows them, with their unit. */
export async function getPerson(db: DB, userId: number) {
  return db
    .selectFrom("users as u")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .select(["u.id", "u.username", "u.name", "u.stage", "u.active", "u.org_unit_id", "o.name as unit_name", "o.path as unit_path"])
    .where("u.id", "=", userId)
    .executeTakeFirst();
}
type Person = NonNullable<Awaited<ReturnType<typeof getPerson>>>;

async function isCurrentLiaisonOf(db: DB, liaisonId: number, traineeId: number): Promise<boolean> {
  const row = await db
    .selectFrom("liaison_assignments")
    .select("id")
    .where("liaison_id", "=", liaisonId)
    .where("trainee_id", "=", traineeId)
    .where("end_on", "is", null)
    .executeTakeFirst();
  return !!row;
}

export type Access = "governs" | "liaison" | "self";

/**
 * How the viewer may see this person, or null (then the page answers 404, as for someone who does not
 * exist). Governing (secretary of the subtree, admin) wins over being their 培养联系人.
 */
export async function accessTo(db: DB, viewer: BranchViewer, person: Pick<Person, "id" | "unit_path">): Promise<Access | null> {
  const path = await governedPath(db, viewer);
  if (path !== null && pathInSubtree(person.unit_path, path)) return "governs";
  if (viewer.roles.includes("liaison") && (await isCurrentLiaisonOf(db, viewer.id, person.id))) return "liaison";
  if (viewer.id === person.id) return "self";
  return null;
}

/** The person, checked to be inside the subtree the actor governs (null actor: a script, everything). */
export async function requireGovernedPerson(db: DB, actor: BranchViewer | null, userId: number) {
  const path = actor ? await governedPath(db, actor) : "/";
  const person = await getPerson(db, userId);
  if (path === null || !person || !pathInSubtree(person.unit_path, path)) throw new BranchError("学员不存在或不在您管理的组织内");
  return { path, person };
}
