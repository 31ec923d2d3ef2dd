import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sniff } from "../../app/utils/sniff.server.ts";
import { createStorage, UploadTooLarge } from "../../app/utils/storage.server.ts";

async function* chunks(...parts: (string | Uint8Array)[]) {
  for (const p of parts) yield typeof p === "string" ? new TextEncoder().encode(p) : p;
}

describe("storage", () => {
  it("stores by content hash and dedupes", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "store-"));
    const s = createStorage(dir);
    const a = await s.put(chunks("hello ", "world"), 100);
    const b = await s.put(chunks("hello world"), 100);
    expect(a.sha256).toBe(b.sha256);
    expect(a.size).toBe(11);
    expect(fs.readFileSync(s.pathOf(a.sha256), "utf8")).toBe("hello world");
  });

  it("stops reading past the limit and leaves nothing behind", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "store-"));
    const s = createStorage(dir);
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled++;
        yield new Uint8Array(1024);
      }
    }
    await expect(s.put(endless(), 10 * 1024)).rejects.toBeInstanceOf(UploadTooLarge);
    expect(pulled).toBe(11);
    expect(fs.readdirSync(path.join(dir, "tmp"))).toEqual([]);
    expect(fs.existsSync(path.join(dir, "files"))).toBe(false);
  });

  it("refuses a malformed file id rather than touching another path", () => {
    const s = createStorage("/tmp/x");
    expect(() => s.pathOf("../../etc/passwd")).toThrow();
  });
});

describe("upload scratch files", () => {
  it("a start removes what a killed upload or course import left, but not young entries another instance may be writing", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "store-"));
    const s = createStorage(dir);
    expect(s.sweepScratch()).toBe(0); // no tmp folder yet
    await s.put(chunks("kept"), 100);
    const tmp = path.join(dir, "tmp");
    const old = path.join(tmp, "killed-upload");
    const young = path.join(tmp, "upload-in-progress");
    fs.writeFileSync(old, "half a file");
    fs.writeFileSync(young, "half a file");
    const importDir = path.join(tmp, "import-killed");
    fs.mkdirSync(importDir);
    fs.writeFileSync(path.join(importDir, "upload.zip"), "PK");
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    for (const f of [old, importDir]) fs.utimesSync(f, twoHoursAgo, twoHoursAgo);
    expect(s.sweepScratch()).toBe(2);
    expect(fs.readdirSync(tmp)).toEqual(["upload-in-progress"]);
    expect(fs.readdirSync(path.join(dir, "files"))).toHaveLength(1); // stored files are never touched
  });
});

describe("sniff", () => {
  const b = (...x: number[]) => Uint8Array.from(x);
  const t = (s: string) => new TextEncoder().encode(s);
  it.each([
    [b(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0), "png"],
    [b(0xff, 0xd8, 0xff, 0xe0), "jpg"],
    [t("GIF89a..."), "gif"],
    [t("RIFF\0\0\0\0WEBPVP8 "), "webp"],
    [t("\0\0\0\x20ftypisom"), "mp4"],
    [b(0x1a, 0x45, 0xdf, 0xa3), "webm"],
    [t("%PDF-1.7\n"), "pdf"],
    [b(0x50, 0x4b, 0x03, 0x04), "zip"],
    [t("\uFEFFWEBVTT\n\n00:00"), "vtt"],
    [t("<!DOCTYPE html><script>"), null],
    [t("<svg onload=alert(1)>"), null],
    [new Uint8Array(0), null],
  ])("%#", (head, type) => expect(sniff(head)).toBe(type));
});
