// @vitest-environment jsdom
// The whole-course preview (/teach/:slug/trainee-preview/…): real loaders on a migrated in-memory database,
// the draft in a temporary DATA_DIR. It shows the unpublished draft with the trainee's renderer, only to the
// course's editors (everyone else 404), and records nothing.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRemixStub } from "@remix-run/testing";
import { render, screen } from "@testing-library/react";
import { afterAll, beforeEach, describe, expect, it } from "vitest";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "course-preview-"));
process.env.DATA_DIR = path.join(tmp, "data");
process.env.COURSES_DIR = path.join(tmp, "courses");
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

import * as overview from "../../app/routes/teach.$slug._index.tsx";
import * as edit from "../../app/routes/teach.$slug.edit.$.tsx";
import CoursePreview, * as coursePage from "../../app/routes/teach.$slug.trainee-preview._index.tsx";
import LessonPreview, * as lessonPage from "../../app/routes/teach.$slug.trainee-preview.lessons.$key.tsx";
import AssignmentPreview, * as assignmentPage from "../../app/routes/teach.$slug.trainee-preview.assignments.$key.tsx";
import ExamPreview, * as examPage from "../../app/routes/teach.$slug.trainee-preview.exams.$key.tsx";
import * as traineeLesson from "../../app/routes/courses.$slug.lessons.$key.tsx";
import { syncCourses } from "../../app/models/courses.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, testContext } from "../setup/db.ts";

const SAMPLE = path.resolve("tests/fixtures/courses/sample");
const LESSON = "01-dang-de-xingzhi";
const TEXT_LESSON = "02-zhidao-sixiang";

type User = Awaited<ReturnType<typeof createTestUser>>;
let db: DB;
let admin: User;
let teacher: User; // js001, named in the sample course
let otherTeacher: User;
let trainee: User; // 入党积极分子: the sample course is for them

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
  expect((await syncCourses(db, { root: process.env.COURSES_DIR!, label: "courses", storage: testContext(db).storage })).ok).toBe(true);
});

type Init = Parameters<typeof makeRequest>[1];
const args = (url: string, init: Init = {}, params: Record<string, string> = {}) => ({ request: makeRequest(url, init), context: testContext(db), params });
const base = "/teach/sample/trainee-preview";
const pages = (cookie: string) => ({
  course: () => coursePage.loader(args(base, { cookie }, { slug: "sample" })),
  lesson: () => lessonPage.loader(args(`${base}/lessons/${LESSON}`, { cookie }, { slug: "sample", key: LESSON })),
  assignment: () => assignmentPage.loader(args(`${base}/assignments/01-sixiang-huibao`, { cookie }, { slug: "sample", key: "01-sixiang-huibao" })),
  exam: () => examPage.loader(args(`${base}/exams/jieye`, { cookie }, { slug: "sample", key: "jieye" })),
});

/** 转为在线编辑 (the sample becomes a browser course with a draft), then the lesson edited and saved, not published. */
async function editWithoutPublishing(body: string) {
  const detached = await outcome(overview.action(args("/teach/sample", { cookie: teacher.cookie, form: { intent: "detach" } }, { slug: "sample" })));
  expect(detached.status).toBe(200);
  const rel = `lessons/${LESSON}.md`;
  const editArgs = (form?: Record<string, string>) => args(`/teach/sample/edit/${rel}`, { cookie: teacher.cookie, form }, { slug: "sample", "*": rel });
  const loaded = await outcome(edit.loader(editArgs()));
  const text = (loaded.data.text as string).replace("中国共产党是中国工人阶级的先锋队。", body);
  const saved = await outcome(edit.action(editArgs({ intent: "save", text, version: loaded.data.version })));
  expect([saved.status, saved.data.errors]).toEqual([200, []]);
}

/** Rows of everything a trainee's visit can record. */
async function recorded() {
  const count = async (
    table: "lesson_progress" | "learning_presence" | "exam_attempts" | "attempt_answers" | "submissions" | "submission_versions" | "course_questions",
  ) =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    lesson_progress: await count("lesson_progress"),
    learning_presence: await count("learning_presence"),
    exam_attempts: await count("exam_attempts"),
    attempt_answers: await count("attempt_answers"),
    submissions: await count("submissions"),
    submission_versions: await count("submission_versions"),
    course_questions: await count("course_questions"),
  };
}

describe("whole-course preview", () => {
  it("shows the unsaved-to-trainees draft, sanitized and with the draft's media, while trainees keep the published lesson", async () => {
    await editWithoutPublishing("草稿中的新段落：坚持党的全面领导。<script>alert(1)</script>[链接](javascript:alert(1))\n\n![图](../media/figure.png)");

    const lesson = await outcome(pages(teacher.cookie).lesson());
    expect(lesson.status).toBe(200);
    expect(lesson.data.lesson.html).toContain("草稿中的新段落：坚持党的全面领导。");
    expect(lesson.data.lesson.html).not.toMatch(/<script|javascript:/);
    expect(lesson.data.lesson.html).toContain('src="/teach/sample/preview?file=/figure.png"');
    expect(lesson.data.lesson.video).toBe("/teach/sample/preview?file=/lecture-01.mp4");
    expect(lesson.data.lesson.captions).toBe("/teach/sample/preview?file=/lecture-01.vtt");
    expect(lesson.data.next).toEqual({ key: TEXT_LESSON, title: "党的指导思想" });

    // The trainee's lesson page still shows what was published.
    const published = await outcome(
      traineeLesson.loader(args(`/courses/sample/lessons/${LESSON}`, { cookie: trainee.cookie }, { slug: "sample", key: LESSON })),
    );
    expect(published.status).toBe(200);
    expect(published.data.lesson.html).toContain("中国共产党是中国工人阶级的先锋队。");
    expect(published.data.lesson.html).not.toContain("草稿中的新段落");

    const course = await outcome(pages(teacher.cookie).course());
    expect(course.status).toBe(200);
    expect(course.data.chapters.flatMap((c: { lessons: { key: string }[] }) => c.lessons.map((l) => l.key))).toEqual([LESSON, TEXT_LESSON, "03-jilv"]);
    expect(course.data.summary).toMatchObject({ lessonsDone: 0, lessonsTotal: 3, hoursEarned: 0 });
    expect(course.data.errors).toBe(0);
  });

  it("is for the course's instructors and admins: trainees and other instructors get 404, the signed-out the sign-in page", async () => {
    for (const who of [teacher, admin]) {
      for (const [name, load] of Object.entries(pages(who.cookie))) expect((await outcome(load())).status, `${who.username} ${name}`).toBe(200);
    }
    for (const who of [trainee, otherTeacher]) {
      for (const [name, load] of Object.entries(pages(who.cookie))) expect((await outcome(load())).status, `${who.username} ${name}`).toBe(404);
    }
    for (const load of Object.values(pages(""))) {
      const r = await outcome(load());
      expect([r.status, r.location?.startsWith("/login")]).toEqual([302, true]);
    }
    const missing = await outcome(lessonPage.loader(args(`${base}/lessons/no-such`, { cookie: teacher.cookie }, { slug: "sample", key: "no-such" })));
    expect(missing.status).toBe(404);
  });

  it("records nothing: no progress, presence, attempt, submission or question rows, and its pages have no form", async () => {
    await editWithoutPublishing("草稿段落。");
    const before = await recorded();
    expect(before.lesson_progress).toBe(0);
    const loaded: Record<string, object> = {};
    for (const [name, load] of Object.entries(pages(teacher.cookie))) loaded[name] = await load();
    loaded.textLesson = await lessonPage.loader(args(`${base}/lessons/${TEXT_LESSON}`, { cookie: teacher.cookie }, { slug: "sample", key: TEXT_LESSON }));
    expect(await recorded()).toEqual(before);

    const screens = [
      { path: base, Component: CoursePreview, data: loaded.course, text: "入党积极分子培训（样例）" },
      { path: `${base}/lessons/${TEXT_LESSON}`, Component: LessonPreview, data: loaded.textLesson, text: "党的指导思想" },
      { path: `${base}/assignments/01-sixiang-huibao`, Component: AssignmentPreview, data: loaded.assignment, text: "第一次思想汇报" },
      { path: `${base}/exams/jieye`, Component: ExamPreview, data: loaded.exam, text: "结业考试" },
    ];
    for (const s of screens) {
      const Stub = createRemixStub([{ path: s.path, Component: s.Component, loader: () => s.data }]);
      const { container, unmount } = render(<Stub initialEntries={[s.path]} />);
      expect(await screen.findByRole("heading", { level: 1, name: s.text })).toBeInTheDocument();
      expect(screen.getByText(/预览 — 学员尚看不到此版本/)).toBeInTheDocument();
      expect(container.querySelectorAll("form, textarea, input, button:not([disabled])"), s.path).toHaveLength(0);
      unmount();
    }
  });
});
