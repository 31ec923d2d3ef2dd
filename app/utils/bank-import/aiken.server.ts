// Question-bank import: Moodle Aiken.
import { DEFAULT_SCORE } from "../course-format.server.ts";
import { IMPORT_MSG } from "../course-messages.server.ts";
import { type Draft, type ImportIssue, type ImportResult, result } from "./common.server.ts";

/**
 * Reads Moodle Aiken: a question (one or more lines), options `A. …` or `A) …` in order, then
 * `ANSWER: B`; blank lines between questions are optional. Every question is 单选.
 */
export function parseAiken(text: string): ImportResult {
  const errors: ImportIssue[] = [];
  const drafts: Draft[] = [];
  type Pending = { line: number; stem: string[]; options: string[]; bad: boolean };
  let q: Pending | null = null;
  const lines = text
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .split("\n");
  const unfinished = (p: Pending) => errors.push({ line: p.line, message: IMPORT_MSG.answerMissing });

  lines.forEach((raw, i) => {
    const line = raw.trim();
    const n = i + 1;
    if (!line) return;
    const answer = /^ANSWER\s*[:：]\s*(.*)$/i.exec(line);
    const option = /^([A-Z])\s*[.)．、）]\s*(.*)$/.exec(line);
    if (answer) {
      const cur: Pending | null = q;
      q = null;
      if (!cur) return void errors.push({ line: n, message: IMPORT_MSG.answerWithoutQuestion });
      const letter = answer[1].trim().toUpperCase();
      const index = letter.charCodeAt(0) - 65;
      if (cur.options.length < 2) errors.push({ line: cur.line, message: IMPORT_MSG.aikenTwoOptions });
      else if (!/^[A-Z]$/.test(letter)) errors.push({ line: n, message: IMPORT_MSG.aikenOneLetter(answer[1].trim()) });
      else if (index >= cur.options.length) errors.push({ line: n, message: IMPORT_MSG.aikenNoOption(letter) });
      else if (!cur.bad) {
        drafts.push({
          line: cur.line,
          type: "单选",
          stem_md: cur.stem.join("\n"),
          options: cur.options,
          answer: { choices: [index] },
          explanation: null,
          score: DEFAULT_SCORE.单选,
          difficulty: "中",
          knowledge: null,
          tags: [],
          key: null,
        });
      }
    } else if (option && q && q.stem.length) {
      const expected = String.fromCharCode(65 + q.options.length);
      if (option[1] !== expected) {
        errors.push({ line: n, message: IMPORT_MSG.aikenLetterOrder(expected, option[1]) });
        q.bad = true;
      }
      q.options.push(option[2].trim());
    } else if (q && !q.options.length) {
      q.stem.push(line);
    } else {
      if (q) unfinished(q);
      q = { line: n, stem: [line], options: [], bad: false };
    }
  });
  if (q) unfinished(q);
  if (!drafts.length && !errors.length) errors.push({ line: 0, message: IMPORT_MSG.noQuestions });
  return result("aiken", drafts, errors);
}
