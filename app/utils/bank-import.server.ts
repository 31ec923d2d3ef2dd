// Question-bank import and export, pure (no database, no disk): readers for the Excel template,
// Moodle GIFT and Aiken, and the course Markdown form; duplicate detection; the
// serializer back to the bank Markdown form; and the Excel export and template.
//
// Every reader returns the course parser's own question shape (ParsedQuestion), with `line` set to the
// sheet row or text line it came from, plus every bad row or line with its number and a Chinese reason.
// The readers check what they can in their own terms, then each question is written as bank Markdown and
// read back with the course parser (parseBankText): a question is imported only if the bank file it will
// end up in accepts it, and its key and hash are the ones the sync computes.
import { createHash } from "node:crypto";
import ExcelJS from "exceljs";
import { unzipSync } from "fflate";
import { stringify as yamlStringify } from "yaml";
import { DIFFICULTIES, QUESTION_TYPES, type Difficulty, type QuestionAnswer, type QuestionType } from "./course-types.ts";
import { normalizeStem, parseBankText, type ParsedQuestion } from "./course-format.server.ts";
import { MSG } from "./course-messages.server.ts";
import { sniff } from "./sniff.server.ts";
import { cellText, restoreCell, writeSheet, type SheetColumn } from "./spreadsheet.server.ts";

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
export const formatIssue = (i: ImportIssue) => (i.line > 0 ? `第 ${i.line} 行：${i.message}` : i.message);

export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;
export const MAX_IMPORT_QUESTIONS = 5000;
/** An .xlsx whose parts declare more than this uncompressed is refused before it is opened. */
const MAX_XLSX_UNZIPPED = 200 * 1024 * 1024;
const MAX_OPTIONS = 8;
const LETTERS = "ABCDEFGH";
const DEFAULT_SCORE: Record<QuestionType, number> = { 单选: 1, 多选: 2, 判断: 1, 填空: 2, 简答: 10 };

/** A question as a reader builds it, before the course parser gives it its key and hash. */
export type QuestionInput = Omit<ParsedQuestion, "key" | "hash" | "line"> & { key?: string | null };
type Draft = QuestionInput & { line: number };

// ------------------------------------------------------------------------------------------ Markdown writer

/** The key the course parser gives a question without `[编号:…]` (see parseQuestion). */
const stemKey = (stem: string) => `stem:${createHash("sha256").update(normalizeStem(stem)).digest("hex").slice(0, 16)}`;

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
  if (!d.stem_md.trim()) p.push("题干不能为空");
  if (/^##\s/m.test(d.stem_md)) p.push("题干中的行不能以 ## 开头（会被当作下一道题）");
  if (!(d.score > 0) || !Number.isFinite(d.score) || /e/i.test(String(d.score))) p.push(`分值应为大于 0 的数字，实际为「${d.score}」`);
  if (d.knowledge !== null && /[\]\n]/.test(d.knowledge)) p.push("知识点不能含有 ] 或换行");
  if (d.tags.some((t) => /[\]\n]/.test(t))) p.push("标签不能含有 ] 或换行");
  if (d.options) {
    if (d.options.length < 2 || d.options.length > MAX_OPTIONS) p.push(`选择题需要 2–${MAX_OPTIONS} 个选项，实际有 ${d.options.length} 个`);
    d.options.forEach((o, i) => {
      if (o.includes("\n")) p.push(`选项${LETTERS[i]}不能换行`);
    });
  }
  const a = d.answer;
  if ("choices" in a) {
    if (d.type === "单选" && a.choices.length !== 1) p.push("单选题必须有且只有一个正确答案");
    if (d.type === "多选" && a.choices.length < 2) p.push("多选题至少要有两个正确答案");
  }
  if ("blanks" in a) {
    if (!a.blanks.length) p.push("填空题至少要有一个空");
    for (const alts of a.blanks) {
      if (!alts.length || alts.some((x) => !x)) p.push("填空题的答案不能为空");
      if (alts.some((x) => /\}\}|\{\{|\n/.test(x))) p.push("填空题的答案不能含有 {{、}} 或换行");
    }
  }
  if ("reference" in a) {
    if (!a.reference.trim()) p.push("简答题需要参考答案");
    if (a.keywords.some((k) => !k || hasSeparator(k) || k.includes("\n"))) p.push("关键词不能为空，也不能含有逗号、顿号或换行");
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
    errors.push({ line: 0, message: `一次最多导入 ${MAX_IMPORT_QUESTIONS} 道题，文件中有 ${drafts.length} 道` });
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
      for (const e of parseErrors) errors.push({ line: d.line, message: `无法保存为题库格式：${e.message}` });
      if (!parseErrors.length) errors.push({ line: d.line, message: "无法保存为题库格式" });
      continue;
    }
    out.push({ ...q, line: d.line });
  }
  return out;
}

const sortIssues = (issues: ImportIssue[]) => issues.sort((a, b) => a.line - b.line);

function result(format: ImportFormat, drafts: Draft[], errors: ImportIssue[], warnings: ImportIssue[] = []): ImportResult {
  const questions = finalize(drafts, errors);
  return { format, questions, errors: sortIssues(errors), warnings: sortIssues(warnings) };
}

// ------------------------------------------------------------------------------------------ shared answer readers

const TYPE_ALIASES: Record<string, QuestionType> = {
  单选: "单选", 单选题: "单选", 单项选择: "单选", 单项选择题: "单选",
  多选: "多选", 多选题: "多选", 多项选择: "多选", 多项选择题: "多选", 不定项选择题: "多选",
  判断: "判断", 判断题: "判断",
  填空: "填空", 填空题: "填空",
  简答: "简答", 简答题: "简答", 问答题: "简答", 论述题: "简答",
};
const DIFFICULTY_ALIASES: Record<string, Difficulty> = { 易: "易", 简单: "易", 容易: "易", 中: "中", 中等: "中", 一般: "中", 难: "难", 困难: "难", 较难: "难" };
const JUDGE_WORDS: Record<string, boolean> = {
  正确: true, 对: true, "√": true, "✓": true, "✔": true, true: true, t: true,
  错误: false, 错: false, "×": false, "✗": false, "✘": false, x: false, false: false, f: false,
};

/** `B`, `ACD`, `A,C,D`, `A、C、D` → option indexes; null when it is not letters. */
function readLetters(text: string): number[] | null {
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
function placeBlanks(stem: string, blanks: string[][] | null): { stem: string; blanks: string[][] } | string {
  const { re, found } = blankMarkers(stem);
  if (!blanks) {
    if (!found.length || !found[0].startsWith("{{")) return "填空题的答案不能为空（多个空用 | 分隔，同一空的备选答案用 / 分隔）";
    blanks = found.map((m) => m.slice(2, -2).split("/").map((a) => a.trim()));
  }
  if (!found.length && blanks.length === 1) return { stem: `${stem}{{}}`, blanks };
  if (found.length !== blanks.length) {
    return `题干中标出的空（{{}}、（ ）或 ____）有 ${found.length} 处，答案有 ${blanks.length} 个空，数量不一致`;
  }
  return { stem: stem.replace(re, "{{}}"), blanks };
}

/** `共产主义|全心全意为人民服务/为人民服务` → [["共产主义"], ["全心全意为人民服务", "为人民服务"]]. */
const readBlanks = (text: string) => text.split(/[|｜]/).map((b) => b.split("/").map((a) => a.trim()));

// ------------------------------------------------------------------------------------------ Excel

const BASE_COLUMNS = ["题型", "题干", "答案", "解析", "分值", "难度", "知识点", "标签", "关键词", "顺序无关", "编号"] as const;
type Field = (typeof BASE_COLUMNS)[number] | `选项${string}`;

const HEADER_ALIASES: Record<string, Field> = {
  题目: "题干", 试题: "题干", 试题内容: "题干", 题目内容: "题干",
  正确答案: "答案", 参考答案: "答案", 标准答案: "答案",
  答案解析: "解析", 试题解析: "解析",
  分数: "分值", 难易度: "难度", 难易程度: "难度",
};

/** `选项 A`, `A`, `答案*`, `答案（多个空用|分隔）` → the field it names, or null for other columns. */
function headerField(text: string): Field | null {
  const t = text.replace(/[（(][^）)]*[）)]/g, "").replace(/[\s*＊:：]/g, "").toUpperCase();
  const option = /^(?:选项)?([A-H])$/.exec(t);
  if (option) return `选项${option[1]}`;
  if ((BASE_COLUMNS as readonly string[]).includes(t)) return t as Field;
  return HEADER_ALIASES[t] ?? null;
}

const YES = new Set(["是", "Y", "YES", "TRUE", "1", "√", "✓"]);

/** Reads the Excel template (first worksheet; header row matched by name within the first 10 rows). */
export async function parseExcelBank(bytes: Uint8Array): Promise<ImportResult> {
  const errors: ImportIssue[] = [];
  const fail = (message: string): ImportResult => ({ format: "xlsx", questions: [], errors: [{ line: 0, message }], warnings: [] });
  try {
    let declared = 0;
    unzipSync(bytes, { filter: (f) => ((declared += f.originalSize), false) });
    if (declared > MAX_XLSX_UNZIPPED) return fail("Excel 文件解压后过大，请拆分后再导入");
  } catch {
    return fail("无法读取 Excel 文件：文件已损坏或不是 .xlsx 格式");
  }
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
  } catch {
    return fail("无法读取 Excel 文件：文件已损坏或不是 .xlsx 格式");
  }
  const ws = workbook.worksheets.find((w) => w.state === "visible" && w.rowCount > 0) ?? workbook.worksheets[0];
  if (!ws) return fail("Excel 文件中没有工作表");

  const warnings: ImportIssue[] = [];
  const header = findHeader(ws);
  if (!header) return fail("找不到表头：请使用题库导入模板，表头应包含 题型、题干、选项A…选项F、答案 等列");
  const { row: headerRow, columns } = header;
  if (!columns.has("答案")) errors.push({ line: headerRow, message: "表头缺少「答案」列" });
  for (const name of header.ignored) warnings.push({ line: headerRow, message: `列「${name}」不是模板中的列（或与前面的列重复），这一列未导入` });
  for (const other of workbook.worksheets) {
    if (other !== ws && findHeader(other)) warnings.push({ line: 0, message: `只读取第一个工作表「${ws.name}」，工作表「${other.name}」中的题目未导入` });
  }

  const drafts: Draft[] = [];
  for (let r = headerRow + 1; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    const get = (f: Field) => {
      const col = columns.get(f);
      return col ? restoreCell(cellText(row.getCell(col).value)).replace(/\r\n?/g, "\n").trim() : "";
    };
    if ([...columns.keys()].every((f) => !get(f))) continue;
    const rowErrors: string[] = [];
    const rowWarnings: string[] = [];
    const draft = readExcelRow(get, rowErrors, rowWarnings);
    if (rowErrors.length || !draft) for (const message of rowErrors) errors.push({ line: r, message });
    else {
      drafts.push({ ...draft, line: r });
      for (const message of rowWarnings) warnings.push({ line: r, message });
    }
  }
  if (!drafts.length && !errors.length) errors.push({ line: 0, message: "表格中没有题目" });
  return result("xlsx", drafts, errors, warnings);
}

/** Cells the row's type has no use for: their content would be dropped without a word. */
function unusedCells(type: QuestionType, get: (f: Field) => string): string[] {
  const out: string[] = [];
  if (type !== "单选" && type !== "多选" && [...LETTERS].some((l) => get(`选项${l}`))) out.push(`${type}题不用选项，选项列的内容未导入`);
  if (type !== "简答" && get("关键词")) out.push(`关键词只用于简答题，「关键词」列的内容未导入`);
  if (type !== "填空" && get("顺序无关")) out.push(`顺序无关只用于填空题，「顺序无关」列的内容未导入`);
  return out;
}

/** The header row (within the first 10) naming 题型 and 题干, its columns, and the headers it does not know. */
function findHeader(ws: ExcelJS.Worksheet): { row: number; columns: Map<Field, number>; ignored: string[] } | null {
  for (let r = 1; r <= Math.min(10, ws.rowCount); r++) {
    const columns = new Map<Field, number>();
    const ignored: string[] = [];
    ws.getRow(r).eachCell((cell, col) => {
      const text = cellText(cell.value).trim();
      const field = headerField(text);
      if (field && !columns.has(field)) columns.set(field, col);
      else if (text) ignored.push(text);
    });
    if (columns.has("题型") && columns.has("题干")) return { row: r, columns, ignored };
  }
  return null;
}

function readExcelRow(get: (f: Field) => string, errs: string[], warns: string[]): QuestionInput | null {
  const typeText = get("题型");
  const type = TYPE_ALIASES[typeText];
  if (!type) {
    errs.push(typeText ? `题型「${typeText}」无效，应为 ${QUESTION_TYPES.join("、")} 之一` : "题型不能为空");
    return null;
  }
  const stem = get("题干");
  if (!stem) errs.push("题干不能为空");
  warns.push(...unusedCells(type, get));

  const scoreText = get("分值");
  const score = scoreText ? Number(scoreText) : DEFAULT_SCORE[type];
  if (!(score > 0) || !Number.isFinite(score)) errs.push(`分值应为大于 0 的数字，实际为「${scoreText}」`);
  const difficultyText = get("难度");
  const difficulty = difficultyText ? DIFFICULTY_ALIASES[difficultyText] : "中";
  if (!difficulty) errs.push(`难度应为 ${DIFFICULTIES.join("、")} 之一，实际为「${difficultyText}」`);

  const answerRaw = get("答案");
  let options: string[] | null = null;
  let answer: QuestionAnswer | null = null;
  let stemMd = stem;
  if (type === "单选" || type === "多选") {
    const cells = [...LETTERS].map((l) => get(`选项${l}`));
    const last = cells.reduce((n, c, i) => (c ? i + 1 : n), 0);
    options = cells.slice(0, last);
    const gap = options.findIndex((o) => !o);
    if (gap >= 0) errs.push(`选项${LETTERS[gap]}为空，但后面还有选项`);
    if (last < 2) errs.push("选择题至少需要两个选项");
    const letters = readLetters(answerRaw);
    if (!answerRaw) errs.push("答案不能为空");
    else if (!letters) errs.push(`答案应为选项字母，如 B、ACD 或 A,C,D，实际为「${answerRaw}」`);
    else {
      for (const i of letters) if (!options[i]) errs.push(`答案 ${LETTERS[i]} 对应的选项${LETTERS[i]}为空`);
      if (type === "单选" && letters.length !== 1) errs.push("单选题必须有且只有一个正确答案");
      if (type === "多选" && letters.length < 2) errs.push("多选题至少要有两个正确答案");
      answer = { choices: letters };
    }
  } else if (type === "判断") {
    const judge = JUDGE_WORDS[answerRaw.toLowerCase()];
    if (judge === undefined) errs.push(`判断题的答案应为 正确/错误、对/错 或 √/×，实际为「${answerRaw}」`);
    else answer = { judge };
  } else if (type === "填空") {
    const placed = placeBlanks(stem, answerRaw ? readBlanks(answerRaw) : null);
    if (typeof placed === "string") errs.push(placed);
    else if (placed.blanks.some((b) => b.some((a) => !a))) errs.push("填空题的答案不能为空：| 或 / 两边都要有内容");
    else {
      stemMd = placed.stem;
      answer = { blanks: placed.blanks, orderFree: YES.has(get("顺序无关").toUpperCase()) };
    }
  } else {
    if (!answerRaw) errs.push("简答题的「答案」列应填写参考答案");
    const keywords = get("关键词").split(/[,，、]/).map((k) => k.trim()).filter(Boolean);
    answer = { reference: answerRaw, keywords };
  }
  if (errs.length || !answer || !difficulty) return null;
  return {
    type,
    stem_md: stemMd,
    options,
    answer,
    explanation: get("解析") || null,
    score,
    difficulty,
    knowledge: get("知识点") || null,
    tags: get("标签").split(/[,，、]/).map((t) => t.trim()).filter(Boolean),
    key: get("编号") || null,
  };
}

// ------------------------------------------------------------------------------------------ Excel export

const OPTION_WIDTH = 18;

function excelColumns(optionCount: number): (SheetColumn & { field: Field })[] {
  const c = (field: Field, width: number) => ({ field, header: field, width });
  return [
    c("题型", 8),
    c("题干", 48),
    ...[...LETTERS.slice(0, Math.max(6, optionCount))].map((l) => c(`选项${l}`, OPTION_WIDTH)),
    c("答案", 16),
    c("解析", 32),
    c("分值", 7),
    c("难度", 7),
    c("知识点", 14),
    c("标签", 14),
    c("关键词", 18),
    c("顺序无关", 9),
    c("编号", 14),
  ];
}

/** The answer as the template writes it: `ACD`, `正确`, `a|b/c`, or the reference answer. */
export function answerText(a: QuestionAnswer): string {
  if ("choices" in a) return a.choices.map((i) => LETTERS[i]).join("");
  if ("judge" in a) return a.judge ? "正确" : "错误";
  if ("blanks" in a) return a.blanks.map((b) => b.join("/")).join("|");
  return a.reference;
}

function questionRow(q: QuestionInput, optionCount: number): Record<Field, unknown> {
  const row: Record<string, unknown> = {
    题型: q.type,
    题干: q.stem_md,
    答案: answerText(q.answer),
    解析: q.explanation ?? "",
    分值: q.score,
    难度: q.difficulty,
    知识点: q.knowledge ?? "",
    标签: q.tags.join(","),
    关键词: "reference" in q.answer ? q.answer.keywords.join(",") : "",
    顺序无关: "blanks" in q.answer && q.answer.orderFree ? "是" : "",
    编号: q.key && q.key !== stemKey(q.stem_md) ? q.key : "",
  };
  for (let i = 0; i < optionCount; i++) row[`选项${LETTERS[i]}`] = q.options?.[i] ?? "";
  return row as Record<Field, unknown>;
}

function addQuestionSheet(workbook: ExcelJS.Workbook, questions: QuestionInput[]) {
  const optionCount = Math.max(6, ...questions.map((q) => q.options?.length ?? 0));
  const columns = excelColumns(optionCount);
  const ws = workbook.addWorksheet("题库");
  writeSheet(ws, columns, questions.map((q) => {
    const row = questionRow(q, optionCount);
    return columns.map((c) => row[c.field]);
  }));
  return ws;
}

/** The bank in the Excel template (one row per question; the same file imports back to the same questions). */
export function bankWorkbook(questions: QuestionInput[]): ExcelJS.Workbook {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "网上党校";
  addQuestionSheet(workbook, questions);
  return workbook;
}

export const TEMPLATE_EXAMPLES: QuestionInput[] = [
  {
    type: "单选", stem_md: "中国共产党是中国工人阶级的先锋队，同时是（ ）的先锋队。",
    options: ["中国农民", "中国人民和中华民族", "中国青年", "中国知识分子"], answer: { choices: [1] },
    explanation: "见《中国共产党章程》总纲第一段。", score: 2, difficulty: "易", knowledge: "党的性质", tags: [],
  },
  {
    type: "多选", stem_md: "下列属于党员权利的是（ ）。",
    options: ["参加党的有关会议", "行使表决权、选举权", "学习党的基本知识", "向党的上级组织直到中央提出请求"],
    answer: { choices: [0, 1, 3] }, explanation: "学习党的基本知识是党员的义务。", score: 3, difficulty: "中", knowledge: "党员权利", tags: [],
  },
  {
    type: "判断", stem_md: "预备党员的预备期为一年。", options: null, answer: { judge: true },
    explanation: null, score: 1, difficulty: "易", knowledge: "预备党员", tags: [],
  },
  {
    type: "填空", stem_md: "党的最高理想和最终目标是实现{{}}，党的根本宗旨是{{}}。", options: null,
    answer: { blanks: [["共产主义"], ["全心全意为人民服务", "为人民服务"]], orderFree: false },
    explanation: null, score: 2, difficulty: "中", knowledge: "党的性质", tags: [],
  },
  {
    type: "简答", stem_md: "简述党员的八项义务中的任意三项。", options: null,
    answer: { reference: "认真学习马克思列宁主义……；贯彻执行党的基本路线和各项方针、政策……；坚持党和人民的利益高于一切……", keywords: ["学习", "贯彻执行", "利益高于一切"] },
    explanation: null, score: 10, difficulty: "难", knowledge: "党员义务", tags: [],
  },
];

const TEMPLATE_NOTES: [string, string][] = [
  ["题型", "必填：单选、多选、判断、填空、简答"],
  ["题干", "必填。填空题用 {{}}、（ ）或 ____ 标出每个空的位置；只有一个空且未标出时，空放在题干末尾"],
  ["选项A…选项F", "单选、多选必填，至少两个，从选项A起连续填写（最多到选项H）"],
  ["答案", "单选：B；多选：ACD 或 A,C,D；判断：正确/错误（或 对/错、√/×）；填空：多个空用 | 分隔，同一空的备选答案用 / 分隔，如 共产主义|全心全意为人民服务/为人民服务；简答：参考答案"],
  ["解析", "选填"],
  ["分值", "选填，大于 0 的数字；默认 单选 1、多选 2、判断 1、填空 2、简答 10"],
  ["难度", "选填：易、中、难，默认 中"],
  ["知识点", "选填，考试可按知识点抽题"],
  ["标签", "选填，多个用逗号分隔"],
  ["关键词", "简答题选填，多个用逗号分隔，阅卷时提示给教师"],
  ["顺序无关", "填空题选填：填「是」表示各空答案可以任意顺序作答"],
  ["编号", "选填：题目的固定编号；不填则按题干识别"],
  ["", "表头按名称识别，列的顺序可以调整，多余的列会被忽略；导入前会预览，并列出每个有问题的行号和原因"],
];

/** The empty template: the question sheet with one example row per type, and a sheet of instructions. */
export function templateWorkbook(): ExcelJS.Workbook {
  const workbook = bankWorkbook(TEMPLATE_EXAMPLES);
  writeSheet(workbook.addWorksheet("填写说明"), [{ header: "列", width: 14 }, { header: "说明", width: 100 }], TEMPLATE_NOTES);
  return workbook;
}

// ------------------------------------------------------------------------------------------ GIFT

/** Text of a GIFT fragment with its escapes resolved: `\~ \= \# \{ \} \: \\` and `\n` for a line break. */
function giftUnescape(s: string): string {
  return s.replace(/\\(.)/gs, (_, c: string) => (c === "n" ? "\n" : "~=#{}:\\".includes(c) ? c : `\\${c}`));
}

/** Indexes of unescaped occurrences of `ch` (a single character) in `s`. */
function unescapedIndexes(s: string, ch: string): number[] {
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
const ESSAY_PLACEHOLDER = "（原题未提供参考答案）";

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
  const lines = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").split("\n");
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
      const parts = path.split("/").map((p) => p.trim()).filter((p) => p && !/^\$\w+\$$/.test(p) && p !== "top");
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
  if (!drafts.length && !errors.length) errors.push({ line: 0, message: "文件中没有题目" });
  // Moodle gives every question a title: one line for all of them, not one per question.
  if (titleLines.length) {
    const shown = titleLines.slice(0, 20).join("、") + (titleLines.length > 20 ? ` 等 ${titleLines.length} 处` : "");
    warnings.push({ line: 0, message: `题目标题 ::…:: 未导入（题库没有题目标题）：第 ${shown} 行` });
  }
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
  warnings.push(`各答案的反馈（${feedback.map((f) => f.label).join("、")}）已写入解析：题库没有按所选答案显示的反馈，学员交卷后都会看到`);
  return [general, ...feedback.map((f) => `${f.label}：${f.text}`)].filter(Boolean).join("\n");
}

const percent = (w: number) => `${w}%`;

/** One GIFT question; `lostTitle` hears of a `::title::` the bank has no place for. */
function giftQuestion(raw: string, knowledge: string | null, lostTitle: (title: string) => void): { draft: QuestionInput; warnings?: string[] } | { message: string } {
  let s = raw.trim();
  const warnings: string[] = [];
  let title: string | null = null;
  if (s.startsWith("::")) {
    const end = splitUnescaped(s.slice(2), "::");
    if (end.length < 2) return { message: "题目标题 ::…:: 没有结束的 ::" };
    title = giftUnescape(end[0]).trim();
    s = end.slice(1).join("::").trim();
  }
  s = s.replace(GIFT_FORMAT, "");
  const open = unescapedIndexes(s, "{")[0];
  if (open === undefined) return { message: "没有答案部分 {…}：说明文字（Description）不是题目，未导入" };
  const close = unescapedIndexes(s, "}").find((i) => i > open);
  if (close === undefined) return { message: "答案部分缺少结束的 }" };
  if (unescapedIndexes(s.slice(close + 1), "{").length) return { message: "一道题只能有一个答案部分 {…}" };
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
      ...base, type: "简答", stem_md: inPlace(""), options: null, explanation: null, score: DEFAULT_SCORE.简答,
      answer: { reference: generalFeedback ?? ESSAY_PLACEHOLDER, keywords: [] },
    };
    if (!generalFeedback) warnings.push(`简答题没有参考答案，已填入「${ESSAY_PLACEHOLDER}」，请在题库中补充`);
    return { draft, warnings };
  }
  if (answerBody.startsWith("#")) return { message: "不支持数值题（Numerical），未导入" };
  const tf = /^(T|TRUE|F|FALSE)\s*(#.*)?$/is.exec(answerBody);
  if (tf) {
    // `{T#shown to a wrong answer#shown to a right answer}`
    const [wrong, right] = tf[2] ? splitUnescaped(tf[2].slice(1), "#").map((f) => giftUnescape(f).trim()) : [];
    const feedback: Feedback[] = [];
    if (right) feedback.push({ label: "答对时", text: right, right: true });
    if (wrong) feedback.push({ label: "答错时", text: wrong, right: false });
    return {
      draft: {
        ...base, type: "判断", stem_md: inPlace("（ ）"), options: null, score: DEFAULT_SCORE.判断,
        answer: { judge: tf[1].toUpperCase().startsWith("T") }, explanation: giftExplanation(generalFeedback, feedback, warnings),
      },
      warnings,
    };
  }
  const answers = giftAnswers(answerBody);
  if (!answers?.length) return { message: "答案部分无法识别：每个答案应以 = 或 ~ 开头" };
  if (answers.some((a) => a.text.includes("->"))) return { message: "不支持匹配题（Matching），未导入" };
  if (answers.some((a) => !a.text)) return { message: "答案部分有空的答案" };

  if (answers.every((a) => a.marker === "=")) {
    const alternatives = answers.filter((a) => a.correct).map((a) => a.text);
    if (!alternatives.length) return { message: "填空题（Short answer）没有满分的答案" };
    if (alternatives.some((a) => a.includes("/"))) return { message: "填空题的答案不能含有 /（/ 用来分隔备选答案）" };
    for (const a of answers.filter((x) => !x.correct)) {
      warnings.push(`答案「${a.text}」只得 ${percent(a.weight ?? 0)} 分：填空题不能给部分分，它未作为正确答案导入`);
    }
    const placed = after ? { stem: inPlace("{{}}"), blanks: [alternatives] } : placeBlanks(before, [alternatives]);
    if (typeof placed === "string") return { message: placed };
    const feedback = answers.flatMap((a) => (a.feedback ? [{ label: `答「${a.text}」`, text: a.feedback, right: a.correct }] : []));
    return {
      draft: {
        ...base, type: "填空", stem_md: placed.stem, options: null, score: DEFAULT_SCORE.填空,
        answer: { blanks: placed.blanks, orderFree: false }, explanation: giftExplanation(generalFeedback, feedback, warnings),
      },
      warnings,
    };
  }

  const equals = answers.filter((a) => a.marker === "=");
  if (equals.length > 1) return { message: "选择题只能有一个 = 正确答案；多选题请用 ~%50% 这样的正分值标出每个正确答案" };
  // One answer with full marks (`=` or `~%100%`) makes a single-answer question; the others' partial
  // credit cannot be held. Otherwise the answers with positive weights are the right ones of a 多选.
  const full = equals.length ? equals : answers.filter((a) => a.weight === 100);
  const single = full.length === 1;
  const choices = single ? [answers.indexOf(full[0])] : answers.flatMap((a, i) => (a.correct ? [i] : []));
  if (!choices.length) return { message: "选择题没有正确答案（用 = 标出，或多选题用 ~%50% 这样的正分值）" };
  const type: QuestionType = choices.length === 1 ? "单选" : "多选";
  const letter = (i: number) => LETTERS[i] ?? "?";
  if (single) {
    answers.forEach((a, i) => {
      if (i !== choices[0] && (a.weight ?? 0) > 0) warnings.push(`选项${letter(i)}「${a.text}」的部分得分 ${percent(a.weight!)} 未导入：单选题只有一个正确答案，它按错误选项计分`);
    });
  } else {
    const weights = [...new Set(choices.map((i) => answers[i].weight))];
    if (weights.length > 1) warnings.push(`各正确答案的分值比例（${choices.map((i) => `${LETTERS[i]} ${percent(answers[i].weight ?? 0)}`).join("、")}）未导入：多选题按考试的多选计分规则给分`);
  }
  const penalties = answers.flatMap((a, i) => ((a.weight ?? 0) < 0 ? [`${letter(i)} ${percent(a.weight!)}`] : []));
  if (penalties.length) warnings.push(`选错扣分（${penalties.join("、")}）未导入：题库不支持扣分`);
  const right = new Set(choices);
  const feedback = answers.flatMap((a, i) => (a.feedback ? [{ label: `选${letter(i)}`, text: a.feedback, right: right.has(i) }] : []));
  return {
    draft: {
      ...base, type, stem_md: inPlace("（ ）"), options: answers.map((a) => a.text), score: DEFAULT_SCORE[type],
      answer: { choices }, explanation: giftExplanation(generalFeedback, feedback, warnings),
    },
    warnings,
  };
}

// ------------------------------------------------------------------------------------------ Aiken

/**
 * Reads Moodle Aiken: a question (one or more lines), options `A. …` or `A) …` in order, then
 * `ANSWER: B`; blank lines between questions are optional. Every question is 单选.
 */
export function parseAiken(text: string): ImportResult {
  const errors: ImportIssue[] = [];
  const drafts: Draft[] = [];
  type Pending = { line: number; stem: string[]; options: string[]; bad: boolean };
  let q: Pending | null = null;
  const lines = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").split("\n");
  const unfinished = (p: Pending) => errors.push({ line: p.line, message: "缺少 ANSWER 行" });

  lines.forEach((raw, i) => {
    const line = raw.trim();
    const n = i + 1;
    if (!line) return;
    const answer = /^ANSWER\s*[:：]\s*(.*)$/i.exec(line);
    const option = /^([A-Z])\s*[.)．、）]\s*(.*)$/.exec(line);
    if (answer) {
      const cur: Pending | null = q;
      q = null;
      if (!cur) return void errors.push({ line: n, message: "ANSWER 行前面没有题目" });
      const letter = answer[1].trim().toUpperCase();
      const index = letter.charCodeAt(0) - 65;
      if (cur.options.length < 2) errors.push({ line: cur.line, message: "选择题至少需要两个选项（A. … B. …）" });
      else if (!/^[A-Z]$/.test(letter)) errors.push({ line: n, message: `Aiken 格式只有单选题，ANSWER 应为一个选项字母，实际为「${answer[1].trim()}」` });
      else if (index >= cur.options.length) errors.push({ line: n, message: `答案 ${letter} 没有对应的选项` });
      else if (!cur.bad) {
        drafts.push({
          line: cur.line, type: "单选", stem_md: cur.stem.join("\n"), options: cur.options, answer: { choices: [index] },
          explanation: null, score: DEFAULT_SCORE.单选, difficulty: "中", knowledge: null, tags: [], key: null,
        });
      }
    } else if (option && q && q.stem.length) {
      const expected = String.fromCharCode(65 + q.options.length);
      if (option[1] !== expected) {
        errors.push({ line: n, message: `选项字母应为 ${expected}，实际为 ${option[1]}` });
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
  if (!drafts.length && !errors.length) errors.push({ line: 0, message: "文件中没有题目" });
  return result("aiken", drafts, errors);
}

// ------------------------------------------------------------------------------------------ Markdown

/**
 * The course's own bank form (courses/README.md), read by the course parser. Front matter is optional
 * here (a file of `##` questions is enough). Duplicate stems are left to `findDuplicates`, like every format.
 */
export function parseMarkdownBank(text: string, opts: { media?: string[] } = {}): ImportResult {
  const clean = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const hasFront = clean.split("\n")[0].trimEnd() === "---";
  const offset = hasFront ? 0 : 3;
  const { bank, errors } = parseBankText(hasFront ? clean : `---\ntitle: 导入\n---\n${clean}`, { file: "bank/import.md", media: opts.media });
  const issues = errors
    .filter((e) => !MSG.isStemDuplicate(e.message))
    .map((e) => ({ line: Math.max(0, e.line - offset), message: e.message }));
  const questions = (bank?.questions ?? []).map((q) => ({ ...q, line: q.line - offset }));
  // The parser reports a bad question yet may still return it: a question whose section (from its `##`
  // line to the next one) has an error is not imported.
  const sectionOf: number[] = [];
  let section = 0;
  clean.split("\n").forEach((l, i) => {
    if (/^##\s/.test(l)) section = i + 1;
    sectionOf[i + 1] = section;
  });
  const badSections = new Set(issues.flatMap((e) => (sectionOf[e.line] ? [sectionOf[e.line]] : [])));
  const ok = questions.filter((q) => !badSections.has(q.line));
  if (ok.length > MAX_IMPORT_QUESTIONS) issues.push({ line: 0, message: `一次最多导入 ${MAX_IMPORT_QUESTIONS} 道题，文件中有 ${ok.length} 道` });
  if (!questions.length && !issues.length) issues.push({ line: 0, message: "文件中没有题目（每道题以 ## 题型 开头）" });
  const title = hasFront && bank?.title ? bank.title : undefined;
  return { format: "markdown", questions: ok.length > MAX_IMPORT_QUESTIONS ? [] : ok, errors: sortIssues(issues), warnings: [], title };
}

// ------------------------------------------------------------------------------------------ detection

const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const TEXT_EXT = ["txt", "gift", "md", "markdown"];

/** UTF-8 (with or without BOM), else GB18030 (files saved by Chinese Windows); null for binary content. */
function decodeText(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    try {
      return new TextDecoder("gb18030", { fatal: true }).decode(bytes);
    } catch {
      return null;
    }
  }
}

/**
 * Reads a text bank in the format its structure shows: Markdown by its extension, front matter or `## 题型`
 * headings; otherwise Aiken (`ANSWER:` lines) and GIFT (`{…}` answers) are both tried when both could
 * apply, and the reading that finds more questions (then fewer errors) wins. So an Aiken file with a `{`
 * in a stem is read as Aiken, and a GIFT file that mentions "ANSWER:" as GIFT. Null: neither.
 */
export function parseTextBank(text: string, ext: string, opts: { media?: string[] } = {}): ImportResult | null {
  const t = text.replace(/^\uFEFF/, "");
  if (ext === "md" || ext === "markdown" || /^---\s*$/.test(t.split("\n")[0]) || /^##\s+(单选|多选|判断|填空|简答)/m.test(t)) return parseMarkdownBank(text, opts);
  const readings = [
    /^\s*ANSWER\s*[:：]/im.test(t) ? parseAiken(text) : null,
    unescapedIndexes(t, "{").length > 0 ? parseGift(text) : null,
  ].filter((r): r is ImportResult => r !== null);
  const score = (r: ImportResult) => r.questions.length * 1e6 - r.errors.length;
  return readings.sort((a, b) => score(b) - score(a))[0] ?? null;
}

/**
 * Reads an uploaded bank file of any supported kind. The type is decided by content (zip magic for
 * .xlsx, text otherwise) and checked against the extension.
 */
export async function parseBankFile(bytes: Uint8Array, fileName: string, opts: { media?: string[] } = {}): Promise<ImportResult> {
  const fail = (message: string): ImportResult => ({ format: null, questions: [], errors: [{ line: 0, message }], warnings: [] });
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase() ?? "";
  if (bytes.byteLength === 0) return fail("文件是空的");
  if (bytes.byteLength > MAX_IMPORT_BYTES) return fail("文件超过大小限制（最大 10 MB）");
  if (OLE.every((b, i) => bytes[i] === b)) return fail("这是旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 后再导入");
  const kind = sniff(bytes.subarray(0, 64));
  if (ext === "xlsx" || kind === "zip") {
    if (kind !== "zip") return fail("文件扩展名是 .xlsx，但内容不是 Excel 文件");
    if (ext !== "xlsx") return fail(`文件内容是压缩包，不是支持的题库文件（.${ext || "?"}）；Excel 题库请使用 .xlsx`);
    return parseExcelBank(bytes);
  }
  if (ext && !TEXT_EXT.includes(ext)) return fail(`不支持的文件类型 .${ext}：请上传 Excel（.xlsx）、GIFT 或 Aiken（.txt）、题库 Markdown（.md）`);
  const text = decodeText(bytes);
  if (text === null) return fail("无法读取文件：不是文本文件，或编码不是 UTF-8 / GBK");
  return parseTextBank(text, ext, opts) ?? fail("无法识别文件格式：支持 Excel 模板（.xlsx）、Moodle GIFT、Moodle Aiken 和题库 Markdown（.md）");
}

// ------------------------------------------------------------------------------------------ duplicates

export type ExistingQuestion = { key: string; stem_md: string };
export type Duplicate = { line: number; stem: string } & ({ kind: "file"; firstLine: number } | { kind: "bank"; existingKey: string; existingStem: string; byKey: boolean });

/**
 * Questions whose normalized stem (the course parser's notion of a duplicate) repeats an earlier one in
 * the file, or a question already in the bank; also an explicit 编号 already used in the bank.
 */
export function findDuplicates(questions: ParsedQuestion[], existing: ExistingQuestion[]): Duplicate[] {
  const inBank = new Map(existing.map((e) => [normalizeStem(e.stem_md), e]));
  const keys = new Map(existing.map((e) => [e.key, e]));
  const seen = new Map<string, number>();
  const out: Duplicate[] = [];
  for (const q of questions) {
    const norm = normalizeStem(q.stem_md);
    const first = seen.get(norm);
    const bank = inBank.get(norm);
    const sameKey = keys.get(q.key);
    if (first !== undefined) out.push({ line: q.line, stem: q.stem_md, kind: "file", firstLine: first });
    else if (bank) out.push({ line: q.line, stem: q.stem_md, kind: "bank", existingKey: bank.key, existingStem: bank.stem_md, byKey: false });
    else if (sameKey) out.push({ line: q.line, stem: q.stem_md, kind: "bank", existingKey: sameKey.key, existingStem: sameKey.stem_md, byKey: true });
    if (first === undefined) seen.set(norm, q.line);
  }
  return out;
}

/** A duplicate in words for the preview. */
export function describeDuplicate(d: Duplicate): string {
  if (d.kind === "file") return `与文件第 ${d.firstLine} 行的题干相同`;
  const excerpt = d.existingStem.length > 40 ? `${d.existingStem.slice(0, 40)}…` : d.existingStem;
  if (d.byKey) return `编号与题库中已有的题目相同：${excerpt}`;
  return d.existingStem === d.stem ? "与题库中已有的题目相同" : `与题库中已有的题目相同：${excerpt}`;
}
