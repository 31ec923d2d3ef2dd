// The hot writes (heartbeat, presence, answer autosave) served before Remix answer exactly as their Remix
// routes do: the same sequence of requests goes to the route's action on one database and through
// server.ts's lean path (mountEndpoints over real HTTP) on an identical one.
import express from "express";
import { sql } from "kysely";
import fs from "node:fs";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, onTestFinished, vi } from "vitest";
import * as beatRoute from "../../app/routes/api.lessons.$lessonId.beat.tsx";
import * as presenceRoute from "../../app/routes/api.lessons.$lessonId.presence.tsx";
import * as answersRoute from "../../app/routes/exam-attempts.$id.answers.tsx";
import { HOT_WRITES } from "../../app/endpoints/hot-writes.server.ts";
import { syncCourses } from "../../app/models/courses.server.ts";
import { startExamAttempt } from "../../app/models/exams/windows.server.ts";
import { openConfiguredDatabase, type DB } from "../../app/utils/db.server.ts";
import { mountEndpoints, routePath } from "../../app/utils/endpoint.server.ts";
import { loadEnv } from "../../app/utils/env.server.ts";
import { SESSION_COOKIE } from "../../app/utils/session.server.ts";
import { createTestDb, createTestTree, createTestUser, testContext } from "../setup/db.ts";

const ROUTES = {
  "routes/api.lessons.$lessonId.beat": beatRoute,
  "routes/api.lessons.$lessonId.presence": presenceRoute,
  "routes/exam-attempts.$id.answers": answersRoute,
};

/** One database with a trainee, a lesson they may read, one they may not, and an exam attempt in progress. */
async function world() {
  const db = await createTestDb();
  const tree = await createTestTree(db);
  const trainee = await createTestUser(db, { orgUnitId: tree.branchA, stage: "activist" });
  const other = await createTestUser(db, { orgUnitId: tree.branchA, stage: "activist" });
  const changer = await createTestUser(db, { orgUnitId: tree.branchA, stage: "activist" });
  await db.updateTable("users").set({ must_change_password: 1 }).where("id", "=", changer.id).execute();
  const ctx = testContext(db);
  expect((await syncCourses(db, { root: "tests/fixtures/e2e-courses", storage: ctx.storage, leaveOthers: true })).ok).toBe(true);
  expect((await syncCourses(db, { root: "tests/fixtures/exam-courses", leaveOthers: true })).ok).toBe(true);
  const lesson = (await db.selectFrom("lessons").select("id").where("key", "=", "02-reading").executeTakeFirstOrThrow()).id;
  const exam = (await db.selectFrom("exams").select("id").where("key", "=", "main").executeTakeFirstOrThrow()).id;
  const attempt = (await startExamAttempt(db, { examId: exam, userId: trainee.id })).attemptId;
  const judge = await db
    .selectFrom("attempt_questions as aq")
    .innerJoin("questions as q", "q.id", "aq.question_id")
    .select("aq.question_id")
    .where("aq.attempt_id", "=", attempt)
    .where("q.type", "=", "判断")
    .executeTakeFirstOrThrow();
  return { db, ctx, cookies: { trainee: trainee.cookie, other: other.cookie, changer: changer.cookie }, lesson, attempt, question: judge.question_id };
}
type World = Awaited<ReturnType<typeof world>>;

type Case = {
  route: keyof typeof ROUTES;
  path: (w: World) => string;
  params: (w: World) => Record<string, string>;
  who?: keyof World["cookies"];
  body: (w: World) => string;
  method?: string;
};
const beat = (extra: Record<string, unknown> = {}) => JSON.stringify({ tabId: "hot-writes-tab-1", segments: [[0, 5]], position: 5, visible: true, ...extra });
const onLesson = (route: Case["route"], leaf: string, body: Case["body"], who: Case["who"] = "trainee", id?: string): Case => ({
  route,
  path: (w) => `/api/lessons/${id ?? w.lesson}/${leaf}`,
  params: (w) => ({ lessonId: id ?? String(w.lesson) }),
  who,
  body,
});
const onAttempt = (body: Case["body"], who: Case["who"] = "trainee", id?: string): Case => ({
  route: "routes/exam-attempts.$id.answers",
  path: (w) => `/exam-attempts/${id ?? w.attempt}/answers`,
  params: (w) => ({ id: id ?? String(w.attempt) }),
  who,
  body,
});
const B = "routes/api.lessons.$lessonId.beat" as const;
const P = "routes/api.lessons.$lessonId.presence" as const;

const CASES: [string, Case][] = [
  ["signed out", { ...onLesson(B, "beat", () => beat()), who: undefined }],
  ["must change the password", onLesson(B, "beat", () => beat(), "changer")],
  ["a first beat", onLesson(B, "beat", () => beat())],
  ["the same beat again", onLesson(B, "beat", () => beat())],
  ["PUT is an action too", { ...onLesson(B, "beat", () => beat()), method: "PUT" }],
  ["another tab while the first holds the presence", onLesson(B, "beat", () => beat({ tabId: "hot-writes-tab-2" }))],
  ["taking over", onLesson(B, "beat", () => beat({ tabId: "hot-writes-tab-2", takeover: true }))],
  ["not JSON", onLesson(B, "beat", () => "{nope")],
  ["JSON after a byte-order mark", onLesson(B, "beat", () => `\uFEFF${beat({ tabId: "hot-writes-tab-2" })}`)],
  ["a position out of range", onLesson(B, "beat", () => beat({ position: -1 }))],
  ["an id that is no id", onLesson(B, "beat", () => beat(), "trainee", "abc")],
  ["a lesson of no visible course", onLesson(B, "beat", () => beat(), "trainee", "999999")],
  ["a release", onLesson(B, "beat", () => beat({ tabId: "hot-writes-tab-2", release: true }))],
  ["presence signed out", { ...onLesson(P, "presence", () => "{}"), who: undefined }],
  ["presence", onLesson(P, "presence", () => "{}")],
  ["presence with an id that is no id (a thrown 404)", onLesson(P, "presence", () => "{}", "trainee", "x")],
  ["answers signed out", { ...onAttempt((w) => JSON.stringify({ questionId: w.question, seq: 1, answer: { judge: true } })), who: undefined }],
  ["an answer", onAttempt((w) => JSON.stringify({ questionId: w.question, seq: 2, answer: { judge: true } }))],
  ["an older answer", onAttempt((w) => JSON.stringify({ questionId: w.question, seq: 1, answer: { judge: false } }))],
  ["an answer of the wrong shape", onAttempt((w) => JSON.stringify({ questionId: w.question, seq: 3, answer: { text: 5 } }))],
  ["a question not on the paper", onAttempt(() => JSON.stringify({ questionId: 999999, seq: 4, answer: { judge: true } }))],
  ["a body that is no save", onAttempt(() => JSON.stringify({ questionId: "x" }))],
  ["leaving the page", onAttempt(() => JSON.stringify({ type: "leave" }))],
  ["leaving again at once", onAttempt(() => JSON.stringify({ type: "leave" }))],
  ["someone else's attempt", onAttempt((w) => JSON.stringify({ questionId: w.question, seq: 5, answer: { judge: true } }), "other")],
  ["an attempt id that is no id", onAttempt(() => JSON.stringify({ type: "leave" }), "trainee", "x")],
];

type Answer = { status: number; type: string; cacheControl: string | null; location: string | null; body: string };
/** Clock readings differ between the two runs: only their presence is compared. */
const normalize = (body: string) => body.replace(/"(now|serverTime|savedAt)":\d+/g, '"$1":"<time>"');
const answerOf = async (res: Response): Promise<Answer> => ({
  status: res.status,
  // Express adds "; charset=utf-8" to a JSON type (in production Remix's answer goes through Express too).
  type: (res.headers.get("content-type") ?? "").replace(/;\s*charset=utf-8$/i, ""),
  cacheControl: res.headers.get("cache-control"),
  location: res.headers.get("location"),
  body: normalize(await res.text()),
});

const servers: { close: () => void }[] = [];
afterAll(() => servers.forEach((s) => s.close()));

/** server.ts's lean path alone, on a free port: its base URL. */
async function leanServer(ctx: World["ctx"]): Promise<string> {
  const app = express();
  mountEndpoints(app, HOT_WRITES, () => ctx);
  const server = app.listen(0, "127.0.0.1");
  servers.push(server);
  await new Promise((r) => server.once("listening", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("the lean path of the hot writes", () => {
  it("serves each hot write at the path of its Remix route", () => {
    expect(Object.keys(HOT_WRITES).sort()).toEqual(Object.keys(ROUTES).sort());
    expect(routePath("routes/api.lessons.$lessonId.beat")).toBe("/api/lessons/:lessonId/beat");
    expect(routePath("routes/exam-attempts.$id.answers")).toBe("/exam-attempts/:id/answers");
    expect(() => routePath("routes/courses.$slug._index")).toThrow();
  });

  it("answers every case as the Remix route does, with the same effect on the database", async () => {
    const viaRemix = await world();
    const viaLean = await world();
    const base = await leanServer(viaLean.ctx);

    const statuses = new Set<number>();
    // Both paths see the same clock for each case: a beat credits the whole seconds since the last one, so a
    // second turning over between the two calls of one case (a busy machine) would credit them differently.
    const start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    onTestFinished(() => void vi.useRealTimers());
    for (const [i, [label, c]] of CASES.entries()) {
      vi.setSystemTime(start + i * 7_000);
      const send = (w: World) => ({
        method: c.method ?? "POST",
        headers: { "Content-Type": "application/json", ...(c.who ? { Cookie: w.cookies[c.who] } : {}) },
        body: c.body(w),
      });
      const route = ROUTES[c.route];
      const remix = await answerOf(
        await route
          .action({ request: new Request(`http://localhost${c.path(viaRemix)}`, send(viaRemix)), params: c.params(viaRemix), context: viaRemix.ctx })
          .catch((thrown: unknown) => thrown as Response),
      );
      const lean = await answerOf(await fetch(base + c.path(viaLean), { ...send(viaLean), redirect: "manual" }));
      expect(lean, label).toEqual(remix);
      statuses.add(remix.status);
    }
    // The cases reach every kind of answer: accepted, sent to sign in, refused as malformed, not found, busy.
    expect([...statuses].sort()).toEqual([200, 302, 400, 404, 409]);
    const state = (db: DB) =>
      Promise.all([
        db.selectFrom("lesson_progress").select(["lesson_id", "covered", "furthest", "position", "read_seconds", "check_pending"]).execute(),
        db.selectFrom("learning_presence").select(["lesson_id", "tab_id"]).execute(),
        db.selectFrom("attempt_answers").select(["question_id", "answer", "seq"]).execute(),
        db.selectFrom("exam_attempts").select(["status", "leave_count"]).execute(),
      ]);
    expect(await state(viaLean.db)).toEqual(await state(viaRemix.db));
  });

  it("answers an unexpected failure as Remix does in production: 500, no details", async () => {
    const w = await world();
    const base = await leanServer(w.ctx);
    await w.db.destroy();
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await fetch(`${base}/api/lessons/${w.lesson}/beat`, {
      method: "POST",
      headers: { Cookie: `${SESSION_COOKIE}=${w.cookies.trainee.split("=")[1]}` },
      body: beat(),
    });
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("Unexpected Server Error");
    expect(logged).toHaveBeenCalledOnce(); // the error itself goes to the log
    logged.mockRestore();
  });
});

describe("DB_SYNCHRONOUS", () => {
  it("reaches the SQLite connection the server opens (NORMAL only when asked)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-sync-"));
    try {
      const level = async (extra: Record<string, string>) => {
        const db = openConfiguredDatabase(loadEnv({ DATA_DIR: dir, ...extra }));
        const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(db);
        await db.destroy();
        return rows[0]!.synchronous;
      };
      expect(await level({})).toBe(2); // FULL
      expect(await level({ DB_SYNCHRONOUS: "NORMAL" })).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
