// Question-bank import: Moodle GIFT.
import { DEFAULT_SCORE } from "../course-format.server.ts";
import { IMPORT_MSG } from "../course-messages.server.ts";
import type { Difficulty, QuestionType } from "../course-types.ts";
import { type Draft, type ImportIssue, type ImportResult, LETTERS, type QuestionInput, placeBlanks, result } from "./common.server.ts";

/** Text of a GIFT fragment with its escapes resolved: `\~ \= \# \{ \} \: \\` and `\n` for a line break. */
function giftUnescape(s: string): string {
  return s.replace(/\\(.)/gs, (_, c: string) => (c === "n" ? "\n" : "~=#{}:\\".includes(c) ? c : `\\${c}`));
}

/** Indexes of unescaped occurrences of `ch` (a single character) in `s`. */
export function unescapedIndexes(s: string, ch: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === ch) out.push(i);
  }
  return out;
}

/** Splits at unescaped occurrences of `sep` (one or more characters). */
function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s.startsWith(sep, i)) {
      parts.push(s.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

type GiftAnswer = { correct: boolean; weight: number | null; text: string; feedback: string | null; marker: "=" | "~" };

/** `=right#fb ~wrong ~%50%half` → answers; null when text precedes the first marker. */
function giftAnswers(body: string): GiftAnswer[] | null {
  const tokens: { marker: "=" | "~"; raw: string }[] = [];
  let lead = "";
  let current: { marker: "=" | "~"; raw: string } | null = null;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\") {
      const pair = body.slice(i, i + 2);
      if (current) current.raw += pair;
      else lead += pair;
      i++;
    } else if (c === "=" || c === "~") {
      current = { marker: c, raw: "" };
      tokens.push(current);
    } else if (current) current.raw += c;
    else lead += c;
  }
  if (lead.trim()) return null;
  return tokens.map(({ marker, raw }) => {
    const w = /^\s*%(-?\d+(?:\.\d+)?)%/.exec(raw);
    const rest = w ? raw.slice(w[0].length) : raw;
    const [text, ...feedback] = splitUnescaped(rest, "#");
    const weight = w ? Number(w[1]) : null;
    return {
      marker,
      weight,
      correct: marker === "=" ? weight === null || weight === 100 : (weight ?? 0) > 0,
      text: giftUnescape(text).trim(),
      feedback: feedback.length ? giftUnescape(feedback.join("#")).trim() || null : null,
    };
  });
}

const GIFT_FORMAT = /^\s*\[(html|moodle|plain|markdown)\]\s*/i;

/**
 * Reads Moodle GIFT: questions separated by blank lines, `//` comment lines, `$CATEGORY:` → 知识点 (its
 * last part), `::title::` (dropped), `[html]` format prefixes (dropped). Answers in braces: `{=a ~b}`
 * 单选; weights `~%50%a ~%50%b ~%-100%c` 多选; `{T}` `{TRUE}` `{F}` `{FALSE}` 判断; `{=a =b}` 填空 with
 * alternatives; text after the braces (missing word) keeps the blank in place; `{}` 简答. General feedback
 * `####…` becomes 解析 (or an essay's reference answer). Numerical and matching questions are reported as
 * unsupported.
 */
export function parseGift(text: string): ImportResult {
  const errors: ImportIssue[] = [];
  const warnings: ImportIssue[] = [];
  const drafts: Draft[] = [];
  const lines = text
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .split("\n");
  let category: string | null = null;
  let block: { line: number; lines: string[] } | null = null;
  const titleLines: number[] = [];

  const flush = () => {
    if (!block) return;
    const b = block;
    block = null;
    let first = 0;
    for (; first < b.lines.length && /^\s*\$CATEGORY\s*:/i.test(b.lines[first]); first++) {
      const path = b.lines[first].replace(/^\s*\$CATEGORY\s*:/i, "").trim();
      const parts = path
        .split("/")
        .map((p) => p.trim())
        .filter((p) => p && !/^\$\w+\$$/.test(p) && p !== "top");
      category = parts.length ? parts[parts.length - 1] : null;
      b.line++;
    }
    if (first === b.lines.length) return;
    const issue = giftQuestion(b.lines.slice(first).join("\n"), category, () => titleLines.push(b.line));
    if ("message" in issue) errors.push({ line: b.line, message: issue.message });
    else {
      drafts.push({ ...issue.draft, line: b.line });
      for (const message of issue.warnings ?? []) warnings.push({ line: b.line, message });
    }
  };

  lines.forEach((line, i) => {
    if (/^\s*\/\//.test(line)) return;
    if (!line.trim()) return flush();
    if (block) block.lines.push(line);
    else block = { line: i + 1, lines: [line] };
  });
  flush();
  if (!drafts.length && !errors.length) errors.push({ line: 0, message: IMPORT_MSG.noQuestions });
  // Moodle gives every question a title: one line for all of them, not one per question.
  if (titleLines.length) warnings.push({ line: 0, message: IMPORT_MSG.titlesLost(titleLines) });
  return result("gift", drafts, errors, warnings);
}

/** Feedback of single answers, kept in 解析: the only place our questions have for it. */
type Feedback = { label: string; text: string; right: boolean };

/**
 * 解析 from GIFT's general feedback (`####…`) and its per-answer feedback. Feedback on the right answer
 * alone is the explanation as it is; otherwise each answer's feedback becomes a labelled line, and the
 * instructor is told (trainees see 解析 after submitting, whatever they chose).
 */
function giftExplanation(general: string | null, feedback: Feedback[], warnings: string[]): string | null {
  if (!feedback.length) return general;
  if (!general && feedback.length === 1 && feedback[0].right) return feedback[0].text;
  warnings.push(IMPORT_MSG.feedbackKept(feedback.map((f) => f.label)));
  return [general, ...feedback.map((f) => `${f.label}：${f.text}`)].filter(Boolean).join("\n");
}

const percent = (w: number) => `${w}%`;

/** One GIFT question; `lostTitle` hears of a `::title::` the bank has no place for. */
function giftQuestion(
  raw: string,
  knowledge: string | null,
  lostTitle: (title: string) => void,
): { draft: QuestionInput; warnings?: string[] } | { message: string } {
  let s = raw.trim();
  const warnings: string[] = [];
  let title: string | null = null;
  if (s.startsWith("::")) {
    const end = splitUnescaped(s.slice(2), "::");
    if (end.length < 2) return { message: IMPORT_MSG.titleUnclosed };
    title = giftUnescape(end[0]).trim();
    s = end.slice(1).join("::").trim();
  }
  s = s.replace(GIFT_FORMAT, "");
  const open = unescapedIndexes(s, "{")[0];
  if (open === undefined) return { message: IMPORT_MSG.noAnswerPart };
  const close = unescapedIndexes(s, "}").find((i) => i > open);
  if (close === undefined) return { message: IMPORT_MSG.answerPartUnclosed };
  if (unescapedIndexes(s.slice(close + 1), "{").length) return { message: IMPORT_MSG.twoAnswerParts };
  const before = giftUnescape(s.slice(0, open)).trim();
  const after = giftUnescape(s.slice(close + 1)).trim();
  const [body, ...general] = splitUnescaped(s.slice(open + 1, close), "####");
  const generalFeedback = general.length ? giftUnescape(general.join("####")).trim() || null : null;
  const answerBody = body.replace(GIFT_FORMAT, "").trim();
  const base = { score: 0, difficulty: "中" as Difficulty, knowledge, tags: [] as string[], key: null };
  /** Stem with the answer's place marked when there is text after the braces. */
  const inPlace = (mark: string) => (after ? `${before}${mark}${after}` : before);
  // A title that is not just the start of the stem (Moodle's export repeats the stem there) is lost.
  const compact = (x: string) => x.replace(/\s+/g, "").replace(/[.…]+$/, "");
  if (title && !compact(before).startsWith(compact(title))) lostTitle(title);

  if (!answerBody) {
    const draft: QuestionInput = {
      ...base,
      type: "简答",
      stem_md: inPlace(""),
      options: null,
      explanation: null,
      score: DEFAULT_SCORE.简答,
      answer: { reference: generalFeedback ?? IMPORT_MSG.essayPlaceholder, keywords: [] },
    };
    if (!generalFeedback) warnings.push(IMPORT_MSG.essayWithoutReference(IMPORT_MSG.essayPlaceholder));
    return { draft, warnings };
  }
  if (answerBody.startsWith("#")) return { message: IMPORT_MSG.numerical };
  const tf = /^(T|TRUE|F|FALSE)\s*(#.*)?$/is.exec(answerBody);
  if (tf) {
    // `{T#shown to a wrong answer#shown to a right answer}`
    const [wrong, right] = tf[2] ? splitUnescaped(tf[2].slice(1), "#").map((f) => giftUnescape(f).trim()) : [];
    const feedback: Feedback[] = [];
    if (right) feedback.push({ label: IMPORT_MSG.feedbackRight, text: right, right: true });
    if (wrong) feedback.push({ label: IMPORT_MSG.feedbackWrong, text: wrong, right: false });
    return {
      draft: {
        ...base,
        type: "判断",
        stem_md: inPlace("（ ）"),
        options: null,
        score: DEFAULT_SCORE.判断,
        answer: { judge: tf[1].toUpperCase().startsWith("T") },
        explanation: giftExplanation(generalFeedback, feedback, warnings),
      },
      warnings,
    };
  }
  const answers = giftAnswers(answerBody);
  if (!answers?.length) return { message: IMPORT_MSG.answersUnreadable };
  if (answers.some((a) => a.text.includes("->"))) return { message: IMPORT_MSG.matching };
  if (answers.some((a) => !a.text)) return { message: IMPORT_MSG.answerEmpty };

  if (answers.every((a) => a.marker === "=")) {
    const alternatives = answers.filter((a) => a.correct).map((a) => a.text);
    if (!alternatives.length) return { message: IMPORT_MSG.shortAnswerNoFull };
    if (alternatives.some((a) => a.includes("/"))) return { message: IMPORT_MSG.shortAnswerSlash };
    for (const a of answers.filter((x) => !x.correct)) {
      warnings.push(IMPORT_MSG.shortAnswerPartial(a.text, percent(a.weight ?? 0)));
    }
    const placed = after ? { stem: inPlace("{{}}"), blanks: [alternatives] } : placeBlanks(before, [alternatives]);
    if (typeof placed === "string") return { message: placed };
    const feedback = answers.flatMap((a) => (a.feedback ? [{ label: IMPORT_MSG.feedbackOnAnswer(a.text), text: a.feedback, right: a.correct }] : []));
    return {
      draft: {
        ...base,
        type: "填空",
        stem_md: placed.stem,
        options: null,
        score: DEFAULT_SCORE.填空,
        answer: { blanks: placed.blanks, orderFree: false },
        explanation: giftExplanation(generalFeedback, feedback, warnings),
      },
      warnings,
    };
  }

  const equals = answers.filter((a) => a.marker === "=");
  if (equals.length > 1) return { message: IMPORT_MSG.twoEquals };
  // One answer with full marks (`=` or `~%100%`) makes a single-answer question; the others' partial
  // credit cannot be held. Otherwise the answers with positive weights are the right ones of a 多选.
  const full = equals.length ? equals : answers.filter((a) => a.weight === 100);
  const single = full.length === 1;
  const choices = single ? [answers.indexOf(full[0])] : answers.flatMap((a, i) => (a.correct ? [i] : []));
  if (!choices.length) return { message: IMPORT_MSG.noRightAnswer };
  const type: QuestionType = choices.length === 1 ? "单选" : "多选";
  const letter = (i: number) => LETTERS[i] ?? "?";
  if (single) {
    answers.forEach((a, i) => {
      if (i !== choices[0] && (a.weight ?? 0) > 0) warnings.push(IMPORT_MSG.partialCreditLost(letter(i), a.text, percent(a.weight!)));
    });
  } else {
    const weights = [...new Set(choices.map((i) => answers[i].weight))];
    if (weights.length > 1) warnings.push(IMPORT_MSG.weightsLost(choices.map((i) => `${LETTERS[i]} ${percent(answers[i].weight ?? 0)}`)));
  }
  const penalties = answers.flatMap((a, i) => ((a.weight ?? 0) < 0 ? [`${letter(i)} ${percent(a.weight!)}`] : []));
  if (penalties.length) warnings.push(IMPORT_MSG.penaltiesLost(penalties));
  const right = new Set(choices);
  const feedback = answers.flatMap((a, i) => (a.feedback ? [{ label: IMPORT_MSG.feedbackOnOption(letter(i)), text: a.feedback, right: right.has(i) }] : []));
  return {
    draft: {
      ...base,
      type,
      stem_md: inPlace("（ ）"),
      options: answers.map((a) => a.text),
      score: DEFAULT_SCORE[type],
      answer: { choices },
      explanation: giftExplanation(generalFeedback, feedback, warnings),
    },
    warnings,
  };
}
