// Course folders as zip files: a streamed export (fflate) and a defensive import that reads the
// central directory itself, refuses unsafe names and stops inflating past a byte budget.
import fs from "node:fs";
import path from "node:path";
import { Inflate, Zip, ZipDeflate, ZipPassThrough } from "fflate";
import { ZIP_MSG } from "./course-messages.server.ts";

export class ZipRefused extends Error {}

// ------------------------------------------------------------------------------------------ export

/** Every plain file under `dir` (dot files and links skipped), as sorted `/`-separated relative paths. */
export function listFolderFiles(dir: string, rel = ""): string[] {
  const abs = path.join(dir, rel);
  return fs
    .readdirSync(abs, { withFileTypes: true })
    .filter((e) => !e.name.startsWith("."))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) return listFolderFiles(dir, child);
      return e.isFile() ? [child] : [];
    });
}

/**
 * A zip of the folder `dir` with every entry under `prefix/`, produced while it is read: text is
 * deflated, media (already compressed) are stored. Nothing is held in memory beyond one chunk.
 */
export function zipFolderStream(dir: string, prefix: string): ReadableStream<Uint8Array> {
  const queue: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure = err;
    else queue.push(chunk);
  });
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (const rel of listFolderFiles(dir)) {
      const file = path.join(dir, rel);
      const name = `${prefix}/${rel}`;
      const entry = rel.endsWith(".md") ? new ZipDeflate(name, { level: 6 }) : new ZipPassThrough(name);
      entry.mtime = fs.statSync(file).mtime;
      zip.add(entry);
      for await (const chunk of fs.createReadStream(file, { highWaterMark: 256 * 1024 })) {
        entry.push(chunk as Buffer, false);
        if (failure) throw failure;
        yield* queue.splice(0);
      }
      entry.push(new Uint8Array(0), true);
      yield* queue.splice(0);
    }
    zip.end();
    if (failure) throw failure;
    yield* queue.splice(0);
  }
  const it = chunks();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await it.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await it.return(undefined);
    },
  });
}

// ------------------------------------------------------------------------------------------ import

export type ZipEntry = { name: string; method: number; compressedSize: number; size: number; crc: number; offset: number };
type ZipLimits = { maxEntries: number; maxTotalBytes: number };

/** Uncompressed ÷ compressed above which an entry of more than 1 MB counts as a bomb (text deflates ~10×). */
const MAX_ZIP_RATIO = 100;
const ratioTooHigh = (size: number, compressed: number) => size > 1024 * 1024 && size > MAX_ZIP_RATIO * Math.max(compressed, 1);
const bomb = (name: string) => new ZipRefused(ZIP_MSG.bomb(name, MAX_ZIP_RATIO));

/** A turn of the event loop, so that other requests are answered between slices of long work. */
const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Milliseconds of work between two turns. */
const SLICE_MS = 10;

const u16 = (b: Buffer, at: number) => b.readUInt16LE(at);
const u32 = (b: Buffer, at: number) => b.readUInt32LE(at);

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = fs.readSync(fd, buf, 0, length, position);
  return buf.subarray(0, n);
}

/**
 * The entries of the central directory. Refuses what this importer does not need and could be abused:
 * ZIP64, encryption, methods other than stored/deflate, names that are not UTF-8, too many entries,
 * and declared sizes over the budget (the real sizes are checked again while inflating).
 */
export function readZipDirectory(file: string, limits: ZipLimits): ZipEntry[] {
  const fd = fs.openSync(file, "r");
  try {
    const size = fs.fstatSync(fd).size;
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = readAt(fd, size - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (u32(tail, i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ZipRefused(ZIP_MSG.noDirectory);
    const count = u16(tail, eocd + 10);
    const dirSize = u32(tail, eocd + 12);
    const dirOffset = u32(tail, eocd + 16);
    if (count === 0xffff || dirOffset === 0xffffffff) throw new ZipRefused(ZIP_MSG.zip64);
    if (count > limits.maxEntries) throw new ZipRefused(ZIP_MSG.tooManyEntries(count, limits.maxEntries));
    if (dirOffset + dirSize > size) throw new ZipRefused(ZIP_MSG.directoryOutside);
    const dir = readAt(fd, dirOffset, dirSize);
    const entries: ZipEntry[] = [];
    let declared = 0;
    for (let at = 0, i = 0; i < count; i++) {
      if (at + 46 > dir.length || u32(dir, at) !== 0x02014b50) throw new ZipRefused(ZIP_MSG.directoryBroken);
      const flags = u16(dir, at + 8);
      const nameLength = u16(dir, at + 28);
      const rawName = dir.subarray(at + 46, at + 46 + nameLength);
      const entry: ZipEntry = {
        name: "",
        method: u16(dir, at + 10),
        crc: u32(dir, at + 16),
        compressedSize: u32(dir, at + 20),
        size: u32(dir, at + 24),
        offset: u32(dir, at + 42),
      };
      at += 46 + nameLength + u16(dir, at + 30) + u16(dir, at + 32);
      try {
        entry.name = new TextDecoder("utf-8", { fatal: true }).decode(rawName);
      } catch {
        throw new ZipRefused(ZIP_MSG.namesNotUtf8);
      }
      if (flags & 1) throw new ZipRefused(ZIP_MSG.encrypted(entry.name));
      if (entry.method !== 0 && entry.method !== 8) throw new ZipRefused(ZIP_MSG.method(entry.name, entry.method));
      if (entry.size === 0xffffffff || entry.compressedSize === 0xffffffff || entry.offset === 0xffffffff) throw new ZipRefused(ZIP_MSG.zip64);
      declared += entry.size;
      if (declared > limits.maxTotalBytes) throw new ZipRefused(ZIP_MSG.totalTooLarge(Math.round(limits.maxTotalBytes / 1024 / 1024)));
      if (ratioTooHigh(entry.size, entry.compressedSize)) throw bomb(entry.name);
      entries.push(entry);
    }
    return entries;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A safe relative path inside the archive, or an error message: no absolute paths, drive letters,
 * backslashes, control characters, or `.`/`..`/empty segments (zip-slip).
 */
export function unsafeZipName(name: string): string | null {
  if (name.includes("\\")) return ZIP_MSG.unsafe.backslash;
  if (name.startsWith("/") || /^[a-zA-Z]:/.test(name)) return ZIP_MSG.unsafe.absolute;
  if (/[\u0000-\u001f\u007f]/.test(name)) return ZIP_MSG.unsafe.control;
  const segments = name.replace(/\/$/, "").split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) return ZIP_MSG.unsafe.dots;
  return null;
}

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

function crc32(crc: number, data: Uint8Array): number {
  let c = ~crc;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * Writes `entries` of the zip `file` below `destDir` under the names `nameOf(entry)` gives (already
 * checked by the caller). Counts the bytes actually produced: past `maxTotalBytes`, past the entry's
 * declared size or past `MAX_ZIP_RATIO` it stops in the middle of inflating (a zip bomb lies about its
 * sizes), and each entry must match its declared size and CRC. `checkHead` sees each entry's first bytes
 * (up to 64) as soon as they are out and may refuse the entry there. The work runs in slices of about
 * 10 ms with a turn of the event loop between them.
 */
export async function extractZipEntries(
  file: string,
  entries: { entry: ZipEntry; target: string }[],
  destDir: string,
  maxTotalBytes: number,
  checkHead: (target: string, head: Uint8Array) => string | null = () => null,
) {
  const fd = fs.openSync(file, "r");
  let total = 0;
  let sliceStart = performance.now();
  try {
    for (const { entry, target } of entries) {
      const header = readAt(fd, entry.offset, 30);
      if (header.length < 30 || u32(header, 0) !== 0x04034b50) throw new ZipRefused(ZIP_MSG.damaged(entry.name));
      let position = entry.offset + 30 + u16(header, 26) + u16(header, 28);
      const out = path.join(destDir, target);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      const outFd = fs.openSync(out, "wx");
      let written = 0;
      let crc = 0;
      let head: Uint8Array | null = new Uint8Array(0);
      const check = (final: boolean) => {
        if (!head || (head.length < 64 && !final)) return;
        const why = checkHead(target, head);
        head = null;
        if (why) throw new ZipRefused(ZIP_MSG.entryRefused(entry.name, why));
      };
      const write = (chunk: Uint8Array) => {
        written += chunk.length;
        total += chunk.length;
        if (written > entry.size) throw new ZipRefused(ZIP_MSG.sizeMismatch(entry.name));
        if (total > maxTotalBytes) throw new ZipRefused(ZIP_MSG.totalTooLarge(Math.round(maxTotalBytes / 1024 / 1024)));
        if (ratioTooHigh(written, entry.compressedSize)) throw bomb(entry.name);
        if (head) {
          const joined = new Uint8Array(Math.min(64, head.length + chunk.length));
          joined.set(head);
          joined.set(chunk.subarray(0, joined.length - head.length), head.length);
          head = joined;
          check(false);
        }
        crc = crc32(crc, chunk);
        fs.writeSync(outFd, chunk);
      };
      try {
        const inflate = entry.method === 8 ? new Inflate((chunk) => write(chunk)) : null;
        // Small reads bound what one inflate step can produce (deflate expands at most ~1000×).
        for (let left = entry.compressedSize; left > 0;) {
          const chunk = readAt(fd, position, Math.min(left, 16 * 1024));
          if (!chunk.length) throw new ZipRefused(ZIP_MSG.truncated(entry.name));
          position += chunk.length;
          left -= chunk.length;
          if (inflate) inflate.push(chunk, left === 0);
          else write(chunk);
          if (performance.now() - sliceStart > SLICE_MS) {
            await yieldToOthers();
            sliceStart = performance.now();
          }
        }
        if (inflate && entry.compressedSize === 0) inflate.push(new Uint8Array(0), true);
        check(true);
      } catch (e) {
        if (e instanceof ZipRefused) throw e;
        throw new ZipRefused(ZIP_MSG.inflate(entry.name));
      } finally {
        fs.closeSync(outFd);
      }
      if (written !== entry.size || crc !== entry.crc) throw new ZipRefused(ZIP_MSG.checksum(entry.name));
    }
  } finally {
    fs.closeSync(fd);
  }
}
