// `npm run courses:sync [-- path]`: validates the course folders and imports them into DATA_DIR/app.db.
// The path is a courses root (default ./courses) or one course folder (one holding course.md).
// Prints every error as `file:line: message` and exits 1 on any error; nothing is written then.
import fs from "node:fs";
import path from "node:path";
import { migrateToLatest } from "../db/migrate.ts";
import { syncCourses } from "../app/models/courses.server.ts";
import { displayPath, formatError } from "../app/utils/course-format.server.ts";
import { openDatabase } from "../app/utils/db.server.ts";
import { loadEnv } from "../app/utils/env.server.ts";
import { createStorage } from "../app/utils/storage.server.ts";

const started = performance.now();
const target = path.resolve(process.argv[2] ?? "courses");
const single = ["course.md", "lessons"].some((entry) => fs.existsSync(path.join(target, entry)));
const root = single ? path.dirname(target) : target;

const env = loadEnv();
fs.mkdirSync(env.dataDir, { recursive: true });
const db = openDatabase(path.join(env.dataDir, "app.db"));
try {
  await migrateToLatest(db);
  const result = await syncCourses(db, { root, only: single ? path.basename(target) : undefined, label: displayPath(root), storage: createStorage(env.dataDir) });
  if (!result.ok) {
    for (const e of result.errors) console.error(formatError(e));
    console.error(`课程同步失败 (course sync failed): ${result.errors.length} 个错误，数据库未改动 (nothing was changed)`);
    process.exitCode = 1;
  } else {
    for (const c of result.courses) console.log(`${c.slug}: ${c.status}`);
    const s = result.summary;
    const ms = Math.round(performance.now() - started);
    console.log(`课程同步完成 (course sync done): created ${s.created}, updated ${s.updated}, unchanged ${s.unchanged}, archived ${s.archived} (${ms} ms)`);
  }
} finally {
  await db.destroy();
}
