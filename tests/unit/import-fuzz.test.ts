// Property-based and pathological inputs for the question-bank importers (GIFT, Aiken, Markdown, Excel):
// whatever the file holds, a reader answers (no throw, no unhandled rejection) with questions and issues
// that point at lines of the file, and its cost grows linearly with the input. Cost is compared between
// n and 4n bytes of the same pattern (linear: about 4×, quadratic: 16×), never against a clock.
import ExcelJS from "exceljs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAiken } from "../../app/utils/bank-import/aiken.server.ts";
import { type ImportResult } from "../../app/utils/bank-import/common.server.ts";
import { parseBankFile } from "../../app/utils/bank-import/detect.server.ts";
import { parseGift } from "../../app/utils/bank-import/gift.server.ts";
import { parseMarkdownBank } from "../../app/utils/bank-import/markdown.server.ts";
import { parseExcelBank } from "../../app/utils/bank-import/xlsx.server.ts";
import { cpuCost, cpuMs } from "./cost.ts";

/** Pieces every format gives meaning to, so random files hit the parsers' branches, not just plain text. */
const TOKENS = [
  "{",
  "}",
  "=",
  "~",
  "#",
  "####",
  "%50%",
  "%-100%",
  "%100%",
  "::",
  "\\",
  "\\{",
  "->",
  "T",
  "FALSE",
  "[html]",
  "$CATEGORY: a/b",
  "//",
  "ANSWER: ",
  "ANSWER：B",
  "A. ",
  "B) ",
  "C、",
  "## 单选",
  "## 多选 [2分] [难]",
  "## 填空 [顺序无关]",
  "## 判断",
  "## 简答",
  "- [x] ",
  "- [ ] ",
  "答案：对",
  "参考答案：",
  "关键词：a,b",
  "> 解析：",
  "{{",
  "}}",
  "{{甲/乙}}",
  "---",
  "title: t",
  "![](media/a.png)",
  '<img src="x">',
  "（ ）",
  "____",
  "|",
  "/",
  "党",
  "𠮷",
  "\u202e",
  "\u0000",
  "\t",
  " ",
  "\r\n",
  "\n",
  "\n\n",
];
const soup = fc.array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 6 })), { maxLength: 120 }).map((parts) => parts.join(""));

function checkResult(r: ImportResult, text: string) {
  const lines = text.split(/\r\n?|\n/).length;
  for (const i of [...r.errors, ...r.warnings]) {
    expect(Number.isInteger(i.line) && i.line >= 0 && i.line <= lines, `${i.line}: ${i.message}`).toBe(true);
    expect(i.message).toMatch(/[\u4e00-\u9fff]/);
  }
  for (const q of r.questions) expect(q.line >= 1 && q.line <= lines).toBe(true);
}

describe("random files never break a reader", () => {
  it.each([
    ["GIFT", parseGift],
    ["Aiken", parseAiken],
    ["Markdown", (t: string) => parseMarkdownBank(t)],
  ])("%s answers with questions and numbered issues", (_name, parse) => {
    fc.assert(
      fc.property(soup, (text) => checkResult(parse(text), text)),
      { numRuns: 400 },
    );
  });

  it("the upload entry point resolves for any bytes and any name", async () => {
    const name = fc.constantFrom("a.txt", "a.gift", "a.md", "a.xlsx", "a", "a.pdf", "题库=1;2.txt");
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      soup.map((t) => new TextEncoder().encode(t)),
      fc.uint8Array({ maxLength: 64 }).map((b) => Uint8Array.from([0x50, 0x4b, 0x03, 0x04, ...b])),
    );
    await fc.assert(
      fc.asyncProperty(bytes, name, async (b, n) => {
        const r = await parseBankFile(b, n);
        expect(r.questions.length + r.errors.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it("Excel sheets of random cells answer with questions and numbered rows", async () => {
    const cell = fc.oneof(
      fc.constantFrom("单选", "多选", "判断", "填空", "简答", "A", "AB", "正确", "是", "易", "2", "-1", "1e3", ""),
      soup,
      fc.double(),
      fc.constant(null),
    );
    const header = fc.shuffledSubarray(
      ["题型", "题干", "选项A", "选项B", "选项C", "答案", "解析", "分值", "难度", "知识点", "关键词", "顺序无关", "编号", "备注"],
      { minLength: 2 },
    );
    await fc.assert(
      fc.asyncProperty(header, fc.array(fc.array(cell, { maxLength: 14 }), { maxLength: 12 }), async (head, rows) => {
        const wb = new ExcelJS.Workbook();
        const ws = wb.addWorksheet("题库");
        ws.addRow(["题型", "题干", ...head]);
        for (const r of rows) ws.addRow(r);
        const r = await parseExcelBank(new Uint8Array(await wb.xlsx.writeBuffer()));
        for (const i of [...r.errors, ...r.warnings]) expect(i.line >= 0 && i.line <= rows.length + 1).toBe(true);
        for (const q of r.questions) expect(q.line >= 2 && q.line <= rows.length + 1).toBe(true);
      }),
      { numRuns: 40 },
    );
  }, 60_000);
});

// ------------------------------------------------------------------------------------------ cost

/** The best of three runs in CPU time (other processes' use of the CPU does not count), after one to warm up. */
function cost(run: () => unknown): number {
  run();
  let best = Infinity;
  for (let i = 0; i < 3; i++) best = Math.min(best, cpuCost(run));
  return best;
}
/** t(4n) ÷ t(n): about 4 when linear, 16 when quadratic; 10 leaves room for a noisy shared machine. */
const SLACK = 10;

/**
 * The lowest of three ratios: other test files share the CPU, and one slow moment must not fail a linear
 * reader, while a quadratic one stays near 16 every time.
 */
async function lowestRatio(measure: () => Promise<number> | number): Promise<number> {
  let lowest = Infinity;
  for (let i = 0; i < 3 && lowest >= SLACK; i++) lowest = Math.min(lowest, await measure());
  return lowest;
}

// The course parser's own patterns on a bank body (`{{` runs, image references) are bounded by the
// course-format work, not here; these are the importers' own paths.
const PATHOLOGICAL: [string, (n: number) => string, (text: string) => unknown][] = [
  ["GIFT: one long answer list with weights and feedback", (n) => `题 {${"~%50%甲#反馈 ".repeat(n / 10)}}`, parseGift],
  ["GIFT: short-answer alternatives", (n) => `题 {${"=甲 ".repeat(n / 3)}}`, parseGift],
  ["GIFT: category lines in one block", (n) => `${"$CATEGORY: 甲/乙\n".repeat(n / 15)}题 {=甲 ~乙}`, parseGift],
  ["GIFT: unclosed braces and titles", (n) => "::{".repeat(n / 3), parseGift],
  ["GIFT: many questions", (n) => "题{=甲#对 ~乙#错}\n\n".repeat(n / 16), parseGift],
  ["Aiken: options without an answer", (n) => `题\n${"A. 甲\n".repeat(n / 6)}`, parseAiken],
  ["Aiken: answers without a question", (n) => "ANSWER: A\n".repeat(n / 10), parseAiken],
  ["Aiken: many questions", (n) => "题\nA. 甲\nB. 乙\nANSWER: A\n".repeat(n / 24), parseAiken],
  ["Markdown: many broken questions", (n) => "## 单选\n题\n".repeat(n / 10), (t) => parseMarkdownBank(t)],
  ["Markdown: many options", (n) => `## 单选\n题\n${"- [x] 甲\n".repeat(n / 9)}`, (t) => parseMarkdownBank(t)],
  ["Markdown: many attributes", (n) => `## 单选 ${"[甲]".repeat(n / 3)}\n题`, (t) => parseMarkdownBank(t)],
];

describe("cost grows linearly with the input", () => {
  it.each(PATHOLOGICAL)(
    "%s",
    async (_name, make, parse) => {
      // Grow n until the small input takes long enough (20 ms) for timer and GC noise not to dominate.
      let n = 10_000;
      let small = 0;
      while (small < 20 && n < 2_000_000) {
        const text = make((n *= 2));
        small = cost(() => parse(text));
      }
      const smallText = make(n);
      const large = make(4 * n);
      expect(await lowestRatio(() => cost(() => parse(large)) / cost(() => parse(smallText)))).toBeLessThan(SLACK);
    },
    120_000,
  );

  it("Excel: 4× the rows cost about 4× the time", async () => {
    const book = async (rows: number) => {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet("题库");
      ws.addRow(["题型", "题干", "选项A", "选项B", "答案", "备注"]);
      for (let i = 0; i < rows; i++) ws.addRow(["单选", `第 ${i} 题${"党".repeat(20)}`, "甲", "乙", i % 7 ? "A" : "AB", "x"]);
      return new Uint8Array(await wb.xlsx.writeBuffer());
    };
    const time = async (bytes: Uint8Array) => {
      await parseExcelBank(bytes);
      let best = Infinity;
      for (let i = 0; i < 3; i++) {
        const t = cpuMs();
        await parseExcelBank(bytes);
        best = Math.min(best, cpuMs() - t);
      }
      return best;
    };
    const [small, large] = [await book(1000), await book(4000)];
    expect(await lowestRatio(async () => (await time(large)) / (await time(small)))).toBeLessThan(SLACK);
  }, 120_000);
});
