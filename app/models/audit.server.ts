import { now, type DB } from "~/utils/db.server.ts";

export type AuditEvent = {
  actorId: number | null;
  action: string;
  targetType?: string;
  targetId?: string | number;
  detail?: Record<string, unknown>;
  ip?: string | null;
};

/** Appends one entry; the table refuses UPDATE and DELETE through triggers. */
export async function audit(db: DB, e: AuditEvent): Promise<void> {
  await db
    .insertInto("audit_log")
    .values({
      at: now(),
      actor_id: e.actorId,
      action: e.action,
      target_type: e.targetType ?? null,
      target_id: e.targetId === undefined ? null : String(e.targetId),
      detail: e.detail ? JSON.stringify(e.detail) : null,
      ip: e.ip ?? null,
    })
    .execute();
}

export async function listAuditEntries(db: DB, opts: { limit?: number; action?: string } = {}) {
  let q = db
    .selectFrom("audit_log as a")
    .leftJoin("users as u", "u.id", "a.actor_id")
    .select(["a.id", "a.at", "a.action", "a.target_type", "a.target_id", "a.detail", "a.ip", "u.name as actor_name", "u.username as actor_username"])
    .orderBy("a.id", "desc")
    .limit(opts.limit ?? 100);
  if (opts.action) q = q.where("a.action", "=", opts.action);
  return q.execute();
}
