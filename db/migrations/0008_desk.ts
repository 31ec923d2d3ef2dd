import type { Kysely } from "kysely";

// Frozen. The organization department's desk: roster imports waiting for the admin's confirmation
// (the uploaded file stays in the content-addressed store and is parsed again on confirm; this row
// proves who uploaded it), and indexes for filtering the audit log by actor and by action.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("roster_imports")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("file_name", "text", (c) => c.notNull())
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addUniqueConstraint("roster_imports_owner_file", ["user_id", "sha256"])
    .execute();
  await db.schema.createIndex("roster_imports_created").on("roster_imports").column("created_at").execute();
  await db.schema.createIndex("audit_log_actor").on("audit_log").columns(["actor_id", "id"]).execute();
  await db.schema.createIndex("audit_log_action").on("audit_log").columns(["action", "id"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("audit_log_action").execute();
  await db.schema.dropIndex("audit_log_actor").execute();
  await db.schema.dropTable("roster_imports").execute();
}
