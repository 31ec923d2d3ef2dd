// The exam rules that need no database: deadlines, grading an answer, checking an answer's shape, which
// attempt counts, when results and answers may be shown. Pure and safe for the browser.
import type { AttemptStatus } from "../../db/types.ts";
import type { ExamSettings, QuestionAnswer, QuestionType } from "./course-types.ts";
import { type ExamResponse, isAnswered } from "./exam-response.ts";

const MAX_TEXT = 5000;

const MAX_BLANK = 200;

export const round2 = (n: number) => Math.round(n * 100) / 100;

export const blankCount = (stemMd: string) => (stemMd.match(/\{\{\}\}/g) ?? []).length;

/** Deadline fixed at start: min(start + duration, closes), both moved by the trainee's extra minutes. */
export function computeDeadline(settings: Pick<ExamSettings, "duration_minutes" | "closes_at">, startedAt: number, extraMinutes = 0): number {
  const extra = extraMinutes * 60;
  const byDuration = startedAt + settings.duration_minutes * 60 + extra;
  return settings.closes_at === null ? byDuration : Math.min(byDuration, settings.closes_at + extra);
}

/** Past the deadline and its grace: saves are refused and the attempt is finalized with what was saved. */
export const isOverdue = (a: { deadline_at: number; grace_seconds: number }, t: number) => t > a.deadline_at + a.grace_seconds;

/** Full-width to half-width (NFKC), no whitespace, lower case: what two blank answers are compared as. */
function normalizeBlank(s: string): string {
  return s
    .normalize("NFKC")
    .replace(/[\s\u3000]+/g, "")
    .toLowerCase();
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

/** best | last over the finalized attempts; pending manual grading leaves the score open. */
export function countedAttempt<T extends { attempt_no: number; status: AttemptStatus; score: number | null }>(
  attempts: T[],
  counts: ExamSettings["counts"],
): T | null {
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

/**
 * With shuffle_options off, 单选 and 多选 options show in the order the bank lists them, so a bank written
 * with the correct option first (as imported banks often are) shows its key by position. The course sync
 * and the exam's pages warn about it (the message is in the course-format catalogue).
 */
export function optionsInBankOrder(settings: Pick<ExamSettings, "shuffle_options" | "draw">): boolean {
  return !settings.shuffle_options && settings.draw.some((r) => r.type === "单选" || r.type === "多选");
}
