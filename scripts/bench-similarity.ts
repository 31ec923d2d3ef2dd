// Similarity benchmark (not a test: prints figures): 2,000 submissions of 1,500–3,000 characters (generated 思想汇报 texts, 2 % of
// them lightly edited copies of another). Measures, in memory and through the model on a SQLite file:
// checking one new submission against all 2,000, and checking all pairs.
//
//   npx tsx scripts/bench-similarity.ts [count]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrateToLatest } from "../db/migrate.ts";
import { checkVersionSimilarity, recomputeSimilarity } from "../app/models/assignments.server.ts";
import { openDatabase } from "../app/utils/db.server.ts";
import {
  candidatePairs,
  candidatesFor,
  DEFAULT_THRESHOLD,
  fingerprint,
  jaccard,
  rowsPerBand,
  signatureToBytes,
} from "../app/utils/similarity.server.ts";
import { lightlyEdit, makeEssay, rng } from "../tests/fixtures/essays.ts";

const N = Number(process.argv[2] ?? 2000);
const T = DEFAULT_THRESHOLD;
const r = rng(7);
const ms = (from: number) => performance.now() - from;
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${fmt(s[Math.floor(s.length / 2)]!)} ms, p95 ${fmt(s[Math.floor(s.length * 0.95)]!)} ms, max ${fmt(s[s.length - 1]!)} ms`;
};

function corpus(n: number): string[] {
  const texts: string[] = [];
  for (let i = 0; i < n; i++) {
    const copy = i > 10 && r() < 0.02;
    texts.push(copy ? lightlyEdit(r, texts[Math.floor(r() * i)]!, 0.1) : makeEssay(r, 1500 + Math.floor(r() * 1500)));
  }
  return texts;
}

console.log(`Similarity benchmark: ${N} submissions, threshold ${T} (LSH ${Math.floor(128 / rowsPerBand(T))} bands × ${rowsPerBand(T)} rows), Node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"} × ${os.cpus().length}`);
const texts = corpus(N);
const avg = texts.reduce((n, t) => n + t.length, 0) / N;
console.log(`corpus: ${N} texts, ${Math.round(avg)} characters on average`);

// ---------------------------------------------------------------------------------------- in memory

let t0 = performance.now();
const fps = texts.map(fingerprint);
const fpAll = ms(t0);
console.log(`\n[memory] fingerprints (normalize + shingles + 128 MinHash) for all ${N}: ${fmt(fpAll)} ms (${fmt(fpAll / N)} ms each)`);
const sigs = fps.map((f) => f.signature!);

const newTexts = [...Array.from({ length: 40 }, () => makeEssay(r, 1500 + Math.floor(r() * 1500))), ...Array.from({ length: 10 }, () => lightlyEdit(r, texts[Math.floor(r() * N)]!, 0.1))];
const oneTimes: number[] = [];
let oneCandidates = 0;
let oneFlags = 0;
for (const text of newTexts) {
  t0 = performance.now();
  const me = fingerprint(text);
  const picked = candidatesFor(me.signature!, sigs, T);
  const flags = picked.filter((i) => jaccard(me.shingles, fps[i]!.shingles) >= T);
  oneTimes.push(ms(t0));
  oneCandidates += picked.length;
  oneFlags += flags.length;
}
console.log(`[memory] one new submission against ${N} (fingerprint + LSH + exact Jaccard of candidates), ${newTexts.length} runs: ${stats(oneTimes)}`);
console.log(`         candidates per check ${fmt(oneCandidates / newTexts.length)}, flagged ${oneFlags} (10 of the ${newTexts.length} new texts are copies)`);

t0 = performance.now();
const pairs = candidatePairs(sigs, T);
const lshMs = ms(t0);
t0 = performance.now();
const flagged = pairs.filter(([i, j]) => jaccard(fps[i]!.shingles, fps[j]!.shingles) >= T);
const exactMs = ms(t0);
const allPairs = (N * (N - 1)) / 2;
console.log(`[memory] all pairs: LSH buckets + estimate filter ${fmt(lshMs)} ms → ${pairs.length} candidate pairs of ${allPairs}, exact Jaccard ${fmt(exactMs)} ms, ${flagged.length} flagged; total ${fmt(lshMs + exactMs)} ms (+ ${fmt(fpAll)} ms fingerprints if none were stored)`);

// Brute force for comparison: exact Jaccard on a sample of pairs, extrapolated to all pairs.
const sample = 20000;
t0 = performance.now();
let above = 0;
for (let k = 0; k < sample; k++) {
  const i = Math.floor(r() * N);
  let j = Math.floor(r() * N);
  if (j === i) j = (j + 1) % N;
  if (jaccard(fps[i]!.shingles, fps[j]!.shingles) >= T) above++;
}
const brute = (ms(t0) / sample) * allPairs;
console.log(`[memory] brute force for comparison: exact Jaccard of every pair ≈ ${fmt(brute)} ms (extrapolated from ${sample} random pairs; ${above} of them above the threshold)`);

// ---------------------------------------------------------------------------------------- through the model

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-similarity-"));
const db = openDatabase(path.join(dir, "app.db"));
await migrateToLatest(db);
const now = Math.floor(Date.now() / 1000);
const { id: unit } = await db.insertInto("org_units").values({ name: "校党委", kind: "committee", parent_id: null, path: "/1/", created_at: now }).returning("id").executeTakeFirstOrThrow();
const { id: courseId } = await db
  .insertInto("courses")
  .values({ slug: "bench", title: "bench", summary: "", audience: "[]", hours: 1, instructors: "[]", cover: null, progress: "{}", intro_md: "", content_hash: "", created_at: now, updated_at: now })
  .returning("id")
  .executeTakeFirstOrThrow();
const { id: assignmentId } = await db
  .insertInto("assignments")
  .values({ course_id: courseId, key: "a", position: 1, title: "a", kind: "思想汇报", due_at: null, cutoff_at: null, max_score: 100, pass_score: 60, hours: 0, min_length: null, attachments: "[]", max_attachment_mb: 10, body_md: "", content_hash: "", created_at: now, updated_at: now })
  .returning("id")
  .executeTakeFirstOrThrow();
t0 = performance.now();
await db.transaction().execute(async (trx) => {
  for (let i = 0; i < N + newTexts.length; i++) {
    const { id: userId } = await trx
      .insertInto("users")
      .values({ username: `b${i}`, name: `学员${i}`, gender: "男", org_unit_id: unit, stage: "activist", phone: null, email: null, password_hash: "x", created_at: now, updated_at: now })
      .returning("id")
      .executeTakeFirstOrThrow();
    if (i >= N) continue; // users for the new submissions
    const { id: subId } = await trx.insertInto("submissions").values({ assignment_id: assignmentId, user_id: userId, status: "submitted", current_version: 1, created_at: now, updated_at: now }).returning("id").executeTakeFirstOrThrow();
    await trx.insertInto("submission_versions").values({ submission_id: subId, version: 1, text_md: texts[i]!, text_length: texts[i]!.length, submitted_at: now, minhash: signatureToBytes(sigs[i]!) }).execute();
  }
});
console.log(`\n[sqlite] loaded ${N} versions with their signatures in ${fmt(ms(t0))} ms (${path.join(dir, "app.db")})`);

const dbTimes: number[] = [];
for (const [k, text] of newTexts.entries()) {
  const user = await db.selectFrom("users").select("id").where("username", "=", `b${N + k}`).executeTakeFirstOrThrow();
  const { id: subId } = await db.insertInto("submissions").values({ assignment_id: assignmentId, user_id: user.id, status: "submitted", current_version: 1, created_at: now, updated_at: now }).returning("id").executeTakeFirstOrThrow();
  t0 = performance.now();
  const f = fingerprint(text); // what submitAssignment computes before it stores the version
  const { id: versionId } = await db.insertInto("submission_versions").values({ submission_id: subId, version: 1, text_md: text, text_length: text.length, submitted_at: now, minhash: signatureToBytes(f.signature!) }).returning("id").executeTakeFirstOrThrow();
  await checkVersionSimilarity(db, versionId);
  dbTimes.push(ms(t0));
  await db.deleteFrom("submissions").where("id", "=", subId).execute(); // keep the pool at N
}
console.log(`[sqlite] one new submission against ${N} through the model (fingerprint, store, load ${N} signatures, LSH, load candidates' texts, exact Jaccard, store flags), ${newTexts.length} runs: ${stats(dbTimes)}`);

t0 = performance.now();
const n = await recomputeSimilarity(db, assignmentId);
console.log(`[sqlite] all pairs through the model (recomputeSimilarity: load, LSH, re-shingle candidates, exact Jaccard, rewrite flags): ${fmt(ms(t0))} ms, ${n} flagged pairs`);
await db.destroy();
fs.rmSync(dir, { recursive: true, force: true });
