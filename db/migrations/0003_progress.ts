import type { Kysely } from "kysely";

// Frozen. Server-verified progress: video length known to the server, beat bookkeeping, the one
// lesson a trainee is earning time on, and offline 学时 credited by instructors or secretaries.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("lessons").addColumn("video_duration", "real").execute();
  await db.schema.alterTable("lesson_progress").addColumn("last_beat_at", "integer").execute();
  await db.schema
    .alterTable("lesson_progress")
    .addColumn("read_seconds", "real", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable("lesson_progress").addColumn("check_after", "real").execute();
  await db.schema
    .alterTable("lesson_progress")
    .addColumn("check_pending", "integer", (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable("learning_presence")
    .addColumn("user_id", "integer", (c) => c.primaryKey().references("users.id").onDelete("cascade"))
    .addColumn("lesson_id", "integer", (c) => c.notNull().references("lessons.id"))
    .addColumn("tab_id", "text", (c) => c.notNull())
    .addColumn("last_seen", "integer", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("offline_hours")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("course_id", "integer", (c) => c.references("courses.id"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("hours", "real", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("activity_date", "text", (c) => c.notNull())
    .addColumn("credited_by", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("created_at", "integer", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("offline_hours_user").on("offline_hours").column("user_id").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("offline_hours").execute();
  await db.schema.dropTable("learning_presence").execute();
  await db.schema.alterTable("lesson_progress").dropColumn("check_pending").execute();
  await db.schema.alterTable("lesson_progress").dropColumn("check_after").execute();
  await db.schema.alterTable("lesson_progress").dropColumn("read_seconds").execute();
  await db.schema.alterTable("lesson_progress").dropColumn("last_beat_at").execute();
  await db.schema.alterTable("lessons").dropColumn("video_duration").execute();
}
