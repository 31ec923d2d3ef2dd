// Stage decisions as dated events. The current stage is the latest decision; `users.stage` is kept in
// step by `syncStage`, the one function that writes it from the timeline.
import { now, writeTransaction, type DB } from "~/utils/db.server.ts";
import { cstToday } from "~/utils/cst.ts";
import { stageOfTimeline, timelineProblem, type DecidedStage, type TimelineEvent } from "~/utils/stage-rules.ts";
import { audit } from "./audit.server.ts";
import { BranchError, requireGovernedPerson, type BranchViewer } from "./branch-scope.server.ts";

type Ctx = { ip?: string | null; today?: string };

/** A trainee's recorded decisions (not withdrawn), in stage order. */
export async function listStageEvents(db: DB, userId: number) {
  return db
    .selectFrom("stage_events")
    .select(["id", "stage", "decided_on", "note", "created_at"])
    .where("user_id", "=", userId)
    .where("withdrawn_at", "is", null)
    .orderBy("decided_on")
    .orderBy("id")
    .execute();
}

/** Day of each decided stage per user, for ledgers and exports. */
export async function stageDaysOf(db: DB, userIds: number[]): Promise<Map<number, Partial<Record<DecidedStage, string>>>> {
  const out = new Map<number, Partial<Record<DecidedStage, string>>>();
  for (let i = 0; i < userIds.length; i += 500) {
    const rows = await db
      .selectFrom("stage_events")
      .select(["user_id", "stage", "decided_on"])
      .where("user_id", "in", userIds.slice(i, i + 500))
      .where("withdrawn_at", "is", null)
      .execute();
    for (const r of rows) out.set(r.user_id, { ...out.get(r.user_id), [r.stage]: r.decided_on });
  }
  return out;
}

const toTimeline = (rows: { stage: string; decided_on: string }[]): TimelineEvent[] =>
  rows.map((r) => ({ stage: r.stage as DecidedStage, decidedOn: r.decided_on }));

/** A trainee's recorded decisions as the stage rules read them. */
export async function timelineOf(db: DB, userId: number): Promise<TimelineEvent[]> {
  return toTimeline(await listStageEvents(db, userId));
}

/**
 * Writes decisions already checked against the rules (stage-rules.ts), brings users.stage in step and
 * audits each. Inside the caller's transaction; `actorId` null for a script.
 */
export async function insertStageEvents(
  trx: DB,
  userId: number,
  events: (TimelineEvent & { note?: string | null })[],
  actor: { actorId: number | null; ip?: string | null },
): Promise<number[]> {
  const ids: number[] = [];
  for (const e of events) {
    const { id } = await trx
      .insertInto("stage_events")
      .values({ user_id: userId, stage: e.stage, decided_on: e.decidedOn, note: e.note || null, entered_by: actor.actorId, created_at: now() })
      .returning("id")
      .executeTakeFirstOrThrow();
    await audit(trx, {
      actorId: actor.actorId,
      action: "stage.event",
      targetType: "user",
      targetId: userId,
      detail: { stage: e.stage, decidedOn: e.decidedOn, eventId: id },
      ip: actor.ip,
    });
    ids.push(id);
  }
  if (events.length) await syncStage(trx, userId);
  return ids;
}

/** Writes users.stage from the timeline; with nothing recorded the stage stays as it was entered. */
async function syncStage(trx: DB, userId: number) {
  const stage = stageOfTimeline(toTimeline(await listStageEvents(trx, userId)));
  if (stage) await trx.updateTable("users").set({ stage, updated_at: now() }).where("id", "=", userId).where("stage", "!=", stage).execute();
}

/** Records a decision; the 细则's rules are checked on the whole timeline. Secretaries for their subtree, admins for all. */
export async function recordStageEvent(
  db: DB,
  input: { userId: number; stage: DecidedStage; decidedOn: string; note?: string | null },
  actor: BranchViewer | null,
  ctx: Ctx = {},
) {
  const today = ctx.today ?? cstToday();
  return writeTransaction(db, async (trx) => {
    const { person } = await requireGovernedPerson(trx, actor, input.userId);
    const events = await timelineOf(trx, person.id);
    const problem = timelineProblem(events, { stage: input.stage, decidedOn: input.decidedOn }, person.stage, today);
    if (problem) throw new BranchError(problem, "decidedOn");
    const [id] = await insertStageEvents(trx, person.id, [{ stage: input.stage, decidedOn: input.decidedOn, note: input.note }], {
      actorId: actor?.id ?? null,
      ip: ctx.ip,
    });
    return id!;
  });
}

/** Withdraws the latest decision of a timeline (a wrong entry); the stage steps back with it. */
export async function withdrawLatestStageEvent(db: DB, input: { userId: number }, actor: BranchViewer, ctx: Ctx = {}) {
  return writeTransaction(db, async (trx) => {
    const { person } = await requireGovernedPerson(trx, actor, input.userId);
    const events = await listStageEvents(trx, person.id);
    const latest = events.at(-1);
    if (!latest) throw new BranchError("没有可撤销的记录");
    await trx.updateTable("stage_events").set({ withdrawn_at: now(), withdrawn_by: actor.id }).where("id", "=", latest.id).execute();
    await syncStage(trx, person.id);
    await audit(trx, {
      actorId: actor.id,
      action: "stage.withdraw",
      targetType: "user",
      targetId: person.id,
      detail: { stage: latest.stage, decidedOn: latest.decided_on, eventId: latest.id },
      ip: ctx.ip,
    });
  });
}
