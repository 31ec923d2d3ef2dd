// The one storage interface: content-addressed files under DATA_DIR/files/<aa>/<sha256>.
// Local disk now; an object-storage implementation would keep the same three functions.
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
   * its hash with an fsync, so an acknowledged upload survives a crash.
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
    await fs.promises.rename(tmpFile, dest);
    return { sha256, size, head };
  }

  async function putFile(file: string): Promise<StoredFile> {
    const size = (await fs.promises.stat(file)).size;
    return put(fs.createReadStream(file), size);
  }

  /**
   * Removes what a killed process left in DATA_DIR/tmp: upload scratch files and course-import work
   * folders. Only entries older than `olderThanMs` go: another instance on the same DATA_DIR may be
   * writing the young ones.
   */
  function sweepScratch(olderThanMs = 60 * 60 * 1000, t = Date.now()): number {
    if (!fs.existsSync(tmp)) return 0;
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

  return { put, putFile, pathOf, sweepScratch, exists: (sha256: string) => fs.existsSync(pathOf(sha256)) };
}

export type Storage = ReturnType<typeof createStorage>;
