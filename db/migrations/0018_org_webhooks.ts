import { sql, type Kysely } from "kysely";

// Frozen. Group-robot webhooks (企业微信 / 钉钉) per org unit, and the outbox opened to them: a row is
// either an e-mail of one notification (notification_id) or a webhook message (its JSON in payload),
// each with a unique idempotency key. SQLite cannot drop a NOT NULL, so the outbox is rebuilt.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("org_webhooks")
    .addColumn("org_unit_id", "integer", (c) => c.primaryKey().references("org_units.id"))
    .addColumn("kind", "text", (c) => c.notNull()) // wecom | dingtalk
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("secret", "text") // 钉钉 加签 secret, optional
    .addColumn("updated_by", "integer", (c) => c.references("users.id"))
    .addColumn("updated_at", "integer", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("outbox_next")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("notification_id", "integer", (c) => c.unique().references("notifications.id"))
    .addColumn("dedupe_key", "text", (c) => c.notNull().unique())
    .addColumn("channel", "text", (c) => c.notNull()) // email | wecom | dingtalk
    .addColumn("recipient", "text", (c) => c.notNull()) // an address, or the webhook's org unit id
    .addColumn("payload", "text") // webhook: the message as JSON
    .addColumn("status", "text", (c) => c.notNull()) // pending | sent | failed
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_at", "integer", (c) => c.notNull())
    .addColumn("lease_owner", "text")
    .addColumn("lease_until", "integer")
    .addColumn("last_error", "text")
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("sent_at", "integer")
    .execute();
  await sql`insert into outbox_next (id, notification_id, dedupe_key, channel, recipient, payload, status, attempts, next_at, lease_owner, lease_until, last_error, created_at, sent_at)
    select id, notification_id, 'email:' || notification_id, channel, recipient, null, status, attempts, next_at, lease_owner, lease_until, last_error, created_at, sent_at from outbox`.execute(
    db,
  );
  await db.schema.dropTable("outbox").execute();
  await db.schema.alterTable("outbox_next").renameTo("outbox").execute();
  await db.schema.createIndex("outbox_due").on("outbox").columns(["status", "next_at"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom("outbox").where("notification_id", "is", null).execute();
  await db.schema
    .createTable("outbox_prev")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("notification_id", "integer", (c) => c.notNull().unique().references("notifications.id"))
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("recipient", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_at", "integer", (c) => c.notNull())
    .addColumn("lease_owner", "text")
    .addColumn("lease_until", "integer")
    .addColumn("last_error", "text")
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("sent_at", "integer")
    .execute();
  await sql`insert into outbox_prev select id, notification_id, channel, recipient, status, attempts, next_at, lease_owner, lease_until, last_error, created_at, sent_at from outbox`.execute(
    db,
  );
  await db.schema.dropTable("outbox").execute();
  await db.schema.alterTable("outbox_prev").renameTo("outbox").execute();
  await db.schema.createIndex("outbox_due").on("outbox").columns(["status", "next_at"]).execute();
  await db.schema.dropTable("org_webhooks").execute();
}
