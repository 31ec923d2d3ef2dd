// 通知公告: the 组织部 (everywhere) and secretaries (their subtree) publish notices to an org subtree, a
// training class or the members of one stage. Recipients are fixed at publishing (one row each), so
// "who has read it" is a plain query; opening records a read, a 需确认 notice also asks for 已阅.
// Editing after publishing writes a new version and keeps the earlier ones.
import { audit } from "~/models/audit.server.ts";
import { notify, type NotifyOptions } from "~/models/notifications.server.ts";
import { withLabels } from "~/models/org.server.ts";
import { queueNoticeWebhooks } from "~/models/webhooks.server.ts";
import { inSubtree, now as nowSeconds, writeTransaction, type DB } from "~/utils/db.server.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";
import type { AcceptedFile } from "~/utils/uploads.server.ts";
import type { NoticeAudience, Role, Stage } from "../../db/types.ts";
import { pathInSubtree } from "~/utils/org-path.ts";

export class NoticeError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 = 400,
    /** The form field at fault, when there is one. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const NOTICE_LIMITS = { titleChars: 100, bodyChars: 20_000, files: 5, fileBytes: 20 * 1024 * 1024 };

type Publisher = { id: number; org_unit_id: number; roles: readonly Role[] };

/** The subtree a publisher may address: the whole tree for admins, their unit's subtree for secretaries; null for anyone else. */
export async function publishScope(db: DB, who: Publisher): Promise<string | null> {
  if (who.roles.includes("admin")) return "/";
  if (!who.roles.includes("secretary")) return null;
  return (await db.selectFrom("org_units").select("path").where("id", "=", who.org_unit_id).executeTakeFirst())?.path ?? null;
}

/** What the form offers: the units under the publisher's scope, and the classes with members there. */
export async function publishChoices(db: DB, who: Publisher) {
  const scope = await publishScope(db, who);
  if (!scope) throw new NoticeError("您没有发布通知的权限", 403);
  const units = await db.selectFrom("org_units").selectAll().where("active", "=", 1).execute();
  const classes = await db
    .selectFrom("training_classes as k")
    .select(["k.id", "k.name", "k.term"])
    .where(
      "k.id",
      "in",
      db
        .selectFrom("class_members as m")
        .innerJoin("users as u", "u.id", "m.user_id")
        .innerJoin("org_units as o", "o.id", "u.org_unit_id")
        .select("m.class_id")
        .where(scopeFilter(scope)),
    )
    .orderBy("k.id", "desc")
    .limit(200)
    .execute();
  return {
    units: withLabels(units)
      .filter((u) => pathInSubtree(u.path, scope))
      .map((u) => ({ id: u.id, label: u.fullName })),
    classes: classes.map((c) => ({ id: c.id, label: `${c.name}（第 ${c.term} 期）` })),
  };
}

const scopeFilter = (scope: string) => inSubtree("o.path", scope);

type NoticeInput = {
  title: string;
  bodyMd: string;
  audience: NoticeAudience;
  orgUnitId?: number | null;
  classId?: number | null;
  stage?: Stage | null;
  requiresAck: boolean;
  files: AcceptedFile[];
};

/** The recipients' ids: active accounts in the audience, inside the publisher's scope, but not the publisher. */
async function recipientsOf(
  db: DB,
  input: NoticeInput,
  scope: string,
  publisherId: number,
): Promise<{ ids: number[]; unitId: number | null; subtree: string }> {
  let q = db.selectFrom("users as u").innerJoin("org_units as o", "o.id", "u.org_unit_id").select("u.id").where("u.active", "=", 1).where(scopeFilter(scope));
  let unitId: number | null = null;
  let subtree = scope;
  if (input.audience === "org" || input.audience === "stage") {
    if (input.orgUnitId) {
      const unit = await db.selectFrom("org_units").select(["id", "path"]).where("id", "=", input.orgUnitId).executeTakeFirst();
      if (!unit || !pathInSubtree(unit.path, scope)) throw new NoticeError("所选组织不在您的管理范围内", 400, "orgUnitId");
      q = q.where(inSubtree("o.path", unit.path));
      unitId = unit.id;
      subtree = unit.path;
    } else if (input.audience === "org") throw new NoticeError("请选择接收的组织", 400, "orgUnitId");
    if (input.audience === "stage") {
      if (!input.stage) throw new NoticeError("请选择发展阶段", 400, "stage");
      q = q.where("u.stage", "=", input.stage);
    }
  } else {
    if (!input.classId) throw new NoticeError("请选择培训班", 400, "classId");
    q = q.where("u.id", "in", db.selectFrom("class_members").select("user_id").where("class_id", "=", input.classId));
  }
  const ids = (await q.execute()).map((r) => r.id).filter((id) => id !== publisherId);
  return { ids, unitId, subtree };
}

function checkText(title: string, body: string) {
  if (!title.trim()) throw new NoticeError("请填写标题", 400, "title");
  if (title.length > NOTICE_LIMITS.titleChars) throw new NoticeError(`标题不能超过 ${NOTICE_LIMITS.titleChars} 个字`, 400, "title");
  if (!body.trim()) throw new NoticeError("请填写正文", 400, "body");
  if (body.length > NOTICE_LIMITS.bodyChars) throw new NoticeError(`正文不能超过 ${NOTICE_LIMITS.bodyChars} 个字`, 400, "body");
}

/** Publishes a notice: the notice, its first version, attachments, recipients and their notifications in one transaction. */
export async function publishNotice(db: DB, input: NoticeInput, who: Publisher, opts: NotifyOptions & { ip?: string | null } = {}) {
  const t = opts.t ?? nowSeconds();
  checkText(input.title, input.bodyMd);
  return writeTransaction(db, async (trx) => {
    const scope = await publishScope(trx, who);
    if (!scope) throw new NoticeError("您没有发布通知的权限", 403);
    const { ids, unitId, subtree } = await recipientsOf(trx, input, scope, who.id);
    if (!ids.length) throw new NoticeError("所选范围内没有可接收通知的人员", 400, "audience");
    const notice = await trx
      .insertInto("notices")
      .values({
        title: input.title.trim(),
        body_md: input.bodyMd,
        audience_kind: input.audience,
        org_unit_id: unitId,
        class_id: input.audience === "class" ? input.classId! : null,
        stage: input.audience === "stage" ? input.stage! : null,
        requires_ack: input.requiresAck ? 1 : 0,
        published_by: who.id,
        published_at: t,
        updated_at: t,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("notice_versions")
      .values({ notice_id: notice.id, version: 1, title: input.title.trim(), body_md: input.bodyMd, edited_by: who.id, edited_at: t })
      .execute();
    if (input.files.length)
      await trx
        .insertInto("notice_files")
        .values(input.files.map((f) => ({ notice_id: notice.id, sha256: f.sha256, name: f.name, type: f.type, size: f.size })))
        .execute();
    for (let i = 0; i < ids.length; i += 2000) {
      await trx
        .insertInto("notice_recipients")
        .values(ids.slice(i, i + 2000).map((user_id) => ({ notice_id: notice.id, user_id, read_at: null, acked_at: null })))
        .execute();
    }
    await notify(
      trx,
      ids.map((userId) => ({
        userId,
        kind: "notice_published" as const,
        title: `${input.requiresAck ? "【需确认】" : ""}${input.title.trim()}`,
        body: input.bodyMd.slice(0, 300),
        link: `/notices/${notice.id}`,
        key: `notice:${notice.id}`,
      })),
      { t, email: opts.email },
    );
    // The group robots of the units inside the notice's subtree that hold recipients (a class: the publisher's scope).
    await queueNoticeWebhooks(trx, { id: notice.id, title: input.title.trim(), bodyMd: input.bodyMd, requiresAck: input.requiresAck }, subtree, t);
    await audit(trx, {
      actorId: who.id,
      action: "notice.publish",
      targetType: "notice",
      targetId: notice.id,
      detail: { audience: input.audience, recipients: ids.length, requiresAck: input.requiresAck },
      ip: opts.ip,
    });
    return { id: notice.id, recipients: ids.length };
  });
}

/** The publisher and admins manage a notice (edit it, see who read it). */
export async function noticeForManager(db: DB, id: number, who: Publisher) {
  const notice = await db.selectFrom("notices").selectAll().where("id", "=", id).executeTakeFirst();
  if (!notice || !(who.roles.includes("admin") || notice.published_by === who.id)) throw new NoticeError("通知不存在", 404);
  return notice;
}

export async function editNotice(db: DB, id: number, input: { title: string; bodyMd: string }, who: Publisher, ip?: string | null, t = nowSeconds()) {
  checkText(input.title, input.bodyMd);
  await writeTransaction(db, async (trx) => {
    const notice = await noticeForManager(trx, id, who);
    if (notice.title === input.title.trim() && notice.body_md === input.bodyMd) return;
    const version = notice.version + 1;
    await trx
      .insertInto("notice_versions")
      .values({ notice_id: id, version, title: input.title.trim(), body_md: input.bodyMd, edited_by: who.id, edited_at: t })
      .execute();
    await trx.updateTable("notices").set({ title: input.title.trim(), body_md: input.bodyMd, version, updated_at: t }).where("id", "=", id).execute();
    await audit(trx, { actorId: who.id, action: "notice.edit", targetType: "notice", targetId: id, detail: { version }, ip });
  });
}

export async function noticeVersions(db: DB, id: number) {
  return db
    .selectFrom("notice_versions as v")
    .innerJoin("users as u", "u.id", "v.edited_by")
    .select(["v.version", "v.title", "v.body_md", "v.edited_at", "u.name as editor"])
    .where("v.notice_id", "=", id)
    .orderBy("v.version", "desc")
    .execute();
}

/** A person's notices, newest first, with whether they have read (and, where asked, confirmed) each. */
export async function noticesFor(db: DB, userId: number, limit = 100) {
  return db
    .selectFrom("notice_recipients as r")
    .innerJoin("notices as n", "n.id", "r.notice_id")
    .select(["n.id", "n.title", "n.published_at", "n.updated_at", "n.version", "n.requires_ack", "r.read_at", "r.acked_at"])
    .where("r.user_id", "=", userId)
    .orderBy("n.id", "desc")
    .limit(limit)
    .execute();
}

/** Notices still needing the person's attention: unread, or 需确认 and not yet confirmed. */
export async function pendingNotices(db: DB, userId: number) {
  return (await noticesFor(db, userId, 50)).filter((n) => n.read_at === null || (n.requires_ack === 1 && n.acked_at === null));
}

/**
 * One notice for a viewer: a recipient (opening it records the read), or its manager. Anyone else: 404.
 */
export async function openNotice(db: DB, id: number, who: Publisher, t = nowSeconds()) {
  const notice = await db
    .selectFrom("notices as n")
    .innerJoin("users as u", "u.id", "n.published_by")
    .selectAll("n")
    .select("u.name as publisher")
    .where("n.id", "=", id)
    .executeTakeFirst();
  if (!notice) throw new NoticeError("通知不存在", 404);
  const receipt = await db
    .selectFrom("notice_recipients")
    .select(["read_at", "acked_at"])
    .where("notice_id", "=", id)
    .where("user_id", "=", who.id)
    .executeTakeFirst();
  const manages = who.roles.includes("admin") || notice.published_by === who.id;
  if (!receipt && !manages) throw new NoticeError("通知不存在", 404);
  if (receipt && receipt.read_at === null) {
    await db
      .updateTable("notice_recipients")
      .set({ read_at: t })
      .where("notice_id", "=", id)
      .where("user_id", "=", who.id)
      .where("read_at", "is", null)
      .execute();
    // Reading the notice also reads its notification.
    await db
      .updateTable("notifications")
      .set({ read_at: t })
      .where("user_id", "=", who.id)
      .where("dedupe_key", "=", `notice:${id}`)
      .where("read_at", "is", null)
      .execute();
  }
  const files = await db.selectFrom("notice_files").select(["id", "name", "size", "type"]).where("notice_id", "=", id).orderBy("id").execute();
  return { notice, files, receipt: receipt ? { read_at: receipt.read_at ?? t, acked_at: receipt.acked_at } : null, manages };
}

/** 已阅: a recipient confirms a 需确认 notice (idempotent: the first time counts). */
export async function ackNotice(db: DB, id: number, userId: number, t = nowSeconds()) {
  const res = await db
    .updateTable("notice_recipients")
    .set((eb) => ({ acked_at: t, read_at: eb.fn.coalesce("read_at", eb.val(t)) }))
    .where("notice_id", "=", id)
    .where("user_id", "=", userId)
    .where("acked_at", "is", null)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) {
    const exists = await db.selectFrom("notice_recipients").select("acked_at").where("notice_id", "=", id).where("user_id", "=", userId).executeTakeFirst();
    if (!exists) throw new NoticeError("通知不存在", 404);
  }
}

export async function noticeFileFor(db: DB, noticeId: number, fileId: number, who: Publisher) {
  await openNoticeAccess(db, noticeId, who);
  return db.selectFrom("notice_files").selectAll().where("id", "=", fileId).where("notice_id", "=", noticeId).executeTakeFirst();
}

async function openNoticeAccess(db: DB, id: number, who: Publisher) {
  const n = await db.selectFrom("notices").select("published_by").where("id", "=", id).executeTakeFirst();
  const recipient = await db.selectFrom("notice_recipients").select("user_id").where("notice_id", "=", id).where("user_id", "=", who.id).executeTakeFirst();
  if (!n || !(recipient || who.roles.includes("admin") || n.published_by === who.id)) throw new NoticeError("通知不存在", 404);
}

/** Who has and has not read (and confirmed), per branch, for the notice's manager. */
export async function readReport(db: DB, id: number, who: Publisher) {
  const notice = await noticeForManager(db, id, who);
  const rows = await db
    .selectFrom("notice_recipients as r")
    .innerJoin("users as u", "u.id", "r.user_id")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .select(["u.id", "u.username", "u.name", "u.stage", "o.id as unit_id", "o.path", "r.read_at", "r.acked_at"])
    .where("r.notice_id", "=", id)
    .orderBy("o.path")
    .orderBy("u.username")
    .execute();
  const units = withLabels(await db.selectFrom("org_units").selectAll().execute());
  const unitName = new Map(units.map((u) => [u.id, u.fullName]));
  const done = (r: (typeof rows)[number]) => (notice.requires_ack ? r.acked_at !== null : r.read_at !== null);
  const branches = new Map<number, { unit: string; total: number; read: number; acked: number; done: number }>();
  for (const r of rows) {
    const b = branches.get(r.unit_id) ?? { unit: unitName.get(r.unit_id) ?? "", total: 0, read: 0, acked: 0, done: 0 };
    b.total++;
    if (r.read_at !== null) b.read++;
    if (r.acked_at !== null) b.acked++;
    if (done(r)) b.done++;
    branches.set(r.unit_id, b);
  }
  return {
    notice,
    people: rows.map((r) => ({ ...r, unit: unitName.get(r.unit_id) ?? "", stageLabel: STAGE_LABEL[r.stage], done: done(r) })),
    branches: [...branches.values()],
    totals: { total: rows.length, read: rows.filter((r) => r.read_at !== null).length, acked: rows.filter((r) => r.acked_at !== null).length },
  };
}

/** Notices the viewer manages, newest first, with read counts. */
export async function managedNotices(db: DB, who: Publisher) {
  let q = db
    .selectFrom("notices as n")
    .innerJoin("users as u", "u.id", "n.published_by")
    .select((eb) => [
      "n.id",
      "n.title",
      "n.published_at",
      "n.requires_ack",
      "n.version",
      "u.name as publisher",
      eb.selectFrom("notice_recipients as r").select(eb.fn.countAll<number>().as("c")).whereRef("r.notice_id", "=", "n.id").as("total"),
      eb
        .selectFrom("notice_recipients as r")
        .select(eb.fn.countAll<number>().as("c"))
        .whereRef("r.notice_id", "=", "n.id")
        .where("r.read_at", "is not", null)
        .as("read"),
      eb
        .selectFrom("notice_recipients as r")
        .select(eb.fn.countAll<number>().as("c"))
        .whereRef("r.notice_id", "=", "n.id")
        .where("r.acked_at", "is not", null)
        .as("acked"),
    ])
    .orderBy("n.id", "desc")
    .limit(200);
  if (!who.roles.includes("admin")) q = q.where("n.published_by", "=", who.id);
  return q.execute();
}
