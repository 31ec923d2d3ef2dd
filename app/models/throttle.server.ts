// Password guessing is throttled per account across all addresses (slowing, then a lock its owner and
// admins can see and clear) and per address with a high ceiling that slows but never locks, so a whole
// dormitory behind one NAT address keeps signing in. Counters are rows in the database, shared by every
// instance and kept across restarts. Sign-in and the current password on /account/password go through
// `checkPasswordGuess`, so both spend the same budget and leave the same audit trail.
import { audit } from "./audit.server.ts";
import { now, writeTransaction, type DB } from "~/utils/db.server.ts";
import { verifyPassword } from "~/utils/password.server.ts";

/** Failures in a row an account may have without waiting. */
export const ACCOUNT_FREE_FAILURES = 10;
/** At this many failures in a row the account is locked until its owner or an admin clears it (or the lock runs out). */
export const ACCOUNT_LOCK_FAILURES = 15;
export const ACCOUNT_LOCK_SECONDS = 24 * 3600;
/** Between the free failures and the lock, each failure makes the next guess wait twice as long, from this. */
export const ACCOUNT_FIRST_WAIT_SECONDS = 60;
/** A run of failures is forgotten this long after its last one (unless locked). */
const ACCOUNT_MEMORY_SECONDS = 24 * 3600;
/** Failures from one address within ADDRESS_WINDOW_SECONDS before that address is slowed. */
export const ADDRESS_CEILING = 300;
const ADDRESS_WINDOW_SECONDS = 3600;
/** Past the ceiling, one guess from the address per this many seconds. */
export const ADDRESS_SLOW_SECONDS = 5;

/** Usernames are compared as typed, without case or surrounding space, existing or not. */
const accountKey = (username: string) => `account:${username.normalize("NFKC").trim().toLowerCase()}`;
const addressKey = (ip: string) => `address:${ip}`;

type LoginWait = { reason: "account_locked" | "account_slowed" | "address_slowed"; until: number };
type AccountLock = { failures: number; lastFailureAt: number; lockedUntil: number; locked: boolean; waitUntil: number };

type Row = { failures: number; locked_until: number; updated_at: number };
const rowsFor = (db: DB, keys: string[]) =>
  db.selectFrom("login_throttle").select(["key", "failures", "locked_until", "updated_at"]).where("key", "in", keys).execute();

/** Why a guess must wait now, or null. */
export async function loginWait(db: DB, username: string, ip: string, t = now()): Promise<LoginWait | null> {
  const rows = await rowsFor(db, [accountKey(username), addressKey(ip)]);
  const account = rows.find((r) => r.key.startsWith("account:"));
  const address = rows.find((r) => r.key.startsWith("address:"));
  if (account && account.locked_until > t) {
    return { reason: account.failures >= ACCOUNT_LOCK_FAILURES ? "account_locked" : "account_slowed", until: account.locked_until };
  }
  if (address && address.locked_until > t) return { reason: "address_slowed", until: address.locked_until };
  return null;
}

/** The wait after the `failures`-th failure in a row (0: none). */
function accountWait(failures: number): number {
  if (failures >= ACCOUNT_LOCK_FAILURES) return ACCOUNT_LOCK_SECONDS;
  if (failures < ACCOUNT_FREE_FAILURES) return 0;
  return ACCOUNT_FIRST_WAIT_SECONDS * 2 ** (failures - ACCOUNT_FREE_FAILURES);
}

/** Counts one failure for the account and the address; says whether it locked the account or slowed the address. */
export async function recordLoginFailure(db: DB, username: string, ip: string, t = now()) {
  return writeTransaction(db, async (trx) => {
    const rows = await rowsFor(trx, [accountKey(username), addressKey(ip)]);
    const prior = (key: string, memory: number): Row | undefined => {
      const r = rows.find((x) => x.key === key);
      return r && (r.locked_until > t || t - r.updated_at < memory) ? r : undefined;
    };
    const account = prior(accountKey(username), ACCOUNT_MEMORY_SECONDS);
    const accountFailures = (account?.failures ?? 0) + 1;
    const wait = accountWait(accountFailures);
    await put(trx, accountKey(username), accountFailures, wait ? t + wait : 0, t);

    const address = prior(addressKey(ip), ADDRESS_WINDOW_SECONDS);
    const addressFailures = (address?.failures ?? 0) + 1;
    await put(trx, addressKey(ip), addressFailures, addressFailures >= ADDRESS_CEILING ? t + ADDRESS_SLOW_SECONDS : 0, t);

    // Rows nobody needs any more: no lock running and a day without failures.
    await trx
      .deleteFrom("login_throttle")
      .where("updated_at", "<", t - ACCOUNT_MEMORY_SECONDS)
      .where("locked_until", "<", t)
      .execute();
    return { accountFailures, accountLocked: accountFailures === ACCOUNT_LOCK_FAILURES, addressSlowed: addressFailures === ADDRESS_CEILING };
  });
}

async function put(db: DB, key: string, failures: number, locked_until: number, updated_at: number) {
  await db
    .insertInto("login_throttle")
    .values({ key, failures, locked_until, updated_at })
    .onConflict((oc) => oc.column("key").doUpdateSet({ failures, locked_until, updated_at }))
    .execute();
}

/** The right password ends the account's run of failures (the address keeps its count). */
async function recordLoginSuccess(db: DB, username: string): Promise<void> {
  await db.deleteFrom("login_throttle").where("key", "=", accountKey(username)).execute();
}

/** The account's run of failures as its owner and admins see it, or null when there is none. */
export async function getAccountLock(db: DB, username: string, t = now()): Promise<AccountLock | null> {
  const [row] = await rowsFor(db, [accountKey(username)]);
  if (!row || (row.locked_until <= t && t - row.updated_at >= ACCOUNT_MEMORY_SECONDS)) return null;
  const locked = row.failures >= ACCOUNT_LOCK_FAILURES && row.locked_until > t;
  return {
    failures: row.failures,
    lastFailureAt: row.updated_at,
    lockedUntil: locked ? row.locked_until : 0,
    locked,
    waitUntil: row.locked_until > t ? row.locked_until : 0,
  };
}

/** Clears an account's failures and lock; true when there was something to clear. */
export async function clearAccountLock(db: DB, username: string): Promise<boolean> {
  const r = await db.deleteFrom("login_throttle").where("key", "=", accountKey(username)).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

type GuessResult = { ok: true } | { ok: false; status: 401 | 429; message: string };

const inMinutes = (seconds: number) =>
  seconds < 60 ? `${Math.max(1, seconds)} 秒` : seconds < 2 * 3600 ? `${Math.ceil(seconds / 60)} 分钟` : `${Math.ceil(seconds / 3600)} 小时`;

/** What a waiting guess is told; the same whether or not the account exists. */
function waitMessage(w: LoginWait, t: number): string {
  const left = inMinutes(w.until - t);
  if (w.reason === "account_locked") return `尝试次数过多，该账号已被锁定（约 ${left}后自动解除）。可在已登录的设备上解除锁定，或联系组织部`;
  if (w.reason === "account_slowed") return `尝试次数过多，请 ${left}后再试`;
  return `此网络的登录失败次数过多，请 ${left}后再试`;
}

/**
 * One password guess for an account (sign-in, or the current password when changing it): refused while
 * the account or the address must wait, else checked against the stored hash (an unknown account costs
 * the same argon2 time), counted and audited. `action` prefixes the audit entries ("login", "password").
 */
export async function checkPasswordGuess(
  db: DB,
  input: { username: string; passwordHash: string | null; password: string; ip: string; userId: number | null; action: "login" | "password" },
): Promise<GuessResult> {
  const { username, ip, userId, action } = input;
  const t = now();
  const wait = await loginWait(db, username, ip, t);
  if (wait) {
    await audit(db, { actorId: userId, action: `${action}.throttled`, detail: { username, reason: wait.reason }, ip });
    return { ok: false, status: 429, message: waitMessage(wait, t) };
  }
  if (await verifyPassword(input.passwordHash, input.password)) {
    await recordLoginSuccess(db, username);
    return { ok: true };
  }
  const counted = await recordLoginFailure(db, username, ip, t);
  await audit(db, {
    actorId: userId,
    action: `${action}.failure`,
    detail: { username, reason: input.passwordHash === null ? "unknown_user" : "bad_password" },
    ip,
  });
  if (counted.accountLocked) {
    await audit(db, {
      actorId: null,
      action: "account.locked",
      targetType: userId === null ? undefined : "user",
      targetId: userId ?? undefined,
      detail: { username, failures: counted.accountFailures, until: t + ACCOUNT_LOCK_SECONDS },
      ip,
    });
  }
  if (counted.addressSlowed)
    await audit(db, { actorId: null, action: "address.slowed", detail: { failures: ADDRESS_CEILING, windowSeconds: ADDRESS_WINDOW_SECONDS }, ip });
  return { ok: false, status: 401, message: "" };
}

/**
 * Certificate lookups by number and name that found nothing, per address: the 10th miss within an hour
 * (each within an hour of the one before) makes the address wait 15 minutes, after which it starts
 * afresh. Not the sign-in rule on purpose (README, Decisions: "The certificate lookup's own throttle"):
 * there is no account to count, and an address that walks numbers and names is the whole threat.
 * Same rows and the same upsert as sign-in, under the key prefix `verify:`.
 */
export const VERIFY_MISS_LIMIT = 10;
export const VERIFY_LOCK_SECONDS = 15 * 60;
const VERIFY_MEMORY_SECONDS = 3600;
const verifyKey = (ip: string) => `verify:${ip}`;

/** Seconds until this address may look up certificates again, or 0. */
export async function verifyLockedFor(db: DB, ip: string, t = now()): Promise<number> {
  const [row] = await rowsFor(db, [verifyKey(ip)]);
  return Math.max(0, (row?.locked_until ?? 0) - t);
}

/** Counts a lookup that found nothing; at VERIFY_MISS_LIMIT the address waits (a wait that has run out, or an hour without a miss, starts afresh). */
export async function recordVerifyMiss(db: DB, ip: string, t = now()): Promise<void> {
  await writeTransaction(db, async (trx) => {
    const [row] = await rowsFor(trx, [verifyKey(ip)]);
    const counts = row && row.locked_until === 0 && t - row.updated_at < VERIFY_MEMORY_SECONDS;
    const misses = (counts ? row.failures : 0) + 1;
    await put(trx, verifyKey(ip), misses, misses >= VERIFY_MISS_LIMIT ? t + VERIFY_LOCK_SECONDS : 0, t);
  });
}
