// Question-bank import/export: the readers (Excel, GIFT, Aiken, Markdown), duplicates, the Markdown
// serializer's round trip through the course parser, and the Excel export (round trip, formula injection).
import fs from "node:fs";
import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { parseAiken } from "../../app/utils/bank-import/aiken.server.ts";
import { formatIssue, questionsToBankMarkdown, type ImportResult, type QuestionInput } from "../../app/utils/bank-import/common.server.ts";
import { parseBankFile } from "../../app/utils/bank-import/detect.server.ts";
import { describeDuplicate, findDuplicates } from "../../app/utils/bank-import/duplicates.server.ts";
import { parseGift } from "../../app/utils/bank-import/gift.server.ts";
import { parseMarkdownBank } from "../../app/utils/bank-import/markdown.server.ts";
import { bankWorkbook, parseExcelBank, templateWorkbook, TEMPLATE_EXAMPLES } from "../../app/utils/bank-import/xlsx.server.ts";
import { parseBankText, type ParsedQuestion } from "../../app/utils/course-format.server.ts";
import { restoreCell, safeCell } from "../../app/utils/spreadsheet.server.ts";

const BANK_FILES = [
  "courses/jijifenzi-peixun/bank/jiben-zhishi.md",
  "courses/fazhan-duixiang/bank/dangzhang-yu-fazhan.md",
  "tests/fixtures/courses/sample/bank/jiben-zhishi.md",
];

function bankQuestions(file: string): ParsedQuestion[] {
  const { bank, errors } = parseBankText(fs.readFileSync(file, "utf8"), { file: "bank/x.md", media: mediaOf(file) });
  expect(errors).toEqual([]);
  return bank!.questions;
}
function mediaOf(file: string): string[] {
  const dir = file.replace(/bank\/[^/]+$/, "media");
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => `media/${f}`) : [];
}

/** Everything but the source line: key, hash and content. */
const content = (qs: ParsedQuestion[]) => qs.map(({ line: _line, ...q }) => q);
const messages = (r: ImportResult) => r.errors.map(formatIssue);

async function xlsx(
  rows: unknown[][],
  header = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "解析", "分值", "难度", "知识点"],
) {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("Sheet1");
  ws.addRow(header);
  for (const r of rows) ws.addRow(r);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

const EDGE: QuestionInput[] = [
  {
    type: "单选",
    stem_md: "第一行题干\n\n第二段，含 **加粗** 和 `代码`",
    options: ["甲", "乙 (括号)", "丙"],
    answer: { choices: [2] },
    explanation: "多行解析第一行\n\n> 引用\n  缩进行",
    score: 1.5,
    difficulty: "难",
    knowledge: "党的纪律",
    tags: ["党章", "纪律"],
    key: "q-edge-1",
  },
  {
    type: "填空",
    stem_md: "{{}}是党的根本宗旨；党的最高理想是{{}}。",
    options: null,
    answer: { blanks: [["全心全意为人民服务", "为人民服务"], ["共产主义"]], orderFree: true },
    explanation: null,
    score: 2,
    difficulty: "中",
    knowledge: null,
    tags: [],
  },
  {
    type: "简答",
    stem_md: "谈谈你对入党动机的认识。",
    options: null,
    answer: { reference: "第一点……\n\n第二点……", keywords: ["入党动机", "端正"] },
    explanation: "评分要点见参考答案",
    score: 15,
    difficulty: "难",
    knowledge: null,
    tags: [],
  },
  {
    type: "判断",
    stem_md: "=1+1 这样的内容也只是文字。",
    options: null,
    answer: { judge: false },
    explanation: null,
    score: 1,
    difficulty: "易",
    knowledge: "知识点 (括号)",
    tags: [],
  },
];

describe("questionsToBankMarkdown", () => {
  it.each(BANK_FILES)("writes %s so that the course parser reads back the same questions", (file) => {
    const questions = bankQuestions(file);
    expect(questions.length).toBeGreaterThan(3);
    const md = questionsToBankMarkdown("题库：标题 # 含特殊字符", questions);
    const back = parseBankText(md, { file: "bank/x.md", media: mediaOf(file) });
    expect(back.errors).toEqual([]);
    expect(back.bank!.title).toBe("题库：标题 # 含特殊字符");
    expect(content(back.bank!.questions)).toEqual(content(questions));
  });

  it("keeps multi-line stems, explanations and references, tags, keywords, explicit keys and order-free blanks", () => {
    const md = questionsToBankMarkdown("边界", EDGE);
    const { bank, errors } = parseBankText(md);
    expect(errors).toEqual([]);
    const back = bank!.questions.map(({ key: _k, hash: _h, line: _l, ...q }) => q);
    expect(back).toEqual(EDGE.map(({ key: _k, ...q }) => q));
    expect(bank!.questions[0].key).toBe("q-edge-1");
    expect(bank!.questions[1].key).toMatch(/^stem:/);
    expect(md).not.toContain("[编号:stem:");
  });
});

describe("Excel import", () => {
  it("reads a good file with columns in any order, extra columns and every answer form", async () => {
    const header = ["备注", "难度", "题干", "题型", "答案", "选项A", "选项B", "选项C", "选项D", "分值", "知识点", "解析"];
    const bytes = await xlsx(
      [
        ["忽略", "易", "党的根本宗旨是（ ）。", "单选", "A", "全心全意为人民服务", "实现共产主义", "", "", 2, "党的宗旨", "见党章"],
        ["", "", "下列属于党员义务的有（ ）。", "多选题", "A,C,D", "学习", "享受特权", "贯彻执行", "维护团结", "", "", ""],
        ["", "难", "下列说法正确的是（ ）。", "多选", "ab", "甲", "乙", "丙", "", 3, "", ""],
        ["", "", "预备期为一年。", "判断", "对", "", "", "", "", "", "", ""],
        ["", "", "党员可以不交党费。", "判断", "×", "", "", "", "", "", "", ""],
        ["", "", "入党要写申请书。", "判断", "√", "", "", "", "", "", "", ""],
        ["", "", "党的最高理想是（ ），根本宗旨是（ ）。", "填空", "共产主义|全心全意为人民服务/为人民服务", "", "", "", "", "", "", ""],
        ["", "", "一个空放在末尾：", "填空", "答案甲", "", "", "", "", "", "", ""],
        ["", "", "简述入党誓词。", "简答", "我志愿加入中国共产党……", "", "", "", "", 10, "", ""],
      ],
      header,
    );
    const r = await parseExcelBank(bytes);
    expect(r.errors).toEqual([]);
    expect(r.format).toBe("xlsx");
    const q = r.questions;
    expect(q.map((x) => [x.line, x.type])).toEqual([
      [2, "单选"],
      [3, "多选"],
      [4, "多选"],
      [5, "判断"],
      [6, "判断"],
      [7, "判断"],
      [8, "填空"],
      [9, "填空"],
      [10, "简答"],
    ]);
    expect(q[0]).toMatchObject({
      options: ["全心全意为人民服务", "实现共产主义"],
      answer: { choices: [0] },
      score: 2,
      difficulty: "易",
      knowledge: "党的宗旨",
      explanation: "见党章",
    });
    expect(q[1]).toMatchObject({
      options: ["学习", "享受特权", "贯彻执行", "维护团结"],
      answer: { choices: [0, 2, 3] },
      score: 2,
      difficulty: "中",
      knowledge: null,
      explanation: null,
    });
    expect(q[2]).toMatchObject({ answer: { choices: [0, 1] }, score: 3, difficulty: "难" });
    expect(q.slice(3, 6).map((x) => x.answer)).toEqual([{ judge: true }, { judge: false }, { judge: true }]);
    expect(q[6]).toMatchObject({
      stem_md: "党的最高理想是{{}}，根本宗旨是{{}}。",
      answer: { blanks: [["共产主义"], ["全心全意为人民服务", "为人民服务"]], orderFree: false },
    });
    expect(q[7]).toMatchObject({ stem_md: "一个空放在末尾：{{}}", answer: { blanks: [["答案甲"]] } });
    expect(q[8]).toMatchObject({ answer: { reference: "我志愿加入中国共产党……", keywords: [] }, score: 10 });
    expect(q.every((x) => x.key.startsWith("stem:") && /^[0-9a-f]{64}$/.test(x.hash))).toBe(true);
  });

  it("reports every bad row by its number and reason, and imports the good ones", async () => {
    const bytes = await xlsx([
      ["单选", "好的一题", "甲", "乙", "", "", "", "", "A", "", "", "", ""], // row 2: fine
      ["单项", "题型写错", "甲", "乙", "", "", "", "", "A", "", "", "", ""], // 3
      ["单选", "", "甲", "乙", "", "", "", "", "A", "", "", "", ""], // 4
      ["单选", "两个答案的单选", "甲", "乙", "丙", "", "", "", "AB", "", "", "", ""], // 5
      ["多选", "答案没有选项", "甲", "乙", "丙", "", "", "", "ACD", "", "", "", ""], // 6
      ["判断", "判断答案不对", "", "", "", "", "", "", "是", "", "", "", ""], // 7
      ["填空", "没有答案的填空（ ）", "", "", "", "", "", "", "", "", "", "", ""], // 8
      ["单选", "分值写错", "甲", "乙", "", "", "", "", "B", "", "两分", "", ""], // 9
      ["单选", "难度写错", "甲", "乙", "", "", "", "", "B", "", "", "很难", ""], // 10
      ["单选", "分值为零", "甲", "乙", "", "", "", "", "B", "", 0, "", ""], // 11
      ["填空", "空数不一致（ ）和（ ）", "", "", "", "", "", "", "甲|乙|丙", "", "", "", ""], // 12
      ["多选", "只有一个答案的多选", "甲", "乙", "", "", "", "", "B", "", "", "", ""], // 13
      ["单选", "选项跳空", "甲", "", "丙", "", "", "", "A", "", "", "", ""], // 14
      ["简答", "没有参考答案的简答", "", "", "", "", "", "", "", "", "", "", ""], // 15
    ]);
    const r = await parseExcelBank(bytes);
    expect(r.questions.map((q) => q.line)).toEqual([2]);
    expect(messages(r)).toEqual([
      "第 3 行：题型「单项」无效，应为 单选、多选、判断、填空、简答 之一",
      "第 4 行：题干不能为空",
      "第 5 行：单选题必须有且只有一个正确答案",
      "第 6 行：答案 D 对应的选项D为空",
      "第 7 行：判断题的答案应为 正确/错误、对/错 或 √/×，实际为「是」",
      "第 8 行：填空题的答案不能为空（多个空用 | 分隔，同一空的备选答案用 / 分隔）",
      "第 9 行：分值应为大于 0 的数字，实际为「两分」",
      "第 10 行：难度应为 易、中、难 之一，实际为「很难」",
      "第 11 行：分值应为大于 0 的数字，实际为「0」",
      "第 12 行：题干中标出的空（{{}}、（ ）或 ____）有 2 处，答案有 3 个空，数量不一致",
      "第 13 行：多选题至少要有两个正确答案",
      "第 14 行：选项B为空，但后面还有选项",
      "第 15 行：简答题的「答案」列应填写参考答案",
    ]);
  });

  it("finds the header below a title row and says so when there is none", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("题库");
    ws.addRow(["2026 年题库"]);
    ws.addRow(["题型*", "题干*", "选项 A", "选项 B", "答案（多个用|分隔）"]);
    ws.addRow(["单选", "题目", "甲", "乙", "B"]);
    const r = await parseExcelBank(new Uint8Array(await wb.xlsx.writeBuffer()));
    expect(r.errors).toEqual([]);
    expect(r.questions).toMatchObject([{ line: 3, answer: { choices: [1] } }]);

    const none = await parseExcelBank(await xlsx([["单选", "x"]], ["类型", "内容"]));
    expect(messages(none)).toEqual(["找不到表头：请使用题库导入模板，表头应包含 题型、题干、选项A…选项F、答案 等列"]);
  });
});

describe("Excel export", () => {
  it.each(BANK_FILES)("exports %s so that importing the file gives the same questions", async (file) => {
    const questions = bankQuestions(file);
    const bytes = new Uint8Array(await bankWorkbook(questions).xlsx.writeBuffer());
    const r = await parseExcelBank(bytes);
    expect(r.errors).toEqual([]);
    expect(content(r.questions)).toEqual(content(questions));
  });

  it("round-trips the edge cases, and the template's example rows import cleanly", async () => {
    const expected = parseBankText(questionsToBankMarkdown("x", EDGE)).bank!.questions;
    const back = await parseExcelBank(new Uint8Array(await bankWorkbook(EDGE).xlsx.writeBuffer()));
    expect(back.errors).toEqual([]);
    expect(content(back.questions)).toEqual(content(expected));

    const template = await parseExcelBank(new Uint8Array(await templateWorkbook().xlsx.writeBuffer()));
    expect(template.errors).toEqual([]);
    expect(template.questions.map((q) => q.type)).toEqual(["单选", "多选", "判断", "填空", "简答"]);
    expect(template.questions).toHaveLength(TEMPLATE_EXAMPLES.length);
  });

  it("freezes the header and sets column widths", async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await bankWorkbook(EDGE).xlsx.writeBuffer()) as ArrayBuffer);
    const ws = wb.getWorksheet("题库")!;
    expect(ws.views[0]).toMatchObject({ state: "frozen", ySplit: 1 });
    expect(ws.getColumn(2).width).toBe(48);
    expect(ws.getRow(1).getCell(1).font?.bold).toBe(true);
    expect(ws.getRow(1).values).toEqual(expect.arrayContaining(["题型", "题干", "选项A", "选项F", "答案", "解析", "分值", "难度", "知识点"]));
  });

  it("neutralizes formula injection in every exported cell and restores the text on import", async () => {
    const evil = ['=HYPERLINK("http://evil.example","点我")', "+1", "-1+1", "@SUM(A1)", "\t=1+1", "'=已经有撇号"];
    const questions: QuestionInput[] = evil.map((stem, i) => ({
      type: "单选",
      stem_md: `${stem}`,
      options: [`=cmd|' /C calc'!A0 ${i}`, "-2"],
      answer: { choices: [0] },
      explanation: "@解析",
      score: 1,
      difficulty: "中",
      knowledge: "+知识点",
      tags: [],
    }));
    const bytes = await bankWorkbook(questions).xlsx.writeBuffer();
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as ArrayBuffer);
    const ws = wb.getWorksheet("题库")!;
    for (let r = 2; r <= evil.length + 1; r++) {
      const row = ws.getRow(r);
      const stem = row.getCell(2).value;
      expect(typeof stem).toBe("string");
      expect(stem).toBe(`'${evil[r - 2]}`);
      expect(row.getCell(3).value).toMatch(/^'=cmd/);
      expect(row.getCell(4).value).toBe("'-2");
      row.eachCell((cell) => {
        expect(cell.type).not.toBe(ExcelJS.ValueType.Formula);
        if (typeof cell.value === "string") expect(cell.value).not.toMatch(/^[=+\-@\t\r]/);
      });
    }
    const back = await parseExcelBank(new Uint8Array(bytes));
    expect(back.errors).toEqual([]);
    expect(back.questions.map((q) => q.stem_md)).toEqual(evil.map((s) => s.trim()));
    expect(back.questions[0]).toMatchObject({ options: ["=cmd|' /C calc'!A0 0", "-2"], explanation: "@解析", knowledge: "+知识点" });
  });

  it("safeCell and restoreCell undo each other", () => {
    for (const s of ["=1", "+1", "-1", "@a", "\tx", "\rx", "'=1", "''+1", "'plain", "plain", "", "中文"]) {
      expect(restoreCell(safeCell(s) as string)).toBe(s);
    }
    expect(safeCell(-5)).toBe(-5);
    expect(safeCell(null)).toBe(null);
    expect(safeCell("CR\r")).toBe("CR\r");
  });
});

const GIFT = String.raw`// 注释行会被忽略
$CATEGORY: $course$/top/党的基本知识

::Q1:: 中国共产党的根本宗旨是 {
  =全心全意为人民服务#对，见党章总纲
  ~实现共产主义
  ~为人民谋幸福
}

// 多选：权重
下列属于党员权利的是 {
  ~%50%参加党的有关会议
  ~%50%行使表决权、选举权
  ~%-100%享受特权
####学习党的基本知识是义务。}

预备党员的预备期为一年。{T}

党员可以不参加组织生活。{FALSE#错了#对，党员必须参加}

::简称:: 党的最高领导机关是 {=党的全国代表大会 =全国代表大会}

党的根本组织原则是 {=民主集中制} ，这是党章的规定。

[html]转义字符：5 \= 2 + 3 \{ 花括号 \} 与 \~ 波浪号、\# 井号、a\:b {=正确\: 是 ~错误}

$CATEGORY: 党员义务

谈谈你的入党动机。{}

简述党员义务。{####认真学习马克思列宁主义……}

圆周率约是多少？{#3.14:0.01}

中国的首都是 {=北京 -> 中国}

这一行没有答案部分
`;

describe("GIFT", () => {
  const r = parseGift(GIFT);
  const byStem = (start: string) => r.questions.find((q) => q.stem_md.startsWith(start))!;

  it("reads choices, weights, true/false, short answers, missing words, essays and categories", () => {
    expect(r.format).toBe("gift");
    expect(r.questions).toHaveLength(9);
    expect(byStem("中国共产党的根本宗旨是")).toMatchObject({
      type: "单选",
      line: 4,
      options: ["全心全意为人民服务", "实现共产主义", "为人民谋幸福"],
      answer: { choices: [0] },
      explanation: "对，见党章总纲",
      knowledge: "党的基本知识",
      score: 1,
      difficulty: "中",
    });
    expect(byStem("下列属于党员权利的是")).toMatchObject({
      type: "多选",
      line: 11,
      options: ["参加党的有关会议", "行使表决权、选举权", "享受特权"],
      answer: { choices: [0, 1] },
      explanation: "学习党的基本知识是义务。",
      score: 2,
    });
    expect(byStem("预备党员")).toMatchObject({ type: "判断", line: 17, answer: { judge: true }, explanation: null });
    expect(byStem("党员可以不参加")).toMatchObject({ type: "判断", answer: { judge: false }, explanation: "答对时：对，党员必须参加\n答错时：错了" });
    expect(byStem("党的最高领导机关是")).toMatchObject({
      type: "填空",
      stem_md: "党的最高领导机关是{{}}",
      answer: { blanks: [["党的全国代表大会", "全国代表大会"]], orderFree: false },
    });
    expect(byStem("党的根本组织原则是")).toMatchObject({
      type: "填空",
      stem_md: "党的根本组织原则是{{}}，这是党章的规定。",
      answer: { blanks: [["民主集中制"]] },
    });
  });

  it("resolves escaped characters and drops the [html] prefix", () => {
    expect(byStem("转义字符")).toMatchObject({
      type: "单选",
      stem_md: "转义字符：5 = 2 + 3 { 花括号 } 与 ~ 波浪号、# 井号、a:b",
      options: ["正确: 是", "错误"],
      answer: { choices: [0] },
    });
  });

  it("takes the category's last part as 知识点 and makes essays 简答", () => {
    expect(byStem("谈谈你的入党动机")).toMatchObject({
      type: "简答",
      knowledge: "党员义务",
      answer: { reference: "（原题未提供参考答案）", keywords: [] },
      score: 10,
    });
    expect(byStem("简述党员义务")).toMatchObject({ type: "简答", answer: { reference: "认真学习马克思列宁主义……" } });
    expect(r.warnings.map(formatIssue)).toEqual([
      "题目标题 ::…:: 未导入（题库没有题目标题）：第 4、21 行",
      "第 11 行：选错扣分（C -100%）未导入：题库不支持扣分",
      "第 19 行：各答案的反馈（答对时、答错时）已写入解析：题库没有按所选答案显示的反馈，学员交卷后都会看到",
      "第 29 行：简答题没有参考答案，已填入「（原题未提供参考答案）」，请在题库中补充",
    ]);
  });

  it("reports numerical, matching and answerless items as unsupported, with their lines", () => {
    expect(messages(r)).toEqual([
      "第 33 行：不支持数值题（Numerical），未导入",
      "第 35 行：不支持匹配题（Matching），未导入",
      "第 37 行：没有答案部分 {…}：说明文字（Description）不是题目，未导入",
    ]);
  });

  it("reports a choice question without a right answer and an unclosed brace", () => {
    const bad = parseGift("没有正确答案 {~甲 ~乙}\n\n没有结束 {=甲 ~乙\n\n两个等号 {=甲 =乙 ~丙}");
    expect(messages(bad)).toEqual([
      "第 1 行：选择题没有正确答案（用 = 标出，或多选题用 ~%50% 这样的正分值）",
      "第 3 行：答案部分缺少结束的 }",
      "第 5 行：选择题只能有一个 = 正确答案；多选题请用 ~%50% 这样的正分值标出每个正确答案",
    ]);
  });
});

describe("GIFT: what our questions cannot hold is kept where it fits, and every loss is listed by line", () => {
  it("keeps partial credit on a single-answer question as 单选 and says the partial credit is not kept", () => {
    const r = parseGift(
      "党的最高领导机关是 {=党的全国代表大会 ~%50%中央委员会 ~中央政治局}\n\n党的根本宗旨是 {~%100%全心全意为人民服务 ~%50%为人民服务 ~发展经济}",
    );
    expect(r.questions.map((q) => [q.line, q.type, q.answer])).toEqual([
      [1, "单选", { choices: [0] }],
      [3, "单选", { choices: [0] }],
    ]);
    expect(r.warnings.map(formatIssue)).toEqual([
      "第 1 行：选项B「中央委员会」的部分得分 50% 未导入：单选题只有一个正确答案，它按错误选项计分",
      "第 3 行：选项B「为人民服务」的部分得分 50% 未导入：单选题只有一个正确答案，它按错误选项计分",
    ]);
  });

  it("keeps per-answer and wrong-answer feedback in 解析, labelled, and says so", () => {
    const r = parseGift("党的最高领导机关是 {=党的全国代表大会#正确 ~中央委员会#不对，中央委员会是闭会期间的领导机关 ####见党章第十条}");
    expect(r.questions[0]).toMatchObject({ type: "单选", explanation: "见党章第十条\n选A：正确\n选B：不对，中央委员会是闭会期间的领导机关" });
    expect(r.warnings.map(formatIssue)).toEqual(["第 1 行：各答案的反馈（选A、选B）已写入解析：题库没有按所选答案显示的反馈，学员交卷后都会看到"]);
  });

  it("lists unequal weights of a 多选 and a short answer's partly right alternative", () => {
    const r = parseGift("下列正确的是 {~%70%甲 ~%30%乙 ~%0%丙}\n\n首都是 {=北京 =%50%燕京}");
    expect(r.questions.map((q) => [q.type, q.answer])).toEqual([
      ["多选", { choices: [0, 1] }],
      ["填空", { blanks: [["北京"]], orderFree: false }],
    ]);
    expect(r.warnings.map(formatIssue)).toEqual([
      "第 1 行：各正确答案的分值比例（A 70%、B 30%）未导入：多选题按考试的多选计分规则给分",
      "第 3 行：答案「燕京」只得 50% 分：填空题不能给部分分，它未作为正确答案导入",
    ]);
  });
});

describe("format detection by structure", () => {
  it("reads a valid Aiken file with { in a stem as Aiken, and a GIFT file that says ANSWER: as GIFT", async () => {
    const aiken = new TextEncoder().encode(
      "集合 {1, 2} 有几个元素？\nA. 一个\nB. 两个\nANSWER: B\n\n党的根本宗旨是什么？\nA. 全心全意为人民服务\nB. 发展经济\nANSWER: A\n",
    );
    const a = await parseBankFile(aiken, "aiken.txt");
    expect([a.format, a.errors, a.questions.map((q) => q.stem_md)]).toEqual(["aiken", [], ["集合 {1, 2} 有几个元素？", "党的根本宗旨是什么？"]]);
    const gift = new TextEncoder().encode("ANSWER: 请在下面作答。党的根本宗旨是 {=全心全意为人民服务 ~发展经济}\n");
    expect((await parseBankFile(gift, "moodle.txt")).format).toBe("gift");
  });
});

describe("Excel: cells the template cannot hold are listed by row", () => {
  it("names unknown columns, option cells of a 判断, keywords outside 简答 and an ignored question sheet", async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("题目");
    ws.addRow(["题型", "题干", "选项A", "选项B", "答案", "关键词", "备注"]);
    ws.addRow(["判断", "预备期为一年。", "对", "错", "正确", "", "来自旧题库"]);
    ws.addRow(["单选", "党的最高领导机关是（ ）。", "党的全国代表大会", "中央委员会", "A", "党代会", ""]);
    const more = wb.addWorksheet("第二部分");
    more.addRow(["题型", "题干", "答案"]);
    more.addRow(["判断", "党员有退党的自由。", "正确"]);
    const r = await parseExcelBank(new Uint8Array(await wb.xlsx.writeBuffer()));
    expect(r.questions).toHaveLength(2);
    expect(r.warnings.map(formatIssue)).toEqual([
      "只读取第一个工作表「题目」，工作表「第二部分」中的题目未导入",
      "第 1 行：列「备注」不是模板中的列（或与前面的列重复），这一列未导入",
      "第 2 行：判断题不用选项，选项列的内容未导入",
      "第 3 行：关键词只用于简答题，「关键词」列的内容未导入",
    ]);
    // The template itself (with its instructions sheet) imports without a warning.
    expect((await parseExcelBank(new Uint8Array(await templateWorkbook().xlsx.writeBuffer()))).warnings).toEqual([]);
  });
});

describe("Aiken", () => {
  it("reads questions with A. and A) options and ANSWER lines", () => {
    const r = parseAiken(
      "党的根本宗旨是什么？\nA. 全心全意为人民服务\nB. 实现共产主义\nANSWER: A\n\n中国共产党成立于哪一年？\nA) 1919\nB) 1921\nC) 1949\nANSWER: B\n",
    );
    expect(r.errors).toEqual([]);
    expect(r.questions).toMatchObject([
      { line: 1, type: "单选", stem_md: "党的根本宗旨是什么？", options: ["全心全意为人民服务", "实现共产主义"], answer: { choices: [0] } },
      { line: 6, type: "单选", options: ["1919", "1921", "1949"], answer: { choices: [1] } },
    ]);
  });

  it("reports a missing ANSWER, an answer without an option, letters out of order and multiple answers", () => {
    const r = parseAiken(
      [
        "缺少答案的题",
        "A. 甲",
        "B. 乙",
        "", // 1–4
        "答案超出选项",
        "A. 甲",
        "B. 乙",
        "ANSWER: D",
        "", // 5–9
        "字母乱序",
        "A. 甲",
        "C. 乙",
        "ANSWER: A",
        "", // 10–14
        "多个答案",
        "A. 甲",
        "B. 乙",
        "ANSWER: AB",
        "", // 15–19
        "好题",
        "A. 甲",
        "B. 乙",
        "ANSWER: b", // 20–23
      ].join("\n"),
    );
    expect(r.questions.map((q) => q.line)).toEqual([20]);
    expect(r.questions[0].answer).toEqual({ choices: [1] });
    expect(messages(r)).toEqual([
      "第 1 行：缺少 ANSWER 行",
      "第 8 行：答案 D 没有对应的选项",
      "第 12 行：选项字母应为 B，实际为 C",
      "第 18 行：Aiken 格式只有单选题，ANSWER 应为一个选项字母，实际为「AB」",
    ]);
  });
});

describe("Markdown", () => {
  it("reads the course bank form, with or without front matter, and skips questions with errors", () => {
    const text = "## 单选 [2分]\n题一\n- [x] 甲\n- [ ] 乙\n\n## 单选\n两个答案\n- [x] 甲\n- [x] 乙\n\n## 判断\n题三\n答案：对\n";
    const r = parseMarkdownBank(text);
    expect(r.questions.map((q) => [q.line, q.stem_md])).toEqual([
      [1, "题一"],
      [11, "题三"],
    ]);
    expect(r.errors).toEqual([{ line: 6, message: "单选题必须有且只有一个 - [x] 正确选项，现有 2 个" }]);
    const withFront = parseMarkdownBank(`---\ntitle: 我的题库\n---\n\n${text}`);
    expect(withFront.title).toBe("我的题库");
    expect(withFront.questions.map((q) => q.line)).toEqual([5, 15]);
  });

  it("leaves duplicate stems to the duplicate check instead of failing the file", () => {
    const r = parseMarkdownBank("## 判断\n同一题\n答案：对\n\n## 判断\n同 一 题\n答案：错\n");
    expect(r.errors).toEqual([]);
    expect(findDuplicates(r.questions, []).map(describeDuplicate)).toEqual(["与文件第 1 行的题干相同"]);
  });
});

describe("duplicates", () => {
  it("finds repeated stems within the file and against the bank, ignoring spaces and bracket width", async () => {
    const r = await parseExcelBank(
      await xlsx([
        ["判断", "党员必须交纳党费。", "", "", "", "", "", "", "对"], // 2
        ["判断", "党员必须 交纳党费。", "", "", "", "", "", "", "对"], // 3: same as row 2
        ["单选", "党的根本宗旨是( )。", "甲", "乙", "", "", "", "", "A"], // 4: in the bank
        ["判断", "新题", "", "", "", "", "", "", "错"], // 5
      ]),
    );
    const existing = [{ key: "q-zongzhi", stem_md: "党的根本宗旨是（ ）。" }];
    const d = findDuplicates(r.questions, existing);
    expect(d.map((x) => [x.line, describeDuplicate(x)])).toEqual([
      [3, "与文件第 2 行的题干相同"],
      [4, "与题库中已有的题目相同：党的根本宗旨是（ ）。"],
    ]);
  });

  it("counts an explicit 编号 already in the bank as a duplicate", () => {
    const r = parseMarkdownBank("## 判断 [编号:q-1]\n改写后的题干\n答案：对\n");
    expect(findDuplicates(r.questions, [{ key: "q-1", stem_md: "原来的题干" }]).map(describeDuplicate)).toEqual(["编号与题库中已有的题目相同：原来的题干"]);
  });
});

describe("parseBankFile", () => {
  it("tells the format by content and extension", async () => {
    const x = await xlsx([["判断", "题", "", "", "", "", "", "", "对"]]);
    expect((await parseBankFile(x, "题库.xlsx")).format).toBe("xlsx");
    const gift = new TextEncoder().encode("题目 {T}");
    expect((await parseBankFile(gift, "moodle.txt")).format).toBe("gift");
    expect((await parseBankFile(gift, "moodle.gift")).format).toBe("gift");
    const aiken = new TextEncoder().encode("题目\nA. 甲\nB. 乙\nANSWER: A\n");
    expect((await parseBankFile(aiken, "aiken.txt")).format).toBe("aiken");
    const md = new TextEncoder().encode("## 判断\n题\n答案：对\n");
    expect((await parseBankFile(md, "bank.md")).format).toBe("markdown");
  });

  it("reads GBK text files", async () => {
    const gbk = Buffer.from("b5b3b5c4b8f9b1bed7dad6bccac73f0a412e20c8abd0c4c8abd2e20a422e20c6e4cbfb0a414e535745523a2041", "hex"); // 党的根本宗旨是?\nA. 全心全意\nB. 其他\nANSWER: A
    const r = await parseBankFile(gbk, "aiken.txt");
    expect(r.errors).toEqual([]);
    expect(r.questions[0]).toMatchObject({ stem_md: "党的根本宗旨是?", options: ["全心全意", "其他"] });
  });

  it("refuses what it cannot read, saying why", async () => {
    const text = new TextEncoder().encode("题目 {T}");
    const cases: [Uint8Array, string, string][] = [
      [text, "bank.xlsx", "文件扩展名是 .xlsx，但内容不是 Excel 文件"],
      [Uint8Array.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), "old.xls", "这是旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 后再导入"],
      [Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4]), "bank.xlsx", "无法读取 Excel 文件：文件已损坏或不是 .xlsx 格式"],
      [
        new TextEncoder().encode("just some words"),
        "notes.txt",
        "无法识别文件格式：支持 Excel 模板（.xlsx）、Moodle GIFT、Moodle Aiken 和题库 Markdown（.md）",
      ],
      [text, "bank.pdf", "不支持的文件类型 .pdf：请上传 Excel（.xlsx）、GIFT 或 Aiken（.txt）、题库 Markdown（.md）"],
      [new Uint8Array(0), "empty.txt", "文件是空的"],
    ];
    for (const [bytes, name, message] of cases) {
      const r = await parseBankFile(bytes, name);
      expect(r.questions).toEqual([]);
      expect(messages(r)).toEqual([message]);
    }
  });
});
