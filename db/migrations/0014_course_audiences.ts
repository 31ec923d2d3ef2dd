import { sql, type Kysely } from "kysely";
import { isPostgres } from "../dialect.ts";

// Frozen. The member stages a course is for, one row per (course, stage), so that "courses for this
// stage" is an indexed equality instead of LIKE on the JSON text of courses.audience. Back-filled from
// that JSON (json_each), which stays as the course's display copy; one model function writes both.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("course_audiences")
    .addColumn("course_id", "integer", (c) => c.notNull().references("courses.id").onDelete("cascade"))
    .addColumn("stage", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("course_audiences_pk", ["course_id", "stage"])
    .execute();
  await db.schema.createIndex("course_audiences_stage").on("course_audiences").columns(["stage", "course_id"]).execute();
  // The back-fill uses SQLite's JSON functions. A PostgreSQL database reaches this step empty (that engine came
  // after this migration, and a copy from SQLite runs after the whole schema exists), so it has nothing to fill.
  if (isPostgres(db)) return;
  await sql`insert or ignore into course_audiences (course_id, stage)
            select c.id, j.value from courses c, json_each(c.audience) j
            where json_valid(c.audience) and j.type = 'text'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("course_audiences").execute();
}
