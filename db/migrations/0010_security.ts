import type { Kysely } from "kysely";

// Frozen. Sign-in throttling is counted per account (across addresses) and per address from here on:
// the old per-(account, address) pair rows and per-address lock rows mean something else, so they go;
// stale rows are purged by their last failure, hence the index.
export async function up(db: Kysely<any>): Promise<void> {
  await db
    .deleteFrom("login_throttle")
    .where((eb) => eb.or([eb("key", "like", "pair:%"), eb("key", "like", "ip:%")]))
    .execute();
  await db.schema.createIndex("login_throttle_updated").on("login_throttle").column("updated_at").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("login_throttle_updated").execute();
}
