// The exam engine through the built server over real HTTP: the demo exam, concurrent starts, autosave
// with seq numbers, CSRF, answer leakage in the HTML and the data responses, finalize on read.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DB } from "../../app/utils/db.server.ts";
import { createSession, SESSION_COOKIE } from "../../app/utils/session.server.ts";
import { openServerDb, startServer, type TestServer } from "../setup/server.ts";

let server: TestServer;
let db: DB;
const EXAM = "/courses/jijifenzi-peixun/exams/jieye-kaoshi";

beforeAll(async () => {
  server = await startServer({ COURSES_DIR: "courses" });
  db = openServerDb(server);
});

afterAll(async () => {
  await db?.destroy();
  await server?.stop();
});

async function cookieFor(username: string) {
  const user = await db.selectFrom("users").select("id").where("username", "=", username).executeTakeFirstOrThrow();
  return { id: user.id, cookie: `${SESSION_COOKIE}=${(await createSession(db, user.id)).token}` };
}

const post = (p: string, cookie: string, body: string, type = "application/x-www-form-urlencoded", origin = server.url) =>
  fetch(server.url + p, { method: "POST", redirect: "manual", headers: { Cookie: cookie, Origin: origin, "Content-Type": type }, body });
const get = (p: string, cookie: string) => fetch(server.url + p, { redirect: "manual", headers: { Cookie: cookie } });
const save = (id: number, cookie: string, body: unknown, origin?: string) =>
  post(`/exam-attempts/${id}/answers`, cookie, JSON.stringify(body), "application/json", origin);

async function startDemo(cookie: string): Promise<number> {
  const res = await post(EXAM, cookie, "");
  expect(res.status).toBe(302);
  return Number(/\/exam-attempts\/(\d+)$/.exec(res.headers.get("location") ?? "")![1]);
}

const paperOf = (attemptId: number) =>
  db
    .selectFrom("attempt_questions as aq")
    .innerJoin("questions as q", "q.id", "aq.question_id")
    .select(["aq.question_id", "q.type", "q.answer", "q.explanation"])
    .where("aq.attempt_id", "=", attemptId)
    .orderBy("aq.position")
    .execute();

describe("exams over HTTP", () => {
  it("an in-progress attempt's HTML and data responses contain no answers and no 解析", async () => {
    const { cookie } = await cookieFor("2023001");
    const id = await startDemo(cookie);
    const paper = await paperOf(id);
    expect(paper).toHaveLength(37);
    const explanations = paper.map((q) => q.explanation).filter((e): e is string => Boolean(e));
    expect(explanations.length).toBeGreaterThan(10);
    const html = await (await get(`/exam-attempts/${id}`, cookie)).text();
    expect(html).toContain("结业考试");
    const dataRes = await get(`/exam-attempts/${id}.data?_routes=${encodeURIComponent("routes/exam-attempts.$id._index")}`, cookie);
    expect(dataRes.status).toBe(200);
    const data = await dataRes.text();
    expect(data).toContain("stemHtml");
    for (const body of [html, data]) {
      expect(body).not.toContain("解析");
      for (const e of explanations) expect(body).not.toContain(e.replace(/^解析：/, "").slice(0, 20));
      expect(body).not.toMatch(/\\?"(answer|explanation|reference|keywords|orderFree)\\?"/);
    }
    // The 填空 answers are not in the stems either.
    for (const q of paper.filter((x) => x.type === "填空")) {
      for (const alts of (JSON.parse(q.answer) as { blanks: string[][] }).blanks) expect(html).not.toContain(`{{${alts.join("/")}}}`);
    }
  });

  it("concurrent starts by one trainee land on one attempt", async () => {
    const { id: userId, cookie } = await cookieFor("2022015");
    const path = "/courses/fazhan-duixiang/exams/jieye-kaoshi";
    const all = await Promise.all(Array.from({ length: 20 }, () => post(path, cookie, "")));
    expect(all.every((r) => r.status === 302)).toBe(true);
    expect(new Set(all.map((r) => r.headers.get("location"))).size).toBe(1);
    const rows = await db.selectFrom("exam_attempts").select("status").where("user_id", "=", userId).execute();
    expect(rows).toEqual([{ status: "in_progress" }]);
  });

  it("autosaves with seq numbers, refuses foreign origins and other trainees, finalizes on read after the deadline", async () => {
    const { cookie } = await cookieFor("2023002");
    const stranger = await cookieFor("2023101");
    const id = await startDemo(cookie);
    const paper = await paperOf(id);
    const judge = paper.find((q) => q.type === "判断")!;
    const right = (JSON.parse(judge.answer) as { judge: boolean }).judge;
    const newer = await save(id, cookie, { questionId: judge.question_id, seq: 2, answer: { judge: right } });
    expect(newer.status).toBe(200);
    const body = await newer.json();
    expect(body).toMatchObject({ ok: true, seq: 2, applied: true });
    expect(Math.abs(body.serverTime - Date.now())).toBeLessThan(5000);
    expect(await (await save(id, cookie, { questionId: judge.question_id, seq: 1, answer: { judge: !right } })).json()).toMatchObject({
      ok: true,
      applied: false,
      seq: 2,
    });
    expect((await save(id, cookie, { questionId: judge.question_id, seq: 3, answer: { judge: !right } }, "https://evil.example")).status).toBe(403);
    expect((await save(id, stranger.cookie, { questionId: judge.question_id, seq: 9, answer: { judge: !right } })).status).toBe(404);
    expect((await get(`/exam-attempts/${id}`, stranger.cookie)).status).toBe(404);
    expect((await get("/teach/jijifenzi-peixun/exams/jieye-kaoshi/grading", cookie)).status).toBe(403);

    // Time runs out (server side): the next read finalizes the attempt with the saved answer.
    await db
      .updateTable("exam_attempts")
      .set({ deadline_at: Math.floor(Date.now() / 1000) - 60, grace_seconds: 30 })
      .where("id", "=", id)
      .execute();
    const page = await get(`/exam-attempts/${id}`, cookie);
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe(`/exam-attempts/${id}/result`);
    const attempt = await db.selectFrom("exam_attempts").select(["status", "finalized_by", "auto_score"]).where("id", "=", id).executeTakeFirstOrThrow();
    expect(attempt).toMatchObject({ status: "graded", finalized_by: "deadline_read", auto_score: 1 });
    const late = await save(id, cookie, { questionId: judge.question_id, seq: 4, answer: { judge: !right } });
    expect(late.status).toBe(409);
    expect((await late.json()).message).toBe("本次考试已交卷，答案不能再修改");
    const result = await (await get(`/exam-attempts/${id}/result`, cookie)).text();
    expect(result).toContain("时间到自动交卷");
    expect(result).toContain("解析");
  });
});
