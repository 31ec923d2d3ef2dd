// Similarity check: the demo course's 思想汇报 with N handed-in versions (default 2,000, SIMILARITY_COUNT;
// generated essays of 1,500–3,000 characters, 2 % of them lightly edited copies of another) stored
// with their MinHash signatures. Through the running production server, the way users trigger it:
// 50 new trainees submit one after another (POST /courses/:slug/assignments/:key, intent=submit:
// the version is stored and compared with every other trainee's; 10 of the 50 are copies), each timed
// to its last byte; then the instructor's 重新比对相似度 (intent=recompute: all pairs through LSH
// buckets), three times. Then the same requests to the bare baseline (scripts/bench/bare/similarity.ts)
// on a copy of the same starting data, and the flags of both compared. The pure functions alone, in
// memory in this process, are measured first as the floor under both.
//
//   npm run bench similarity             (needs a build: BUILD_DIR, default build)
import Database from "better-sqlite3";
import path from "node:path";
import { countChars } from "../../../app/models/assignments.server.ts";
import { candidatePairs, candidatesFor, DEFAULT_THRESHOLD, fingerprint, jaccard, signatureToBytes } from "../../../app/utils/similarity.server.ts";
import { lightlyEdit, makeEssay, rng, type Rng } from "../../../tests/fixtures/essays.ts";
import { chineseName, generatedSchool, sessionCookie } from "../fixtures.ts";
import { compared, formPost, onBothServers, pct, round, rssMb, timedRequest, type Server } from "../servers.ts";
import type { Measurement } from "../types.ts";

const NEW_SUBMISSIONS = 40;
const NEW_COPIES = 10;
const RECOMPUTES = 3;
const fmt = (ms: number) => (ms >= 100 ? String(Math.round(ms)) : ms.toFixed(1));
const runs = (xs: number[]) => `${xs.map(fmt).join(", ")} ms (median ${fmt(pct(xs, 50))} ms)`;
const stats = (xs: number[]) => `median ${fmt(pct(xs, 50))} ms, p95 ${fmt(pct(xs, 95))} ms, max ${fmt(Math.max(...xs))} ms`;

function corpus(r: Rng, n: number): string[] {
  const texts: string[] = [];
  for (let i = 0; i < n; i++) {
    const copy = i > 10 && r() < 0.02;
    texts.push(copy ? lightlyEdit(r, texts[Math.floor(r() * i)]!, 0.1) : makeEssay(r, 1500 + Math.floor(r() * 1500)));
  }
  return texts;
}

/** The pure functions on the corpus, in memory: fingerprints, one new text against all, all pairs, and brute force for scale. */
function inMemory(r: Rng, texts: string[], fresh: string[]) {
  const n = texts.length;
  let t0 = performance.now();
  const fps = texts.map(fingerprint);
  const fingerprints = performance.now() - t0;
  const sigs = fps.map((f) => f.signature!);
  const one = fresh.map((text) => {
    const s0 = performance.now();
    const me = fingerprint(text);
    candidatesFor(me.signature!, sigs, DEFAULT_THRESHOLD).filter((i) => jaccard(me.shingles, fps[i]!.shingles) >= DEFAULT_THRESHOLD);
    return performance.now() - s0;
  });
  t0 = performance.now();
  const pairs = candidatePairs(sigs, DEFAULT_THRESHOLD);
  const flagged = pairs.filter(([i, j]) => jaccard(fps[i]!.shingles, fps[j]!.shingles) >= DEFAULT_THRESHOLD).length;
  const allPairs = performance.now() - t0;
  // Exact Jaccard of every pair, extrapolated from a random sample.
  const sample = 20_000;
  t0 = performance.now();
  for (let k = 0; k < sample; k++) {
    const i = Math.floor(r() * n);
    jaccard(fps[i]!.shingles, fps[(i + 1 + Math.floor(r() * (n - 1))) % n]!.shingles);
  }
  const brute = ((performance.now() - t0) / sample) * ((n * (n - 1)) / 2);
  return {
    "pure functions in memory: fingerprint (normalize, shingles, 128 MinHash) per text ms": round(fingerprints / n, 2),
    [`pure functions in memory: one new text against ${n} (fingerprint, LSH, exact Jaccard), ${fresh.length} runs`]: stats(one),
    [`pure functions in memory: all pairs (LSH buckets, exact Jaccard of ${pairs.length} candidates) ms`]: `${Math.round(allPairs)} (${flagged} flagged)`,
    "pure functions in memory: brute force, exact Jaccard of every pair (extrapolated) s": round(brute / 1000, 1),
  };
}

/**
 * The school with N handed-in versions; the new trainees (with their cookies and texts, each long
 * enough for the assignment's minimum 字数) and the instructor's cookie.
 */
async function generate(dataDir: string, r: Rng, count: number) {
  const { db, w } = await generatedSchool(dataDir);
  const { t } = w;
  const texts = corpus(r, count);
  const long = (make: () => string) => {
    for (;;) {
      const text = make();
      if (countChars(text) >= (w.assignment.min_length ?? 0)) return text;
    }
  };
  const fresh = [
    ...Array.from({ length: NEW_SUBMISSIONS }, () => long(() => makeEssay(r, 1500 + Math.floor(r() * 1500)))),
    ...Array.from({ length: NEW_COPIES }, () => long(() => lightlyEdit(r, texts[Math.floor(r() * count)]!, 0.1))),
  ];
  const submission = db.prepare(
    "insert into submissions (assignment_id, user_id, status, current_version, created_at, updated_at) values (?, ?, 'submitted', 1, ?, ?) returning id",
  );
  const version = db.prepare("insert into submission_versions (submission_id, version, text_md, text_length, submitted_at, minhash) values (?, 1, ?, ?, ?, ?)");
  // The new trainees are given time to hand in whatever the date of the run (the course's cut-off is fixed).
  const extension = db.prepare(
    "insert into assignment_extensions (assignment_id, user_id, due_at, cutoff_at, reason, granted_by, created_at) values (?, ?, ?, ?, '压测', ?, ?)",
  );
  const instructor = (db.prepare("select id from users where username = 'js001'").get() as { id: number }).id;
  const cookies = db.transaction(() => {
    const sub = w.unit("压测学院党委", "subcommittee", w.root);
    const branch = w.unit("压测学院第1党支部", "branch", sub).id;
    const trainee = (i: number) =>
      w.trainee({
        username: `S${String(i).padStart(7, "0")}`,
        name: chineseName(i),
        gender: i % 2 ? "男" : "女",
        unitId: branch,
        done: 0,
        essay: null,
        examScore: null,
      });
    texts.forEach((text, i) => {
      const { id } = submission.get(w.assignment.id, trainee(i), t, t) as { id: number };
      version.run(id, text, countChars(text), t, signatureToBytes(fingerprint(text).signature!));
    });
    return fresh.map((_, k) => {
      const id = trainee(texts.length + k);
      extension.run(w.assignment.id, id, t + 86_400, t + 2 * 86_400, instructor, t);
      return sessionCookie(db, id);
    });
  })();
  const teacher = sessionCookie(db, instructor);
  db.close();
  return { texts, fresh, cookies, teacher, slug: w.course.slug, key: w.assignment.key };
}

type Data = Awaited<ReturnType<typeof generate>>;

function flagCount(dataDir: string) {
  const db = new Database(path.join(dataDir, "app.db"), { readonly: true });
  const { n } = db.prepare("select count(*) as n from similarity_flags").get() as { n: number };
  db.close();
  return n;
}

async function run(s: Server, dataDir: string, data: Data) {
  const submits: number[] = [];
  const rss = { before: rssMb(s.proc.pid!), peak: 0 };
  for (const [k, text] of data.fresh.entries()) {
    const r = await timedRequest(s, `/courses/${data.slug}/assignments/${data.key}.data`, formPost(data.cookies[k]!, { intent: "submit", text }));
    if (r.status !== 200 || !r.body!.toString().includes(s.kind === "app" ? "已提交第 1 版" : '"ok":true'))
      throw new Error(`${s.kind} submit: ${r.status} ${r.body}`);
    submits.push(r.ms);
    rss.peak = Math.max(rss.peak, r.rss.peak);
  }
  const flagsAfterSubmits = flagCount(dataDir);
  const recomputes: number[] = [];
  for (let i = 0; i < RECOMPUTES; i++) {
    const r = await timedRequest(s, `/teach/${data.slug}/assignments/${data.key}.data`, formPost(data.teacher, { intent: "recompute" }));
    if (r.status !== 200) throw new Error(`${s.kind} recompute: ${r.status} ${r.body}`);
    recomputes.push(r.ms);
    rss.peak = Math.max(rss.peak, r.rss.peak);
  }
  return { submits, flagsAfterSubmits, recomputes, flags: flagCount(dataDir), rss: `${Math.round(rss.before)} → ${rss.peak}` };
}

export const similarity: Measurement = {
  name: "similarity",
  what: "思想汇报 similarity with 2,000 handed-in versions (SIMILARITY_COUNT): 50 new submissions each checked against all, and the instructor's all-pairs re-check, through the production server and through the bare baseline (better-sqlite3, the same similarity functions)",
  run: async () => {
    const count = Number(process.env.SIMILARITY_COUNT ?? 2000);
    const r = rng(7);
    const { data, app, baseline } = await onBothServers("similarity", (dir) => generate(dir, r, count), run);
    const median = (xs: number[]) => pct(xs, 50);
    return {
      "handed-in versions": count,
      "characters per text, mean": Math.round(data.texts.reduce((n, x) => n + x.length, 0) / count),
      ...inMemory(r, data.texts, data.fresh),
      ...compared(
        "submit + check",
        `${data.fresh.length} new submissions in a row, each against the ${count}–${count + data.fresh.length - 1} before it: store the version, compare, store flags (the app's route commits the draft and then the version, the baseline both at once); ratio of the medians`,
        { ms: median(app.submits), text: stats(app.submits) },
        { ms: median(baseline.submits), text: stats(baseline.submits) },
      ),
      "flags after the new submissions — app / baseline": `${app.flagsAfterSubmits} / ${baseline.flagsAfterSubmits}`,
      ...compared(
        "all pairs",
        `重新比对相似度 over ${count + data.fresh.length} versions (LSH buckets, exact Jaccard of the candidates, flags rewritten), ${RECOMPUTES} runs; ratio of the medians`,
        { ms: median(app.recomputes), text: runs(app.recomputes) },
        { ms: median(baseline.recomputes), text: runs(baseline.recomputes) },
      ),
      "flags after the re-check — app / baseline": `${app.flags} / ${baseline.flags}`,
      "server RSS before → peak over all these requests MB — app / baseline": `${app.rss} / ${baseline.rss}`,
    };
  },
};
