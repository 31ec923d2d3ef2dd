// For the course's instructors: attempts, per-trainee overrides, and manual grading of 填空/简答.
import { audit } from "../audit.server.ts";
import { ExamError, overrideFor, parseSettings } from "./common.server.ts";
import { recomputeAttempt, sweepOverdueAttempts } from "./finalize.server.ts";
import type { QuestionAnswer } from "~/utils/course-types.ts";
import { type DB, now as nowSeconds, writeTransaction } from "~/utils/db.server.ts";
import type { ExamResponse } from "~/utils/exam-response.ts";
import { computeDeadline } from "~/utils/exam-rules.ts";

export async function getExamForEditor(db: DB, courseId: number, key: string) {
  const exam = await db
    .selectFrom("exams")
    .select(["id", "key", "title", "settings", "archived"])
    .where("course_id", "=", courseId)
    .where("key", "=", key)
    .executeTakeFirst();
  return exam && { ...exam, settings: parseSettings(exam.settings) };
}

/** Every attempt of an exam with its trainee; overdue ones are finalized first. */
export async function listAttemptsForExam(db: DB, examId: number, now?: number) {
  const t = now ?? nowSeconds();
  await sweepOverdueAttempts(db, t, { examId });
  return db
    .selectFrom("exam_attempts as a")
    .innerJoin("users as u", "u.id", "a.user_id")
    .leftJoin("exam_overrides as o", (j) => j.onRef("o.exam_id", "=", "a.exam_id").onRef("o.user_id", "=", "a.user_id"))
    .select([
      "a.id",
      "a.user_id",
      "a.attempt_no",
      "a.status",
      "a.started_at",
      "a.deadline_at",
      "a.submitted_at",
      "a.finalized_by",
      "a.score",
      "a.max_score",
      "a.passed",
      "a.pending_manual",
      "a.leave_count",
      "u.username",
      "u.name",
      "o.extra_minutes",
      "o.extra_attempts",
    ])
    .where("a.exam_id", "=", examId)
    .orderBy("u.username")
    .orderBy("a.attempt_no")
    .execute();
}

export async function listOverrides(db: DB, examId: number) {
  return db
    .selectFrom("exam_overrides as o")
    .innerJoin("users as u", "u.id", "o.user_id")
    .innerJoin("users as g", "g.id", "o.granted_by")
    .select(["o.user_id", "u.username", "u.name", "o.extra_minutes", "o.extra_attempts", "o.reason", "o.updated_at", "g.name as granted_by_name"])
    .where("o.exam_id", "=", examId)
    .orderBy("u.username")
    .execute();
}

/**
 * Extra minutes and/or extra attempts for one trainee (audited). An attempt in progress gets its
 * deadline recomputed from its start with the new extra time.
 */
export async function setExamOverride(
  db: DB,
  input: { examId: number; username: string; extraMinutes: number; extraAttempts: number; reason: string; now?: number },
  actor: { actorId: number; ip?: string | null },
) {
  const t = input.now ?? nowSeconds();
  return writeTransaction(db, async (trx) => {
    const exam = await trx.selectFrom("exams").select(["id", "settings"]).where("id", "=", input.examId).executeTakeFirst();
    if (!exam) throw new ExamError("考试不存在", 404);
    const user = await trx.selectFrom("users").select(["id", "name"]).where("username", "=", input.username).executeTakeFirst();
    if (!user) throw new ExamError(`学号 ${input.username} 不存在`, 404);
    const before = await overrideFor(trx, exam.id, user.id);
    const values = { extra_minutes: input.extraMinutes, extra_attempts: input.extraAttempts, reason: input.reason, granted_by: actor.actorId, updated_at: t };
    await trx
      .insertInto("exam_overrides")
      .values({ exam_id: exam.id, user_id: user.id, ...values })
      .onConflict((oc) => oc.columns(["exam_id", "user_id"]).doUpdateSet(values))
      .execute();
    const open = await trx
      .selectFrom("exam_attempts")
      .select(["id", "started_at", "deadline_at"])
      .where("exam_id", "=", exam.id)
      .where("user_id", "=", user.id)
      .where("status", "=", "in_progress")
      .executeTakeFirst();
    let deadline: number | null = null;
    if (open) {
      deadline = computeDeadline(parseSettings(exam.settings), open.started_at, input.extraMinutes);
      await trx.updateTable("exam_attempts").set({ deadline_at: deadline, extra_minutes: input.extraMinutes }).where("id", "=", open.id).execute();
    }
    await audit(trx, {
      ...actor,
      action: "exam.override",
      targetType: "exam",
      targetId: exam.id,
      detail: {
        userId: user.id,
        username: input.username,
        before: before ?? null,
        extraMinutes: input.extraMinutes,
        extraAttempts: input.extraAttempts,
        reason: input.reason,
        attemptId: open?.id ?? null,
        deadline,
      },
    });
    return { userId: user.id, name: user.name, deadline };
  });
}

/** Questions of an exam's attempts that wait for a grader, with counts; pending first. */
export async function listGradingQueue(db: DB, examId: number) {
  const rows = await db
    .selectFrom("attempt_answers as aa")
    .innerJoin("exam_attempts as a", "a.id", "aa.attempt_id")
    .innerJoin("questions as q", "q.id", "aa.question_id")
    .select((eb) => [
      "aa.question_id",
      "q.key",
      "q.version",
      "q.type",
      "q.stem_md",
      eb.fn.countAll<number>().as("answers"),
      eb.fn
        .sum<number>(
          eb
            .case()
            .when(eb.and([eb("aa.needs_manual", "=", 1), eb("aa.manual_score", "is", null)]))
            .then(1)
            .else(0)
            .end(),
        )
        .as("pending"),
      eb.fn.sum<number>(eb.case().when("aa.manual_score", "is not", null).then(1).else(0).end()).as("graded"),
    ])
    .where("a.exam_id", "=", examId)
    .where("a.status", "!=", "in_progress")
    .where((eb) => eb.or([eb("q.type", "in", ["简答", "填空"]), eb("aa.needs_manual", "=", 1), eb("aa.manual_score", "is not", null)]))
    .groupBy(["aa.question_id", "q.key", "q.version", "q.type", "q.stem_md"])
    .execute();
  return rows
    .map((r) => ({ ...r, answers: Number(r.answers), pending: Number(r.pending), graded: Number(r.graded) }))
    .sort((a, b) => b.pending - a.pending || a.question_id - b.question_id);
}

/** One question across every finalized attempt: the reference answer and each trainee's answer. */
export async function getGradingItems(db: DB, examId: number, questionId: number) {
  const question = await db
    .selectFrom("questions")
    .select(["id", "key", "version", "type", "stem_md", "options", "answer", "explanation"])
    .where("id", "=", questionId)
    .executeTakeFirst();
  if (!question) return undefined;
  const items = await db
    .selectFrom("attempt_answers as aa")
    .innerJoin("exam_attempts as a", "a.id", "aa.attempt_id")
    .innerJoin("attempt_questions as aq", (j) => j.onRef("aq.attempt_id", "=", "aa.attempt_id").onRef("aq.question_id", "=", "aa.question_id"))
    .innerJoin("users as u", "u.id", "a.user_id")
    .leftJoin("users as g", "g.id", "aa.grader_id")
    .select([
      "aa.attempt_id",
      "aa.answer as response",
      "aa.auto_score",
      "aa.manual_score",
      "aa.needs_manual",
      "aa.comment",
      "aa.graded_at",
      "aq.score as max",
      "u.username",
      "u.name",
      "g.name as grader_name",
    ])
    .where("a.exam_id", "=", examId)
    .where("aa.question_id", "=", questionId)
    .where("a.status", "!=", "in_progress")
    .orderBy("aa.needs_manual", "desc")
    .orderBy("u.username")
    .execute();
  return {
    question: {
      ...question,
      answer: JSON.parse(question.answer) as QuestionAnswer,
      options: question.options ? (JSON.parse(question.options) as string[]) : null,
    },
    items: items.map((i) => ({ ...i, response: JSON.parse(i.response) as ExamResponse, pending: i.needs_manual === 1 && i.manual_score === null })),
  };
}

/** A grader's score and comment for one answer (audited); the attempt's total and pass are recomputed. */
export async function gradeAnswer(
  db: DB,
  input: { examId: number; attemptId: number; questionId: number; score: number; comment: string | null; now?: number },
  actor: { actorId: number; ip?: string | null },
) {
  const t = input.now ?? nowSeconds();
  return writeTransaction(db, async (trx) => {
    const row = await trx
      .selectFrom("attempt_answers as aa")
      .innerJoin("exam_attempts as a", "a.id", "aa.attempt_id")
      .innerJoin("attempt_questions as aq", (j) => j.onRef("aq.attempt_id", "=", "aa.attempt_id").onRef("aq.question_id", "=", "aa.question_id"))
      .select(["aa.manual_score", "aa.auto_score", "aa.comment", "aq.score as max", "a.status", "a.score as total"])
      .where("aa.attempt_id", "=", input.attemptId)
      .where("aa.question_id", "=", input.questionId)
      .where("a.exam_id", "=", input.examId)
      .executeTakeFirst();
    if (!row) throw new ExamError("答卷不存在", 404);
    if (row.status === "in_progress") throw new ExamError("考生尚未交卷，不能评分", 409);
    if (!(input.score >= 0 && input.score <= row.max)) throw new ExamError(`分数须在 0 到 ${row.max} 之间`, 400);
    if (row.manual_score === input.score && (row.comment ?? null) === input.comment) return { changed: false, total: row.total };
    await trx
      .updateTable("attempt_answers")
      .set({ manual_score: input.score, comment: input.comment, grader_id: actor.actorId, graded_at: t })
      .where("attempt_id", "=", input.attemptId)
      .where("question_id", "=", input.questionId)
      .execute();
    const totals = await recomputeAttempt(trx, input.attemptId);
    await audit(trx, {
      ...actor,
      action: "exam.grade",
      targetType: "exam_attempt",
      targetId: input.attemptId,
      detail: {
        questionId: input.questionId,
        before: row.manual_score ?? row.auto_score,
        after: input.score,
        comment: input.comment,
        totalBefore: row.total,
        totalAfter: totals.score,
      },
    });
    return { changed: true, total: totals.score };
  });
}
