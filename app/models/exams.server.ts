// Exams: starting an attempt (drawing and storing the paper), autosave with sequence numbers, the
// server's deadline, finalizing (by the trainee, on read, or by the sweep), objective grading, manual
// grading, overrides and item analysis. Time is always the server's: callers pass `now` (unix seconds).
import { randomInt } from "node:crypto";
import type { AttemptStatus, FinalizedBy, Role, Stage } from "../../db/types.ts";
import type { ExamSettings, QuestionAnswer, QuestionType } from "~/utils/course-format.server.ts";
import { now as nowSeconds, writeTransaction, type DB } from "~/utils/db.server.ts";
import { isAnswered, type ExamResponse } from "~/utils/exam-response.ts";
import { audit } from "./audit.server.ts";
import { courseFromRow, openToStage, seesEverything } from "./visibility.server.ts";
import { cstClock } from "~/utils/cst.ts";

export type { ExamResponse };

export class ExamError extends Error {
  constructor(message: string, readonly status: 400 | 403 | 404 | 409 | 410 = 409) {
    super(message);
  }
}

type ExamViewer = { id: number; username: string; stage: Stage; roles: readonly Role[] };

const MAX_TEXT = 5000;
const MAX_BLANK = 200;
/** Two leave events closer than this are one leave (blur and visibilitychange fire together). */
const LEAVE_DEDUPE_SECONDS = 2;

const round2 = (n: number) => Math.round(n * 100) / 100;
const parseSettings = (json: string) => JSON.parse(json) as ExamSettings;

function shuffle<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Random sample of `count` items (partial Fisher–Yates). */
function sample<T>(items: T[], count: number): T[] {
  const a = [...items];
  for (let i = 0; i < count; i++) {
    const j = i + randomInt(a.length - i);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, count);
}

export const blankCount = (stemMd: string) => (stemMd.match(/\{\{\}\}/g) ?? []).length;

// ------------------------------------------------------------------------------------------ timing

/** Deadline fixed at start: min(start + duration, closes), both moved by the trainee's extra minutes. */
export function computeDeadline(settings: Pick<ExamSettings, "duration_minutes" | "closes_at">, startedAt: number, extraMinutes = 0): number {
  const extra = extraMinutes * 60;
  const byDuration = startedAt + settings.duration_minutes * 60 + extra;
  return settings.closes_at === null ? byDuration : Math.min(byDuration, settings.closes_at + extra);
}

/** Past the deadline and its grace: saves are refused and the attempt is finalized with what was saved. */
export const isOverdue = (a: { deadline_at: number; grace_seconds: number }, t: number) => t > a.deadline_at + a.grace_seconds;

// ------------------------------------------------------------------------------------------ grading

/** Full-width to half-width (NFKC), no whitespace, lower case: what two blank answers are compared as. */
export function normalizeBlank(s: string): string {
  return s.normalize("NFKC").replace(/[\s\u3000]+/g, "").toLowerCase();
}

/** How many blanks match; with orderFree each answer may fill any blank, once (maximum matching). */
export function matchBlanks(answer: { blanks: string[][]; orderFree: boolean }, given: string[]): number {
  const alts = answer.blanks.map((b) => new Set(b.map(normalizeBlank)));
  const values = given.map(normalizeBlank);
  if (!answer.orderFree) return alts.reduce((n, set, i) => n + (values[i] && set.has(values[i]) ? 1 : 0), 0);
  const owner = new Array<number>(alts.length).fill(-1); // blank -> given index
  const tryAssign = (g: number, seen: boolean[]): boolean => {
    for (let b = 0; b < alts.length; b++) {
      if (seen[b] || !values[g] || !alts[b].has(values[g])) continue;
      seen[b] = true;
      if (owner[b] === -1 || tryAssign(owner[b], seen)) {
        owner[b] = g;
        return true;
      }
    }
    return false;
  };
  let n = 0;
  for (let g = 0; g < values.length; g++) if (tryAssign(g, new Array(alts.length).fill(false))) n++;
  return n;
}

/**
 * Score of one answer. 多选 with partial credit: a subset without a wrong option earns
 * score × chosen/correct, any wrong option earns 0. 填空 that does not fully match keeps per-blank
 * credit provisionally and goes to the grader, as does every answered 简答.
 */
export function gradeResponse(
  q: { type: QuestionType; answer: QuestionAnswer },
  response: ExamResponse | null,
  score: number,
  multiScoring: ExamSettings["multi_scoring"],
): { score: number; needsManual: boolean } {
  if (!response || !isAnswered(response)) return { score: 0, needsManual: false };
  const a = q.answer;
  switch (q.type) {
    case "单选": {
      const ok = "choices" in response && "choices" in a && response.choices.length === 1 && response.choices[0] === a.choices[0];
      return { score: ok ? score : 0, needsManual: false };
    }
    case "多选": {
      if (!("choices" in response) || !("choices" in a)) return { score: 0, needsManual: false };
      const correct = new Set(a.choices);
      const chosen = new Set(response.choices);
      if ([...chosen].some((c) => !correct.has(c))) return { score: 0, needsManual: false };
      if (chosen.size === correct.size) return { score, needsManual: false };
      return { score: multiScoring === "partial" ? round2((score * chosen.size) / correct.size) : 0, needsManual: false };
    }
    case "判断":
      return { score: "judge" in response && "judge" in a && response.judge === a.judge ? score : 0, needsManual: false };
    case "填空": {
      if (!("blanks" in response) || !("blanks" in a)) return { score: 0, needsManual: false };
      const matched = matchBlanks(a, response.blanks);
      if (matched === a.blanks.length) return { score, needsManual: false };
      return { score: round2((score * matched) / a.blanks.length), needsManual: true };
    }
    case "简答":
      return { score: 0, needsManual: true };
  }
}

/** Checks a response's shape against its question; null when it does not fit. */
export function validateResponse(q: { type: QuestionType; options: string | null; stem_md: string }, raw: unknown): ExamResponse | null {
  if (!raw || typeof raw !== "object") return null;
  const r = raw as Record<string, unknown>;
  const isIndexList = (v: unknown, n: number, maxLength: number) =>
    Array.isArray(v) && v.length <= maxLength && v.every((x) => Number.isInteger(x) && x >= 0 && x < n) && new Set(v).size === v.length;
  switch (q.type) {
    case "单选":
    case "多选": {
      const n = q.options ? (JSON.parse(q.options) as string[]).length : 0;
      if (!isIndexList(r.choices, n, q.type === "单选" ? 1 : n)) return null;
      return { choices: [...(r.choices as number[])].sort((x, y) => x - y) };
    }
    case "判断":
      return r.judge === null || typeof r.judge === "boolean" ? { judge: r.judge } : null;
    case "填空": {
      const n = blankCount(q.stem_md);
      const b = r.blanks;
      if (!Array.isArray(b) || b.length !== n || !b.every((x) => typeof x === "string" && x.length <= MAX_BLANK)) return null;
      return { blanks: b as string[] };
    }
    case "简答":
      return typeof r.text === "string" && r.text.length <= MAX_TEXT ? { text: r.text } : null;
  }
}

// ------------------------------------------------------------------------------------------ exams

const EXAM_COLUMNS = ["e.id", "e.key", "e.title", "e.settings", "e.instructions_md", "e.archived", "e.course_id", "c.slug as course_slug", "c.title as course_title"] as const;

async function examById(db: DB, examId: number) {
  return db
    .selectFrom("exams as e")
    .innerJoin("courses as c", "c.id", "e.course_id")
    .select([...EXAM_COLUMNS, "c.published", "c.archived as course_archived", "c.audience", "c.instructors"])
    .where("e.id", "=", examId)
    .executeTakeFirst();
}

type CourseVisibility = { published: number; course_archived: number; audience: string; instructors: string };

/** Staff of the course see every exam; a trainee a current exam of a course open to their stage. */
function visibleTo(row: CourseVisibility & { archived: number }, viewer: ExamViewer): boolean {
  const course = courseFromRow({ ...row, archived: row.course_archived });
  return seesEverything(course, viewer) || (row.archived === 0 && openToStage(course, viewer.stage));
}

async function viewerById(db: DB, userId: number): Promise<ExamViewer | undefined> {
  const user = await db.selectFrom("users").select(["id", "username", "stage"]).where("id", "=", userId).where("active", "=", 1).executeTakeFirst();
  if (!user) return undefined;
  const roles = await db.selectFrom("user_roles").select("role").where("user_id", "=", userId).execute();
  return { ...user, roles: roles.map((r) => r.role) };
}

async function overrideFor(db: DB, examId: number, userId: number) {
  return db.selectFrom("exam_overrides").select(["extra_minutes", "extra_attempts", "reason"]).where("exam_id", "=", examId).where("user_id", "=", userId).executeTakeFirst();
}

/** Why an exam cannot be started now, or null. */
function windowProblem(settings: ExamSettings, t: number, extraMinutes: number): string | null {
  if (settings.opens_at !== null && t < settings.opens_at) return "考试尚未开始，请在开放时间内进入";
  if (settings.closes_at !== null && t >= settings.closes_at + extraMinutes * 60) return "考试已结束，不能再开始作答";
  return null;
}

export type StartResult = { attemptId: number; resumed: boolean };

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
      .values(paper.map((q, i) => ({ attempt_id: id, position: i + 1, question_id: q.id, option_order: q.optionOrder && JSON.stringify(q.optionOrder), score: q.score })))
      .execute();
    return { attemptId: id, resumed: false };
  });
}

/**
 * The paper: one query loads the candidate pool (ids, type, difficulty, knowledge, option count) of the
 * exam's banks; each rule draws at random from it. Questions keep rule order (单选 first …); inside a
 * rule they are shuffled when shuffle_questions is on, else in bank order.
 */
async function drawPaper(trx: DB, courseId: number, settings: ExamSettings) {
  const pool = await trx
    .selectFrom("questions as q")
    .innerJoin("question_banks as b", "b.id", "q.bank_id")
    .select(["q.id", "q.type", "q.difficulty", "q.knowledge", "q.options"])
    .where("b.course_id", "=", courseId)
    .where("b.key", "in", settings.banks.length ? settings.banks : [""])
    .where("b.archived", "=", 0)
    .where("q.archived", "=", 0)
    .orderBy("q.id")
    .execute();
  const used = new Set<number>();
  const paper: { id: number; score: number; optionOrder: number[] | null }[] = [];
  for (const rule of settings.draw) {
    const candidates = pool.filter(
      (q) =>
        !used.has(q.id) &&
        q.type === rule.type &&
        (!rule.difficulty?.length || rule.difficulty.includes(q.difficulty)) &&
        (!rule.knowledge?.length || (q.knowledge !== null && rule.knowledge.includes(q.knowledge))),
    );
    if (candidates.length < rule.count) {
      throw new ExamError(`题库中符合抽题规则（${rule.type} ${rule.count} 道）的题目只有 ${candidates.length} 道，请联系授课教师`, 409);
    }
    let drawn = sample(candidates, rule.count);
    drawn = settings.shuffle_questions ? drawn : drawn.sort((a, b) => a.id - b.id);
    for (const q of drawn) {
      used.add(q.id);
      const n = q.options ? (JSON.parse(q.options) as unknown[]).length : 0;
      const identity = Array.from({ length: n }, (_, i) => i);
      paper.push({ id: q.id, score: rule.score, optionOrder: n ? (settings.shuffle_options ? shuffle(identity) : identity) : null });
    }
  }
  return paper;
}

// ------------------------------------------------------------------------------------------ autosave

export type SaveResult =
  | { ok: true; seq: number; savedAt: number; applied: boolean; now: number }
  | { ok: false; reason: "not_found" | "finished" | "deadline" | "bad_answer"; message: string; status: 400 | 404 | 409 | 410; now: number };

const ATTEMPT_TIMING = ["a.id", "a.status", "a.deadline_at", "a.grace_seconds", "a.exam_id"] as const;

async function attemptForUser(db: DB, attemptId: number, userId: number) {
  return db.selectFrom("exam_attempts as a").select(ATTEMPT_TIMING).where("a.id", "=", attemptId).where("a.user_id", "=", userId).executeTakeFirst();
}


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

// ------------------------------------------------------------------------------------------ finalize

export type FinalizeOutcome = { attemptId: number; status: AttemptStatus; score: number | null; finalizedBy: FinalizedBy | null; already: boolean };

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

/** Grades the stored paper with the saved answers and closes the attempt; a no-op when already closed. */
async function finalizeInTrx(trx: DB, attemptId: number, by: FinalizedBy, t: number): Promise<FinalizeOutcome> {
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
async function recomputeAttempt(trx: DB, attemptId: number) {
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

/** Finalizes one attempt on read when it is overdue; returns nothing. */
async function finalizeIfOverdue(db: DB, attempt: { id: number; status: AttemptStatus; deadline_at: number; grace_seconds: number }, t: number) {
  if (attempt.status === "in_progress" && isOverdue(attempt, t)) {
    await writeTransaction(db, (trx) => finalizeInTrx(trx, attempt.id, "deadline_read", t));
    return true;
  }
  return false;
}

// ------------------------------------------------------------------------------------------ trainee reads

/** best | last over the finalized attempts; pending manual grading leaves the score open. */
export function countedAttempt<T extends { attempt_no: number; status: AttemptStatus; score: number | null }>(attempts: T[], counts: ExamSettings["counts"]): T | null {
  const done = attempts.filter((a) => a.status !== "in_progress");
  if (!done.length) return null;
  if (counts === "last") return done.reduce((x, y) => (y.attempt_no > x.attempt_no ? y : x));
  return done.reduce((x, y) => ((y.score ?? -1) > (x.score ?? -1) ? y : x));
}

/** Results (scores) may be shown: after submit, after the window closes, or never. */
export function resultsVisible(settings: ExamSettings, t: number): boolean {
  if (settings.show_results === "never") return false;
  if (settings.show_results === "after_close") return settings.closes_at === null || t >= settings.closes_at;
  return true;
}

/** 正确答案 and 解析 may be shown: with the results, except that after_last_attempt waits for the last attempt (or the close). */
export function answersVisible(settings: ExamSettings, t: number, attemptsLeft: number): boolean {
  if (!resultsVisible(settings, t)) return false;
  if (settings.show_results !== "after_last_attempt") return true;
  return attemptsLeft <= 0 || (settings.closes_at !== null && t >= settings.closes_at);
}

/**
 * The warning an instructor gets when the review gives the answers away before the trainee's next
 * attempt (after_submit, or after_close without a close time, with more than one attempt), or null.
 */
export function reviewLeakWarning(settings: Pick<ExamSettings, "show_results" | "attempts" | "closes_at">, extraAttempts = 0): string | null {
  const attempts = settings.attempts + extraAttempts;
  const early = settings.show_results === "after_submit" || (settings.show_results === "after_close" && settings.closes_at === null);
  if (!early || attempts <= 1) return null;
  return `注意：本考试允许作答 ${attempts} 次，而每次交卷后就显示正确答案和解析。学员可以先交一次卷看答案，再用剩下的机会照着作答，重复抽到的题目等于开卷。建议把 show_results 改为 after_last_attempt（每次交卷后公布成绩，用完机会后才公布答案）、设置 closes 并用 after_close，或只允许作答 1 次。`;
}

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
  const [attempts, override] = await Promise.all([
    db
      .selectFrom("exam_attempts")
      .select(["id", "attempt_no", "status", "started_at", "deadline_at", "submitted_at", "score", "max_score", "passed", "finalized_by"])
      .where("exam_id", "=", exam.id)
      .where("user_id", "=", input.viewer.id)
      .orderBy("attempt_no")
      .execute(),
    overrideFor(db, exam.id, input.viewer.id),
  ]);
  const allowed = settings.attempts + (override?.extra_attempts ?? 0);
  const visible = resultsVisible(settings, t);
  const counted = countedAttempt(attempts, settings.counts);
  const inProgress = attempts.find((a) => a.status === "in_progress") ?? null;
  return {
    exam: { id: exam.id, key: exam.key, title: exam.title, instructions_md: exam.instructions_md, courseSlug: exam.course_slug, courseTitle: exam.course_title },
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

/** The counted score of one trainee in one exam (for completion and certificates); null before any finalized attempt. */
export async function examResultFor(db: DB, examId: number, userId: number) {
  const exam = await db.selectFrom("exams").select("settings").where("id", "=", examId).executeTakeFirst();
  if (!exam) return null;
  const attempts = await db.selectFrom("exam_attempts").select(["attempt_no", "status", "score", "passed", "max_score"]).where("exam_id", "=", examId).where("user_id", "=", userId).execute();
  const counted = countedAttempt(attempts, parseSettings(exam.settings).counts);
  return counted && { score: counted.score, passed: counted.passed === 1, pending: counted.status === "submitted", maxScore: counted.max_score };
}

type PaperRow = {
  position: number;
  question_id: number;
  option_order: string | null;
  max: number;
  type: QuestionType;
  stem_md: string;
  options: string | null;
  response: string | null;
  seq: number | null;
  saved_at: number | null;
};

async function paperRows(db: DB, attemptId: number): Promise<PaperRow[]> {
  return db
    .selectFrom("attempt_questions as aq")
    .innerJoin("questions as q", "q.id", "aq.question_id")
    .leftJoin("attempt_answers as aa", (j) => j.onRef("aa.attempt_id", "=", "aq.attempt_id").onRef("aa.question_id", "=", "aq.question_id"))
    .select(["aq.position", "aq.question_id", "aq.option_order", "aq.score as max", "q.type", "q.stem_md", "q.options", "aa.answer as response", "aa.seq", "aa.saved_at"])
    .where("aq.attempt_id", "=", attemptId)
    .orderBy("aq.position")
    .execute();
}

type OptionRow = { options: string | null; option_order: string | null };

/** This attempt's option order: the option at position p on the page is option `order[p]` of the bank. */
function optionOrder(row: OptionRow): number[] {
  const n = row.options ? (JSON.parse(row.options) as unknown[]).length : 0;
  return row.option_order ? (JSON.parse(row.option_order) as number[]) : Array.from({ length: n }, (_, i) => i);
}

/** Options in the order this attempt shows them; `value` is the original index the answer refers to (review only). */
function displayedOptions(row: OptionRow) {
  if (!row.options) return null;
  const texts = JSON.parse(row.options) as string[];
  return optionOrder(row).map((value) => ({ value, text: texts[value] }));
}

// The page names a choice by its position in this attempt's shuffled order, never by its index in the
// bank: a bank written with the key first would otherwise give the key away in every radio's value.
// Stored answers, grading, regrading and item analysis stay in bank indexes.

/** A response as the page sent it (choice positions) → as stored (bank indexes). */
function choicesFromPage(r: ExamResponse, row: OptionRow): ExamResponse {
  if (!("choices" in r)) return r;
  const order = optionOrder(row);
  return { choices: r.choices.map((p) => order[p]).sort((a, b) => a - b) };
}

/** A stored response (bank indexes) → as the page shows it (choice positions). */
function choicesToPage(r: ExamResponse, row: OptionRow): ExamResponse {
  if (!("choices" in r)) return r;
  const order = optionOrder(row);
  return { choices: r.choices.map((i) => order.indexOf(i)).sort((a, b) => a - b) };
}

async function attemptHeader(db: DB, attemptId: number, userId: number) {
  return db
    .selectFrom("exam_attempts as a")
    .innerJoin("exams as e", "e.id", "a.exam_id")
    .innerJoin("courses as c", "c.id", "e.course_id")
    .select([
      "a.id", "a.exam_id", "a.attempt_no", "a.status", "a.started_at", "a.deadline_at", "a.grace_seconds", "a.submitted_at", "a.finalized_by",
      "a.score", "a.max_score", "a.passed", "a.pending_manual", "a.leave_count",
      "e.key as exam_key", "e.title as exam_title", "e.settings", "c.slug as course_slug", "c.title as course_title",
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
  const rows = await paperRows(db, attempt.id);
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
    db.selectFrom("exam_attempts").select((eb) => eb.fn.countAll<number>().as("n")).where("exam_id", "=", examId).where("user_id", "=", userId).executeTakeFirstOrThrow(),
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
  const visible = attempt.status !== "in_progress" && resultsVisible(settings, t);
  const answers = visible && answersVisible(settings, t, await attemptsLeft(db, attempt.exam_id, input.userId, settings));
  const base = {
    attempt: { ...attempt, score: visible ? attempt.score : null, passed: visible ? attempt.passed : null },
    passScore: settings.pass_score,
    showResults: settings.show_results,
    closesAt: settings.closes_at,
    visible,
    answersVisible: answers,
  };
  if (!answers) return { ...base, questions: [] };
  const rows = await db
    .selectFrom("attempt_questions as aq")
    .innerJoin("questions as q", "q.id", "aq.question_id")
    .leftJoin("attempt_answers as aa", (j) => j.onRef("aa.attempt_id", "=", "aq.attempt_id").onRef("aa.question_id", "=", "aq.question_id"))
    .select([
      "aq.position", "aq.question_id", "aq.option_order", "aq.score as max", "q.type", "q.stem_md", "q.options", "q.answer", "q.explanation",
      "aa.answer as response", "aa.auto_score", "aa.manual_score", "aa.needs_manual", "aa.comment",
    ])
    .where("aq.attempt_id", "=", attempt.id)
    .orderBy("aq.position")
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

// ------------------------------------------------------------------------------------------ instructors

export async function getExamForEditor(db: DB, courseId: number, key: string) {
  const exam = await db.selectFrom("exams").select(["id", "key", "title", "settings", "archived"]).where("course_id", "=", courseId).where("key", "=", key).executeTakeFirst();
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
      "a.id", "a.user_id", "a.attempt_no", "a.status", "a.started_at", "a.deadline_at", "a.submitted_at", "a.finalized_by", "a.score", "a.max_score",
      "a.passed", "a.pending_manual", "a.leave_count", "u.username", "u.name", "o.extra_minutes", "o.extra_attempts",
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
      detail: { userId: user.id, username: input.username, before: before ?? null, extraMinutes: input.extraMinutes, extraAttempts: input.extraAttempts, reason: input.reason, attemptId: open?.id ?? null, deadline },
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
      "aa.question_id", "q.key", "q.version", "q.type", "q.stem_md",
      eb.fn.countAll<number>().as("answers"),
      eb.fn.sum<number>(eb.case().when(eb.and([eb("aa.needs_manual", "=", 1), eb("aa.manual_score", "is", null)])).then(1).else(0).end()).as("pending"),
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
  const question = await db.selectFrom("questions").select(["id", "key", "version", "type", "stem_md", "options", "answer", "explanation"]).where("id", "=", questionId).executeTakeFirst();
  if (!question) return undefined;
  const items = await db
    .selectFrom("attempt_answers as aa")
    .innerJoin("exam_attempts as a", "a.id", "aa.attempt_id")
    .innerJoin("attempt_questions as aq", (j) => j.onRef("aq.attempt_id", "=", "aa.attempt_id").onRef("aq.question_id", "=", "aa.question_id"))
    .innerJoin("users as u", "u.id", "a.user_id")
    .leftJoin("users as g", "g.id", "aa.grader_id")
    .select([
      "aa.attempt_id", "aa.answer as response", "aa.auto_score", "aa.manual_score", "aa.needs_manual", "aa.comment", "aa.graded_at",
      "aq.score as max", "u.username", "u.name", "g.name as grader_name",
    ])
    .where("a.exam_id", "=", examId)
    .where("aa.question_id", "=", questionId)
    .where("a.status", "!=", "in_progress")
    .orderBy("aa.needs_manual", "desc")
    .orderBy("u.username")
    .execute();
  return {
    question: { ...question, answer: JSON.parse(question.answer) as QuestionAnswer, options: question.options ? (JSON.parse(question.options) as string[]) : null },
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
      detail: { questionId: input.questionId, before: row.manual_score ?? row.auto_score, after: input.score, comment: input.comment, totalBefore: row.total, totalAfter: totals.score },
    });
    return { changed: true, total: totals.score };
  });
}

/**
 * Item analysis over finalized attempts, per question version: facility index (mean fraction of the
 * score earned), discrimination index (mean fraction in the upper 27% minus the lower 27% of the
 * attempts that had the question, ranked by total), and the distribution of chosen options.
 */
export async function itemAnalysis(db: DB, examId: number) {
  const rows = await db
    .selectFrom("attempt_questions as aq")
    .innerJoin("exam_attempts as a", "a.id", "aq.attempt_id")
    .innerJoin("questions as q", "q.id", "aq.question_id")
    .leftJoin("attempt_answers as aa", (j) => j.onRef("aa.attempt_id", "=", "aq.attempt_id").onRef("aa.question_id", "=", "aq.question_id"))
    .select([
      "aq.attempt_id", "aq.question_id", "aq.score as max", "a.score as total", "a.max_score as total_max", "q.key", "q.version", "q.type", "q.stem_md",
      "q.options", "q.answer", "aa.answer as response", "aa.auto_score", "aa.manual_score",
    ])
    .where("a.exam_id", "=", examId)
    .where("a.status", "!=", "in_progress")
    .execute();
  const byQuestion = new Map<number, typeof rows>();
  for (const r of rows) byQuestion.set(r.question_id, [...(byQuestion.get(r.question_id) ?? []), r]);
  return [...byQuestion.values()].map((list) => {
    const first = list[0];
    const frac = (r: (typeof list)[number]) => (r.max > 0 ? (r.response ? (r.manual_score ?? r.auto_score ?? 0) : 0) / r.max : 0);
    const facility = list.reduce((n, r) => n + frac(r), 0) / list.length;
    const ranked = [...list].sort((x, y) => (x.total ?? 0) / (x.total_max || 1) - (y.total ?? 0) / (y.total_max || 1));
    const k = Math.max(1, Math.round(list.length * 0.27));
    const mean = (xs: typeof list) => xs.reduce((n, r) => n + frac(r), 0) / xs.length;
    const discrimination = list.length >= 4 ? mean(ranked.slice(-k)) - mean(ranked.slice(0, k)) : null;
    const answer = JSON.parse(first.answer) as QuestionAnswer;
    const responses = list.map((r) => (r.response ? (JSON.parse(r.response) as ExamResponse) : null));
    let distribution: { label: string; count: number; correct: boolean }[] = [];
    if (first.options && "choices" in answer) {
      const texts = JSON.parse(first.options) as string[];
      distribution = texts.map((text, i) => ({
        label: `${String.fromCharCode(65 + i)}. ${text}`,
        count: responses.filter((r) => r && "choices" in r && r.choices.includes(i)).length,
        correct: answer.choices.includes(i),
      }));
    } else if ("judge" in answer) {
      distribution = [true, false].map((v) => ({ label: v ? "正确" : "错误", count: responses.filter((r) => r && "judge" in r && r.judge === v).length, correct: answer.judge === v }));
    }
    const unanswered = responses.filter((r) => !isAnswered(r)).length;
    return {
      questionId: first.question_id,
      key: first.key,
      version: first.version,
      type: first.type,
      stem_md: first.stem_md,
      n: list.length,
      facility: round2(facility * 100),
      discrimination: discrimination === null ? null : round2(discrimination),
      distribution,
      unanswered,
    };
  }).sort((a, b) => a.questionId - b.questionId);
}

// ------------------------------------------------------------------------------------------ regrade

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
export async function regradeWithNewestVersion(
  db: DB,
  input: { examId: number; questionId: number },
  actor: { actorId: number; ip?: string | null },
) {
  return writeTransaction(db, async (trx) => {
    const exam = await examById(trx, input.examId);
    if (!exam) throw new ExamError("考试不存在", 404);
    const old = await trx.selectFrom("questions").select(["id", "bank_id", "key", "version", "type", "options"]).where("id", "=", input.questionId).executeTakeFirst();
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
