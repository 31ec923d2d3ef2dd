// 答疑 through the real loaders and actions: asking (with an image checked by content), the instructor's
// queue across their courses, answering (public or not), hiding (audited), the waiting-time limit and
// the median answer time per course, and who sees what.
import { beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import { action as askAction, loader as askLoader } from "../../app/routes/courses.$slug.questions.tsx";
import { action as queueAction, loader as queueLoader } from "../../app/routes/teach.questions.tsx";
import { loader as imageLoader } from "../../app/routes/questions.$id.image.tsx";
import { listInbox } from "../../app/models/notifications.server.ts";
import { questionQueue, questionStats, setAnswerLimitHours } from "../../app/models/questions.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, testContext } from "../setup/db.ts";

let db: DB;
let asker: Awaited<ReturnType<typeof createTestUser>>;
let classmate: Awaited<ReturnType<typeof createTestUser>>;
let outsider: Awaited<ReturnType<typeof createTestUser>>;
let teacher: Awaited<ReturnType<typeof createTestUser>>;
let otherTeacher: Awaited<ReturnType<typeof createTestUser>>;
const SLUG = "qa-course";
const PNG = fs.readFileSync("courses/jijifenzi-peixun/media/cover.png");

beforeAll(async () => {
  db = await createTestDb();
  const tree = await createTestTree(db);
  asker = await createTestUser(db, { orgUnitId: tree.branchA, name: "提问学员甲" });
  classmate = await createTestUser(db, { orgUnitId: tree.branchB, name: "同班学员乙" });
  outsider = await createTestUser(db, { orgUnitId: tree.branchB, stage: "probationary", name: "预备党员丙" });
  teacher = await createTestUser(db, { orgUnitId: tree.branchA, roles: ["instructor"], stage: "full" });
  otherTeacher = await createTestUser(db, { orgUnitId: tree.branchA, roles: ["instructor"], stage: "full" });
  const { id } = await db
    .insertInto("courses")
    .values({
      slug: SLUG,
      title: "答疑测试课",
      summary: "s",
      audience: '["activist"]',
      hours: 1,
      instructors: JSON.stringify([teacher.username]),
      cover: null,
      published: 1,
      progress: "{}",
      intro_md: "",
      content_hash: "h",
      created_at: 1,
      updated_at: 1,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("lessons")
    .values({
      course_id: id,
      key: "01-xingzhi",
      position: 1,
      chapter: "第一章",
      title: "党的性质",
      hours: 1,
      video: null,
      captions: null,
      complete_read_minutes: 1,
      complete_watch_percent: 90,
      video_duration: null,
      body_md: "正文",
      content_hash: "h",
      created_at: 1,
      updated_at: 1,
    })
    .execute();
});

const args = (url: string, cookie: string, init: { form?: Record<string, string>; body?: FormData } = {}, params: Record<string, string> = { slug: SLUG }) => {
  const request = init.body
    ? new Request(`http://localhost${url}`, { method: "POST", headers: { Origin: "http://localhost", Cookie: cookie }, body: init.body })
    : makeRequest(url, { cookie, form: init.form });
  return { request, context: testContext(db), params };
};

function askForm(body: string, file?: { bytes: Uint8Array; name: string }, lesson = "") {
  const fd = new FormData();
  fd.append("lesson", lesson);
  fd.append("body", body);
  fd.append("image", file ? new Blob([new Uint8Array(file.bytes)]) : new Blob([]), file?.name ?? "");
  return fd;
}

describe("答疑", () => {
  let qid: number;

  it("a trainee asks about a lesson with an image; an HTML page named .png is refused and nothing is stored", async () => {
    const fake = await outcome(
      askAction(
        args(`/courses/${SLUG}/questions`, asker.cookie, {
          body: askForm("伪装的图片", { bytes: new TextEncoder().encode("<html><script>alert(1)</script></html>"), name: "x.png" }),
        }),
      ),
    );
    expect(fake.status).toBe(400);
    expect(fake.data.message).toContain("类型不在允许范围内");
    expect(await db.selectFrom("course_questions").selectAll().execute()).toHaveLength(0);

    const res = await outcome(
      askAction(
        args(`/courses/${SLUG}/questions`, asker.cookie, {
          body: askForm("什么是**先锋队**？<script>alert(1)</script>", { bytes: PNG, name: "图.png" }, "01-xingzhi"),
        }),
      ),
    );
    expect(res.status).toBe(302);
    const row = await db.selectFrom("course_questions").selectAll().executeTakeFirstOrThrow();
    qid = row.id;
    expect(res.location).toBe(`/courses/${SLUG}/questions?asked=1#q${qid}`);
    expect(row.image_type).toBe("png");
    expect(row.lesson_id).not.toBeNull();

    const mine = await outcome(askLoader(args(`/courses/${SLUG}/questions`, asker.cookie)));
    expect(mine.data.questions).toHaveLength(1);
    expect(mine.data.questions[0].bodyHtml).toContain("<strong>先锋队</strong>");
    expect(mine.data.questions[0].bodyHtml).not.toContain("<script");
    expect((await outcome(imageLoader(args(`/questions/${qid}/image`, asker.cookie, {}, { id: String(qid) })))).status).toBe(200);
  });

  it("a blank question is refused in Chinese; a trainee of another stage cannot see or ask", async () => {
    const blank = await outcome(askAction(args(`/courses/${SLUG}/questions`, asker.cookie, { form: { body: "   " } })));
    expect(blank.status).toBe(400);
    expect(blank.data.message).toBe("请填写问题");
    expect((await outcome(askLoader(args(`/courses/${SLUG}/questions`, outsider.cookie)))).status).toBeGreaterThanOrEqual(403);
    expect((await outcome(askAction(args(`/courses/${SLUG}/questions`, outsider.cookie, { form: { body: "偷偷提问" } })))).status).toBeGreaterThanOrEqual(403);
    expect(await db.selectFrom("course_questions").selectAll().execute()).toHaveLength(1);
  });

  it("before the answer, a classmate sees nothing of it, not even the image", async () => {
    const theirs = await outcome(askLoader(args(`/courses/${SLUG}/questions`, classmate.cookie)));
    expect(theirs.data.questions).toHaveLength(0);
    expect((await outcome(imageLoader(args(`/questions/${qid}/image`, classmate.cookie, {}, { id: String(qid) })))).status).toBe(404);
  });

  it("the course's instructor sees it in the queue with the asker's name; another instructor and trainees do not", async () => {
    const queue = await outcome(queueLoader(args("/teach/questions", teacher.cookie)));
    expect(queue.data.waiting.map((q: { id: number }) => q.id)).toEqual([qid]);
    expect(queue.data.waiting[0].asker).toContain("提问学员甲");
    expect(queue.data.waiting[0].overdue).toBe(false);
    const other = await outcome(queueLoader(args("/teach/questions", otherTeacher.cookie)));
    expect(other.data.waiting).toHaveLength(0);
    expect((await outcome(queueLoader(args("/teach/questions", asker.cookie)))).status).toBe(403);
    const refused = await outcome(
      queueAction(args("/teach/questions", otherTeacher.cookie, { form: { intent: "answer", id: String(qid), answer: "不是我的课" } })),
    );
    expect(refused.status).toBe(404);
  });

  it("past the limit the question is flagged, and the limit is the 组织部's setting", async () => {
    const later = (await db.selectFrom("course_questions").select("created_at").where("id", "=", qid).executeTakeFirstOrThrow()).created_at + 49 * 3600;
    const viewer = { username: teacher.username, stage: "full" as const, roles: ["instructor" as const] };
    expect((await questionQueue(db, viewer, {}, later)).waiting[0]!.overdue).toBe(true);
    const admin = await db.selectFrom("users").select("id").where("username", "=", teacher.username).executeTakeFirstOrThrow();
    await setAnswerLimitHours(db, 72, { actorId: admin.id });
    expect((await questionQueue(db, viewer, {}, later)).waiting[0]!.overdue).toBe(false);
    expect((await questionStats(db, later + 24 * 3600)).overdue).toBe(1);
    await setAnswerLimitHours(db, 48, { actorId: admin.id });
  });

  it("answering publicly notifies the asker; the classmate sees question and answer without the asker's name", async () => {
    const res = await outcome(
      queueAction(
        args("/teach/questions", teacher.cookie, { form: { intent: "answer", id: String(qid), answer: "先锋队即**工人阶级的先锋队**。", public: "1" } }),
      ),
    );
    expect(res.status).toBe(200);
    const inbox = await listInbox(db, asker.id);
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({ kind: "question_answered", link: `/courses/${SLUG}/questions#q${qid}` });
    // Editing the answer does not notify twice.
    await outcome(queueAction(args("/teach/questions", teacher.cookie, { form: { intent: "answer", id: String(qid), answer: "修改后的回复", public: "1" } })));
    expect(await listInbox(db, asker.id)).toHaveLength(1);

    const theirs = await outcome(askLoader(args(`/courses/${SLUG}/questions`, classmate.cookie)));
    expect(theirs.data.questions).toHaveLength(1);
    expect(theirs.data.questions[0].mine).toBe(false);
    expect(JSON.stringify(theirs.data)).not.toContain("提问学员甲");
    expect(JSON.stringify(theirs.data)).not.toContain(asker.username);
    expect((await outcome(imageLoader(args(`/questions/${qid}/image`, classmate.cookie, {}, { id: String(qid) })))).status).toBe(200);
    const stats = await questionStats(db);
    expect(stats.courses[0]).toMatchObject({ slug: SLUG, answered: 1, waiting: 0 });
    expect(stats.courses[0]!.medianSeconds).toBeGreaterThanOrEqual(0);
  });

  it("hiding is audited and removes the question from trainees' views", async () => {
    const res = await outcome(queueAction(args("/teach/questions", teacher.cookie, { form: { intent: "hide", id: String(qid) } })));
    expect(res.status).toBe(200);
    const entry = await db.selectFrom("audit_log").selectAll().where("action", "=", "question.hide").executeTakeFirstOrThrow();
    expect(entry.target_id).toBe(String(qid));
    expect((await outcome(askLoader(args(`/courses/${SLUG}/questions`, classmate.cookie)))).data.questions).toHaveLength(0);
    expect((await outcome(askLoader(args(`/courses/${SLUG}/questions`, asker.cookie)))).data.questions).toHaveLength(0);
  });
});

describe("median answer time", () => {
  it("is the middle of the answered questions' times per course", async () => {
    const course = await db.selectFrom("courses").select("id").where("slug", "=", SLUG).executeTakeFirstOrThrow();
    for (const minutes of [10, 30, 600]) {
      await db
        .insertInto("course_questions")
        .values({
          course_id: course.id,
          lesson_id: null,
          user_id: asker.id,
          body_md: "q",
          image_sha256: null,
          image_type: null,
          created_at: 1000,
          answer_md: "a",
          answered_by: teacher.id,
          answered_at: 1000 + minutes * 60,
        })
        .execute();
    }
    const stats = await questionStats(db);
    // The hidden question no longer counts; three answered: 10, 30, 600 minutes.
    expect(stats.courses.find((c) => c.slug === SLUG)!.medianSeconds).toBe(30 * 60);
  });
});
