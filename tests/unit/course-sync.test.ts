import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { migrateToLatest } from "../../db/migrate.ts";
import { getCourseBySlug, getLesson, listCatalogForStage, syncCourses } from "../../app/models/courses.server.ts";
import type { Viewer } from "../../app/models/visibility.server.ts";
import { formatError } from "../../app/utils/course-format.server.ts";
import { createTestDb } from "../setup/db.ts";
import { openDatabase, type DB } from "../../app/utils/db.server.ts";

const SAMPLE = path.resolve("tests/fixtures/courses/sample");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "course-sync-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const TABLES = ["courses", "lessons", "assignments", "question_banks", "questions", "exams", "course_media", "lesson_progress"] as const;
/** Rows counted in a sync summary for the sample: course, 3 lessons, 1 assignment, 1 bank, 7 questions, 1 exam, 4 media. */
const SAMPLE_ITEMS = 18;

let db: DB;
let root: string;
let userId: number;

const sync = (opts: { only?: string; prune?: boolean } = {}) => syncCourses(db, { root, label: "courses", ...opts });
const file = (rel: string) => path.join(root, "sample", rel);
const edit = (rel: string, fn: (text: string) => string) => fs.writeFileSync(file(rel), fn(fs.readFileSync(file(rel), "utf8")));

async function dump() {
  const out: Record<string, unknown[]> = {};
  for (const t of TABLES) out[t] = (await sql`SELECT * FROM ${sql.table(t)} ORDER BY rowid`.execute(db)).rows;
  return out;
}
async function totalChanges(): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT total_changes() AS n`.execute(db);
  return rows[0].n;
}
const lessonRows = () => db.selectFrom("lessons").selectAll().orderBy("id").execute();
const lessonId = async (key: string) => (await db.selectFrom("lessons").select("id").where("key", "=", key).executeTakeFirstOrThrow()).id;

async function addProgress(key: string, furthest: number) {
  await db
    .insertInto("lesson_progress")
    .values({
      user_id: userId,
      lesson_id: await lessonId(key),
      position: furthest,
      furthest,
      covered: JSON.stringify([[0, furthest]]),
      seconds_credited: furthest,
      updated_at: 1,
    })
    .execute();
}
const progressRows = () => db.selectFrom("lesson_progress").selectAll().orderBy("lesson_id").execute();

beforeEach(async () => {
  root = fs.mkdtempSync(path.join(tmp, "root-"));
  fs.cpSync(SAMPLE, path.join(root, "sample"), { recursive: true });
  db = openDatabase(":memory:");
  await migrateToLatest(db);
  const unit = await db
    .insertInto("org_units")
    .values({ name: "校党委", kind: "committee", parent_id: null, path: "/1/", created_at: 1 })
    .returning("id")
    .executeTakeFirstOrThrow();
  userId = (
    await db
      .insertInto("users")
      .values({ username: "2023001", name: "张晓明", gender: "男", org_unit_id: unit.id, stage: "activist", password_hash: "x", created_at: 1, updated_at: 1 })
      .returning("id")
      .executeTakeFirstOrThrow()
  ).id;
});

describe("syncCourses", () => {
  it("imports the sample course", async () => {
    const result = await sync();
    expect(result).toEqual({
      ok: true,
      summary: { created: SAMPLE_ITEMS, updated: 0, unchanged: 0, archived: 0 },
      courses: [{ slug: "sample", status: "created" }],
      warnings: [],
    });
    const course = await db.selectFrom("courses").selectAll().executeTakeFirstOrThrow();
    expect(course).toMatchObject({ slug: "sample", source: "files", published: 1, archived: 0, hours: 8 });
    expect(JSON.parse(course.audience)).toEqual(["activist", "candidate"]);
    expect((await lessonRows()).map((l) => [l.key, l.position, l.hours, l.required])).toEqual([
      ["01-dang-de-xingzhi", 1, 2, 1],
      ["02-zhidao-sixiang", 2, 1.5, 1],
      ["03-jilv", 3, 2, 0],
    ]);
    const questions = await db.selectFrom("questions").selectAll().execute();
    expect(questions).toHaveLength(7);
    expect(questions.every((q) => q.version === 1 && q.archived === 0)).toBe(true);
    const media = await db.selectFrom("course_media").select(["path", "mime", "size"]).orderBy("path").execute();
    expect(media.map((m) => m.path)).toEqual(["media/cover.png", "media/figure.png", "media/lecture-01.mp4", "media/lecture-01.vtt"]);
    const exam = await db.selectFrom("exams").selectAll().executeTakeFirstOrThrow();
    expect(JSON.parse(exam.settings).draw).toHaveLength(5);
  });

  it("is idempotent: a second run changes nothing and writes nothing", async () => {
    await sync();
    const before = await dump();
    const changes = await totalChanges();
    const result = await sync();
    expect(result).toEqual({
      ok: true,
      summary: { created: 0, updated: 0, unchanged: SAMPLE_ITEMS, archived: 0 },
      courses: [{ slug: "sample", status: "unchanged" }],
      warnings: [],
    });
    expect(await totalChanges()).toBe(changes);
    expect(await dump()).toEqual(before);
  });

  it("updates only the edited lesson (and the course hash), keeping everyone's progress", async () => {
    await sync();
    await addProgress("01-dang-de-xingzhi", 120);
    await addProgress("02-zhidao-sixiang", 300);
    const before = await lessonRows();
    const progress = await progressRows();
    await db.updateTable("lessons").set({ updated_at: 1 }).execute(); // so that a rewrite would show
    edit("lessons/02-zhidao-sixiang.md", (t) => t.replace("作为自己的行动指南。", "作为自己的行动指南。（修订）"));
    const result = await sync();
    expect(result).toMatchObject({ ok: true, summary: { created: 0, updated: 2, unchanged: SAMPLE_ITEMS - 2, archived: 0 } });
    const after = await lessonRows();
    expect(after.map((l) => l.id)).toEqual(before.map((l) => l.id));
    expect(after.filter((l) => l.updated_at !== 1).map((l) => l.key)).toEqual(["02-zhidao-sixiang"]);
    expect(after[1].body_md).toContain("（修订）");
    expect(await progressRows()).toEqual(progress);
  });

  it("archives a removed lesson with its progress intact, and restores it when the file returns", async () => {
    await sync();
    await addProgress("03-jilv", 600);
    const progress = await progressRows();
    const saved = fs.readFileSync(file("lessons/03-jilv.md"));
    fs.rmSync(file("lessons/03-jilv.md"));
    edit("course.md", (t) => t.replace("hours: 8", "hours: 6")); // the elective's 学时 leave the declared total
    expect(await sync()).toMatchObject({ ok: true, summary: { created: 0, updated: 1, archived: 1 } });
    const archived = await db.selectFrom("lessons").selectAll().where("key", "=", "03-jilv").executeTakeFirstOrThrow();
    expect(archived.archived).toBe(1);
    expect(await progressRows()).toEqual(progress);

    fs.writeFileSync(file("lessons/03-jilv.md"), saved);
    edit("course.md", (t) => t.replace("hours: 6", "hours: 8"));
    expect(await sync()).toMatchObject({ ok: true, summary: { created: 0, updated: 2, archived: 0 } });
    expect((await db.selectFrom("lessons").select("archived").where("id", "=", archived.id).executeTakeFirstOrThrow()).archived).toBe(0);
  });

  it("treats a renamed lesson file as a new lesson and archives the old one", async () => {
    await sync();
    fs.renameSync(file("lessons/02-zhidao-sixiang.md"), file("lessons/02-zhidao-sixiang-xin.md"));
    expect(await sync()).toMatchObject({ ok: true, summary: { created: 1, updated: 1, archived: 1 } });
    const rows = await lessonRows();
    expect(rows.map((l) => [l.key, l.archived])).toEqual([
      ["01-dang-de-xingzhi", 0],
      ["02-zhidao-sixiang", 1],
      ["03-jilv", 0],
      ["02-zhidao-sixiang-xin", 0],
    ]);
  });

  it("keeps old question versions: an edited question gets version 2, a removed one is archived", async () => {
    await sync();
    edit("bank/jiben-zhishi.md", (t) =>
      t
        .replace("- [x] 全心全意为人民服务\n- [ ] 实现共产主义", "- [x] 全心全意为人民服务\n- [ ] 实现共产主义\n- [ ] 发展生产力")
        .replace(/## 判断 \[难\][\s\S]*?见党章第八条。\n/, ""),
    );
    // The exam still needs two 判断: lower its rule so the edit stays valid.
    edit("exams/jieye.md", (t) => t.replace("{ type: 判断, count: 2, score: 1 }", "{ type: 判断, count: 1, score: 1 }"));
    const result = await sync();
    expect(result).toMatchObject({ ok: true, summary: { created: 0, updated: 4, archived: 1 } }); // course, bank, exam, question
    const versions = await db
      .selectFrom("questions")
      .select(["key", "version", "archived", "options"])
      .where("key", "=", "q-zongzhi")
      .orderBy("version")
      .execute();
    expect(versions.map((v) => [v.version, v.archived, JSON.parse(v.options!).length])).toEqual([
      [1, 1, 2],
      [2, 0, 3],
    ]);
    const current = await db.selectFrom("questions").select("type").where("archived", "=", 0).execute();
    expect(current).toHaveLength(6);
  });

  it("writes nothing when any file has an error, even with valid edits elsewhere", async () => {
    await sync();
    await addProgress("01-dang-de-xingzhi", 60);
    const before = await dump();
    edit("lessons/01-dang-de-xingzhi.md", (t) => t.replace("先锋队。", "先锋队，修订。"));
    fs.writeFileSync(file("lessons/04-new.md"), "---\ntitle: 新课\nchapter: 第二章 党的纪律\nhours: 1\n---\n");
    edit("lessons/03-jilv.md", (t) => t.replace("hours: 2", "hours: 0"));
    const result = await sync();
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map(formatError)).toEqual(["courses/sample/lessons/03-jilv.md:4: 学时（hours）必须是大于 0 的数"]);
    expect(await dump()).toEqual(before);
  });

  it("refuses a course owned by the browser editor and writes nothing", async () => {
    await sync();
    await db.updateTable("courses").set({ source: "browser" }).execute();
    edit("course.md", (t) => t.replace("hours: 8", "hours: 7"));
    const before = await dump();
    const result = await sync();
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.map(formatError)).toEqual(["courses/sample/course.md:1: 课程 sample 已在浏览器中编辑（来源：在线编辑），文件同步不会覆盖它"]);
    }
    expect(await dump()).toEqual(before);
  });

  it("archives a file course whose folder is gone only with prune, and never when syncing one course", async () => {
    fs.cpSync(SAMPLE, path.join(root, "second"), { recursive: true });
    await sync();
    fs.rmSync(path.join(root, "second"), { recursive: true });
    expect(await sync({ only: "sample" })).toMatchObject({ ok: true, summary: { archived: 0 }, courses: [{ slug: "sample", status: "unchanged" }] });
    expect(await sync({ only: "sample", prune: true })).toMatchObject({
      ok: true,
      summary: { archived: 0 },
      courses: [{ slug: "sample", status: "unchanged" }],
    });
    // A plain sync names what it would archive and leaves it alone.
    const changes = await totalChanges();
    expect(await sync()).toMatchObject({
      ok: true,
      summary: { archived: 0, unchanged: SAMPLE_ITEMS },
      courses: [
        { slug: "sample", status: "unchanged" },
        { slug: "second", status: "gone" },
      ],
    });
    expect(await totalChanges()).toBe(changes);
    expect(await sync({ prune: true })).toMatchObject({
      ok: true,
      summary: { archived: 1, unchanged: SAMPLE_ITEMS },
      courses: [
        { slug: "sample", status: "unchanged" },
        { slug: "second", status: "archived" },
      ],
    });
    expect(await db.selectFrom("courses").select(["slug", "archived"]).orderBy("slug").execute()).toEqual([
      { slug: "sample", archived: 0 },
      { slug: "second", archived: 1 },
    ]);
  });

  it("changes only the roots it was given: syncing another folder, even with prune, leaves these courses alone", async () => {
    fs.cpSync(SAMPLE, path.join(root, "second"), { recursive: true });
    await sync();
    const other = fs.mkdtempSync(path.join(tmp, "other-"));
    fs.cpSync(SAMPLE, path.join(other, "third"), { recursive: true });
    for (const prune of [false, true]) {
      const result = await syncCourses(db, { root: other, label: "other", prune });
      expect(result).toMatchObject({ ok: true, summary: { archived: 0 } });
      expect(result.ok && result.courses.map((c) => c.status)).toEqual([prune ? "unchanged" : "created"]);
    }
    expect(await db.selectFrom("courses").select(["slug", "archived"]).orderBy("slug").execute()).toEqual([
      { slug: "sample", archived: 0 },
      { slug: "second", archived: 0 },
      { slug: "third", archived: 0 },
    ]);
    // Two roots synced together are one set; a course that moved to the other root is not gone.
    fs.renameSync(path.join(root, "second"), path.join(other, "second"));
    expect(await syncCourses(db, { root: [root, other], prune: true })).toMatchObject({ ok: true, summary: { archived: 0 } });
    expect(await syncCourses(db, { root: other, prune: true })).toMatchObject({ ok: true, summary: { archived: 0 } });
    expect((await db.selectFrom("courses").select("source_root").where("slug", "=", "second").executeTakeFirstOrThrow()).source_root).toBe(other);
  });

  it("warns about two files with one number and about an oversized lesson, and syncs", async () => {
    fs.writeFileSync(file("lessons/03-zuofeng.md"), `---\ntitle: 党的作风\nchapter: 第二章 党的纪律\nhours: 1\n---\n${"党".repeat(2 * 1024 * 1024)}\n`);
    const result = await sync();
    expect(result.ok).toBe(true);
    expect(result.ok && result.warnings.map(formatError)).toEqual([
      "courses/sample/lessons/03-zuofeng.md:1: 文件名的编号 03 与 lessons/03-jilv.md 相同：请改用不同的编号（或用 order: 指定顺序）",
      "courses/sample/lessons/03-zuofeng.md:6: 课时文件有 6.0 MB（超过 200 KB），学员在手机上打开会很慢：请拆成几个课时，或把大段内容做成附件",
    ]);
  });
});

describe("course reads", () => {
  const trainee = (stage: Viewer["stage"]): Viewer => ({ username: "2023001", stage, roles: ["trainee"] });
  const admin: Viewer = { username: "zzb001", stage: "full", roles: ["admin"] };
  const instructor: Viewer = { username: "js001", stage: "full", roles: ["instructor"] };
  const otherInstructor: Viewer = { username: "js002", stage: "full", roles: ["instructor"] };

  beforeEach(async () => {
    await sync();
  });

  it("lists the catalog by stage", async () => {
    const catalog = await listCatalogForStage(db, "activist");
    expect(catalog.map((c) => [c.slug, c.lessonCount, c.audience])).toEqual([["sample", 3, ["activist", "candidate"]]]);
    expect(await listCatalogForStage(db, "full")).toEqual([]);
    await db.updateTable("courses").set({ published: 0 }).execute();
    expect(await listCatalogForStage(db, "activist")).toEqual([]);
  });

  it("returns a course with chapters to its stage, admins and its instructors only", async () => {
    const course = await getCourseBySlug(db, "sample", trainee("activist"));
    expect(course?.chapters.map((c) => [c.title, c.lessons.map((l) => l.key)])).toEqual([
      ["第一章 党的基本理论", ["01-dang-de-xingzhi", "02-zhidao-sixiang"]],
      ["第二章 党的纪律", ["03-jilv"]],
    ]);
    expect(course?.assignments.map((a) => a.key)).toEqual(["01-sixiang-huibao"]);
    expect(course?.exams.map((e) => e.key)).toEqual(["jieye"]);
    expect(await getCourseBySlug(db, "sample", trainee("probationary"))).toBeUndefined();
    expect(await getCourseBySlug(db, "nope", admin)).toBeUndefined();

    await db.updateTable("courses").set({ published: 0 }).execute();
    expect(await getCourseBySlug(db, "sample", trainee("activist"))).toBeUndefined();
    expect(await getCourseBySlug(db, "sample", otherInstructor)).toBeUndefined();
    expect((await getCourseBySlug(db, "sample", instructor))?.published).toBe(false);
    expect((await getCourseBySlug(db, "sample", admin))?.slug).toBe("sample");
  });

  it("returns a lesson with its neighbours; an archived lesson only to those who see everything", async () => {
    const got = await getLesson(db, "sample", "02-zhidao-sixiang", trainee("candidate"));
    expect(got?.lesson.title).toBe("党的指导思想");
    expect(got?.prev).toEqual({ key: "01-dang-de-xingzhi", title: "党的性质和宗旨" });
    expect(got?.next).toEqual({ key: "03-jilv", title: "党的纪律" });
    expect(await getLesson(db, "sample", "02-zhidao-sixiang", trainee("full"))).toBeUndefined();

    fs.rmSync(file("lessons/03-jilv.md"));
    edit("course.md", (t) => t.replace("hours: 8", "hours: 6"));
    await sync();
    expect(await getLesson(db, "sample", "03-jilv", trainee("activist"))).toBeUndefined();
    expect((await getLesson(db, "sample", "03-jilv", admin))?.lesson.archived).toBe(true);
    expect((await getLesson(db, "sample", "02-zhidao-sixiang", trainee("activist")))?.next).toBeNull();
  });
});

describe("start-up sync after a detach", () => {
  it("leaves a browser-owned course alone with leaveOthers, while a plain sync still refuses it", async () => {
    const db = await createTestDb();
    expect((await syncCourses(db, { root: "tests/fixtures/courses" })).ok).toBe(true);
    await db.updateTable("courses").set({ source: "browser" }).where("slug", "=", "sample").execute();
    expect((await syncCourses(db, { root: "tests/fixtures/courses" })).ok).toBe(false);
    const lenient = await syncCourses(db, { root: "tests/fixtures/courses", leaveOthers: true });
    expect(lenient).toMatchObject({ ok: true, courses: [{ slug: "sample", status: "owned_elsewhere" }] });
    expect((await db.selectFrom("courses").select("archived").where("slug", "=", "sample").executeTakeFirstOrThrow()).archived).toBe(0);
  });
});

describe("npm run courses:sync", () => {
  const run = (dataDir: string, coursesDir: string, ...args: string[]) =>
    spawnSync(path.resolve("node_modules/.bin/tsx"), ["scripts/courses-sync.ts", ...args], {
      env: { ...process.env, DATA_DIR: dataDir, COURSES_DIR: coursesDir },
      encoding: "utf8",
    });
  const archivedIn = async (dataDir: string) => {
    const db = openDatabase(path.join(dataDir, "app.db"));
    try {
      return await db.selectFrom("courses").select(["slug", "archived"]).orderBy("slug").execute();
    } finally {
      await db.destroy();
    }
  };

  it("syncs another folder without archiving the configured courses, names what is gone, and archives it only with --prune", async () => {
    const dataDir = fs.mkdtempSync(path.join(tmp, "data-"));
    const other = fs.mkdtempSync(path.join(tmp, "other-"));
    fs.cpSync(SAMPLE, path.join(root, "second"), { recursive: true });
    fs.cpSync(SAMPLE, path.join(other, "third"), { recursive: true });
    expect(run(dataDir, root).status).toBe(0);

    const another = run(dataDir, root, other);
    expect(another.status).toBe(0);
    expect(another.stdout).toContain("third：新建");
    expect(another.stdout + another.stderr).not.toMatch(/归档（|未归档/);
    expect(await archivedIn(dataDir)).toEqual([
      { slug: "sample", archived: 0 },
      { slug: "second", archived: 0 },
      { slug: "third", archived: 0 },
    ]);

    fs.rmSync(path.join(root, "second"), { recursive: true });
    const plain = run(dataDir, root);
    expect(plain.status).toBe(0);
    expect(plain.stdout).toContain("second：文件夹已不在，未归档");
    expect(plain.stderr).toContain("未归档：second。确认要归档时加 --prune 再同步一次");
    expect((await archivedIn(dataDir)).find((c) => c.slug === "second")?.archived).toBe(0);

    const pruned = run(dataDir, root, "--prune");
    expect(pruned.status).toBe(0);
    expect(pruned.stdout).toContain("学员不再看到，学习记录保留）：second");
    expect(await archivedIn(dataDir)).toEqual([
      { slug: "sample", archived: 0 },
      { slug: "second", archived: 1 },
      { slug: "third", archived: 0 },
    ]);
  }, 60_000);
});
