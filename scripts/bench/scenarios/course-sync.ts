// Sync of 200 generated courses × 20 lessons: first import, then a no-change re-sync (content hashes).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrateToLatest } from "../../../db/migrate.ts";
import { syncCourses } from "../../../app/models/courses.server.ts";
import { openDatabase } from "../../../app/utils/db.server.ts";
import type { Measurement } from "../types.ts";

function generate(root: string, courses: number, lessons: number) {
  const para = "中国共产党是中国工人阶级的先锋队，同时是中国人民和中华民族的先锋队。".repeat(12);
  for (let c = 0; c < courses; c++) {
    const dir = path.join(root, `course-${c}`);
    fs.mkdirSync(path.join(dir, "lessons"), { recursive: true });
    fs.writeFileSync(
      path.join(dir, "course.md"),
      `---\ntitle: 压测课程 ${c}\naudience: [入党积极分子]\nsummary: 生成的课程\nhours: ${lessons}\ninstructors: [js001]\n---\n\n简介\n`,
    );
    for (let l = 0; l < lessons; l++) {
      const n = String(l + 1).padStart(2, "0");
      fs.writeFileSync(
        path.join(dir, "lessons", `${n}-lesson.md`),
        `---\ntitle: 第${l + 1}课\nchapter: 第${Math.floor(l / 5) + 1}章\nhours: 1\n---\n\n## 学习内容\n\n${para}\n\n- 要点一\n- 要点二\n`,
      );
    }
  }
}

export const courseSync: Measurement = {
  name: "course-sync",
  what: "npm run courses:sync of 200 generated courses × 20 lessons: first run, then a no-change re-sync",
  run: async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-sync-"));
    generate(root, 200, 20);
    const db = openDatabase(path.join(root, "bench.db"));
    await migrateToLatest(db);
    const courses = path.join(root);
    const t0 = performance.now();
    const first = await syncCourses(db, { root: courses });
    const t1 = performance.now();
    const second = await syncCourses(db, { root: courses });
    const t2 = performance.now();
    await db.destroy();
    fs.rmSync(root, { recursive: true, force: true });
    if (!first.ok || !second.ok) throw new Error("sync failed");
    return {
      "first sync ms": Math.round(t1 - t0),
      "no-change re-sync ms": Math.round(t2 - t1),
      "speed-up": Number(((t1 - t0) / (t2 - t1)).toFixed(1)),
      "rows created": first.summary.created,
      "rows unchanged on re-sync": second.summary.unchanged,
    };
  },
};
