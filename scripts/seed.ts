// `npm run db:seed`: loads the demo data (app/models/demo.server.ts) into DATA_DIR's database when it has no users.
import os from "node:os";
import { seedDemo } from "../app/models/demo.server.ts";
import { whileSettingUp } from "../app/models/startup.server.ts";
import { openConfiguredDatabase } from "../app/utils/db.server.ts";
import { loadEnv } from "../app/utils/env.server.ts";
import { migrateToLatest } from "../db/migrate.ts";

const env = loadEnv();
const db = openConfiguredDatabase(env);
await migrateToLatest(db);
const seeded = await whileSettingUp(db, `${os.hostname()}:${process.pid}:seed`, () => seedDemo(db));
console.log(seeded ? "已载入演示数据" : "数据库已有用户，未载入演示数据");
await db.destroy();
