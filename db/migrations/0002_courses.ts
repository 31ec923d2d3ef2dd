import type { CreateTableBuilder, Kysely } from "kysely";

// Frozen: never edit after it has shipped; add a new migration instead.
// Courses synced from courses/ (or made in the browser), their lessons, assignments, question banks,
// exams and media, plus the per-lesson progress of each trainee. Rows are archived, never deleted,
// so that progress, attempts and submissions keep pointing at what the trainee saw.

/** The columns every synced item shares: its content hash, archived flag and times. */
function synced<T extends string>(t: CreateTableBuilder<T, any>, hashColumn = "content_hash") {
  return t
    .addColumn(hashColumn, "text", (c) => c.notNull())
    .addColumn("archived", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("updated_at", "integer", (c) => c.notNull());
}

const id = <T extends string>(t: CreateTableBuilder<T, any>) => t.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement());
const courseRef = <T extends string>(t: CreateTableBuilder<T, any>) =>
  t.addColumn("course_id", "integer", (c) => c.notNull().references("courses.id").onDelete("cascade"));

export async function up(db: Kysely<any>): Promise<void> {
  await synced(
    id(db.schema.createTable("courses"))
      .addColumn("slug", "text", (c) => c.notNull().unique())
      .addColumn("title", "text", (c) => c.notNull())
      .addColumn("summary", "text", (c) => c.notNull())
      .addColumn("audience", "text", (c) => c.notNull()) // JSON array of stage codes
      .addColumn("hours", "real", (c) => c.notNull())
      .addColumn("instructors", "text", (c) => c.notNull()) // JSON array of 工号
      .addColumn("cover", "text")
      .addColumn("published", "integer", (c) => c.notNull().defaultTo(1))
      .addColumn("source", "text", (c) => c.notNull().defaultTo("files")) // files | browser
      .addColumn("progress", "text", (c) => c.notNull()) // JSON progress rules
      .addColumn("intro_md", "text", (c) => c.notNull()),
  ).execute();

  await synced(
    courseRef(id(db.schema.createTable("lessons")))
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("position", "integer", (c) => c.notNull())
      .addColumn("chapter", "text", (c) => c.notNull())
      .addColumn("title", "text", (c) => c.notNull())
      .addColumn("hours", "real", (c) => c.notNull())
      .addColumn("required", "integer", (c) => c.notNull().defaultTo(1))
      .addColumn("video", "text")
      .addColumn("captions", "text")
      .addColumn("complete_read_minutes", "real", (c) => c.notNull())
      .addColumn("complete_watch_percent", "integer", (c) => c.notNull())
      .addColumn("body_md", "text", (c) => c.notNull())
      .addUniqueConstraint("lessons_course_key", ["course_id", "key"]),
  ).execute();

  await synced(
    courseRef(id(db.schema.createTable("assignments")))
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("position", "integer", (c) => c.notNull())
      .addColumn("title", "text", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("due_at", "integer")
      .addColumn("cutoff_at", "integer")
      .addColumn("max_score", "real", (c) => c.notNull())
      .addColumn("pass_score", "real", (c) => c.notNull())
      .addColumn("hours", "real", (c) => c.notNull())
      .addColumn("min_length", "integer")
      .addColumn("attachments", "text", (c) => c.notNull()) // JSON array of extensions
      .addColumn("max_attachment_mb", "real", (c) => c.notNull())
      .addColumn("resubmit", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("body_md", "text", (c) => c.notNull())
      .addUniqueConstraint("assignments_course_key", ["course_id", "key"]),
  ).execute();

  await synced(
    courseRef(id(db.schema.createTable("question_banks")))
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("title", "text", (c) => c.notNull())
      .addUniqueConstraint("question_banks_course_key", ["course_id", "key"]),
  ).execute();

  // A changed question gets a new row (version + 1) and the old row is archived, so that an attempt
  // keeps pointing at the version its trainee answered.
  await synced(
    id(db.schema.createTable("questions"))
      .addColumn("bank_id", "integer", (c) => c.notNull().references("question_banks.id").onDelete("cascade"))
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("stem_md", "text", (c) => c.notNull())
      .addColumn("options", "text") // JSON array of option texts (单选/多选)
      .addColumn("answer", "text", (c) => c.notNull()) // JSON, see QuestionAnswer
      .addColumn("explanation", "text")
      .addColumn("score", "real", (c) => c.notNull())
      .addColumn("difficulty", "text", (c) => c.notNull())
      .addColumn("knowledge", "text")
      .addColumn("tags", "text", (c) => c.notNull()) // JSON array
      .addUniqueConstraint("questions_bank_key_version", ["bank_id", "key", "version"]),
  ).execute();
  await db.schema.createIndex("questions_bank_type").on("questions").columns(["bank_id", "archived", "type"]).execute();

  await synced(
    courseRef(id(db.schema.createTable("exams")))
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("position", "integer", (c) => c.notNull())
      .addColumn("title", "text", (c) => c.notNull())
      .addColumn("settings", "text", (c) => c.notNull()) // JSON ExamSettings, draw rules included
      .addColumn("instructions_md", "text", (c) => c.notNull())
      .addUniqueConstraint("exams_course_key", ["course_id", "key"]),
  ).execute();

  // Media of file courses stay on disk in the course folder; `path` is relative to it (media/…).
  await synced(
    courseRef(id(db.schema.createTable("course_media")))
      .addColumn("path", "text", (c) => c.notNull())
      .addColumn("size", "integer", (c) => c.notNull())
      .addColumn("mime", "text", (c) => c.notNull())
      .addUniqueConstraint("course_media_course_path", ["course_id", "path"]),
    "sha256",
  ).execute();

  await db.schema
    .createTable("lesson_progress")
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("lesson_id", "integer", (c) => c.notNull().references("lessons.id").onDelete("cascade"))
    .addColumn("position", "real", (c) => c.notNull().defaultTo(0))
    .addColumn("furthest", "real", (c) => c.notNull().defaultTo(0))
    .addColumn("covered", "text", (c) => c.notNull().defaultTo("[]")) // JSON [[start, end], …] seconds
    .addColumn("seconds_credited", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("completed_at", "integer")
    .addColumn("updated_at", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("lesson_progress_pk", ["user_id", "lesson_id"])
    .execute();
  await db.schema.createIndex("lesson_progress_lesson").on("lesson_progress").column("lesson_id").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["lesson_progress", "course_media", "exams", "questions", "question_banks", "assignments", "lessons", "courses"]) {
    await db.schema.dropTable(t).execute();
  }
}
