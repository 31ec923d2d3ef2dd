// Generated data for benchmarks: many trainees with live sessions, written straight into SQLite.
import Database from "better-sqlite3";
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";

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
  const insertSession = db.prepare("insert into sessions (id, secret_hash, user_id, created_at, last_verified_at) values (?, ?, ?, ?, ?)");
  const cookies: string[] = [];
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const username = `${prefix}${String(i).padStart(6, "0")}`;
      insertUser.run(username, `压测学员${i}`, unit, stage, hash, t, t);
      const { id } = userId.get(username) as { id: number };
      insertRole.run(id);
      const sid = randomBytes(15).toString("hex");
      const secret = randomBytes(15).toString("hex");
      insertSession.run(sid, createHash("sha256").update(secret).digest("hex"), id, t, t);
      cookies.push(`dx_session=${sid}.${secret}`);
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
