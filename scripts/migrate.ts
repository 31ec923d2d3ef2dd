// `npm run db:migrate`: brings the database (DATABASE_URL, or DATA_DIR/app.db) to the latest schema.
import fs from "node:fs";
import path from "node:path";
import { migrateToLatest } from "../db/migrate.ts";
import { openConfiguredDatabase } from "../app/utils/db.server.ts";
import { loadEnv } from "../app/utils/env.server.ts";

const env = loadEnv();
fs.mkdirSync(env.dataDir, { recursive: true });
const db = openConfiguredDatabase(env);
await migrateToLatest(db);
console.log(`数据库已迁移到最新版本: ${env.DATABASE_URL ? "PostgreSQL" : path.join(env.dataDir, "app.db")}`);
await db.destroy();
