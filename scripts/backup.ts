// `npm run db:backup`: a consistent online backup while the server runs.
//
// The database is copied with SQLite's online backup API (better-sqlite3 `db.backup`): after a first
// step that only sizes the copy, the rest is copied in one step, i.e. inside one read transaction, so
// the copy is the database exactly as it was at one commit, whatever the server writes meanwhile (in
// WAL mode readers never block writers). The copy is switched to a single-file journal mode and
// checked with PRAGMA integrity_check. Uploads and media (DATA_DIR/files, content-addressed and never
// rewritten) are copied after the database, so every file the copy refers to is there; a file already
// in the previous backup is hard-linked from it instead of copied again, and every newly copied file
// is checked against its hash. The backup is written under a temporary name and renamed when complete.
//
//   BACKUP_DIR (default DATA_DIR/backups) / <UTC timestamp> / app.db, files/, backup.json
import Sqlite from "better-sqlite3";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { loadEnv } from "../app/utils/env.server.ts";

export type BackupSummary = {
  dir: string;
  createdAt: string;
  dbBytes: number;
  pages: number;
  files: { total: number; copied: number; linked: number; bytesCopied: number };
  durationMs: number;
  integrity: string;
};

const MANIFEST = "backup.json";

function sha256File(file: string): string {
  const hash = createHash("sha256");
  const fd = fs.openSync(file, "r");
  const buf = Buffer.allocUnsafe(1024 * 1024);
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest("hex");
}

/** Content-addressed files under a files/ root: [relative path, sha256]. */
export function listStoredFiles(root: string): [string, string][] {
  if (!fs.existsSync(root)) return [];
  const out: [string, string][] = [];
  for (const prefix of fs.readdirSync(root)) {
    if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
    for (const name of fs.readdirSync(path.join(root, prefix))) {
      if (/^[0-9a-f]{64}$/.test(name) && name.startsWith(prefix)) out.push([path.join(prefix, name), name]);
    }
  }
  return out;
}

/** The newest complete backup in `backupDir`, if any (for hard links). */
function previousBackup(backupDir: string): string | null {
  if (!fs.existsSync(backupDir)) return null;
  const done = fs
    .readdirSync(backupDir)
    .filter((d) => !d.startsWith(".") && fs.existsSync(path.join(backupDir, d, MANIFEST)))
    .sort();
  return done.length ? path.join(backupDir, done[done.length - 1]!) : null;
}

/** Copies `src` to `dest` and checks that the copy has the expected hash. */
function copyVerified(src: string, dest: string, sha256: string) {
  fs.copyFileSync(src, dest);
  if (sha256File(dest) !== sha256) throw new Error(`文件 ${src} 的内容与其哈希不符 (content does not match its hash)`);
}

export async function runBackup(opts: { dataDir: string; backupDir: string }): Promise<BackupSummary> {
  const started = performance.now();
  const source = path.join(opts.dataDir, "app.db");
  if (!fs.existsSync(source)) throw new Error(`找不到数据库 ${source} (no database)`);
  const createdAt = new Date().toISOString();
  const name = createdAt.replace(/:/g, "-").replace(".", "-");
  const finalDir = path.join(opts.backupDir, name);
  const partial = path.join(opts.backupDir, `.${name}.partial`);
  fs.mkdirSync(partial, { recursive: true });
  try {
    // 1. The database, consistent at one commit.
    const target = path.join(partial, "app.db");
    const live = new Sqlite(source, { fileMustExist: true });
    let pages = 0;
    try {
      live.pragma("busy_timeout = 5000");
      const progress = await live.backup(target, { progress: () => 0x7fffffff });
      pages = progress.totalPages;
    } finally {
      live.close();
    }
    const copy = new Sqlite(target);
    let integrity: string;
    try {
      copy.pragma("journal_mode = DELETE");
      integrity = (copy.pragma("integrity_check") as { integrity_check: string }[]).map((r) => r.integrity_check).join("; ");
    } finally {
      copy.close();
    }
    if (integrity !== "ok") throw new Error(`备份的数据库未通过完整性检查 (integrity_check): ${integrity}`);

    // 2. Files, after the database: everything the copy refers to already exists.
    const previous = previousBackup(opts.backupDir);
    const files = { total: 0, copied: 0, linked: 0, bytesCopied: 0 };
    for (const [rel, sha256] of listStoredFiles(path.join(opts.dataDir, "files"))) {
      const dest = path.join(partial, "files", rel);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      const before = previous ? path.join(previous, "files", rel) : null;
      files.total++;
      if (before && fs.existsSync(before)) {
        try {
          fs.linkSync(before, dest);
          files.linked++;
          continue;
        } catch {
          // another file system: fall through to a copy
        }
      }
      copyVerified(path.join(opts.dataDir, "files", rel), dest, sha256);
      files.copied++;
      files.bytesCopied += fs.statSync(dest).size;
    }

    const summary: BackupSummary = {
      dir: finalDir,
      createdAt,
      dbBytes: fs.statSync(target).size,
      pages,
      files,
      durationMs: Math.round(performance.now() - started),
      integrity,
    };
    fs.writeFileSync(path.join(partial, MANIFEST), `${JSON.stringify({ ...summary, dir: undefined }, null, 2)}\n`);
    fs.renameSync(partial, finalDir);
    return summary;
  } catch (e) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw e;
  }
}

/** What db:backup and db:restore print instead of acting when DATABASE_URL is set (README "Backups" says the same). */
export const POSTGRES_BACKUP_ADVICE = `db:backup 和 db:restore 只处理内置的 SQLite 数据库；已设置 DATABASE_URL（PostgreSQL），本命令未做任何事。在 PostgreSQL 上这样备份：
  1. 数据库：pg_dump -Fc -f dangxiao-$(date +%F).dump "$DATABASE_URL"（一个一致的快照，服务可照常运行）；
     或整个集群：pg_basebackup 加 WAL 归档（archive_command），可恢复到任一时刻。
  2. 然后复制文件：rsync -a DATA_DIR/files/ <备份目录>/files/（文件按内容命名、从不改写，放在数据库之后复制，快照引用的文件就都在）。
  恢复（先停掉所有实例）：createdb 新库；pg_restore --no-owner -d <新库的地址> dangxiao-….dump；把文件复制回 DATA_DIR/files；DATABASE_URL 指向新库再启动。详见 README「Backups」。
(db:backup and db:restore handle the embedded SQLite database only; DATABASE_URL is set, so nothing was done. On PostgreSQL:
  1. the database: pg_dump -Fc -f dangxiao-$(date +%F).dump "$DATABASE_URL" (one consistent snapshot while the app runs),
     or the whole cluster: pg_basebackup plus WAL archiving (archive_command) for point-in-time recovery;
  2. then the files: rsync -a DATA_DIR/files/ <backup>/files/ (content-addressed, never rewritten; copied after the database).
  Restore with every instance stopped: createdb a new database, pg_restore --no-owner -d <its URL> the dump, copy the files back
  into DATA_DIR/files, point DATABASE_URL at the new database and start. See README "Backups".)`;

/** BACKUP_DIR, or DATA_DIR/backups. */
export function backupDirFromEnv(dataDir: string, source: Record<string, string | undefined> = process.env): string {
  const dir = z
    .string()
    .trim()
    .min(1)
    .optional()
    .safeParse(source.BACKUP_DIR || undefined);
  if (!dir.success) throw new Error("BACKUP_DIR 无效 (invalid BACKUP_DIR)");
  return path.resolve(dir.data ?? path.join(dataDir, "backups"));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    const env = loadEnv();
    if (env.DATABASE_URL) {
      console.error(POSTGRES_BACKUP_ADVICE);
      process.exit(2);
    }
    const summary = await runBackup({ dataDir: env.dataDir, backupDir: backupDirFromEnv(env.dataDir) });
    const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
    console.log(`备份完成: ${summary.dir}`);
    console.log(
      `  数据库 ${mb(summary.dbBytes)} MB (${summary.pages} pages, integrity_check: ${summary.integrity}); ` +
        `文件 ${summary.files.total} 个 (新复制 ${summary.files.copied} 个 ${mb(summary.files.bytesCopied)} MB, 与上次备份共用 ${summary.files.linked} 个); ` +
        `用时 ${summary.durationMs} ms`,
    );
  } catch (e) {
    console.error(`备份失败 (backup failed): ${(e as Error).message}`);
    process.exit(1);
  }
}
