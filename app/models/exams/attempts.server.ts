// What a trainee reads: the exam's intro, the paper of an attempt in progress, the review afterwards.
import { EXAM_COLUMNS, type ExamViewer, overrideFor, parseSettings, visibleTo } from "./common.server.ts";
import { choicesToPage, displayedOptions } from "./drawing.server.ts";
import { finalizeIfOverdue, sweepOverdueAttempts } from "./finalize.server.ts";
import { windowProblem } from "./windows.server.ts";
import { certifiedCourses, traineeSees } from "../hours.server.ts";
import type { ExamSettings, QuestionAnswer } from "~/utils/course-types.ts";
import { type DB, now as nowSeconds } from "~/utils/db.server.ts";
import type { ExamResponse } from "~/utils/exam-response.ts";
import { answersVisible, blankCount, countedAttempt } from "~/utils/exam-rules.ts";

/** The exam's intro for one trainee: rules, window, attempts used and left, the counted result. */
export async function getExamForTrainee(db: DB, input: { slug: string; key: string; viewer: ExamViewer; now?: number }) {
  const t = input.now ?? nowSeconds();
  const exam = await db
    .selectFrom("exams as e")
    .innerJoin("courses as c", "c.id", "e.course_id")
    .select([...EXAM_COLUMNS, "c.published", "c.archived as course_archived", "c.audience", "c.instructors"])
    .where("c.slug", "=", input.slug)
    .where("e.key", "=", input.key)
    .executeTakeFirst();
  if (!exam || !visibleTo(exam, input.viewer)) return undefined;
  await sweepOverdueAttempts(db, t, { examId: exam.id, userId: input.viewer.id });
  const settings = parseSettings(exam.settings);
  const [attempts, override, certified] = await Promise.all([
    db
      .selectFrom("exam_attempts")
      .select(["id", "attempt_no", "status", "started_at", "deadline_at", "submitted_at", "score", "max_score", "passed", "finalized_by"])
      .where("exam_id", "=", exam.id)
      .where("user_id", "=", input.viewer.id)
      .orderBy("attempt_no")
      .execute(),
    overrideFor(db, exam.id, input.viewer.id),
    certifiedCourses(db, [input.viewer.id], [exam.course_id]),
  ]);
  const allowed = settings.attempts + (override?.extra_attempts ?? 0);
  // As on the course page and 我的培训班: a certificate of a class with this course shows the result.
  const visible = traineeSees.examResult(settings, t, certified.size > 0);
  const counted = countedAttempt(attempts, settings.counts);
  const inProgress = attempts.find((a) => a.status === "in_progress") ?? null;
  return {
    exam: {
      id: exam.id,
      key: exam.key,
      title: exam.title,
      instructions_md: exam.instructions_md,
      courseSlug: exam.course_slug,
      courseTitle: exam.course_title,
    },
    rules: {
      duration_minutes: settings.duration_minutes + (override?.extra_minutes ?? 0),
      extra_minutes: override?.extra_minutes ?? 0,
      pass_score: settings.pass_score,
      total_score: settings.total_score,
      attempts: allowed,
      counts: settings.counts,
      opens_at: settings.opens_at,
      closes_at: settings.closes_at,
      show_results: settings.show_results,
      multi_scoring: settings.multi_scoring,
      questionCount: settings.draw.reduce((n, r) => n + r.count, 0),
    },
    attempts: attempts.map((a) => ({ ...a, score: visible ? a.score : null, passed: visible ? a.passed : null })),
    used: attempts.length,
    left: Math.max(0, allowed - attempts.length),
    inProgress: inProgress && { id: inProgress.id, deadline_at: inProgress.deadline_at },
    windowProblem: windowProblem(settings, t, override?.extra_minutes ?? 0),
    resultsVisible: visible,
    counted: visible && counted ? { score: counted.score, passed: counted.passed, max_score: counted.max_score, status: counted.status } : null,
  };
}

/** The id of a course's exam by slug and key (visibility is checked by whoever uses it). */
export async function findExamId(db: DB, slug: string, key: string): Promise<number | undefined> {
  const row = await db
    .selectFrom("exams as e")
    .innerJoin("courses as c", "c.id", "e.course_id")
    .select("e.id")
    .where("c.slug", "=", slug)
    .where("e.key", "=", key)
    .executeTakeFirst();
  return row?.id;
}

/** An attempt's questions in paper order with what the trainee saved: the columns the paper and the review share. */
function attemptQuestionRows(db: DB, attemptId: number) {
  return db
    .selectFrom("attempt_questions as aq")
    .innerJoin("questions as q", "q.id", "aq.question_id")
    .leftJoin("attempt_answers as aa", (j) => j.onRef("aa.attempt_id", "=", "aq.attempt_id").onRef("aa.question_id", "=", "aq.question_id"))
    .select(["aq.position", "aq.question_id", "aq.option_order", "aq.score as max", "q.type", "q.stem_md", "q.options", "aa.answer as response"])
    .where("aq.attempt_id", "=", attemptId)
    .orderBy("aq.position");
}

async function attemptHeader(db: DB, attemptId: number, userId: number) {
  return db
    .selectFrom("exam_attempts as a")
    .innerJoin("exams as e", "e.id", "a.exam_id")
    .innerJoin("courses as c", "c.id", "e.course_id")
    .select([
      "a.id",
      "a.exam_id",
      "a.attempt_no",
      "a.status",
      "a.started_at",
      "a.deadline_at",
      "a.grace_seconds",
      "a.submitted_at",
      "a.finalized_by",
      "a.score",
      "a.max_score",
      "a.passed",
      "a.pending_manual",
      "a.leave_count",
      "e.key as exam_key",
      "e.title as exam_title",
      "e.settings",
      "e.course_id",
      "c.slug as course_slug",
      "c.title as course_title",
    ])
    .where("a.id", "=", attemptId)
    .where("a.user_id", "=", userId)
    .executeTakeFirst();
}

/** One trainee's attempt with its exam settings; an overdue attempt is finalized on this read. */
async function readAttempt(db: DB, attemptId: number, userId: number, t: number) {
  let head = await attemptHeader(db, attemptId, userId);
  if (!head) return undefined;
  if (await finalizeIfOverdue(db, head, t)) head = (await attemptHeader(db, attemptId, userId))!;
  const { settings, ...attempt } = head;
  return { attempt, settings: parseSettings(settings) };
}

/**
 * The paper of an attempt for its trainee, WITHOUT answers or 解析: stems, option texts in this
 * attempt's order (a choice is named by its position there), and what the trainee saved, in the same
 * positions (with its seq). An overdue attempt is finalized on this read.
 */
export async function getAttemptPaper(db: DB, input: { attemptId: number; userId: number; now?: number }) {
  const t = input.now ?? nowSeconds();
  const read = await readAttempt(db, input.attemptId, input.userId, t);
  if (!read) return undefined;
  const { attempt, settings } = read;
  if (attempt.status !== "in_progress") return { attempt, finished: true as const, questions: [], now: t };
  const rows = await attemptQuestionRows(db, attempt.id).select("aa.seq").execute();
  return {
    attempt,
    finished: false as const,
    now: t,
    multiScoring: settings.multi_scoring,
    questions: rows.map((r) => ({
      questionId: r.question_id,
      position: r.position,
      type: r.type,
      score: r.max,
      stem_md: r.stem_md,
      options: displayedOptions(r)?.map((o) => o.text) ?? null,
      blanks: r.type === "填空" ? blankCount(r.stem_md) : 0,
      response: r.response ? choicesToPage(JSON.parse(r.response) as ExamResponse, r) : null,
      seq: r.seq ?? 0,
    })),
  };
}

/** Attempts a trainee may still start (the exam's plus any granted extra ones, less those made). */
async function attemptsLeft(db: DB, examId: number, userId: number, settings: ExamSettings): Promise<number> {
  const [made, override] = await Promise.all([
    db
      .selectFrom("exam_attempts")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("exam_id", "=", examId)
      .where("user_id", "=", userId)
      .executeTakeFirstOrThrow(),
    overrideFor(db, examId, userId),
  ]);
  return settings.attempts + (override?.extra_attempts ?? 0) - Number(made.n);
}

/** The result of an attempt for its trainee, with answers and 解析 only when review is allowed. */
export async function getAttemptReview(db: DB, input: { attemptId: number; userId: number; now?: number }) {
  const t = input.now ?? nowSeconds();
  const read = await readAttempt(db, input.attemptId, input.userId, t);
  if (!read) return undefined;
  const { attempt, settings } = read;
  const done = attempt.status !== "in_progress";
  // The score by the one rule (a certificate of a class with the course shows it); 正确答案 and 解析 never by a certificate.
  const visible = done && traineeSees.examResult(settings, t, (await certifiedCourses(db, [input.userId], [attempt.course_id])).size > 0);
  const answers = done && answersVisible(settings, t, await attemptsLeft(db, attempt.exam_id, input.userId, settings));
  const base = {
    attempt: { ...attempt, score: visible ? attempt.score : null, passed: visible ? attempt.passed : null },
    passScore: settings.pass_score,
    showResults: settings.show_results,
    closesAt: settings.closes_at,
    visible,
    answersVisible: answers,
  };
  if (!answers) return { ...base, questions: [] };
  const rows = await attemptQuestionRows(db, attempt.id)
    .select(["q.answer", "q.explanation", "aa.auto_score", "aa.manual_score", "aa.needs_manual", "aa.comment"])
    .execute();
  return {
    ...base,
    questions: rows.map((r) => ({
      questionId: r.question_id,
      position: r.position,
      type: r.type,
      max: r.max,
      stem_md: r.stem_md,
      options: displayedOptions(r),
      response: r.response ? (JSON.parse(r.response) as ExamResponse) : null,
      correct: JSON.parse(r.answer) as QuestionAnswer,
      explanation: r.explanation,
      earned: r.response ? (r.manual_score ?? r.auto_score ?? 0) : 0,
      pending: r.needs_manual === 1 && r.manual_score === null,
      comment: r.comment,
    })),
  };
}
