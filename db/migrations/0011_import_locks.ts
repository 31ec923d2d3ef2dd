import type { Kysely } from "kysely";

// Frozen. One import per user at a time: a row while a user's course import runs (the key says which
// kind of import), so a second instance sees it too; a row older than its expiry is a leftover of a
// stopped server and may be taken over.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("import_locks")
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("started_at", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("import_locks_pk", ["user_id", "kind"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("import_locks").execute();
}
