// What a trainee sends during an attempt: answers (autosave with sequence numbers, the no-JS form),
// leaving the page, and the final submit. Time is the server's: callers pass `now` (unix seconds).
import { cstClock } from "~/utils/cst.ts";
import { attemptForUser, ExamError } from "./common.server.ts";
import { choicesFromPage } from "./drawing.server.ts";
import { finalizeInTrx, type FinalizeOutcome } from "./finalize.server.ts";
import { type DB, now as nowSeconds, writeTransaction } from "~/utils/db.server.ts";
import { isOverdue, validateResponse } from "~/utils/exam-rules.ts";

/** Two leave events closer than this are one leave (blur and visibilitychange fire together). */
const LEAVE_DEDUPE_SECONDS = 2;

type SaveResult =
  | { ok: true; seq: number; savedAt: number; applied: boolean; now: number }
  | { ok: false; reason: "not_found" | "finished" | "deadline" | "bad_answer"; message: string; status: 400 | 404 | 409 | 410; now: number };

/**
 * Saves one answer. Scoped by user (another user's attempt is "not found"); refused once the attempt
 * is finished or the server's clock is past deadline + grace; idempotent; an older seq never
 * overwrites a newer one (one INSERT … ON CONFLICT … DO UPDATE … WHERE excluded.seq > stored seq).
 */
export async function saveAnswer(
  db: DB,
  input: { attemptId: number; userId: number; questionId: number; answer: unknown; seq: number; now?: number },
): Promise<SaveResult> {
  const t = input.now ?? nowSeconds();
  return writeTransaction(db, async (trx) => {
    const attempt = await attemptForUser(trx, input.attemptId, input.userId);
    const refused = await refuseSave(trx, attempt, t);
    if (refused) return refused;
    return saveInTrx(trx, input.attemptId, input.questionId, input.answer, input.seq, t);
  });
}

async function refuseSave(trx: DB, attempt: Awaited<ReturnType<typeof attemptForUser>>, t: number): Promise<SaveResult | null> {
  if (!attempt) return { ok: false, reason: "not_found", message: "考试记录不存在", status: 404, now: t };
  if (attempt.status !== "in_progress") return { ok: false, reason: "finished", message: "本次考试已交卷，答案不能再修改", status: 409, now: t };
  if (isOverdue(attempt, t)) {
    await finalizeInTrx(trx, attempt.id, "deadline_read", t);
    return {
      ok: false,
      reason: "deadline",
      message: `考试时间已于 ${cstClock(attempt.deadline_at)} 结束，此答案未能保存；此前已保存的答案已自动交卷`,
      status: 410,
      now: t,
    };
  }
  return null;
}

async function saveInTrx(trx: DB, attemptId: number, questionId: number, raw: unknown, seq: number | "next", t: number): Promise<SaveResult> {
  const q = await trx
    .selectFrom("attempt_questions as aq")
    .innerJoin("questions as q", "q.id", "aq.question_id")
    .leftJoin("attempt_answers as aa", (j) => j.onRef("aa.attempt_id", "=", "aq.attempt_id").onRef("aa.question_id", "=", "aq.question_id"))
    .select(["q.type", "q.options", "q.stem_md", "aq.option_order", "aa.seq", "aa.saved_at"])
    .where("aq.attempt_id", "=", attemptId)
    .where("aq.question_id", "=", questionId)
    .executeTakeFirst();
  if (!q) return { ok: false, reason: "not_found", message: "本试卷中没有这道题", status: 404, now: t };
  const onPage = validateResponse(q, raw);
  if (!onPage) return { ok: false, reason: "bad_answer", message: "答案格式不正确", status: 400, now: t };
  const response = choicesFromPage(onPage, q);
  const nextSeq = seq === "next" ? (q.seq ?? 0) + 1 : seq;
  const row = await trx
    .insertInto("attempt_answers")
    .values({ attempt_id: attemptId, question_id: questionId, answer: JSON.stringify(response), seq: nextSeq, saved_at: t })
    .onConflict((oc) =>
      oc
        .columns(["attempt_id", "question_id"])
        .doUpdateSet((eb) => ({ answer: eb.ref("excluded.answer"), seq: eb.ref("excluded.seq"), saved_at: eb.ref("excluded.saved_at") }))
        .whereRef("excluded.seq", ">", "attempt_answers.seq"),
    )
    .returning(["seq", "saved_at"])
    .executeTakeFirst();
  if (row) return { ok: true, seq: row.seq, savedAt: row.saved_at, applied: true, now: t };
  // Not applied: the stored answer is as new or newer. Tell the page what is stored.
  return { ok: true, seq: q.seq ?? 0, savedAt: q.saved_at ?? t, applied: false, now: t };
}

/** The no-JavaScript page's 保存: every answer of the page, each as the newest (server-assigned seq). */
export async function saveAnswersFromForm(
  db: DB,
  input: { attemptId: number; userId: number; answers: { questionId: number; answer: unknown }[]; now?: number },
): Promise<SaveResult | { ok: true; saved: number; now: number }> {
  const t = input.now ?? nowSeconds();
  return writeTransaction(db, async (trx) => {
    const refused = await refuseSave(trx, await attemptForUser(trx, input.attemptId, input.userId), t);
    if (refused) return refused;
    let saved = 0;
    for (const a of input.answers) {
      const r = await saveInTrx(trx, input.attemptId, a.questionId, a.answer, "next", t);
      if (!r.ok) return r;
      saved++;
    }
    return { ok: true as const, saved, now: t };
  });
}

/** Leaving the exam page (blur / hidden) is counted and shown to instructors, never punished here. */
export async function recordLeave(db: DB, input: { attemptId: number; userId: number; now?: number }): Promise<boolean> {
  const t = input.now ?? nowSeconds();
  const r = await db
    .updateTable("exam_attempts")
    .set((eb) => ({ leave_count: eb("leave_count", "+", 1), last_leave_at: t }))
    .where("id", "=", input.attemptId)
    .where("user_id", "=", input.userId)
    .where("status", "=", "in_progress")
    .where((eb) => eb.or([eb("last_leave_at", "is", null), eb("last_leave_at", "<", t - LEAVE_DEDUPE_SECONDS)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Submits an attempt (idempotent: a second click or a retry returns the same result). Answers the
 * page still carries (the no-JS form) are saved first, as the newest. After deadline + grace the
 * attempt is finalized as overdue with what was saved, and the late answers are not taken.
 */
export async function submitAttempt(
  db: DB,
  input: { attemptId: number; userId: number; now?: number; answers?: { questionId: number; answer: unknown }[] },
): Promise<FinalizeOutcome> {
  const t = input.now ?? nowSeconds();
  return writeTransaction(db, async (trx) => {
    const attempt = await attemptForUser(trx, input.attemptId, input.userId);
    if (!attempt) throw new ExamError("考试记录不存在", 404);
    if (attempt.status === "in_progress") {
      if (isOverdue(attempt, t)) return finalizeInTrx(trx, attempt.id, "deadline_read", t);
      for (const a of input.answers ?? []) await saveInTrx(trx, attempt.id, a.questionId, a.answer, "next", t);
      // The page submits by itself at zero: within the grace that is the deadline finalizing it.
      return finalizeInTrx(trx, attempt.id, t >= attempt.deadline_at ? "deadline_read" : "user", t);
    }
    return finalizeInTrx(trx, attempt.id, "user", t);
  });
}
