import { STAGES, type Stage } from "../../db/types.ts";
import type { DB } from "~/utils/db.server.ts";
import { inSubtree } from "~/utils/db.server.ts";

/** Head-count per member stage among active users in a subtree (all units when path is "/"). */
export async function countByStage(db: DB, unitPath: string): Promise<Record<Stage, number>> {
  const rows = await db
    .selectFrom("users as u")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .select(["u.stage", (eb) => eb.fn.countAll<number>().as("n")])
    .where(inSubtree("o.path", unitPath))
    .where("u.active", "=", 1)
    .groupBy("u.stage")
    .execute();
  const counts = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  for (const r of rows) counts[r.stage] = Number(r.n);
  return counts;
}

export async function adminSummary(db: DB) {
  const [users, units, disabled] = await Promise.all([
    db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("org_units")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("active", "=", 1)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("active", "=", 0)
      .executeTakeFirstOrThrow(),
  ]);
  return { users: Number(users.n), units: Number(units.n), disabled: Number(disabled.n) };
}
