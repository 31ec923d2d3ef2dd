// One DATA_DIR shared by several instances (as on NFS): separate processes store the same and different
// bytes into one store at the same moment while this process reads every file it can see. Every write
// succeeds, every file a reader sees is complete (its bytes hash to its name), a name once published is
// never replaced (a reader holding it keeps the same file), and no scratch file is left behind.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createStorage } from "../../app/utils/storage.server.ts";

const WRITER = path.resolve("tests/setup/store-writer.ts");
type Stored = { what: string; sha256: string; size: number };

function startWriter(dataDir: string, id: number, rounds: number, size: number) {
  const child = spawn(process.execPath, ["--import", "tsx", WRITER, dataDir, String(id), String(rounds), String(size)], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  const ready = new Promise<void>((resolve) =>
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.startsWith("ready\n")) resolve();
    }),
  );
  const done = new Promise<Stored[]>((resolve, reject) =>
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.split("\n")[1]!) as Stored[]) : reject(new Error(`writer ${id} exited with ${code}`)))),
  );
  return { child, ready, done };
}

async function* bytes(s: string) {
  yield new TextEncoder().encode(s);
}

describe("a DATA_DIR shared by several processes", () => {
  it("every writer succeeds, a reader only ever sees complete files, a stored name is never replaced, nothing is left in tmp", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-shared-"));
    const WRITERS = 5;
    const ROUNDS = 3;
    const SIZE = 512 * 1024;
    const writers = Array.from({ length: WRITERS }, (_, i) => startWriter(dataDir, i, ROUNDS, SIZE));
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.child.stdin.write("go\n");
    let finished = false;
    const all = Promise.all(writers.map((w) => w.done)).finally(() => (finished = true));

    // Read every stored file, again and again, while the writers run.
    const files = path.join(dataDir, "files");
    const firstInode = new Map<string, number>();
    let reads = 0;
    const torn: string[] = [];
    while (!finished) {
      const dirs = fs.existsSync(files) ? await fs.promises.readdir(files) : [];
      for (const d of dirs) {
        for (const name of await fs.promises.readdir(path.join(files, d))) {
          const fd = await fs.promises.open(path.join(files, d, name), "r").catch(() => null);
          if (!fd) continue; // not yet there
          try {
            const { ino } = await fd.stat();
            if (!firstInode.has(name)) firstInode.set(name, ino);
            const sha = createHash("sha256")
              .update(await fd.readFile())
              .digest("hex");
            reads++;
            if (sha !== name) torn.push(name);
          } finally {
            await fd.close();
          }
        }
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const results = (await all).flat();

    expect(torn).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    const shared = new Set(results.filter((r) => r.what === "shared").map((r) => r.sha256));
    expect(shared.size).toBe(1); // the same bytes from every writer: one name
    expect(results.every((r) => r.size === SIZE)).toBe(true);
    const storage = createStorage(dataDir);
    const expected = new Set(results.map((r) => r.sha256));
    expect(expected.size).toBe(1 + WRITERS * ROUNDS);
    for (const sha of expected) {
      const content = fs.readFileSync(storage.pathOf(sha));
      expect(createHash("sha256").update(content).digest("hex")).toBe(sha);
    }
    const onDisk = fs.readdirSync(files).flatMap((d) => fs.readdirSync(path.join(files, d)));
    expect(new Set(onDisk)).toEqual(expected); // nothing else under files/ (no temporary names)
    for (const [name, ino] of firstInode) expect(fs.statSync(storage.pathOf(name)).ino, name).toBe(ino);
    expect(fs.readdirSync(path.join(dataDir, "tmp"))).toEqual([]);
  }, 120_000);

  it("storing bytes that are already stored leaves the stored file itself in place (same inode), so its readers keep it", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-shared-"));
    const storage = createStorage(dataDir);
    const a = await storage.put(bytes("同一份文件"), 100);
    const reader = await fs.promises.open(storage.pathOf(a.sha256), "r");
    const before = (await reader.stat()).ino;
    const b = await storage.put(bytes("同一份文件"), 100);
    expect(b.sha256).toBe(a.sha256);
    expect(fs.statSync(storage.pathOf(a.sha256)).ino).toBe(before);
    expect((await reader.readFile()).toString()).toBe("同一份文件");
    await reader.close();
    expect(fs.readdirSync(path.join(dataDir, "tmp"))).toEqual([]);
  });

  it("the scratch sweep judges age by the file system's clock, not this machine's", () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-shared-"));
    const storage = createStorage(dataDir);
    const tmp = path.join(dataDir, "tmp");
    fs.mkdirSync(tmp, { recursive: true });
    fs.writeFileSync(path.join(tmp, "upload-in-progress"), "half");
    // This machine's clock two hours ahead of the file server's: the young upload must stay.
    const realNow = Date.now;
    Date.now = () => realNow() + 2 * 60 * 60 * 1000;
    try {
      expect(storage.sweepScratch()).toBe(0);
    } finally {
      Date.now = realNow;
    }
    expect(fs.readdirSync(tmp)).toEqual(["upload-in-progress"]);
  });
});
