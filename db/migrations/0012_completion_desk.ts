import type { Kysely } from "kysely";

// Frozen. Completion as the organization department signs it: an exception's basis (线下培训已完成,
// 因公缺课补学 …) beside its reason, an editable 备注 per member, the certificate wording per class
// kind (narrative or label layout, 学号 and 成绩 optional), and on each certificate what was decided
// (by the rules or by the Party school's own finding) and the layout it prints with, frozen at issue.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("class_members").addColumn("exception_basis", "text").execute();
  await db.schema.alterTable("class_members").addColumn("note", "text").execute();
  await db.schema.alterTable("class_members").addColumn("note_by", "integer").execute();
  await db.schema.alterTable("class_members").addColumn("note_at", "integer").execute();

  await db.schema
    .createTable("certificate_templates")
    .addColumn("kind", "text", (c) => c.primaryKey()) // class kind: activist | candidate | probationary
    .addColumn("layout", "text", (c) => c.notNull()) // narrative | labels
    .addColumn("show_username", "integer", (c) => c.notNull())
    .addColumn("show_score", "integer", (c) => c.notNull())
    .addColumn("updated_by", "integer", (c) => c.references("users.id"))
    .addColumn("updated_at", "integer", (c) => c.notNull())
    .execute();

  await db.schema
    .alterTable("certificates")
    .addColumn("decision", "text", (c) => c.notNull().defaultTo("rules"))
    .execute(); // rules | exception
  await db.schema.alterTable("certificates").addColumn("exception_basis", "text").execute();
  await db.schema
    .alterTable("certificates")
    .addColumn("layout", "text", (c) => c.notNull().defaultTo("labels"))
    .execute();
  await db.schema
    .alterTable("certificates")
    .addColumn("show_username", "integer", (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .alterTable("certificates")
    .addColumn("show_score", "integer", (c) => c.notNull().defaultTo(1))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const c of ["decision", "exception_basis", "layout", "show_username", "show_score"]) await db.schema.alterTable("certificates").dropColumn(c).execute();
  await db.schema.dropTable("certificate_templates").execute();
  for (const c of ["exception_basis", "note", "note_by", "note_at"]) await db.schema.alterTable("class_members").dropColumn(c).execute();
}
