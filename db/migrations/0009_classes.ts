import { sql, type Kysely } from "kysely";

// Frozen. Training classes (培训班, 期次) with their courses and members, completion decisions, and
// 结业证书: numbers come from a counter per number prefix so a number is never handed out twice (a
// revoked certificate keeps its row and its number); each certificate has a random verification code
// for the public page. A certificate copies the holder's and the class's details as printed.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("training_classes")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull()) // stage code: activist | candidate | probationary
    .addColumn("term", "integer", (c) => c.notNull()) // 期次
    .addColumn("host_unit_id", "integer", (c) => c.notNull().references("org_units.id"))
    .addColumn("start_date", "text", (c) => c.notNull()) // YYYY-MM-DD
    .addColumn("end_date", "text", (c) => c.notNull())
    .addColumn("rules", "text", (c) => c.notNull()) // JSON ClassRules (app/utils/class-rules.ts)
    .addColumn("final_exam_id", "integer", (c) => c.references("exams.id")) // null: every exam of the required courses
    .addColumn("number_format", "text", (c) => c.notNull())
    .addColumn("completed_at", "integer")
    .addColumn("completed_by", "integer", (c) => c.references("users.id"))
    .addColumn("created_by", "integer", (c) => c.references("users.id"))
    .addColumn("created_at", "integer", (c) => c.notNull())
    .addColumn("updated_at", "integer", (c) => c.notNull())
    .addUniqueConstraint("training_classes_host_kind_term", ["host_unit_id", "kind", "term"])
    .execute();

  await db.schema
    .createTable("class_courses")
    .addColumn("class_id", "integer", (c) => c.notNull().references("training_classes.id").onDelete("cascade"))
    .addColumn("course_id", "integer", (c) => c.notNull().references("courses.id"))
    .addColumn("required", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("position", "integer", (c) => c.notNull())
    .addPrimaryKeyConstraint("class_courses_pk", ["class_id", "course_id"])
    .execute();

  await db.schema
    .createTable("class_members")
    .addColumn("class_id", "integer", (c) => c.notNull().references("training_classes.id").onDelete("cascade"))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("source", "text", (c) => c.notNull()) // pick | unit | upload | carryover
    .addColumn("added_by", "integer", (c) => c.references("users.id"))
    .addColumn("added_at", "integer", (c) => c.notNull())
    .addColumn("usual_score", "real") // 平时 entered by an instructor
    .addColumn("usual_by", "integer", (c) => c.references("users.id"))
    .addColumn("cheating", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("cheating_note", "text")
    .addColumn("exception", "text") // complete | fail
    .addColumn("exception_reason", "text")
    .addColumn("exception_by", "integer", (c) => c.references("users.id"))
    .addColumn("exception_at", "integer")
    .addColumn("outcome", "text") // completed | not_completed, fixed when completion is confirmed
    .addColumn("result", "text") // JSON ClassResult at that moment
    .addColumn("decided_at", "integer")
    .addPrimaryKeyConstraint("class_members_pk", ["class_id", "user_id"])
    .execute();
  await db.schema.createIndex("class_members_user").on("class_members").column("user_id").execute();

  await db.schema
    .createTable("certificate_counters")
    .addColumn("prefix", "text", (c) => c.primaryKey()) // the number format with everything but {seq} filled in
    .addColumn("last_seq", "integer", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("certificates")
    .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
    .addColumn("class_id", "integer", (c) => c.notNull().references("training_classes.id"))
    .addColumn("user_id", "integer", (c) => c.notNull().references("users.id"))
    .addColumn("number", "text", (c) => c.notNull().unique())
    .addColumn("code", "text", (c) => c.notNull().unique()) // 128-bit random, base32: the public URL
    .addColumn("holder_name", "text", (c) => c.notNull())
    .addColumn("holder_username", "text", (c) => c.notNull())
    .addColumn("subcommittee_name", "text", (c) => c.notNull())
    .addColumn("branch_name", "text", (c) => c.notNull())
    .addColumn("class_name", "text", (c) => c.notNull())
    .addColumn("term", "integer", (c) => c.notNull())
    .addColumn("start_date", "text", (c) => c.notNull())
    .addColumn("end_date", "text", (c) => c.notNull())
    .addColumn("hours", "real", (c) => c.notNull())
    .addColumn("composite", "real", (c) => c.notNull())
    .addColumn("band", "text", (c) => c.notNull())
    .addColumn("issued_at", "integer", (c) => c.notNull())
    .addColumn("issued_by", "integer", (c) => c.references("users.id"))
    .addColumn("revoked_at", "integer")
    .addColumn("revoked_by", "integer", (c) => c.references("users.id"))
    .addColumn("revoke_reason", "text")
    .execute();
  // One valid certificate per trainee and class; revoked ones stay beside it.
  await db.schema
    .createIndex("certificates_one_valid")
    .on("certificates")
    .columns(["class_id", "user_id"])
    .unique()
    .where(sql.ref("revoked_at"), "is", null)
    .execute();
  await db.schema.createIndex("certificates_user").on("certificates").column("user_id").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["certificates", "certificate_counters", "class_members", "class_courses", "training_classes"]) await db.schema.dropTable(t).execute();
}
