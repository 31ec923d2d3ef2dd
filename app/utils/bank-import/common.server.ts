// Question-bank import and export, pure (no database, no disk): what every format shares. Each reader
// (xlsx, gift, aiken, markdown) returns the course parser's own question shape (ParsedQuestion), with
// `line` set to the sheet row or text line it came from, plus every bad row or line with its number and
// a Chinese reason. The readers check what they can in their own terms, then each question is written
// as bank Markdown and read back with the course parser (parseBankText, in `result` here): a question is
// imported only if the bank file it will end up in accepts it, and its key and hash are the ones the
// sync computes. detect.server.ts picks the reader for an uploaded file.
import { createHash } from "node:crypto";
import { stringify as yamlStringify } from "yaml";
import { normalizeStem, parseBankText, type ParsedQuestion } from "../course-format.server.ts";
import { IMPORT_MSG, MSG } from "../course-messages.server.ts";
import type { Difficulty, QuestionType } from "../course-types.ts";

export type ImportFormat = "xlsx" | "gift" | "aiken" | "markdown";
export const FORMAT_LABEL: Record<ImportFormat, string> = { xlsx: "Excel 模板", gift: "Moodle GIFT", aiken: "Moodle Aiken", markdown: "题库 Markdown" };

/** A bad row (Excel: the sheet's row number) or line (text formats); line 0 is the file as a whole. */
export type ImportIssue = { line: number; message: string };
export type ImportResult = {
  format: ImportFormat | null;
  questions: ParsedQuestion[];
  errors: ImportIssue[];
  /** Imported, but with something the instructor should know (e.g. an essay without a reference answer). */
  warnings: ImportIssue[];
  /** A bank title found in the file (Markdown front matter), if any. */
  title?: string;
};

/** `第 5 行：单选题必须有且只有一个正确答案`; file-level messages stand alone. */
export const formatIssue = (i: ImportIssue) => (i.line > 0 ? IMPORT_MSG.at(i.line, i.message) : i.message);

export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
export const MAX_IMPORT_QUESTIONS = 5000;
const MAX_OPTIONS = 8;
export const LETTERS = "ABCDEFGH";

/** A question as a reader builds it, before the course parser gives it its key and hash. */
export type QuestionInput = Omit<ParsedQuestion, "key" | "hash" | "line"> & { key?: string | null };
export type Draft = QuestionInput & { line: number };

// ------------------------------------------------------------------------------------------ Markdown writer

/** The key the course parser gives a question without `[编号:…]` (see parseQuestion). */
export const stemKey = (stem: string) => `stem:${createHash("sha256").update(normalizeStem(stem)).digest("hex").slice(0, 16)}`;

/** One question in the bank Markdown form (courses/README.md), ending with a newline. */
export function questionMarkdown(q: QuestionInput): string {
  const attrs = [`[${q.score}分]`, `[${q.difficulty}]`];
  if (q.knowledge) attrs.push(`[知识点:${q.knowledge}]`);
  if (q.tags.length) attrs.push(`[标签:${q.tags.join(",")}]`);
  if ("blanks" in q.answer && q.answer.orderFree) attrs.push("[顺序无关]");
  if (q.key && q.key !== stemKey(q.stem_md)) attrs.push(`[编号:${q.key}]`);
  const out = [`## ${q.type} ${attrs.join(" ")}`];
  const answer = q.answer;
  if ("blanks" in answer) {
    let i = 0;
    out.push(q.stem_md.replace(/\{\{\}\}/g, () => `{{${(answer.blanks[i++] ?? []).join("/")}}}`));
  } else out.push(q.stem_md);
  if ("choices" in answer) (q.options ?? []).forEach((o, i) => out.push(`- [${answer.choices.includes(i) ? "x" : " "}] ${o}`));
  if ("judge" in answer) out.push(`答案：${answer.judge ? "正确" : "错误"}`);
  if ("reference" in answer) {
    out.push(`参考答案：${answer.reference}`);
    if (answer.keywords.length) out.push(`关键词：${answer.keywords.join(", ")}`);
  }
  if (q.explanation) {
    const [first, ...rest] = q.explanation.split("\n");
    out.push(`> 解析：${first}`, ...rest.map((l) => (l ? `> ${l}` : ">")));
  }
  return out.join("\n") + "\n";
}

/**
 * A whole bank file: front matter with the title, then one `##` section per question. The course parser
 * reads it back to the same questions (same keys, same hashes); the tests hold it to that.
 */
export function questionsToBankMarkdown(title: string, questions: QuestionInput[]): string {
  return `---\n${yamlStringify({ title }, { lineWidth: 0 })}---\n${questions.map((q) => `\n${questionMarkdown(q)}`).join("")}`;
}

// ------------------------------------------------------------------------------------------ common checks

const hasSeparator = (s: string) => /[,，、]/.test(s);

/** What the bank format cannot hold, in the instructor's words; the course parser is the final check. */
function draftProblems(d: Draft): string[] {
  const p: string[] = [];
  if (!d.stem_md.trim()) p.push(MSG.stemRequired);
  if (/^##\s/m.test(d.stem_md)) p.push(IMPORT_MSG.stemHeading);
  if (!(d.score > 0) || !Number.isFinite(d.score) || /e/i.test(String(d.score))) p.push(IMPORT_MSG.score(String(d.score)));
  if (d.knowledge !== null && /[\]\n]/.test(d.knowledge)) p.push(IMPORT_MSG.knowledgeChars);
  if (d.tags.some((t) => /[\]\n]/.test(t))) p.push(IMPORT_MSG.tagChars);
  if (d.options) {
    if (d.options.length < 2 || d.options.length > MAX_OPTIONS) p.push(IMPORT_MSG.optionCount(MAX_OPTIONS, d.options.length));
    d.options.forEach((o, i) => {
      if (o.includes("\n")) p.push(IMPORT_MSG.optionNewline(LETTERS[i]));
    });
  }
  const a = d.answer;
  if ("choices" in a) {
    if (d.type === "单选" && a.choices.length !== 1) p.push(IMPORT_MSG.singleAnswer);
    if (d.type === "多选" && a.choices.length < 2) p.push(IMPORT_MSG.multiAnswer);
  }
  if ("blanks" in a) {
    if (!a.blanks.length) p.push(IMPORT_MSG.blankNone);
    for (const alts of a.blanks) {
      if (!alts.length || alts.some((x) => !x)) p.push(IMPORT_MSG.blankEmpty);
      if (alts.some((x) => /\}\}|\{\{|\n/.test(x))) p.push(IMPORT_MSG.blankChars);
    }
  }
  if ("reference" in a) {
    if (!a.reference.trim()) p.push(IMPORT_MSG.referenceRequired);
    if (a.keywords.some((k) => !k || hasSeparator(k) || k.includes("\n"))) p.push(IMPORT_MSG.keywordChars);
  }
  return [...new Set(p)];
}

/**
 * Checks each draft, writes it as bank Markdown and reads it back with the course parser: what comes back
 * is the imported question (with the parser's key and hash); anything the parser refuses is a bad row.
 */
function finalize(drafts: Draft[], errors: ImportIssue[]): ParsedQuestion[] {
  const out: ParsedQuestion[] = [];
  if (drafts.length > MAX_IMPORT_QUESTIONS) {
    errors.push({ line: 0, message: IMPORT_MSG.tooMany(MAX_IMPORT_QUESTIONS, drafts.length) });
    return out;
  }
  for (const d of drafts) {
    const problems = draftProblems(d);
    if (problems.length) {
      for (const message of problems) errors.push({ line: d.line, message });
      continue;
    }
    const { bank, errors: parseErrors } = parseBankText(questionsToBankMarkdown("导入", [d]));
    const q = bank?.questions[0];
    if (parseErrors.length || !q) {
      for (const e of parseErrors) errors.push({ line: d.line, message: IMPORT_MSG.notBankFormatBecause(e.message) });
      if (!parseErrors.length) errors.push({ line: d.line, message: IMPORT_MSG.notBankFormat });
      continue;
    }
    out.push({ ...q, line: d.line });
  }
  return out;
}

export const sortIssues = (issues: ImportIssue[]) => issues.sort((a, b) => a.line - b.line);

export function result(format: ImportFormat, drafts: Draft[], errors: ImportIssue[], warnings: ImportIssue[] = []): ImportResult {
  const questions = finalize(drafts, errors);
  return { format, questions, errors: sortIssues(errors), warnings: sortIssues(warnings) };
}

// ------------------------------------------------------------------------------------------ shared answer readers

export const TYPE_ALIASES: Record<string, QuestionType> = {
  单选: "单选",
  单选题: "单选",
  单项选择: "单选",
  单项选择题: "单选",
  多选: "多选",
  多选题: "多选",
  多项选择: "多选",
  多项选择题: "多选",
  不定项选择题: "多选",
  判断: "判断",
  判断题: "判断",
  填空: "填空",
  填空题: "填空",
  简答: "简答",
  简答题: "简答",
  问答题: "简答",
  论述题: "简答",
};
export const DIFFICULTY_ALIASES: Record<string, Difficulty> = {
  易: "易",
  简单: "易",
  容易: "易",
  中: "中",
  中等: "中",
  一般: "中",
  难: "难",
  困难: "难",
  较难: "难",
};
export const JUDGE_WORDS: Record<string, boolean> = {
  正确: true,
  对: true,
  "√": true,
  "✓": true,
  "✔": true,
  true: true,
  t: true,
  错误: false,
  错: false,
  "×": false,
  "✗": false,
  "✘": false,
  x: false,
  false: false,
  f: false,
};

/** `B`, `ACD`, `A,C,D`, `A、C、D` → option indexes; null when it is not letters. */
export function readLetters(text: string): number[] | null {
  const compact = text.toUpperCase().replace(/[\s,，、;；]/g, "");
  if (!/^[A-H]+$/.test(compact)) return null;
  return [...new Set([...compact].map((c) => LETTERS.indexOf(c)))].sort((a, b) => a - b);
}

/** Blank markers in a 填空 stem: `{{…}}` when there are any, else `（ ）`, `( )` or `____`. */
function blankMarkers(stem: string): { re: RegExp; found: string[] } {
  const braces = stem.match(/\{\{[^{}\n]*\}\}/g);
  if (braces) return { re: /\{\{[^{}\n]*\}\}/g, found: braces };
  const re = /（\s*）|\(\s*\)|_{2,}/g;
  return { re, found: stem.match(re) ?? [] };
}

/**
 * Puts `{{}}` where the blanks are. `blanks` null means "take the answers from `{{…}}` in the stem".
 * With no marker at all, one blank goes at the end of the stem.
 */
export function placeBlanks(stem: string, blanks: string[][] | null): { stem: string; blanks: string[][] } | string {
  const { re, found } = blankMarkers(stem);
  if (!blanks) {
    if (!found.length || !found[0].startsWith("{{")) return IMPORT_MSG.blankAnswers;
    blanks = found.map((m) =>
      m
        .slice(2, -2)
        .split("/")
        .map((a) => a.trim()),
    );
  }
  if (!found.length && blanks.length === 1) return { stem: `${stem}{{}}`, blanks };
  if (found.length !== blanks.length) {
    return IMPORT_MSG.blankCount(found.length, blanks.length);
  }
  return { stem: stem.replace(re, "{{}}"), blanks };
}

/** `共产主义|全心全意为人民服务/为人民服务` → [["共产主义"], ["全心全意为人民服务", "为人民服务"]]. */
export const readBlanks = (text: string) => text.split(/[|｜]/).map((b) => b.split("/").map((a) => a.trim()));
