import type { Kysely } from "kysely";

// Frozen. The courses root a file course was last synced from (an absolute path), so that a sync of
// one root never archives the courses of another. Null for rows synced before this column existed.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("courses").addColumn("source_root", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("courses").dropColumn("source_root").execute();
}
