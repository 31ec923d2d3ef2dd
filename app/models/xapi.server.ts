// Learning records as xAPI statements (Experience API 1.0.3) for schools that keep a learning record
// store: one statement per completed lesson (completed), per finalized exam attempt (passed / failed
// with the score, or completed while it waits for manual grading) and per certificate (earned; a
// revoked one is also voided). Actors are accounts on our origin ({homePage, name: 学号/工号}); activity
// ids are IRIs on our origin. Statement ids are name-based UUIDs of the record they describe, so
// exporting the same period twice gives the same statements and an LRS keeps one copy.
import { createHash } from "node:crypto";
import { sql, type Expression, type SqlBool } from "kysely";
import { now, type DB } from "~/utils/db.server.ts";
import { audit } from "./audit.server.ts";
import { cstDate } from "~/utils/cst.ts";
import type { Download } from "~/utils/http.server.ts";

export const XAPI_VERSION = "1.0.3";

const VERBS = {
  completed: { id: "http://adlnet.gov/expapi/verbs/completed", display: { "zh-CN": "完成", "en-US": "completed" } },
  passed: { id: "http://adlnet.gov/expapi/verbs/passed", display: { "zh-CN": "通过", "en-US": "passed" } },
  failed: { id: "http://adlnet.gov/expapi/verbs/failed", display: { "zh-CN": "未通过", "en-US": "failed" } },
  earned: { id: "http://id.tincanapi.com/verb/earned", display: { "zh-CN": "获得", "en-US": "earned" } },
  voided: { id: "http://adlnet.gov/expapi/verbs/voided", display: { "zh-CN": "作废", "en-US": "voided" } },
} as const;

const ACTIVITY_TYPES = {
  course: "http://adlnet.gov/expapi/activities/course",
  lesson: "http://adlnet.gov/expapi/activities/lesson",
  assessment: "http://adlnet.gov/expapi/activities/assessment",
  certificate: "http://id.tincanapi.com/activitytype/certificate",
} as const;

type LangMap = Record<string, string>;
type Agent = { objectType: "Agent"; name: string; account: { homePage: string; name: string } };
type Activity = { objectType: "Activity"; id: string; definition: { name: LangMap; type: string; extensions?: Record<string, unknown> } };
type StatementRef = { objectType: "StatementRef"; id: string };
type Statement = {
  id: string;
  actor: Agent;
  verb: { id: string; display: LangMap };
  object: Activity | StatementRef;
  result?: {
    score?: { scaled: number; raw: number; min: number; max: number };
    success?: boolean;
    completion?: boolean;
    duration?: string;
    extensions?: Record<string, unknown>;
  };
  context?: { platform: string; language: string; contextActivities?: { parent?: Activity[]; grouping?: Activity[] }; extensions?: Record<string, unknown> };
  timestamp: string;
};

// A fixed namespace: changing it would give every statement a new id and an LRS would store the
// whole history a second time.
const NAMESPACE = "6f1d6c52-8a4e-4c1b-9a0e-3d1f5b2c7e90";

/** RFC 4122 version-5 (SHA-1, name-based) UUID of `name` in our namespace. */
export function uuidV5(name: string, namespace = NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const hash = createHash("sha1").update(ns).update(name, "utf8").digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();
/** ISO 8601 duration of a number of seconds (PT1H2M3S). */
export function isoDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return `PT${h ? `${h}H` : ""}${m ? `${m}M` : ""}${rest || (!h && !m) ? `${rest}S` : ""}`;
}

/** The period of an export: ISO 8601 instants (or days, taken as 00:00 Beijing time); null when malformed. */
export function parsePeriod(params: URLSearchParams): { since: number | null; until: number | null } | null {
  const read = (key: string): number | null | undefined => {
    const v = params.get(key)?.trim();
    if (!v) return null;
    const text = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00+08:00` : v;
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
  };
  const since = read("since");
  const until = read("until");
  if (since === undefined || until === undefined) return null;
  return { since, until };
}

type Period = { since: number | null; until: number | null };

/** since ≤ time < until, for a column or an expression (either end may be open). */
function inPeriod(time: Expression<number | null>, p: Period): Expression<SqlBool> {
  const parts = [...(p.since !== null ? [sql`${time} >= ${p.since}`] : []), ...(p.until !== null ? [sql`${time} < ${p.until}`] : [])];
  return parts.length ? sql<SqlBool>`(${sql.join(parts, sql` and `)})` : sql<SqlBool>`1 = 1`;
}

function lessonQuery(db: DB, p: Period) {
  return (
    db
      .selectFrom("lesson_progress as p")
      .innerJoin("lessons as l", "l.id", "p.lesson_id")
      .innerJoin("courses as c", "c.id", "l.course_id")
      .innerJoin("users as u", "u.id", "p.user_id")
      .where("p.completed_at", "is not", null)
      // An archived lesson earns no 学时 anywhere, so no statement reports it.
      .where("l.archived", "=", 0)
      .where(inPeriod(sql.ref("p.completed_at"), p))
  );
}

/** Finalized attempts; one finalized by its deadline has no submission time and is dated by the deadline. */
function attemptQuery(db: DB, p: Period) {
  return db
    .selectFrom("exam_attempts as a")
    .innerJoin("exams as e", "e.id", "a.exam_id")
    .innerJoin("courses as c", "c.id", "e.course_id")
    .innerJoin("users as u", "u.id", "a.user_id")
    .where("a.status", "!=", "in_progress")
    .where(inPeriod(sql<number>`coalesce(${sql.ref("a.submitted_at")}, ${sql.ref("a.deadline_at")})`, p));
}

function certificateQuery(db: DB, p: Period) {
  return db
    .selectFrom("certificates as k")
    .innerJoin("users as u", "u.id", "k.user_id")
    .where(inPeriod(sql.ref("k.issued_at"), p));
}

function revokedQuery(db: DB, p: Period) {
  return db
    .selectFrom("certificates as k")
    .leftJoin("users as r", "r.id", "k.revoked_by")
    .where("k.revoked_at", "is not", null)
    .where(inPeriod(sql.ref("k.revoked_at"), p));
}

/** How many statements the period gives, by kind. */
async function countStatements(db: DB, p: Period) {
  const [lessons, attempts, certificates, voided] = (
    await Promise.all([
      lessonQuery(db, p)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow(),
      attemptQuery(db, p)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow(),
      certificateQuery(db, p)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow(),
      revokedQuery(db, p)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow(),
    ])
  ).map((r) => Number(r.n));
  return { lessons: lessons!, attempts: attempts!, certificates: certificates!, voided: voided!, total: lessons! + attempts! + certificates! + voided! };
}

const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

type XapiOptions = { origin: string; platform?: string };

/**
 * Every statement of the period in batches of at most `batch` (lessons, then exam attempts, then
 * certificates and their voiding), each batch its own keyset query after a turn of the event loop.
 */
export async function* statementBatches(db: DB, p: Period, o: XapiOptions, batch = 1000): AsyncGenerator<Statement[]> {
  const origin = o.origin.replace(/\/+$/, "");
  const platform = o.platform ?? "网上党校";
  const agent = (username: string, name: string): Agent => ({ objectType: "Agent", name, account: { homePage: origin, name: username } });
  const activity = (path: string, name: string, type: string, extensions?: Record<string, unknown>): Activity => ({
    objectType: "Activity",
    id: `${origin}${path}`,
    definition: { name: { "zh-CN": name }, type, ...(extensions ? { extensions } : {}) },
  });
  const course = (slug: string, title: string) => activity(`/courses/${encodeURIComponent(slug)}`, title, ACTIVITY_TYPES.course);
  const context = (parent?: Activity, extensions?: Record<string, unknown>) => ({
    platform,
    language: "zh-CN",
    ...(parent ? { contextActivities: { parent: [parent] } } : {}),
    ...(extensions ? { extensions } : {}),
  });
  const ext = (name: string) => `${origin}/xapi/extensions/${name}`;

  // Completed lessons, keyed by (user, lesson).
  let after: [number, number] = [0, 0];
  for (;;) {
    await yieldToLoop();
    const rows = await lessonQuery(db, p)
      .select(["p.user_id", "p.lesson_id", "p.completed_at", "l.key", "l.title", "l.hours", "c.slug", "c.title as course_title", "u.username", "u.name"])
      .where((eb) => eb.or([eb("p.user_id", ">", after[0]), eb.and([eb("p.user_id", "=", after[0]), eb("p.lesson_id", ">", after[1])])]))
      .orderBy("p.user_id")
      .orderBy("p.lesson_id")
      .limit(batch)
      .execute();
    if (rows.length) {
      yield rows.map((r) => ({
        id: uuidV5(`lesson-completed:${r.user_id}:${r.lesson_id}`),
        actor: agent(r.username, r.name),
        verb: VERBS.completed,
        object: activity(`/courses/${encodeURIComponent(r.slug)}/lessons/${encodeURIComponent(r.key)}`, r.title, ACTIVITY_TYPES.lesson),
        result: { completion: true, extensions: { [ext("hours")]: r.hours } },
        context: context(course(r.slug, r.course_title)),
        timestamp: iso(r.completed_at!),
      }));
    }
    if (rows.length < batch) break;
    const last = rows[rows.length - 1]!;
    after = [last.user_id, last.lesson_id];
  }

  // Finalized exam attempts, keyed by attempt id.
  let afterId = 0;
  for (;;) {
    await yieldToLoop();
    const rows = await attemptQuery(db, p)
      .select([
        "a.id",
        "a.attempt_no",
        "a.status",
        "a.score",
        "a.passed",
        "a.max_score",
        "a.started_at",
        "a.submitted_at",
        "a.deadline_at",
        "e.key",
        "e.title",
        "c.slug",
        "c.title as course_title",
        "u.username",
        "u.name",
      ])
      .where("a.id", ">", afterId)
      .orderBy("a.id")
      .limit(batch)
      .execute();
    if (rows.length) {
      yield rows.map((r) => {
        const graded = r.status === "graded" && r.score !== null;
        const verb = !graded ? VERBS.completed : r.passed === 1 ? VERBS.passed : VERBS.failed;
        const ended = r.submitted_at ?? r.deadline_at;
        const max = r.max_score > 0 ? r.max_score : 0;
        const raw = graded ? Math.min(Math.max(r.score!, 0), max) : 0;
        return {
          id: uuidV5(`exam-attempt:${r.id}:${graded ? "graded" : "submitted"}`),
          actor: agent(r.username, r.name),
          verb,
          object: activity(`/courses/${encodeURIComponent(r.slug)}/exams/${encodeURIComponent(r.key)}`, r.title, ACTIVITY_TYPES.assessment),
          result: {
            ...(graded && max > 0 ? { score: { scaled: Math.round((raw / max) * 10000) / 10000, raw, min: 0, max } } : {}),
            ...(graded ? { success: r.passed === 1 } : {}),
            completion: true,
            duration: isoDuration(ended - r.started_at),
          },
          context: context(course(r.slug, r.course_title), { [ext("attempt")]: r.attempt_no }),
          timestamp: iso(ended),
        };
      });
    }
    if (rows.length < batch) break;
    afterId = rows[rows.length - 1]!.id;
  }

  // Certificates (earned), then revocations (voiding the earned statement).
  const certificateId = (id: number) => uuidV5(`certificate-earned:${id}`);
  afterId = 0;
  for (;;) {
    await yieldToLoop();
    const rows = await certificateQuery(db, p)
      .select(["k.id", "k.number", "k.class_id", "k.class_name", "k.term", "k.hours", "k.composite", "k.band", "k.issued_at", "u.username", "u.name"])
      .where("k.id", ">", afterId)
      .orderBy("k.id")
      .limit(batch)
      .execute();
    if (rows.length) {
      yield rows.map((r) => ({
        id: certificateId(r.id),
        actor: agent(r.username, r.name),
        verb: VERBS.earned,
        object: activity(`/xapi/certificates/${encodeURIComponent(r.number)}`, `结业证书：${r.class_name}（第${r.term}期）`, ACTIVITY_TYPES.certificate, {
          [ext("certificate-number")]: r.number,
        }),
        result: {
          score: { scaled: Math.round(Math.min(Math.max(r.composite, 0), 100) * 100) / 10000, raw: Math.min(Math.max(r.composite, 0), 100), min: 0, max: 100 },
          success: true,
          completion: true,
          extensions: { [ext("hours")]: r.hours, [ext("band")]: r.band },
        },
        context: {
          ...context(),
          contextActivities: { grouping: [activity(`/xapi/classes/${r.class_id}`, `${r.class_name}（第${r.term}期）`, ACTIVITY_TYPES.course)] },
        },
        timestamp: iso(r.issued_at),
      }));
    }
    if (rows.length < batch) break;
    afterId = rows[rows.length - 1]!.id;
  }
  afterId = 0;
  for (;;) {
    await yieldToLoop();
    const rows = await revokedQuery(db, p)
      .select(["k.id", "k.revoked_at", "r.username", "r.name"])
      .where("k.id", ">", afterId)
      .orderBy("k.id")
      .limit(batch)
      .execute();
    if (rows.length) {
      yield rows.map((r) => ({
        id: uuidV5(`certificate-voided:${r.id}`),
        actor: agent(r.username ?? "system", r.name ?? platform),
        verb: VERBS.voided,
        object: { objectType: "StatementRef" as const, id: certificateId(r.id) },
        timestamp: iso(r.revoked_at!),
      }));
    }
    if (rows.length < batch) break;
    afterId = rows[rows.length - 1]!.id;
  }
}

/**
 * The period's statements as an xAPI StatementResult ({"statements": [...], "more": ""}), streamed
 * batch by batch; audited (who, which period, how many statements) before anything is sent.
 */
export async function xapiExport(db: DB, p: Period, e: { actorId: number; ip: string | null; origin: string; platform?: string }): Promise<Download> {
  const counts = await countStatements(db, p);
  await audit(db, {
    actorId: e.actorId,
    ip: e.ip,
    action: "xapi.export",
    detail: { since: p.since === null ? null : iso(p.since), until: p.until === null ? null : iso(p.until), statements: counts.total, ...counts },
  });
  const batches = statementBatches(db, p, { origin: e.origin, platform: e.platform });
  const encoder = new TextEncoder();
  let first = true;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode('{"statements":['));
    },
    async pull(controller) {
      const next = await batches.next();
      if (next.done) {
        controller.enqueue(encoder.encode('],"more":""}\n'));
        controller.close();
        return;
      }
      const text = next.value.map((s) => JSON.stringify(s)).join(",\n");
      controller.enqueue(encoder.encode(`${first ? "\n" : ",\n"}${text}`));
      first = false;
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
  const stamp = cstDate(now());
  return { filename: `xapi-statements-${stamp}.json`, contentType: "application/json; charset=utf-8", body };
}
