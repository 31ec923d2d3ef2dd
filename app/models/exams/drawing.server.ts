// The paper: drawing questions per the exam's draw rules, and each attempt's own option order
// (what the page shows and how a choice on the page maps back to the bank's options).
import { randomInt } from "node:crypto";
import { ExamError } from "./common.server.ts";
import type { ExamSettings } from "~/utils/course-types.ts";
import type { DB } from "~/utils/db.server.ts";
import type { ExamResponse } from "~/utils/exam-response.ts";

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

/**
 * The paper: one query loads the candidate pool (ids, type, difficulty, knowledge, option count) of the
 * exam's banks; each rule draws at random from it. Questions keep rule order (单选 first …); inside a
 * rule they are shuffled when shuffle_questions is on, else in bank order.
 */
export async function drawPaper(trx: DB, courseId: number, settings: ExamSettings) {
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

type OptionRow = { options: string | null; option_order: string | null };

/** This attempt's option order: the option at position p on the page is option `order[p]` of the bank. */
function optionOrder(row: OptionRow): number[] {
  const n = row.options ? (JSON.parse(row.options) as unknown[]).length : 0;
  return row.option_order ? (JSON.parse(row.option_order) as number[]) : Array.from({ length: n }, (_, i) => i);
}

/** Options in the order this attempt shows them; `value` is the original index the answer refers to (review only). */
export function displayedOptions(row: OptionRow) {
  if (!row.options) return null;
  const texts = JSON.parse(row.options) as string[];
  return optionOrder(row).map((value) => ({ value, text: texts[value] }));
}

// The page names a choice by its position in this attempt's shuffled order, never by its index in the
// bank: a bank written with the key first would otherwise give the key away in every radio's value.
// Stored answers, grading, regrading and item analysis stay in bank indexes.

/** A response as the page sent it (choice positions) → as stored (bank indexes). */
export function choicesFromPage(r: ExamResponse, row: OptionRow): ExamResponse {
  if (!("choices" in r)) return r;
  const order = optionOrder(row);
  return { choices: r.choices.map((p) => order[p]).sort((a, b) => a - b) };
}

/** A stored response (bank indexes) → as the page shows it (choice positions). */
export function choicesToPage(r: ExamResponse, row: OptionRow): ExamResponse {
  if (!("choices" in r)) return r;
  const order = optionOrder(row);
  return { choices: r.choices.map((i) => order.indexOf(i)).sort((a, b) => a - b) };
}
