// 培养联系人: one or two full members of the branch's subtree, assigned by its secretary (or the 组织部)
// to each 入党积极分子/发展对象/预备党员 from a day on; a change ends the old assignment with a day,
// so the history stays. Being assigned gives the person the role 培养联系人.
import { now, writeTransaction, type DB } from "~/utils/db.server.ts";
import { cstToday, isCstDay } from "~/utils/cst.ts";
import { MAX_LIAISONS } from "~/utils/stage-rules.ts";
import { audit } from "./audit.server.ts";
import { BranchError, FOLLOWED_STAGES, requireGovernedPerson, type BranchViewer } from "./branch-scope.server.ts";
import { pathInSubtree } from "~/utils/org-path.ts";

type Ctx = { ip?: string | null; today?: string };

function checkDay(day: string, what: string, today: string) {
  if (!isCstDay(day)) throw new BranchError(`${what}不是有效日期（格式 YYYY-MM-DD）`);
  if (day > today) throw new BranchError(`${what}不能晚于今天（${today}）`);
}

/** Every assignment of a trainee, current first, with the 培养联系人's name. */
export async function listLiaisonHistory(db: DB, traineeId: number) {
  const rows = await db
    .selectFrom("liaison_assignments as a")
    .innerJoin("users as l", "l.id", "a.liaison_id")
    .select(["a.id", "a.liaison_id", "l.username", "l.name", "a.start_on", "a.end_on"])
    .where("a.trainee_id", "=", traineeId)
    .orderBy("a.start_on", "desc")
    .orderBy("a.id", "desc")
    .execute();
  return [...rows.filter((r) => r.end_on === null), ...rows.filter((r) => r.end_on !== null)];
}

/** Current 培养联系人 names per trainee ("王一、李二"), for tables and exports. */
export async function currentLiaisonNames(db: DB, traineeIds: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (let i = 0; i < traineeIds.length; i += 500) {
    const rows = await db
      .selectFrom("liaison_assignments as a")
      .innerJoin("users as l", "l.id", "a.liaison_id")
      .select(["a.trainee_id", "l.name"])
      .where("a.trainee_id", "in", traineeIds.slice(i, i + 500))
      .where("a.end_on", "is", null)
      .orderBy("a.id")
      .execute();
    for (const r of rows) out.set(r.trainee_id, out.has(r.trainee_id) ? `${out.get(r.trainee_id)}、${r.name}` : r.name);
  }
  return out;
}

/** The trainees currently assigned to a 培养联系人. */
export async function listTraineesOfLiaison(db: DB, liaisonId: number) {
  return db
    .selectFrom("liaison_assignments as a")
    .innerJoin("users as u", "u.id", "a.trainee_id")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .select(["u.id", "u.username", "u.name", "u.stage", "o.name as unit_name", "a.start_on"])
    .where("a.liaison_id", "=", liaisonId)
    .where("a.end_on", "is", null)
    .orderBy("u.username")
    .execute();
}

export async function assignLiaison(db: DB, input: { traineeId: number; liaisonUsername: string; startOn: string }, actor: BranchViewer, ctx: Ctx = {}) {
  const today = ctx.today ?? cstToday();
  checkDay(input.startOn, "开始日期", today);
  return writeTransaction(db, async (trx) => {
    const { path, person: trainee } = await requireGovernedPerson(trx, actor, input.traineeId);
    if (!FOLLOWED_STAGES.includes(trainee.stage)) throw new BranchError("只能为入党积极分子、发展对象或预备党员指定培养联系人");
    const liaison = await trx
      .selectFrom("users as u")
      .innerJoin("org_units as o", "o.id", "u.org_unit_id")
      .select(["u.id", "u.name", "u.stage", "u.active", "o.path"])
      .where("u.username", "=", input.liaisonUsername.trim())
      .executeTakeFirst();
    if (!liaison || !pathInSubtree(liaison.path, path)) throw new BranchError(`学号/工号“${input.liaisonUsername}”不是本组织的人员`, "liaison");
    if (liaison.id === trainee.id) throw new BranchError("不能指定学员本人为培养联系人", "liaison");
    if (!liaison.active) throw new BranchError(`${liaison.name}的账号已停用`, "liaison");
    if (liaison.stage !== "full") throw new BranchError(`${liaison.name}不是正式党员，不能担任培养联系人`, "liaison");
    const current = await trx
      .selectFrom("liaison_assignments")
      .select(["liaison_id"])
      .where("trainee_id", "=", trainee.id)
      .where("end_on", "is", null)
      .execute();
    if (current.some((c) => c.liaison_id === liaison.id)) throw new BranchError(`${liaison.name}已是该学员的培养联系人`, "liaison");
    if (current.length >= MAX_LIAISONS) throw new BranchError(`每名学员的培养联系人为一至两名，请先结束一名现任培养联系人`);
    return insertLiaison(trx, { traineeId: trainee.id, liaisonId: liaison.id, startOn: input.startOn }, { actorId: actor.id, ip: ctx.ip });
  });
}

/**
 * Writes an assignment already checked (full member, active, not the trainee, at most two), gives the
 * person the 培养联系人 role and audits it. Inside the caller's transaction.
 */
export async function insertLiaison(
  trx: DB,
  input: { traineeId: number; liaisonId: number; startOn: string },
  actor: { actorId: number; ip?: string | null },
): Promise<number> {
  const { id } = await trx
    .insertInto("liaison_assignments")
    .values({ trainee_id: input.traineeId, liaison_id: input.liaisonId, start_on: input.startOn, assigned_by: actor.actorId, created_at: now() })
    .returning("id")
    .executeTakeFirstOrThrow();
  await trx
    .insertInto("user_roles")
    .values({ user_id: input.liaisonId, role: "liaison" })
    .onConflict((oc) => oc.doNothing())
    .execute();
  await audit(trx, {
    actorId: actor.actorId,
    action: "liaison.assign",
    targetType: "user",
    targetId: input.traineeId,
    detail: { liaisonId: input.liaisonId, startOn: input.startOn, assignmentId: id },
    ip: actor.ip,
  });
  return id;
}

export async function endLiaison(db: DB, input: { assignmentId: number; endOn: string }, actor: BranchViewer, ctx: Ctx = {}) {
  const today = ctx.today ?? cstToday();
  checkDay(input.endOn, "结束日期", today);
  return writeTransaction(db, async (trx) => {
    const row = await trx.selectFrom("liaison_assignments").selectAll().where("id", "=", input.assignmentId).executeTakeFirst();
    if (!row) throw new BranchError("该培养联系人记录不存在");
    const { person: trainee } = await requireGovernedPerson(trx, actor, row.trainee_id);
    if (row.end_on !== null) throw new BranchError("该培养联系人已结束");
    if (input.endOn < row.start_on) throw new BranchError(`结束日期不能早于开始日期（${row.start_on}）`);
    await trx.updateTable("liaison_assignments").set({ end_on: input.endOn, ended_by: actor.id, ended_at: now() }).where("id", "=", row.id).execute();
    await audit(trx, {
      actorId: actor.id,
      action: "liaison.end",
      targetType: "user",
      targetId: trainee.id,
      detail: { liaisonId: row.liaison_id, endOn: input.endOn, assignmentId: row.id },
      ip: ctx.ip,
    });
  });
}
