// Generated data for benchmarks: many trainees with live sessions, written straight into SQLite.
import Database from "better-sqlite3";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrateToLatest } from "../../db/migrate.ts";
import { syncCourses } from "../../app/models/courses.server.ts";
import { openDatabase } from "../../app/utils/db.server.ts";
import type { ClassResult, ClassRules } from "../../app/utils/class-rules.ts";
import { createStorage } from "../../app/utils/storage.server.ts";
import { seedDemo } from "../../app/models/demo.server.ts";

/** A new school in `dataDir/app.db`: migrated, demo seeded, demo courses synced (what the server does at its first start). */
export async function freshSchool(dataDir: string) {
  const kdb = openDatabase(path.join(dataDir, "app.db"));
  await migrateToLatest(kdb);
  await seedDemo(kdb);
  const synced = await syncCourses(kdb, { root: "courses", storage: createStorage(dataDir) });
  await kdb.destroy();
  if (!synced.ok) throw new Error("course sync failed");
}

/** A fresh school opened for generated data (plain inserts, no fsync) with its writer (see schoolWriter). */
export async function generatedSchool(dataDir: string) {
  await freshSchool(dataDir);
  const db = new Database(path.join(dataDir, "app.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  return { db, w: schoolWriter(db) };
}

/** A copy of a data directory (database checkpointed first), so the baseline starts from the app's starting state. */
export function cloneDataDir(dataDir: string, label: string): string {
  const db = new Database(path.join(dataDir, "app.db"));
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), `dangxiao-bench-${label}-`));
  fs.cpSync(dataDir, copy, { recursive: true });
  return copy;
}

/** A live session for a user; returns the cookie. */
export function sessionCookie(db: Database.Database, userId: number): string {
  const sid = randomBytes(15).toString("hex");
  const secret = randomBytes(15).toString("hex");
  const t = Math.floor(Date.now() / 1000);
  db.prepare("insert into sessions (id, secret_hash, user_id, created_at, last_verified_at) values (?, ?, ?, ?, ?)").run(
    sid,
    createHash("sha256").update(secret).digest("hex"),
    userId,
    t,
    t,
  );
  return `__Host-dx_session=${sid}.${secret}`;
}

const SURNAMES = [
  ..."王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤",
];
const GIVEN = [..."伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂文华建国志红梅晓宇浩然思雨子涵欣怡梓轩一诺雨桐佳俊博天嘉梦琪"];

/** Varied two- and three-character names (so each certificate PDF subsets different glyphs). */
export const chineseName = (i: number) =>
  SURNAMES[(i * 7) % SURNAMES.length]! + GIVEN[(i * 13) % GIVEN.length]! + (i % 3 ? GIVEN[(i * 31 + 5) % GIVEN.length]! : "");

/** An argon2id hash of the demo password, reused so that creating thousands of users is instant. */
function anyHash(db: Database.Database): string {
  return (db.prepare("select password_hash from users where username = '2023001'").get() as { password_hash: string }).password_hash;
}

/**
 * Adds `count` trainees of one stage (in the first branch) with a session each; returns their cookies.
 * Idempotent per prefix: users that exist are reused.
 */
export function makeTrainees(dataDir: string, count: number, opts: { prefix?: string; stage?: string } = {}): string[] {
  const db = new Database(path.join(dataDir, "app.db"));
  db.pragma("busy_timeout = 5000");
  const prefix = opts.prefix ?? "b";
  const stage = opts.stage ?? "activist";
  const unit = (db.prepare("select id from org_units where kind = 'branch' order by id limit 1").get() as { id: number }).id;
  const hash = anyHash(db);
  const t = Math.floor(Date.now() / 1000);
  const insertUser = db.prepare(
    "insert or ignore into users (username, name, gender, org_unit_id, stage, password_hash, must_change_password, active, created_at, updated_at) values (?, ?, '男', ?, ?, ?, 0, 1, ?, ?)",
  );
  const userId = db.prepare("select id from users where username = ?");
  const insertRole = db.prepare("insert or ignore into user_roles (user_id, role) values (?, 'trainee')");
  const cookies: string[] = [];
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const username = `${prefix}${String(i).padStart(6, "0")}`;
      insertUser.run(username, `压测学员${i}`, unit, stage, hash, t, t);
      const { id } = userId.get(username) as { id: number };
      insertRole.run(id);
      cookies.push(sessionCookie(db, id));
    }
  })();
  db.close();
  return cookies;
}

export function lessonId(dataDir: string, key: string): number {
  const db = new Database(path.join(dataDir, "app.db"), { readonly: true });
  const row = db.prepare("select id from lessons where key = ?").get(key) as { id: number };
  db.close();
  return row.id;
}

export type GeneratedTrainee = {
  username: string;
  name: string;
  gender: "男" | "女";
  unitId: number;
  /** The first `done` lessons of the course completed. */
  done: number;
  /** The 思想汇报 graded with this score, only submitted, or not handed in. */
  essay: number | "submitted" | null;
  /** The exam graded with this score (passed at 60), or not taken. */
  examScore: number | null;
};

/**
 * Plain inserts for generated data on a fresh school (see freshSchool): org units, and activists with
 * their work in the demo course 入党积极分子培训 (lessons, its 思想汇报, its exam). Use inside a transaction.
 */
function schoolWriter(db: Database.Database, t = Math.floor(Date.now() / 1000)) {
  const one = <T>(sql: string, ...p: unknown[]) => db.prepare(sql).get(...p) as T;
  const root = one<{ id: number; path: string }>("select id, path from org_units where parent_id is null");
  const admin = one<{ id: number }>("select id from users where username = 'zzb001'");
  const course = one<{ id: number; slug: string }>("select id, slug from courses where slug = 'jijifenzi-peixun'");
  const lessons = db.prepare("select id, hours, required from lessons where course_id = ? and archived = 0 order by position").all(course.id) as {
    id: number;
    hours: number;
    required: number;
  }[];
  const assignment = one<{ id: number; key: string; hours: number; max_score: number; pass_score: number; title: string; min_length: number | null }>(
    "select id, key, hours, max_score, pass_score, title, min_length from assignments where course_id = ?",
    course.id,
  );
  const exam = one<{ id: number; title: string }>("select id, title from exams where course_id = ?", course.id);
  const hash = anyHash(db);
  const st = {
    unit: db.prepare("insert into org_units (name, kind, parent_id, path, active, created_at) values (?, ?, ?, '', 1, ?)"),
    unitPath: db.prepare("update org_units set path = ? where id = ?"),
    user: db.prepare(
      "insert into users (username, name, gender, org_unit_id, stage, password_hash, must_change_password, active, created_at, updated_at) values (?, ?, ?, ?, 'activist', ?, 0, 1, ?, ?)",
    ),
    role: db.prepare("insert into user_roles (user_id, role) values (?, 'trainee')"),
    progress: db.prepare("insert into lesson_progress (user_id, lesson_id, completed_at, updated_at, seconds_credited) values (?, ?, ?, ?, 600)"),
    submission: db.prepare(
      "insert into submissions (assignment_id, user_id, status, current_version, graded_version, raw_score, score, created_at, updated_at) values (?, ?, ?, 1, ?, ?, ?, ?, ?)",
    ),
    attempt: db.prepare(
      "insert into exam_attempts (exam_id, user_id, attempt_no, started_at, deadline_at, grace_seconds, submitted_at, finalized_by, status, max_score, auto_score, score, passed) values (?, ?, 1, ?, ?, 30, ?, 'user', 'graded', 100, ?, ?, ?)",
    ),
    klass: db.prepare(
      "insert into training_classes (name, kind, term, host_unit_id, start_date, end_date, rules, final_exam_id, number_format, completed_at, completed_by, created_by, created_at, updated_at) values (?, 'activist', ?, ?, ?, ?, ?, null, '{school}-{year}-{term}-{seq}', ?, ?, ?, ?, ?)",
    ),
    classCourse: db.prepare("insert into class_courses (class_id, course_id, required, position) values (?, ?, 1, 0)"),
    member: db.prepare(
      "insert into class_members (class_id, user_id, source, added_by, added_at, outcome, result, decided_at) values (?, ?, 'pick', ?, ?, ?, ?, ?)",
    ),
  };
  /** A unit under `parent` (a 二级党委 or a 党支部) with its path. */
  function unit(name: string, kind: "subcommittee" | "branch", parent: { id: number; path: string }) {
    const id = Number(st.unit.run(name, kind, parent.id, t).lastInsertRowid);
    const path = `${parent.path}${id}/`;
    st.unitPath.run(path, id);
    return { id, path };
  }
  function trainee(x: GeneratedTrainee): number {
    const id = Number(st.user.run(x.username, x.name, x.gender, x.unitId, hash, t, t).lastInsertRowid);
    st.role.run(id);
    for (let l = 0; l < x.done; l++) st.progress.run(id, lessons[l]!.id, t, t);
    if (x.essay === "submitted") st.submission.run(assignment.id, id, "submitted", null, null, null, t, t);
    else if (x.essay !== null) st.submission.run(assignment.id, id, "graded", 1, x.essay, x.essay, t, t);
    if (x.examScore !== null) st.attempt.run(exam.id, id, t, t + 2400, t + 1800, x.examScore, x.examScore, x.examScore >= 60 ? 1 : 0);
    return id;
  }
  /** An activists' class hosted by the school over the demo course, its completion confirmed (`completed`) or not. */
  function trainingClass(c: { name: string; term: number; start: string; end: string; rules: ClassRules; completed: boolean }): number {
    const done = c.completed ? [t, admin.id] : [null, null];
    const id = Number(st.klass.run(c.name, c.term, root.id, c.start, c.end, JSON.stringify(c.rules), ...done, admin.id, t, t).lastInsertRowid);
    st.classCourse.run(id, course.id);
    return id;
  }
  /** A member, with the outcome and result recorded when completion was confirmed. */
  function member(classId: number, userId: number, decided?: { result: ClassResult }) {
    st.member.run(
      classId,
      userId,
      admin.id,
      t,
      decided ? (decided.result.passed ? "completed" : "not_completed") : null,
      decided ? JSON.stringify(decided.result) : null,
      decided ? t : null,
    );
  }
  return { t, root, admin, course, lessons, assignment, exam, unit, trainee, trainingClass, member };
}
