import type { Kysely } from "kysely";

// Frozen. Interaction: course Q&A (答疑), notices (通知公告) with recipients, read receipts and versions,
// an inbox of notifications with per-kind e-mail preferences, a durable e-mail outbox with leases,
// leases for scheduled jobs, and small settings (the answer-time limit, the unsubscribe key).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("app_settings")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("updated_by", "integer", (c) => c.references("users.id"))
    .addColumn("updated_at", "integer", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("course_questions")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("course_id", "integer", (c) => c.notNull().references("courses.id"))
    .addColumn("lesson_id", "integer", (c) => c.references("lessons.id"))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("body_md", "text", (c) => c.notNull())
    .addColumn("image_sha256", "text")
    .addColumn("image_type", "text") // jpg | png
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("answer_md", "text")
    .addColumn("answered_by", "integer", (c) => c.references("users.id"))
    .addColumn("answered_at", "integer")
    .addColumn("public", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("hidden", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("hidden_by", "integer", (c) => c.references("users.id"))
    .addColumn("hidden_at", "integer")
    .execute();
  await db.schema.createIndex("course_questions_course").on("course_questions").columns(["course_id", "answered_at"]).execute();
  await db.schema.createIndex("course_questions_user").on("course_questions").columns(["user_id", "created_at"]).execute();

  await db.schema
    .createTable("notices")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("body_md", "text", (c) => c.notNull())
    .addColumn("audience_kind", "text", (c) => c.notNull()) // org | class | stage
    .addColumn("org_unit_id", "integer", (c) => c.references("org_units.id")) // org: the subtree; stage: the scope
    .addColumn("class_id", "integer", (c) => c.references("training_classes.id"))
    .addColumn("stage", "text")
    .addColumn("requires_ack", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("published_by", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("published_at", "integer", (c) => c.notNull())
    .addColumn("updated_at", "integer", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("notice_versions")
    .addColumn("notice_id", "integer", (c) => c.notNull().references("notices.id"))
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("body_md", "text", (c) => c.notNull())
    .addColumn("edited_by", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("edited_at", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("notice_versions_pk", ["notice_id", "version"])
    .execute();
  await db.schema
    .createTable("notice_files")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("notice_id", "integer", (c) => c.notNull().references("notices.id"))
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("notice_recipients")
    .addColumn("notice_id", "integer", (c) => c.notNull().references("notices.id"))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("read_at", "integer")
    .addColumn("acked_at", "integer")
    .addPrimaryKeyConstraint("notice_recipients_pk", ["notice_id", "user_id"])
    .execute();
  await db.schema.createIndex("notice_recipients_user").on("notice_recipients").columns(["user_id", "notice_id"]).execute();

  await db.schema
    .createTable("notifications")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("link", "text", (c) => c.notNull())
    .addColumn("dedupe_key", "text", (c) => c.notNull())
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("read_at", "integer")
    .addUniqueConstraint("notifications_once", ["user_id", "dedupe_key"])
    .execute();
  await db.schema.createIndex("notifications_inbox").on("notifications").columns(["user_id", "read_at", "id"]).execute();
  await db.schema
    .createTable("notification_prefs")
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("email", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("notification_prefs_pk", ["user_id", "kind"])
    .execute();
  await db.schema
    .createTable("outbox")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("notification_id", "integer", (c) => c.notNull().unique().references("notifications.id"))
    .addColumn("channel", "text", (c) => c.notNull()) // email
    .addColumn("recipient", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull()) // pending | sent | failed
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_at", "integer", (c) => c.notNull())
    .addColumn("lease_owner", "text")
    .addColumn("lease_until", "integer")
    .addColumn("last_error", "text")
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("sent_at", "integer")
    .execute();
  await db.schema.createIndex("outbox_due").on("outbox").columns(["status", "next_at"]).execute();
  await db.schema
    .createTable("job_leases")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("owner", "text", (c) => c.notNull())
    .addColumn("until", "integer", (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    "job_leases",
    "outbox",
    "notification_prefs",
    "notifications",
    "notice_recipients",
    "notice_files",
    "notice_versions",
    "notices",
    "course_questions",
    "app_settings",
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
