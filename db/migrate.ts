import { Migrator, type Kysely } from "kysely";
import { isPostgres, PortableSchemaPlugin } from "./dialect.ts";
import { migrations } from "./migrations/index.ts";
import type { Database } from "./types.ts";

/** Brings the schema to the latest migration; on PostgreSQL through PortableSchemaPlugin (db/dialect.ts). */
export async function migrateToLatest(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db: isPostgres(db) ? db.withPlugin(new PortableSchemaPlugin()) : db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    throw new Error(`数据库迁移失败 (migration failed${failed ? `: ${failed.migrationName}` : ""}): ${String(error)}`);
  }
}
