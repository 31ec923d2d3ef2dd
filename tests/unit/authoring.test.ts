// Browser authoring: real loaders/actions on a migrated in-memory database, drafts in a temporary DATA_DIR.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { strToU8, unzipSync, zipSync } from "fflate";
import { afterAll, beforeEach, describe, expect, it } from "vitest";

// Drafts live under DATA_DIR/authoring and file courses under COURSES_DIR: both temporary here.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "authoring-"));
process.env.DATA_DIR = path.join(tmp, "data");
process.env.COURSES_DIR = path.join(tmp, "courses");
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

import * as teachIndex from "../../app/routes/teach._index.tsx";
import * as teachNew from "../../app/routes/teach.new.tsx";
import * as teachImport from "../../app/routes/teach.import.tsx";
import * as overview from "../../app/routes/teach.$slug._index.tsx";
import * as edit from "../../app/routes/teach.$slug.edit.$.tsx";
import * as preview from "../../app/routes/teach.$slug.preview.tsx";
import * as media from "../../app/routes/teach.$slug.media.tsx";
import * as exportZip from "../../app/routes/teach.$slug.export.tsx";
import { authoringRoots, importCourseZip, setFrontMatterField, yamlText } from "../../app/models/authoring.server.ts";
import { getLesson, listCatalogForStage, syncCourses } from "../../app/models/courses.server.ts";
import type { Viewer } from "../../app/models/visibility.server.ts";
import { formatError, parseCourse } from "../../app/utils/course-format.server.ts";
import { extractZipEntries, readZipDirectory, ZipRefused } from "../../app/utils/course-zip.server.ts";
import { MSG } from "../../app/utils/course-messages.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, testContext } from "../setup/db.ts";

const SAMPLE = path.resolve("tests/fixtures/courses/sample");
const DEMO = path.resolve("courses/jijifenzi-peixun");
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1]);

type User = Awaited<ReturnType<typeof createTestUser>>;
let db: DB;
let admin: User;
let teacher: User; // js001, named in the sample and demo courses
let otherTeacher: User;
let trainee: User; // 入党积极分子

const roots = () => authoringRoots(testContext(db).config);
const trainees = (): Viewer => ({ username: trainee.username, stage: "activist", roles: ["trainee"] });

beforeEach(async () => {
  fs.rmSync(process.env.DATA_DIR!, { recursive: true, force: true });
  fs.rmSync(process.env.COURSES_DIR!, { recursive: true, force: true });
  fs.mkdirSync(process.env.COURSES_DIR!, { recursive: true });
  fs.cpSync(SAMPLE, path.join(process.env.COURSES_DIR!, "sample"), { recursive: true });
  db = await createTestDb();
  const t = await createTestTree(db);
  admin = await createTestUser(db, { orgUnitId: t.root, roles: ["admin"], stage: "full", username: "zzb001" });
  teacher = await createTestUser(db, { orgUnitId: t.branchA, roles: ["instructor"], stage: "full", username: "js001" });
  otherTeacher = await createTestUser(db, { orgUnitId: t.branchB, roles: ["instructor"], stage: "full", username: "js999" });
  trainee = await createTestUser(db, { orgUnitId: t.branchA, stage: "activist", username: "2023001" });
  const synced = await syncCourses(db, { root: process.env.COURSES_DIR!, label: "courses", storage: testContext(db).storage });
  expect(synced.ok).toBe(true);
});

type Init = Parameters<typeof makeRequest>[1];
const args = (url: string, init: Init = {}, params: Record<string, string> = {}) => ({ request: makeRequest(url, init), context: testContext(db), params });
const multipartArgs = (url: string, cookie: string, form: FormData, params: Record<string, string>) => ({
  request: new Request(`http://localhost${url}`, { method: "POST", body: form, headers: { Cookie: cookie, Origin: "http://localhost" } }),
  context: testContext(db),
  params,
});
const file = (bytes: Uint8Array, name: string) => new File([new Uint8Array(bytes)], name);

/** Creates a browser course through the real form; js001 is its instructor. */
async function newCourse(slug = "dangshi", cookie = teacher.cookie) {
  const r = await outcome(
    teachNew.action(
      args("/teach/new", { cookie, form: { slug, title: "党史学习", audience: ["入党积极分子"], summary: "学习党的历史。", hours: "4", instructors: "" } }),
    ),
  );
  expect(r.status, JSON.stringify(r.data)).toBe(302);
  expect(r.location).toBe(`/teach/${slug}`);
}
const courseArgs = (slug: string, cookie: string, form?: Record<string, string>) => args(`/teach/${slug}`, { cookie, form }, { slug });
const editArgs = (slug: string, rel: string, cookie: string, form?: Record<string, string>) =>
  args(`/teach/${slug}/edit/${rel}`, { cookie, form }, { slug, "*": rel });
const draftFile = (slug: string, rel: string) => path.join(roots().drafts, slug, rel);

async function addLesson(slug: string, fields: Record<string, string> = {}) {
  const r = await outcome(
    overview.action(
      courseArgs(slug, teacher.cookie, {
        intent: "add_lesson",
        title: "伟大建党精神",
        chapter: "第一章 建党",
        hours: "2",
        required: "true",
        name: "jiandang",
        ...fields,
      }),
    ),
  );
  expect(r.status, JSON.stringify(r.data)).toBe(302);
  return r.location!.replace(`/teach/${slug}/edit/`, "");
}
async function save(slug: string, rel: string, text: string, cookie = teacher.cookie) {
  const loaded = await outcome(edit.loader(editArgs(slug, rel, cookie)));
  return outcome(edit.action(editArgs(slug, rel, cookie, { intent: "save", text, version: loaded.data.version })));
}
/** Declares in the draft's course.md the 学时 its files add up to, as an author must before publishing. */
function declareHours(slug: string) {
  const dir = path.join(roots().drafts, slug);
  if (!fs.existsSync(path.join(dir, "course.md"))) return;
  const { course } = parseCourse(dir, slug);
  const sum = [...course.lessons, ...course.assignments].reduce((n, x) => n + x.hours, course.offline_hours);
  if (sum > 0) fs.writeFileSync(path.join(dir, "course.md"), setFrontMatterField(fs.readFileSync(path.join(dir, "course.md"), "utf8"), "hours", String(sum)));
}
const publish = (slug: string, intent = "publish", cookie = teacher.cookie) => {
  if (intent !== "unpublish") declareHours(slug);
  return outcome(overview.action(courseArgs(slug, cookie, { intent })));
};

// ------------------------------------------------------------------------------------------ format

describe("order: front matter field", () => {
  it("orders lessons by order: (else the file's number) and keeps keys, positions and hashes otherwise unchanged", () => {
    const dir = path.join(tmp, "order", "sample");
    fs.cpSync(SAMPLE, dir, { recursive: true });
    const before = parseCourse(dir, "c").course.lessons;
    const f = path.join(dir, "lessons/03-jilv.md");
    fs.writeFileSync(f, setFrontMatterField(fs.readFileSync(f, "utf8"), "order", "0"));
    const { course, errors } = parseCourse(dir, "c");
    expect(errors).toEqual([]);
    expect(course.lessons.map((l) => [l.key, l.position])).toEqual([
      ["03-jilv", 1],
      ["01-dang-de-xingzhi", 2],
      ["02-zhidao-sixiang", 3],
    ]);
    expect(course.lessons.find((l) => l.key === "01-dang-de-xingzhi")!.hash).not.toBe(before[0].hash); // position is part of the hash
    fs.writeFileSync(f, setFrontMatterField(fs.readFileSync(f, "utf8"), "order", null));
    expect(parseCourse(dir, "c").course.lessons.map((l) => l.hash)).toEqual(before.map((l) => l.hash));
  });

  it("reports a bad order: at its line", () => {
    const dir = path.join(tmp, "order-bad", "sample");
    fs.cpSync(SAMPLE, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "lessons/03-jilv.md"), "---\ntitle: 党的纪律\nchapter: 第二章 党的纪律\nhours: 2\norder: -1\n---\n正文\n");
    expect(parseCourse(dir, "courses/sample").errors.map(formatError)).toEqual(["courses/sample/lessons/03-jilv.md:5: 顺序（order）必须是大于或等于 0 的整数"]);
  });

  it("edits one front matter key without touching the rest", () => {
    const text = "---\ntitle: 标题 # 注释\ninstructors:\n  - js001\n  - js002\nhours: 2\n---\n正文 instructors: x\n";
    expect(setFrontMatterField(text, "instructors", "[js003]")).toBe("---\ntitle: 标题 # 注释\ninstructors: [js003]\nhours: 2\n---\n正文 instructors: x\n");
    expect(setFrontMatterField(text, "published", "false")).toBe(
      "---\ntitle: 标题 # 注释\ninstructors:\n  - js001\n  - js002\nhours: 2\npublished: false\n---\n正文 instructors: x\n",
    );
    expect(yamlText("党史：百年")).toBe("党史：百年"); // a full-width colon is plain text in YAML
    expect(yamlText("a: b")).toBe('"a: b"');
    expect(yamlText("true")).toBe('"true"');
    expect(yamlText("入党积极分子")).toBe("入党积极分子");
  });
});

// ------------------------------------------------------------------------------------------ permissions

describe("permissions", () => {
  it("gives trainees 403 on every /teach URL, and other instructors 403 on someone else's course", async () => {
    await newCourse();
    const rel = await addLesson("dangshi");
    const pngForm = () => {
      const f = new FormData();
      f.append("file", file(PNG, "a.png"));
      return f;
    };
    for (const who of [trainee, otherTeacher]) {
      const c = who.cookie;
      const calls = [
        overview.loader(courseArgs("dangshi", c)),
        overview.action(courseArgs("dangshi", c, { intent: "publish" })),
        overview.action(courseArgs("sample", c, { intent: "detach" })),
        edit.loader(editArgs("dangshi", rel, c)),
        edit.action(editArgs("dangshi", rel, c, { intent: "save", text: "x" })),
        preview.action(args("/teach/dangshi/preview", { cookie: c, form: { text: "# 标题" } }, { slug: "dangshi" })),
        media.loader(args("/teach/dangshi/media", { cookie: c }, { slug: "dangshi" })),
        preview.loader(args("/teach/dangshi/preview?file=/x.png", { cookie: c }, { slug: "dangshi" })),
        media.action(multipartArgs("/teach/dangshi/media", c, pngForm(), { slug: "dangshi" })),
        exportZip.loader(args("/teach/dangshi/export", { cookie: c }, { slug: "dangshi" })),
        exportZip.loader(args("/teach/sample/export", { cookie: c }, { slug: "sample" })),
      ];
      // Every call is already running: outcome() observes each at once, so none rejects unobserved while another is awaited.
      for (const { status } of await Promise.all(calls.map(outcome))) expect(status).toBe(403);
    }
    const traineeCalls = [
      teachIndex.loader(args("/teach", { cookie: trainee.cookie })),
      teachNew.loader(args("/teach/new", { cookie: trainee.cookie })),
      teachNew.action(args("/teach/new", { cookie: trainee.cookie, form: { slug: "x" } })),
      teachImport.loader(args("/teach/import", { cookie: trainee.cookie })),
      teachImport.action(multipartArgs("/teach/import", trainee.cookie, new FormData(), {})),
    ];
    for (const { status } of await Promise.all(traineeCalls.map(outcome))) expect(status).toBe(403);
    expect((await outcome(overview.loader(courseArgs("no-such-course", teacher.cookie)))).status).toBe(404);
    expect((await outcome(edit.loader(editArgs("dangshi", "../../app.db", teacher.cookie)))).status).toBe(404);
    // Nothing changed: the course is still unpublished, the sample still a file course.
    const rows = await db.selectFrom("courses").select(["slug", "published", "source"]).orderBy("slug").execute();
    expect(rows).toEqual([
      { slug: "dangshi", published: 0, source: "browser" },
      { slug: "sample", published: 1, source: "files" },
    ]);
  });

  it("lists instructors only their own courses, admins all", async () => {
    await newCourse();
    const mine = await outcome(teachIndex.loader(args("/teach", { cookie: otherTeacher.cookie })));
    expect(mine.data.courses).toEqual([]);
    const js001 = await outcome(teachIndex.loader(args("/teach", { cookie: teacher.cookie })));
    expect(js001.data.courses.map((c: { slug: string }) => c.slug).sort()).toEqual(["dangshi", "sample"]);
    const all = await outcome(teachIndex.loader(args("/teach", { cookie: admin.cookie })));
    expect(all.data.courses).toHaveLength(2);
  });
});

// ------------------------------------------------------------------------------------------ drafts

describe("drafts", () => {
  it("creates an unpublished browser course that trainees do not see, refusing a slug in use", async () => {
    await newCourse();
    expect(fs.readFileSync(draftFile("dangshi", "course.md"), "utf8")).toContain("instructors: [js001]\npublished: false");
    expect(await listCatalogForStage(db, "activist")).toHaveLength(1); // only the sample
    const again = await outcome(
      teachNew.action(
        args("/teach/new", {
          cookie: admin.cookie,
          form: { slug: "sample", title: "x", audience: "发展对象", summary: "x", hours: "1", instructors: "js001" },
        }),
      ),
    );
    expect(again.status).toBe(409);
    expect(again.data.message).toBe("课程标识 sample 已被其他课程使用");
    const audit = await db.selectFrom("audit_log").select(["action", "target_id"]).where("action", "=", "course.create").execute();
    expect(audit).toEqual([{ action: "course.create", target_id: "dangshi" }]);
  });

  it("saves a file atomically and shows the parser's errors with line numbers; refuses a stale version", async () => {
    await newCourse();
    const rel = await addLesson("dangshi");
    expect(rel).toBe("lessons/01-jiandang.md");
    const bad = "---\r\ntitle: 伟大建党精神\r\nchapter: 第一章 建党\r\nhours: 0\r\n---\r\n\r\n正文\r\n";
    const r = await save("dangshi", rel, bad);
    expect(r.status).toBe(200);
    expect(r.data.errors).toEqual([{ line: 4, message: "学时（hours）必须是大于 0 的数" }]);
    expect(fs.readFileSync(draftFile("dangshi", rel), "utf8")).toBe(bad.replace(/\r\n/g, "\n"));
    expect(fs.readdirSync(path.dirname(draftFile("dangshi", rel))).filter((f) => f.startsWith("."))).toEqual([]);
    // The course page shows it as file:line too, and publishing is refused with the same message.
    const page = await outcome(overview.loader(courseArgs("dangshi", teacher.cookie)));
    expect(page.data.errors.map((e: { text: string }) => e.text)).toEqual(["dangshi/lessons/01-jiandang.md:4: 学时（hours）必须是大于 0 的数"]);
    const refused = await publish("dangshi");
    expect(refused.status).toBe(400);
    expect(refused.data.details).toEqual(["dangshi/lessons/01-jiandang.md:4: 学时（hours）必须是大于 0 的数"]);

    const stale = await outcome(edit.action(editArgs("dangshi", rel, teacher.cookie, { intent: "save", text: "x", version: "0000000000000000" })));
    expect(stale.status).toBe(409);
    expect(fs.readFileSync(draftFile("dangshi", rel), "utf8")).toBe(bad.replace(/\r\n/g, "\n"));
  });

  it("shows the parser's warnings beside the course (two lessons with one number), which do not stop publishing", async () => {
    await newCourse();
    const first = await addLesson("dangshi");
    fs.copyFileSync(draftFile("dangshi", first), draftFile("dangshi", first.replace(/-[a-z]+\.md$/, "-copy.md")));
    const page = await outcome(overview.loader(courseArgs("dangshi", teacher.cookie)));
    expect(page.data.errors).toEqual([]);
    expect(page.data.warnings.map((w: { text: string }) => w.text)).toEqual([
      "dangshi/lessons/01-jiandang.md:1: 文件名的编号 01 与 lessons/01-copy.md 相同：请改用不同的编号（或用 order: 指定顺序）",
    ]);
    expect((await publish("dangshi")).data.ok).toBe(true);
  });

  it("previews with the lesson page's sanitizing renderer", async () => {
    await newCourse();
    const r = await outcome(
      preview.action(
        args(
          "/teach/dangshi/preview",
          { cookie: teacher.cookie, form: { text: "---\ntitle: x\n---\n## 小标题\n\n![图](../media/a.png)<script>alert(1)</script>[x](javascript:alert(1))" } },
          { slug: "dangshi" },
        ),
      ),
    );
    expect(r.status).toBe(200);
    expect(r.data.html).toContain("<h2>小标题</h2>");
    expect(r.data.html).toContain('src="/teach/dangshi/preview?file=/a.png"');
    expect(r.data.html).not.toMatch(/script|javascript:|title: x/);
  });

  it("keeps multi-MB pages out of the editor: a large file's preview comes after load, a refused text is not echoed", async () => {
    await newCourse();
    const rel = await addLesson("dangshi");
    const large = `---\ntitle: 长课时\nchapter: 第一章 建党\nhours: 2\n---\n\n${"坚持真理、坚守理想。\n\n".repeat(20_000)}`;
    expect((await save("dangshi", rel, large)).status).toBe(200);
    const page = await outcome(edit.loader(editArgs("dangshi", rel, teacher.cookie)));
    expect([page.data.text.length, page.data.html]).toEqual([large.length, null]);
    const over = await outcome(
      edit.action(editArgs("dangshi", rel, teacher.cookie, { intent: "save", text: "甲".repeat(400_000), version: page.data.version })),
    );
    expect([over.status, over.data.message, over.data.text]).toEqual([413, "文件过大（最多 1 MB 文本）", undefined]);
    const preview = await outcome(edit.action(editArgs("dangshi", rel, teacher.cookie, { intent: "preview", text: "甲".repeat(400_000) })));
    expect([preview.status, preview.data.text]).toEqual([413, undefined]);
  });

  it("publishes: trainees see what was published, not the draft, until the next publish", async () => {
    await newCourse();
    const rel = await addLesson("dangshi");
    const key = "01-jiandang";
    const text = (body: string) => `---\ntitle: 伟大建党精神\nchapter: 第一章 建党\nhours: 2\n---\n\n${body}\n`;
    expect((await save("dangshi", rel, text("坚持真理、坚守理想。"))).data.errors).toEqual([]);
    expect(await getLesson(db, "dangshi", key, trainees())).toBeUndefined();
    const published = await publish("dangshi");
    expect(published.status).toBe(200);
    expect(published.data.ok).toBe(true);
    expect((await getLesson(db, "dangshi", key, trainees()))!.lesson.body_md).toBe("坚持真理、坚守理想。");
    const lessonId = (await getLesson(db, "dangshi", key, trainees()))!.lesson.id;

    await save("dangshi", rel, text("践行初心、担当使命。"));
    expect((await getLesson(db, "dangshi", key, trainees()))!.lesson.body_md).toBe("坚持真理、坚守理想。");
    expect((await outcome(overview.loader(courseArgs("dangshi", teacher.cookie)))).data.differs).toBe(true);
    expect((await publish("dangshi", "update")).data.ok).toBe(true);
    const after = (await getLesson(db, "dangshi", key, trainees()))!;
    expect(after.lesson.body_md).toBe("践行初心、担当使命。");
    expect(after.lesson.id).toBe(lessonId); // same row: progress stays attached
    expect((await outcome(overview.loader(courseArgs("dangshi", teacher.cookie)))).data.differs).toBe(false);

    expect((await publish("dangshi", "unpublish")).data.ok).toBe(true);
    expect(await getLesson(db, "dangshi", key, trainees())).toBeUndefined();
    // 取消发布 takes the course offline even when the draft is broken; the broken draft is not applied.
    await publish("dangshi", "publish");
    await save("dangshi", rel, "no front matter");
    const offline = await publish("dangshi", "unpublish");
    expect(offline.status).toBe(400);
    expect(offline.data.message).toContain("课程已下线");
    expect(await getLesson(db, "dangshi", key, trainees())).toBeUndefined();
    const actions = (await db.selectFrom("audit_log").select("action").where("action", "like", "course.%").orderBy("id").execute()).map((a) => a.action);
    expect(actions).toEqual(["course.create", "course.publish", "course.publish_update", "course.unpublish", "course.publish", "course.unpublish"]);
  });

  it("reorders lessons and chapters by writing order:, never renaming files, so lesson rows (and progress) stay", async () => {
    await newCourse();
    const a = await addLesson("dangshi", { title: "甲", chapter: "第一章", name: "jia" });
    await addLesson("dangshi", { title: "乙", chapter: "第一章", name: "yi" });
    await addLesson("dangshi", { title: "丙", chapter: "第二章", name: "bing" });
    await publish("dangshi");
    const ids = async () =>
      Object.fromEntries((await db.selectFrom("lessons").select(["key", "id", "position"]).execute()).map((l) => [l.key, [l.id, l.position]]));
    const before = await ids();
    expect((await outcome(overview.action(courseArgs("dangshi", teacher.cookie, { intent: "move", key: "01-jia", dir: "down" })))).data.ok).toBe(true);
    expect(fs.readFileSync(draftFile("dangshi", a), "utf8")).toContain("order: 2");
    expect((await outcome(overview.action(courseArgs("dangshi", teacher.cookie, { intent: "move_chapter", chapter: "第二章", dir: "up" })))).data.ok).toBe(
      true,
    );
    const page = await outcome(overview.loader(courseArgs("dangshi", teacher.cookie)));
    expect(page.data.draft.lessons.map((l: { title: string }) => l.title)).toEqual(["丙", "乙", "甲"]);
    expect(page.data.errors).toEqual([]);
    await publish("dangshi", "update");
    const after = await ids();
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const key of Object.keys(before)) expect(after[key][0]).toBe(before[key][0]);
    expect([after["03-bing"][1], after["02-yi"][1], after["01-jia"][1]]).toEqual([1, 2, 3]);
    expect(fs.readdirSync(path.join(roots().drafts, "dangshi/lessons")).sort()).toEqual(["01-jia.md", "02-yi.md", "03-bing.md"]);
  });

  it("adds an assignment, a bank and an exam whose draw rules the bank can satisfy", async () => {
    await newCourse();
    const go = (form: Record<string, string>) => outcome(overview.action(courseArgs("dangshi", teacher.cookie, form)));
    expect((await go({ intent: "add_assignment", title: "思想汇报", kind: "思想汇报", hours: "1", due: "2026-12-31T23:59", name: "huibao" })).location).toBe(
      "/teach/dangshi/edit/assignments/01-huibao.md",
    );
    expect((await go({ intent: "add_bank", title: "党史题库", name: "dangshi" })).location).toBe("/teach/dangshi/edit/bank/dangshi.md");
    const bank =
      "---\ntitle: 党史题库\n---\n\n## 判断\n中国共产党成立于 1921 年。\n答案：正确\n\n## 单选 [2分]\n党的一大在（ ）召开。\n- [x] 上海\n- [ ] 北京\n";
    expect((await save("dangshi", "bank/dangshi.md", bank)).data.errors).toEqual([]);
    expect((await go({ intent: "add_exam", title: "结业考试", bank: "bank/dangshi.md", duration: "30", name: "jieye" })).location).toBe(
      "/teach/dangshi/edit/exams/jieye.md",
    );
    // The new files' placeholder bodies must be written before anything publishes.
    const placeholders = (await outcome(overview.loader(courseArgs("dangshi", teacher.cookie)))).data.errors;
    expect(placeholders.map((e: { message: string }) => e.message)).toEqual([
      "作业要求仍是新建时的占位文字，请写好后再发布",
      "考试说明仍是新建时的占位文字，请写好后再发布",
    ]);
    expect((await publish("dangshi")).data.ok).toBe(false);
    for (const rel of ["assignments/01-huibao.md", "exams/jieye.md"]) {
      const text = fs.readFileSync(path.join(roots().drafts, "dangshi", rel), "utf8");
      expect((await save("dangshi", rel, text.replace(/^.*（Markdown）……$/m, "请认真作答。"))).data.errors).toEqual([]);
    }
    // Options in the bank's order give a key-first bank away: the exam editor says so at the line, and saves.
    const exam = fs.readFileSync(path.join(roots().drafts, "dangshi", "exams/jieye.md"), "utf8");
    expect((await outcome(edit.loader(editArgs("dangshi", "exams/jieye.md", teacher.cookie)))).data.warnings).toEqual([]);
    const unshuffled = await save("dangshi", "exams/jieye.md", exam.replace(/^---\n/, "---\nshuffle_options: false\n"));
    expect(unshuffled.data.errors).toEqual([]);
    expect(unshuffled.data.warnings).toEqual([`第 2 行：${MSG.shuffleOff}`]);
    expect((await save("dangshi", "exams/jieye.md", exam)).data.warnings).toEqual([]);
    const page = await outcome(overview.loader(courseArgs("dangshi", teacher.cookie)));
    expect(page.data.errors).toEqual([]);
    expect(page.data.draft.exams).toEqual([{ key: "jieye", title: "结业考试", total: 3, minutes: 30 }]);
    expect((await publish("dangshi")).data.ok).toBe(true);
    const questions = await db
      .selectFrom("questions")
      .innerJoin("question_banks", "question_banks.id", "questions.bank_id")
      .innerJoin("courses", "courses.id", "question_banks.course_id")
      .select(["questions.type", "questions.score"])
      .where("courses.slug", "=", "dangshi")
      .orderBy("questions.type")
      .execute();
    expect(questions).toEqual([
      { type: "判断", score: 1 },
      { type: "单选", score: 2 },
    ]);
  });
});

// ------------------------------------------------------------------------------------------ ownership

describe("files or browser: a course is owned by its source", () => {
  it("keeps file courses read-only until detached; after detach the file sync refuses the slug", async () => {
    expect((await outcome(edit.loader(editArgs("sample", "course.md", teacher.cookie)))).status).toBe(409);
    expect((await publish("sample")).status).toBe(409);
    const detached = await outcome(overview.action(courseArgs("sample", teacher.cookie, { intent: "detach" })));
    expect(detached.data.ok).toBe(true);
    expect((await db.selectFrom("courses").select("source").where("slug", "=", "sample").executeTakeFirstOrThrow()).source).toBe("browser");
    expect(fs.readFileSync(draftFile("sample", "media/lecture-01.mp4"))).toEqual(fs.readFileSync(path.join(SAMPLE, "media/lecture-01.mp4")));
    expect(parseCourse(path.join(roots().drafts, "sample"), "sample").errors).toEqual([]);
    const audit = await db.selectFrom("audit_log").select(["actor_id", "target_id"]).where("action", "=", "course.detach").execute();
    expect(audit).toEqual([{ actor_id: teacher.id, target_id: "sample" }]);

    const sync = await syncCourses(db, { root: process.env.COURSES_DIR!, label: "courses" });
    expect(sync).toEqual({
      ok: false,
      errors: [{ file: "courses/sample/course.md", line: 1, message: "课程 sample 已在浏览器中编辑（来源：在线编辑），文件同步不会覆盖它" }],
    });
    // Now it is edited here, and published by the same path.
    const rel = "lessons/03-jilv.md";
    const text = fs.readFileSync(draftFile("sample", rel), "utf8").replace("hours: 2", "hours: 2.5");
    expect((await save("sample", rel, text)).data.errors).toEqual([]);
    expect((await publish("sample", "update")).data.ok).toBe(true);
    expect((await db.selectFrom("lessons").select("hours").where("key", "=", "03-jilv").executeTakeFirstOrThrow()).hours).toBe(2.5);
  });

  it("detaches with media from the store when the folder lacks them", async () => {
    fs.rmSync(path.join(process.env.COURSES_DIR!, "sample/media/figure.png"));
    expect((await outcome(overview.action(courseArgs("sample", admin.cookie, { intent: "detach" })))).data.ok).toBe(true);
    expect(fs.readFileSync(draftFile("sample", "media/figure.png"))).toEqual(fs.readFileSync(path.join(SAMPLE, "media/figure.png")));
  });

  it("refuses to apply a browser draft over a file course", async () => {
    fs.mkdirSync(roots().drafts, { recursive: true });
    fs.cpSync(SAMPLE, path.join(roots().drafts, "sample"), { recursive: true });
    const r = await syncCourses(db, { root: roots().drafts, only: "sample", label: "authoring", source: "browser" });
    expect(r).toEqual({
      ok: false,
      errors: [{ file: "authoring/sample/course.md", line: 1, message: "课程 sample 由课程文件夹同步（来源：文件）；要在浏览器中编辑，请先“转为在线编辑”" }],
    });
  });
});

// ------------------------------------------------------------------------------------------ uploads

describe("configuration from the load context", () => {
  it("keeps drafts under the data directory of context.config, whatever the environment says", async () => {
    const elsewhere = path.join(tmp, "configured-data");
    fs.rmSync(elsewhere, { recursive: true, force: true });
    const context = { ...testContext(db), config: { ...testContext(db).config, dataDir: elsewhere } };
    const form = { slug: "peizhi", title: "配置", audience: ["入党积极分子"], summary: "x", hours: "1", instructors: "" };
    const r = await outcome(teachNew.action({ request: makeRequest("/teach/new", { cookie: teacher.cookie, form }), context, params: {} }));
    expect(r.status, JSON.stringify(r.data)).toBe(302);
    expect(fs.existsSync(path.join(elsewhere, "authoring", "peizhi", "course.md"))).toBe(true);
    expect(fs.existsSync(path.join(process.env.DATA_DIR!, "authoring", "peizhi"))).toBe(false);
  });
});

describe("COURSES_DIR with two roots (one parsed value for every reader)", () => {
  it("finds a file course in the second root for the overview, the export and 转为在线编辑", async () => {
    const first = path.join(tmp, "more-courses");
    fs.rmSync(first, { recursive: true, force: true });
    fs.cpSync(DEMO, path.join(first, "jijifenzi-peixun"), { recursive: true });
    const single = process.env.COURSES_DIR!;
    process.env.COURSES_DIR = `${first}, ${single}`;
    try {
      expect(roots().courses).toEqual([first, single]);
      expect((await syncCourses(db, { root: roots().courses, storage: testContext(db).storage })).ok).toBe(true);
      const page = await outcome(overview.loader(courseArgs("sample", teacher.cookie)));
      expect(page.status).toBe(200);
      expect(page.data.draft?.lessons.length).toBe(3);
      expect(page.data.errors).toEqual([]);
      expect(Object.keys(unzipSync(await exported("sample"))).some((n) => n === "sample/course.md")).toBe(true);
      expect((await outcome(overview.action(courseArgs("sample", teacher.cookie, { intent: "detach" })))).data.ok).toBe(true);
      expect(fs.existsSync(draftFile("sample", "course.md"))).toBe(true);
    } finally {
      process.env.COURSES_DIR = single;
    }
  });
});

describe("media uploads", () => {
  const upload = (slug: string, files: File[], cookie = teacher.cookie) => {
    const form = new FormData();
    for (const f of files) form.append("file", f);
    return outcome(media.action(multipartArgs(`/teach/${slug}/media`, cookie, form, { slug })));
  };

  it("stores a real image under a generated ASCII name with the extension of its content", async () => {
    await newCourse();
    const vtt = strToU8("WEBVTT\n\n00:00.000 --> 00:01.000\n同志们好\n");
    const r = await upload("dangshi", [file(PNG, "党旗 图片.JPG"), file(vtt, "字幕.vtt")]);
    expect(r.status).toBe(200);
    const list = (await outcome(media.loader(args("/teach/dangshi/media", { cookie: teacher.cookie }, { slug: "dangshi" })))).data.media;
    expect(
      list
        .map((m: { path: string; snippet: string }) => [m.path, m.snippet])
        .sort((a: string[], b: string[]) => (a[0].endsWith(".png") ? -1 : b[0].endsWith(".png") ? 1 : 0)),
    ).toEqual([
      [expect.stringMatching(/^media\/file-[0-9a-f]{12}\.png$/), expect.stringMatching(/^!\[说明\]\(\.\.\/media\/file-[0-9a-f]{12}\.png\)$/)],
      [expect.stringMatching(/^media\/file-[0-9a-f]{12}\.vtt$/), expect.stringMatching(/^captions: media\//)],
    ]);
    const png = list.find((m: { kind: string }) => m.kind === "image");
    const served = await outcome(preview.loader(args(`/teach/dangshi/preview?file=/${png.name}`, { cookie: teacher.cookie }, { slug: "dangshi" })));
    expect(served.status).toBe(200);
    expect(served.headers.get("Content-Type")).toBe("image/png");
    expect((await upload("dangshi", [file(PNG, "lecture-figure.png")])).data.message).toContain("media/lecture-figure.png");
  });

  it("refuses an HTML file named .png by its content, storing nothing", async () => {
    await newCourse();
    const r = await upload("dangshi", [file(strToU8("<!doctype html><script>alert(document.cookie)</script>"), "photo.png")]);
    expect(r.status).toBe(415);
    expect(r.data.message).toContain("文件类型不被允许");
    expect(fs.existsSync(draftFile("dangshi", "media"))).toBe(false);
  });

  it("refuses an oversize image while it streams, without reading the rest of the request", async () => {
    await newCourse();
    const boundary = "----authoring-test";
    const head = strToU8(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`);
    const total = 64 * 1024 * 1024;
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(Uint8Array.from([...head, ...PNG]));
        else if (sent < total) controller.enqueue(new Uint8Array(256 * 1024));
        else {
          controller.enqueue(strToU8(`\r\n--${boundary}--\r\n`));
          controller.close();
        }
        sent += sent === 0 ? 1 : 256 * 1024;
      },
    });
    const request = new Request("http://localhost/teach/dangshi/media", {
      method: "POST",
      body,
      headers: { Cookie: teacher.cookie, "Content-Type": `multipart/form-data; boundary=${boundary}` },
      duplex: "half",
    } as RequestInit);
    const r = await outcome(media.action({ request, context: testContext(db), params: { slug: "dangshi" } }));
    expect(r.status).toBe(413);
    expect(r.data.message).toBe("文件超过大小限制（最大 10 MB）");
    expect(sent).toBeLessThan(12 * 1024 * 1024); // stopped just past the 10 MB limit, not at 64 MB
    expect(fs.existsSync(draftFile("dangshi", "media"))).toBe(false);
  });
});

// ------------------------------------------------------------------------------------------ zip

const importZip = (zip: Uint8Array, slug: string, cookie = admin.cookie) => {
  const form = new FormData();
  form.append("slug", slug);
  form.append("zip", file(zip, "course.zip"));
  return outcome(teachImport.action(multipartArgs("/teach/import", cookie, form, {})));
};

/** A zip of the sample course folder, in memory, with `extra` entries added. */
function sampleZip(extra: Record<string, Uint8Array> = {}, prefix = "sample/"): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  const walk = (dir: string, rel = "") => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(dir, r);
      else files[`${prefix}${r}`] = fs.readFileSync(path.join(dir, r));
    }
  };
  walk(SAMPLE);
  return zipSync({ ...files, ...extra });
}

describe("zip import refuses unsafe archives", () => {
  it.each([
    ["a path climbing out (zip-slip)", { "sample/../../evil.md": strToU8("x") }, "sample/../../evil.md: 文件路径不安全（含有 . 或 .. 路径）"],
    ["an absolute path", { "/etc/cron.d/evil": strToU8("x") }, "/etc/cron.d/evil: 文件路径不安全（是绝对路径）"],
    ["a backslash path", { "sample\\..\\evil.md": strToU8("x") }, "sample\\..\\evil.md: 文件路径不安全（含有反斜杠）"],
  ])("refuses %s", async (_name, extra, message) => {
    const r = await importZip(sampleZip(extra), "imported");
    expect(r.status).toBe(400);
    expect(r.data.details).toEqual([message]);
    expect(fs.existsSync(path.join(tmp, "evil.md"))).toBe(false);
    expect(fs.existsSync(path.join(roots().drafts, "imported"))).toBe(false);
  });

  it("refuses entries that are not part of the course format", async () => {
    const r = await importZip(sampleZip({ "sample/notes.txt": strToU8("x"), "sample/lessons/sub/x.md": strToU8("x") }), "imported");
    expect(r.data.details.sort()).toEqual([
      "sample/lessons/sub/x.md: 不属于课程格式的文件（只允许 course.md、lessons/、assignments/、bank/、exams/ 下的 .md 和 media/ 下的媒体文件）",
      "sample/notes.txt: 不属于课程格式的文件（只允许 course.md、lessons/、assignments/、bank/、exams/ 下的 .md 和 media/ 下的媒体文件）",
    ]);
  });

  it("refuses media whose content is not what the extension says", async () => {
    const r = await importZip(sampleZip({ "sample/media/fake.png": strToU8("<html><script>alert(1)</script></html>") }), "imported");
    expect(r.data.details).toEqual(["sample/media/fake.png: 文件内容与扩展名不符"]);
  });

  it("names the entry whose data does not inflate, in Chinese (not the inflater's English)", async () => {
    const zip = sampleZip({ "sample/media/broken.png": strToU8("党".repeat(20_000)) });
    const file = path.join(tmp, "broken.zip");
    fs.writeFileSync(file, zip);
    const entry = readZipDirectory(file, { maxEntries: 100, maxTotalBytes: 1024 * 1024 * 1024 }).find((e) => e.name === "sample/media/broken.png")!;
    expect(entry.method).toBe(8);
    // The first deflate block says "final, type 3": a type deflate does not have.
    const data = entry.offset + 30 + (zip[entry.offset + 26]! | (zip[entry.offset + 27]! << 8)) + (zip[entry.offset + 28]! | (zip[entry.offset + 29]! << 8));
    zip[data] = 0x07;
    const r = await importZip(zip, "imported");
    expect([r.status, r.data.details]).toEqual([400, ["sample/media/broken.png: 无法解压，压缩包可能已损坏"]]);
  });

  it("refuses a file that is not a zip by its content", async () => {
    const r = await importZip(strToU8("<html>not a zip</html>"), "imported");
    expect(r.status).toBe(415);
  });

  it("shows parser errors as file:line relative to the zip", async () => {
    const bad = strToU8("---\ntitle: 纪律\nchapter: 第二章 党的纪律\nhours: 0\n---\n");
    const r = await importZip(sampleZip({ "sample/lessons/03-jilv.md": bad }), "imported");
    expect(r.data.details).toEqual(["sample/lessons/03-jilv.md:4: 学时（hours）必须是大于 0 的数"]);
  });

  it("refuses a zip bomb by its declared sizes, and by the bytes it really inflates when it lies", async () => {
    const zeros = new Uint8Array(8 * 1024 * 1024);
    const bomb = zipSync({ "x/course.md": strToU8("---\n---\n"), "x/media/a.png": zeros }, { level: 9 });
    expect(bomb.length).toBeLessThan(64 * 1024);
    const file = path.join(tmp, "bomb.zip");
    fs.writeFileSync(file, bomb);
    expect(() => readZipDirectory(file, { maxEntries: 100, maxTotalBytes: 1024 * 1024 })).toThrow("解压后的内容超过上限 1 MB");

    // Rewrite the central directory to claim 100 bytes: the lie is caught while inflating.
    const lying = Buffer.from(bomb);
    const cd = lying.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    lying.writeUInt32LE(100, cd + 24);
    fs.writeFileSync(file, lying);
    const entries = readZipDirectory(file, { maxEntries: 100, maxTotalBytes: 1024 * 1024 });
    const out = path.join(tmp, "bomb-out");
    const target = entries.find((e) => e.name === "x/media/a.png")!;
    await expect(extractZipEntries(file, [{ entry: target, target: "a.png" }], out, 1024 * 1024)).rejects.toThrow(ZipRefused);
    expect(fs.statSync(path.join(out, "a.png")).size).toBeLessThanOrEqual(100);

    const actor = { id: admin.id, username: admin.username, roles: ["admin" as const], ip: null };
    const viaImport = (zip: Uint8Array) =>
      importCourseZip(db, {
        storage: testContext(db).storage,
        dirs: testContext(db).config,
        data: (async function* () {
          yield zip;
        })(),
        slug: "bomb",
        actor,
        limits: { maxTotalBytes: 1024 * 1024 },
      });
    expect(await viaImport(bomb)).toEqual({ ok: false, errors: ["解压后的内容超过上限 1 MB"] });
    expect(await viaImport(lying)).toEqual({ ok: false, errors: ["x/media/a.png: 实际大小与声明不符"] });
    expect(fs.readdirSync(roots().tmp)).toEqual([]);
    const many = zipSync(Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`x/media/${i}.vtt`, strToU8("WEBVTT\n")])));
    expect((await importZip(many, "many")).data.details).toEqual(["压缩包中的文件过多（2001 个，最多 2000 个）"]);
  });
});

// ------------------------------------------------------------------------------------------ round trip

type Row = Record<string, unknown>;
const drop = (row: Row, ...keys: string[]) => Object.fromEntries(Object.entries(row).filter(([k]) => !keys.includes(k)));
const TIMES = ["id", "course_id", "bank_id", "created_at", "updated_at"];

/** Everything trainees and exams read of a course, without ids, slug, times and source. */
async function liveCourse(slug: string) {
  const course = await db.selectFrom("courses").selectAll().where("slug", "=", slug).executeTakeFirstOrThrow();
  const of = (table: "lessons" | "assignments" | "exams" | "question_banks" | "course_media", order: string) =>
    db
      .selectFrom(table)
      .selectAll()
      .where("course_id", "=", course.id)
      .where("archived", "=", 0)
      .orderBy(order as never)
      .execute();
  const banks = await of("question_banks", "key");
  const questions = await db
    .selectFrom("questions")
    .innerJoin("question_banks", "question_banks.id", "questions.bank_id")
    .selectAll("questions")
    .select("question_banks.key as bank_key")
    .where("question_banks.course_id", "=", course.id)
    .where("questions.archived", "=", 0)
    .orderBy("question_banks.key")
    .orderBy("questions.key")
    .execute();
  return {
    // The course row's content_hash covers course.md, whose published: line import and publish rewrite.
    course: drop(course, ...TIMES, "slug", "source", "source_root", "content_hash"),
    lessons: (await of("lessons", "position")).map((r) => drop(r, ...TIMES)),
    assignments: (await of("assignments", "position")).map((r) => drop(r, ...TIMES)),
    banks: banks.map((r) => drop(r, ...TIMES)),
    questions: questions.map((r) => drop(r, ...TIMES)),
    exams: (await of("exams", "position")).map((r) => drop(r, ...TIMES)),
    media: (await of("course_media", "path")).map((r) => drop(r, ...TIMES)),
  };
}

async function exported(slug: string, cookie = teacher.cookie): Promise<Uint8Array> {
  const res = (await exportZip.loader(args(`/teach/${slug}/export`, { cookie }, { slug }))) as Response;
  expect(res.headers.get("Content-Disposition")).toBe(`attachment; filename="${slug}.zip"`);
  expect(res.headers.get("Content-Type")).toBe("application/zip");
  return new Uint8Array(await res.arrayBuffer());
}

describe("export → import → publish round trip", () => {
  it.each([
    ["the sample fixture", SAMPLE, "sample"],
    ["the demo course 入党积极分子培训", DEMO, "jijifenzi-peixun"],
  ])("gives back %s without loss", async (_name, source, slug) => {
    if (slug !== "sample") {
      fs.cpSync(source, path.join(process.env.COURSES_DIR!, slug), { recursive: true });
      expect((await syncCourses(db, { root: process.env.COURSES_DIR!, label: "courses", storage: testContext(db).storage })).ok).toBe(true);
    }
    const original = await liveCourse(slug);
    expect(original.lessons.length).toBeGreaterThan(0);
    const zip = await exported(slug);
    expect(Object.keys(unzipSync(zip)).every((n) => n.startsWith(`${slug}/`))).toBe(true);

    const imported = await importZip(zip, "kaobei");
    expect(imported.status, JSON.stringify(imported.data)).toBe(302);
    expect(imported.location).toBe("/teach/kaobei");
    expect(await db.selectFrom("courses").select(["source", "published"]).where("slug", "=", "kaobei").executeTakeFirstOrThrow()).toEqual({
      source: "browser",
      published: 0,
    });
    expect((await publish("kaobei")).data.ok).toBe(true);
    expect(await liveCourse("kaobei")).toEqual(original);

    // And again from the browser course: its export imports to the same rows.
    const second = await importZip(await exported("kaobei"), "kaobei-2");
    expect(second.status).toBe(302);
    expect((await publish("kaobei-2")).data.ok).toBe(true);
    expect(await liveCourse("kaobei-2")).toEqual(original);
  });

  it("never overwrites an existing course and adds an importing instructor to the instructors", async () => {
    const zip = await exported("sample");
    const taken = await importZip(zip, "sample", teacher.cookie);
    expect(taken.data.details).toEqual(["课程标识 sample 已被其他课程使用；导入不会覆盖已有课程，请填写一个新的课程标识后重新上传"]);
    const as = await importZip(zip, "copy-by-other", otherTeacher.cookie);
    expect(as.status).toBe(302);
    expect(fs.readFileSync(draftFile("copy-by-other", "course.md"), "utf8")).toContain("instructors: [js001, js999]");
    expect((await outcome(overview.loader(courseArgs("copy-by-other", otherTeacher.cookie)))).status).toBe(200);
    expect(fs.readdirSync(roots().tmp)).toEqual([]); // nothing left behind
  });
});
