// Roster imports waiting for the admin's confirmation. The uploaded file stays in the content-addressed
// store and is read again on confirm (nothing the browser sends back is trusted for the rows); the
// row proves who uploaded it. Applying a roster is importRoster in users.server.ts.
import fs from "node:fs";
import { now, type DB } from "~/utils/db.server.ts";
import type { RosterFile } from "~/utils/roster-import.server.ts";
import { runTask } from "~/utils/workers.server.ts";
import type { Storage } from "~/utils/storage.server.ts";

/** Unconfirmed uploads older than this are forgotten. */
const PENDING_SECONDS = 24 * 3600;

type PendingRoster = { sha256: string; fileName: string; createdAt: number };

export async function createPendingRoster(db: DB, p: { userId: number; sha256: string; fileName: string }): Promise<void> {
  const t = now();
  await db
    .deleteFrom("roster_imports")
    .where("created_at", "<", t - PENDING_SECONDS)
    .execute();
  await db
    .insertInto("roster_imports")
    .values({ user_id: p.userId, sha256: p.sha256, file_name: p.fileName, created_at: t })
    .onConflict((oc) => oc.columns(["user_id", "sha256"]).doUpdateSet({ file_name: p.fileName, created_at: t }))
    .execute();
}

/** The admin's own pending upload, or undefined (someone else's file is simply not found). */
export async function getPendingRoster(db: DB, p: { userId: number; sha256: string }): Promise<PendingRoster | undefined> {
  const row = await db
    .selectFrom("roster_imports")
    .select(["sha256", "file_name", "created_at"])
    .where("user_id", "=", p.userId)
    .where("sha256", "=", p.sha256)
    .where("created_at", ">=", now() - PENDING_SECONDS)
    .executeTakeFirst();
  return row && { sha256: row.sha256, fileName: row.file_name, createdAt: row.created_at };
}

export async function dropPendingRoster(db: DB, p: { userId: number; sha256: string }): Promise<void> {
  await db.deleteFrom("roster_imports").where("user_id", "=", p.userId).where("sha256", "=", p.sha256).execute();
}

/** Reads the stored upload again. */
export async function readPendingRoster(storage: Storage, pending: PendingRoster): Promise<RosterFile> {
  if (!storage.exists(pending.sha256)) return { ok: false, message: "上传的文件已不存在，请重新上传" };
  const bytes = await fs.promises.readFile(storage.pathOf(pending.sha256));
  return runTask("rosterFile", { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), fileName: pending.fileName });
}
