// 答疑: trainees ask about a course (or one of its lessons); the course's instructors answer, may show an
// answer to everyone in the course (the asker's name stays hidden from other trainees) and may hide a
// question (audited). Questions waiting longer than the 组织部's limit are flagged.
import { audit } from "~/models/audit.server.ts";
import { seesEverything, taughtBySql, type Viewer } from "~/models/visibility.server.ts";
import { notify, type NotifyOptions } from "~/models/notifications.server.ts";
import { now as nowSeconds, writeTransaction, type DB } from "~/utils/db.server.ts";

export class QuestionError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 = 400,
    /** The form field at fault, when there is one. */
    readonly field?: string,
  ) {
    super(message);
  }
}

export const QUESTION_LIMITS = { bodyChars: 5000, answerChars: 10_000, imageBytes: 5 * 1024 * 1024 };

const LIMIT_KEY = "question_answer_limit_hours";
const DEFAULT_ANSWER_LIMIT_HOURS = 48;

/** How long a question may wait for its answer before it is flagged, in hours (the 组织部 sets it). */
async function answerLimitHours(db: DB): Promise<number> {
  const row = await db.selectFrom("app_settings").select("value").where("key", "=", LIMIT_KEY).executeTakeFirst();
  const n = Number(row?.value);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_ANSWER_LIMIT_HOURS;
}

export async function setAnswerLimitHours(db: DB, hours: number, actor: { actorId: number; ip?: string | null }) {
  await writeTransaction(db, async (trx) => {
    const before = await answerLimitHours(trx);
    await trx
      .insertInto("app_settings")
      .values({ key: LIMIT_KEY, value: String(hours), updated_by: actor.actorId, updated_at: nowSeconds() })
      .onConflict((oc) => oc.column("key").doUpdateSet({ value: String(hours), updated_by: actor.actorId, updated_at: nowSeconds() }))
      .execute();
    await audit(trx, { actorId: actor.actorId, action: "settings.question_limit", detail: { before, after: hours }, ip: actor.ip });
  });
}

type Course = { id: number; slug: string; title: string; instructors: string[] };

export async function askQuestion(
  db: DB,
  input: { course: Course; lessonKey?: string | null; userId: number; bodyMd: string; image?: { sha256: string; type: "jpg" | "png" } | null },
  t = nowSeconds(),
): Promise<number> {
  const body = input.bodyMd.trim();
  if (!body) throw new QuestionError("请填写问题", 400, "body");
  if (body.length > QUESTION_LIMITS.bodyChars) throw new QuestionError(`问题不能超过 ${QUESTION_LIMITS.bodyChars} 个字`, 400, "body");
  let lessonId: number | null = null;
  if (input.lessonKey) {
    const lesson = await db
      .selectFrom("lessons")
      .select("id")
      .where("course_id", "=", input.course.id)
      .where("key", "=", input.lessonKey)
      .where("archived", "=", 0)
      .executeTakeFirst();
    if (!lesson) throw new QuestionError("课时不存在", 400, "lesson");
    lessonId = lesson.id;
  }
  const row = await db
    .insertInto("course_questions")
    .values({
      course_id: input.course.id,
      lesson_id: lessonId,
      user_id: input.userId,
      body_md: body,
      image_sha256: input.image?.sha256 ?? null,
      image_type: input.image?.type ?? null,
      created_at: t,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

const BASE = (db: DB) =>
  db
    .selectFrom("course_questions as q")
    .innerJoin("courses as c", "c.id", "q.course_id")
    .leftJoin("lessons as l", "l.id", "q.lesson_id")
    .select([
      "q.id",
      "q.course_id",
      "q.user_id",
      "q.body_md",
      "q.image_sha256",
      "q.created_at",
      "q.answer_md",
      "q.answered_at",
      "q.public",
      "q.hidden",
      "c.slug",
      "c.title as course_title",
      "l.key as lesson_key",
      "l.title as lesson_title",
    ]);

/** A trainee's view of one course: their own questions and the answers shown to the course (never another asker's name). */
export async function questionsForLearner(db: DB, courseId: number, userId: number) {
  const rows = await BASE(db)
    .where("q.course_id", "=", courseId)
    .where("q.hidden", "=", 0)
    .where((eb) => eb.or([eb("q.user_id", "=", userId), eb.and([eb("q.public", "=", 1), eb("q.answered_at", "is not", null)])]))
    .orderBy("q.id", "desc")
    .limit(200)
    .execute();
  return rows.map((r) => ({ ...r, mine: r.user_id === userId, user_id: undefined }));
}

/** The courses whose questions a staff member answers: every course for admins, their own for instructors. */
async function answeredCourseIds(db: DB, viewer: Viewer): Promise<number[] | "all"> {
  if (viewer.roles.includes("admin")) return "all";
  if (!viewer.roles.includes("instructor")) return [];
  const rows = await db
    .selectFrom("courses")
    .select("id")
    .where(taughtBySql(db, "instructors", viewer))
    .execute();
  return rows.map((c) => c.id);
}

/** The queue across the viewer's courses: waiting questions first (oldest first), then the latest answered. */
export async function questionQueue(db: DB, viewer: Viewer, opts: { showHidden?: boolean } = {}, t = nowSeconds()) {
  const ids = await answeredCourseIds(db, viewer);
  const limitHours = await answerLimitHours(db);
  if (ids !== "all" && !ids.length) return { limitHours, waiting: [], answered: [] };
  const scoped = () => {
    let q = BASE(db).innerJoin("users as u", "u.id", "q.user_id").select(["u.name as asker", "u.username as asker_username"]);
    if (ids !== "all") q = q.where("q.course_id", "in", ids);
    if (!opts.showHidden) q = q.where("q.hidden", "=", 0);
    return q;
  };
  const waiting = await scoped().where("q.answered_at", "is", null).orderBy("q.created_at").limit(500).execute();
  const answered = await scoped().where("q.answered_at", "is not", null).orderBy("q.answered_at", "desc").limit(50).execute();
  const flag = (r: (typeof waiting)[number]) => ({
    ...r,
    waitingSeconds: (r.answered_at ?? t) - r.created_at,
    overdue: r.answered_at === null && t - r.created_at > limitHours * 3600,
  });
  return { limitHours, waiting: waiting.map(flag), answered: answered.map(flag) };
}

/** The question for a staff action, when the viewer answers its course; otherwise "not found". */
async function questionForStaff(db: DB, id: number, viewer: Viewer) {
  const q = await db
    .selectFrom("course_questions as q")
    .innerJoin("courses as c", "c.id", "q.course_id")
    .select(["q.id", "q.user_id", "q.answered_at", "q.hidden", "c.slug", "c.title", "c.instructors"])
    .where("q.id", "=", id)
    .executeTakeFirst();
  if (!q || !seesEverything({ instructors: JSON.parse(q.instructors) as string[] }, viewer)) throw new QuestionError("提问不存在", 404);
  return q;
}

export async function answerQuestion(
  db: DB,
  input: { id: number; answerMd: string; public: boolean },
  viewer: Viewer & { id: number },
  opts: NotifyOptions = {},
) {
  const t = opts.t ?? nowSeconds();
  const answer = input.answerMd.trim();
  if (!answer) throw new QuestionError("请填写回复", 400, "answer");
  if (answer.length > QUESTION_LIMITS.answerChars) throw new QuestionError(`回复不能超过 ${QUESTION_LIMITS.answerChars} 个字`, 400, "answer");
  await writeTransaction(db, async (trx) => {
    const q = await questionForStaff(trx, input.id, viewer);
    await trx
      .updateTable("course_questions")
      .set({ answer_md: answer, answered_by: viewer.id, answered_at: q.answered_at ?? t, public: input.public ? 1 : 0 })
      .where("id", "=", q.id)
      .execute();
    await notify(
      trx,
      [
        {
          userId: q.user_id,
          kind: "question_answered",
          title: `您在“${q.title}”的提问已有回复`,
          body: answer.slice(0, 300),
          link: `/courses/${q.slug}/questions#q${q.id}`,
          key: `question:${q.id}:answered`,
        },
      ],
      { t, email: opts.email },
    );
  });
}

export async function hideQuestion(db: DB, input: { id: number; hidden: boolean }, viewer: Viewer & { id: number }, ip?: string | null) {
  await writeTransaction(db, async (trx) => {
    const q = await questionForStaff(trx, input.id, viewer);
    await trx
      .updateTable("course_questions")
      .set(input.hidden ? { hidden: 1, hidden_by: viewer.id, hidden_at: nowSeconds() } : { hidden: 0, hidden_by: null, hidden_at: null })
      .where("id", "=", q.id)
      .execute();
    await audit(trx, {
      actorId: viewer.id,
      action: input.hidden ? "question.hide" : "question.unhide",
      targetType: "question",
      targetId: q.id,
      detail: { course: q.slug },
      ip,
    });
  });
}

/** The image of a question, for its asker, the course's staff, or anyone who may see the course once the answer is public. */
export async function questionImageFor(db: DB, id: number, viewer: Viewer & { id: number }, canSeeCourse: (slug: string) => Promise<boolean>) {
  const q = await db
    .selectFrom("course_questions as q")
    .innerJoin("courses as c", "c.id", "q.course_id")
    .select(["q.user_id", "q.image_sha256", "q.image_type", "q.public", "q.answered_at", "q.hidden", "c.slug", "c.instructors"])
    .where("q.id", "=", id)
    .executeTakeFirst();
  if (!q?.image_sha256 || !q.image_type) return undefined;
  const staff = seesEverything({ instructors: JSON.parse(q.instructors) as string[] }, viewer);
  const learner = !q.hidden && (q.user_id === viewer.id || (q.public === 1 && q.answered_at !== null)) && (await canSeeCourse(q.slug));
  return staff || learner ? { sha256: q.image_sha256, type: q.image_type } : undefined;
}

const median = (xs: number[]) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Per course: questions waiting, waiting past the limit, and the median time to answer (seconds). */
export async function questionStats(db: DB, t = nowSeconds()) {
  const limitHours = await answerLimitHours(db);
  const rows = await db
    .selectFrom("course_questions as q")
    .innerJoin("courses as c", "c.id", "q.course_id")
    .select(["c.id", "c.slug", "c.title", "q.created_at", "q.answered_at"])
    .where("q.hidden", "=", 0)
    .execute();
  const by = new Map<number, { slug: string; title: string; waiting: number; overdue: number; times: number[] }>();
  for (const r of rows) {
    const s = by.get(r.id) ?? { slug: r.slug, title: r.title, waiting: 0, overdue: 0, times: [] };
    if (r.answered_at === null) {
      s.waiting++;
      if (t - r.created_at > limitHours * 3600) s.overdue++;
    } else s.times.push(r.answered_at - r.created_at);
    by.set(r.id, s);
  }
  const courses = [...by.values()].map(({ times, ...s }) => {
    const medianSeconds = median(times);
    return { ...s, answered: times.length, medianSeconds, median: medianSeconds === null ? "—" : durationText(medianSeconds) };
  });
  return { limitHours, courses, overdue: courses.reduce((n, c) => n + c.overdue, 0) };
}

/** "3 小时 20 分" for a duration in seconds. */
export function durationText(seconds: number): string {
  const m = Math.max(0, Math.round(seconds / 60));
  if (m < 60) return `${m} 分钟`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} 小时${m % 60 ? ` ${m % 60} 分` : ""}`;
  return `${Math.floor(h / 24)} 天 ${h % 24} 小时`;
}
