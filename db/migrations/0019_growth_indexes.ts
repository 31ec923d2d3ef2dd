import { sql, type Kysely } from "kysely";
import { isPostgres } from "../dialect.ts";

// Frozen. Indexes the growth benchmark's query plans asked for at 100× the data (200,000 users; README,
// Performance → Growth curves):
// - user_roles by role: "everyone with role X" (`u.id in (select user_id from user_roles where role = ?)`) read
//   the whole table (SCAN user_roles) on every roster, overdue list and dashboard.
// - org_units by path for a subtree (`path LIKE '/1/10/%'`, inSubtree): the existing org_units_path index cannot
//   serve LIKE, which on SQLite ignores ASCII case and so needs a NOCASE index (paths are digits and slashes, so
//   it orders them as the BINARY one does), and on PostgreSQL needs text_pattern_ops. With it, a secretary's
//   queries start from the units of their subtree instead of scanning every class member.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex("user_roles_role").on("user_roles").columns(["role", "user_id"]).execute();
  if (isPostgres(db)) await sql`create index org_units_path_prefix on org_units (path text_pattern_ops)`.execute(db);
  else await sql`create index org_units_path_prefix on org_units (path collate nocase)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("org_units_path_prefix").execute();
  await db.schema.dropIndex("user_roles_role").execute();
}
