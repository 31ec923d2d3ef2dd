import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatError, parseCourse, parseCourses } from "../../app/utils/course-format.server.ts";
import { parseCstTime } from "../../app/utils/cst.ts";

const SAMPLE = path.resolve("tests/fixtures/courses/sample");
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "course-format-"));
afterAll(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

let seq = 0;
/** A copy of the sample course with some files replaced (null deletes), in its own courses root. */
function courseWith(files: Record<string, string | Buffer | null>, slug = "bad"): string {
  const dir = path.join(tmpRoot, String(++seq), slug);
  fs.cpSync(SAMPLE, dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    if (content === null) fs.rmSync(file, { recursive: true, force: true });
    else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
  }
  return dir;
}

function errorsOf(files: Record<string, string | Buffer | null>, slug = "bad"): string[] {
  const dir = courseWith(files, slug);
  return parseCourse(dir, `courses/${slug}`).errors.map(formatError);
}

const read = (rel: string) => fs.readFileSync(path.join(SAMPLE, rel), "utf8");
const lesson = (front: string, body = "正文。") => `---\n${front}\n---\n\n${body}\n`;
const LESSON_OK = "title: 党的纪律\nchapter: 第二章 党的纪律\nhours: 2";
const bankPlus = (question: string) => `${read("bank/jiben-zhishi.md")}\n${question}\n`;
const exam = (front: string) => `---\ntitle: 结业考试\nbank: bank/jiben-zhishi.md\nduration_minutes: 40\npass_score: 3\n${front}\n---\n`;
const DRAW_OK = "draw:\n  - { type: 单选, count: 2, score: 2 }";

describe("parseCourse on the sample course", () => {
  const { course, errors } = parseCourse(SAMPLE, "tests/fixtures/courses/sample");

  it("has no errors", () => {
    expect(errors).toEqual([]);
  });

  it("reads course.md with stage codes, defaults and progress rules", () => {
    expect(course).toMatchObject({
      slug: "sample",
      title: "入党积极分子培训（样例）",
      audience: ["activist", "candidate"],
      hours: 8,
      instructors: ["js001"],
      cover: "media/cover.png",
      published: true,
      progress: { lock_seek: true, lock_rate: false, presence_check: false },
    });
    expect(course.intro_md.startsWith("本课程是测试用的样例。")).toBe(true);
    expect(course.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("orders lessons by file name and resolves media relative to the course folder", () => {
    expect(course.lessons.map((l) => [l.key, l.position, l.chapter, l.hours, l.required])).toEqual([
      ["01-dang-de-xingzhi", 1, "第一章 党的基本理论", 2, true],
      ["02-zhidao-sixiang", 2, "第一章 党的基本理论", 1.5, true],
      ["03-jilv", 3, "第二章 党的纪律", 2, false],
    ]);
    expect(course.lessons[0]).toMatchObject({
      video: "media/lecture-01.mp4",
      captions: "media/lecture-01.vtt",
      complete_watch_percent: 80,
      complete_read_minutes: 5,
    });
    expect(course.lessons[2]).toMatchObject({ video: null, complete_read_minutes: 10, complete_watch_percent: 90 });
  });

  it("reads assignments with CST times and defaults", () => {
    expect(course.assignments).toHaveLength(1);
    expect(course.assignments[0]).toMatchObject({
      key: "01-sixiang-huibao",
      kind: "思想汇报",
      due_at: Date.UTC(2026, 11, 31, 15, 59) / 1000,
      cutoff_at: Date.UTC(2027, 0, 7, 15, 59) / 1000,
      max_score: 100,
      pass_score: 60,
      hours: 2,
      min_length: 1500,
      attachments: ["pdf", "docx"],
      max_attachment_mb: 10,
      resubmit: true,
    });
  });

  it("parses every question type of the Markdown bank", () => {
    const [bank] = course.banks;
    expect(bank.title).toBe("党的基本知识题库");
    const q = bank.questions;
    expect(q.map((x) => x.type)).toEqual(["单选", "单选", "多选", "判断", "判断", "填空", "简答"]);
    expect(q[0]).toMatchObject({
      score: 2,
      difficulty: "易",
      knowledge: "党的性质",
      options: ["中国农民", "中国人民和中华民族", "中国青年", "中国知识分子"],
      answer: { choices: [1] },
      explanation: "见《中国共产党章程》总纲第一段。",
    });
    expect(q[0].key).toMatch(/^stem:[0-9a-f]{16}$/);
    expect(q[1]).toMatchObject({ key: "q-zongzhi", score: 1, difficulty: "中", answer: { choices: [0] } });
    expect(q[2]).toMatchObject({ score: 3, tags: ["党章", "权利"], answer: { choices: [0, 1, 3] } });
    expect(q[3].answer).toEqual({ judge: true });
    expect(q[4]).toMatchObject({ answer: { judge: false }, explanation: "党员必须参加党的组织生活。\n见党章第八条。" });
    expect(q[5]).toMatchObject({
      stem_md: "党的最高理想和最终目标是实现{{}}。\n党的根本宗旨是{{}}。",
      answer: { blanks: [["共产主义"], ["全心全意为人民服务", "为人民服务"]], orderFree: true },
    });
    expect(q[6]).toMatchObject({
      score: 10,
      answer: { reference: "认真学习马克思列宁主义……\n贯彻执行党的基本路线……", keywords: ["学习", "贯彻执行", "坚持党和人民的利益高于一切"] },
    });
  });

  it("reads exam settings with draw rules and defaults", () => {
    expect(course.exams[0]).toMatchObject({ key: "jieye", title: "结业考试", instructions_md: "考试时间 40 分钟，请独立完成。" });
    expect(course.exams[0].settings).toMatchObject({
      banks: ["jiben-zhishi"],
      duration_minutes: 40,
      pass_score: 10,
      total_score: 22,
      attempts: 2,
      counts: "best",
      shuffle_questions: true,
      show_results: "after_submit",
      multi_scoring: "all_or_nothing",
      grace_seconds: 30,
      opens_at: Date.UTC(2026, 11, 1, 0, 0) / 1000,
    });
    expect(course.exams[0].settings.draw[1]).toEqual({ type: "多选", count: 1, score: 4, difficulty: null, knowledge: ["党员权利"] });
  });

  it("lists media with size, sha256 and mime", () => {
    expect(course.media.map((m) => [m.path, m.mime])).toEqual([
      ["media/cover.png", "image/png"],
      ["media/figure.png", "image/png"],
      ["media/lecture-01.mp4", "video/mp4"],
      ["media/lecture-01.vtt", "text/vtt; charset=utf-8"],
    ]);
    expect(course.media[0].size).toBe(fs.statSync(path.join(SAMPLE, "media/cover.png")).size);
    expect(course.media[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("accepts https media, CRLF line ends and a BOM", () => {
    const errors = errorsOf({
      "lessons/02-zhidao-sixiang.md":
        "\uFEFF" + lesson(`${LESSON_OK}\nvideo: https://video.example.edu.cn/a.mp4`, "![图](https://img.example.edu.cn/x.png)").replace(/\n/g, "\r\n"),
    });
    expect(errors).toEqual([]);
  });
});

describe("malformed courses: one exact file:line message each", () => {
  const cases: [string, Record<string, string | Buffer | null>, string][] = [
    [
      "lesson hours not positive (the spec's own example)",
      { "lessons/03-jilv.md": null, "lessons/03-纪律.md": lesson("title: 党的纪律\nchapter: 第二章 党的纪律\nhours: 0") },
      "courses/bad/lessons/03-纪律.md:4: 学时（hours）必须是大于 0 的数",
    ],
    [
      "lesson hours not in 0.5 steps",
      { "lessons/03-jilv.md": lesson("title: 党的纪律\nchapter: 第二章 党的纪律\nhours: 1.2") },
      "courses/bad/lessons/03-jilv.md:4: 学时（hours）必须以 0.5 为单位",
    ],
    ["lesson without title", { "lessons/03-jilv.md": lesson("chapter: 第二章 党的纪律\nhours: 2") }, "courses/bad/lessons/03-jilv.md:1: 标题（title）不能为空"],
    [
      "unknown front matter field",
      { "lessons/03-jilv.md": lesson(`${LESSON_OK}\nrequird: false`) },
      "courses/bad/lessons/03-jilv.md:5: 未知字段「requird」：课程格式中没有这个字段",
    ],
    [
      "YAML syntax error",
      { "lessons/03-jilv.md": lesson("title: [党的纪律\nchapter: 第二章 党的纪律\nhours: 2") },
      "courses/bad/lessons/03-jilv.md:2: 文件头 YAML 格式错误：缩进不对，或方括号 [ ]、花括号 { } 没有闭合",
    ],
    [
      "YAML quote left open: the fault is on the line that opens it",
      { "lessons/03-jilv.md": lesson('title: "党的纪律\nchapter: 第二章 党的纪律\nhours: 2') },
      "courses/bad/lessons/03-jilv.md:2: 文件头 YAML 格式错误：缺少结束的引号或括号",
    ],
    [
      "duplicate YAML key",
      { "lessons/03-jilv.md": lesson(`${LESSON_OK}\ntitle: 又一个标题`) },
      "courses/bad/lessons/03-jilv.md:5: 文件头 YAML 格式错误：同一个字段写了两次",
    ],
    ["no front matter", { "lessons/03-jilv.md": "# 党的纪律\n\n正文\n" }, "courses/bad/lessons/03-jilv.md:1: 文件头必须以一行 --- 开始"],
    ["front matter not closed", { "lessons/03-jilv.md": `---\n${LESSON_OK}\n\n正文\n` }, "courses/bad/lessons/03-jilv.md:1: 文件头缺少结束的 --- 行"],
    [
      "file not UTF-8",
      { "lessons/03-jilv.md": Buffer.concat([Buffer.from(`---\n${LESSON_OK}\n---\n`), Buffer.from([0xb5, 0xb3, 0xb5, 0xc4])]) },
      "courses/bad/lessons/03-jilv.md:1: 文件编码必须是 UTF-8（请用 UTF-8 另存）",
    ],
    [
      "course title longer than 60 characters",
      { "course.md": read("course.md").replace("title: 入党积极分子培训（样例）", `title: ${"党".repeat(61)}`) },
      "courses/bad/course.md:2: 标题（title）不能超过 60 个字",
    ],
    [
      "unknown member stage in audience",
      { "course.md": read("course.md").replace("audience: [入党积极分子, 发展对象]", "audience:\n  - 入党积极分子\n  - 群众") },
      "courses/bad/course.md:5: 适用对象（audience）必须是发展阶段（入党申请人、入党积极分子、发展对象、预备党员、正式党员），实际为「群众」",
    ],
    [
      "published not a boolean",
      { "course.md": read("course.md").replace("hours: 8", "hours: 8\npublished: 是") },
      "courses/bad/course.md:6: 发布（published）必须是 true 或 false",
    ],
    [
      "cover given as an absolute path",
      { "course.md": read("course.md").replace("cover: media/cover.png", "cover: /media/cover.png") },
      "courses/bad/course.md:7: 封面（cover）必须是相对路径：/media/cover.png",
    ],
    ["course.md missing", { "course.md": null }, "courses/bad/course.md:1: 缺少课程说明文件 course.md"],
    [
      "captions without a video",
      { "lessons/03-jilv.md": lesson(`${LESSON_OK}\ncaptions: media/lecture-01.vtt`) },
      "courses/bad/lessons/03-jilv.md:5: 字幕（captions）需要先有视频（video）",
    ],
    [
      "video file missing from media/",
      { "lessons/03-jilv.md": lesson(`${LESSON_OK}\nvideo: media/lecture-09.mp4`) },
      "courses/bad/lessons/03-jilv.md:5: 视频（video）文件不存在：media/lecture-09.mp4",
    ],
    [
      "video by plain http URL",
      { "lessons/03-jilv.md": lesson(`${LESSON_OK}\nvideo: http://video.example.edu.cn/a.mp4`) },
      "courses/bad/lessons/03-jilv.md:5: 视频（video）必须是 media/ 中的文件或 https:// 地址：http://video.example.edu.cn/a.mp4",
    ],
    [
      "video of the wrong type",
      { "lessons/03-jilv.md": lesson(`${LESSON_OK}\nvideo: media/cover.png`) },
      "courses/bad/lessons/03-jilv.md:5: 视频（video）必须是 .mp4/.webm 文件：media/cover.png",
    ],
    [
      "body image escaping the course folder",
      { "lessons/03-jilv.md": lesson(LESSON_OK, "第一段。\n\n![图](../../other/media/a.png)") },
      "courses/bad/lessons/03-jilv.md:9: 图片不能指向课程文件夹之外：../../other/media/a.png",
    ],
    [
      "body image outside media/",
      { "lessons/03-jilv.md": lesson(LESSON_OK, '<img src="01-dang-de-xingzhi.png">') },
      "courses/bad/lessons/03-jilv.md:7: 图片必须是 media/ 中的文件：01-dang-de-xingzhi.png",
    ],
    [
      "body image missing",
      { "lessons/03-jilv.md": lesson(LESSON_OK, "![图](../media/missing.png)") },
      "courses/bad/lessons/03-jilv.md:7: 图片文件不存在：../media/missing.png",
    ],
    [
      "watch_percent out of range",
      { "lessons/01-dang-de-xingzhi.md": read("lessons/01-dang-de-xingzhi.md").replace("watch_percent: 80", "watch_percent: 120") },
      "courses/bad/lessons/01-dang-de-xingzhi.md:8: 观看比例（watch_percent）必须是 1 到 100 之间的整数",
    ],
    [
      "chapter split over non-adjacent lessons",
      { "lessons/04-zuofeng.md": lesson("title: 党的作风\nchapter: 第一章 党的基本理论\nhours: 1") },
      "courses/bad/lessons/04-zuofeng.md:3: 章节（chapter）「第一章 党的基本理论」的课时必须相邻：请把同一章的课时放在一起",
    ],
    [
      "lesson file name without a number",
      { "lessons/intro.md": lesson(LESSON_OK) },
      "courses/bad/lessons/intro.md:1: 文件名必须形如 NN-名称.md，例如 01-dang-de-xingzhi.md",
    ],
    [
      "assignment of an unknown kind",
      { "assignments/02-xinde.md": "---\ntitle: 学习心得\nkind: 心得体会\n---\n" },
      "courses/bad/assignments/02-xinde.md:3: 作业类型（kind）必须是 思想汇报 | 学习心得 | 读书报告 之一，实际为「心得体会」",
    ],
    [
      "assignment cutoff before due",
      { "assignments/02-xinde.md": "---\ntitle: 学习心得\nkind: 学习心得\ndue: 2026-12-31 23:59\ncutoff: 2026-12-30 23:59\n---\n" },
      "courses/bad/assignments/02-xinde.md:5: 最终截止时间（cutoff）不能早于截止时间（due）",
    ],
    [
      "assignment due not a real date",
      { "assignments/02-xinde.md": "---\ntitle: 学习心得\nkind: 学习心得\ndue: 2026-02-30 10:00\n---\n" },
      "courses/bad/assignments/02-xinde.md:4: 截止时间（due）必须是 YYYY-MM-DD HH:mm 格式的北京时间，实际为「2026-02-30 10:00」",
    ],
    [
      "assignment pass_score above max_score",
      { "assignments/02-xinde.md": "---\ntitle: 学习心得\nkind: 学习心得\nmax_score: 50\npass_score: 60\n---\n" },
      "courses/bad/assignments/02-xinde.md:5: 及格分（pass_score）不能高于满分（max_score） 50",
    ],
    [
      "assignment attachment type not allowed",
      { "assignments/02-xinde.md": "---\ntitle: 学习心得\nkind: 学习心得\nattachments: [pdf, exe]\n---\n" },
      "courses/bad/assignments/02-xinde.md:4: 附件类型（attachments）必须是 pdf、doc、docx、jpg、jpeg、png 之一，实际为「exe」",
    ],
    [
      "单选 with two correct options",
      { "bank/jiben-zhishi.md": bankPlus("## 单选\n党的最高领导机关是（ ）。\n- [x] 党的全国代表大会\n- [x] 中央委员会") },
      "courses/bad/bank/jiben-zhishi.md:46: 单选题必须有且只有一个 - [x] 正确选项，现有 2 个",
    ],
    [
      "单选 with a single option",
      { "bank/jiben-zhishi.md": bankPlus("## 单选\n党的最高领导机关是（ ）。\n- [x] 党的全国代表大会") },
      "courses/bad/bank/jiben-zhishi.md:46: 单选题需要 2–8 个选项，现有 1 个",
    ],
    [
      "多选 with one correct option",
      { "bank/jiben-zhishi.md": bankPlus("## 多选\n党的纪律包括（ ）。\n- [x] 政治纪律\n- [ ] 饮食习惯") },
      "courses/bad/bank/jiben-zhishi.md:46: 多选题至少要有两个 - [x] 正确选项，现有 1 个",
    ],
    [
      "判断 without an answer line",
      { "bank/jiben-zhishi.md": bankPlus("## 判断\n党员有退党的自由。") },
      "courses/bad/bank/jiben-zhishi.md:46: 判断题需要一行“答案：正确”或“答案：错误”",
    ],
    [
      "判断 with an unreadable answer",
      { "bank/jiben-zhishi.md": bankPlus("## 判断\n党员有退党的自由。\n答案：是") },
      "courses/bad/bank/jiben-zhishi.md:48: 判断题的答案必须是 正确/错误、对/错、√/× 或 true/false，实际为「是」",
    ],
    [
      "填空 without blanks",
      { "bank/jiben-zhishi.md": bankPlus("## 填空\n党的组织原则是民主集中制。") },
      "courses/bad/bank/jiben-zhishi.md:46: 填空题的题干中至少要有一个 {{答案}}",
    ],
    [
      "简答 without a reference answer",
      { "bank/jiben-zhishi.md": bankPlus("## 简答\n简述民主集中制的基本原则。\n关键词：少数服从多数") },
      "courses/bad/bank/jiben-zhishi.md:46: 简答题需要参考答案（参考答案：…）",
    ],
    [
      "duplicate stem in one bank",
      { "bank/jiben-zhishi.md": bankPlus("## 判断 [2分]\n预备党员的预备期为 一年。\n答案：对") },
      "courses/bad/bank/jiben-zhishi.md:46: 题干与第 26 行的题目重复",
    ],
    [
      "unknown question type",
      { "bank/jiben-zhishi.md": bankPlus("## 问答\n什么是党性？") },
      "courses/bad/bank/jiben-zhishi.md:46: 题型必须是 单选、多选、判断、填空、简答 之一，实际为「问答」",
    ],
    [
      "unknown heading attribute",
      { "bank/jiben-zhishi.md": bankPlus("## 判断 [2点]\n党员有退党的自由。\n答案：对") },
      "courses/bad/bank/jiben-zhishi.md:46: 题目属性 [2点] 无效：可用 [N分] [易|中|难] [知识点:…] [标签:…] [编号:…]",
    ],
    [
      "text after the options",
      { "bank/jiben-zhishi.md": bankPlus("## 单选\n党的最高领导机关是（ ）。\n- [x] 党的全国代表大会\n- [ ] 中央委员会\n答案见党章第十条") },
      "courses/bad/bank/jiben-zhishi.md:50: 无法识别的内容（在选项之后）：答案见党章第十条",
    ],
    [
      "draw rule the bank cannot satisfy",
      { "exams/jieye.md": exam("draw:\n  - { type: 单选, count: 2, score: 2 }\n  - { type: 判断, count: 3, score: 1 }") },
      "courses/bad/exams/jieye.md:8: 抽题规则（draw）需要 3 道判断题，题库中只有 2 道",
    ],
    [
      "draw rule filtered by knowledge point",
      { "exams/jieye.md": exam("draw:\n  - { type: 单选, count: 2, score: 2, knowledge: [党的性质] }") },
      "courses/bad/exams/jieye.md:7: 抽题规则（draw）需要 2 道单选题（知识点 党的性质），题库中只有 1 道",
    ],
    [
      "two draw rules for one type",
      { "exams/jieye.md": exam(`${DRAW_OK}\n  - { type: 单选, count: 1, score: 1 }`) },
      "courses/bad/exams/jieye.md:8: 题型（type）单选已有一条抽题规则：每种题型只写一条",
    ],
    [
      "exam bank file missing",
      { "exams/jieye.md": exam(DRAW_OK).replace("bank/jiben-zhishi.md", "bank/zhangcheng.md") },
      "courses/bad/exams/jieye.md:3: 题库（bank）必须是 bank/ 中的文件，如 bank/jiben-zhishi.md，实际为「bank/zhangcheng.md」",
    ],
    [
      "exam duration out of range",
      { "exams/jieye.md": exam(DRAW_OK).replace("duration_minutes: 40", "duration_minutes: 601") },
      "courses/bad/exams/jieye.md:4: 考试时长（duration_minutes）必须是 1 到 600 之间的整数",
    ],
    [
      "exam closes before it opens",
      { "exams/jieye.md": exam(`opens: 2026-12-20 08:00\ncloses: 2026-12-01 08:00\n${DRAW_OK}`) },
      "courses/bad/exams/jieye.md:7: 关闭时间（closes）必须晚于开放时间（opens）",
    ],
    [
      "exam pass_score above the total",
      { "exams/jieye.md": exam(DRAW_OK).replace("pass_score: 3", "pass_score: 60") },
      "courses/bad/exams/jieye.md:5: 及格分（pass_score）不能高于考试总分 4",
    ],
    ["exam without draw rules", { "exams/jieye.md": exam("") }, "courses/bad/exams/jieye.md:1: 抽题规则（draw）不能为空"],
    [
      "unsupported media type",
      { "media/notes.exe": "MZ" },
      "courses/bad/media/notes.exe:1: 不支持的媒体类型；允许：.png .jpg .jpeg .gif .webp .mp4 .webm .vtt .pdf",
    ],
    [
      "unexpected file in the course folder",
      { "notes.txt": "草稿" },
      "courses/bad/notes.txt:1: 课程文件夹中不应有这个文件：只能有 course.md、lessons/、assignments/、bank/、exams/、media/",
    ],
  ];

  it.each(cases)("%s", (_name, files, expected) => {
    expect(errorsOf(files)).toEqual([expected]);
  });

  it("has at least 20 distinct malformed inputs", () => {
    expect(new Set(cases.map((c) => c[2])).size).toBe(cases.length);
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it("says everything in Chinese: no English sentence around the field names and values", () => {
    for (const [, , expected] of cases) {
      const message = expected
        .replace(/^[^:]+:\d+: /, "")
        .replace(/（[a-z_]+）/g, "")
        .replace(/「[^」]*」|：.*$/g, "");
      expect(message, expected).not.toMatch(/\b(?:must|is|are|needs?|found|only|required|unexpected|allowed|not|file|line)\b/);
    }
  });

  it("refuses a symlinked .md as a symlink", () => {
    const dir = courseWith({ "lessons/03-jilv.md": null });
    fs.symlinkSync(path.join(SAMPLE, "lessons/03-jilv.md"), path.join(dir, "lessons/03-jilv.md"));
    expect(parseCourse(dir, "courses/bad").errors.map(formatError)).toEqual([
      "courses/bad/lessons/03-jilv.md:1: 这是符号链接：课程文件必须是文件本身，不能是链接",
    ]);
  });

  it("rejects a symbolic link in media/ (it could expose a file outside the course)", () => {
    const dir = courseWith({});
    fs.symlinkSync(path.join(SAMPLE, "course.md"), path.join(dir, "media/leak.png"));
    expect(parseCourse(dir, "courses/bad").errors.map(formatError)).toEqual(["courses/bad/media/leak.png:1: 媒体文件必须是普通文件，不能是链接"]);
  });

  it("rejects a folder name that is not a slug", () => {
    expect(errorsOf({}, "Bad_Slug")).toEqual(["courses/Bad_Slug/course.md:1: 课程文件夹名「Bad_Slug」无效：只能用小写字母、数字和 -"]);
  });
});

describe("a run with several errors", () => {
  it("collects all of them, by file and line", () => {
    const errors = errorsOf({
      "course.md": read("course.md").replace("hours: 8", "hours: -8").replace("summary: 用于测试的样例课程：党的性质、纪律与作风。\n", ""),
      "lessons/03-jilv.md": lesson("title: 党的纪律\nchapter: 第二章 党的纪律\nhours: 0\nvideo: ftp://x/a.mp4"),
      "bank/jiben-zhishi.md": bankPlus("## 判断\n党员有退党的自由。"),
    });
    expect(errors).toEqual([
      "courses/bad/bank/jiben-zhishi.md:46: 判断题需要一行“答案：正确”或“答案：错误”",
      "courses/bad/course.md:1: 简介（summary）不能为空",
      "courses/bad/course.md:4: 学时（hours）必须是大于 0 的数",
      "courses/bad/lessons/03-jilv.md:4: 学时（hours）必须是大于 0 的数",
      "courses/bad/lessons/03-jilv.md:5: 视频（video）必须是 media/ 中的文件或 https:// 地址：ftp://x/a.mp4",
    ]);
  });

  it("parseCourses reports every course of a root under the given label", () => {
    const a = courseWith({ "lessons/02-zhidao-sixiang.md": lesson("title: x\nchapter: 第一章 党的基本理论\nhours: 0") }, "a-course");
    const root = path.dirname(a);
    fs.cpSync(SAMPLE, path.join(root, "b-course"), { recursive: true });
    fs.writeFileSync(path.join(root, "README.md"), "not a course");
    const { courses, errors } = parseCourses(root, { label: "courses" });
    expect(courses.map((c) => c.slug)).toEqual(["a-course", "b-course"]);
    expect(errors.map(formatError)).toEqual(["courses/a-course/lessons/02-zhidao-sixiang.md:4: 学时（hours）必须是大于 0 的数"]);
    expect(parseCourses(root, { label: "courses", only: "c-course" }).errors.map(formatError)).toEqual(["courses/c-course:1: 找不到课程文件夹"]);
  });
});

describe("the demo courses in courses/", () => {
  const { courses, errors } = parseCourses(path.resolve("courses"), { label: "courses" });

  it("parse without errors, one course per stage a trainee studies in", () => {
    expect(errors.map(formatError)).toEqual([]);
    expect(courses.map((c) => [c.slug, c.audience])).toEqual([
      ["fazhan-duixiang", ["candidate"]],
      ["jijifenzi-peixun", ["activist"]],
      ["yubei-dangyuan", ["probationary"]],
    ]);
  });

  it("declare the 学时 their lessons and passed assignments earn", () => {
    for (const c of courses) {
      const earned = [...c.lessons, ...c.assignments].reduce((sum, x) => sum + x.hours, 0);
      expect(earned, c.slug).toBe(c.hours);
    }
  });
});

describe("parseCstTime", () => {
  it("reads China Standard Time and refuses impossible dates", () => {
    expect(parseCstTime("2026-01-01 08:00")).toBe(Date.UTC(2026, 0, 1, 0, 0) / 1000);
    expect(parseCstTime("2026-02-29 08:00")).toBeNull();
    expect(parseCstTime("2026-01-01 24:00")).toBeNull();
    expect(parseCstTime("2026/01/01 08:00")).toBeNull();
  });
});
