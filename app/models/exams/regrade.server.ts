// Regrading after a question was edited: the questions with a newer version, and regrading with it.
import { audit } from "../audit.server.ts";
import { examById, ExamError, parseSettings } from "./common.server.ts";
import { recomputeAttempt } from "./finalize.server.ts";
import { type DB, writeTransaction } from "~/utils/db.server.ts";
import { gradeResponse } from "~/utils/exam-rules.ts";

/**
 * Questions answered in this exam whose bank now holds a newer version (the instructor edited them
 * after trainees answered): candidates for "按新版本重新评分".
 */
export async function listEditedQuestions(db: DB, examId: number) {
  const used = await db
    .selectFrom("attempt_questions as aq")
    .innerJoin("exam_attempts as a", "a.id", "aq.attempt_id")
    .innerJoin("questions as q", "q.id", "aq.question_id")
    .select(["q.id", "q.bank_id", "q.key", "q.version", "q.type", "q.stem_md", (eb) => eb.fn.count<number>("aq.attempt_id").as("attempts")])
    .where("a.exam_id", "=", examId)
    .where("a.status", "!=", "in_progress")
    .groupBy(["q.id", "q.bank_id", "q.key", "q.version", "q.type", "q.stem_md"])
    .execute();
  const out = [];
  for (const q of used) {
    const newer = await newestVersion(db, q.bank_id, q.key);
    if (newer && newer.id !== q.id && newer.version > q.version) out.push({ ...q, attempts: Number(q.attempts), newId: newer.id, newVersion: newer.version });
  }
  return out;
}

async function newestVersion(db: DB, bankId: number, key: string) {
  return db
    .selectFrom("questions")
    .select(["id", "version", "type", "options", "answer"])
    .where("bank_id", "=", bankId)
    .where("key", "=", key)
    .orderBy("version", "desc")
    .limit(1)
    .executeTakeFirst();
}

/**
 * Regrades every finalized attempt that saw `questionId` with the answer key of the question's newest
 * version. The attempt keeps the version it saw (its paper does not change); only the automatic
 * score of that answer is recomputed, a grader's manual score is kept, totals follow. Refused when the
 * type or the number of options changed, because the trainees' choices could not be mapped. Audited.
 */
export async function regradeWithNewestVersion(db: DB, input: { examId: number; questionId: number }, actor: { actorId: number; ip?: string | null }) {
  return writeTransaction(db, async (trx) => {
    const exam = await examById(trx, input.examId);
    if (!exam) throw new ExamError("考试不存在", 404);
    const old = await trx
      .selectFrom("questions")
      .select(["id", "bank_id", "key", "version", "type", "options"])
      .where("id", "=", input.questionId)
      .executeTakeFirst();
    if (!old) throw new ExamError("题目不存在", 404);
    const newer = await newestVersion(trx, old.bank_id, old.key);
    if (!newer || newer.id === old.id) throw new ExamError("该题没有更新的版本", 409);
    const optionCount = (o: string | null) => (o ? (JSON.parse(o) as unknown[]).length : 0);
    if (newer.type !== old.type || optionCount(newer.options) !== optionCount(old.options)) {
      throw new ExamError("题型或选项数已改变，无法按新版本重新评分", 409);
    }
    const settings = parseSettings(exam.settings);
    const rows = await trx
      .selectFrom("attempt_answers as aa")
      .innerJoin("exam_attempts as a", "a.id", "aa.attempt_id")
      .innerJoin("attempt_questions as aq", (j) => j.onRef("aq.attempt_id", "=", "aa.attempt_id").onRef("aq.question_id", "=", "aa.question_id"))
      .select(["aa.attempt_id", "aa.answer as response", "aa.auto_score", "aq.score as max", "a.score as total"])
      .where("a.exam_id", "=", input.examId)
      .where("aa.question_id", "=", old.id)
      .where("a.status", "!=", "in_progress")
      .execute();
    const changes = [];
    for (const r of rows) {
      const g = gradeResponse({ type: newer.type, answer: JSON.parse(newer.answer) }, JSON.parse(r.response), r.max, settings.multi_scoring);
      if (g.score === r.auto_score) continue;
      await trx
        .updateTable("attempt_answers")
        .set({ auto_score: g.score, needs_manual: g.needsManual ? 1 : 0 })
        .where("attempt_id", "=", r.attempt_id)
        .where("question_id", "=", old.id)
        .execute();
      const totals = await recomputeAttempt(trx, r.attempt_id);
      changes.push({ attemptId: r.attempt_id, before: r.auto_score, after: g.score, totalBefore: r.total, totalAfter: totals.score });
    }
    await audit(trx, {
      ...actor,
      action: "exam.regrade",
      targetType: "exam",
      targetId: input.examId,
      detail: { questionId: old.id, version: old.version, newVersion: newer.version, answers: rows.length, changed: changes },
    });
    return { answers: rows.length, changed: changes.length };
  });
}
