// One import per user at a time: a second upload while the first is still being unpacked and checked is
// refused at once instead of doubling the work. The lock is a row, so every instance sees it; a row
// older than LOCK_EXPIRY is a leftover of a stopped server and is taken over.
import { ZIP_MSG } from "~/utils/course-messages.server.ts";
import { now, writeTransaction, type DB } from "~/utils/db.server.ts";

const LOCK_EXPIRY_SECONDS = 60 * 60;

export class ImportBusy extends Error {
  constructor() {
    super(ZIP_MSG.busy);
  }
}

/** Runs `fn` holding the user's lock for `kind`; throws ImportBusy when it is held. */
export async function withImportLock<T>(db: DB, userId: number, kind: string, fn: () => Promise<T>): Promise<T> {
  const taken = await writeTransaction(db, async (trx) => {
    const t = now();
    const row = await trx.selectFrom("import_locks").select("started_at").where("user_id", "=", userId).where("kind", "=", kind).executeTakeFirst();
    if (row && row.started_at > t - LOCK_EXPIRY_SECONDS) return false;
    await trx
      .insertInto("import_locks")
      .values({ user_id: userId, kind, started_at: t })
      .onConflict((oc) => oc.columns(["user_id", "kind"]).doUpdateSet({ started_at: t }))
      .execute();
    return true;
  });
  if (!taken) throw new ImportBusy();
  try {
    return await fn();
  } finally {
    await db.deleteFrom("import_locks").where("user_id", "=", userId).where("kind", "=", kind).execute();
  }
}
