import { sql, type Kysely } from "kysely";

// Frozen. Exam attempts: the paper drawn for each attempt (the exact question versions, options in the
// order that trainee saw them), the saved answers with their sequence numbers and grading, and
// per-trainee overrides (extra minutes, extra attempts). Deadlines are stored on the attempt at start.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("exam_attempts")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("exam_id", "integer", (c) => c.notNull().references("exams.id"))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("attempt_no", "integer", (c) => c.notNull())
    .addColumn("started_at", "integer", (c) => c.notNull())
    // min(started_at + duration (+ extra), closes (+ extra)), fixed at start
    .addColumn("deadline_at", "integer", (c) => c.notNull())
    .addColumn("grace_seconds", "integer", (c) => c.notNull())
    .addColumn("submitted_at", "integer")
    .addColumn("finalized_by", "text") // user | deadline_read | sweep
    .addColumn("status", "text", (c) => c.notNull().defaultTo("in_progress")) // in_progress | submitted | graded
    .addColumn("max_score", "real", (c) => c.notNull())
    .addColumn("auto_score", "real")
    .addColumn("score", "real")
    .addColumn("passed", "integer")
    .addColumn("pending_manual", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("leave_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_leave_at", "integer")
    .addColumn("extra_minutes", "integer", (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint("exam_attempts_exam_user_no", ["exam_id", "user_id", "attempt_no"])
    .execute();
  // One attempt in progress per trainee and exam: a partial unique index (SQLite ≥ 3.8 and PostgreSQL).
  await db.schema
    .createIndex("exam_attempts_one_in_progress")
    .on("exam_attempts")
    .columns(["exam_id", "user_id"])
    .unique()
    .where(sql.ref("status"), "=", "in_progress")
    .execute();
  await db.schema.createIndex("exam_attempts_user").on("exam_attempts").columns(["user_id", "exam_id"]).execute();
  await db.schema.createIndex("exam_attempts_status_deadline").on("exam_attempts").columns(["status", "deadline_at"]).execute();

  await db.schema
    .createTable("attempt_questions")
    .addColumn("attempt_id", "integer", (c) => c.notNull().references("exam_attempts.id").onDelete("cascade"))
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("question_id", "integer", (c) => c.notNull().references("questions.id"))
    .addColumn("option_order", "text") // JSON array of original option indexes, in display order
    .addColumn("score", "real", (c) => c.notNull()) // points this question is worth on this paper
    .addPrimaryKeyConstraint("attempt_questions_pk", ["attempt_id", "position"])
    .addUniqueConstraint("attempt_questions_question", ["attempt_id", "question_id"])
    .execute();
  await db.schema.createIndex("attempt_questions_question_id").on("attempt_questions").column("question_id").execute();

  await db.schema
    .createTable("attempt_answers")
    .addColumn("attempt_id", "integer", (c) => c.notNull().references("exam_attempts.id").onDelete("cascade"))
    .addColumn("question_id", "integer", (c) => c.notNull().references("questions.id"))
    .addColumn("answer", "text", (c) => c.notNull()) // JSON, see ExamResponse
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("saved_at", "integer", (c) => c.notNull())
    .addColumn("auto_score", "real")
    .addColumn("needs_manual", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("manual_score", "real")
    .addColumn("grader_id", "integer", (c) => c.references("users.id"))
    .addColumn("graded_at", "integer")
    .addColumn("comment", "text")
    .addPrimaryKeyConstraint("attempt_answers_pk", ["attempt_id", "question_id"])
    .execute();
  await db.schema.createIndex("attempt_answers_question").on("attempt_answers").columns(["question_id", "needs_manual"]).execute();

  await db.schema
    .createTable("exam_overrides")
    .addColumn("exam_id", "integer", (c) => c.notNull().references("exams.id"))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("extra_minutes", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("extra_attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("granted_by", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("updated_at", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("exam_overrides_pk", ["exam_id", "user_id"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["exam_overrides", "attempt_answers", "attempt_questions", "exam_attempts"]) await db.schema.dropTable(t).execute();
}
