// Jobs that must run on one instance at a time (the exam deadline sweep, reminders, the start-up seed and
// course sync) hold a named lease: a row in job_leases with its owner and an expiry. Every instance asks;
// the one holding an unexpired lease (or taking an expired one) runs, so a crashed holder is replaced once
// its lease runs out.
import { now as nowSeconds, writeTransaction, type DB } from "~/utils/db.server.ts";

/** Takes or renews the named lease for `owner`; false while another owner holds an unexpired one. */
export async function takeLease(db: DB, name: string, owner: string, seconds: number, t = nowSeconds()): Promise<boolean> {
  return writeTransaction(db, async (trx) => {
    await trx
      .insertInto("job_leases")
      .values({ name, owner, until: 0 })
      .onConflict((oc) => oc.column("name").doNothing())
      .execute();
    const res = await trx
      .updateTable("job_leases")
      .set({ owner, until: t + seconds })
      .where("name", "=", name)
      .where((eb) => eb.or([eb("owner", "=", owner), eb("until", "<", t)]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  });
}

/** Gives the lease up at once (when `owner` still holds it), so the next instance need not wait for its expiry. */
async function releaseLease(db: DB, name: string, owner: string): Promise<void> {
  await db.updateTable("job_leases").set({ until: 0 }).where("name", "=", name).where("owner", "=", owner).execute();
}

/**
 * Waits until `owner` holds the named lease (asking again every `pollMs`), runs `fn`, renewing the lease every
 * third of `seconds` while it runs, and releases it. For work that every instance does at start and that must
 * not overlap (the demo seed, the course sync): the second instance waits and then finds the work done.
 */
export async function withLease<T>(db: DB, name: string, owner: string, seconds: number, fn: () => Promise<T>, pollMs = 200): Promise<T> {
  while (!(await takeLease(db, name, owner, seconds))) await new Promise((resolve) => setTimeout(resolve, pollMs));
  const renew = setInterval(() => void takeLease(db, name, owner, seconds).catch(() => {}), (seconds * 1000) / 3);
  renew.unref();
  try {
    return await fn();
  } finally {
    clearInterval(renew);
    await releaseLease(db, name, owner);
  }
}
