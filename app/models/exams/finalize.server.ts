// Finalizing an attempt (by the trainee, on a read past the deadline, or by the sweep) and computing
// its score from the stored answers.
import type { AttemptStatus, FinalizedBy } from "../../../db/types.ts";
import { parseSettings } from "./common.server.ts";
import { type DB, now as nowSeconds, writeTransaction } from "~/utils/db.server.ts";
import { gradeResponse, isOverdue, round2 } from "~/utils/exam-rules.ts";
import { takeLease } from "~/models/job-leases.server.ts";

export type FinalizeOutcome = { attemptId: number; status: AttemptStatus; score: number | null; finalizedBy: FinalizedBy | null; already: boolean };

/** Grades the stored paper with the saved answers and closes the attempt; a no-op when already closed. */
export async function finalizeInTrx(trx: DB, attemptId: number, by: FinalizedBy, t: number): Promise<FinalizeOutcome> {
  const a = await trx
    .selectFrom("exam_attempts as a")
    .innerJoin("exams as e", "e.id", "a.exam_id")
    .select(["a.status", "a.score", "a.finalized_by", "a.deadline_at", "e.settings"])
    .where("a.id", "=", attemptId)
    .executeTakeFirstOrThrow();
  if (a.status !== "in_progress") return { attemptId, status: a.status, score: a.score, finalizedBy: a.finalized_by, already: true };
  const settings = parseSettings(a.settings);
  const rows = await trx
    .selectFrom("attempt_answers as aa")
    .innerJoin("attempt_questions as aq", (j) => j.onRef("aq.attempt_id", "=", "aa.attempt_id").onRef("aq.question_id", "=", "aa.question_id"))
    .innerJoin("questions as q", "q.id", "aa.question_id")
    .select(["aa.question_id", "aa.answer as response", "aq.score as max", "q.type", "q.answer"])
    .where("aa.attempt_id", "=", attemptId)
    .execute();
  for (const r of rows) {
    const g = gradeResponse({ type: r.type, answer: JSON.parse(r.answer) }, JSON.parse(r.response), r.max, settings.multi_scoring);
    await trx
      .updateTable("attempt_answers")
      .set({ auto_score: g.score, needs_manual: g.needsManual ? 1 : 0 })
      .where("attempt_id", "=", attemptId)
      .where("question_id", "=", r.question_id)
      .execute();
  }
  await trx
    .updateTable("exam_attempts")
    .set({ status: "submitted", finalized_by: by, submitted_at: by === "user" ? Math.min(t, a.deadline_at) : a.deadline_at })
    .where("id", "=", attemptId)
    .execute();
  const totals = await recomputeAttempt(trx, attemptId);
  return { attemptId, status: totals.status, score: totals.score, finalizedBy: by, already: false };
}

/** Totals from the answers: manual score where given, else the automatic one; pass decided once all is graded. */
export async function recomputeAttempt(trx: DB, attemptId: number) {
  const [answers, attempt] = await Promise.all([
    trx.selectFrom("attempt_answers").select(["auto_score", "manual_score", "needs_manual"]).where("attempt_id", "=", attemptId).execute(),
    trx
      .selectFrom("exam_attempts as a")
      .innerJoin("exams as e", "e.id", "a.exam_id")
      .select(["e.settings", "a.status"])
      .where("a.id", "=", attemptId)
      .executeTakeFirstOrThrow(),
  ]);
  const settings = parseSettings(attempt.settings);
  const score = round2(answers.reduce((n, r) => n + (r.manual_score ?? r.auto_score ?? 0), 0));
  const auto = round2(answers.reduce((n, r) => n + (r.auto_score ?? 0), 0));
  const pending = answers.filter((r) => r.needs_manual === 1 && r.manual_score === null).length;
  const status: AttemptStatus = pending ? "submitted" : "graded";
  await trx
    .updateTable("exam_attempts")
    .set({ score, auto_score: auto, pending_manual: pending, status, passed: pending ? null : score >= settings.pass_score ? 1 : 0 })
    .where("id", "=", attemptId)
    .execute();
  return { score, status };
}

/**
 * Finalizes every attempt past deadline + grace with its saved answers, each in its own short
 * transaction. The server calls it periodically; loaders also finalize what they read.
 */
export async function sweepOverdueAttempts(db: DB, now?: number, opts: { examId?: number; userId?: number } = {}): Promise<number> {
  const t = now ?? nowSeconds();
  let q = db
    .selectFrom("exam_attempts")
    .select("id")
    .where("status", "=", "in_progress")
    .where("deadline_at", "<", t) // grace ≥ 0: lets the (status, deadline_at) index narrow the scan
    .where((eb) => eb(eb("deadline_at", "+", eb.ref("grace_seconds")), "<", t));
  if (opts.examId !== undefined) q = q.where("exam_id", "=", opts.examId);
  if (opts.userId !== undefined) q = q.where("user_id", "=", opts.userId);
  const overdue = await q.execute();
  let n = 0;
  for (const { id } of overdue) {
    const r = await writeTransaction(db, (trx) => finalizeInTrx(trx, id, opts.examId === undefined ? "sweep" : "deadline_read", t));
    if (!r.already) n++;
  }
  return n;
}

/**
 * One round of the server's periodic sweep: every instance ticks, only the one holding the `exam-sweep`
 * lease sweeps (null on the others), so several instances do not all finalize the same attempts at once.
 */
export async function runSweepRound(db: DB, owner: string, intervalSeconds: number, t = nowSeconds()): Promise<number | null> {
  if (!(await takeLease(db, "exam-sweep", owner, intervalSeconds * 2, t))) return null;
  return sweepOverdueAttempts(db, t);
}

/** Finalizes one attempt on read when it is overdue; returns nothing. */
export async function finalizeIfOverdue(db: DB, attempt: { id: number; status: AttemptStatus; deadline_at: number; grace_seconds: number }, t: number) {
  if (attempt.status === "in_progress" && isOverdue(attempt, t)) {
    await writeTransaction(db, (trx) => finalizeInTrx(trx, attempt.id, "deadline_read", t));
    return true;
  }
  return false;
}
