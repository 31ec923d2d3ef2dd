// Mixed write load for the fault scripts, with a ledger of every write the server acknowledged and a
// check of that ledger against the database: exam answers (seq-guarded autosave), progress heartbeats,
// assignment draft autosaves, submissions (the first with a PDF attachment) and sign-ins. Used by the
// crash, soak, graceful-stop and two-instance proofs and by crash-autosave (answers only).
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { setExamOverride } from "../../app/models/exams/grading.server.ts";
import { now, type DB } from "../../app/utils/db.server.ts";
import { DATABASE_UNAVAILABLE } from "../../app/utils/db-outage.server.ts";
import { createSession, SESSION_COOKIE } from "../../app/utils/session.server.ts";
import { makeEssay, rng } from "../../tests/fixtures/essays.ts";
import { openStore, sleep, type Store } from "./server.ts";

const DEMO = "jijifenzi-peixun";
export const EXAM_PATH = `/courses/${DEMO}/exams/jieye-kaoshi`;
export const ASSIGNMENT_PATH = `/courses/${DEMO}/assignments/01-sixiang-huibao`;
const DEMO_PASSWORD = "dangxiao2026";

// ------------------------------------------------------------------------------------------ HTTP

type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string };
/** A failed request, with what the client knows about where it failed. */
type SendError = Error & { code?: string; reusedSocket?: boolean; answered?: boolean; upstream?: string };

/**
 * A reply that is a refusal rather than an answer of the app: the proxy's 502 for an upstream that failed
 * (killed, stopping), or the app's 503 with the Chinese message while the database is away. Thrown as a
 * SendError, so that it counts as a failed request (expected only while something is down on purpose).
 */
function refusal(res: Reply): SendError | null {
  const upstream = res.headers["x-upstream"] === undefined ? undefined : String(res.headers["x-upstream"]);
  if (res.status === 502 && res.headers["x-upstream-error"]) {
    const [code, reused] = String(res.headers["x-upstream-error"]).split(" ");
    return Object.assign(new Error(`proxy: upstream ${upstream} failed`), {
      code: `502 ${code}`,
      reusedSocket: reused === "reused",
      answered: false,
      upstream,
    });
  }
  if (res.status === 503 && res.body.includes(DATABASE_UNAVAILABLE)) {
    return Object.assign(new Error("database unavailable"), { code: "503 数据库暂时无法连接", answered: false, upstream });
  }
  return null;
}

/**
 * A keep-alive HTTP client (node:http, so a failure says whether it happened on a reused connection).
 * Like a browser, it sends a request once more on a new connection when a reused keep-alive connection
 * turns out to be closed before any answer (the server had closed it while idle, so it never read the
 * request); `retried` counts those.
 */
export function httpClient(maxSockets = 64) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const stats = { retried: 0 };
  const once = (base: string, p: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer }, fresh: boolean) =>
    new Promise<Reply>((resolve, reject) => {
      const body = init.body === undefined ? undefined : Buffer.isBuffer(init.body) ? init.body : Buffer.from(init.body);
      const req = http.request(new URL(p, base), {
        method: init.method ?? "GET",
        agent: fresh ? false : agent,
        headers: { ...init.headers, ...(body ? { "Content-Length": String(body.length) } : {}) },
      });
      let answered = false;
      const fail = (e: SendError) => reject(Object.assign(e, { reusedSocket: req.reusedSocket, answered }));
      req.on("response", (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", fail);
      });
      req.on("error", fail);
      req.setTimeout(30_000, () => req.destroy(Object.assign(new Error("no answer in 30 s"), { code: "TIMEOUT" })));
      req.end(body);
    });
  const send = async (base: string, p: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}) => {
    try {
      return await once(base, p, init, false);
    } catch (e) {
      const err = e as SendError;
      if (!err.reusedSocket || err.answered || !["ECONNRESET", "EPIPE"].includes(err.code ?? "")) throw err;
      stats.retried++;
      return once(base, p, init, true);
    }
  };
  return { send, stats, close: () => agent.destroy() };
}

/** A multipart body as a browser would encode it. */
export async function multipart(fields: Record<string, string | [Buffer, string]>): Promise<{ body: Buffer; type: string }> {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) {
    if (typeof v === "string") fd.append(k, v);
    else fd.append(k, new Blob([new Uint8Array(v[0])]), v[1]);
  }
  const r = new Request("http://x/", { method: "POST", body: fd });
  return { body: Buffer.from(await r.arrayBuffer()), type: r.headers.get("content-type")! };
}

// ------------------------------------------------------------------------------------------ world

type Trainee = { userId: number; username: string; cookie: string };
export type AttemptSlot = { attemptId: number; questionId: number; type: "判断" | "简答"; cookie: string };
export type World = {
  attempts: { id: number; cookie: string; deadline: number }[];
  slots: AttemptSlot[];
  beaters: (Trainee & { lessonId: number; video: boolean; tabId: string; position: number })[];
  drafters: Trainee[];
  submitters: (Trainee & { busy: boolean; attached: boolean; pdf: Buffer })[];
  logins: string[];
};

/** `count` trainees in the first branch, each with a live session; users that exist are reused (per prefix). */
async function traineesOf(db: DB, count: number, prefix: string): Promise<Trainee[]> {
  if (count === 0) return [];
  const unit = await db.selectFrom("org_units").select("id").where("kind", "=", "branch").orderBy("id").executeTakeFirstOrThrow();
  // The demo password's hash, reused, so that creating trainees costs no hashing.
  const { password_hash } = await db.selectFrom("users").select("password_hash").where("username", "=", "2023001").executeTakeFirstOrThrow();
  const t = now();
  const out: Trainee[] = [];
  for (let i = 0; i < count; i++) {
    const username = `${prefix}${String(i).padStart(6, "0")}`;
    await db
      .insertInto("users")
      .values({
        username,
        name: `压测学员${i}`,
        gender: "男",
        org_unit_id: unit.id,
        stage: "activist",
        password_hash,
        must_change_password: 0,
        active: 1,
        created_at: t,
        updated_at: t,
      })
      .onConflict((oc) => oc.column("username").doNothing())
      .execute();
    const { id } = await db.selectFrom("users").select("id").where("username", "=", username).executeTakeFirstOrThrow();
    await db
      .insertInto("user_roles")
      .values({ user_id: id, role: "trainee" })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const { token } = await createSession(db, id);
    out.push({ userId: id, username, cookie: `${SESSION_COOKIE}=${token}` });
  }
  return out;
}

/**
 * Trainees with live sessions for each kind of write, and an exam attempt in progress for each exam
 * trainee (given two hours' extra time, so a long soak never reaches the deadline).
 */
export async function prepareWorld(
  base: string,
  store: Store,
  opts: { prefix: string; examinees?: number; beaters?: number; drafters?: number; submitters?: number; logins?: number },
): Promise<World> {
  const { prefix } = opts;
  const client = httpClient(8);
  const db = openStore(store);
  try {
    const examinees = await traineesOf(db, opts.examinees ?? 16, `${prefix}e`);
    const exam = await db
      .selectFrom("exams")
      .innerJoin("courses", "courses.id", "exams.course_id")
      .select("exams.id")
      .where("courses.slug", "=", DEMO)
      .where("exams.key", "=", "jieye-kaoshi")
      .executeTakeFirstOrThrow();
    const admin = await db.selectFrom("users").select("id").where("username", "=", "zzb001").executeTakeFirstOrThrow();
    const attempts: World["attempts"] = [];
    for (const t of examinees) {
      await setExamOverride(
        db,
        { examId: exam.id, username: t.username, extraMinutes: 120, extraAttempts: 0, reason: "故障测试：长时间压测" },
        { actorId: admin.id },
      );
      const res = await client.send(base, EXAM_PATH, {
        method: "POST",
        headers: { Cookie: t.cookie, Origin: base, "Content-Type": "application/x-www-form-urlencoded" },
        body: "",
      });
      const id = Number(/\/exam-attempts\/(\d+)$/.exec(String(res.headers.location ?? ""))?.[1]);
      if (!id) throw new Error(`exam start failed for ${t.username}: ${res.status} ${res.body.slice(0, 200)}`);
      const a = await db.selectFrom("exam_attempts").select("deadline_at").where("id", "=", id).executeTakeFirstOrThrow();
      attempts.push({ id, cookie: t.cookie, deadline: a.deadline_at });
    }
    const slots: AttemptSlot[] = [];
    for (const a of attempts) {
      const qs = await db
        .selectFrom("attempt_questions as aq")
        .innerJoin("questions as q", "q.id", "aq.question_id")
        .select(["aq.question_id", "q.type"])
        .where("aq.attempt_id", "=", a.id)
        .where("q.type", "in", ["判断", "简答"])
        .execute();
      for (const q of qs) slots.push({ attemptId: a.id, questionId: q.question_id, type: q.type as AttemptSlot["type"], cookie: a.cookie });
    }
    const lessons = await db
      .selectFrom("lessons")
      .innerJoin("courses", "courses.id", "lessons.course_id")
      .select(["lessons.id", "lessons.video"])
      .where("courses.slug", "=", DEMO)
      .orderBy("lessons.position")
      .execute();
    const beaters = (await traineesOf(db, opts.beaters ?? 16, `${prefix}b`)).map((t, i) => {
      const lesson = lessons[i % lessons.length]!;
      return { ...t, lessonId: lesson.id, video: lesson.video !== null, tabId: `fault-tab-${prefix}-${i}`, position: 0 };
    });
    const drafters = await traineesOf(db, opts.drafters ?? 8, `${prefix}d`);
    const submitters = (await traineesOf(db, opts.submitters ?? 6, `${prefix}s`)).map((t) => ({
      ...t,
      busy: false,
      attached: false,
      pdf: Buffer.from(`%PDF-1.4\n% ${t.username}\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`),
    }));
    const logins = (await traineesOf(db, opts.logins ?? 4, `${prefix}l`)).map((t) => t.username);
    return { attempts, slots, beaters, drafters, submitters, logins };
  } finally {
    await db.destroy();
    client.close();
  }
}

// ------------------------------------------------------------------------------------------ ledger

export type Ledger = {
  /** attempt:question → highest acknowledged seq and the answer sent with it. */
  answers: Map<string, { seq: number; value: string }>;
  /** user:lesson → the most the server said it had credited. */
  beats: Map<string, { readSeconds: number; furthest: number; completed: boolean }>;
  /** user → highest acknowledged draft seq and its text. */
  drafts: Map<number, { seq: number; text: string }>;
  /** Acknowledged submissions: user, version number, text and the attachment when there was one. */
  versions: { userId: number; version: number; text: string; file?: { sha256: string; size: number } }[];
  /** Acknowledged sign-ins: the session cookie each one set. */
  sessions: { cookie: string; at: number }[];
  /** Requests that failed at the client (or were refused: see `refusal`), with a mark that tells whether the server applied them anyway, and how long they took. */
  failed: { op: Op; key: string; seq?: number; text?: string; code: string; reusedSocket: boolean; answered: boolean; at: number; ms: number }[];
  counts: Record<Op, { sent: number; acked: number }>;
  /** Answers that were neither an acknowledgement nor a failure of the connection. */
  unexpected: { op: Op; status: number; body: string }[];
};

export type Op = "answer" | "beat" | "draft" | "submit" | "login";
export const OPS: Op[] = ["answer", "beat", "draft", "submit", "login"];

export function newLedger(): Ledger {
  return {
    answers: new Map(),
    beats: new Map(),
    drafts: new Map(),
    versions: [],
    sessions: [],
    failed: [],
    counts: Object.fromEntries(OPS.map((o) => [o, { sent: 0, acked: 0 }])) as Ledger["counts"],
    unexpected: [],
  };
}

export const ANSWERS_ONLY: Partial<Record<Op, number>> = { answer: 1 };
export const MIXED: Partial<Record<Op, number>> = { answer: 45, beat: 30, draft: 14, submit: 6, login: 5 };

let seq = Date.now() % 1_000_000; // rising across rounds and runs of one script
const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;

/**
 * Workers sending writes until `stop()` says so, as fast as answered or at `rate` requests/s in all.
 * `down(upstream, startedAt)` tells whether a failure is expected (a server was killed or the database stopped on
 * purpose; `upstream` is the proxy's index of the instance that failed, when a proxy answered; `startedAt` when
 * the request was sent, in ms since the epoch).
 */
export async function runLoad(opts: {
  target: () => string;
  world: World;
  ledger: Ledger;
  workers: number;
  stop: () => boolean;
  down?: (upstream: string | undefined, startedAt: number) => boolean;
  mix?: Partial<Record<Op, number>>;
  rate?: number;
  client?: ReturnType<typeof httpClient>;
}): Promise<void> {
  const { world: w, ledger } = opts;
  const client = opts.client ?? httpClient(opts.workers);
  const mix = Object.entries(opts.mix ?? MIXED).filter(([, n]) => n! > 0) as [Op, number][];
  const total = mix.reduce((a, [, n]) => a + n, 0);
  const chooseOp = (): Op => {
    let r = Math.random() * total;
    for (const [op, n] of mix) if ((r -= n) < 0) return op;
    return mix[0]![0];
  };
  let next = performance.now();

  const send = async (...args: Parameters<typeof client.send>) => {
    const res = await client.send(...args);
    const refused = refusal(res);
    if (refused) throw refused;
    return res;
  };

  const one = async (op: Op) => {
    const base = opts.target();
    const began = performance.now();
    const startedAt = Date.now();
    const form = (cookie: string) => ({ Cookie: cookie, Origin: base, "Content-Type": "application/x-www-form-urlencoded" });
    const json = (cookie: string) => ({ Cookie: cookie, Origin: base, "Content-Type": "application/json" });
    let mark: { key: string; seq?: number; text?: string } = { key: "" };
    const c = ledger.counts[op];
    try {
      switch (op) {
        case "answer": {
          const slot = pick(w.slots);
          const s = ++seq;
          const answer = slot.type === "判断" ? { judge: s % 2 === 0 } : { text: `作答 ${s}` };
          const key = `${slot.attemptId}:${slot.questionId}`;
          mark = { key, seq: s };
          c.sent++;
          const res = await send(base, `/exam-attempts/${slot.attemptId}/answers`, {
            method: "POST",
            headers: json(slot.cookie),
            body: JSON.stringify({ questionId: slot.questionId, seq: s, answer }),
          });
          if (res.status === 200 && (JSON.parse(res.body) as { ok: boolean }).ok) {
            c.acked++;
            const prev = ledger.answers.get(key);
            if (!prev || prev.seq < s) ledger.answers.set(key, { seq: s, value: JSON.stringify(answer) });
          } else ledger.unexpected.push({ op, status: res.status, body: res.body.slice(0, 200) });
          return;
        }
        case "beat": {
          const b = pick(w.beaters);
          const from = b.position;
          b.position = Math.min(from + 12, 57);
          mark = { key: `${b.userId}:${b.lessonId}` };
          c.sent++;
          const body = { tabId: b.tabId, segments: b.video ? [[from, b.position]] : [], position: b.position, visible: true, takeover: true };
          const res = await send(base, `/api/lessons/${b.lessonId}/beat`, { method: "POST", headers: json(b.cookie), body: JSON.stringify(body) });
          const r = res.status === 200 ? (JSON.parse(res.body) as { ok: boolean; readSeconds: number; furthest: number; completed: boolean }) : null;
          if (r?.ok) {
            c.acked++;
            const prev = ledger.beats.get(mark.key) ?? { readSeconds: 0, furthest: 0, completed: false };
            ledger.beats.set(mark.key, {
              readSeconds: Math.max(prev.readSeconds, r.readSeconds),
              furthest: Math.max(prev.furthest, r.furthest),
              completed: prev.completed || r.completed,
            });
          } else ledger.unexpected.push({ op, status: res.status, body: res.body.slice(0, 200) });
          return;
        }
        case "draft": {
          const d = pick(w.drafters);
          const s = ++seq;
          const text = `草稿 ${d.username} ${s}`;
          mark = { key: String(d.userId), seq: s, text };
          c.sent++;
          const res = await send(base, `${ASSIGNMENT_PATH}.data`, {
            method: "POST",
            headers: form(d.cookie),
            body: new URLSearchParams({ intent: "autosave", text, seq: String(s) }).toString(),
          });
          if (res.status === 200 && res.body.includes('"ok",true')) {
            c.acked++;
            const prev = ledger.drafts.get(d.userId);
            if (!prev || prev.seq < s) ledger.drafts.set(d.userId, { seq: s, text });
          } else ledger.unexpected.push({ op, status: res.status, body: res.body.slice(0, 200) });
          return;
        }
        case "submit": {
          const free = w.submitters.filter((x) => !x.busy);
          if (!free.length) return;
          const sub = pick(free);
          sub.busy = true;
          try {
            const s = ++seq;
            // Each its own essay (the similarity check compares every version with the others).
            const text = `提交 ${sub.username} ${s}\n\n${makeEssay(rng(s), 1700)}`;
            mark = { key: String(sub.userId), text };
            const attach = !sub.attached;
            const fields: Record<string, string | [Buffer, string]> = { intent: "submit", text };
            if (attach) fields.files = [sub.pdf, `${sub.username}.pdf`];
            const { body, type } = await multipart(fields);
            c.sent++;
            const res = await send(base, `${ASSIGNMENT_PATH}.data`, {
              method: "POST",
              headers: { Cookie: sub.cookie, Origin: base, "Content-Type": type },
              body,
            });
            const version = Number(/已提交第 (\d+) 版/.exec(res.body)?.[1]);
            if (res.status === 200 && version) {
              c.acked++;
              if (attach) sub.attached = true;
              ledger.versions.push({
                userId: sub.userId,
                version,
                text,
                ...(attach ? { file: { sha256: createHash("sha256").update(sub.pdf).digest("hex"), size: sub.pdf.length } } : {}),
              });
            } else ledger.unexpected.push({ op, status: res.status, body: res.body.slice(0, 200) });
          } finally {
            sub.busy = false;
          }
          return;
        }
        case "login": {
          const username = pick(w.logins);
          mark = { key: username };
          c.sent++;
          const res = await send(base, "/login", {
            method: "POST",
            headers: form(""),
            body: new URLSearchParams({ username, password: DEMO_PASSWORD }).toString(),
          });
          const cookie = String(res.headers["set-cookie"] ?? "").split(";")[0]!;
          if (res.status === 302 && cookie.startsWith("__Host-dx_session=")) {
            c.acked++;
            ledger.sessions.push({ cookie, at: Date.now() });
          } else ledger.unexpected.push({ op, status: res.status, body: res.body.slice(0, 200) });
          return;
        }
      }
    } catch (e) {
      const err = e as SendError;
      ledger.failed.push({
        op,
        ...mark,
        code: err.code ?? err.message,
        reusedSocket: Boolean(err.reusedSocket),
        answered: Boolean(err.answered),
        at: Date.now(),
        ms: performance.now() - began,
      });
      if (!opts.down?.(err.upstream, startedAt)) ledger.unexpected.push({ op, status: 0, body: `${err.code ?? ""} ${err.message}`.slice(0, 200) });
      else await sleep(20); // the server is gone: do not spin
    }
  };

  const worker = async () => {
    while (!opts.stop()) {
      if (opts.rate) {
        const at = next;
        next = Math.max(next + 1000 / opts.rate, performance.now() - 1000);
        const wait = at - performance.now();
        if (wait > 0) await sleep(wait);
        if (opts.stop()) break;
      }
      await one(chooseOp());
    }
  };
  await Promise.all(Array.from({ length: opts.workers }, worker));
  if (!opts.client) client.close();
}

// ------------------------------------------------------------------------------------------ checks

export type Verdict = {
  /** Acknowledged writes checked, per kind. */
  checked: Record<"answers" | "beats" | "drafts" | "versions" | "files" | "sessions" | "deadlines", number>;
  /** Acknowledged writes missing or older than acknowledged, per kind, with examples. */
  lost: Record<"answers" | "beats" | "drafts" | "versions" | "files" | "sessions" | "deadlines", number>;
  examples: string[];
  /** Requests the client saw fail although the server had applied them (a cut-off answer). */
  appliedButFailed: number;
};

/** Every acknowledged write of the ledger, looked up in the database (the servers may be down or up), on either engine. */
export async function verifyLedger(store: Store, world: World, ledger: Ledger): Promise<Verdict> {
  const db = openStore(store);
  const v: Verdict = {
    checked: { answers: 0, beats: 0, drafts: 0, versions: 0, files: 0, sessions: 0, deadlines: 0 },
    lost: { answers: 0, beats: 0, drafts: 0, versions: 0, files: 0, sessions: 0, deadlines: 0 },
    examples: [],
    appliedButFailed: 0,
  };
  const lose = (kind: keyof Verdict["lost"], what: string) => {
    v.lost[kind]++;
    if (v.examples.length < 20) v.examples.push(`${kind}: ${what}`);
  };
  try {
    const answers = new Map(
      (await db.selectFrom("attempt_answers").select(["attempt_id", "question_id", "seq", "answer"]).execute()).map((r) => [
        `${r.attempt_id}:${r.question_id}`,
        r,
      ]),
    );
    for (const [key, a] of ledger.answers) {
      v.checked.answers++;
      const row = answers.get(key);
      if (!row || row.seq < a.seq || (row.seq === a.seq && row.answer !== a.value))
        lose("answers", `${key} acknowledged seq ${a.seq}, stored ${row?.seq ?? "none"}`);
    }
    const beats = new Map(
      (await db.selectFrom("lesson_progress").select(["user_id", "lesson_id", "read_seconds", "furthest", "completed_at"]).execute()).map((r) => [
        `${r.user_id}:${r.lesson_id}`,
        r,
      ]),
    );
    for (const [key, b] of ledger.beats) {
      v.checked.beats++;
      const row = beats.get(key);
      if (!row || row.read_seconds < b.readSeconds || row.furthest < b.furthest || (b.completed && row.completed_at === null)) {
        lose("beats", `${key} acknowledged ${JSON.stringify(b)}, stored ${JSON.stringify(row ?? null)}`);
      }
    }
    const drafts = new Map(
      (
        await db
          .selectFrom("submissions as s")
          .innerJoin("assignments as a", "a.id", "s.assignment_id")
          .innerJoin("courses as c", "c.id", "a.course_id")
          .select(["s.user_id", "s.draft_seq", "s.draft_md"])
          .where("c.slug", "=", DEMO)
          .execute()
      ).map((r) => [r.user_id, r]),
    );
    for (const [user, d] of ledger.drafts) {
      v.checked.drafts++;
      const row = drafts.get(user);
      if (!row || row.draft_seq < d.seq || (row.draft_seq === d.seq && row.draft_md !== d.text))
        lose("drafts", `user ${user} acknowledged seq ${d.seq}, stored ${row?.draft_seq ?? "none"}`);
    }
    const versions = await db
      .selectFrom("submission_versions as v")
      .innerJoin("submissions as s", "s.id", "v.submission_id")
      .select(["v.id", "v.version", "v.text_md", "s.user_id"])
      .execute();
    const versionOf = new Map(versions.map((r) => [`${r.user_id}:${r.version}`, r]));
    const files = await db.selectFrom("submission_files").select(["version_id", "sha256"]).execute();
    for (const x of ledger.versions) {
      v.checked.versions++;
      const row = versionOf.get(`${x.userId}:${x.version}`);
      if (!row || row.text_md !== x.text) {
        lose("versions", `user ${x.userId} version ${x.version} ${row ? "has other text" : "missing"}`);
        continue;
      }
      if (x.file) {
        v.checked.files++;
        const f = files.find((r) => r.version_id === row.id && r.sha256 === x.file!.sha256);
        const onDisk = path.join(store.dataDir, "files", x.file.sha256.slice(0, 2), x.file.sha256);
        const ok = f && fs.existsSync(onDisk) && createHash("sha256").update(fs.readFileSync(onDisk)).digest("hex") === x.file.sha256;
        if (!ok) lose("files", `user ${x.userId} version ${x.version}: ${f ? "file on disk missing or damaged" : "no attachment row"}`);
      }
    }
    const sessions = new Set((await db.selectFrom("sessions").select("id").execute()).map((r) => r.id));
    for (const x of ledger.sessions) {
      v.checked.sessions++;
      if (!sessions.has(x.cookie.split("=")[1]!.split(".")[0]!)) lose("sessions", `session of a sign-in at ${new Date(x.at).toISOString()}`);
    }
    const attempts = new Map((await db.selectFrom("exam_attempts").select(["id", "deadline_at", "status"]).execute()).map((r) => [r.id, r]));
    for (const a of world.attempts) {
      v.checked.deadlines++;
      const row = attempts.get(a.id);
      if (!row || row.deadline_at !== a.deadline || row.status !== "in_progress")
        lose("deadlines", `attempt ${a.id}: deadline ${a.deadline} → ${row?.deadline_at}, ${row?.status}`);
    }
    // Failed requests whose write is in the database anyway: the server applied them, the client never heard.
    const texts = new Set(versions.map((r) => r.text_md));
    for (const f of ledger.failed) {
      if (f.op === "answer" && f.seq !== undefined && answers.get(f.key)?.seq === f.seq) v.appliedButFailed++;
      if (f.op === "draft" && f.text !== undefined && drafts.get(Number(f.key))?.draft_md === f.text) v.appliedButFailed++;
      if (f.op === "submit" && f.text !== undefined && texts.has(f.text)) v.appliedButFailed++;
    }
  } finally {
    await db.destroy();
  }
  return v;
}

export const totalLost = (v: Verdict) => Object.values(v.lost).reduce((a, b) => a + b, 0);

/** After a restart: a sample of in-progress attempts shows the same deadline over HTTP, and recent sign-ins still work. */
export async function checkResume(base: string, world: World, ledger: Ledger, opts: { attempts?: number; sessionsSince?: number } = {}): Promise<string[]> {
  const client = httpClient(4);
  const problems: string[] = [];
  try {
    const sample = [...world.attempts].sort(() => Math.random() - 0.5).slice(0, opts.attempts ?? 3);
    for (const a of sample) {
      const res = await client.send(base, `/exam-attempts/${a.id}.data`, { headers: { Cookie: a.cookie } });
      if (res.status !== 200 || !res.body.includes(String(a.deadline * 1000)))
        problems.push(`attempt ${a.id}: ${res.status}, deadline ${a.deadline * 1000} not in the page data`);
    }
    for (const s of ledger.sessions.filter((x) => x.at >= (opts.sessionsSince ?? 0))) {
      const res = await client.send(base, "/account/password", { headers: { Cookie: s.cookie } });
      if (res.status !== 200) problems.push(`a session acknowledged at ${new Date(s.at).toISOString()} no longer works: ${res.status}`);
    }
  } finally {
    client.close();
  }
  return problems;
}
