// Course zip import under hostile archives: a bomb is refused by its ratio before a byte is written, media
// are judged by their first bytes before the rest is inflated; inflating yields to other work; one import per user at
// a time; nothing is left behind.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { strToU8, zipSync } from "fflate";
import { afterAll, beforeEach, describe, expect, it } from "vitest";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zip-bounds-"));
process.env.DATA_DIR = path.join(tmp, "data");
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

import { authoringRoots, importCourseZip } from "../../app/models/authoring.server.ts";
import { ImportBusy } from "../../app/models/import-locks.server.ts";
import { extractZipEntries, readZipDirectory } from "../../app/utils/course-zip.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { zipBomb } from "../../scripts/faults/stall-sweep.ts";
import { createTestDb, createTestTree, createTestUser, testContext } from "../setup/db.ts";

let db: DB;
let actor: { id: number; username: string; roles: ["instructor"]; ip: null };
beforeEach(async () => {
  fs.rmSync(process.env.DATA_DIR!, { recursive: true, force: true });
  db = await createTestDb();
  const t = await createTestTree(db);
  const u = await createTestUser(db, { orgUnitId: t.root, roles: ["instructor"], stage: "full", username: "js001" });
  actor = { id: u.id, username: u.username, roles: ["instructor"], ip: null };
});
const once = (bytes: Uint8Array) =>
  (async function* () {
    yield bytes;
  })();
const tmpDir = () => authoringRoots(testContext(db).config).tmp;
const leftovers = () => (fs.existsSync(tmpDir()) ? fs.readdirSync(tmpDir()) : []);

describe("course zip limits", () => {
  it("refuses media/zeros.mp4 of 100 MB of zeros (a 100 KB upload) by its ratio, before anything is inflated", async () => {
    const bomb = zipBomb(100 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(200 * 1024);
    const file = path.join(tmp, "bomb.zip");
    fs.writeFileSync(file, bomb);
    expect(() => readZipDirectory(file, { maxEntries: 100, maxTotalBytes: 1024 * 1024 * 1024 })).toThrow(
      "bomb/media/zeros.mp4: 压缩比异常（超过 100 倍），疑似压缩炸弹，已拒绝",
    );
    const r = await importCourseZip(db, { storage: testContext(db).storage, dirs: testContext(db).config, data: once(bomb), slug: "bomb", actor });
    expect(r).toEqual({ ok: false, errors: ["bomb/media/zeros.mp4: 压缩比异常（超过 100 倍），疑似压缩炸弹，已拒绝"] });
    expect(leftovers()).toEqual([]);
  });

  it("refuses media that are not what their extension says from their first bytes, not after inflating them", async () => {
    const zip = zipSync({ "x/course.md": strToU8("---\ntitle: x\n---\n"), "x/media/a.mp4": new Uint8Array(900 * 1024).fill(7) }, { level: 0 });
    const file = path.join(tmp, "fake.zip");
    fs.writeFileSync(file, zip);
    const entries = readZipDirectory(file, { maxEntries: 10, maxTotalBytes: 2 ** 30 });
    const out = path.join(tmp, "fake-out");
    const seen: number[] = [];
    await expect(
      extractZipEntries(
        file,
        entries.filter((e) => e.name.endsWith(".mp4")).map((entry) => ({ entry, target: "media/a.mp4" })),
        out,
        2 ** 30,
        (_t, head) => (seen.push(head.length), "文件内容与扩展名不符"),
      ),
    ).rejects.toThrow("x/media/a.mp4: 文件内容与扩展名不符");
    expect(seen).toEqual([64]);
    expect(fs.statSync(path.join(out, "media/a.mp4")).size).toBeLessThan(64 * 1024);
  });

  it("lets other work run while a large archive inflates", async () => {
    const zip = zipSync({ "big.bin": new Uint8Array(40 * 1024 * 1024).map((_, i) => (i * 2654435761) >>> 24) }, { level: 1 });
    const file = path.join(tmp, "big.zip");
    fs.writeFileSync(file, zip);
    const entries = readZipDirectory(file, { maxEntries: 10, maxTotalBytes: 2 ** 30 });
    let turns = 0;
    let done = false;
    const tick = () => {
      turns++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    await extractZipEntries(
      file,
      entries.map((entry) => ({ entry, target: "big.bin" })),
      path.join(tmp, "big-out"),
      2 ** 30,
    );
    done = true;
    expect(turns).toBeGreaterThan(3);
  });

  it("runs one import per user at a time, and frees the user when it ends", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = (async function* () {
      await gate;
      yield strToU8("not a zip");
    })();
    const storage = testContext(db).storage;
    const first = importCourseZip(db, { storage, dirs: testContext(db).config, data: slow, slug: "a", actor });
    await expect.poll(() => db.selectFrom("import_locks").selectAll().execute()).toHaveLength(1);
    await expect(importCourseZip(db, { storage, dirs: testContext(db).config, data: once(strToU8("x")), slug: "b", actor })).rejects.toBeInstanceOf(ImportBusy);
    release();
    await expect(first).rejects.toThrow("请上传 zip 压缩包");
    expect(await db.selectFrom("import_locks").selectAll().execute()).toEqual([]);
    expect(leftovers()).toEqual([]);
  });
});
