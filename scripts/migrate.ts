// `npm run db:migrate`: brings DATA_DIR/app.db to the latest schema.
import fs from "node:fs";
import path from "node:path";
import { migrateToLatest } from "../db/migrate.ts";
import { openDatabase } from "../app/utils/db.server.ts";
import { loadEnv } from "../app/utils/env.server.ts";

const env = loadEnv();
fs.mkdirSync(env.dataDir, { recursive: true });
const db = openDatabase(path.join(env.dataDir, "app.db"));
await migrateToLatest(db);
console.log(`数据库已迁移到最新版本: ${path.join(env.dataDir, "app.db")}`);
await db.destroy();
