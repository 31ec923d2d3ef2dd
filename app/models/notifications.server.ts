// Notifications: the inbox, per-kind e-mail preferences, and the durable e-mail outbox.
//
// `notify` is called inside the transaction of the event that causes it (a report returned, a notice
// published …): the inbox row and, for people who want e-mail and have an address, an outbox row are
// written with the event or not at all. One notification per person and idempotency key (a unique
// index), so an event replayed or a reminder computed twice reaches nobody twice.
//
// The sender claims due outbox rows with a lease (one UPDATE, so two senders never claim the same row),
// sends each, and marks it sent; a failure waits with exponential backoff; a sender that dies leaves
// its lease to expire, after which another claims the row again. The Message-ID is the idempotency key.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { now as nowSeconds, type DB } from "~/utils/db.server.ts";
import type { OutboxChannel } from "../../db/types.ts";
import { NOTIFICATION_KINDS, NOTIFICATION_KIND_LABEL, type NotificationKind } from "~/utils/labels.ts";
import { notificationMail, type MailTransport } from "~/utils/mail.server.ts";

export type NewNotification = { userId: number; kind: NotificationKind; title: string; body: string; link: string; key: string };

const BATCH = 400;

/** How a notification goes out: `email` is `context.config.email` (SMTP_URL set); without it the inbox alone works. */
export type NotifyOptions = { email?: boolean; t?: number };

/** Records notifications (each at most once per person and key) and queues e-mail for those who want it (when e-mail is configured). */
export async function notify(db: DB, items: NewNotification[], opts: NotifyOptions = {}): Promise<number> {
  if (!items.length) return 0;
  const mail = !!opts.email;
  const t = opts.t ?? nowSeconds();
  let created = 0;
  for (let i = 0; i < items.length; i += BATCH) {
    const chunk = items.slice(i, i + BATCH);
    const rows = await db
      .insertInto("notifications")
      .values(
        chunk.map((n) => ({
          user_id: n.userId,
          kind: n.kind,
          title: n.title.slice(0, 200),
          body: n.body.slice(0, 2000),
          link: n.link,
          dedupe_key: n.key,
          created_at: t,
        })),
      )
      .onConflict((oc) => oc.columns(["user_id", "dedupe_key"]).doNothing())
      .returning(["id", "user_id", "kind"])
      .execute();
    created += rows.length;
    if (!mail || !rows.length) continue;
    const users = await db
      .selectFrom("users as u")
      .leftJoin("notification_prefs as p", (j) => j.onRef("p.user_id", "=", "u.id").on("p.kind", "=", chunk[0]!.kind))
      .select(["u.id", "u.email", "p.email as wants"])
      .where(
        "u.id",
        "in",
        rows.map((r) => r.user_id),
      )
      .where("u.active", "=", 1)
      .where("u.email", "is not", null)
      .execute();
    // Per-kind preference: e-mail is on unless the person turned it off (kinds within one call are the same in practice;
    // a mixed call looks preferences up per row below).
    const mixed = chunk.some((n) => n.kind !== chunk[0]!.kind);
    const prefs = mixed
      ? await prefsOf(
          db,
          rows.map((r) => r.user_id),
        )
      : undefined;
    const byUser = new Map(users.map((u) => [u.id, u]));
    const outbox = rows.flatMap((r) => {
      const u = byUser.get(r.user_id);
      if (!u?.email) return [];
      const wants = prefs ? (prefs.get(`${r.user_id}:${r.kind}`) ?? 1) : (u.wants ?? 1);
      return wants
        ? [
            {
              notification_id: r.id,
              dedupe_key: `email:${r.id}`,
              channel: "email" as const,
              recipient: u.email,
              status: "pending" as const,
              next_at: t,
              created_at: t,
            },
          ]
        : [];
    });
    if (outbox.length) await db.insertInto("outbox").values(outbox).execute();
  }
  return created;
}

async function prefsOf(db: DB, userIds: number[]) {
  const rows = await db.selectFrom("notification_prefs").selectAll().where("user_id", "in", userIds).execute();
  return new Map(rows.map((r) => [`${r.user_id}:${r.kind}`, r.email]));
}

// ------------------------------------------------------------------------------------ inbox

export async function unreadCount(db: DB, userId: number): Promise<number> {
  const row = await db
    .selectFrom("notifications")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("user_id", "=", userId)
    .where("read_at", "is", null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function listInbox(db: DB, userId: number, limit = 100) {
  return db
    .selectFrom("notifications")
    .select(["id", "kind", "title", "body", "link", "created_at", "read_at"])
    .where("user_id", "=", userId)
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
}

/** Marks one of the user's notifications read (someone else's id changes nothing) and returns its link. */
export async function openNotification(db: DB, userId: number, id: number): Promise<string | undefined> {
  const row = await db.selectFrom("notifications").select(["link", "read_at"]).where("id", "=", id).where("user_id", "=", userId).executeTakeFirst();
  if (!row) return undefined;
  if (row.read_at === null) await db.updateTable("notifications").set({ read_at: nowSeconds() }).where("id", "=", id).where("user_id", "=", userId).execute();
  return row.link;
}

export async function markAllRead(db: DB, userId: number): Promise<void> {
  await db.updateTable("notifications").set({ read_at: nowSeconds() }).where("user_id", "=", userId).where("read_at", "is", null).execute();
}

/** Each kind with whether the user also gets it by e-mail (on unless turned off). */
export async function getPrefs(db: DB, userId: number): Promise<Record<NotificationKind, boolean>> {
  const rows = await db.selectFrom("notification_prefs").select(["kind", "email"]).where("user_id", "=", userId).execute();
  const set = new Map(rows.map((r) => [r.kind, r.email === 1]));
  return Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, set.get(k) ?? true])) as Record<NotificationKind, boolean>;
}

export async function setPref(db: DB, userId: number, kind: NotificationKind, email: boolean): Promise<void> {
  await db
    .insertInto("notification_prefs")
    .values({ user_id: userId, kind, email: email ? 1 : 0 })
    .onConflict((oc) => oc.columns(["user_id", "kind"]).doUpdateSet({ email: email ? 1 : 0 }))
    .execute();
}

// ------------------------------------------------------------------------------------ unsubscribe tokens

/** The key that signs unsubscribe links: made once and kept in the database, so every instance shares it. */
async function mailSecret(db: DB): Promise<Buffer> {
  await db
    .insertInto("app_settings")
    .values({ key: "mail_secret", value: randomBytes(32).toString("hex"), updated_by: null, updated_at: nowSeconds() })
    .onConflict((oc) => oc.column("key").doNothing())
    .execute();
  const row = await db.selectFrom("app_settings").select("value").where("key", "=", "mail_secret").executeTakeFirstOrThrow();
  return Buffer.from(row.value, "hex");
}

const sign = (secret: Buffer, payload: string) => createHmac("sha256", secret).update(payload).digest("base64url");

export async function unsubscribeToken(db: DB, userId: number, kind: NotificationKind, secret?: Buffer): Promise<string> {
  const payload = `${userId}.${kind}`;
  return `${payload}.${sign(secret ?? (await mailSecret(db)), payload)}`;
}

/** The person and kind a token names, when its signature is ours. */
export async function readUnsubscribeToken(db: DB, token: string): Promise<{ userId: number; kind: NotificationKind } | null> {
  const m = /^(\d{1,12})\.([a-z_]{1,40})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m || !(NOTIFICATION_KINDS as readonly string[]).includes(m[2]!)) return null;
  const expected = Buffer.from(sign(await mailSecret(db), `${m[1]}.${m[2]}`));
  const given = Buffer.from(m[3]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  return { userId: Number(m[1]), kind: m[2] as NotificationKind };
}

// ------------------------------------------------------------------------------------ outbox sender

export const OUTBOX = { leaseSeconds: 120, maxAttempts: 8, baseDelay: 30, maxDelay: 6 * 3600, batch: 50 };

/** Seconds to wait after the n-th failed attempt (1-based): 30 s, 60 s, 120 s … at most 6 h. */
export function backoffSeconds(attempts: number): number {
  return Math.min(OUTBOX.baseDelay * 2 ** Math.max(0, attempts - 1), OUTBOX.maxDelay);
}

/** Claims up to `limit` due rows of these channels for `owner` in one statement; rows leased by a live sender are skipped. */
export async function claimOutbox(
  db: DB,
  owner: string,
  limit = OUTBOX.batch,
  t = nowSeconds(),
  channels: readonly OutboxChannel[] = ["email"],
  leaseSeconds = OUTBOX.leaseSeconds,
): Promise<number[]> {
  // One statement: atomic on its own, so no transaction is held across an await (on PostgreSQL the
  // inner select takes FOR UPDATE SKIP LOCKED).
  const rows = await db
    .updateTable("outbox")
    .set({ lease_owner: owner, lease_until: t + leaseSeconds })
    .where(
      "id",
      "in",
      db
        .selectFrom("outbox")
        .select("id")
        .where("status", "=", "pending")
        .where("channel", "in", channels)
        .where("next_at", "<=", t)
        .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", t)]))
        .orderBy("id")
        .limit(limit),
    )
    .returning("id")
    .execute();
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

/**
 * Records one attempt at a claimed row: sent, or failed (retried after the backoff, or given up after the
 * last attempt). Only while `owner` still holds the lease, so a sender that lost it changes nothing.
 */
export async function recordAttempt(db: DB, id: number, owner: string, attempts: number, error: unknown, t = nowSeconds()): Promise<void> {
  const done = error === undefined;
  const dead = !done && attempts >= OUTBOX.maxAttempts;
  await db
    .updateTable("outbox")
    .set(
      done
        ? { status: "sent", sent_at: nowSeconds(), attempts, lease_owner: null, lease_until: null, last_error: null }
        : {
            status: dead ? "failed" : "pending",
            attempts,
            next_at: t + backoffSeconds(attempts),
            lease_owner: null,
            lease_until: null,
            last_error: String((error as Error)?.message ?? error).slice(0, 500),
          },
    )
    .where("id", "=", id)
    .where("lease_owner", "=", owner)
    .execute();
}

export type SendResult = { sent: number; failed: number };
/** `leaseSeconds` (OUTBOX_LEASE_SECONDS, default 120): how long a claimed row stays this sender's. */
type SenderOptions = { owner: string; transport: MailTransport; origin: string; schoolName: string; from: string; leaseSeconds?: number };

/** One round: claim due e-mail, send each, record the outcome. Returns how many were sent and failed. */
export async function sendDueEmail(db: DB, o: SenderOptions, t = nowSeconds()): Promise<SendResult> {
  const ids = await claimOutbox(db, o.owner, OUTBOX.batch, t, ["email"], o.leaseSeconds);
  if (!ids.length) return { sent: 0, failed: 0 };
  const secret = await mailSecret(db);
  let sent = 0;
  let failed = 0;
  for (const id of ids) {
    const row = await db
      .selectFrom("outbox as x")
      .innerJoin("notifications as n", "n.id", "x.notification_id")
      .select(["x.id", "x.recipient", "x.attempts", "n.user_id", "n.kind", "n.title", "n.body", "n.link", "n.dedupe_key", "n.id as nid"])
      .where("x.id", "=", id)
      .where("x.lease_owner", "=", o.owner)
      .where("x.status", "=", "pending")
      .executeTakeFirst();
    if (!row) continue;
    const kind = row.kind as NotificationKind;
    const origin = o.origin.replace(/\/+$/, "");
    const message = notificationMail({
      from: o.from,
      to: row.recipient,
      schoolName: o.schoolName,
      title: row.title,
      body: row.body,
      link: `${origin}${row.link}`,
      unsubscribeLink: `${origin}/unsubscribe?t=${await unsubscribeToken(db, row.user_id, kind, secret)}`,
      kindLabel: NOTIFICATION_KIND_LABEL[kind] ?? kind,
      key: `n${row.nid}.${row.dedupe_key}`,
      host: new URL(origin).hostname || "localhost",
    });
    let error: unknown;
    try {
      await o.transport.sendMail(message);
      sent++;
    } catch (e) {
      error = e ?? new Error("send failed");
      failed++;
    }
    await recordAttempt(db, id, o.owner, row.attempts + 1, error, t);
  }
  return { sent, failed };
}

/** Counts for the admin pages: e-mail, or the webhook channels. */
export async function outboxSummary(db: DB, channels: readonly OutboxChannel[] = ["email"]) {
  const rows = await db
    .selectFrom("outbox")
    .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
    .where("channel", "in", channels)
    .groupBy("status")
    .execute();
  const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  const lastError = await db
    .selectFrom("outbox")
    .select(["last_error", "next_at"])
    .where("last_error", "is not", null)
    .where("status", "in", ["pending", "failed"])
    .where("channel", "in", channels)
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  return { pending: by.pending ?? 0, sent: by.sent ?? 0, failed: by.failed ?? 0, lastError: lastError?.last_error ?? null };
}

/**
 * Runs the senders' rounds every `intervalMs` until stopped; while a round finds work it runs again at
 * once, so a notice to thousands drains without waiting for the next tick. Rounds never overlap in one
 * process; other processes are kept apart by the leases.
 */
export function startSender(rounds: (() => Promise<SendResult>)[], intervalMs = 5000) {
  let running: Promise<void> | null = null;
  let stopped = false;
  const round = async () => {
    while (!stopped) {
      let worked = 0;
      for (const r of rounds) {
        const x = await r();
        worked += x.sent + x.failed;
      }
      if (worked === 0) break;
    }
  };
  const tick = () => {
    if (running || stopped) return;
    running = round()
      .catch((e) => console.error("outbox sender failed", e))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
