// Login throttling with counters in the database, so it holds across restarts and instances.
import { now, writeTransaction, type DB } from "./db.server.ts";

/** Consecutive failures for one account from one IP before that pair is locked. */
export const PAIR_LIMIT = 10;
/** Failures from one IP across all accounts before the IP is locked (guessing many accounts). */
export const IP_LIMIT = 50;
export const LOCK_SECONDS = 15 * 60;

const pairKey = (username: string, ip: string) => `pair:${username.toLowerCase()}|${ip}`;
const ipKey = (ip: string) => `ip:${ip}`;

/** Seconds until the pair may try again, or 0 when it may try now. */
export async function loginLockedFor(db: DB, username: string, ip: string): Promise<number> {
  const rows = await db
    .selectFrom("login_throttle")
    .select(["locked_until"])
    .where("key", "in", [pairKey(username, ip), ipKey(ip)])
    .execute();
  const until = Math.max(0, ...rows.map((r) => r.locked_until));
  return Math.max(0, until - now());
}

/** Adds a failure to a counter; at `limit` the key is locked for LOCK_SECONDS (a lock that has run out starts afresh). */
async function countFailure(trx: DB, key: string, limit: number) {
  const t = now();
  const row = await trx.selectFrom("login_throttle").selectAll().where("key", "=", key).executeTakeFirst();
  const failures = (row && row.locked_until <= t && row.failures >= limit ? 0 : row?.failures ?? 0) + 1;
  const locked_until = failures >= limit ? t + LOCK_SECONDS : 0;
  await trx
    .insertInto("login_throttle")
    .values({ key, failures, locked_until, updated_at: t })
    .onConflict((oc) => oc.column("key").doUpdateSet({ failures, locked_until, updated_at: t }))
    .execute();
}

export async function recordLoginFailure(db: DB, username: string, ip: string): Promise<void> {
  await writeTransaction(db, async (trx) => {
    await countFailure(trx, pairKey(username, ip), PAIR_LIMIT);
    await countFailure(trx, ipKey(ip), IP_LIMIT);
  });
}

/** Certificate lookups by number and name that found nothing, per address, before the address waits. */
export const VERIFY_MISS_LIMIT = 10;
const verifyKey = (ip: string) => `verify:${ip}`;

/** Seconds until this address may look up certificates again, or 0. */
export async function verifyLockedFor(db: DB, ip: string): Promise<number> {
  const row = await db.selectFrom("login_throttle").select("locked_until").where("key", "=", verifyKey(ip)).executeTakeFirst();
  return Math.max(0, (row?.locked_until ?? 0) - now());
}

export async function recordVerifyMiss(db: DB, ip: string): Promise<void> {
  await writeTransaction(db, (trx) => countFailure(trx, verifyKey(ip), VERIFY_MISS_LIMIT));
}

export async function recordLoginSuccess(db: DB, username: string, ip: string): Promise<void> {
  await db.deleteFrom("login_throttle").where("key", "=", pairKey(username, ip)).execute();
}
