// Ledger export benchmark: 100,000 generated ledger rows (25,000 trainees in 100 branches, each in 4
// of 100 training classes of 1,000 members over the demo course; half of the classes confirmed with
// certificates, half still live so their standing is computed row by row), exported from the running
// production server as XLSX and as CSV by an admin. For each export: wall time, time to first byte,
// bytes, rows read back, the server's peak RSS (sampled every 20 ms) and the latency of /healthz
// requested every 10 ms while the export runs (against the same probe on the idle server).
//
//   npm run bench ledger-export          (needs a build: BUILD_DIR, default build)
//   LEDGER_ROWS=20000 npm run bench ledger-export
import Database from "better-sqlite3";
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { unzipSync } from "fflate";
import { migrateToLatest } from "../../../db/migrate.ts";
import { syncCourses } from "../../../app/models/courses.server.ts";
import { computeResult, DEFAULT_RULES } from "../../../app/utils/class-rules.ts";
import { openDatabase } from "../../../app/utils/db.server.ts";
import { createStorage } from "../../../app/utils/storage.server.ts";
import { freePort } from "../../../tests/setup/server.ts";
import { seedDemo } from "../../seed.ts";
import type { Measurement } from "../types.ts";

const CLASS_SIZE = 1000;
const CLASSES_PER_TRAINEE = 4;
const SUBCOMMITTEES = 10;
const BRANCHES_PER_SUB = 10;

const SURNAMES = [..."王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"];
const GIVEN = [..."伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂文华建国志红梅晓宇浩然思雨子涵欣怡梓轩一诺雨桐佳俊博天嘉梦琪"];

/** Writes the generated school into `dataDir/app.db` (migrated, demo seeded, demo courses synced). */
export async function generate(dataDir: string, rows: number) {
  const classes = Math.ceil(rows / CLASS_SIZE);
  const trainees = Math.max(CLASS_SIZE, Math.ceil((classes * CLASS_SIZE) / CLASSES_PER_TRAINEE));
  const kdb = openDatabase(path.join(dataDir, "app.db"));
  await migrateToLatest(kdb);
  await seedDemo(kdb);
  const synced = await syncCourses(kdb, { root: "courses", storage: createStorage(dataDir) });
  if (!synced.ok) throw new Error("course sync failed");
  await kdb.destroy();

  const db = new Database(path.join(dataDir, "app.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const t = Math.floor(Date.now() / 1000);
  const one = <T>(sql: string, ...p: unknown[]) => db.prepare(sql).get(...p) as T;
  const root = one<{ id: number; path: string }>("select id, path from org_units where parent_id is null");
  const course = one<{ id: number }>("select id from courses where slug = 'jijifenzi-peixun'");
  const lessons = db.prepare("select id, hours, required from lessons where course_id = ? and archived = 0 order by position").all(course.id) as { id: number; hours: number; required: number }[];
  const assignment = one<{ id: number; hours: number; max_score: number; pass_score: number; title: string }>("select id, hours, max_score, pass_score, title from assignments where course_id = ?", course.id);
  const exam = one<{ id: number; title: string }>("select id, title from exams where course_id = ?", course.id);
  const hash = one<{ password_hash: string }>("select password_hash from users where username = '2023001'").password_hash;
  const admin = one<{ id: number }>("select id from users where username = 'zzb001'");

  db.transaction(() => {
    const unit = db.prepare("insert into org_units (name, kind, parent_id, path, active, created_at) values (?, ?, ?, '', 1, ?)");
    const setPath = db.prepare("update org_units set path = ? where id = ?");
    const branches: number[] = [];
    for (let s = 0; s < SUBCOMMITTEES; s++) {
      const sub = Number(unit.run(`压测第${s + 1}学院党委`, "subcommittee", root.id, t).lastInsertRowid);
      const subPath = `${root.path}${sub}/`;
      setPath.run(subPath, sub);
      for (let b = 0; b < BRANCHES_PER_SUB; b++) {
        const br = Number(unit.run(`压测第${s + 1}学院第${b + 1}党支部`, "branch", sub, t).lastInsertRowid);
        setPath.run(`${subPath}${br}/`, br);
        branches.push(br);
      }
    }
    const user = db.prepare("insert into users (username, name, gender, org_unit_id, stage, password_hash, must_change_password, active, created_at, updated_at) values (?, ?, ?, ?, 'activist', ?, 0, 1, ?, ?)");
    const role = db.prepare("insert into user_roles (user_id, role) values (?, 'trainee')");
    const progress = db.prepare("insert into lesson_progress (user_id, lesson_id, completed_at, updated_at, seconds_credited) values (?, ?, ?, ?, 600)");
    const submission = db.prepare("insert into submissions (assignment_id, user_id, status, current_version, graded_version, raw_score, score, created_at, updated_at) values (?, ?, ?, 1, ?, ?, ?, ?, ?)");
    const attempt = db.prepare(
      "insert into exam_attempts (exam_id, user_id, attempt_no, started_at, deadline_at, grace_seconds, submitted_at, finalized_by, status, max_score, auto_score, score, passed) values (?, ?, 1, ?, ?, 30, ?, 'user', 'graded', 100, ?, ?, ?)",
    );
    const userIds: number[] = [];
    const inputs: ReturnType<typeof inputsOf>[] = [];
    function inputsOf(i: number) {
      const done = i % (lessons.length + 1);
      const essay = i % 3 === 0 ? null : i % 7 === 0 ? "submitted" : 50 + (i % 50);
      const examScore = i % 4 === 0 ? null : 40 + (i % 60);
      return { done, essay, examScore };
    }
    for (let i = 0; i < trainees; i++) {
      const name = SURNAMES[(i * 7) % SURNAMES.length]! + GIVEN[(i * 13) % GIVEN.length]! + (i % 3 ? GIVEN[(i * 31 + 5) % GIVEN.length]! : "");
      const id = Number(user.run(`B${String(i).padStart(7, "0")}`, name, i % 2 ? "男" : "女", branches[i % branches.length]!, hash, t, t).lastInsertRowid);
      role.run(id);
      userIds.push(id);
      const x = inputsOf(i);
      inputs.push(x);
      for (let l = 0; l < x.done; l++) progress.run(id, lessons[l]!.id, t, t);
      if (x.essay === "submitted") submission.run(assignment.id, id, "submitted", null, null, null, t, t);
      else if (x.essay !== null) submission.run(assignment.id, id, "graded", 1, x.essay, x.essay, t, t);
      if (x.examScore !== null) attempt.run(exam.id, id, t, t + 2400, t + 1800, x.examScore, x.examScore, x.examScore >= 60 ? 1 : 0);
    }
    const klass = db.prepare(
      "insert into training_classes (name, kind, term, host_unit_id, start_date, end_date, rules, final_exam_id, number_format, completed_at, completed_by, created_by, created_at, updated_at) values (?, 'activist', ?, ?, ?, ?, ?, null, '{school}-{year}-{term}-{seq}', ?, ?, ?, ?, ?)",
    );
    const classCourse = db.prepare("insert into class_courses (class_id, course_id, required, position) values (?, ?, 1, 0)");
    const member = db.prepare("insert into class_members (class_id, user_id, source, added_by, added_at, outcome, result, decided_at) values (?, ?, 'pick', ?, ?, ?, ?, ?)");
    const cert = db.prepare(
      "insert into certificates (class_id, user_id, number, code, holder_name, holder_username, subcommittee_name, branch_name, class_name, term, start_date, end_date, hours, composite, band, issued_at, issued_by) values (?, ?, ?, ?, '', '', '', '', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const rules = { ...DEFAULT_RULES, requiredHours: 20 };
    for (let c = 0; c < classes; c++) {
      const start = new Date(Date.UTC(2024, 0, 1 + c * 7)).toISOString().slice(0, 10);
      const end = new Date(Date.UTC(2024, 0, 1 + c * 7 + 60)).toISOString().slice(0, 10);
      const decided = c % 2 === 0;
      const name = `${start.slice(0, 4)}年第${c + 1}期入党积极分子培训班`;
      const classId = Number(klass.run(name, c + 1, root.id, start, end, JSON.stringify(rules), decided ? t : null, decided ? admin.id : null, admin.id, t, t).lastInsertRowid);
      classCourse.run(classId, course.id);
      let seq = 0;
      for (let k = 0; k < CLASS_SIZE; k++) {
        const i = (c * (CLASS_SIZE / CLASSES_PER_TRAINEE) + k) % trainees;
        if (!decided) {
          member.run(classId, userIds[i]!, admin.id, t, null, null, null);
          continue;
        }
        const x = inputs[i]!;
        const result = computeResult(
          {
            lessons: lessons.map((l, n) => ({ hours: l.hours, required: l.required === 1, completed: n < x.done })),
            offlineHours: 0,
            assignments: [
              { title: assignment.title, required: true, hours: assignment.hours, maxScore: assignment.max_score, passScore: assignment.pass_score, status: x.essay === null ? "none" : x.essay === "submitted" ? "submitted" : "graded", score: typeof x.essay === "number" ? x.essay : null },
            ],
            exams: [{ title: exam.title, status: x.examScore === null ? "none" : "graded", score: x.examScore, maxScore: 100, passed: (x.examScore ?? 0) >= 60 }],
            usualScore: null,
            cheating: false,
            exception: null,
          },
          rules,
        );
        member.run(classId, userIds[i]!, admin.id, t, result.passed ? "completed" : "not_completed", JSON.stringify(result), t);
        if (result.passed) cert.run(classId, userIds[i]!, `BEN-${start.slice(0, 4)}-${c + 1}-${String(++seq).padStart(4, "0")}`, randomBytes(16).toString("hex"), name, c + 1, start, end, result.hours, result.composite, result.band, t, admin.id);
      }
    }
  })();
  const sid = randomBytes(15).toString("hex");
  const secret = randomBytes(15).toString("hex");
  db.prepare("insert into sessions (id, secret_hash, user_id, created_at, last_verified_at) values (?, ?, ?, ?, ?)").run(sid, createHash("sha256").update(secret).digest("hex"), admin.id, t, t);
  const count = (one<{ n: number }>("select count(*) as n from class_members")).n;
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return { cookie: `dx_session=${sid}.${secret}`, members: count, trainees, classes };
}

async function startApp(dataDir: string): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  let out = "";
  const proc = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir, COURSES_DIR: "courses" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  process.once("exit", () => proc.kill("SIGKILL"));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited:\n${out}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, proc };
    } catch {
      /* starting */
    }
    if (Date.now() > deadline) throw new Error(`server not ready:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : 0;
};
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** Requests /healthz every 10 ms until `stop` resolves; returns the latencies in ms. */
async function probe(url: string, stop: Promise<unknown>): Promise<number[]> {
  let done = false;
  void stop.finally(() => (done = true));
  const lat: number[] = [];
  while (!done) {
    const t0 = performance.now();
    const r = await fetch(`${url}/healthz`);
    await r.arrayBuffer();
    lat.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 10));
  }
  return lat;
}

async function download(url: string, cookie: string, file: string) {
  const t0 = performance.now();
  const res = await fetch(url, { headers: { cookie, "accept-encoding": "identity" } });
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  const ttfb = performance.now() - t0;
  const out = fs.createWriteStream(file);
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return { ms: performance.now() - t0, ttfb, bytes };
}

async function measureExport(app: { url: string; proc: ChildProcess }, cookie: string, format: "xlsx" | "csv", dir: string) {
  const file = path.join(dir, `ledger.${format}`);
  let peak = rssMb(app.proc.pid!);
  const before = peak;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(app.proc.pid!))), 20);
  const run = download(`${app.url}/admin/ledger/export.${format}`, cookie, file);
  const [result, lat] = await Promise.all([run, probe(app.url, run)]);
  clearInterval(sampler);
  const bytes = new Uint8Array(fs.readFileSync(file));
  let rows: number;
  if (format === "csv") {
    rows = new TextDecoder().decode(bytes).split("\r\n").filter(Boolean).length - 1;
  } else {
    const sheet = new TextDecoder().decode(unzipSync(bytes, { filter: (f) => f.name === "xl/worksheets/sheet1.xml" })["xl/worksheets/sheet1.xml"]!);
    rows = (sheet.match(/<row /g) ?? []).length - 1;
  }
  fs.rmSync(file);
  return {
    [`${format} export s`]: round(result.ms / 1000, 2),
    [`${format} first byte ms`]: Math.round(result.ttfb),
    [`${format} size MB`]: round(result.bytes / 2 ** 20),
    [`${format} rows read back`]: rows,
    [`${format} server RSS before / peak MB`]: `${Math.round(before)} / ${Math.round(peak)}`,
    [`${format} /healthz during export p50 / p99 / max ms (n)`]: `${round(pct(lat, 50))} / ${round(pct(lat, 99))} / ${round(Math.max(...lat))} (${lat.length})`,
  };
}

export const ledgerExport: Measurement = {
  name: "ledger-export",
  what: "export of 100,000 generated ledger rows as XLSX and CSV from the production server (half the classes confirmed, half computed live), with /healthz probed every 10 ms meanwhile",
  run: async () => {
    const buildDir = process.env.BUILD_DIR ?? "build";
    if (!fs.existsSync(`${buildDir}/server/index.js`)) throw new Error("run `npm run build` first");
    const wanted = Number(process.env.LEDGER_ROWS ?? 100_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-bench-ledger-"));
    try {
      const g0 = performance.now();
      const data = await generate(dir, wanted);
      const generateS = (performance.now() - g0) / 1000;
      const app = await startApp(dir);
      try {
        const idle = await probe(app.url, new Promise((r) => setTimeout(r, 3000)));
        const p0 = performance.now();
        const page = await fetch(`${app.url}/admin/ledger`, { headers: { cookie: data.cookie } });
        if (page.status !== 200) throw new Error(`ledger page: ${page.status}`);
        await page.text();
        const pageMs = performance.now() - p0;
        const d0 = performance.now();
        const dashboard = await fetch(`${app.url}/admin/dashboard`, { headers: { cookie: data.cookie } });
        if (dashboard.status !== 200) throw new Error(`dashboard: ${dashboard.status}`);
        await dashboard.text();
        const dashboardMs = performance.now() - d0;
        const xlsx = await measureExport(app, data.cookie, "xlsx", dir);
        const csv = await measureExport(app, data.cookie, "csv", dir);
        return {
          "ledger rows (class members)": data.members,
          "trainees / classes": `${data.trainees} / ${data.classes}`,
          "data generation s": round(generateS, 1),
          "/healthz idle p50 / p99 ms": `${round(pct(idle, 50))} / ${round(pct(idle, 99))}`,
          "/admin/ledger page (counts + first 50 rows) ms": Math.round(pageMs),
          "/admin/dashboard (the 30 most recent unconfirmed classes, 30,000 standings) ms": Math.round(dashboardMs),
          ...xlsx,
          ...csv,
        };
      } finally {
        await new Promise<void>((resolve) => {
          if (app.proc.exitCode !== null) return resolve();
          app.proc.once("exit", () => resolve());
          app.proc.kill("SIGTERM");
        });
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
