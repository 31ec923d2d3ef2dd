import type { Kysely } from "kysely";

// Frozen. Assignment submissions (思想汇报, 学习心得, 读书报告): one submission per trainee and
// assignment with its draft, every submitted version kept with its attachments, per-trainee
// extensions, per-assignment grading settings (not part of the course files), and similarity flags
// between versions. Files live in the content-addressed store; rows hold only their sha256.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("submissions")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("assignment_id", "integer", (c) => c.notNull().references("assignments.id").onDelete("cascade"))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("status", "text", (c) => c.notNull().defaultTo("draft")) // draft|submitted|late|returned|graded
    .addColumn("current_version", "integer", (c) => c.notNull().defaultTo(0)) // 0 = never submitted
    .addColumn("draft_md", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("draft_seq", "integer", (c) => c.notNull().defaultTo(0)) // an older autosave never overwrites a newer one
    .addColumn("draft_saved_at", "integer")
    .addColumn("raw_score", "real") // as the grader entered it
    .addColumn("penalty_percent", "real") // late penalty applied when graded
    .addColumn("score", "real") // raw_score minus the penalty: what counts
    .addColumn("graded_version", "integer")
    .addColumn("feedback_md", "text")
    .addColumn("graded_by", "integer", (c) => c.references("users.id"))
    .addColumn("graded_at", "integer")
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("updated_at", "integer", (c) => c.notNull())
    .addUniqueConstraint("submissions_assignment_user", ["assignment_id", "user_id"])
    .execute();
  await db.schema.createIndex("submissions_user").on("submissions").column("user_id").execute();

  await db.schema
    .createTable("submission_versions")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("submission_id", "integer", (c) => c.notNull().references("submissions.id").onDelete("cascade"))
    .addColumn("version", "integer", (c) => c.notNull())
    .addColumn("text_md", "text", (c) => c.notNull())
    .addColumn("text_length", "integer", (c) => c.notNull())
    .addColumn("submitted_at", "integer", (c) => c.notNull())
    .addColumn("late", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("minhash", "blob") // 128 × uint32 MinHash signature of the text; null when too short
    .addColumn("returned_comment_md", "text")
    .addColumn("returned_by", "integer", (c) => c.references("users.id"))
    .addColumn("returned_at", "integer")
    .addUniqueConstraint("submission_versions_no", ["submission_id", "version"])
    .execute();

  await db.schema
    .createTable("submission_files")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("submission_id", "integer", (c) => c.notNull().references("submissions.id").onDelete("cascade"))
    .addColumn("version_id", "integer", (c) => c.references("submission_versions.id").onDelete("cascade")) // null = draft
    .addColumn("sha256", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull()) // sanitized for display and download
    .addColumn("type", "text", (c) => c.notNull()) // sniffed: pdf|doc|docx|jpg|png
    .addColumn("size", "integer", (c) => c.notNull())
    .addColumn("created_at", "integer", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("submission_files_submission").on("submission_files").columns(["submission_id", "version_id"]).execute();

  await db.schema
    .createTable("assignment_extensions")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("assignment_id", "integer", (c) => c.notNull().references("assignments.id").onDelete("cascade"))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("due_at", "integer", (c) => c.notNull())
    .addColumn("cutoff_at", "integer", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("granted_by", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("created_at", "integer", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("assignment_extensions_user").on("assignment_extensions").columns(["assignment_id", "user_id"]).execute();

  await db.schema
    .createTable("assignment_settings")
    .addColumn("assignment_id", "integer", (c) => c.primaryKey().references("assignments.id").onDelete("cascade"))
    .addColumn("blind", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("late_penalty_percent", "real", (c) => c.notNull().defaultTo(0))
    .addColumn("similarity_threshold", "real", (c) => c.notNull().defaultTo(0.5))
    .addColumn("released_at", "integer")
    .addColumn("updated_by", "integer", (c) => c.references("users.id"))
    .addColumn("updated_at", "integer", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("similarity_flags")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("assignment_id", "integer", (c) => c.notNull().references("assignments.id").onDelete("cascade"))
    .addColumn("version_a", "integer", (c) => c.notNull().references("submission_versions.id").onDelete("cascade"))
    .addColumn("version_b", "integer", (c) => c.notNull().references("submission_versions.id").onDelete("cascade"))
    .addColumn("score", "real", (c) => c.notNull())
    .addColumn("computed_at", "integer", (c) => c.notNull())
    .addUniqueConstraint("similarity_flags_pair", ["version_a", "version_b"])
    .execute();
  await db.schema.createIndex("similarity_flags_assignment").on("similarity_flags").column("assignment_id").execute();
  await db.schema.createIndex("similarity_flags_b").on("similarity_flags").column("version_b").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["similarity_flags", "assignment_settings", "assignment_extensions", "submission_files", "submission_versions", "submissions"]) {
    await db.schema.dropTable(t).execute();
  }
}
