// The one storage interface: content-addressed files under DATA_DIR/files/<aa>/<sha256>.
// Local disk now; an object-storage implementation would keep the same three functions.
// Several instances may share one DATA_DIR (NFS): a file appears under its name only complete and
// synced, a name once published is never replaced or removed, and scratch files have unique names.
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const TOO_LARGE = "UPLOAD_TOO_LARGE";

export class UploadTooLarge extends Error {
  readonly code = TOO_LARGE;
  constructor(public limit: number) {
    super(`文件超过大小限制（最大 ${Math.round(limit / 1024 / 1024)} MB）`);
    this.name = "UploadTooLarge";
  }
}

/**
 * An UploadTooLarge from any copy of this module. server.ts (which creates the storage) and the built
 * app each load their own copy, so `instanceof` fails for the error the storage throws: check the code.
 */
export function isUploadTooLarge(e: unknown): e is UploadTooLarge {
  return e instanceof Error && (e as { code?: unknown }).code === TOO_LARGE;
}

export type StoredFile = { sha256: string; size: number; head: Uint8Array };

/** Codes of a file system that has no hard links (some network and FUSE mounts). */
const NO_LINKS = new Set(["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"]);

/**
 * Gives the complete, synced file `src` the name `dest` without ever replacing what is there: link(2) fails
 * with EEXIST when another process stored the same bytes first, and theirs (complete, identical) stays, so a
 * reader that has it open — on NFS too, where a replaced file is gone for its readers — keeps reading.
 * `src` is left for the caller to remove. A file system without hard links gets rename(2), which replaces
 * atomically (still never a partial file); DATA_DIR/tmp on another file system gets a copy beside `dest` first.
 */
async function publish(src: string, dest: string): Promise<void> {
  try {
    await fs.promises.link(src, dest);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    if (code === "EEXIST") return;
    if (code === "EXDEV") {
      const near = `${dest}.tmp-${randomUUID()}`;
      try {
        await fs.promises.copyFile(src, near);
        await syncPath(near);
        await publish(near, dest);
      } finally {
        await fs.promises.rm(near, { force: true });
      }
      return;
    }
    if (!NO_LINKS.has(code)) throw e;
    await fs.promises.rename(src, dest);
  }
  await syncPath(path.dirname(dest));
}

/** fsync a file or folder (a folder holds the new name); file systems that cannot sync a folder are let be. */
async function syncPath(p: string) {
  const fd = await fs.promises.open(p, "r");
  try {
    await fd.sync();
  } catch (e) {
    if (!["EINVAL", "EISDIR", "EPERM", "EBADF"].includes((e as NodeJS.ErrnoException).code ?? "")) throw e;
  } finally {
    await fd.close();
  }
}

export function createStorage(dataDir: string) {
  const root = path.join(dataDir, "files");
  const tmp = path.join(dataDir, "tmp");
  const pathOf = (sha256: string) => {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error("bad file id");
    return path.join(root, sha256.slice(0, 2), sha256);
  };

  /**
   * Streams bytes to disk, hashing and counting as they come: past `maxBytes` it stops reading and
   * throws UploadTooLarge, so an oversize upload fills neither memory nor disk. The file lands under
   * its hash with an fsync (of the file and of its folder), so an acknowledged upload survives a crash.
   */
  async function put(data: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StoredFile> {
    fs.mkdirSync(tmp, { recursive: true });
    const tmpFile = path.join(tmp, randomUUID());
    const hash = createHash("sha256");
    const fd = await fs.promises.open(tmpFile, "w");
    let size = 0;
    let head = new Uint8Array(0);
    try {
      for await (const chunk of data) {
        size += chunk.byteLength;
        if (size > maxBytes) throw new UploadTooLarge(maxBytes);
        if (head.length < 64) head = Uint8Array.from([...head, ...chunk.subarray(0, 64 - head.length)]);
        hash.update(chunk);
        await fd.write(chunk);
      }
      await fd.sync();
    } catch (e) {
      await fd.close();
      await fs.promises.rm(tmpFile, { force: true });
      throw e;
    }
    await fd.close();
    const sha256 = hash.digest("hex");
    const dest = pathOf(sha256);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    try {
      await publish(tmpFile, dest);
    } finally {
      await fs.promises.rm(tmpFile, { force: true });
    }
    return { sha256, size, head };
  }

  async function putFile(file: string): Promise<StoredFile> {
    const size = (await fs.promises.stat(file)).size;
    return put(fs.createReadStream(file), size);
  }

  /**
   * Removes what a killed process left in DATA_DIR/tmp: upload scratch files and course-import work
   * folders. Only entries older than `olderThanMs` go: another instance on the same DATA_DIR may be
   * writing the young ones. Age is measured on the file system's clock (a file touched now), not this
   * machine's: on NFS the server stamps the times, and a machine whose clock runs ahead must not take
   * another's upload in progress for an old one.
   */
  function sweepScratch(olderThanMs = 60 * 60 * 1000, t?: number): number {
    if (!fs.existsSync(tmp)) return 0;
    t ??= fileSystemNow();
    let removed = 0;
    for (const name of fs.readdirSync(tmp)) {
      const file = path.join(tmp, name);
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      if (stat && t - stat.mtimeMs > olderThanMs) {
        fs.rmSync(file, { force: true, recursive: true });
        removed++;
      }
    }
    return removed;
  }

  function fileSystemNow(): number {
    const probe = path.join(tmp, `clock-${randomUUID()}`);
    fs.writeFileSync(probe, "");
    try {
      return fs.statSync(probe).mtimeMs;
    } finally {
      fs.rmSync(probe, { force: true });
    }
  }

  return { put, putFile, pathOf, sweepScratch, exists: (sha256: string) => fs.existsSync(pathOf(sha256)) };
}

export type Storage = ReturnType<typeof createStorage>;
