// Regrading after a question edit: the attempt keeps the version it saw; the instructor may regrade
// its answer with the newest version's key; the totals follow and the change is audited.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import * as teachRoute from "../../app/routes/teach.$slug.exams.$key._index.tsx";
import { syncCourses } from "../../app/models/courses.server.ts";
import { listEditedQuestions } from "../../app/models/exams/regrade.server.ts";
import { saveAnswer, submitAttempt } from "../../app/models/exams/autosave.server.ts";
import { startExamAttempt } from "../../app/models/exams/windows.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, testContext } from "../setup/db.ts";

let db: DB;
let root: string;
let trainee: Awaited<ReturnType<typeof createTestUser>>;
let teacher: Awaited<ReturnType<typeof createTestUser>>;
const T0 = 1_796_000_000;
const bankFile = () => path.join(root, "exam-test", "bank", "ceshi.md");

beforeEach(async () => {
  db = await createTestDb();
  const tree = await createTestTree(db);
  trainee = await createTestUser(db, { orgUnitId: tree.branchA });
  teacher = await createTestUser(db, { orgUnitId: tree.branchB, username: "js001", roles: ["instructor"], stage: "full" });
  root = fs.mkdtempSync(path.join(os.tmpdir(), "regrade-"));
  fs.cpSync("tests/fixtures/exam-courses", root, { recursive: true });
  expect((await syncCourses(db, { root })).ok).toBe(true);
});

async function sitWithWrongJudge() {
  const exam = await db.selectFrom("exams").select("id").where("key", "=", "main").executeTakeFirstOrThrow();
  const { attemptId } = await startExamAttempt(db, { examId: exam.id, userId: trainee.id, now: T0 });
  const j2 = await db
    .selectFrom("attempt_questions as aq")
    .innerJoin("questions as q", "q.id", "aq.question_id")
    .select(["q.id"])
    .where("aq.attempt_id", "=", attemptId)
    .where("q.key", "=", "j2")
    .executeTakeFirstOrThrow();
  // The key says 错误; the trainee answers 正确.
  expect((await saveAnswer(db, { attemptId, userId: trainee.id, questionId: j2.id, answer: { judge: true }, seq: 1, now: T0 + 5 })).ok).toBe(true);
  const done = await submitAttempt(db, { attemptId, userId: trainee.id, now: T0 + 10 });
  return { examId: exam.id, attemptId, oldId: j2.id, scoreBefore: done.score ?? 0 };
}

const act = (form: Record<string, string>) =>
  outcome(
    teachRoute.action({
      request: makeRequest("/teach/exam-test/exams/main", { cookie: teacher.cookie, form }),
      context: testContext(db),
      params: { slug: "exam-test", key: "main" },
    }),
  );

describe("regrade after a question edit", () => {
  it("regrades with the newest key, keeps the version the trainee saw, and audits", async () => {
    const { examId, attemptId, oldId, scoreBefore } = await sitWithWrongJudge();
    fs.writeFileSync(
      bankFile(),
      fs.readFileSync(bankFile(), "utf8").replace("党员可以不参加党的组织生活。\n答案：错误", "党员可以不参加党的组织生活。\n答案：正确"),
    );
    expect((await syncCourses(db, { root })).ok).toBe(true);

    const edited = await listEditedQuestions(db, examId);
    expect(edited).toMatchObject([{ id: oldId, key: "j2", version: 1, newVersion: 2, attempts: 1 }]);

    const r = await act({ intent: "regrade", questionId: String(oldId) });
    expect(r.data).toMatchObject({ ok: true, message: expect.stringContaining("1 份得分变化") });
    const after = await db.selectFrom("exam_attempts").select(["score"]).where("id", "=", attemptId).executeTakeFirstOrThrow();
    expect(after.score).toBe(scoreBefore + 1);
    const paper = await db.selectFrom("attempt_questions").select("question_id").where("attempt_id", "=", attemptId).execute();
    expect(paper.map((p) => p.question_id)).toContain(oldId);
    const entry = await db.selectFrom("audit_log").selectAll().where("action", "=", "exam.regrade").executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(teacher.id);
    expect(JSON.parse(entry.detail!).changed).toHaveLength(1);

    // Doing it again changes nothing.
    expect((await act({ intent: "regrade", questionId: String(oldId) })).data.message).toContain("0 份得分变化");
  });

  it("refuses a question never edited, and one whose edit changed the number of options", async () => {
    const { oldId } = await sitWithWrongJudge();
    expect((await act({ intent: "regrade", questionId: String(oldId) })).status).toBe(409);
    const s1 = await db.selectFrom("questions").select("id").where("key", "=", "s1").executeTakeFirstOrThrow();
    fs.writeFileSync(bankFile(), fs.readFileSync(bankFile(), "utf8").replace("- [ ] 中国青年\n", ""));
    expect((await syncCourses(db, { root })).ok).toBe(true);
    const r = await act({ intent: "regrade", questionId: String(s1.id) });
    expect(r).toMatchObject({ status: 409, data: { message: "题型或选项数已改变，无法按新版本重新评分" } });
  });

  it("is refused to a trainee", async () => {
    const { oldId } = await sitWithWrongJudge();
    const r = await outcome(
      teachRoute.action({
        request: makeRequest("/teach/exam-test/exams/main", { cookie: trainee.cookie, form: { intent: "regrade", questionId: String(oldId) } }),
        context: testContext(db),
        params: { slug: "exam-test", key: "main" },
      }),
    );
    expect(r.status).toBe(403);
  });
});
