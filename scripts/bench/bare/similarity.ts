// The bare similarity check, triggered the way users trigger it: a trainee submitting a 思想汇报 (POST
// /courses/:slug/assignments/:key, intent=submit) and an instructor's 重新比对相似度 (POST
// /teach/:slug/assignments/:key, intent=recompute). The same database work as submitAssignment,
// checkVersionSimilarity and recomputeSimilarity (app/models/assignments.server.ts) with better-sqlite3,
// and the same pure functions: editability and 字数 (the model's pure rules), fingerprint, LSH
// (candidatesFor / candidatePairs) and exact Jaccard (app/utils/similarity.server.ts). One difference:
// the route saves the draft and then submits (two commits), the baseline does both in one.
import type Sqlite from "better-sqlite3";
import type http from "node:http";
import { countChars, deadlinesFor, editability } from "../../../app/models/assignments.server.ts";
import {
  candidatePairs,
  candidatesFor,
  DEFAULT_THRESHOLD,
  fingerprint,
  jaccard,
  shinglesOf,
  signatureFromBytes,
  signatureToBytes,
} from "../../../app/utils/similarity.server.ts";
import { bareCommon, now, type BareUser } from "./common.ts";

type Assignment = { id: number; due_at: number | null; cutoff_at: number | null; min_length: number | null; resubmit: number };
type Sub = { id: number; status: "draft" | "submitted" | "late" | "returned" | "graded"; current_version: number; draft_seq: number };
type Sig = { id: number; user_id: number; minhash: Uint8Array };

export function bareSimilarity(db: Sqlite.Database) {
  const common = bareCommon(db);
  const q = {
    visibleCourse: db.prepare("select id from courses where slug = ? and published = 1 and archived = 0 and audience like ?"),
    course: db.prepare("select id, instructors from courses where slug = ?"),
    assignment: db.prepare("select id, due_at, cutoff_at, min_length, resubmit from assignments where course_id = ? and key = ? and archived = 0"),
    threshold: db.prepare("select similarity_threshold from assignment_settings where assignment_id = ?"),
    submission: db.prepare("select id, status, current_version, draft_seq from submissions where assignment_id = ? and user_id = ?"),
    extension: db.prepare(
      "select due_at, cutoff_at, reason, created_at from assignment_extensions where assignment_id = ? and user_id = ? order by id desc limit 1",
    ),
    lastLate: db.prepare("select late from submission_versions where submission_id = ? order by version desc limit 1"),
    draftFiles: db.prepare("select count(*) as n from submission_files where submission_id = ? and version_id is null"),
    newSubmission: db.prepare(
      "insert into submissions (assignment_id, user_id, created_at, updated_at) values (?, ?, ?, ?) returning id, status, current_version, draft_seq",
    ),
    version: db.prepare(
      "insert into submission_versions (submission_id, version, text_md, text_length, submitted_at, late, minhash) values (?, ?, ?, ?, ?, ?, ?) returning id",
    ),
    submitted: db.prepare(
      "update submissions set status = ?, current_version = ?, draft_md = ?, draft_seq = ?, draft_saved_at = ?, updated_at = ? where id = ?",
    ),
    signatures: db.prepare(
      "select v.id, s.user_id, v.minhash from submission_versions v join submissions s on s.id = v.submission_id where s.assignment_id = ? and v.minhash is not null order by v.id",
    ),
    texts: db.prepare("select id, text_md from submission_versions where id in (select value from json_each(?))"),
    flag: db.prepare(
      "insert into similarity_flags (assignment_id, version_a, version_b, score, computed_at) values (?, ?, ?, ?, ?) on conflict (version_a, version_b) do update set score = excluded.score, computed_at = excluded.computed_at",
    ),
    clearFlags: db.prepare("delete from similarity_flags where assignment_id = ?"),
  };
  const thresholdOf = (assignmentId: number) =>
    (q.threshold.get(assignmentId) as { similarity_threshold: number } | undefined)?.similarity_threshold ?? DEFAULT_THRESHOLD;
  const textsOf = (ids: number[]) => new Map((q.texts.all(JSON.stringify(ids)) as { id: number; text_md: string }[]).map((r) => [r.id, r.text_md]));
  const writeFlags = db.transaction((assignmentId: number, flags: { a: number; b: number; score: number }[], clear: boolean) => {
    if (clear) q.clearFlags.run(assignmentId);
    const t = now();
    for (const f of flags) q.flag.run(assignmentId, Math.min(f.a, f.b), Math.max(f.a, f.b), f.score, t);
  });

  /** Editability, 字数, the version with its MinHash signature and the submission's new state: one transaction. */
  const submitInTransaction = db.transaction((user: BareUser, a: Assignment, raw: string) => {
    const t = now();
    let sub = q.submission.get(a.id, user.id) as Sub | undefined;
    const ext = q.extension.get(a.id, user.id) as { due_at: number; cutoff_at: number; reason: string; created_at: number } | undefined;
    const lastLate = sub ? (q.lastLate.get(sub.id) as { late: number } | undefined)?.late === 1 : false;
    const edit = editability({ resubmit: a.resubmit === 1 }, deadlinesFor(a, ext), sub, lastLate, t);
    if (!edit.canEdit) return { status: 409, error: edit.reason };
    sub ??= q.newSubmission.get(a.id, user.id, t, t) as Sub;
    const files = (q.draftFiles.get(sub.id) as { n: number }).n;
    const text = raw.replace(/\r\n/g, "\n");
    const length = countChars(text);
    if (length === 0 && files === 0) return { status: 400, error: "empty" };
    if (a.min_length && files === 0 && length < a.min_length) return { status: 400, error: "too short" };
    const { signature } = fingerprint(text);
    const version = sub.current_version + 1;
    const { id } = q.version.get(sub.id, version, text, length, t, edit.willBeLate ? 1 : 0, signature && signatureToBytes(signature)) as { id: number };
    q.submitted.run(edit.willBeLate ? "late" : "submitted", version, text, Math.max(sub.draft_seq + 1, Date.now()), t, t, sub.id);
    return { status: 200, versionId: id, version, text, signature };
  });

  /** A trainee hands in: the version is stored, then compared with every other trainee's version of the assignment. */
  async function submit(user: BareUser, slug: string, key: string, req: http.IncomingMessage, res: http.ServerResponse) {
    let body = "";
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const course = q.visibleCourse.get(slug, `%"${user.stage}"%`) as { id: number } | undefined;
    const a = course && (q.assignment.get(course.id, key) as Assignment | undefined);
    if (!a) return res.writeHead(404).end();
    if (form.get("intent") !== "submit") return res.writeHead(400).end();
    const r = submitInTransaction.immediate(user, a, form.get("text") ?? "");
    if (r.status !== 200 || !("versionId" in r)) return res.writeHead(r.status, { "Content-Type": "application/json" }).end(JSON.stringify(r));
    let flags = 0;
    if (r.signature) {
      const threshold = thresholdOf(a.id);
      const others = (q.signatures.all(a.id) as Sig[]).filter((s) => s.user_id !== user.id);
      const picked = candidatesFor(
        r.signature,
        others.map((s) => signatureFromBytes(s.minhash)),
        threshold,
      );
      if (picked.length) {
        const texts = textsOf(picked.map((i) => others[i]!.id));
        const mine = shinglesOf(r.text);
        const found = picked
          .map((i) => ({ a: r.versionId, b: others[i]!.id, score: jaccard(mine, shinglesOf(texts.get(others[i]!.id) ?? "")) }))
          .filter((f) => f.score >= threshold);
        if (found.length) writeFlags.immediate(a.id, found, false);
        flags = found.length;
      }
    }
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ ok: true, version: r.version, flags }));
  }

  /** An instructor re-checks every pair of the assignment: LSH buckets over all signatures, exact Jaccard of the candidates. */
  async function recompute(user: BareUser, slug: string, key: string, req: http.IncomingMessage, res: http.ServerResponse) {
    let body = "";
    for await (const chunk of req) body += chunk;
    const course = q.course.get(slug) as { id: number; instructors: string } | undefined;
    if (!course || !((JSON.parse(course.instructors) as string[]).includes(user.username) || common.hasRole(user, "admin"))) return res.writeHead(404).end();
    const a = q.assignment.get(course.id, key) as Assignment | undefined;
    if (!a) return res.writeHead(404).end();
    if (new URLSearchParams(body).get("intent") !== "recompute") return res.writeHead(400).end();
    const threshold = thresholdOf(a.id);
    const rows = q.signatures.all(a.id) as Sig[];
    const pairs = candidatePairs(
      rows.map((r) => signatureFromBytes(r.minhash)),
      threshold,
    ).filter(([i, j]) => rows[i]!.user_id !== rows[j]!.user_id);
    // Each text in a candidate pair is read and shingled once.
    const inPairs = [...new Set(pairs.flat())];
    const texts = textsOf(inPairs.map((i) => rows[i]!.id));
    const shingles = new Map(inPairs.map((i) => [i, shinglesOf(texts.get(rows[i]!.id) ?? "")]));
    const flags = pairs
      .map(([i, j]) => ({ a: rows[i]!.id, b: rows[j]!.id, score: jaccard(shingles.get(i)!, shingles.get(j)!) }))
      .filter((f) => f.score >= threshold);
    writeFlags.immediate(a.id, flags, true);
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ ok: true, flags: flags.length }));
  }

  return { submit, recompute };
}
