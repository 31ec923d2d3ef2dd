// What every bare baseline handler needs: the acting user, a role check, the audit row and a write
// that waits for the client to take the bytes (backpressure), with plain better-sqlite3 and node:http.
import type Sqlite from "better-sqlite3";
import type http from "node:http";

export type BareUser = { id: number; name: string; username: string; stage: string; org_unit_id: number };

export const now = () => Math.floor(Date.now() / 1000);

export function bareCommon(db: Sqlite.Database) {
  const role = db.prepare("select 1 from user_roles where user_id = ? and role = ?");
  const insertAudit = db.prepare("insert into audit_log (at, actor_id, action, target_type, target_id, detail, ip) values (?, ?, ?, ?, ?, ?, ?)");
  return {
    hasRole: (user: BareUser, r: string) => role.get(user.id, r) !== undefined,
    audit: (actorId: number, action: string, target: { type: string; id: number } | null, detail: Record<string, unknown>, ip: string | null) =>
      insertAudit.run(now(), actorId, action, target?.type ?? null, target ? String(target.id) : null, JSON.stringify(detail), ip),
  };
}

/** Writes a chunk and waits for the socket to drain when its buffer is full. */
export async function send(res: http.ServerResponse, chunk: string | Uint8Array) {
  if (!res.write(chunk)) await new Promise<void>((r) => res.once("drain", () => r()));
}
