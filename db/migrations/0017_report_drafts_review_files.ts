import type { Kysely } from "kysely";

// Frozen. 思想汇报 drafts are autosaved with the browser's sequence number (an older save never
// overwrites a newer one), and a 考察意见 may carry attachments: they are rows of thought_report_files
// with the review they belong to (null: the trainee's own attachment), so one download route and one
// visibility rule serve both.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("thought_reports")
    .addColumn("draft_seq", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable("thought_report_files")
    .addColumn("review_id", "integer", (c) => c.references("thought_report_reviews.id").onDelete("cascade"))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("thought_report_files").dropColumn("review_id").execute();
  await db.schema.alterTable("thought_reports").dropColumn("draft_seq").execute();
}
