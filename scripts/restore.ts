// `npm run db:restore <backup dir>`: puts a backup made by `npm run db:backup` back into DATA_DIR.
//
// Refuses while the server (or anything else) has DATA_DIR/app.db open: a running server holds a
// shared lock on the database in WAL mode, so an exclusive lock cannot be had. The backup's database
// is checked (integrity_check) before anything is touched. The current app.db and its -wal/-shm are
// moved aside as app.db.before-restore-<time> (a stale -wal must never be replayed onto the restored
// file), the backup's app.db is copied in under a temporary name, synced and renamed, and the backup's
// files are copied into DATA_DIR/files where missing (content-addressed: a present file is the same).
import Sqlite from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { loadEnv } from "../app/utils/env.server.ts";
import { listStoredFiles, POSTGRES_BACKUP_ADVICE } from "./backup.ts";

export class RestoreRefused extends Error {}

/** Throws RestoreRefused when another connection (the server) has the database open. */
export function assertDatabaseUnused(file: string): void {
  if (!fs.existsSync(file)) return;
  let db: Sqlite.Database | undefined;
  try {
    db = new Sqlite(file, { fileMustExist: true, timeout: 0 });
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE");
    db.exec("COMMIT");
  } catch (e) {
    const code = (e as { code?: string }).code ?? "";
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
      throw new RestoreRefused(`数据库 ${file} 正在被使用：请先停止服务器再恢复 (the server is running; stop it first)`);
    }
    throw e;
  } finally {
    db?.close();
  }
}

export type RestoreSummary = { from: string; movedAside: string | null; files: { total: number; copied: number } };

export function runRestore(opts: { dataDir: string; backup: string }): RestoreSummary {
  const backupDb = path.join(opts.backup, "app.db");
  if (!fs.existsSync(backupDb)) throw new RestoreRefused(`${opts.backup} 不是备份目录：其中没有 app.db`);
  const check = new Sqlite(backupDb, { readonly: true, fileMustExist: true });
  try {
    const result = (check.pragma("integrity_check") as { integrity_check: string }[]).map((r) => r.integrity_check).join("; ");
    if (result !== "ok") throw new RestoreRefused(`备份中的数据库未通过完整性检查: ${result}`);
  } finally {
    check.close();
  }

  const live = path.join(opts.dataDir, "app.db");
  assertDatabaseUnused(live);
  fs.mkdirSync(opts.dataDir, { recursive: true });

  // The current database and its journal files go aside together, never to be mixed with the restored one.
  let movedAside: string | null = null;
  const stamp = new Date().toISOString().replace(/:/g, "-").replace(".", "-");
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    const file = `${live}${suffix}`;
    if (!fs.existsSync(file)) continue;
    const aside = `${live}.before-restore-${stamp}${suffix}`;
    fs.renameSync(file, aside);
    if (suffix === "") movedAside = aside;
  }

  const incoming = `${live}.restoring`;
  fs.copyFileSync(backupDb, incoming);
  const fd = fs.openSync(incoming, "r+");
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(incoming, live);

  const files = { total: 0, copied: 0 };
  for (const [rel] of listStoredFiles(path.join(opts.backup, "files"))) {
    files.total++;
    const dest = path.join(opts.dataDir, "files", rel);
    if (fs.existsSync(dest)) continue;
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(path.join(opts.backup, "files", rel), `${dest}.restoring`);
    fs.renameSync(`${dest}.restoring`, dest);
    files.copied++;
  }
  return { from: path.resolve(opts.backup), movedAside, files };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const dir = process.argv[2];
  try {
    const env = loadEnv();
    if (env.DATABASE_URL) {
      console.error(POSTGRES_BACKUP_ADVICE);
      process.exit(2);
    }
    if (!dir) {
      console.error("用法 (usage): npm run db:restore <备份目录，如 data/backups/2026-03-01T02-00-00-000Z>");
      process.exit(2);
    }
    const summary = runRestore({ dataDir: env.dataDir, backup: path.resolve(dir) });
    console.log(`已从 ${summary.from} 恢复到 ${env.dataDir}`);
    if (summary.movedAside) console.log(`  原数据库已保留为 ${summary.movedAside}`);
    console.log(`  文件 ${summary.files.total} 个，其中补回 ${summary.files.copied} 个`);
  } catch (e) {
    console.error(`恢复失败 (restore failed): ${(e as Error).message}`);
    process.exit(1);
  }
}
