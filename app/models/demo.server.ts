// Demo data for a new database: an organization tree and one account per role and stage.
// Loaded by server.ts on start (SEED_DEMO=1, the default) and by `npm run db:seed` (scripts/seed.ts).
import type { Role, Stage } from "../../db/types.ts";
import { createOrgUnit } from "./org.server.ts";
import { createUser, getUserWithRoles } from "./users.server.ts";
import { assignLiaison } from "./branch-liaisons.server.ts";
import { recordStageEvent } from "./branch-stages.server.ts";
import type { DecidedStage } from "~/utils/stage-rules.ts";
import type { DB } from "~/utils/db.server.ts";

export const DEMO_PASSWORD = "dangxiao2026";

type DemoUser = { username: string; name: string; gender: "男" | "女"; unit: string; stage: Stage; roles: Role[] };

const DEMO_USERS: DemoUser[] = [
  { username: "zzb001", name: "王建国", gender: "男", unit: "组织部党支部", stage: "full", roles: ["admin"] },
  { username: "js001", name: "李红梅", gender: "女", unit: "马克思主义学院教工党支部", stage: "full", roles: ["instructor"] },
  { username: "sj001", name: "赵志强", gender: "男", unit: "计算机学院本科生第一党支部", stage: "full", roles: ["secretary"] },
  { username: "pl001", name: "孙丽华", gender: "女", unit: "计算机学院本科生第一党支部", stage: "full", roles: ["liaison"] },
  { username: "2023001", name: "张晓明", gender: "男", unit: "计算机学院本科生第一党支部", stage: "activist", roles: ["trainee"] },
  { username: "2022015", name: "李文静", gender: "女", unit: "计算机学院本科生第一党支部", stage: "candidate", roles: ["trainee"] },
  { username: "2021030", name: "王浩然", gender: "男", unit: "计算机学院研究生党支部", stage: "probationary", roles: ["trainee"] },
  { username: "2023002", name: "陈思雨", gender: "女", unit: "计算机学院本科生第一党支部", stage: "activist", roles: ["trainee"] },
  { username: "2023101", name: "刘子涵", gender: "女", unit: "马克思主义学院本科生党支部", stage: "activist", roles: ["trainee"] },
];

const TREE: [string, string[]][] = [
  ["机关党委", ["组织部党支部"]],
  ["马克思主义学院党委", ["马克思主义学院教工党支部", "马克思主义学院本科生党支部"]],
  ["计算机学院党委", ["计算机学院本科生第一党支部", "计算机学院研究生党支部"]],
];

/** Loads the demo data into an empty database; returns false (and changes nothing) otherwise. */
export async function seedDemo(db: DB, schoolCommittee = "中共示范大学委员会"): Promise<boolean> {
  const existing = await db.selectFrom("users").select("id").limit(1).executeTakeFirst();
  if (existing) return false;
  const actor = { actorId: null, ip: "seed" };
  const units = new Map<string, number>();
  const root = await createOrgUnit(db, { name: schoolCommittee, parentId: null }, actor);
  for (const [sub, branches] of TREE) {
    const subId = await createOrgUnit(db, { name: sub, parentId: root }, actor);
    for (const b of branches) units.set(b, await createOrgUnit(db, { name: b, parentId: subId }, actor));
  }
  for (const u of DEMO_USERS) {
    await createUser(
      db,
      { username: u.username, name: u.name, gender: u.gender, orgUnitId: units.get(u.unit)!, stage: u.stage, roles: u.roles },
      { actorId: null, ip: "seed" },
      DEMO_PASSWORD,
    );
  }
  // The branch's side: 孙丽华 is 张晓明's 培养联系人; the 发展对象 and the 预备党员 have their stage days.
  const ids = new Map((await db.selectFrom("users").select(["id", "username"]).execute()).map((u) => [u.username, u.id]));
  const secretary = (await getUserWithRoles(db, ids.get("sj001")!))!;
  const admin = (await getUserWithRoles(db, ids.get("zzb001")!))!;
  await assignLiaison(db, { traineeId: ids.get("2023001")!, liaisonUsername: "pl001", startOn: "2026-03-10" }, secretary);
  // The current stage's day first, then the earlier ones (as a branch enters a dossier after the fact).
  const days: [string, DecidedStage, string][] = [
    ["2023001", "activist", "2026-03-10"],
    ["2022015", "candidate", "2025-11-20"],
    ["2022015", "activist", "2024-10-15"],
    ["2021030", "probationary", "2025-06-28"],
    ["2021030", "candidate", "2024-05-20"],
    ["2021030", "activist", "2023-04-12"],
  ];
  for (const [username, stage, decidedOn] of days) await recordStageEvent(db, { userId: ids.get(username)!, stage, decidedOn }, admin);
  return true;
}
