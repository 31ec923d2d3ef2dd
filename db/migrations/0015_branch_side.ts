import type { Kysely } from "kysely";

// Frozen. The branch's side of training: 培养联系人 assigned to trainees (history kept by end dates),
// stage changes as dated branch decisions (the current stage is the latest one not withdrawn),
// the 思想汇报 rhythm a unit sets per stage for its subtree, and 思想汇报 written outside courses with
// their 考察意见. Dates a branch decided are YYYY-MM-DD text (a day, not an instant).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("liaison_assignments")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("trainee_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("liaison_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("start_on", "text", (c) => c.notNull())
    .addColumn("end_on", "text") // null while current
    .addColumn("assigned_by", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("ended_by", "integer", (c) => c.references("users.id"))
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("ended_at", "integer")
    .execute();
  await db.schema.createIndex("liaison_assignments_trainee").on("liaison_assignments").columns(["trainee_id", "end_on"]).execute();
  await db.schema.createIndex("liaison_assignments_liaison").on("liaison_assignments").columns(["liaison_id", "end_on"]).execute();

  await db.schema
    .createTable("stage_events")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("stage", "text", (c) => c.notNull())
    .addColumn("decided_on", "text", (c) => c.notNull())
    .addColumn("note", "text")
    .addColumn("entered_by", "integer", (c) => c.references("users.id")) // null: roster import without an actor
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("withdrawn_by", "integer", (c) => c.references("users.id"))
    .addColumn("withdrawn_at", "integer")
    .execute();
  await db.schema.createIndex("stage_events_user").on("stage_events").columns(["user_id", "decided_on"]).execute();

  await db.schema
    .createTable("report_rhythms")
    .addColumn("org_unit_id", "integer", (c) => c.notNull().references("org_units.id").onDelete("cascade"))
    .addColumn("stage", "text", (c) => c.notNull())
    .addColumn("period_months", "integer", (c) => c.notNull()) // 0 = no rhythm for this stage
    .addColumn("min_count", "integer", (c) => c.notNull())
    .addColumn("updated_by", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("updated_at", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("report_rhythms_pk", ["org_unit_id", "stage"])
    .execute();

  await db.schema
    .createTable("thought_reports")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("draft")) // draft|submitted|returned|reviewed
    .addColumn("draft_md", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("text_md", "text") // the submitted text
    .addColumn("stage", "text") // the stage the trainee was in when submitting
    .addColumn("submitted_at", "integer")
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("updated_at", "integer", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("thought_reports_user").on("thought_reports").columns(["user_id", "submitted_at"]).execute();

  await db.schema
    .createTable("thought_report_files")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("report_id", "integer", (c) => c.notNull().references("thought_reports.id").onDelete("cascade"))
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("created_at", "integer", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("thought_report_files_report").on("thought_report_files").column("report_id").execute();

  await db.schema
    .createTable("thought_report_reviews")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("report_id", "integer", (c) => c.notNull().references("thought_reports.id").onDelete("cascade"))
    .addColumn("reviewer_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("kind", "text", (c) => c.notNull()) // opinion (考察意见) | return (退回)
    .addColumn("body_md", "text", (c) => c.notNull())
    .addColumn("reviewed_on", "text", (c) => c.notNull())
    .addColumn("created_at", "integer", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("thought_report_reviews_report").on("thought_report_reviews").column("report_id").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["thought_report_reviews", "thought_report_files", "thought_reports", "report_rhythms", "stage_events", "liaison_assignments"]) {
    await db.schema.dropTable(t).execute();
  }
}
