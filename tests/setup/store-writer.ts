// A separate process that stores files into a shared DATA_DIR, as another app instance would: started by
// tests/unit/shared-data-dir.test.ts, it says "ready", waits for "go" on stdin (so every writer starts at
// once), then stores `rounds` times the bytes every writer shares and its own bytes, all at once, in
// small chunks that yield between them, and prints what it stored as one JSON line.
import { createStorage } from "../../app/utils/storage.server.ts";

const [dataDir, id, roundsArg, sizeArg] = process.argv.slice(2);
const rounds = Number(roundsArg);
const size = Number(sizeArg);

/** `size` bytes from a seed: every process given the same seed makes the same bytes. */
function seededBytes(seed: string, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = [...seed].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, 7) || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function* slowly(bytes: Uint8Array) {
  for (let i = 0; i < bytes.length; i += 16 * 1024) {
    yield bytes.subarray(i, i + 16 * 1024);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

if (dataDir) {
  const storage = createStorage(dataDir);
  const shared = seededBytes("shared", size);
  process.stdout.write("ready\n");
  process.stdin.once("data", async () => {
    const stored: { what: string; sha256: string; size: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      const own = seededBytes(`own-${id}-${r}`, size);
      const [a, b] = await Promise.all([storage.put(slowly(shared), size), storage.put(slowly(own), size)]);
      stored.push({ what: "shared", sha256: a.sha256, size: a.size }, { what: `own-${id}-${r}`, sha256: b.sha256, size: b.size });
    }
    process.stdout.write(`${JSON.stringify(stored)}\n`);
    process.exit(0);
  });
}
