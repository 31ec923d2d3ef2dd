// The bare baseline: node:http + better-sqlite3 doing the same database work as each app scenario,
// with no framework, no React and no Kysely — except pages, which render the app's own loaders and
// components without Remix and Express (./pages/render.tsx). Started as its own process by scripts/bench.ts.
// Where the app does non-database work that is the point of the request (argon2, Markdown, coverage
// arithmetic), the baseline does it too with the same functions, so the ratio measures the framework.
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { verify } from "@node-rs/argon2";
import Sqlite from "better-sqlite3";
import { randomBytes, randomInt } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { creditSegments, type Interval } from "../../app/utils/coverage.ts";
import { parseRange } from "../../app/utils/files.server.ts";
import { validateResponse } from "../../app/utils/exam-rules.ts";
import { configOf, loadEnv } from "../../app/utils/env.server.ts";
import { openConfiguredDatabase } from "../../app/utils/db.server.ts";
import { createStorage } from "../../app/utils/storage.server.ts";
import { usableSeal } from "../../app/models/certificates.server.ts";
import { pageServer } from "./pages/render.tsx";
import { bareCertificates } from "./bare/certificates.ts";
import { bareLedger } from "./bare/ledger.ts";
import { bareSimilarity } from "./bare/similarity.ts";

const dataDir = process.env.DATA_DIR!;
const db = new Sqlite(path.join(dataDir, "app.db"));
db.pragma("journal_mode = WAL");
db.pragma("busy_timeout = 5000");
db.pragma(`synchronous = ${process.env.DB_SYNCHRONOUS === "NORMAL" ? "NORMAL" : "FULL"}`);
db.pragma("foreign_keys = ON");

const q = {
  userByName: db.prepare("select id, password_hash from users where username = ?"),
  insertSession: db.prepare("insert into sessions (id, secret_hash, user_id, created_at, last_verified_at) values (?, ?, ?, ?, ?)"),
  sessionById: db.prepare("select * from sessions where id = ?"),
  userById: db.prepare("select id, name, username, stage, org_unit_id from users where id = ? and active = 1"),
  progress: db.prepare("select * from lesson_progress where user_id = ? and lesson_id = ?"),
  lessonForBeat: db.prepare(
    "select l.id, l.video_duration, c.progress from lessons l join courses c on c.id = l.course_id where l.id = ? and c.published = 1 and c.audience like ?",
  ),
  presence: db.prepare("select * from learning_presence where user_id = ?"),
  upsertPresence: db.prepare(
    "insert into learning_presence (user_id, lesson_id, tab_id, last_seen) values (?, ?, ?, ?) on conflict (user_id) do update set lesson_id = excluded.lesson_id, tab_id = excluded.tab_id, last_seen = excluded.last_seen",
  ),
  upsertProgress: db.prepare(
    `insert into lesson_progress (user_id, lesson_id, covered, furthest, position, seconds_credited, last_beat_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (user_id, lesson_id) do update set covered = excluded.covered, furthest = excluded.furthest, position = excluded.position,
     seconds_credited = excluded.seconds_credited, last_beat_at = excluded.last_beat_at, updated_at = excluded.updated_at`,
  ),
  media: db.prepare("select m.sha256, m.mime from course_media m join courses c on c.id = m.course_id where c.slug = ? and m.path = ? and c.audience like ?"),
};

type User = { id: number; name: string; username: string; stage: string; org_unit_id: number };
const hex = (s: string) => encodeHexLowerCase(sha256(new TextEncoder().encode(s)));
const now = () => Math.floor(Date.now() / 1000);

function currentUser(req: http.IncomingMessage): User | undefined {
  const m = /dx_session=([^;]+)/.exec(req.headers.cookie ?? "");
  if (!m) return undefined;
  const [id, secret] = m[1]!.split(".");
  const s = q.sessionById.get(id) as { secret_hash: string; user_id: number } | undefined;
  if (!s || s.secret_hash !== hex(secret ?? "")) return undefined;
  return q.userById.get(s.user_id) as User | undefined;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

async function login(req: http.IncomingMessage, res: http.ServerResponse) {
  const form = new URLSearchParams(await readBody(req));
  const user = q.userByName.get(form.get("username")) as { id: number; password_hash: string } | undefined;
  if (!user || !(await verify(user.password_hash, form.get("password") ?? ""))) return res.writeHead(401).end();
  const id = randomBytes(15).toString("hex");
  const secret = randomBytes(15).toString("hex");
  q.insertSession.run(id, hex(secret), user.id, now(), now());
  res.writeHead(302, { Location: "/", "Set-Cookie": `dx_session=${id}.${secret}; Path=/; HttpOnly` }).end();
}

async function beat(user: User, lessonId: number, req: http.IncomingMessage, res: http.ServerResponse) {
  const body = JSON.parse(await readBody(req)) as { tabId: string; segments: Interval[]; position: number };
  const t = now();
  const result = db
    .transaction(() => {
      const l = q.lessonForBeat.get(lessonId, `%"${user.stage}"%`) as { id: number; video_duration: number; progress: string } | undefined;
      if (!l) return null;
      const presence = q.presence.get(user.id) as { tab_id: string; last_seen: number } | undefined;
      if (presence && presence.tab_id !== body.tabId && presence.last_seen > t - 45) return { ok: false };
      q.upsertPresence.run(user.id, l.id, body.tabId, t);
      const row = q.progress.get(user.id, l.id) as { covered: string; furthest: number; last_beat_at: number | null } | undefined;
      const elapsed = row?.last_beat_at ? Math.min(60, t - row.last_beat_at) : 0;
      const r = creditSegments({
        covered: row ? JSON.parse(row.covered) : [],
        furthest: row?.furthest ?? 0,
        segments: body.segments,
        budget: elapsed ? elapsed + 2 : 0,
        tolerance: 3,
        lockSeek: true,
        duration: l.video_duration,
      });
      const total = r.covered.reduce((n, [s, e]) => n + e - s, 0);
      q.upsertProgress.run(user.id, l.id, JSON.stringify(r.covered), r.furthest, body.position, total, t, t);
      return { ok: true, credited: r.credited, furthest: r.furthest };
    })
    .immediate();
  if (!result) return res.writeHead(404).end();
  res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(result));
}

function media(user: User, slug: string, file: string, req: http.IncomingMessage, res: http.ServerResponse) {
  const m = q.media.get(slug, `media/${file}`, `%"${user.stage}"%`) as { sha256: string; mime: string } | undefined;
  if (!m) return res.writeHead(404).end();
  const abs = path.join(dataDir, "files", m.sha256.slice(0, 2), m.sha256);
  const size = fs.statSync(abs).size;
  const range = parseRange(req.headers.range ?? null, size);
  if (range === "unsatisfiable") return res.writeHead(416, { "Content-Range": `bytes */${size}` }).end();
  const { start, end } = range ?? { start: 0, end: size - 1 };
  res.writeHead(range ? 206 : 200, {
    "Content-Type": m.mime,
    "Content-Length": end - start + 1,
    "Accept-Ranges": "bytes",
    ...(range ? { "Content-Range": `bytes ${start}-${end}/${size}` } : {}),
  });
  fs.createReadStream(abs, { start, end }).pipe(res);
}

// ---- exams: the same work as startExamAttempt and saveAnswer (app/models/exams/windows.server.ts, autosave.server.ts)

const ex = {
  exam: db.prepare(
    "select e.id, e.settings, e.course_id, c.audience from exams e join courses c on c.id = e.course_id where c.slug = ? and e.key = ? and c.published = 1 and e.archived = 0",
  ),
  attempts: db.prepare("select id, status, deadline_at, grace_seconds, attempt_no from exam_attempts where exam_id = ? and user_id = ?"),
  override: db.prepare("select extra_minutes, extra_attempts from exam_overrides where exam_id = ? and user_id = ?"),
  pool: db.prepare(
    "select q.id, q.type, q.difficulty, q.knowledge, q.options from questions q join question_banks b on b.id = q.bank_id where b.course_id = ? and b.key in (select value from json_each(?)) and b.archived = 0 and q.archived = 0 order by q.id",
  ),
  insertAttempt: db.prepare(
    "insert into exam_attempts (exam_id, user_id, attempt_no, started_at, deadline_at, grace_seconds, max_score, extra_minutes) values (?, ?, ?, ?, ?, ?, ?, ?) returning id",
  ),
  attemptForUser: db.prepare("select id, status, deadline_at, grace_seconds from exam_attempts where id = ? and user_id = ?"),
  paperQuestion: db.prepare(
    "select q.type, q.options, q.stem_md, aa.seq, aa.saved_at from attempt_questions aq join questions q on q.id = aq.question_id left join attempt_answers aa on aa.attempt_id = aq.attempt_id and aa.question_id = aq.question_id where aq.attempt_id = ? and aq.question_id = ?",
  ),
  upsertAnswer: db.prepare(
    "insert into attempt_answers (attempt_id, question_id, answer, seq, saved_at) values (?, ?, ?, ?, ?) on conflict (attempt_id, question_id) do update set answer = excluded.answer, seq = excluded.seq, saved_at = excluded.saved_at where excluded.seq > attempt_answers.seq returning seq, saved_at",
  ),
};
type Settings = {
  banks: string[];
  duration_minutes: number;
  closes_at: number | null;
  attempts: number;
  grace_seconds: number;
  shuffle_options: boolean;
  draw: { type: string; count: number; score: number; difficulty: string[] | null; knowledge: string[] | null }[];
};

function shuffled<T>(a: T[]): T[] {
  const r = [...a];
  for (let i = r.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [r[i], r[j]] = [r[j]!, r[i]!];
  }
  return r;
}

const startAttempt = db.transaction((user: User, exam: { id: number; settings: string; course_id: number }) => {
  const t = now();
  const attempts = ex.attempts.all(exam.id, user.id) as { id: number; status: string; deadline_at: number; grace_seconds: number; attempt_no: number }[];
  const open = attempts.find((a) => a.status === "in_progress");
  if (open) return open.id;
  const settings = JSON.parse(exam.settings) as Settings;
  const o = ex.override.get(exam.id, user.id) as { extra_minutes: number; extra_attempts: number } | undefined;
  if (attempts.length >= settings.attempts + (o?.extra_attempts ?? 0)) return null;
  const pool = ex.pool.all(exam.course_id, JSON.stringify(settings.banks)) as {
    id: number;
    type: string;
    difficulty: string;
    knowledge: string | null;
    options: string | null;
  }[];
  const paper: { id: number; score: number; order: string | null }[] = [];
  for (const rule of settings.draw) {
    const c = pool.filter(
      (q) =>
        q.type === rule.type &&
        (!rule.difficulty?.length || rule.difficulty.includes(q.difficulty)) &&
        (!rule.knowledge?.length || rule.knowledge.includes(q.knowledge ?? "")),
    );
    for (const q of shuffled(c).slice(0, rule.count)) {
      const n = q.options ? (JSON.parse(q.options) as unknown[]).length : 0;
      const idx = Array.from({ length: n }, (_, i) => i);
      paper.push({ id: q.id, score: rule.score, order: n ? JSON.stringify(settings.shuffle_options ? shuffled(idx) : idx) : null });
    }
  }
  const extra = (o?.extra_minutes ?? 0) * 60;
  const byDuration = t + settings.duration_minutes * 60 + extra;
  const deadline = settings.closes_at === null ? byDuration : Math.min(byDuration, settings.closes_at + extra);
  const maxScore = paper.reduce((n, q) => n + q.score, 0);
  const { id } = ex.insertAttempt.get(exam.id, user.id, attempts.length + 1, t, deadline, settings.grace_seconds, maxScore, o?.extra_minutes ?? 0) as {
    id: number;
  };
  db.prepare(
    `insert into attempt_questions (attempt_id, position, question_id, option_order, score) values ${paper.map(() => "(?, ?, ?, ?, ?)").join(", ")}`,
  ).run(...paper.flatMap((q, i) => [id, i + 1, q.id, q.order, q.score]));
  return id;
});

function startExam(user: User, slug: string, key: string, res: http.ServerResponse) {
  const exam = ex.exam.get(slug, key) as { id: number; settings: string; course_id: number; audience: string } | undefined;
  if (!exam || !(JSON.parse(exam.audience) as string[]).includes(user.stage)) return res.writeHead(404).end();
  const id = startAttempt.immediate(user, exam);
  if (id === null) return res.writeHead(409).end();
  res.writeHead(302, { Location: `/exam-attempts/${id}` }).end();
}

const saveInTransaction = db.transaction((user: User, attemptId: number, body: { questionId: number; seq: number; answer: unknown }) => {
  const t = now();
  const a = ex.attemptForUser.get(attemptId, user.id) as { status: string; deadline_at: number; grace_seconds: number } | undefined;
  if (!a) return { status: 404, body: { ok: false, reason: "not_found" } };
  if (a.status !== "in_progress") return { status: 409, body: { ok: false, reason: "finished" } };
  if (t > a.deadline_at + a.grace_seconds) return { status: 410, body: { ok: false, reason: "deadline" } };
  const q = ex.paperQuestion.get(attemptId, body.questionId) as
    { type: "判断"; options: string | null; stem_md: string; seq: number | null; saved_at: number | null } | undefined;
  if (!q) return { status: 404, body: { ok: false, reason: "not_found" } };
  const response = validateResponse(q, body.answer);
  if (!response) return { status: 400, body: { ok: false, reason: "bad_answer" } };
  const row = ex.upsertAnswer.get(attemptId, body.questionId, JSON.stringify(response), body.seq, t) as { seq: number; saved_at: number } | undefined;
  return {
    status: 200,
    body: row
      ? { ok: true, seq: row.seq, savedAt: row.saved_at, applied: true, now: t }
      : { ok: true, seq: q.seq, savedAt: q.saved_at, applied: false, now: t },
  };
});

async function saveExamAnswer(user: User, attemptId: number, req: http.IncomingMessage, res: http.ServerResponse) {
  let raw = "";
  for await (const chunk of req) raw += chunk;
  const body = JSON.parse(raw) as { questionId: number; seq: number; answer: unknown };
  const r = saveInTransaction.immediate(user, attemptId, body);
  res.writeHead(r.status, { "Content-Type": "application/json", "Cache-Control": "no-store" }).end(JSON.stringify({ ...r.body, serverTime: Date.now() }));
}

// ---- measurements (scripts/bench/scenarios/ledger.ts, certificates.ts, similarity.ts): handlers in ./bare/

const env = loadEnv();
const exportLedger = bareLedger(db);
const certificates = bareCertificates(db, { schoolCode: env.SCHOOL_CODE, schoolName: env.SCHOOL_NAME });
const similarity = bareSimilarity(db);
// Pages: the same loaders and components as the app, rendered without Remix and Express (./pages/render.tsx).
const pages = pageServer(
  {
    db: openConfiguredDatabase(env),
    storage: createStorage(env.dataDir),
    config: configOf(env, usableSeal(env.CERT_SEAL_PATH)),
    cookieSecure: env.cookieSecure,
    schoolName: env.SCHOOL_NAME,
  },
  { production: true },
);

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "POST" && url.pathname === "/login") return await login(req, res);
    if (await pages(req, res)) return;
    const user = currentUser(req);
    if (!user) return res.writeHead(302, { Location: "/login" }).end();
    let m: RegExpExecArray | null;
    if (req.method === "POST" && (m = /^\/api\/lessons\/(\d+)\/beat$/.exec(url.pathname))) return await beat(user, Number(m[1]), req, res);
    if (req.method === "GET" && (m = /^\/media\/courses\/([^/]+)\/(.+)$/.exec(url.pathname))) return media(user, m[1]!, m[2]!, req, res);
    if (req.method === "POST" && (m = /^\/courses\/([^/]+)\/exams\/([^/]+)$/.exec(url.pathname))) return startExam(user, m[1]!, m[2]!, res);
    if (req.method === "POST" && (m = /^\/exam-attempts\/(\d+)\/answers$/.exec(url.pathname))) return await saveExamAnswer(user, Number(m[1]), req, res);
    if (req.method === "GET" && (m = /^\/admin\/ledger\/export\.(csv|xlsx)$/.exec(url.pathname)))
      return await exportLedger(user, m[1] as "csv" | "xlsx", req, res);
    if (req.method === "POST" && (m = /^\/admin\/classes\/(\d+)\/completion(\.data)?$/.exec(url.pathname)))
      return certificates.confirm(user, Number(m[1]), req, res);
    if (req.method === "GET" && (m = /^\/admin\/classes\/(\d+)\/certificates\.zip$/.exec(url.pathname)))
      return await certificates.zip(user, Number(m[1]), req, res);
    if (req.method === "POST" && (m = /^\/courses\/([^/]+)\/assignments\/([^/.]+)(\.data)?$/.exec(url.pathname)))
      return await similarity.submit(user, m[1]!, m[2]!, req, res);
    if (req.method === "POST" && (m = /^\/teach\/([^/]+)\/assignments\/([^/.]+)(\.data)?$/.exec(url.pathname)))
      return await similarity.recompute(user, m[1]!, m[2]!, req, res);
    res.writeHead(404).end();
  } catch (e) {
    res.writeHead(500).end(String(e));
  }
});

server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("baseline ready"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
