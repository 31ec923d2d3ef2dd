// Whose training record a route may show or export.
import { recordSubjectFor, type RecordSubject } from "~/models/record.server.ts";
import type { DB } from "~/utils/db.server.ts";

/** The record subject of a route's `:userId` for this viewer; 404 for a bad id, an unknown user or one outside the viewer's subtree. */
export async function requireRecordSubject(
  db: DB,
  userIdParam: string | undefined,
  viewer: { id: number; roles: readonly string[]; org_unit_id: number },
): Promise<RecordSubject> {
  const id = Number(userIdParam);
  const subject = Number.isSafeInteger(id) && id > 0 ? await recordSubjectFor(db, id, viewer) : undefined;
  if (!subject) throw new Response("用户不存在", { status: 404 });
  return subject;
}
