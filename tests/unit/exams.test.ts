// The exam engine on a real migrated database: drawing, autosave (Moodle's cases), deadlines, finalize
// on read and by sweep, grading of every type, manual grading, overrides, results, item analysis, and
// the routes' authorization and answer leakage.
import { beforeEach, describe, expect, it } from "vitest";
import { sql } from "kysely";
import * as answersRoute from "../../app/routes/exam-attempts.$id.answers.tsx";
import * as attemptRoute from "../../app/routes/exam-attempts.$id._index.tsx";
import * as resultRoute from "../../app/routes/exam-attempts.$id.result.tsx";
import * as introRoute from "../../app/routes/courses.$slug.exams.$key.tsx";
import * as teachRoute from "../../app/routes/teach.$slug.exams.$key._index.tsx";
import * as gradingRoute from "../../app/routes/teach.$slug.exams.$key.grading.tsx";
import { syncCourses } from "../../app/models/courses.server.ts";
import { formatError, parseCourses } from "../../app/utils/course-format.server.ts";
import { MSG } from "../../app/utils/course-messages.server.ts";
import {
  computeDeadline,
  countedAttempt,
  gradeResponse,
  matchBlanks,
  optionsInBankOrder,
  reviewLeakWarning,
  validateResponse,
} from "../../app/utils/exam-rules.ts";
import { ExamError } from "../../app/models/exams/common.server.ts";
import { getAttemptPaper, getAttemptReview, getExamForTrainee } from "../../app/models/exams/attempts.server.ts";
import { gradeAnswer, listAttemptsForExam, setExamOverride } from "../../app/models/exams/grading.server.ts";
import { itemAnalysis } from "../../app/models/exams/analysis.server.ts";
import { recordLeave, saveAnswer, submitAttempt } from "../../app/models/exams/autosave.server.ts";
import { startExamAttempt } from "../../app/models/exams/windows.server.ts";
import { sweepOverdueAttempts } from "../../app/models/exams/finalize.server.ts";
import { isPostgres, isUniqueViolation, type DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, testContext } from "../setup/db.ts";

let db: DB;
let tree: Awaited<ReturnType<typeof createTestTree>>;
let trainee: Awaited<ReturnType<typeof createTestUser>>;
let other: Awaited<ReturnType<typeof createTestUser>>;
let teacher: Awaited<ReturnType<typeof createTestUser>>;
const T0 = 1_796_000_000; // a fixed server time, well before the window exam opens

beforeEach(async () => {
  db = await createTestDb();
  tree = await createTestTree(db);
  trainee = await createTestUser(db, { orgUnitId: tree.branchA, name: "甲学员" });
  other = await createTestUser(db, { orgUnitId: tree.branchA, name: "乙学员" });
  teacher = await createTestUser(db, { orgUnitId: tree.branchB, username: "js001", roles: ["instructor"], stage: "full" });
  const r = await syncCourses(db, { root: "tests/fixtures/exam-courses" });
  expect(r.ok).toBe(true);
});

const examId = async (key: string) => (await db.selectFrom("exams").select("id").where("key", "=", key).executeTakeFirstOrThrow()).id;
const start = async (key = "main", userId = trainee.id, now = T0) => (await startExamAttempt(db, { examId: await examId(key), userId, now })).attemptId;
const paperOf = async (attemptId: number) =>
  db
    .selectFrom("attempt_questions as aq")
    .innerJoin("questions as q", "q.id", "aq.question_id")
    .select(["aq.question_id", "aq.position", "aq.option_order", "aq.score", "q.key", "q.type", "q.answer", "q.options"])
    .where("aq.attempt_id", "=", attemptId)
    .orderBy("aq.position")
    .execute();
const qByKey = async (attemptId: number, key: string) => (await paperOf(attemptId)).find((q) => q.key === key)!;
const attemptRow = (id: number) => db.selectFrom("exam_attempts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
const stored = (attemptId: number, questionId: number) =>
  db.selectFrom("attempt_answers").selectAll().where("attempt_id", "=", attemptId).where("question_id", "=", questionId).executeTakeFirst();

/** Bank option indexes as the exam page names them: positions in the attempt's option order. */
const onPage = (choices: number[], optionOrder: string | null) =>
  optionOrder ? choices.map((c) => (JSON.parse(optionOrder) as number[]).indexOf(c)).sort((a, b) => a - b) : choices;

/** Right answers for every question of a paper (the 简答 gets a text). */
async function answerAll(attemptId: number, now = T0 + 10) {
  for (const q of await paperOf(attemptId)) {
    const a = JSON.parse(q.answer);
    const answer =
      q.type === "填空"
        ? { blanks: a.blanks.map((alts: string[]) => alts[0]) }
        : q.type === "简答"
          ? { text: "认真学习，贯彻执行党的基本路线" }
          : "judge" in a
            ? { judge: a.judge }
            : { choices: onPage(a.choices, q.option_order) };
    const r = await saveAnswer(db, { attemptId, userId: trainee.id, questionId: q.question_id, answer, seq: 1, now });
    expect(r.ok).toBe(true);
  }
}

describe("grading rules", () => {
  const single = { type: "单选" as const, answer: { choices: [1] } };
  const multi = { type: "多选" as const, answer: { choices: [0, 1, 3] } };

  it("grades 单选 and 判断 right, wrong and unanswered", () => {
    expect(gradeResponse(single, { choices: [1] }, 2, "partial")).toEqual({ score: 2, needsManual: false });
    expect(gradeResponse(single, { choices: [0] }, 2, "partial").score).toBe(0);
    expect(gradeResponse(single, null, 2, "partial").score).toBe(0);
    const judge = { type: "判断" as const, answer: { judge: false } };
    expect(gradeResponse(judge, { judge: false }, 1, "all_or_nothing").score).toBe(1);
    expect(gradeResponse(judge, { judge: true }, 1, "all_or_nothing").score).toBe(0);
    expect(gradeResponse(judge, { judge: null }, 1, "all_or_nothing").score).toBe(0);
  });

  it("grades 多选 all-or-nothing and with partial credit for a subset without a wrong option", () => {
    expect(gradeResponse(multi, { choices: [0, 1, 3] }, 4, "all_or_nothing").score).toBe(4);
    expect(gradeResponse(multi, { choices: [0, 1] }, 4, "all_or_nothing").score).toBe(0);
    expect(gradeResponse(multi, { choices: [0, 1] }, 4, "partial").score).toBe(2.67);
    expect(gradeResponse(multi, { choices: [3] }, 3, "partial").score).toBe(1);
    expect(gradeResponse(multi, { choices: [0, 1, 2] }, 4, "partial").score).toBe(0);
    expect(gradeResponse(multi, { choices: [0, 1, 2, 3] }, 4, "partial").score).toBe(0);
    expect(gradeResponse(multi, { choices: [] }, 4, "partial").score).toBe(0);
  });

  it("matches 填空 ignoring whitespace and full-width forms, with alternatives per blank", () => {
    const fill = { type: "填空" as const, answer: { blanks: [["共产主义"], ["全心全意为人民服务", "为人民服务"]], orderFree: false } };
    expect(gradeResponse(fill, { blanks: [" 共产 主义　", "为人民服务"] }, 2, "partial")).toEqual({ score: 2, needsManual: false });
    expect(matchBlanks({ blanks: [["ABC 1"]], orderFree: false }, ["ａｂｃ１"])).toBe(1);
    // A partly wrong answer keeps per-blank credit provisionally and goes to the grader.
    expect(gradeResponse(fill, { blanks: ["共产主义", "服务人民"] }, 2, "partial")).toEqual({ score: 1, needsManual: true });
    // Empty blanks are simply wrong: nothing to grade by hand.
    expect(gradeResponse(fill, { blanks: ["", " "] }, 2, "partial")).toEqual({ score: 0, needsManual: false });
  });

  it("accepts 填空 in any order only when the question says 顺序无关", () => {
    const blanks = [["工人阶级", "中国工人阶级"], ["中华民族"]];
    const swapped = ["中华民族", "工人阶级"];
    expect(gradeResponse({ type: "填空", answer: { blanks, orderFree: true } }, { blanks: swapped }, 2, "partial")).toEqual({ score: 2, needsManual: false });
    expect(gradeResponse({ type: "填空", answer: { blanks, orderFree: false } }, { blanks: swapped }, 2, "partial")).toEqual({ score: 0, needsManual: true });
    // One answer cannot fill two blanks.
    expect(matchBlanks({ blanks: [["甲"], ["乙"]], orderFree: true }, ["甲", "甲"])).toBe(1);
    // Needs a real matching, not first come first served: 甲 takes blank 1 first, then moves to blank 2 for 乙.
    expect(matchBlanks({ blanks: [["甲", "乙"], ["甲"]], orderFree: true }, ["甲", "乙"])).toBe(2);
  });

  it("sends every answered 简答 to manual grading", () => {
    const essay = { type: "简答" as const, answer: { reference: "…", keywords: [] } };
    expect(gradeResponse(essay, { text: "答案" }, 10, "partial")).toEqual({ score: 0, needsManual: true });
    expect(gradeResponse(essay, { text: "  " }, 10, "partial")).toEqual({ score: 0, needsManual: false });
  });

  it("rejects responses that do not fit the question", () => {
    const choice = { type: "单选" as const, options: JSON.stringify(["a", "b", "c"]), stem_md: "x" };
    expect(validateResponse(choice, { choices: [2] })).toEqual({ choices: [2] });
    expect(validateResponse(choice, { choices: [3] })).toBeNull();
    expect(validateResponse(choice, { choices: [0, 1] })).toBeNull();
    expect(validateResponse({ ...choice, type: "多选" }, { choices: [1, 1] })).toBeNull();
    expect(validateResponse({ type: "填空", options: null, stem_md: "{{}} 和 {{}}" }, { blanks: ["a"] })).toBeNull();
    expect(validateResponse({ type: "简答", options: null, stem_md: "x" }, { text: "x".repeat(5001) })).toBeNull();
    expect(validateResponse({ type: "判断", options: null, stem_md: "x" }, { judge: "yes" })).toBeNull();
  });

  it("counts the best or the last finalized attempt", () => {
    const attempts = [
      { attempt_no: 1, status: "graded" as const, score: 80 },
      { attempt_no: 2, status: "graded" as const, score: 60 },
      { attempt_no: 3, status: "in_progress" as const, score: null },
    ];
    expect(countedAttempt(attempts, "best")?.score).toBe(80);
    expect(countedAttempt(attempts, "last")?.score).toBe(60);
    expect(countedAttempt([attempts[2]], "best")).toBeNull();
  });
});

describe("starting an attempt", () => {
  it("draws the paper per the rules, stores it with shuffled options and the server's deadline", async () => {
    const id = await start();
    const paper = await paperOf(id);
    expect(paper.map((q) => q.type)).toEqual(["单选", "单选", "单选", "多选", "多选", "判断", "判断", "填空", "填空", "简答"]);
    expect(new Set(paper.map((q) => q.question_id)).size).toBe(10);
    expect(paper.filter((q) => q.type === "多选").every((q) => q.score === 4)).toBe(true);
    for (const q of paper.filter((x) => x.options)) {
      expect([...JSON.parse(q.option_order!)].sort()).toEqual(JSON.parse(q.options!).map((_: string, i: number) => i));
    }
    const a = await attemptRow(id);
    expect(a).toMatchObject({ status: "in_progress", started_at: T0, deadline_at: T0 + 600, grace_seconds: 30, max_score: 30, attempt_no: 1 });
  });

  it("shuffles options per attempt (not one fixed order for everybody)", async () => {
    const orders = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const u = await createTestUser(db, { orgUnitId: tree.branchA });
      const id = await start("main", u.id);
      orders.add((await qByKey(id, "m1")).option_order!);
    }
    expect(orders.size).toBeGreaterThan(1);
  });

  it("is idempotent: starting again returns the attempt in progress, also under concurrent starts", async () => {
    const e = await examId("main");
    const results = await Promise.all(Array.from({ length: 10 }, () => startExamAttempt(db, { examId: e, userId: trainee.id, now: T0 })));
    expect(new Set(results.map((r) => r.attemptId)).size).toBe(1);
    expect(results.filter((r) => !r.resumed)).toHaveLength(1);
    const rows = await db.selectFrom("exam_attempts").select("id").where("user_id", "=", trainee.id).execute();
    expect(rows).toHaveLength(1);
  });

  it("has a unique index that refuses a second attempt in progress", async () => {
    const id = await start();
    const a = await attemptRow(id);
    const { id: _id, ...copy } = a;
    await expect(
      db
        .insertInto("exam_attempts")
        .values({ ...copy, attempt_no: 2 })
        .execute(),
    ).rejects.toSatisfy(isUniqueViolation);
    await db.updateTable("exam_attempts").set({ status: "graded" }).where("id", "=", id).execute();
    await expect(
      db
        .insertInto("exam_attempts")
        .values({ ...copy, attempt_no: 2 })
        .execute(),
    ).resolves.toBeDefined();
  });

  it("refuses trainees of another stage and unpublished courses as not found", async () => {
    const candidate = await createTestUser(db, { orgUnitId: tree.branchA, stage: "candidate" });
    await expect(start("main", candidate.id)).rejects.toMatchObject({ status: 404 });
    await db.updateTable("courses").set({ published: 0 }).execute();
    await expect(start("main", trainee.id)).rejects.toBeInstanceOf(ExamError);
    // The course's instructor may still try it out.
    await expect(start("main", teacher.id)).resolves.toBeGreaterThan(0);
  });

  it("enforces the window and caps the deadline at the closing time", async () => {
    const opens = 1_796_083_200;
    await expect(start("window", trainee.id, opens - 1)).rejects.toThrow("考试尚未开始");
    await expect(start("window", trainee.id, opens + 3600)).rejects.toThrow("考试已结束");
    const id = await start("window", trainee.id, opens + 1800);
    expect((await attemptRow(id)).deadline_at).toBe(opens + 3600); // 60 minutes would run past closing
    // shuffle off: bank order, rule filter difficulty 易 → s1, s2
    const keys = (await paperOf(id)).map((q) => q.key);
    expect(keys.slice(0, 2)).toEqual(["s1", "s2"]);
    expect(["j1", "j2"]).toContain(keys[2]);
    expect((await qByKey(id, "s1")).option_order).toBe("[0,1,2,3]");
  });

  it("counts attempts; an audited override grants one more and extra time", async () => {
    for (let i = 0; i < 2; i++) {
      const id = await start("main", trainee.id, T0 + i * 1000);
      await submitAttempt(db, { attemptId: id, userId: trainee.id, now: T0 + i * 1000 + 5 });
    }
    await expect(start("main", trainee.id, T0 + 5000)).rejects.toThrow("2 次考试机会已用完");
    await setExamOverride(
      db,
      { examId: await examId("main"), username: trainee.username, extraMinutes: 15, extraAttempts: 1, reason: "因病补考" },
      { actorId: teacher.id },
    );
    const id = await start("main", trainee.id, T0 + 5000);
    expect(await attemptRow(id)).toMatchObject({ attempt_no: 3, deadline_at: T0 + 5000 + 25 * 60, extra_minutes: 15 });
    const log = await db.selectFrom("audit_log").selectAll().where("action", "=", "exam.override").execute();
    expect(log).toHaveLength(1);
    expect(JSON.parse(log[0].detail!)).toMatchObject({ username: trainee.username, extraMinutes: 15, extraAttempts: 1, reason: "因病补考" });
  });

  it("moves the deadline of an attempt in progress when extra time is granted", async () => {
    const id = await start();
    await setExamOverride(
      db,
      { examId: await examId("main"), username: trainee.username, extraMinutes: 10, extraAttempts: 0, reason: "网络故障" },
      { actorId: teacher.id },
    );
    expect((await attemptRow(id)).deadline_at).toBe(T0 + 1200);
    expect(computeDeadline({ duration_minutes: 10, closes_at: T0 + 300 }, T0, 10)).toBe(T0 + 900);
  });

  it("draws only current versions; a past attempt keeps the version it saw", async () => {
    const first = await start();
    const oldS1 = (await qByKey(first, "s1")).question_id;
    const row = await db.selectFrom("questions").selectAll().where("id", "=", oldS1).executeTakeFirstOrThrow();
    await db.updateTable("questions").set({ archived: 1 }).where("id", "=", oldS1).execute();
    const { id: _id, ...copy } = row;
    const { id: newS1 } = await db
      .insertInto("questions")
      .values({ ...copy, version: 2, content_hash: "v2", archived: 0 })
      .returning("id")
      .executeTakeFirstOrThrow();
    const second = await start("main", other.id);
    expect((await qByKey(second, "s1")).question_id).toBe(newS1);
    expect((await qByKey(first, "s1")).question_id).toBe(oldS1);
  });

  it("says so when the bank cannot satisfy a rule", async () => {
    await db.updateTable("questions").set({ archived: 1 }).where("type", "=", "简答").execute();
    await expect(start()).rejects.toThrow(/简答 1 道.*只有 0 道/);
  });
});

describe("autosave (Moodle's cases)", () => {
  it("autosave then display: the saved answer and its seq come back with the paper", async () => {
    const id = await start();
    const q = await qByKey(id, "s2");
    const r = await saveAnswer(db, { attemptId: id, userId: trainee.id, questionId: q.question_id, answer: { choices: [2] }, seq: 1, now: T0 + 5 });
    expect(r).toMatchObject({ ok: true, seq: 1, savedAt: T0 + 5, applied: true });
    const paper = await getAttemptPaper(db, { attemptId: id, userId: trainee.id, now: T0 + 6 });
    expect(paper!.questions.find((x) => x.questionId === q.question_id)).toMatchObject({ response: { choices: [2] }, seq: 1 });
  });

  it("autosave then submit: autosaved answers are graded", async () => {
    const id = await start();
    await answerAll(id);
    const r = await submitAttempt(db, { attemptId: id, userId: trainee.id, now: T0 + 60 });
    expect(r).toMatchObject({ status: "submitted", score: 20, finalizedBy: "user" }); // all but the 简答 (10, by hand)
    expect(await attemptRow(id)).toMatchObject({ status: "submitted", score: 20, pending_manual: 1, passed: null, submitted_at: T0 + 60 });
  });

  it("concurrent autosaves: whatever order they arrive in, the highest seq wins", async () => {
    const id = await start();
    const q = await qByKey(id, "f1");
    const seqs = Array.from({ length: 20 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    const results = await Promise.all(
      seqs.map((seq) => saveAnswer(db, { attemptId: id, userId: trainee.id, questionId: q.question_id, answer: { blanks: [`答案${seq}`] }, seq, now: T0 + 5 })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const row = await stored(id, q.question_id);
    expect(row).toMatchObject({ seq: 20, answer: JSON.stringify({ blanks: ["答案20"] }) });
  });

  it("an older seq is ignored and a retried seq changes nothing", async () => {
    const id = await start();
    const q = await qByKey(id, "j1");
    await saveAnswer(db, { attemptId: id, userId: trainee.id, questionId: q.question_id, answer: { judge: true }, seq: 5, now: T0 + 5 });
    const old = await saveAnswer(db, { attemptId: id, userId: trainee.id, questionId: q.question_id, answer: { judge: false }, seq: 3, now: T0 + 6 });
    expect(old).toMatchObject({ ok: true, applied: false, seq: 5, savedAt: T0 + 5 });
    const retry = await saveAnswer(db, { attemptId: id, userId: trainee.id, questionId: q.question_id, answer: { judge: false }, seq: 5, now: T0 + 7 });
    expect(retry).toMatchObject({ ok: true, applied: false, seq: 5 });
    expect(await stored(id, q.question_id)).toMatchObject({ seq: 5, answer: '{"judge":true}', saved_at: T0 + 5 });
  });

  it("finishing an attempt that has unhandled autosave data keeps it, and the final form answers win", async () => {
    const id = await start();
    const s2 = await qByKey(id, "s2");
    const j1 = await qByKey(id, "j1");
    await saveAnswer(db, {
      attemptId: id,
      userId: trainee.id,
      questionId: s2.question_id,
      answer: { choices: onPage(JSON.parse(s2.answer).choices, s2.option_order) },
      seq: 7,
      now: T0 + 5,
    });
    await saveAnswer(db, { attemptId: id, userId: trainee.id, questionId: j1.question_id, answer: { judge: false }, seq: 2, now: T0 + 5 });
    await submitAttempt(db, { attemptId: id, userId: trainee.id, now: T0 + 9, answers: [{ questionId: j1.question_id, answer: { judge: true } }] });
    expect(await stored(id, s2.question_id)).toMatchObject({ seq: 7, auto_score: 2 });
    expect(await stored(id, j1.question_id)).toMatchObject({ seq: 3, answer: '{"judge":true}', auto_score: 1 });
    expect((await attemptRow(id)).score).toBe(3);
  });

  it("is scoped by user and by paper: another trainee's attempt or a foreign question is not found", async () => {
    const id = await start();
    const q = await qByKey(id, "s1");
    expect(await saveAnswer(db, { attemptId: id, userId: other.id, questionId: q.question_id, answer: { choices: [0] }, seq: 1, now: T0 })).toMatchObject({
      ok: false,
      status: 404,
    });
    const notOnPaper = await db.selectFrom("questions").select("id").where("key", "=", "s3").where("archived", "=", 0).executeTakeFirstOrThrow();
    const onPaper = (await paperOf(id)).some((x) => x.question_id === notOnPaper.id);
    if (!onPaper)
      expect(await saveAnswer(db, { attemptId: id, userId: trainee.id, questionId: notOnPaper.id, answer: { choices: [0] }, seq: 1, now: T0 })).toMatchObject({
        status: 404,
      });
    expect(await saveAnswer(db, { attemptId: id, userId: trainee.id, questionId: q.question_id, answer: { choices: [9] }, seq: 1, now: T0 })).toMatchObject({
      ok: false,
      status: 400,
    });
    expect(await stored(id, q.question_id)).toBeUndefined();
  });

  it("counts leaving the page once per absence", async () => {
    const id = await start();
    expect(await recordLeave(db, { attemptId: id, userId: trainee.id, now: T0 + 10 })).toBe(true);
    expect(await recordLeave(db, { attemptId: id, userId: trainee.id, now: T0 + 11 })).toBe(false); // blur + hidden together
    expect(await recordLeave(db, { attemptId: id, userId: other.id, now: T0 + 20 })).toBe(false);
    expect(await recordLeave(db, { attemptId: id, userId: trainee.id, now: T0 + 30 })).toBe(true);
    expect((await attemptRow(id)).leave_count).toBe(2);
  });
});

describe("deadline", () => {
  it("accepts a save until deadline + grace and refuses it after, finalizing with what was saved", async () => {
    const id = await start();
    const q = await qByKey(id, "j1");
    const deadline = T0 + 600;
    const inGrace = await saveAnswer(db, {
      attemptId: id,
      userId: trainee.id,
      questionId: q.question_id,
      answer: { judge: JSON.parse(q.answer).judge },
      seq: 1,
      now: deadline + 30,
    });
    expect(inGrace.ok).toBe(true);
    const late = await saveAnswer(db, {
      attemptId: id,
      userId: trainee.id,
      questionId: q.question_id,
      answer: { judge: !JSON.parse(q.answer).judge },
      seq: 2,
      now: deadline + 31,
    });
    expect(late).toMatchObject({ ok: false, reason: "deadline", status: 410 });
    expect(late.ok ? "" : late.message).toMatch(/考试时间已于 \d\d:\d\d:\d\d 结束，此答案未能保存/);
    expect(await attemptRow(id)).toMatchObject({ status: "graded", finalized_by: "deadline_read", submitted_at: deadline, score: 1 });
    expect(await stored(id, q.question_id)).toMatchObject({ seq: 1 });
  });

  it("refuses saves after submit", async () => {
    const id = await start();
    await submitAttempt(db, { attemptId: id, userId: trainee.id, now: T0 + 5 });
    const q = await qByKey(id, "s1");
    expect(await saveAnswer(db, { attemptId: id, userId: trainee.id, questionId: q.question_id, answer: { choices: [1] }, seq: 1, now: T0 + 6 })).toMatchObject(
      {
        ok: false,
        status: 409,
        message: "本次考试已交卷，答案不能再修改",
      },
    );
  });

  it("finalizes an overdue attempt when it is read, keeping its saved answers", async () => {
    const id = await start();
    await answerAll(id);
    const paper = await getAttemptPaper(db, { attemptId: id, userId: trainee.id, now: T0 + 631 });
    expect(paper).toMatchObject({ finished: true, questions: [] });
    expect(await attemptRow(id)).toMatchObject({ status: "submitted", finalized_by: "deadline_read", score: 20 });
  });

  it("the sweep finalizes only overdue attempts, once, with their answers", async () => {
    const a = await start();
    const b = await start("main", other.id, T0 + 500);
    await answerAll(a);
    expect(await sweepOverdueAttempts(db, T0 + 630)).toBe(0); // within grace
    expect(await sweepOverdueAttempts(db, T0 + 631)).toBe(1);
    expect(await attemptRow(a)).toMatchObject({ status: "submitted", finalized_by: "sweep", score: 20 });
    expect((await attemptRow(b)).status).toBe("in_progress");
    expect(await sweepOverdueAttempts(db, T0 + 700)).toBe(0);
    // Starting again after an overdue attempt closes it first, then draws attempt 2.
    const c = await start("main", other.id, T0 + 1200);
    expect(c).not.toBe(b);
    expect(await attemptRow(b)).toMatchObject({ status: "graded", finalized_by: "deadline_read" });
  });

  it("submit is idempotent: a second click or a retry returns the same result", async () => {
    const id = await start();
    await answerAll(id);
    const first = await submitAttempt(db, { attemptId: id, userId: trainee.id, now: T0 + 100 });
    const again = await submitAttempt(db, { attemptId: id, userId: trainee.id, now: T0 + 200 });
    expect(again).toMatchObject({ attemptId: id, status: first.status, score: first.score, already: true });
    expect((await attemptRow(id)).submitted_at).toBe(T0 + 100);
    await expect(submitAttempt(db, { attemptId: id, userId: other.id, now: T0 + 200 })).rejects.toMatchObject({ status: 404 });
  });
});

describe("manual grading and results", () => {
  it("grades by hand (audited), recomputes the total and decides pass", async () => {
    const id = await start();
    await answerAll(id);
    await submitAttempt(db, { attemptId: id, userId: trainee.id, now: T0 + 60 });
    const e1 = await qByKey(id, "e1");
    const ex = await examId("main");
    await expect(gradeAnswer(db, { examId: ex, attemptId: id, questionId: e1.question_id, score: 11, comment: null }, { actorId: teacher.id })).rejects.toThrow(
      "0 到 10",
    );
    await gradeAnswer(db, { examId: ex, attemptId: id, questionId: e1.question_id, score: 8, comment: "要点基本齐全" }, { actorId: teacher.id });
    expect(await attemptRow(id)).toMatchObject({ status: "graded", score: 28, pending_manual: 0, passed: 1 });
    await gradeAnswer(db, { examId: ex, attemptId: id, questionId: e1.question_id, score: 0, comment: "regrade" }, { actorId: teacher.id });
    expect(await attemptRow(id)).toMatchObject({ score: 20, passed: 1 });
    const log = await db.selectFrom("audit_log").select("detail").where("action", "=", "exam.grade").execute();
    expect(log.map((l) => JSON.parse(l.detail!))).toMatchObject([
      { before: 0, after: 8, totalBefore: 20, totalAfter: 28 },
      { before: 8, after: 0, totalAfter: 20 },
    ]);
  });

  it("shows answers and 解析 after submit; after_close waits for closing; never shows nothing", async () => {
    const id = await start();
    await submitAttempt(db, { attemptId: id, userId: trainee.id, now: T0 + 5 });
    const review = await getAttemptReview(db, { attemptId: id, userId: trainee.id, now: T0 + 6 });
    expect(review!.visible).toBe(true);
    expect(review!.questions.find((q) => q.type === "单选")!.correct).toHaveProperty("choices");

    const opens = 1_796_083_200;
    const w = await start("window", trainee.id, opens + 60);
    await submitAttempt(db, { attemptId: w, userId: trainee.id, now: opens + 120 });
    expect(await getAttemptReview(db, { attemptId: w, userId: trainee.id, now: opens + 130 })).toMatchObject({
      visible: false,
      questions: [],
      attempt: { score: null },
    });
    expect((await getAttemptReview(db, { attemptId: w, userId: trainee.id, now: opens + 3600 }))!.visible).toBe(true);

    const n = await start("never");
    await submitAttempt(db, { attemptId: n, userId: trainee.id, now: T0 + 5 });
    expect(await getAttemptReview(db, { attemptId: n, userId: trainee.id, now: T0 + 10_000 })).toMatchObject({ visible: false, questions: [] });
    const intro = await getExamForTrainee(db, { slug: "exam-test", key: "never", viewer: { ...trainee, stage: "activist", roles: ["trainee"] }, now: T0 + 20 });
    expect(intro!.attempts[0].score).toBeNull();
    expect(intro!.counted).toBeNull();
  });

  it("item analysis: facility, discrimination over upper/lower 27%, option distribution", async () => {
    const ex = await examId("window");
    const opens = 1_796_083_200;
    // 8 trainees: the better half answer everything right, the others get s1 wrong (and j1 wrong).
    for (let i = 0; i < 8; i++) {
      const u = await createTestUser(db, { orgUnitId: tree.branchA });
      const { attemptId } = await startExamAttempt(db, { examId: ex, userId: u.id, now: opens + 10 });
      for (const q of await paperOf(attemptId)) {
        const a = JSON.parse(q.answer);
        const good = i < 4;
        const answer = "judge" in a ? { judge: good ? a.judge : !a.judge } : { choices: q.key === "s1" && !good ? [0] : a.choices };
        await saveAnswer(db, { attemptId, userId: u.id, questionId: q.question_id, answer, seq: 1, now: opens + 20 });
      }
      await submitAttempt(db, { attemptId, userId: u.id, now: opens + 30 });
    }
    const stats = await itemAnalysis(db, ex);
    const s1 = stats.find((s) => s.key === "s1")!;
    const s2 = stats.find((s) => s.key === "s2")!;
    expect(s1).toMatchObject({ n: 8, facility: 50, discrimination: 1 });
    expect(s2).toMatchObject({ facility: 100, discrimination: 0 });
    expect(s1.distribution.map((d) => [d.count, d.correct])).toEqual([
      [4, false],
      [4, true],
      [0, false],
      [0, false],
    ]);
    // One 判断 is drawn from two per paper: each one's choices add up to the attempts that had it.
    for (const j of stats.filter((s) => s.type === "判断")) expect(j.distribution.reduce((n, d) => n + d.count, 0)).toBe(j.n);
    expect(stats.filter((s) => s.type === "判断").reduce((n, s) => n + s.n, 0)).toBe(8);
    const listed = await listAttemptsForExam(db, ex, opens + 40);
    expect(listed).toHaveLength(8);
  });
});

// ------------------------------------------------------------------------------------------ routes

const args = (path: string, init: Parameters<typeof makeRequest>[1] = {}, params: Record<string, string> = {}) => ({
  request: makeRequest(path, init),
  context: testContext(db),
  params,
});

function jsonRequest(path: string, cookie: string, body: unknown) {
  return new Request(`http://localhost${path}`, {
    method: "POST",
    headers: { Origin: "http://localhost", Cookie: cookie, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Every key of a JSON value, at any depth. */
function keysOf(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => keysOf(v, out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      keysOf(v, out);
    }
  }
  return out;
}

describe("routes", () => {
  const now = () => Math.floor(Date.now() / 1000);

  it("starts from the intro page (POST) and lands on the attempt; a double click lands on the same one", async () => {
    const p = { slug: "exam-test", key: "main" };
    const page = await outcome(introRoute.loader(args("/courses/exam-test/exams/main", { cookie: trainee.cookie }, p)));
    expect(page.status).toBe(200);
    expect(page.data).toMatchObject({ used: 0, left: 2, rules: { total_score: 30, questionCount: 10 } });
    const a = await outcome(introRoute.action(args("/courses/exam-test/exams/main", { cookie: trainee.cookie, form: {} }, p)));
    const b = await outcome(introRoute.action(args("/courses/exam-test/exams/main", { cookie: trainee.cookie, form: {} }, p)));
    expect(a.status).toBe(302);
    expect(a.location).toMatch(/^\/exam-attempts\/\d+$/);
    expect(b.location).toBe(a.location);
    const candidate = await createTestUser(db, { orgUnitId: tree.branchA, stage: "candidate" });
    expect((await outcome(introRoute.loader(args("/courses/exam-test/exams/main", { cookie: candidate.cookie }, p)))).status).toBe(403);
  });

  it("the in-progress paper's data has no answers and no 解析", async () => {
    const id = await start("main", trainee.id, now());
    const r = await outcome(attemptRoute.loader(args(`/exam-attempts/${id}`, { cookie: trainee.cookie }, { id: String(id) })));
    expect(r.status).toBe(200);
    const keys = keysOf(r.data);
    for (const k of ["answer", "explanation", "correct", "reference", "keywords", "orderFree"]) expect(keys.has(k)).toBe(false);
    const text = JSON.stringify(r.data);
    expect(text).not.toContain("SECRET-EXPLANATION");
    expect(text).not.toContain("解析");
    expect(text).not.toContain("共产主义}}"); // 填空 answers are not in the stems
    expect(r.data.questions).toHaveLength(10);
    expect(r.data.questions.find((q: { type: string }) => q.type === "填空").stemHtml).toContain("exam-blank");
  });

  it("another trainee's attempt is 404 on every route; trainees get 403 on instructor pages", async () => {
    const id = await start("main", trainee.id, now());
    const p = { id: String(id) };
    expect((await outcome(attemptRoute.loader(args(`/exam-attempts/${id}`, { cookie: other.cookie }, p)))).status).toBe(404);
    expect((await outcome(attemptRoute.action(args(`/exam-attempts/${id}`, { cookie: other.cookie, form: { intent: "submit" } }, p)))).status).toBe(404);
    expect((await outcome(resultRoute.loader(args(`/exam-attempts/${id}/result`, { cookie: other.cookie }, p)))).status).toBe(404);
    const q = await qByKey(id, "s1");
    const save = await outcome(
      answersRoute.action({
        request: jsonRequest(`/exam-attempts/${id}/answers`, other.cookie, { questionId: q.question_id, seq: 1, answer: { choices: [0] } }),
        context: testContext(db),
        params: p,
      }),
    );
    expect(save).toMatchObject({ status: 404, data: { ok: false, reason: "not_found" } });
    const t = { slug: "exam-test", key: "main" };
    expect((await outcome(teachRoute.loader(args("/teach/exam-test/exams/main", { cookie: trainee.cookie }, t)))).status).toBe(403);
    expect((await outcome(gradingRoute.loader(args("/teach/exam-test/exams/main/grading", { cookie: trainee.cookie }, t)))).status).toBe(403);
    expect(
      (await outcome(gradingRoute.action(args("/teach/exam-test/exams/main/grading", { cookie: trainee.cookie, form: { questionId: "1" } }, t)))).status,
    ).toBe(403);
    expect((await outcome(teachRoute.loader(args("/teach/exam-test/exams/main", { cookie: teacher.cookie }, t)))).status).toBe(200);
  });

  it("judges a save by the server's clock, whatever the browser claims", async () => {
    const id = await start("main", trainee.id, now());
    const q = await qByKey(id, "j1");
    const send = (seq: number, extra: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const request = jsonRequest(`/exam-attempts/${id}/answers`, trainee.cookie, { questionId: q.question_id, seq, answer: { judge: true }, ...extra });
      for (const [k, v] of Object.entries(headers)) request.headers.set(k, v);
      return outcome(answersRoute.action({ request, context: testContext(db), params: { id: String(id) } }));
    };
    // The browser's clock says it is long past the deadline: still accepted, the server's clock is early.
    const future = new Date(Date.now() + 86_400_000);
    expect(await send(1, { now: future.getTime(), clientTime: future.toISOString() }, { Date: future.toUTCString() })).toMatchObject({
      status: 200,
      data: { ok: true, seq: 1 },
    });
    // The server's clock is past deadline + grace; a browser claiming an earlier time does not help.
    await db
      .updateTable("exam_attempts")
      .set({ deadline_at: now() - 120 })
      .where("id", "=", id)
      .execute();
    const past = new Date(Date.now() - 3_600_000);
    const late = await send(2, { now: past.getTime(), clientTime: past.toISOString() }, { Date: past.toUTCString() });
    expect(late).toMatchObject({ status: 410, data: { ok: false, reason: "deadline" } });
    expect(await stored(id, q.question_id)).toMatchObject({ seq: 1 });
    expect((await attemptRow(id)).status).not.toBe("in_progress");
  });

  it("works without JavaScript: 保存 posts a page of answers, 交卷 submits with them", async () => {
    const id = await start("main", trainee.id, now());
    const paper = await paperOf(id);
    const s = paper[0];
    const f = paper.find((q) => q.type === "填空")!;
    const p = { id: String(id) };
    const saved = await outcome(
      attemptRoute.action(
        args(
          `/exam-attempts/${id}?index`,
          {
            cookie: trainee.cookie,
            form: {
              qid: [String(s.question_id)],
              [`q${s.question_id}`]: String(onPage(JSON.parse(s.answer).choices, s.option_order)[0]),
              page: "1",
              goto: "2",
            },
          },
          p,
        ),
      ),
    );
    expect(saved).toMatchObject({ status: 302, location: `/exam-attempts/${id}?page=2&saved=1` });
    expect(await stored(id, s.question_id)).toMatchObject({ seq: 1 });
    const blanks = Object.fromEntries(JSON.parse(f.answer).blanks.map((alts: string[], i: number) => [`q${f.question_id}_${i}`, alts[alts.length - 1]]));
    const submitted = await outcome(
      attemptRoute.action(
        args(`/exam-attempts/${id}?index`, { cookie: trainee.cookie, form: { intent: "submit", qid: [String(f.question_id)], ...blanks } }, p),
      ),
    );
    expect(submitted).toMatchObject({ status: 302, location: `/exam-attempts/${id}/result` });
    expect(await stored(id, f.question_id)).toMatchObject({ auto_score: 2 });
    expect((await attemptRow(id)).score).toBe(4);
    // The paper now redirects to the result, which shows answers and 解析 (after_submit).
    expect((await outcome(attemptRoute.loader(args(`/exam-attempts/${id}`, { cookie: trainee.cookie }, p)))).location).toBe(`/exam-attempts/${id}/result`);
    const result = await outcome(resultRoute.loader(args(`/exam-attempts/${id}/result`, { cookie: trainee.cookie }, p)));
    expect(result.data.visible).toBe(true);
  });

  it("instructors set overrides and grade by question, totals recomputed", async () => {
    const t = { slug: "exam-test", key: "main" };
    const bad = await outcome(
      teachRoute.action(
        args(
          "/teach/exam-test/exams/main",
          { cookie: teacher.cookie, form: { intent: "override", username: trainee.username, extra_minutes: "-5", extra_attempts: "0", reason: "x" } },
          t,
        ),
      ),
    );
    expect(bad.status).toBe(400);
    const ok = await outcome(
      teachRoute.action(
        args(
          "/teach/exam-test/exams/main",
          { cookie: teacher.cookie, form: { intent: "override", username: trainee.username, extra_minutes: "20", extra_attempts: "1", reason: "因公请假" } },
          t,
        ),
      ),
    );
    expect(ok).toMatchObject({ status: 200, data: { ok: true } });

    const id = await start("main", trainee.id, now());
    await answerAll(id, now());
    await submitAttempt(db, { attemptId: id, userId: trainee.id, now: now() });
    const page = await outcome(gradingRoute.loader(args("/teach/exam-test/exams/main/grading", { cookie: teacher.cookie }, t)));
    const e1 = await qByKey(id, "e1");
    expect(page.data.current.question.id).toBe(e1.question_id);
    expect(page.data.current.question.answer.keywords).toEqual(["学习", "贯彻执行", "利益高于一切"]);
    expect(page.data.current.items).toHaveLength(1);
    const graded = await outcome(
      gradingRoute.action(
        args(
          "/teach/exam-test/exams/main/grading",
          { cookie: teacher.cookie, form: { questionId: String(e1.question_id), attemptId: [String(id)], [`score_${id}`]: "9", [`comment_${id}`]: "好" } },
          t,
        ),
      ),
    );
    expect(graded.data).toMatchObject({ ok: true });
    expect(await attemptRow(id)).toMatchObject({ status: "graded", score: 29, passed: 1 });
    const teach = await outcome(teachRoute.loader(args("/teach/exam-test/exams/main", { cookie: teacher.cookie }, t)));
    expect(teach.data.attempts[0]).toMatchObject({ username: trainee.username, score: 29, extra_minutes: 20, extra_attempts: 1 });
    expect(teach.data.analysis.length).toBe(10);
  });

  it("counts a leave event through the autosave route", async () => {
    const id = await start("main", trainee.id, now());
    const r = await outcome(
      answersRoute.action({
        request: jsonRequest(`/exam-attempts/${id}/answers`, trainee.cookie, { type: "leave" }),
        context: testContext(db),
        params: { id: String(id) },
      }),
    );
    expect(r.data).toEqual({ ok: true, counted: true });
    expect((await attemptRow(id)).leave_count).toBe(1);
  });
});

it("uses only portable SQL for the seq guard (one INSERT … ON CONFLICT … DO UPDATE … WHERE)", async () => {
  const compiled = db
    .insertInto("attempt_answers")
    .values({ attempt_id: 1, question_id: 1, answer: "{}", seq: 1, saved_at: 0 })
    .onConflict((oc) =>
      oc
        .columns(["attempt_id", "question_id"])
        .doUpdateSet((eb) => ({ answer: eb.ref("excluded.answer"), seq: eb.ref("excluded.seq"), saved_at: eb.ref("excluded.saved_at") }))
        .whereRef("excluded.seq", ">", "attempt_answers.seq"),
    )
    .compile().sql;
  expect(compiled).toMatch(/on conflict \("attempt_id", "question_id"\) do update set .* where "excluded"\."seq" > "attempt_answers"\."seq"/);
  if (isPostgres(db)) return; // PostgreSQL has had both since 9.5
  const version = await sql<{ v: string }>`select sqlite_version() as v`.execute(db);
  expect(version.rows[0].v >= "3.35").toBe(true); // RETURNING on upsert
});

describe("review that gives the answers away (finding: the demo exam taught its answers)", () => {
  it("warns when answers show after an attempt while more remain; the demo exams are safe", async () => {
    const base = { attempts: 2, closes_at: null };
    expect(reviewLeakWarning({ ...base, show_results: "after_submit" })).toMatch(/允许作答 2 次.*正确答案和解析/);
    expect(reviewLeakWarning({ ...base, show_results: "after_close" })).not.toBeNull(); // no close time: right after submit
    expect(reviewLeakWarning({ ...base, show_results: "after_close", closes_at: T0 })).toBeNull();
    expect(reviewLeakWarning({ ...base, show_results: "after_last_attempt" })).toBeNull();
    expect(reviewLeakWarning({ ...base, attempts: 1, show_results: "after_submit" })).toBeNull();
    expect(reviewLeakWarning({ ...base, attempts: 1, show_results: "after_submit" }, 1)).not.toBeNull(); // an extra attempt granted
    const { courses, errors } = parseCourses("courses");
    expect(errors).toEqual([]);
    const exams = courses.flatMap((c) => c.exams);
    expect(exams.length).toBeGreaterThan(0);
    for (const e of exams) expect(reviewLeakWarning(e.settings), e.key).toBeNull();
  });

  it("options in the bank's order (shuffle_options: false): the sync warns at the file and line, the exam page says so", async () => {
    expect(optionsInBankOrder({ shuffle_options: false, draw: [{ type: "单选", count: 1, score: 1, difficulty: null, knowledge: null }] })).toBe(true);
    expect(optionsInBankOrder({ shuffle_options: true, draw: [{ type: "单选", count: 1, score: 1, difficulty: null, knowledge: null }] })).toBe(false);
    // 判断 and 填空 have no options to order.
    expect(optionsInBankOrder({ shuffle_options: false, draw: [{ type: "判断", count: 1, score: 1, difficulty: null, knowledge: null }] })).toBe(false);
    const { errors, warnings } = parseCourses("tests/fixtures/exam-courses");
    expect(errors).toEqual([]);
    expect(warnings).toEqual([{ file: "tests/fixtures/exam-courses/exam-test/exams/window.md", line: 12, message: MSG.shuffleOff }]);
    expect(formatError(warnings[0]!)).toMatch(/^tests\/fixtures\/exam-courses\/exam-test\/exams\/window\.md:12: 选项乱序（shuffle_options）已关闭/);
    expect(parseCourses("courses").warnings.filter((w) => w.message === MSG.shuffleOff)).toEqual([]);
    const page = (key: string) => outcome(teachRoute.loader(args(`/teach/exam-test/exams/${key}`, { cookie: teacher.cookie }, { slug: "exam-test", key })));
    expect((await page("window")).data.orderWarning).toBe(MSG.shuffleOff);
    expect((await page("main")).data.orderWarning).toBeNull();
  });

  it("the exam page shows the warning to its instructor", async () => {
    const t = { slug: "exam-test", key: "main" };
    const page = await outcome(teachRoute.loader(args("/teach/exam-test/exams/main", { cookie: teacher.cookie }, t)));
    expect(page.data.reviewWarning).toMatch(/注意：本考试允许作答 2 次/);
  });

  it("after_last_attempt: the score after each submit, 正确答案 and 解析 only once no attempt is left", async () => {
    const ex = await examId("main");
    const row = await db.selectFrom("exams").select("settings").where("id", "=", ex).executeTakeFirstOrThrow();
    await db
      .updateTable("exams")
      .set({ settings: JSON.stringify({ ...JSON.parse(row.settings), show_results: "after_last_attempt" }) })
      .where("id", "=", ex)
      .execute();
    const first = await start("main", trainee.id, T0);
    await submitAttempt(db, { attemptId: first, userId: trainee.id, now: T0 + 10 });
    const r1 = await getAttemptReview(db, { attemptId: first, userId: trainee.id, now: T0 + 20 });
    expect(r1).toMatchObject({ visible: true, answersVisible: false, questions: [] });
    expect(r1!.attempt.score).toBe(0);
    const second = await start("main", trainee.id, T0 + 30);
    await submitAttempt(db, { attemptId: second, userId: trainee.id, now: T0 + 40 });
    const r2 = await getAttemptReview(db, { attemptId: first, userId: trainee.id, now: T0 + 50 });
    expect(r2).toMatchObject({ visible: true, answersVisible: true });
    expect(r2!.questions[0]).toHaveProperty("correct");
  });
});
