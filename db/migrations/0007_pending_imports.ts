import type { Kysely } from "kysely";

// Frozen. Question-bank imports waiting for the instructor's confirmation: the uploaded file stays in
// the content-addressed store and is parsed again on confirm; this row proves who uploaded it, for
// which course and into which bank.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("pending_imports")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("course_slug", "text", (c) => c.notNull())
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("file_name", "text", (c) => c.notNull())
    .addColumn("bank_key", "text", (c) => c.notNull())
    .addColumn("bank_title", "text")
    .addColumn("created_at", "integer", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("pending_imports_owner").on("pending_imports").columns(["user_id", "course_slug", "sha256"]).execute();
  await db.schema.createIndex("pending_imports_created").on("pending_imports").column("created_at").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("pending_imports").execute();
}
