// One Chinese catalogue for the course format, the sync, the zip import and the question-bank imports:
// every message reads as Chinese, and the modules that used to write their own messages now take them
// from the catalogue.
import ExcelJS from "exceljs";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAiken } from "../../app/utils/bank-import/aiken.server.ts";
import { formatIssue, type ImportResult } from "../../app/utils/bank-import/common.server.ts";
import { parseBankFile } from "../../app/utils/bank-import/detect.server.ts";
import { describeDuplicate, findDuplicates } from "../../app/utils/bank-import/duplicates.server.ts";
import { parseGift } from "../../app/utils/bank-import/gift.server.ts";
import { parseMarkdownBank } from "../../app/utils/bank-import/markdown.server.ts";
import { parseExcelBank } from "../../app/utils/bank-import/xlsx.server.ts";
import { IMPORT_MSG, MSG, SYNC_MSG, SYNC_STATUS, ZIP_MSG } from "../../app/utils/course-messages.server.ts";

/** Every message of a group, functions called with a stand-in for each argument. */
function messages(group: Record<string, unknown>, prefix = ""): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(group)) {
    const at = `${prefix}${key}`;
    if (typeof value === "string") out.push([at, value]);
    else if (typeof value === "function") {
      const text: unknown = value(...Array.from({ length: value.length }, () => ["甲"]));
      if (typeof text === "string") out.push([at, text]);
    } else if (value && typeof value === "object") out.push(...messages(value as Record<string, unknown>, `${at}.`));
  }
  return out;
}

const CJK = /[\u4e00-\u9fff]/;
/** Three English words in a row: a sentence of a library or of old code, not a key or a file name. */
const ENGLISH = /\b[A-Za-z]{2,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}\b/;

describe("the course message catalogue", () => {
  it.each([
    ["MSG", MSG],
    ["SYNC_MSG", SYNC_MSG],
    ["SYNC_STATUS", SYNC_STATUS],
    ["ZIP_MSG", ZIP_MSG],
    ["IMPORT_MSG", IMPORT_MSG],
  ] as const)("%s reads as Chinese", (_name, group) => {
    const all = messages(group as Record<string, unknown>);
    expect(all.length).toBeGreaterThan(5);
    for (const [key, text] of all) {
      expect(text, key).toMatch(CJK);
      expect(text.replace(/npm run [^）)]*/g, ""), key).not.toMatch(ENGLISH);
    }
  });

  it("names the archive entry first in every message about one entry", () => {
    const entry = "课程/media/a.mp4";
    for (const f of [
      ZIP_MSG.bomb,
      ZIP_MSG.encrypted,
      ZIP_MSG.method,
      ZIP_MSG.damaged,
      ZIP_MSG.sizeMismatch,
      ZIP_MSG.truncated,
      ZIP_MSG.inflate,
      ZIP_MSG.checksum,
      ZIP_MSG.entryRefused,
      ZIP_MSG.unsafePath,
      ZIP_MSG.notCourseFile,
      ZIP_MSG.twice,
    ]) {
      expect((f as (n: string, x: never) => string)(entry, "原因" as never)).toMatch(/^课程\/media\/a\.mp4: \S/);
    }
    expect(ZIP_MSG.noCourseMd("课程/")).toMatch(/^课程\/course\.md: /);
  });

  it("is the only place the zip import and the import lock write a message", () => {
    // Chinese outside comments in these files would be a message written past the catalogue.
    for (const file of ["app/utils/course-zip.server.ts", "app/models/import-locks.server.ts"]) {
      const code = fs
        .readFileSync(file, "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/\/\/.*$/gm, "");
      expect(
        code.split("\n").filter((l) => CJK.test(l)),
        file,
      ).toEqual([]);
    }
    // The import's action and the zip part of the authoring model.
    const route = fs.readFileSync("app/routes/teach.import.tsx", "utf8");
    expect(route.slice(route.indexOf("export async function action"), route.indexOf("export default")).replace(/\/\/.*$/gm, "")).not.toMatch(CJK);
    const model = fs.readFileSync("app/models/authoring.server.ts", "utf8");
    const zipPart = model.slice(model.indexOf("async function unpackCourseZip"), model.indexOf("// ------", model.indexOf("async function unpackCourseZip")));
    expect(
      zipPart
        .replace(/\/\/.*$/gm, "")
        .split("\n")
        .filter((l) => CJK.test(l)),
    ).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------ bank imports

const ARG = "\u0001";
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/**
 * What a catalogue entry can say, as a pattern: a function is called with a stand-in for each argument
 * (an array, so that `.join` and `.slice` work) that becomes "anything", and, for one or two arguments,
 * with the values its branches test (true/false, a question type).
 */
function patterns(value: unknown): RegExp[] {
  if (typeof value === "string") return [new RegExp(`^${escape(value)}$`)];
  if (typeof value !== "function") return [];
  const f = value as (...args: unknown[]) => unknown;
  const choices: unknown[] = [[ARG], true, false, "填空", "简答", "单选"];
  let calls: unknown[][] = [Array.from({ length: f.length }, () => [ARG])];
  if (f.length === 1) calls = choices.map((c) => [c]);
  if (f.length === 2) calls = choices.flatMap((a) => choices.map((b) => [a, b]));
  return calls.flatMap((args) => {
    let text: unknown;
    try {
      text = f(...args);
    } catch {
      return []; // a value this argument cannot take
    }
    return typeof text === "string" ? [new RegExp(`^${escape(text).replaceAll(ARG, "[\\s\\S]*")}$`)] : [];
  });
}
const importPatterns = Object.entries(IMPORT_MSG).map(([key, value]) => ({ key, res: patterns(value) }));
/** The course parser's messages, which the Markdown reader passes through (a field's term, then what is wrong). */
const parserPattern = new RegExp(
  `^(?:\\p{Script=Han}+（[a-z_]+）|字段 \\S+|${Object.values(MSG)
    .flatMap(patterns)
    .map((r) => r.source.slice(1, -1))
    .join("|")})+$`,
  "u",
);

async function sheet(
  rows: unknown[][],
  header: string[] = ["题型", "题干", "选项A", "选项B", "选项C", "答案", "分值", "难度", "标签", "关键词", "顺序无关"],
  more = false,
) {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("题库");
  ws.addRow(header);
  for (const r of rows) ws.addRow(r);
  if (more) wb.addWorksheet("第二页").addRow(["题型", "题干"]);
  return parseExcelBank(new Uint8Array(await wb.xlsx.writeBuffer()));
}
const text = (t: string) => new TextEncoder().encode(t);

/** Files that go wrong in every way each reader knows, and the results of reading them. */
async function readAll(): Promise<{ imports: ImportResult[]; markdown: ImportResult[]; duplicates: string[] }> {
  const gift = [
    "",
    "::标题与题干不同::题干 {T}",
    "::没有结束 题 {T}",
    "只是说明文字",
    "题 {=甲",
    "题 {T} 又 {F}",
    "简答 {}",
    "数值 {#3}",
    "题 {甲乙}",
    "匹配 {=a -> b =c -> d}",
    "题 {= ~乙}",
    "填空 {=%50%甲}",
    "填空 {=甲/乙}",
    "填空 {=甲 =%50%乙#一般}",
    "题 {=甲#对 ~乙#错}",
    "判断 {T#错了#对了}",
    "题 {=甲 =乙 ~丙}",
    "题 {~甲 ~乙}",
    "题 {=甲 ~%50%乙 ~丙}",
    "题 {~%60%甲 ~%40%乙 ~丙}",
    "题 {=甲 ~%-50%乙}",
    "题\n## 标题 {T}",
    "$CATEGORY: 甲]乙\n\n题 {T}",
    "题 {=1 ~2 ~3 ~4 ~5 ~6 ~7 ~8 ~9}",
    "题 {=甲\\n乙 ~丙}",
    "题\n- [x] 甲 {T}",
    "题 {T}\n\n".repeat(5001),
  ].map(parseGift);
  const aiken = [
    "",
    "题\nA. 甲\nB. 乙\n",
    "ANSWER: A",
    "题\nA. 甲\nANSWER: A",
    "题\nA. 甲\nB. 乙\nANSWER: AB",
    "题\nA. 甲\nB. 乙\nANSWER: C",
    "题\nA. 甲\nC. 丙\nANSWER: A",
  ].map(parseAiken);
  const rows = [
    ["判断", "题", "甲", "", "", "对"],
    ["单选", "题", "甲", "乙", "", "A", "", "", "", "关键词"],
    ["单选", "题", "甲", "乙", "", "A", "", "", "", "", "是"],
    ["无此题型", "题"],
    ["", "只有题干"],
    ["单选", "", "甲", "乙", "", "A"],
    ["单选", "题", "甲", "乙", "", "A", "-1", "超难"],
    ["单选", "题", "", "乙", "丙", "B"],
    ["单选", "题", "甲", "", "", "A"],
    ["单选", "题", "甲", "乙", "", ""],
    ["单选", "题", "甲", "乙", "", "Z9"],
    ["单选", "题", "甲", "乙", "", "C"],
    ["单选", "题", "甲", "乙", "", "AB"],
    ["多选", "题", "甲", "乙", "", "A"],
    ["判断", "题", "", "", "", "也许"],
    ["填空", "题{{}}和{{}}", "", "", "", "甲|"],
    ["填空", "题", "", "", "", ""],
    ["填空", "甲（ ）乙（ ）", "", "", "", "丙"],
    ["填空", "题", "", "", "", "甲{{乙"],
    ["简答", "题", "", "", "", ""],
    ["简答", "题", "", "", "", "答", "", "", "", "甲\n乙"],
    ["单选", "题", "甲", "乙", "", "A", "", "", "甲]乙"],
  ];
  const excel = [
    await sheet(rows, undefined, true),
    await sheet([["单选", "题"]], ["题型", "题干", "备注"]),
    await sheet([], ["题型", "题干", "答案"]),
    await sheet([["单选"]], ["甲", "乙"]),
    await parseExcelBank(new Uint8Array(await new ExcelJS.Workbook().xlsx.writeBuffer())),
  ];
  const files = await Promise.all(
    (
      [
        [new Uint8Array(0), "a.txt"],
        [new Uint8Array(10 * 1024 * 1024 + 1), "a.txt"],
        [Uint8Array.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), "a.xls"],
        [text("题 {T}"), "a.xlsx"],
        [Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]), "a.txt"],
        [text("题 {T}"), "a.pdf"],
        [Uint8Array.from([0x61, 0, 0x62]), "a.txt"],
        [text("既不是 GIFT 也不是 Aiken"), "a.txt"],
      ] as const
    ).map(([bytes, name]) => parseBankFile(bytes, name)),
  );
  const markdown = ["", "## 判断\n题\n答案：对\n\n".repeat(5001), "## 单选\n题\n- [x] 甲\n", "---\ntitle:\n---\n## 判断 [甲]\n题\n答案：也许\n"].map((t) =>
    parseMarkdownBank(t),
  );
  const q = parseMarkdownBank(
    "## 判断\n一题\n答案：对\n\n## 判断\n一题\n答案：错\n\n## 判断 [编号:k1]\n三题\n答案：对\n\n## 判断\n四题\n答案：对\n\n## 判断\n五题\n答案：对\n",
  ).questions;
  const duplicates = findDuplicates(q, [
    { key: "k1", stem_md: "别的" },
    { key: "k4", stem_md: "四 题" },
    { key: "k6", stem_md: "五题" },
  ]).map(describeDuplicate);
  return { imports: [...gift, ...aiken, ...excel, ...files], markdown, duplicates };
}

describe("the bank importers' messages", () => {
  it("come from the catalogue: every message of a bad file is one of IMPORT_MSG's, and every entry is said by some file", async () => {
    const { imports, markdown, duplicates } = await readAll();
    const said = [...imports.flatMap((r) => [...r.errors, ...r.warnings].map((i) => i.message)), ...duplicates];
    const known = [...importPatterns.flatMap((p) => p.res), ...patterns(MSG.stemRequired)];
    for (const message of said) {
      // A question the course parser refuses when it reads it back says the parser's reason.
      const own = known.some((re) => re.test(message));
      expect(own, message).toBe(true);
    }
    for (const r of markdown)
      for (const i of [...r.errors, ...r.warnings])
        expect(IMPORT_MSG.noQuestionsMarkdown === i.message || known.some((re) => re.test(i.message)) || parserPattern.test(i.message), i.message).toBe(true);
    const all = [...said, ...markdown.flatMap((r) => r.errors.map((i) => i.message))];
    // Labels are written into questions (解析, an essay's reference answer), `at` puts a line before a message.
    const notIssues = new Set(["at", "essayPlaceholder", "feedbackRight", "feedbackWrong", "feedbackOnAnswer", "feedbackOnOption"]);
    // Defensive checks that no file reaches (the readers refuse such a question before).
    const unreachable = new Set(["blankNone", "blankEmpty", "referenceRequired", "notBankFormat"]);
    const silent = importPatterns.filter(({ key, res }) => !notIssues.has(key) && !unreachable.has(key) && !all.some((m) => res.some((re) => re.test(m))));
    expect(silent.map((p) => p.key)).toEqual([]);
  });

  it("writes what GIFT keeps in a question with the catalogue's labels", () => {
    const explanation = (t: string) => parseGift(t).questions[0]?.explanation;
    expect(explanation("判断 {T#错了#对了}")).toBe(`${IMPORT_MSG.feedbackRight}：对了\n${IMPORT_MSG.feedbackWrong}：错了`);
    expect(explanation("题 {=甲#对 ~乙#错}")).toBe(`${IMPORT_MSG.feedbackOnOption("A")}：对\n${IMPORT_MSG.feedbackOnOption("B")}：错`);
    expect(explanation("填空 {=甲#好 =%50%乙#一般}")).toBe(`${IMPORT_MSG.feedbackOnAnswer("甲")}：好\n${IMPORT_MSG.feedbackOnAnswer("乙")}：一般`);
    expect(parseGift("简答 {}").questions[0]?.answer).toEqual({ reference: IMPORT_MSG.essayPlaceholder, keywords: [] });
  });

  it("puts the row or line first in every numbered message", () => {
    expect(formatIssue({ line: 5, message: IMPORT_MSG.singleAnswer })).toBe(`第 5 行：${IMPORT_MSG.singleAnswer}`);
    expect(formatIssue({ line: 0, message: IMPORT_MSG.empty })).toBe(IMPORT_MSG.empty);
    expect(IMPORT_MSG.at(12, "甲")).toMatch(/^第 12 行：甲$/);
  });

  it("is the only place the importers write a message", () => {
    // A Chinese literal handed straight to an issue, a refusal or a return would be a message past the
    // catalogue; the importers' own Chinese is vocabulary (题型, column names, the bank format's syntax).
    const direct = /(?:message:|(?:errs|warns|errors|warnings|issues|p)\.push\(|fail\(|return)\s*["`][^"`]*\p{Script=Han}{3}/u;
    for (const file of fs.readdirSync("app/utils/bank-import")) {
      const code = fs
        .readFileSync(`app/utils/bank-import/${file}`, "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/\/\/.*$/gm, "");
      expect(
        code.split("\n").filter((l) => direct.test(l)),
        file,
      ).toEqual([]);
    }
  });
});
