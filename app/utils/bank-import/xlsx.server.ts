// Question-bank import and export: the Excel template (reader, export workbook and blank template).
import ExcelJS from "exceljs";
import { DEFAULT_SCORE } from "../course-format.server.ts";
import { IMPORT_MSG, MSG } from "../course-messages.server.ts";
import { DIFFICULTIES, QUESTION_TYPES, type QuestionAnswer, type QuestionType } from "../course-types.ts";
import { cellText, loadUploadedWorkbook, restoreCell, writeSheet, type SheetColumn } from "../spreadsheet.server.ts";
import {
  DIFFICULTY_ALIASES,
  type Draft,
  type ImportIssue,
  type ImportResult,
  JUDGE_WORDS,
  LETTERS,
  type QuestionInput,
  TYPE_ALIASES,
  placeBlanks,
  readBlanks,
  readLetters,
  result,
  stemKey,
} from "./common.server.ts";

const BASE_COLUMNS = ["题型", "题干", "答案", "解析", "分值", "难度", "知识点", "标签", "关键词", "顺序无关", "编号"] as const;
type Field = (typeof BASE_COLUMNS)[number] | `选项${string}`;

const HEADER_ALIASES: Record<string, Field> = {
  题目: "题干",
  试题: "题干",
  试题内容: "题干",
  题目内容: "题干",
  正确答案: "答案",
  参考答案: "答案",
  标准答案: "答案",
  答案解析: "解析",
  试题解析: "解析",
  分数: "分值",
  难易度: "难度",
  难易程度: "难度",
};

/** `选项 A`, `A`, `答案*`, `答案（多个空用|分隔）` → the field it names, or null for other columns. */
function headerField(text: string): Field | null {
  const t = text
    .replace(/[（(][^）)]*[）)]/g, "")
    .replace(/[\s*＊:：]/g, "")
    .toUpperCase();
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
  const opened = await loadUploadedWorkbook(bytes);
  if ("error" in opened) return fail(opened.error);
  const { workbook } = opened;
  const ws = workbook.worksheets.find((w) => w.state === "visible" && w.rowCount > 0) ?? workbook.worksheets[0];
  if (!ws) return fail(IMPORT_MSG.noSheet);

  const warnings: ImportIssue[] = [];
  const header = findHeader(ws);
  if (!header) return fail(IMPORT_MSG.noHeader);
  const { row: headerRow, columns } = header;
  if (!columns.has("答案")) errors.push({ line: headerRow, message: IMPORT_MSG.answerColumn });
  for (const name of header.ignored) warnings.push({ line: headerRow, message: IMPORT_MSG.unknownColumn(name) });
  for (const other of workbook.worksheets) {
    if (other !== ws && findHeader(other)) warnings.push({ line: 0, message: IMPORT_MSG.otherSheet(ws.name, other.name) });
  }

  const drafts: Draft[] = [];
  for (let r = headerRow + 1; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    const get = (f: Field) => {
      const col = columns.get(f);
      return col
        ? restoreCell(cellText(row.getCell(col).value))
            .replace(/\r\n?/g, "\n")
            .trim()
        : "";
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
  if (!drafts.length && !errors.length) errors.push({ line: 0, message: IMPORT_MSG.noRows });
  return result("xlsx", drafts, errors, warnings);
}

/** Cells the row's type has no use for: their content would be dropped without a word. */
function unusedCells(type: QuestionType, get: (f: Field) => string): string[] {
  const out: string[] = [];
  if (type !== "单选" && type !== "多选" && [...LETTERS].some((l) => get(`选项${l}`))) out.push(IMPORT_MSG.unusedOptions(type));
  if (type !== "简答" && get("关键词")) out.push(IMPORT_MSG.unusedKeywords);
  if (type !== "填空" && get("顺序无关")) out.push(IMPORT_MSG.unusedOrderFree);
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
    errs.push(typeText ? IMPORT_MSG.typeInvalid(typeText, QUESTION_TYPES) : IMPORT_MSG.typeRequired);
    return null;
  }
  const stem = get("题干");
  if (!stem) errs.push(MSG.stemRequired);
  warns.push(...unusedCells(type, get));

  const scoreText = get("分值");
  const score = scoreText ? Number(scoreText) : DEFAULT_SCORE[type];
  if (!(score > 0) || !Number.isFinite(score)) errs.push(IMPORT_MSG.score(scoreText));
  const difficultyText = get("难度");
  const difficulty = difficultyText ? DIFFICULTY_ALIASES[difficultyText] : "中";
  if (!difficulty) errs.push(IMPORT_MSG.difficulty(difficultyText, DIFFICULTIES));

  const answerRaw = get("答案");
  let options: string[] | null = null;
  let answer: QuestionAnswer | null = null;
  let stemMd = stem;
  if (type === "单选" || type === "多选") {
    const cells = [...LETTERS].map((l) => get(`选项${l}`));
    const last = cells.reduce((n, c, i) => (c ? i + 1 : n), 0);
    options = cells.slice(0, last);
    const gap = options.findIndex((o) => !o);
    if (gap >= 0) errs.push(IMPORT_MSG.optionGap(LETTERS[gap]));
    if (last < 2) errs.push(IMPORT_MSG.twoOptions);
    const letters = readLetters(answerRaw);
    if (!answerRaw) errs.push(IMPORT_MSG.answerRequired);
    else if (!letters) errs.push(IMPORT_MSG.answerLetters(answerRaw));
    else {
      for (const i of letters) if (!options[i]) errs.push(IMPORT_MSG.answerOptionEmpty(LETTERS[i]));
      if (type === "单选" && letters.length !== 1) errs.push(IMPORT_MSG.singleAnswer);
      if (type === "多选" && letters.length < 2) errs.push(IMPORT_MSG.multiAnswer);
      answer = { choices: letters };
    }
  } else if (type === "判断") {
    const judge = JUDGE_WORDS[answerRaw.toLowerCase()];
    if (judge === undefined) errs.push(IMPORT_MSG.judgeValue(answerRaw));
    else answer = { judge };
  } else if (type === "填空") {
    const placed = placeBlanks(stem, answerRaw ? readBlanks(answerRaw) : null);
    if (typeof placed === "string") errs.push(placed);
    else if (placed.blanks.some((b) => b.some((a) => !a))) errs.push(IMPORT_MSG.blankSides);
    else {
      stemMd = placed.stem;
      answer = { blanks: placed.blanks, orderFree: YES.has(get("顺序无关").toUpperCase()) };
    }
  } else {
    if (!answerRaw) errs.push(IMPORT_MSG.essayAnswerColumn);
    const keywords = get("关键词")
      .split(/[,，、]/)
      .map((k) => k.trim())
      .filter(Boolean);
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
    tags: get("标签")
      .split(/[,，、]/)
      .map((t) => t.trim())
      .filter(Boolean),
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
  writeSheet(
    ws,
    columns,
    questions.map((q) => {
      const row = questionRow(q, optionCount);
      return columns.map((c) => row[c.field]);
    }),
  );
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
    type: "单选",
    stem_md: "中国共产党是中国工人阶级的先锋队，同时是（ ）的先锋队。",
    options: ["中国农民", "中国人民和中华民族", "中国青年", "中国知识分子"],
    answer: { choices: [1] },
    explanation: "见《中国共产党章程》总纲第一段。",
    score: 2,
    difficulty: "易",
    knowledge: "党的性质",
    tags: [],
  },
  {
    type: "多选",
    stem_md: "下列属于党员权利的是（ ）。",
    options: ["参加党的有关会议", "行使表决权、选举权", "学习党的基本知识", "向党的上级组织直到中央提出请求"],
    answer: { choices: [0, 1, 3] },
    explanation: "学习党的基本知识是党员的义务。",
    score: 3,
    difficulty: "中",
    knowledge: "党员权利",
    tags: [],
  },
  {
    type: "判断",
    stem_md: "预备党员的预备期为一年。",
    options: null,
    answer: { judge: true },
    explanation: null,
    score: 1,
    difficulty: "易",
    knowledge: "预备党员",
    tags: [],
  },
  {
    type: "填空",
    stem_md: "党的最高理想和最终目标是实现{{}}，党的根本宗旨是{{}}。",
    options: null,
    answer: { blanks: [["共产主义"], ["全心全意为人民服务", "为人民服务"]], orderFree: false },
    explanation: null,
    score: 2,
    difficulty: "中",
    knowledge: "党的性质",
    tags: [],
  },
  {
    type: "简答",
    stem_md: "简述党员的八项义务中的任意三项。",
    options: null,
    answer: {
      reference: "认真学习马克思列宁主义……；贯彻执行党的基本路线和各项方针、政策……；坚持党和人民的利益高于一切……",
      keywords: ["学习", "贯彻执行", "利益高于一切"],
    },
    explanation: null,
    score: 10,
    difficulty: "难",
    knowledge: "党员义务",
    tags: [],
  },
];

const TEMPLATE_NOTES: [string, string][] = [
  ["题型", "必填：单选、多选、判断、填空、简答"],
  ["题干", "必填。填空题用 {{}}、（ ）或 ____ 标出每个空的位置；只有一个空且未标出时，空放在题干末尾"],
  ["选项A…选项F", "单选、多选必填，至少两个，从选项A起连续填写（最多到选项H）"],
  [
    "答案",
    "单选：B；多选：ACD 或 A,C,D；判断：正确/错误（或 对/错、√/×）；填空：多个空用 | 分隔，同一空的备选答案用 / 分隔，如 共产主义|全心全意为人民服务/为人民服务；简答：参考答案",
  ],
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
  writeSheet(
    workbook.addWorksheet("填写说明"),
    [
      { header: "列", width: 14 },
      { header: "说明", width: 100 },
    ],
    TEMPLATE_NOTES,
  );
  return workbook;
}
