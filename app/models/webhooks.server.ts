// Group robots (企业微信 / 钉钉) per org unit, for notices. An admin sets one for any unit, a secretary for
// the units of their subtree. A published notice queues one message per robot of a unit inside the
// notice's subtree that holds at least one recipient, in the publishing transaction and through the same
// outbox as e-mail (idempotency key per notice and unit, leases, retries with backoff).
import type { Role, WebhookKind } from "../../db/types.ts";
import { audit } from "~/models/audit.server.ts";
import { governedPath } from "~/models/branch-scope.server.ts";
import { claimOutbox, OUTBOX, recordAttempt, type SendResult } from "~/models/notifications.server.ts";
import { listOrgUnits, withLabels } from "~/models/org.server.ts";
import { inSubtree, now as nowSeconds, writeTransaction, type DB } from "~/utils/db.server.ts";
import { checkWebhookUrl, noticeWebhookText, postWebhook, webhookBody, webhookTarget, type WebhookPoster } from "~/utils/webhook.server.ts";
import { sql } from "kysely";

export class WebhookError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 = 400,
  ) {
    super(message);
  }
}

type Who = { id: number; org_unit_id: number; roles: readonly Role[] };
type Actor = { actorId: number; ip?: string | null };

/** A webhook address as a page may show it: the key reduced to its last four characters. */
function maskWebhookUrl(raw: string): string {
  try {
    const u = new URL(raw);
    for (const [k, v] of u.searchParams) u.searchParams.set(k, v.length > 4 ? `…${v.slice(-4)}` : "…");
    return decodeURIComponent(u.toString());
  } catch {
    return "…";
  }
}

async function scopeOf(db: DB, who: Who): Promise<string> {
  const path = await governedPath(db, { ...who, roles: [...who.roles] });
  if (!path) throw new WebhookError("您没有权限设置群机器人", 403);
  return path;
}

/** The units the viewer governs, in tree order, each with its robot (address masked) or null. */
export async function listUnitWebhooks(db: DB, who: Who) {
  const scope = await scopeOf(db, who);
  const units = withLabels(await listOrgUnits(db)).filter((u) => u.path.startsWith(scope));
  const hooks = await db.selectFrom("org_webhooks").selectAll().execute();
  const byUnit = new Map(hooks.map((h) => [h.org_unit_id, h]));
  return units.map((u) => {
    const h = byUnit.get(u.id);
    return {
      id: u.id,
      name: u.name,
      label: u.fullName,
      depth: u.depth,
      active: u.active === 1,
      webhook: h ? { kind: h.kind, url: maskWebhookUrl(h.url), signed: h.secret !== null, updatedAt: h.updated_at } : null,
    };
  });
}

async function governedUnit(db: DB, who: Who, unitId: number) {
  const scope = await scopeOf(db, who);
  const unit = await db.selectFrom("org_units").select(["id", "path"]).where("id", "=", unitId).executeTakeFirst();
  if (!unit || !unit.path.startsWith(scope)) throw new WebhookError("组织不存在", 404);
  return unit;
}

const SECRET = /^SEC[A-Za-z0-9]{16,120}$/;

/** Sets (or replaces) a unit's robot. A blank 钉钉 secret keeps the one already saved for a 钉钉 robot. */
/** `allowHosts`: the test hosts WEBHOOK_ALLOW_HOSTS admits (context.config.webhookTestHosts). */
export async function setUnitWebhook(
  db: DB,
  who: Who,
  input: { unitId: number; kind: WebhookKind; url: string; secret: string },
  actor: Actor,
  allowHosts: readonly string[] = [],
) {
  const checked = checkWebhookUrl(input.kind, input.url, allowHosts);
  if (!checked.ok) throw new WebhookError(checked.message);
  const secret = input.secret.trim();
  if (secret && input.kind !== "dingtalk") throw new WebhookError("只有钉钉群机器人有加签密钥");
  if (secret && !SECRET.test(secret)) throw new WebhookError("加签密钥应以 SEC 开头，由字母和数字组成（在钉钉机器人的安全设置中复制）");
  await writeTransaction(db, async (trx) => {
    const unit = await governedUnit(trx, who, input.unitId);
    const before = await trx.selectFrom("org_webhooks").select(["kind", "secret"]).where("org_unit_id", "=", unit.id).executeTakeFirst();
    const kept = !secret && input.kind === "dingtalk" && before?.kind === "dingtalk" ? before.secret : null;
    const row = { kind: input.kind, url: checked.url.toString(), secret: secret || kept, updated_by: actor.actorId, updated_at: nowSeconds() };
    await trx
      .insertInto("org_webhooks")
      .values({ org_unit_id: unit.id, ...row })
      .onConflict((oc) => oc.column("org_unit_id").doUpdateSet(row))
      .execute();
    // The key in the address is a credential: the audit names the unit, the kind and the host only.
    await audit(trx, {
      ...actor,
      action: "webhook.set",
      targetType: "org_unit",
      targetId: unit.id,
      detail: { kind: input.kind, host: checked.url.host, signed: !!row.secret },
    });
  });
}

export async function removeUnitWebhook(db: DB, who: Who, unitId: number, actor: Actor) {
  await writeTransaction(db, async (trx) => {
    const unit = await governedUnit(trx, who, unitId);
    const res = await trx.deleteFrom("org_webhooks").where("org_unit_id", "=", unit.id).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) throw new WebhookError("该组织没有设置群机器人");
    await audit(trx, { ...actor, action: "webhook.remove", targetType: "org_unit", targetId: unit.id });
  });
}

type NoticeForRobots = { id: number; title: string; bodyMd: string; requiresAck: boolean };

/**
 * Inside the publishing transaction: one outbox row per robot of an active unit inside `subtree` that
 * holds at least one of the notice's recipients. The key names the notice and the unit, so a replay adds nothing.
 */
export async function queueNoticeWebhooks(trx: DB, notice: NoticeForRobots, subtree: string, t = nowSeconds()): Promise<number> {
  const hooks = await trx
    .selectFrom("org_webhooks as w")
    .innerJoin("org_units as o", "o.id", "w.org_unit_id")
    .select(["w.org_unit_id", "w.kind"])
    .where("o.active", "=", 1)
    .where(inSubtree("o.path", subtree))
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom("notice_recipients as r")
          .innerJoin("users as u", "u.id", "r.user_id")
          .innerJoin("org_units as uo", "uo.id", "u.org_unit_id")
          .select("r.user_id")
          .where("r.notice_id", "=", notice.id)
          .where(sql<boolean>`uo.path like o.path || '%'`),
      ),
    )
    .execute();
  if (!hooks.length) return 0;
  const payload = JSON.stringify({ title: notice.title, bodyMd: notice.bodyMd, requiresAck: notice.requiresAck, link: `/notices/${notice.id}` });
  const rows = await trx
    .insertInto("outbox")
    .values(
      hooks.map((h) => ({
        notification_id: null,
        dedupe_key: `notice:${notice.id}:webhook:${h.org_unit_id}`,
        channel: h.kind,
        recipient: String(h.org_unit_id),
        payload,
        status: "pending" as const,
        next_at: t,
        created_at: t,
      })),
    )
    .onConflict((oc) => oc.column("dedupe_key").doNothing())
    .returning("id")
    .execute();
  return rows.length;
}

type WebhookSenderOptions = {
  owner: string;
  origin: string;
  schoolName: string;
  post?: WebhookPoster;
  leaseSeconds?: number;
  allowHosts?: readonly string[];
};

/** One round: claim due webhook messages, send each to its unit's robot as configured now, record the outcome. */
export async function sendDueWebhooks(db: DB, o: WebhookSenderOptions, t = nowSeconds()): Promise<SendResult> {
  const ids = await claimOutbox(db, o.owner, OUTBOX.batch, t, ["wecom", "dingtalk"], o.leaseSeconds);
  const post = o.post ?? postWebhook;
  let sent = 0;
  let failed = 0;
  for (const id of ids) {
    const row = await db
      .selectFrom("outbox as x")
      .leftJoin("org_webhooks as w", (j) => j.on(sql`cast(x.recipient as integer)`, "=", sql.ref("w.org_unit_id")))
      .select(["x.attempts", "x.payload", "w.kind", "w.url", "w.secret"])
      .where("x.id", "=", id)
      .where("x.lease_owner", "=", o.owner)
      .where("x.status", "=", "pending")
      .executeTakeFirst();
    if (!row) continue;
    let attempts = row.attempts + 1;
    let error: unknown;
    const checked = row.kind && row.url ? checkWebhookUrl(row.kind, row.url, o.allowHosts ?? []) : null;
    if (!checked || !checked.ok || !row.kind) {
      // Removed, or no longer an address we may call: give up at once rather than retry.
      error = new Error(checked && !checked.ok ? checked.message : "该组织已不再设置群机器人");
      attempts = Math.max(attempts, OUTBOX.maxAttempts);
    } else {
      const m = JSON.parse(row.payload ?? "{}") as { title: string; bodyMd: string; requiresAck: boolean; link: string };
      const message = noticeWebhookText({ ...m, link: `${o.origin.replace(/\/+$/, "")}${m.link}`, schoolName: o.schoolName });
      try {
        await post(webhookTarget(checked.url, row.kind === "dingtalk" ? row.secret : null, Date.now()), webhookBody(row.kind, message));
      } catch (e) {
        error = e ?? new Error("send failed");
      }
    }
    if (error === undefined) sent++;
    else failed++;
    await recordAttempt(db, id, o.owner, attempts, error, t);
  }
  return { sent, failed };
}
