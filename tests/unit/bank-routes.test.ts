// The 题库 pages through their real loaders and actions: permissions, upload → preview → confirm for
// a file course (download) and a browser course (written into the draft), and the Excel downloads.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as bankPage from "../../app/routes/teach.$slug.bank._index.tsx";
import * as exportRoute from "../../app/routes/teach.$slug.bank.$bankKey.export[.]xlsx.tsx";
import * as templateRoute from "../../app/routes/teach.$slug.bank.template[.]xlsx.tsx";
import * as downloadRoute from "../../app/routes/teach.$slug.bank.import.$sha.download.tsx";
import { syncCourses } from "../../app/models/courses.server.ts";
import { parseExcelBank } from "../../app/utils/bank-import/xlsx.server.ts";
import { parseBankText } from "../../app/utils/course-format.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, testContext } from "../setup/db.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bank-routes-"));
const coursesRoot = path.join(tmp, "courses");
const env = { DATA_DIR: process.env.DATA_DIR, COURSES_DIR: process.env.COURSES_DIR };
beforeAll(() => {
  process.env.DATA_DIR = path.join(tmp, "data");
  process.env.COURSES_DIR = coursesRoot;
  fs.cpSync("tests/fixtures/courses/sample", path.join(coursesRoot, "sample"), { recursive: true });
});
afterAll(() => {
  for (const [k, v] of Object.entries(env))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  fs.rmSync(tmp, { recursive: true, force: true });
});

let db: DB;
let instructor: Awaited<ReturnType<typeof createTestUser>>;
let admin: Awaited<ReturnType<typeof createTestUser>>;
let otherInstructor: Awaited<ReturnType<typeof createTestUser>>;
let trainee: Awaited<ReturnType<typeof createTestUser>>;

const DRAFT = "zaixian-kecheng";
const draftDir = () => path.join(process.env.DATA_DIR!, "authoring", DRAFT);
const SAMPLE_BANK = () => fs.readFileSync(path.join(coursesRoot, "sample/bank/jiben-zhishi.md"), "utf8");

beforeEach(async () => {
  db = await createTestDb();
  const t = await createTestTree(db);
  instructor = await createTestUser(db, { orgUnitId: t.branchA, roles: ["instructor"], stage: "full", username: "js001" });
  otherInstructor = await createTestUser(db, { orgUnitId: t.branchA, roles: ["instructor"], stage: "full", username: "js999" });
  admin = await createTestUser(db, { orgUnitId: t.branchA, roles: ["admin"], stage: "full" });
  trainee = await createTestUser(db, { orgUnitId: t.branchA, stage: "activist" });
  const synced = await syncCourses(db, { root: coursesRoot, label: "courses" });
  expect(synced.ok).toBe(true);
  // A browser course: its draft folder and its row, as the course editor leaves them.
  fs.rmSync(draftDir(), { recursive: true, force: true });
  fs.mkdirSync(path.join(draftDir(), "bank"), { recursive: true });
  fs.writeFileSync(
    path.join(draftDir(), "course.md"),
    "---\ntitle: 在线课程\naudience: [入党积极分子]\nsummary: 测试\nhours: 2\ninstructors: [js001]\npublished: false\n---\n\n简介\n",
  );
  fs.writeFileSync(
    path.join(draftDir(), "bank/tiku.md"),
    "---\ntitle: 草稿题库\n---\n\n<!-- 手写的说明保留 -->\n\n## 判断 [编号:d-1]\n已有的判断题。\n答案：对\n",
  );
  const t0 = 1;
  await db
    .insertInto("courses")
    .values({
      slug: DRAFT,
      title: "在线课程",
      summary: "测试",
      audience: '["activist"]',
      hours: 2,
      instructors: '["js001"]',
      cover: null,
      published: 0,
      source: "browser",
      progress: "{}",
      intro_md: "",
      content_hash: "x",
      created_at: t0,
      updated_at: t0,
    })
    .execute();
});

const ctx = () => testContext(db);
const args = (url: string, init: Parameters<typeof makeRequest>[1] = {}, params: Record<string, string> = {}) => ({
  request: makeRequest(url, init),
  context: ctx(),
  params,
});

function uploadRequest(slug: string, cookie: string, file: { name: string; bytes: Uint8Array } | null, fields: Record<string, string>) {
  const form = new FormData();
  form.append("intent", "upload");
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append("file", file ? new File([Buffer.from(file.bytes)], file.name) : new File([], ""));
  return new Request(`http://localhost/teach/${slug}/bank`, { method: "POST", headers: { Origin: "http://localhost", Cookie: cookie }, body: form });
}
const upload = (slug: string, cookie: string, file: { name: string; bytes: Uint8Array } | null, fields: Record<string, string>) =>
  outcome(bankPage.action({ request: uploadRequest(slug, cookie, file, fields), context: ctx(), params: { slug } }));

async function xlsx(rows: unknown[][]) {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("题库");
  ws.addRow(["题型", "题干", "选项A", "选项B", "选项C", "答案", "分值", "难度"]);
  for (const r of rows) ws.addRow(r);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

const GOOD_AND_BAD = () =>
  xlsx([
    ["单选", "新的单选题", "甲", "乙", "丙", "B", 2, "易"], // 2
    ["单选", "两个答案", "甲", "乙", "丙", "AB", 2, "易"], // 3: error
    ["判断", "预备党员的预备期为一年。", "", "", "", "对", 1, "中"], // 4: already in the sample bank
    ["多选", "新的多选题", "甲", "乙", "丙", "AC", 3, "难"], // 5
    ["判断", "新的多选题", "", "", "", "对", 1, "中"], // 6: same stem as row 5
  ]);

describe("permissions", () => {
  it("gives trainees and instructors of other courses 403 everywhere, 404 for an unknown course", async () => {
    for (const user of [trainee, otherInstructor]) {
      const c = user.cookie;
      const calls = [
        bankPage.loader(args("/teach/sample/bank", { cookie: c }, { slug: "sample" })),
        bankPage.action(args("/teach/sample/bank", { cookie: c, form: { intent: "confirm", sha256: "0".repeat(64) } }, { slug: "sample" })),
        exportRoute.loader(args("/teach/sample/bank/jiben-zhishi/export.xlsx", { cookie: c }, { slug: "sample", bankKey: "jiben-zhishi" })),
        templateRoute.loader(args("/teach/sample/bank/template.xlsx", { cookie: c }, { slug: "sample" })),
        downloadRoute.loader(args(`/teach/sample/bank/import/${"0".repeat(64)}/download`, { cookie: c }, { slug: "sample", sha: "0".repeat(64) })),
      ];
      // Every call is already running: outcome() observes each at once, so none rejects unobserved while another is awaited.
      for (const { status } of await Promise.all(calls.map(outcome))) expect(status).toBe(403);
      expect((await upload("sample", c, { name: "a.xlsx", bytes: await GOOD_AND_BAD() }, { bank: "jiben-zhishi" })).status).toBe(403);
    }
    expect((await outcome(bankPage.loader(args("/teach/nope/bank", { cookie: instructor.cookie }, { slug: "nope" })))).status).toBe(404);
    const anon = await outcome(bankPage.loader(args("/teach/sample/bank", {}, { slug: "sample" })));
    expect(anon.status).toBe(302);
    expect(await db.selectFrom("pending_imports").selectAll().execute()).toEqual([]);
  });
});

describe("bank list and downloads", () => {
  it("lists the course's banks with counts by type and difficulty", async () => {
    const r = await outcome(bankPage.loader(args("/teach/sample/bank", { cookie: instructor.cookie }, { slug: "sample" })));
    expect(r.status).toBe(200);
    expect(r.data.banks).toEqual([
      {
        key: "jiben-zhishi",
        title: "党的基本知识题库",
        total: 7,
        errors: 0,
        byType: { 单选: 2, 多选: 1, 判断: 2, 填空: 1, 简答: 1 },
        byDifficulty: { 易: 1, 中: 4, 难: 2 },
      },
    ]);
    const draft = await outcome(bankPage.loader(args(`/teach/${DRAFT}/bank`, { cookie: instructor.cookie }, { slug: DRAFT })));
    expect(draft.data.banks).toMatchObject([{ key: "tiku", title: "草稿题库", total: 1, byType: { 判断: 1 } }]);
  });

  it("exports a bank to the Excel template that imports back to the same questions", async () => {
    const r = await exportRoute.loader(
      args("/teach/sample/bank/jiben-zhishi/export.xlsx", { cookie: instructor.cookie }, { slug: "sample", bankKey: "jiben-zhishi" }),
    );
    expect(r.status).toBe(200);
    expect(r.headers.get("Content-Type")).toBe("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(r.headers.get("Content-Disposition")).toBe(`attachment; filename="????????.xlsx"; filename*=UTF-8''${encodeURIComponent("党的基本知识题库.xlsx")}`);
    const back = await parseExcelBank(new Uint8Array(await r.arrayBuffer()));
    expect(back.errors).toEqual([]);
    const expected = parseBankText(SAMPLE_BANK(), { media: ["media/figure.png", "media/cover.png"] }).bank!.questions;
    expect(back.questions.map(({ line: _l, ...q }) => q)).toEqual(expected.map(({ line: _l, ...q }) => q));

    const missing = await outcome(
      exportRoute.loader(args("/teach/sample/bank/nope/export.xlsx", { cookie: instructor.cookie }, { slug: "sample", bankKey: "nope" })),
    );
    expect(missing.status).toBe(404);
    const traversal = await outcome(
      exportRoute.loader(args("/teach/x/bank/x/export.xlsx", { cookie: instructor.cookie }, { slug: DRAFT, bankKey: "../course" })),
    );
    expect(traversal.status).toBe(404);
  });

  it("serves the template with one example row per type", async () => {
    const r = await templateRoute.loader(args("/teach/sample/bank/template.xlsx", { cookie: admin.cookie }, { slug: "sample" }));
    const back = await parseExcelBank(new Uint8Array(await r.arrayBuffer()));
    expect(back.errors).toEqual([]);
    expect(back.questions.map((q) => q.type)).toEqual(["单选", "多选", "判断", "填空", "简答"]);
  });
});

describe("import into a course kept in courses/", () => {
  it("previews bad rows and duplicates, writes nothing, and on confirm hands back the merged bank file", async () => {
    const before = await db.selectFrom("questions").select("id").execute();
    const up = await upload("sample", instructor.cookie, { name: "新题.xlsx", bytes: await GOOD_AND_BAD() }, { bank: "jiben-zhishi" });
    expect(up.status).toBe(302);
    const sha = /import=([0-9a-f]{64})$/.exec(up.location!)![1];

    const page = await outcome(bankPage.loader(args(`/teach/sample/bank?import=${sha}`, { cookie: instructor.cookie }, { slug: "sample" })));
    const p = page.data.preview;
    expect(p).toMatchObject({ fileName: "新题.xlsx", format: "Excel 模板", bank: { key: "jiben-zhishi", exists: true, total: 7 } });
    expect(p.counts).toEqual({ questions: 4, errors: 1, duplicates: 2, importable: 2 });
    expect(p.errors.map((e: { text: string }) => e.text)).toEqual(["第 3 行：单选题必须有且只有一个正确答案"]);
    expect(p.duplicates.map((d: { line: number; reason: string }) => [d.line, d.reason])).toEqual([
      [4, "与题库中已有的题目相同"],
      [6, "与文件第 5 行的题干相同"],
    ]);
    expect(p.rows.map((r: { line: number }) => r.line)).toEqual([2, 4, 5, 6]);

    const confirm = (form: Record<string, string>, user = instructor) =>
      outcome(
        bankPage.action(
          args(`/teach/sample/bank?import=${sha}`, { cookie: user.cookie, form: { intent: "confirm", sha256: sha, ...form } }, { slug: "sample" }),
        ),
      );
    expect(await confirm({})).toMatchObject({ status: 400, data: { ok: false, message: expect.stringContaining("文件中有 1 处错误") } });
    expect(await confirm({ skipErrors: "on" })).toMatchObject({
      status: 400,
      data: { ok: false, message: expect.stringContaining("有 2 道题与已有题目重复") },
    });
    // The same file uploaded by someone else is not theirs to confirm.
    expect((await confirm({ skipErrors: "on", skipDuplicates: "on" }, admin)).status).toBe(404);
    expect(await db.selectFrom("questions").select("id").execute()).toEqual(before);

    const done = await confirm({ skipErrors: "on", skipDuplicates: "on" });
    expect(done.status).toBe(302);
    expect(done.location).toBe(`/teach/sample/bank/import/${sha}/download?skipErrors=1&skipDuplicates=1`);
    const get = (user = instructor, query = "?skipErrors=1&skipDuplicates=1") =>
      downloadRoute.loader(args(`/teach/sample/bank/import/${sha}/download${query}`, { cookie: user.cookie }, { slug: "sample", sha }));
    expect((await outcome(get(admin))).status).toBe(404);
    expect(await outcome(get(instructor, "?skipErrors=1"))).toMatchObject({ status: 409, data: expect.stringContaining("有 2 道题与已有题目重复") });
    const download = await get();
    expect(download.headers.get("Content-Disposition")).toBe('attachment; filename="jiben-zhishi.md"');
    expect(download.headers.get("Content-Type")).toBe("text/markdown; charset=utf-8");
    const md = await download.text();
    expect(md.startsWith(SAMPLE_BANK().trimEnd())).toBe(true); // the hand-written file is kept as it is
    const merged = parseBankText(md, { file: "bank/jiben-zhishi.md", media: ["media/figure.png", "media/cover.png"] });
    expect(merged.errors).toEqual([]);
    expect(merged.bank!.questions.slice(7).map((q) => [q.type, q.stem_md, q.score, q.difficulty])).toEqual([
      ["单选", "新的单选题", 2, "易"],
      ["多选", "新的多选题", 3, "难"],
    ]);
    // Nothing in the database changed: the file is for the instructor to commit; the import is audited.
    expect(await db.selectFrom("questions").select("id").execute()).toEqual(before);
    const log = await db.selectFrom("audit_log").selectAll().where("action", "=", "bank.import").execute();
    expect(log).toHaveLength(1);
    expect(JSON.parse(log[0].detail!)).toMatchObject({
      bank: "jiben-zhishi",
      mode: "download",
      added: 2,
      skippedErrors: 1,
      skippedDuplicates: 2,
      format: "xlsx",
    });
  });

  it("refuses a file over 10 MB, an upload without a file and a new bank whose name is taken", async () => {
    const big = new Uint8Array(10 * 1024 * 1024 + 1);
    expect(await upload("sample", instructor.cookie, { name: "big.txt", bytes: big }, { bank: "jiben-zhishi" })).toMatchObject({
      status: 413,
      data: { ok: false, message: "文件超过大小限制（最大 10 MB）" },
    });
    expect(await upload("sample", instructor.cookie, null, { bank: "jiben-zhishi" })).toMatchObject({
      status: 400,
      data: { ok: false, message: "请选择要导入的文件" },
    });
    const gift = { name: "q.txt", bytes: new TextEncoder().encode("题 {T}") };
    expect(await upload("sample", instructor.cookie, gift, { bank: "__new__", newKey: "jiben-zhishi", newTitle: "重名" })).toMatchObject({
      status: 400,
      data: { ok: false, message: "题库 bank/jiben-zhishi.md 已存在，请直接选择它作为目标题库" },
    });
    expect(await upload("sample", instructor.cookie, gift, { bank: "__new__", newKey: "Bad Name", newTitle: "x" })).toMatchObject({
      status: 400,
      data: { ok: false, message: "文件名只能用小写字母、数字和 -，如 dangshi-tiku" },
    });
    expect(await upload("sample", instructor.cookie, gift, { bank: "no-such-bank" })).toMatchObject({
      status: 400,
      data: { ok: false, message: "目标题库不存在" },
    });
    expect(await db.selectFrom("pending_imports").selectAll().execute()).toEqual([]);
  });

  it("shows an unreadable file's reason in the preview and offers nothing to confirm", async () => {
    const up = await upload(
      "sample",
      instructor.cookie,
      { name: "old.xls", bytes: Uint8Array.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 1]) },
      { bank: "jiben-zhishi" },
    );
    const page = await outcome(bankPage.loader({ ...args(up.location!, { cookie: instructor.cookie }, { slug: "sample" }) }));
    expect(page.data.preview).toMatchObject({ format: null, counts: { questions: 0, importable: 0 } });
    expect(page.data.preview.errors[0].text).toBe("这是旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 后再导入");
  });
});

describe("import into a browser course's draft", () => {
  it("appends to the draft's bank file on confirm, keeping what was hand-written", async () => {
    const gift = new TextEncoder().encode("// Moodle 导出\n::a:: 党的最高理想是 {=共产主义 =实现共产主义}\n\n已有的判断题。{T}\n\n新判断题。{F}\n");
    const up = await upload(DRAFT, instructor.cookie, { name: "moodle.txt", bytes: gift }, { bank: "tiku" });
    expect(up.status).toBe(302);
    const sha = /import=([0-9a-f]{64})$/.exec(up.location!)![1];
    const before = fs.readFileSync(path.join(draftDir(), "bank/tiku.md"), "utf8");
    const page = await outcome(bankPage.loader(args(up.location!, { cookie: instructor.cookie }, { slug: DRAFT })));
    expect(page.data.preview.counts).toEqual({ questions: 3, errors: 0, duplicates: 1, importable: 2 });
    expect(fs.readFileSync(path.join(draftDir(), "bank/tiku.md"), "utf8")).toBe(before);

    const done = await outcome(
      bankPage.action(args(up.location!, { cookie: instructor.cookie, form: { intent: "confirm", sha256: sha, skipDuplicates: "on" } }, { slug: DRAFT })),
    );
    expect(done.status).toBe(302);
    expect(done.location).toBe(`/teach/${DRAFT}/bank?imported=2&into=tiku`);
    const after = fs.readFileSync(path.join(draftDir(), "bank/tiku.md"), "utf8");
    expect(after).toContain("<!-- 手写的说明保留 -->");
    const { bank, errors } = parseBankText(after, { file: "bank/tiku.md" });
    expect(errors).toEqual([]);
    expect(bank!.questions.map((q) => [q.key.startsWith("stem:") ? "stem" : q.key, q.type, q.stem_md])).toEqual([
      ["d-1", "判断", "已有的判断题。"],
      ["stem", "填空", "党的最高理想是{{}}"],
      ["stem", "判断", "新判断题。"],
    ]);
    // Done: the pending import is gone, so a second confirm cannot append the questions again.
    expect(
      (
        await outcome(
          bankPage.action(args(up.location!, { cookie: instructor.cookie, form: { intent: "confirm", sha256: sha, skipDuplicates: "on" } }, { slug: DRAFT })),
        )
      ).status,
    ).toBe(404);
  });

  it("creates a new bank file in the draft", async () => {
    const aiken = new TextEncoder().encode("党的根本宗旨是？\nA. 全心全意为人民服务\nB. 其他\nANSWER: A\n");
    const up = await upload(DRAFT, instructor.cookie, { name: "aiken.txt", bytes: aiken }, { bank: "__new__", newKey: "xin-tiku", newTitle: "新题库" });
    const sha = /import=([0-9a-f]{64})$/.exec(up.location!)![1];
    expect(fs.existsSync(path.join(draftDir(), "bank/xin-tiku.md"))).toBe(false);
    const done = await outcome(bankPage.action(args(up.location!, { cookie: admin.cookie, form: { intent: "confirm", sha256: sha } }, { slug: DRAFT })));
    expect(done.status).toBe(404); // the admin did not upload it
    await outcome(bankPage.action(args(up.location!, { cookie: instructor.cookie, form: { intent: "confirm", sha256: sha } }, { slug: DRAFT })));
    const { bank, errors } = parseBankText(fs.readFileSync(path.join(draftDir(), "bank/xin-tiku.md"), "utf8"), { file: "bank/xin-tiku.md" });
    expect(errors).toEqual([]);
    expect(bank).toMatchObject({
      key: "xin-tiku",
      title: "新题库",
      questions: [{ type: "单选", options: ["全心全意为人民服务", "其他"], answer: { choices: [0] } }],
    });
  });

  it("lists GIFT partial credit and feedback losses by line in the preview, and keeps the feedback in 解析 on confirm", async () => {
    const gift = new TextEncoder().encode(
      "党的最高领导机关是 {=党的全国代表大会#正确 ~%50%中央委员会#不全对 ~中央政治局}\n\n预备期为一年。{T#对#错，预备期为一年}\n",
    );
    const up = await upload(DRAFT, instructor.cookie, { name: "moodle.gift", bytes: gift }, { bank: "__new__", newKey: "gift-tiku", newTitle: "GIFT 题库" });
    expect(up.status).toBe(302);
    const sha = /import=([0-9a-f]{64})$/.exec(up.location!)![1];
    const page = await outcome(bankPage.loader(args(up.location!, { cookie: instructor.cookie }, { slug: DRAFT })));
    expect(page.data.preview).toMatchObject({ format: "Moodle GIFT", counts: { questions: 2, errors: 0, duplicates: 0, importable: 2 } });
    expect(page.data.preview.rows.map((r: { line: number; type: string }) => [r.line, r.type])).toEqual([
      [1, "单选"],
      [3, "判断"],
    ]);
    const warnings = page.data.preview.warnings as { line: number; message: string }[];
    expect(warnings.filter((w) => w.line === 1).map((w) => w.message)).toEqual([
      expect.stringContaining("选项B「中央委员会」的部分得分 50% 未导入"),
      expect.stringContaining("已写入解析"),
    ]);
    expect(warnings.filter((w) => w.line === 3).map((w) => w.message)).toEqual([expect.stringContaining("已写入解析")]);
    const done = await outcome(bankPage.action(args(up.location!, { cookie: instructor.cookie, form: { intent: "confirm", sha256: sha } }, { slug: DRAFT })));
    expect(done.status).toBe(302);
    const { bank } = parseBankText(fs.readFileSync(path.join(draftDir(), "bank/gift-tiku.md"), "utf8"), { file: "bank/gift-tiku.md" });
    expect(bank!.questions.map((q) => [q.type, q.explanation])).toEqual([
      ["单选", "选A：正确\n选B：不全对"],
      ["判断", expect.stringContaining("错，预备期为一年")],
    ]);
  });

  it("reads a valid Aiken file with { in a stem as Aiken through the upload", async () => {
    const aiken = new TextEncoder().encode(
      "集合 {1, 2} 有几个元素？\nA. 一个\nB. 两个\nANSWER: B\n\n党的根本宗旨是什么？\nA. 全心全意为人民服务\nB. 发展经济\nANSWER: A\n",
    );
    const up = await upload(DRAFT, instructor.cookie, { name: "aiken.txt", bytes: aiken }, { bank: "tiku" });
    const page = await outcome(bankPage.loader(args(up.location!, { cookie: instructor.cookie }, { slug: DRAFT })));
    expect(page.data.preview).toMatchObject({ format: "Moodle Aiken", counts: { questions: 2, errors: 0 }, errors: [] });
    expect(page.data.preview.rows[0]).toMatchObject({ line: 1, type: "单选", stem: "集合 {1, 2} 有几个元素？", answer: "B" });
  });

  it("forgets a cancelled import", async () => {
    const up = await upload(DRAFT, instructor.cookie, { name: "q.txt", bytes: new TextEncoder().encode("题 {T}") }, { bank: "tiku" });
    const sha = /import=([0-9a-f]{64})$/.exec(up.location!)![1];
    expect(await db.selectFrom("pending_imports").select("sha256").execute()).toEqual([{ sha256: sha }]);
    const r = await outcome(bankPage.action(args(up.location!, { cookie: instructor.cookie, form: { intent: "cancel", sha256: sha } }, { slug: DRAFT })));
    expect(r.location).toBe(`/teach/${DRAFT}/bank`);
    expect(await db.selectFrom("pending_imports").select("sha256").execute()).toEqual([]);
    const page = await outcome(bankPage.loader(args(up.location!, { cookie: instructor.cookie }, { slug: DRAFT })));
    expect(page.data).toMatchObject({ preview: null, previewMissing: true });
  });
});
