// Exam benchmarks: the start storm (3,000 trainees start the demo exam at once) and autosave (the
// seq-guarded upsert) with synchronous=FULL and NORMAL; every acknowledged save is checked afterwards.
import path from "node:path";
import { startExamAttempt } from "../../../app/models/exams/windows.server.ts";
import { openDatabase, type DB } from "../../../app/utils/db.server.ts";
import { makeTrainees } from "../fixtures.ts";
import type { Request, Scenario } from "../types.ts";

const EXAM_PATH = "/courses/jijifenzi-peixun/exams/jieye-kaoshi";
const STORM = 3000;
const SAVERS = 500;

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1));
}

/** Latencies measured per request through autocannon's hooks (autocannon has no p95). */
function latencyTracker() {
  const samples: number[] = [];
  return {
    samples,
    begin: (context: Record<string, unknown>) => (context.t0 = performance.now()),
    end: (context: Record<string, unknown>) => samples.push(performance.now() - (context.t0 as number)),
    summary: () => {
      const s = [...samples].sort((a, b) => a - b);
      return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: Number((s[s.length - 1] ?? 0).toFixed(1)) };
    },
  };
}

// ------------------------------------------------------------------------------------------ start storm

let storm: { prefix: string; latency: ReturnType<typeof latencyTracker> } | undefined;
let stormRun = 0;

async function stormRequests(dataDir: string): Promise<Request[]> {
  const prefix = `st${++stormRun}x`; // fresh trainees for the app run and for the baseline run
  const cookies = makeTrainees(dataDir, STORM, { prefix });
  const latency = latencyTracker();
  storm = { prefix, latency };
  let next = 0;
  return [
    {
      method: "POST",
      path: EXAM_PATH,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "",
      setupRequest: (req, context) => {
        latency.begin(context);
        return { ...req, headers: { ...req.headers, cookie: cookies[next++ % cookies.length]! } };
      },
      onResponse: (_status, _body, context) => latency.end(context),
    },
  ];
}

async function verifyStorm(dataDir: string, given?: DB) {
  const db = given ?? openDatabase(path.join(dataDir, "app.db"));
  const mine = db.selectFrom("exam_attempts as a").innerJoin("users as u", "u.id", "a.user_id").where("u.username", "like", `${storm!.prefix}%`);
  const attempts = await mine
    .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.count<number>("a.user_id").distinct().as("users")])
    .executeTakeFirstOrThrow();
  const rows = await mine
    .innerJoin("attempt_questions as aq", "aq.attempt_id", "a.id")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  if (!given) await db.destroy();
  return { started: attempts.n, distinctTrainees: attempts.users, paperRows: rows.n, ...storm!.latency.summary() };
}

// ------------------------------------------------------------------------------------------ autosave

type Slot = { attemptId: number; questionId: number; cookie: string };
let autosave: { acked: Map<string, number>; sent: number } | undefined;

/** 500 trainees with an attempt in progress; each save goes to one of their 判断 questions with a rising seq. */
async function autosaveRequests(dataDir: string): Promise<Request[]> {
  const cookies = makeTrainees(dataDir, SAVERS, { prefix: "as" });
  const db = openDatabase(path.join(dataDir, "app.db"));
  const exam = await db
    .selectFrom("exams")
    .select("id")
    .where("key", "=", "jieye-kaoshi")
    .where("course_id", "in", db.selectFrom("courses").select("id").where("slug", "=", "jijifenzi-peixun"))
    .executeTakeFirstOrThrow();
  const slots: Slot[] = [];
  for (const cookie of cookies) {
    const sid = cookie.split("=")[1]!.split(".")[0]!;
    const { user_id } = await db.selectFrom("sessions").select("user_id").where("id", "=", sid).executeTakeFirstOrThrow();
    const { attemptId } = await startExamAttempt(db, { examId: exam.id, userId: user_id });
    const judges = await db
      .selectFrom("attempt_questions as aq")
      .innerJoin("questions as q", "q.id", "aq.question_id")
      .select("aq.question_id")
      .where("aq.attempt_id", "=", attemptId)
      .where("q.type", "=", "判断")
      .execute();
    for (const j of judges) slots.push({ attemptId, questionId: j.question_id, cookie });
  }
  const maxSeq = await db
    .selectFrom("attempt_answers")
    .select((eb) => eb.fn.max("seq").as("m"))
    .executeTakeFirst();
  await db.destroy();
  let seq = Number(maxSeq?.m ?? 0);
  const state = { acked: new Map<string, number>(), sent: 0 };
  autosave = state;
  return [
    {
      method: "POST",
      path: "/",
      headers: { "content-type": "application/json" },
      setupRequest: (req, context) => {
        const slot = slots[state.sent++ % slots.length]!;
        const s = ++seq;
        context.key = `${slot.attemptId}:${slot.questionId}`;
        context.seq = s;
        return {
          ...req,
          path: `/exam-attempts/${slot.attemptId}/answers`,
          headers: { ...req.headers, cookie: slot.cookie },
          body: JSON.stringify({ questionId: slot.questionId, seq: s, answer: { judge: s % 2 === 0 } }),
        };
      },
      onResponse: (status, body, context) => {
        if (status !== 200 || !(JSON.parse(body) as { ok: boolean }).ok) return;
        const key = context.key as string;
        state.acked.set(key, Math.max(state.acked.get(key) ?? 0, context.seq as number));
      },
    },
  ];
}

/** Every acknowledged save is in the database: the stored seq is at least the acknowledged one, with its answer. */
async function verifyAutosave(dataDir: string, given?: DB) {
  const db = given ?? openDatabase(path.join(dataDir, "app.db"));
  const rows = await db.selectFrom("attempt_answers").select(["attempt_id", "question_id", "seq", "answer"]).execute();
  if (!given) await db.destroy();
  const stored = new Map(rows.map((r) => [`${r.attempt_id}:${r.question_id}`, r]));
  let lost = 0;
  for (const [key, seq] of autosave!.acked) {
    const row = stored.get(key);
    if (!row || row.seq < seq || (row.seq === seq && JSON.parse(row.answer).judge !== (seq % 2 === 0))) lost++;
  }
  return { acknowledgedKeys: autosave!.acked.size, lostAcknowledged: lost };
}

const autosaveScenario = (name: string, what: string, extra: Partial<Scenario>): Scenario => ({
  name,
  what,
  connections: 50,
  seconds: 15,
  requests: autosaveRequests,
  verify: verifyAutosave,
  ...extra,
});

export const examScenarios: Scenario[] = [
  {
    name: "exam-start",
    what: `${STORM} different trainees POST ${EXAM_PATH} at once (draw 37 of 59 questions, store the paper), 100 connections`,
    connections: 100,
    seconds: 60,
    amount: STORM,
    redirectsOk: true,
    requests: stormRequests,
    verify: verifyStorm,
  },
  {
    name: "exam-start-paced",
    what: `about ${STORM} different trainees POST ${EXAM_PATH} at random moments within 10 s (300 starts/s)`,
    connections: 100,
    seconds: 10,
    rate: 300,
    redirectsOk: true,
    requests: stormRequests,
    verify: verifyStorm,
  },
  autosaveScenario("autosave", "autosave as fast as answered: 500 trainees, seq-guarded upsert, synchronous=FULL", {}),
  autosaveScenario("autosave-normal", "the same with synchronous=NORMAL", { env: { DB_SYNCHRONOUS: "NORMAL" } }),
  // Fixed rates: 1,000 trainees saving every 10 s is 100 saves/s; 3,000 (a whole cohort) is 300.
  ...[100, 200, 300, 400].map((r) => autosaveScenario(`autosave-${r}`, `${r} saves/s arriving at random moments, synchronous=FULL`, { rate: r, seconds: 20 })),
  ...[300, 400].map((r) =>
    autosaveScenario(`autosave-${r}-normal`, `the same ${r} saves/s with synchronous=NORMAL`, { rate: r, seconds: 20, env: { DB_SYNCHRONOUS: "NORMAL" } }),
  ),
];
