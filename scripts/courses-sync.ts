// `npm run courses:sync [-- [--prune] path …]`: validates course folders and imports them into
// DATA_DIR/app.db. Each path is a courses root or one course folder (one holding course.md); without a
// path, the roots of COURSES_DIR. Prints every error as `file:line: message` and exits 1 on any error;
// nothing is written then. Only the given roots change: a course of these roots whose folder is gone is
// listed, and archived only with --prune.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrateToLatest } from "../db/migrate.ts";
import { syncCourses } from "../app/models/courses.server.ts";
import { whileSettingUp } from "../app/models/startup.server.ts";
import { displayPath, formatError } from "../app/utils/course-format.server.ts";
import { SYNC_MSG, SYNC_STATUS } from "../app/utils/course-messages.server.ts";
import { openConfiguredDatabase } from "../app/utils/db.server.ts";
import { loadEnv } from "../app/utils/env.server.ts";
import { createStorage } from "../app/utils/storage.server.ts";

const started = performance.now();
const args = process.argv.slice(2).filter((a) => a !== "--");
const prune = args.includes("--prune");
const unknown = args.filter((a) => a.startsWith("-") && a !== "--prune");
const env = loadEnv();
const targets = args.filter((a) => !a.startsWith("-")).map((a) => path.resolve(a));
const isCourse = (dir: string) => ["course.md", "lessons"].some((entry) => fs.existsSync(path.join(dir, entry)));
const single = targets.length === 1 && isCourse(targets[0]) ? targets[0] : null;
const roots = single ? [path.dirname(single)] : targets.length ? targets : env.courseRoots;

if (unknown.length || (targets.length > 1 && targets.some(isCourse)) || !roots.length) {
  console.error(
    unknown.length
      ? `未知选项：${unknown.join(" ")}（只有 --prune）`
      : !roots.length
        ? "没有要同步的课程目录：COURSES_DIR 为空，也没有给出路径"
        : "一次只能同步一个课程文件夹，或者若干个课程目录",
  );
  process.exit(2);
}

fs.mkdirSync(env.dataDir, { recursive: true });
const db = openConfiguredDatabase(env);
try {
  await migrateToLatest(db);
  // Not while a starting server seeds or syncs (several instances and this script share the database).
  const result = await whileSettingUp(db, `${os.hostname()}:${process.pid}:courses-sync`, () =>
    syncCourses(db, {
      root: roots,
      only: single ? path.basename(single) : undefined,
      label: roots.length === 1 ? displayPath(roots[0]) : undefined,
      storage: createStorage(env.dataDir),
      prune,
    }),
  );
  if (!result.ok) {
    for (const e of result.errors) console.error(formatError(e));
    console.error(SYNC_MSG.failed(result.errors.length));
    process.exitCode = 1;
  } else {
    for (const w of result.warnings) console.warn(SYNC_MSG.warning(formatError(w)));
    for (const c of result.courses) console.log(`${c.slug}：${SYNC_STATUS[c.status]}`);
    const gone = result.courses.filter((c) => c.status === "gone").map((c) => c.slug);
    const archived = result.courses.filter((c) => c.status === "archived").map((c) => c.slug);
    const where = roots.map(displayPath).join("、");
    if (gone.length) console.warn(SYNC_MSG.gone(where, gone));
    if (archived.length) console.log(SYNC_MSG.archived(where, archived));
    console.log(SYNC_MSG.done(result.summary, Math.round(performance.now() - started)));
  }
} finally {
  await db.destroy();
}
