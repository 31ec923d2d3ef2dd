// Starting an attempt inside the exam's window: visibility, open/close times, attempts left, the
// server's deadline; the paper is drawn and stored in the same transaction.
import { examById, ExamError, type ExamViewer, overrideFor, parseSettings, viewerById, visibleTo } from "./common.server.ts";
import { drawPaper } from "./drawing.server.ts";
import { finalizeInTrx } from "./finalize.server.ts";
import type { ExamSettings } from "~/utils/course-types.ts";
import { type DB, now as nowSeconds, writeTransaction } from "~/utils/db.server.ts";
import { computeDeadline, isOverdue, round2 } from "~/utils/exam-rules.ts";

/** Why an exam cannot be started now, or null. */
export function windowProblem(settings: ExamSettings, t: number, extraMinutes: number): string | null {
  if (settings.opens_at !== null && t < settings.opens_at) return "考试尚未开始，请在开放时间内进入";
  if (settings.closes_at !== null && t >= settings.closes_at + extraMinutes * 60) return "考试已结束，不能再开始作答";
  return null;
}

type StartResult = { attemptId: number; resumed: boolean };

/**
 * Starts an attempt, or returns the one in progress (idempotent). In one write transaction: visibility,
 * window, attempts left, then the paper is drawn per the draw rules from the current (non-archived)
 * question versions, shuffled per attempt and stored with the deadline.
 */
export async function startExamAttempt(db: DB, input: { examId: number; userId: number; now?: number; viewer?: ExamViewer }): Promise<StartResult> {
  const t = input.now ?? nowSeconds();
  return writeTransaction(db, async (trx) => {
    const exam = await examById(trx, input.examId);
    const viewer = input.viewer ?? (await viewerById(trx, input.userId));
    if (!exam || !viewer || !visibleTo(exam, viewer)) throw new ExamError("考试不存在或您无权参加", 404);

    const attempts = await trx
      .selectFrom("exam_attempts")
      .select(["id", "status", "deadline_at", "grace_seconds", "attempt_no"])
      .where("exam_id", "=", exam.id)
      .where("user_id", "=", input.userId)
      .execute();
    const open = attempts.find((a) => a.status === "in_progress");
    if (open && !isOverdue(open, t)) return { attemptId: open.id, resumed: true };
    if (open) await finalizeInTrx(trx, open.id, "deadline_read", t);

    const settings = parseSettings(exam.settings);
    const override = await overrideFor(trx, exam.id, input.userId);
    const extraMinutes = override?.extra_minutes ?? 0;
    const problem = windowProblem(settings, t, extraMinutes);
    if (problem) throw new ExamError(problem, 409);
    const allowed = settings.attempts + (override?.extra_attempts ?? 0);
    if (attempts.length >= allowed) throw new ExamError(`您的 ${allowed} 次考试机会已用完`, 409);

    const paper = await drawPaper(trx, exam.course_id, settings);
    const deadline = computeDeadline(settings, t, extraMinutes);
    const { id } = await trx
      .insertInto("exam_attempts")
      .values({
        exam_id: exam.id,
        user_id: input.userId,
        attempt_no: Math.max(0, ...attempts.map((a) => a.attempt_no)) + 1,
        started_at: t,
        deadline_at: deadline,
        grace_seconds: settings.grace_seconds,
        max_score: round2(paper.reduce((n, q) => n + q.score, 0)),
        extra_minutes: extraMinutes,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("attempt_questions")
      .values(
        paper.map((q, i) => ({
          attempt_id: id,
          position: i + 1,
          question_id: q.id,
          option_order: q.optionOrder && JSON.stringify(q.optionOrder),
          score: q.score,
        })),
      )
      .execute();
    return { attemptId: id, resumed: false };
  });
}
