// Certificate batch benchmark (not a test: prints figures). A class of N trainees (default 1,000) over
// the demo course 入党积极分子培训, every one of whom did the work (lessons, a graded 思想汇报, a passed
// exam), on a SQLite file: confirming completion (results computed, outcomes recorded, N certificates
// numbered and issued in one transaction), then the class zip (N PDFs rendered one at a time and
// streamed into a zip on disk). Peak memory is the largest RSS sampled every 10 ms.
//
//   npx tsx scripts/bench-certificates.ts [count]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { unzipSync } from "fflate";
import { migrateToLatest } from "../db/migrate.ts";
import { classCertificatesZip, confirmCompletion } from "../app/models/certificates.server.ts";
import { createClass, enrollByUnit, setClassCourses, updateClassSettings } from "../app/models/classes.server.ts";
import { syncCourses } from "../app/models/courses.server.ts";
import { createOrgUnit } from "../app/models/org.server.ts";
import { DEFAULT_RULES } from "../app/utils/class-rules.ts";
import { openDatabase } from "../app/utils/db.server.ts";
import { createStorage } from "../app/utils/storage.server.ts";

const N = Number(process.argv[2] ?? 1000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-bench-cert-"));
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
const phasePeak = () => {
  const p = Math.max(peak, process.memoryUsage().rss);
  peak = process.memoryUsage().rss;
  return p;
};

console.log(`Certificate batch benchmark: ${N} certificates, Node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"} × ${os.cpus().length}, data in ${dir}`);

// ------------------------------------------------------------------------------------------ setup
const db = openDatabase(path.join(dir, "app.db"));
await migrateToLatest(db);
const storage = createStorage(dir);
const synced = await syncCourses(db, { root: "courses", storage });
if (!synced.ok) throw new Error("course sync failed");
const course = await db.selectFrom("courses").select("id").where("slug", "=", "jijifenzi-peixun").executeTakeFirstOrThrow();
const actor = { actorId: null, ip: "bench" };
const root = await createOrgUnit(db, { name: "中共示范大学委员会", parentId: null }, actor);
const sub = await createOrgUnit(db, { name: "计算机科学与技术学院党委", parentId: root }, actor);
const branches: number[] = [];
for (let i = 1; i <= 10; i++) branches.push(await createOrgUnit(db, { name: `计算机学院本科生第${i}党支部`, parentId: sub }, actor));
const t = Math.floor(Date.now() / 1000);
const { id: adminId } = await db
  .insertInto("users")
  .values({ username: "zzb001", name: "王建国", gender: "男", org_unit_id: root, stage: "full", password_hash: "x", created_at: t, updated_at: t })
  .returning("id")
  .executeTakeFirstOrThrow();

// Varied names so each PDF subsets different glyphs.
const SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英文华建国志红梅晓宇浩然思雨子涵欣怡梓轩一诺雨桐佳怡俊杰博文天宇嘉怡梦琪";
const pick = (s: string, i: number) => [...s][i % [...s].length]!;
const lessons = await db.selectFrom("lessons").select("id").where("course_id", "=", course.id).where("archived", "=", 0).execute();
const assignment = await db.selectFrom("assignments").select("id").where("course_id", "=", course.id).executeTakeFirstOrThrow();
const exam = await db.selectFrom("exams").select("id").where("course_id", "=", course.id).executeTakeFirstOrThrow();
for (let start = 0; start < N; start += 200) {
  const rows = Array.from({ length: Math.min(200, N - start) }, (_, k) => {
    const i = start + k;
    return {
      username: String(2023_00001 + i),
      name: pick(SURNAMES, i * 7) + pick(GIVEN, i * 13) + (i % 3 ? pick(GIVEN, i * 31 + 5) : ""),
      gender: (i % 2 ? "男" : "女") as "男" | "女",
      org_unit_id: branches[i % branches.length]!,
      stage: "activist" as const,
      password_hash: "x",
      created_at: t,
      updated_at: t,
    };
  });
  const ids = (await db.insertInto("users").values(rows).returning("id").execute()).map((r) => r.id);
  await db.insertInto("user_roles").values(ids.map((user_id) => ({ user_id, role: "trainee" as const }))).execute();
  await db.insertInto("lesson_progress").values(ids.flatMap((user_id) => lessons.map((l) => ({ user_id, lesson_id: l.id, completed_at: t, updated_at: t })))).execute();
  await db
    .insertInto("submissions")
    .values(ids.map((user_id, k) => ({ assignment_id: assignment.id, user_id, status: "graded" as const, current_version: 1, graded_version: 1, raw_score: 70 + ((start + k) % 30), score: 70 + ((start + k) % 30), created_at: t, updated_at: t })))
    .execute();
  await db
    .insertInto("exam_attempts")
    .values(
      ids.map((user_id, k) => ({
        exam_id: exam.id, user_id, attempt_no: 1, started_at: t, deadline_at: t + 2400, grace_seconds: 30, submitted_at: t + 1800, finalized_by: "user" as const,
        status: "graded" as const, max_score: 100, auto_score: 60 + ((start + k) % 40), score: 60 + ((start + k) % 40), passed: 1,
      })),
    )
    .execute();
}
const fields = { name: "2026年秋季第12期入党积极分子培训班", kind: "activist" as const, term: 12, hostUnitId: root, startDate: "2026-09-01", endDate: "2026-11-30" };
const classId = await createClass(db, fields, { actorId: adminId });
await setClassCourses(db, classId, [{ courseId: course.id, required: true }], { actorId: adminId });
await updateClassSettings(db, classId, { ...fields, rules: { ...DEFAULT_RULES, requiredHours: 24 }, numberFormat: "{school}-{year}-{term}-{seq}", finalExamId: null }, { actorId: adminId });
const enrolled = await enrollByUnit(db, { classId, unitId: root }, { actorId: adminId });
console.log(`setup: ${enrolled.added} trainees enrolled, rss ${mb(process.memoryUsage().rss)}`);
phasePeak();

// ------------------------------------------------------------------------------------------ issue
let t0 = performance.now();
const summary = await confirmCompletion(db, { classId, schoolCode: "JSU" }, { actorId: adminId });
const issueMs = performance.now() - t0;
const issuePeak = phasePeak();
console.log(`\n[issue] confirm completion: ${summary.completed} completed, ${summary.issued.length} certificates (${summary.issued[0]?.number} … ${summary.issued.at(-1)?.number}) in ${secs(issueMs)}; peak rss ${mb(issuePeak)}`);

// ------------------------------------------------------------------------------------------ zip
const zipFile = path.join(dir, "certificates.zip");
t0 = performance.now();
const { stream, count } = await classCertificatesZip(db, classId, { schoolName: "中共示范大学委员会党校", origin: "https://dangxiao.example.edu.cn" }, { actorId: adminId });
await pipeline(Readable.fromWeb(stream as import("node:stream/web").ReadableStream<Uint8Array>), fs.createWriteStream(zipFile));
const zipMs = performance.now() - t0;
const zipPeak = phasePeak();
const size = fs.statSync(zipFile).size;
console.log(`[zip]   ${count} PDFs rendered and zipped in ${secs(zipMs)} (${(zipMs / count).toFixed(1)} ms per certificate, first one includes loading the 2 × 15 MB fonts); zip ${mb(size)} (${(size / count / 1024).toFixed(1)} KB per certificate); peak rss ${mb(zipPeak)}`);

const entries = unzipSync(new Uint8Array(fs.readFileSync(zipFile)));
const sizes = Object.values(entries).map((e) => e.length);
console.log(`        check: ${Object.keys(entries).length} entries, all %PDF: ${Object.values(entries).every((e) => Buffer.from(e.subarray(0, 4)).toString() === "%PDF")}, largest PDF ${(Math.max(...sizes) / 1024).toFixed(1)} KB`);
console.log(`\ntotal (issue + zip): ${secs(issueMs + zipMs)}; peak rss over both phases ${mb(Math.max(issuePeak, zipPeak))}`);

clearInterval(sampler);
await db.destroy();
fs.rmSync(dir, { recursive: true, force: true });
