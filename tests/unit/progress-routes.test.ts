// Progress views and beats through the real loaders/actions: scope and authorization.
import { beforeEach, describe, expect, it } from "vitest";
import * as beatRoute from "../../app/routes/api.lessons.$lessonId.beat.tsx";
import * as coursePage from "../../app/routes/courses.$slug._index.tsx";
import * as lessonPage from "../../app/routes/courses.$slug.lessons.$key.tsx";
import * as media from "../../app/routes/media.courses.$slug.$.tsx";
import * as courseProgress from "../../app/routes/progress.$slug.tsx";
import * as overview from "../../app/routes/progress._index.tsx";
import { syncCourses } from "../../app/models/courses.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, testContext } from "../setup/db.ts";

let db: DB;
let ctx: ReturnType<typeof testContext>;
let users: Record<string, Awaited<ReturnType<typeof createTestUser>>>;
const SLUG = "test-progress";

beforeEach(async () => {
  db = await createTestDb();
  ctx = testContext(db);
  const t = await createTestTree(db);
  users = {
    traineeA: await createTestUser(db, { orgUnitId: t.branchA, name: "甲学员", stage: "activist" }),
    traineeB: await createTestUser(db, { orgUnitId: t.branchB, name: "乙学员", stage: "activist" }),
    candidate: await createTestUser(db, { orgUnitId: t.branchA, name: "发展对象", stage: "candidate" }),
    secretaryA: await createTestUser(db, { orgUnitId: t.subA, roles: ["secretary"], stage: "full" }),
    instructor: await createTestUser(db, { orgUnitId: t.branchA, roles: ["instructor"], stage: "full", username: "js001" }),
    otherInstructor: await createTestUser(db, { orgUnitId: t.branchA, roles: ["instructor"], stage: "full" }),
  };
  const r = await syncCourses(db, { root: "tests/fixtures/e2e-courses", storage: ctx.storage });
  expect(r.ok).toBe(true);
});

const call = <T>(
  fn: (a: any) => T,
  path: string,
  who: keyof typeof users | null,
  params: Record<string, string>,
  init: { method?: string; form?: Record<string, string | string[]> } = {},
) => outcome(fn({ request: makeRequest(path, { cookie: who ? users[who]!.cookie : undefined, ...init }), context: ctx, params }));

describe("reading a course", () => {
  it("a trainee of another stage gets 403 with the reason in words", async () => {
    const r = await call(coursePage.loader, `/courses/${SLUG}`, "candidate", { slug: SLUG });
    expect(r.status).toBe(403);
    expect(r.data).toContain("面向入党积极分子");
    const l = await call(lessonPage.loader, `/courses/${SLUG}/lessons/02-reading`, "candidate", { slug: SLUG, key: "02-reading" });
    expect(l.status).toBe(403);
  });

  it("an unpublished course is 404 for trainees but visible to its instructor", async () => {
    await db.updateTable("courses").set({ published: 0 }).execute();
    expect((await call(coursePage.loader, `/courses/${SLUG}`, "traineeA", { slug: SLUG })).status).toBe(404);
    expect((await call(coursePage.loader, `/courses/${SLUG}`, "instructor", { slug: SLUG })).status).toBe(200);
  });

  it("renders the lesson page with sanitized HTML and the media URL of the course", async () => {
    const r = await call(lessonPage.loader, `/courses/${SLUG}/lessons/01-video`, "traineeA", { slug: SLUG, key: "01-video" });
    expect(r.data.lesson.video).toBe(`/media/courses/${SLUG}/clip.mp4`);
    expect(r.data.lesson.html).toContain("<p>");
  });
});

describe("course media", () => {
  it("is served to a trainee who may see the course, with Range support", async () => {
    const res = await media.loader({
      request: makeRequest(`/media/courses/${SLUG}/clip.mp4`, { cookie: users.traineeA!.cookie }),
      context: ctx,
      params: { slug: SLUG, "*": "clip.mp4" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Accept-Ranges")).toBe("bytes");
  });

  it("is 404 with no bytes for a trainee who may not, and redirects the anonymous", async () => {
    const r = await call(media.loader, `/media/courses/${SLUG}/clip.mp4`, "candidate", { slug: SLUG, "*": "clip.mp4" });
    expect(r.status).toBe(404);
    expect(r.data).not.toContain("ftyp");
    const anon = await call(media.loader, `/media/courses/${SLUG}/clip.mp4`, null, { slug: SLUG, "*": "clip.mp4" });
    expect(anon.status).toBe(302);
  });

  it("does not serve files outside the course's media list", async () => {
    for (const p of ["../course.md", "..%2Fcourse.md", "nope.png"]) {
      expect((await call(media.loader, `/media/courses/${SLUG}/${p}`, "traineeA", { slug: SLUG, "*": p })).status).toBe(404);
    }
  });
});

describe("heartbeat endpoint", () => {
  const lessonId = async (key: string) => (await db.selectFrom("lessons").select("id").where("key", "=", key).executeTakeFirstOrThrow()).id;
  const beat = async (who: keyof typeof users, id: number, body: unknown) => {
    const req = new Request(`http://localhost/api/lessons/${id}/beat`, {
      method: "POST",
      headers: { Cookie: users[who]!.cookie, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    return beatRoute.action({ request: req, context: ctx, params: { lessonId: String(id) } } as never);
  };

  it("accepts a well-formed beat and refuses a foreign lesson with 404", async () => {
    const id = await lessonId("02-reading");
    const ok = await beat("traineeA", id, { tabId: "tab-aaaaaaaa", segments: [], position: 0, visible: true });
    expect(ok.status).toBe(200);
    const foreign = await beat("candidate", id, { tabId: "tab-bbbbbbbb", segments: [], position: 0, visible: true });
    expect(foreign.status).toBe(404);
  });

  it("answers malformed input with 400 and a Chinese message", async () => {
    const id = await lessonId("01-video");
    for (const body of [
      null,
      {},
      { tabId: "x", segments: "all", position: -1, visible: "yes" },
      { tabId: "tab-aaaaaaaa", segments: [[0, "Infinity"]], position: 0, visible: true },
    ]) {
      const res = await beat("traineeA", id, body);
      expect(res.status).toBe(400);
      expect((await res.json()).message).toBe("进度数据格式不正确");
    }
  });
});

describe("progress views", () => {
  it("a trainee sees their own overview and cannot open the staff roster", async () => {
    const r = await call(overview.loader, "/progress", "traineeA", {});
    expect(r.data.mine.courses.map((c: { slug: string }) => c.slug)).toContain(SLUG);
    expect(r.data.staff).toBeNull();
    expect((await call(courseProgress.loader, `/progress/${SLUG}`, "traineeA", { slug: SLUG })).status).toBe(403);
  });

  it("the course's instructor sees every trainee of the audience; a secretary only their subtree", async () => {
    const all = await call(courseProgress.loader, `/progress/${SLUG}`, "instructor", { slug: SLUG });
    expect(all.data.rows.map((r: { name: string }) => r.name).sort()).toEqual(["乙学员", "甲学员"]);
    const mine = await call(courseProgress.loader, `/progress/${SLUG}`, "secretaryA", { slug: SLUG });
    expect(mine.data.rows.map((r: { name: string }) => r.name)).toEqual(["甲学员"]);
    expect((await call(courseProgress.loader, `/progress/${SLUG}`, "otherInstructor", { slug: SLUG })).status).toBe(403);
  });

  it("offline hours: credited within scope, refused outside it, shown in the trainee's 学时", async () => {
    const form = (ids: number[]) => ({
      intent: "credit",
      userIds: ids.map(String),
      kind: "分组研讨",
      hours: "1.5",
      activityDate: "2026-11-20",
      reason: "党章专题研讨",
    });
    const refused = await call(courseProgress.action, `/progress/${SLUG}`, "secretaryA", { slug: SLUG }, { form: form([users.traineeB!.id]) });
    expect(refused.status).toBe(403);
    const ok = await call(courseProgress.action, `/progress/${SLUG}`, "secretaryA", { slug: SLUG }, { form: form([users.traineeA!.id]) });
    expect(ok.data).toMatchObject({ ok: true });
    const page = await call(coursePage.loader, `/courses/${SLUG}`, "traineeA", { slug: SLUG });
    expect(page.data.summary.hoursEarned).toBe(1.5);
    expect(page.data.offline[0]).toMatchObject({ kind: "分组研讨", hours: 1.5 });
    const bad = await call(courseProgress.action, `/progress/${SLUG}`, "secretaryA", { slug: SLUG }, { form: { ...form([users.traineeA!.id]), hours: "0.3" } });
    expect(bad).toMatchObject({ status: 400, data: { message: "学时以 0.5 为单位" } });
  });
});
