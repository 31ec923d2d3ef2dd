// `npm run db:to-postgres`: the demo database (seeded as `npm start` seeds it, plus some study) and a generated one
// with 100,000 ledger rows are copied into empty PostgreSQL databases; every table matches by count and checksum and
// the app's models read the same 学时, standings and ledger rows on both engines; ids go on past the copied ones and
// the audit log stays append-only; a pg_dump/pg_restore of the copy (README "Backups") still matches. A non-empty
// target is refused and left as it was; a corrupted target row fails the verification; a bad or unreachable
// address gets a clear message. PostgreSQL only (TEST_PG=1).
import Sqlite from "better-sqlite3";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAssignmentForTrainee, submitAssignment } from "../../app/models/assignments.server.ts";
import { audit } from "../../app/models/audit.server.ts";
import { traineeHours } from "../../app/models/hours.server.ts";
import { ledgerBatches, resolveLedgerFilter } from "../../app/models/ledger.server.ts";
import { creditOfflineHours } from "../../app/models/progress.server.ts";
import { getUserWithRoles } from "../../app/models/users.server.ts";
import { openDatabase, openPostgres, type DB } from "../../app/utils/db.server.ts";
import { freshSchool } from "../../scripts/bench/fixtures.ts";
import { generateLedgerSchool } from "../../scripts/bench/scenarios/ledger.ts";
import { withDatabase } from "../../scripts/pg-cluster.ts";
import { toPostgres } from "../../scripts/to-postgres.ts";
import { createEmptyPostgresDb, testingOnPostgres } from "../setup/postgres.ts";
import { withClient } from "../../scripts/pg-cluster.ts";

const server = () => process.env.TEST_PG_SERVER!;

function run(args: string[], dataDir: string): Promise<{ code: number; out: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ["--import", "tsx", "scripts/to-postgres.ts", ...args], {
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    proc.stdout.on("data", (d) => (out += d));
    proc.stderr.on("data", (d) => (out += d));
    proc.on("exit", (code) => resolve({ code: code ?? -1, out, ms: performance.now() - started }));
  });
}

/** The per-table lines of the printed report: table → [SQLite rows, PostgreSQL rows, result]. */
function reportLines(out: string): Map<string, [number, number, string]> {
  const rows = new Map<string, [number, number, string]>();
  for (const m of out.matchAll(/^(\S+)\s+(\d+)\s+(\d+)\s+\S+\s+(一致 ok|不一致 MISMATCH)$/gm)) rows.set(m[1]!, [Number(m[2]), Number(m[3]), m[4]!]);
  return rows;
}

/** Everything the models below read, for one engine. */
async function readModels(db: DB, traineeIds: number[], classIds: number[], t: number) {
  const hours = [];
  for (const id of traineeIds) {
    const h = await traineeHours(db, id, "trainee", t);
    hours.push({ id, total: h.total, unassigned: h.unassignedOffline, courses: [...h.courses.entries()].sort((a, b) => a[0] - b[0]) });
  }
  const ledger = [];
  for (const id of classIds) {
    for await (const batch of ledgerBatches(db, await resolveLedgerFilter(db, { class: id }, { unitPath: null }))) ledger.push(...batch);
  }
  return { hours, ledger };
}

const dirs: string[] = [];
const tmp = (label: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `dangxiao-${label}-`));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!testingOnPostgres())("db:to-postgres", () => {
  let demoDir: string;
  let demoUrl: string;

  beforeAll(async () => {
    // The demo school as `npm start` makes it (migrate, db:seed, courses sync), then some study by 张晓明.
    demoDir = tmp("demo");
    await freshSchool(demoDir);
    const db = openDatabase(path.join(demoDir, "app.db"));
    try {
      const ids = new Map((await db.selectFrom("users").select(["id", "username"]).execute()).map((u) => [u.username, u.id]));
      const trainee = ids.get("2023001")!;
      const course = await db.selectFrom("courses").select("id").where("slug", "=", "jijifenzi-peixun").executeTakeFirstOrThrow();
      const lessons = await db.selectFrom("lessons").select("id").where("course_id", "=", course.id).orderBy("position").limit(3).execute();
      const t = Math.floor(Date.now() / 1000);
      await db
        .insertInto("lesson_progress")
        .values(lessons.map((l) => ({ user_id: trainee, lesson_id: l.id, completed_at: t, updated_at: t, seconds_credited: 1800 })))
        .execute();
      await creditOfflineHours(
        db,
        { userId: trainee, courseId: null, kind: "社会实践", hours: 1.5, reason: "社区志愿服务", activityDate: "2026-11-20" },
        { actorId: ids.get("zzb001")! },
      );
      await creditOfflineHours(
        db,
        { userId: trainee, courseId: course.id, kind: "分组研讨", hours: 2.25, reason: "支部研讨", activityDate: "2026-11-21" },
        { actorId: ids.get("zzb001")! },
      );
      // A submitted 思想汇报: its version carries a MinHash signature, the schema's one blob (bytea) column.
      const key = (await db.selectFrom("assignments").select("key").where("course_id", "=", course.id).executeTakeFirstOrThrow()).key;
      const view = await getAssignmentForTrainee(db, "jijifenzi-peixun", key, (await getUserWithRoles(db, trainee))!);
      const text = Array.from(
        { length: 60 },
        (_, i) => `第${i + 1}段：通过学习党章，我认识到共产党员要全心全意为人民服务，把理想信念落实到学习和工作中。`,
      ).join("\n\n");
      await submitAssignment(db, { assignment: view!.assignment, userId: trainee, text });
      const blob = await db.selectFrom("submission_versions").select("minhash").executeTakeFirstOrThrow();
      expect(blob.minhash?.length).toBeGreaterThan(0);
    } finally {
      await db.destroy();
    }
    demoUrl = await createEmptyPostgresDb();
  });

  it("copies the demo database: every table matches, the models read the same, ids go on, the audit log stays append-only", async () => {
    const copy = await run([demoUrl], demoDir);
    expect(copy.code, copy.out).toBe(0);
    console.log(
      `demo copy: ${copy.ms.toFixed(0)} ms for the script; ${/全部.*/.exec(copy.out)?.[0]}; ${/复制 copy .*/.exec(copy.out)?.[0]}; load: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
    const lines = reportLines(copy.out);
    const sqlite = openDatabase(path.join(demoDir, "app.db"));
    const pgdb = openPostgres(demoUrl, { max: 2 });
    try {
      // Every table of the SQLite database is in the report, with its real count on both sides.
      const tables = (await sqlite.introspection.getTables()).map((t) => t.name).filter((n) => !n.startsWith("kysely_"));
      expect([...lines.keys()].sort()).toEqual([...tables, "kysely_migration"].sort());
      for (const name of tables) {
        const { n } = await sqlite
          .selectFrom(name as "users")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow();
        expect(lines.get(name), name).toEqual([Number(n), Number(n), "一致 ok"]);
      }
      expect(lines.get("submission_versions")![0]).toBe(1);

      const trainees = (await sqlite.selectFrom("user_roles").select("user_id").where("role", "=", "trainee").orderBy("user_id").execute()).map(
        (r) => r.user_id,
      );
      const t = Math.floor(Date.now() / 1000);
      const onSqlite = await readModels(sqlite, trainees, [], t);
      expect(onSqlite.hours.some((h) => h.total.total > 0)).toBe(true);
      expect(await readModels(pgdb, trainees, [], t)).toEqual(onSqlite);
      const blob = async (db: DB) => Buffer.from((await db.selectFrom("submission_versions").select("minhash").executeTakeFirstOrThrow()).minhash!);
      expect((await blob(pgdb)).equals(await blob(sqlite))).toBe(true);

      // New rows get ids past every copied one, and the audit log still refuses UPDATE on PostgreSQL.
      const maxAudit = (
        await sqlite
          .selectFrom("audit_log")
          .select((eb) => eb.fn.max("id").as("m"))
          .executeTakeFirstOrThrow()
      ).m as number;
      await audit(pgdb, { actorId: null, action: "test.after_copy" });
      const added = await pgdb.selectFrom("audit_log").select("id").where("action", "=", "test.after_copy").executeTakeFirstOrThrow();
      expect(added.id).toBe(maxAudit + 1);
      await expect(pgdb.updateTable("audit_log").set({ action: "x" }).where("id", "=", 1).execute()).rejects.toThrow(/append-only/);
    } finally {
      await sqlite.destroy();
      await pgdb.destroy();
    }
  });

  it("a pg_dump -Fc of the copy restored with pg_restore (README Backups) still matches the SQLite database", async () => {
    const copied = await createEmptyPostgresDb();
    expect((await run([copied], demoDir)).code).toBe(0);
    const dump = path.join(tmp("dump"), "copy.dump");
    execFileSync("pg_dump", ["-Fc", "-f", dump, copied]);
    const restored = await createEmptyPostgresDb();
    execFileSync("pg_restore", ["--no-owner", "-d", restored, dump]);
    const check = await toPostgres({ sqliteFile: path.join(demoDir, "app.db"), url: restored, verifyOnly: true });
    expect(check.tables.filter((c) => !c.ok)).toEqual([]);
    expect(check.ok).toBe(true);
  });

  it("refuses a target that is not empty and changes nothing there", async () => {
    const before = await toPostgres({ sqliteFile: path.join(demoDir, "app.db"), url: demoUrl, verifyOnly: true });
    const again = await run([demoUrl], demoDir);
    expect(again.code, again.out).toBe(2);
    expect(again.out).toContain("目标数据库不是空的，未做任何改动");
    expect(again.out).toContain("The target database is not empty; nothing was changed");
    expect(again.out).toContain("audit_log（已有数据 has rows）");
    const after = await toPostgres({ sqliteFile: path.join(demoDir, "app.db"), url: demoUrl, verifyOnly: true });
    expect(after.tables).toEqual(before.tables);

    // A database holding someone else's table is refused before it is migrated: still only that table there.
    const foreign = await createEmptyPostgresDb();
    await withClient(foreign, (c) => c.query("create table other_app (x int); insert into other_app values (1)"));
    const refused = await run([foreign], demoDir);
    expect(refused.code, refused.out).toBe(2);
    expect(refused.out).toContain("public.other_app（不是本系统的表 not one of ours）");
    const left = await withClient(foreign, (c) => c.query("select tablename from pg_tables where schemaname = 'public'"));
    expect(left.rows.map((r) => r.tablename)).toEqual(["other_app"]);
  });

  it("a corrupted or missing row in the target fails the verification (exit 1)", async () => {
    const url = await createEmptyPostgresDb();
    expect((await run([url], demoDir)).code).toBe(0);
    await withClient(url, async (c) => {
      await c.query("update users set name = name || '·' where username = '2023002'");
      await c.query("delete from lesson_progress where lesson_id = (select min(lesson_id) from lesson_progress)");
    });
    const check = await run(["--verify", url], demoDir);
    expect(check.code, check.out).toBe(1);
    const lines = reportLines(check.out);
    expect(lines.get("users")).toEqual([9, 9, "不一致 MISMATCH"]);
    expect(lines.get("lesson_progress")).toEqual([3, 2, "不一致 MISMATCH"]);
    expect(lines.get("org_units")![2]).toBe("一致 ok");
    expect(check.out).toContain("2 张表不一致");
  });

  it("a row PostgreSQL cannot take rolls the whole copy back: the target stays empty and a second run succeeds", async () => {
    const dir = tmp("nul");
    fs.copyFileSync(path.join(demoDir, "app.db"), path.join(dir, "app.db"));
    const edit = (sql: string) => {
      const db = new Sqlite(path.join(dir, "app.db"));
      db.exec(sql);
      db.close();
    };
    // SQLite text may hold NUL; PostgreSQL text may not. users is copied after most tables (name order).
    edit("update users set name = '刘子' || char(0) || '涵' where username = '2023101'");
    const url = await createEmptyPostgresDb();
    const failed = await run([url], dir);
    expect(failed.code, failed.out).toBe(1);
    expect(failed.out).toContain("出错 (failed): 表 users (table users)");
    const counts = await withClient(url, (c) =>
      c.query("select (select count(*) from audit_log) + (select count(*) from lessons) + (select count(*) from users) as n"),
    );
    expect(Number(counts.rows[0].n)).toBe(0);
    edit("update users set name = '刘子涵' where username = '2023101'");
    const second = await run([url], dir);
    expect(second.code, second.out).toBe(0);
  });

  it("a bad address, an unreachable server and a missing database get a clear message", async () => {
    const bad = await run(["mysql://root@localhost/dangxiao"], demoDir);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain("DATABASE_URL: 一个 postgres:// 地址 (a postgres:// URL)");
    const down = await run(["postgres://dangxiao:secret@127.0.0.1:1/dangxiao"], demoDir);
    expect(down.code).toBe(2);
    expect(down.out).toContain("连不上服务器 (cannot reach the server)");
    expect(down.out).not.toContain("secret");
    const missing = await run([withDatabase(server(), "no_such_db")], demoDir);
    expect(missing.code).toBe(2);
    expect(missing.out).toContain("数据库不存在");
    const noArg = await run([], demoDir);
    expect(noArg.code).toBe(2);
    expect(noArg.out).toContain("用法 (usage)");
  });

  it("copies a generated database with 100,000 ledger rows; the ledger and 学时 read the same on both engines", { timeout: 1_200_000 }, async () => {
    const dir = tmp("ledger");
    const g0 = performance.now();
    const generated = await generateLedgerSchool(dir, Number(process.env.LEDGER_ROWS ?? 100_000));
    const generateS = (performance.now() - g0) / 1000;
    const url = await createEmptyPostgresDb();
    const copy = await run([url], dir);
    expect(copy.code, copy.out).toBe(0);
    const lines = reportLines(copy.out);
    expect(lines.get("class_members")).toEqual([generated.members, generated.members, "一致 ok"]);
    const total = [...lines.values()].reduce((n, [rows]) => n + rows, 0);
    console.log(
      `ledger copy: ${generated.members} ledger rows, ${total} rows in all (generated in ${generateS.toFixed(0)} s); ` +
        `${(copy.ms / 1000).toFixed(1)} s for the script; ${/复制 copy .*/.exec(copy.out)?.[0]}; load: ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(" ")}`,
    );

    const sqlite = openDatabase(path.join(dir, "app.db"));
    const pgdb = openPostgres(url, { max: 2 });
    try {
      // A confirmed class and a live one (standings computed row by row), and a spread of trainees.
      const classes = (await sqlite.selectFrom("training_classes").select(["id", "completed_at"]).orderBy("id").limit(2).execute()).map((c) => c.id);
      const trainees = (await sqlite.selectFrom("users").select("id").where("username", "like", "B%").orderBy("id").limit(40).execute()).map((u) => u.id);
      const t = Math.floor(Date.now() / 1000);
      const onSqlite = await readModels(sqlite, trainees, classes, t);
      expect(onSqlite.ledger.length).toBe(2000);
      expect(await readModels(pgdb, trainees, classes, t)).toEqual(onSqlite);
    } finally {
      await sqlite.destroy();
      await pgdb.destroy();
    }
  });
});
