// `npm run db:backup` under write load and `npm run db:restore` into a fresh DATA_DIR: every write that
// was committed before the backup began is in the restored database (through the app's HTTP as well as
// through a second SQLite connection), the copy is one consistent moment (no gaps in a sequence), the
// files came along, integrity_check is ok, and a restore refuses to run under a live server.
import Sqlite from "better-sqlite3";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "../../app/models/demo.server.ts";
import { client, cookieFrom, startServer, type TestServer } from "../setup/server.ts";
import { waitUntil } from "../setup/wait.ts";

const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

function runScript(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; out: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ["--import", "tsx", script, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    proc.stdout.on("data", (d) => (out += d));
    proc.stderr.on("data", (d) => (out += d));
    proc.on("exit", (code) => resolve({ code: code ?? -1, out, ms: performance.now() - started }));
  });
}

const filesUnder = (root: string) =>
  fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .flatMap((p) => fs.readdirSync(path.join(root, p)).map((f) => `${p}/${f}`))
        .sort()
    : [];

describe("backup and restore", () => {
  it("a backup taken under write load restores with every write committed before it began", { timeout: 180_000 }, async () => {
    const a = await startServer({ SEED_DEMO: "1" });
    servers.push(a);
    const http = client(a.url);
    const signIn = await http.post("/login", { username: "zzb001", password: DEMO_PASSWORD, redirectTo: "/" });
    expect(signIn.status).toBe(302);
    const admin = cookieFrom(signIn)!;

    // Writer 1: a second SQLite connection appending numbered rows as fast as it can.
    const side = new Sqlite(path.join(a.dataDir, "app.db"));
    side.pragma("busy_timeout = 5000");
    const unit = (side.prepare("SELECT id FROM org_units WHERE name = ?").get("计算机学院本科生第一党支部") as { id: number }).id;
    const insert = side.prepare(
      "INSERT INTO audit_log (at, actor_id, action, target_type, target_id, detail, ip) VALUES (?, NULL, 'test.backup_write', 'seq', ?, NULL, NULL)",
    );
    const directCommitted: number[] = [];
    // Writer 2: the admin creating accounts through the app, one request after another.
    const httpCommitted: { username: string; password: string }[] = [];
    let stop = false;
    let seq = 0;
    const direct = (async () => {
      while (!stop) {
        const n = ++seq;
        insert.run(Math.floor(Date.now() / 1000), String(n)); // autocommit: returned = committed
        directCommitted.push(n);
        await new Promise((r) => setImmediate(r));
      }
    })();
    let made = 0;
    const viaHttp = (async () => {
      while (!stop) {
        const username = `bk${String(++made).padStart(5, "0")}`;
        const res = await http.post(
          "/admin/users/new",
          { username, name: `备份测试${made}`, gender: "女", orgUnitId: String(unit), stage: "activist", roles: "trainee", stageDecidedOn: "2025-09-01" },
          { cookie: admin },
        );
        const html = await res.text();
        expect(res.status).toBe(200);
        const password = /data-testid="one-time-password">([^<]+)</.exec(html)?.[1];
        expect(password).toBeTruthy();
        httpCommitted.push({ username, password: password! });
      }
    })();

    await waitUntil(() => directCommitted.length > 50 && httpCommitted.length > 2, "more than 50 direct and 2 HTTP writes before the backup");
    const beforeDirect = [...directCommitted];
    const beforeHttp = [...httpCommitted];
    const filesBefore = filesUnder(path.join(a.dataDir, "files"));
    const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-backups-"));
    const backup = await runScript("scripts/backup.ts", [], { DATA_DIR: a.dataDir, BACKUP_DIR: backupDir });
    const duringBackup = directCommitted.length - beforeDirect.length;
    // The load goes on after the backup too, so the copy must be a moment and not "everything so far".
    const afterBackup = { direct: directCommitted.length, http: httpCommitted.length };
    await waitUntil(() => directCommitted.length > afterBackup.direct + 10 && httpCommitted.length > afterBackup.http, "writes after the backup");
    stop = true;
    await Promise.all([direct, viaHttp]);
    side.close();
    console.log(
      `backup under load: ${backup.ms.toFixed(0)} ms for the script (${/用时 (\d+) ms/.exec(backup.out)?.[1]} ms inside); ` +
        `${beforeDirect.length} direct + ${beforeHttp.length} HTTP writes before it began, ${duringBackup} direct writes while it ran`,
    );
    expect(backup.code, backup.out).toBe(0);
    expect(duringBackup).toBeGreaterThan(0); // the load really went on during the backup
    const [made1] = fs.readdirSync(backupDir).filter((d) => !d.startsWith("."));
    const snapshot = path.join(backupDir, made1!);
    expect(JSON.parse(fs.readFileSync(path.join(snapshot, "backup.json"), "utf8"))).toMatchObject({ integrity: "ok" });

    // A restore refuses to run into the live server's data directory, and changes nothing there.
    const refused = await runScript("scripts/restore.ts", [snapshot], { DATA_DIR: a.dataDir });
    expect(refused.code).toBe(1);
    expect(refused.out).toContain("请先停止服务器");
    expect(fs.readdirSync(a.dataDir).some((f) => f.includes("before-restore"))).toBe(false);

    // Restore into a fresh DATA_DIR and start a server on it.
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-restored-"));
    const restored = await runScript("scripts/restore.ts", [snapshot], { DATA_DIR: fresh });
    expect(restored.code, restored.out).toBe(0);
    expect(fs.existsSync(path.join(fresh, "app.db-wal"))).toBe(false);
    const b = await startServer({ SEED_DEMO: "1" }, fresh);
    servers.push(b);

    const db = new Sqlite(path.join(fresh, "app.db"), { readonly: true });
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      const seqs = (db.prepare("SELECT target_id FROM audit_log WHERE action = 'test.backup_write'").all() as { target_id: string }[])
        .map((r) => Number(r.target_id))
        .sort((x, y) => x - y);
      // Every direct write committed before the backup began is there ...
      expect(seqs.slice(0, beforeDirect.length)).toEqual(beforeDirect);
      // ... and the copy is one moment: a gap-free prefix of the sequence.
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      const usernames = new Set((db.prepare("SELECT username FROM users WHERE username LIKE 'bk%'").all() as { username: string }[]).map((r) => r.username));
      for (const u of beforeHttp) expect(usernames.has(u.username)).toBe(true);
    } finally {
      db.close();
    }
    // The restored app works: an account created before the backup signs in with its one-time password.
    const restoredHttp = client(b.url);
    const first = beforeHttp[0]!;
    const login = await restoredHttp.post("/login", { username: first.username, password: first.password, redirectTo: "/" });
    expect(login.status).toBe(302);
    expect((await restoredHttp.get("/healthz")).status).toBe(200);
    // Every stored file (course media) came along.
    expect(filesBefore.length).toBeGreaterThan(0);
    const filesRestored = new Set(filesUnder(path.join(fresh, "files")));
    for (const f of filesBefore) expect(filesRestored.has(f)).toBe(true);

    // A second backup shares unchanged files with the first instead of copying them again.
    const second = await runScript("scripts/backup.ts", [], { DATA_DIR: a.dataDir, BACKUP_DIR: backupDir });
    expect(second.code, second.out).toBe(0);
    const manifests = fs
      .readdirSync(backupDir)
      .filter((d) => !d.startsWith("."))
      .sort()
      .map((d) => JSON.parse(fs.readFileSync(path.join(backupDir, d, "backup.json"), "utf8")));
    expect(manifests[1].files).toMatchObject({ total: filesBefore.length, copied: 0, linked: filesBefore.length });
  });
});

describe("backup and restore on PostgreSQL", () => {
  it("db:backup and db:restore refuse with the PostgreSQL advice and touch nothing when DATABASE_URL is set", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-pg-backup-"));
    const backupDir = path.join(dataDir, "backups");
    // No server listens there: the scripts must refuse before they would connect to anything.
    const env = { DATA_DIR: dataDir, BACKUP_DIR: backupDir, DATABASE_URL: "postgres://dangxiao@127.0.0.1:1/dangxiao" };
    const backup = await runScript("scripts/backup.ts", [], env);
    const restore = await runScript("scripts/restore.ts", [path.join(dataDir, "some-backup")], env);
    for (const r of [backup, restore]) {
      expect(r.code, r.out).toBe(2);
      expect(r.out).toContain("pg_dump -Fc");
      expect(r.out).toContain("pg_basebackup");
      expect(r.out).toContain("WAL");
      expect(r.out).toContain("DATA_DIR/files");
      expect(r.out).toContain("pg_restore");
    }
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});
