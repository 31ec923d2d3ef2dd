// Progress the server saw happen: heartbeats credit watch coverage and reading time against wall time,
// one lesson at a time per trainee, and a lesson's 学时 count once it completes.
import { randomInt } from "node:crypto";
import type { OfflineKind, Stage } from "../../db/types.ts";
import { coveragePercent, creditSegments, mergeIntervals, SEEK_TOLERANCE, totalSeconds, type Interval } from "~/utils/coverage.ts";
import { now as nowSeconds, writeTransaction, inSubtree, type DB } from "~/utils/db.server.ts";
import type { ProgressRules } from "~/utils/course-types.ts";
import { audit } from "./audit.server.ts";
import { chunked, courseStandings, myCourseStandings, type CourseStanding } from "./hours.server.ts";
import { openToStageSql } from "./visibility.server.ts";

/** A presence older than this is free for another tab or device to take. */
const PRESENCE_TTL = 45;
/** The longest gap between two beats that still earns time (the page beats every 10–15 s). */
const MAX_VIDEO_GAP = 60;
const MAX_READ_GAP = 30;
/** Extra seconds of budget per beat for timer jitter and network delay. */
const SLACK = 2;

export type Beat = {
  tabId: string;
  /** Played segments not yet acknowledged (video lessons). */
  segments: Interval[];
  /** Current playback position, for resuming. */
  position: number;
  /** The page was visible for the time since the last beat (text lessons). */
  visible: boolean;
  /** Duration the player reports; kept only for URL videos whose length the server cannot read. */
  duration?: number;
  /** Take over from another tab or device that holds the presence. */
  takeover?: boolean;
  /** The page is being closed or hidden: credit this beat, then give the presence up at once. */
  release?: boolean;
};

type BeatResult =
  | { ok: true; credited: number; coverage: number; readSeconds: number; furthest: number; completed: boolean; presenceCheck: boolean }
  | { ok: false; reason: "busy"; message: string }
  | { ok: false; reason: "not_found" };

type LessonForBeat = {
  id: number;
  video: string | null;
  video_duration: number | null;
  complete_read_minutes: number;
  complete_watch_percent: number;
  progress: string;
};

/** The lesson, only if the trainee may see its course: someone else's lesson is "not found". */
async function lessonForBeat(db: DB, lessonId: number, viewer: { stage: Stage }): Promise<LessonForBeat | undefined> {
  return db
    .selectFrom("lessons as l")
    .innerJoin("courses as c", "c.id", "l.course_id")
    .select(["l.id", "l.video", "l.video_duration", "l.complete_read_minutes", "l.complete_watch_percent", "c.progress"])
    .where("l.id", "=", lessonId)
    .where("l.archived", "=", 0)
    .where(openToStageSql("c", viewer.stage))
    .executeTakeFirst();
}

/**
 * Credits one heartbeat. Idempotent: coverage is a set and reading time is measured from the server's
 * last accepted beat, so a retried beat adds nothing. Never moves progress backwards.
 */
export async function recordBeat(db: DB, input: { userId: number; stage: string; lessonId: number; beat: Beat; now?: number }): Promise<BeatResult> {
  const t = input.now ?? nowSeconds();
  const { beat } = input;
  return writeTransaction(db, async (trx) => {
    const lesson = await lessonForBeat(trx, input.lessonId, { stage: input.stage as Stage });
    if (!lesson) return { ok: false, reason: "not_found" };

    const presence = await trx.selectFrom("learning_presence").selectAll().where("user_id", "=", input.userId).executeTakeFirst();
    if (presence && presence.tab_id !== beat.tabId && presence.last_seen > t - PRESENCE_TTL && !beat.takeover) {
      return { ok: false, reason: "busy", message: "您正在其他页面或设备上学习，本页面暂停计时。" };
    }
    const switched = !presence || presence.tab_id !== beat.tabId || presence.lesson_id !== lesson.id;
    await trx
      .insertInto("learning_presence")
      .values({ user_id: input.userId, lesson_id: lesson.id, tab_id: beat.tabId, last_seen: t })
      .onConflict((oc) => oc.column("user_id").doUpdateSet({ lesson_id: lesson.id, tab_id: beat.tabId, last_seen: t }))
      .execute();

    const rules = JSON.parse(lesson.progress) as ProgressRules;
    let duration = lesson.video_duration;
    if (lesson.video && duration === null && beat.duration && beat.duration > 0 && beat.duration < 6 * 3600) {
      // A URL video: the first reported length is kept, so it cannot shrink later.
      duration = beat.duration;
      await trx.updateTable("lessons").set({ video_duration: duration }).where("id", "=", lesson.id).where("video_duration", "is", null).execute();
    }

    const row = await trx.selectFrom("lesson_progress").selectAll().where("user_id", "=", input.userId).where("lesson_id", "=", lesson.id).executeTakeFirst();
    const prev = {
      covered: row ? (JSON.parse(row.covered) as Interval[]) : [],
      furthest: row?.furthest ?? 0,
      readSeconds: row?.read_seconds ?? 0,
      completedAt: row?.completed_at ?? null,
      checkAfter: row?.check_after ?? null,
      checkPending: row?.check_pending === 1,
    };
    // The first beat of a tab (or after switching) only starts the clock.
    const elapsed = row?.last_beat_at && !switched ? Math.max(0, t - row.last_beat_at) : 0;
    const complete = prev.completedAt !== null;

    let covered = prev.covered;
    let furthest = prev.furthest;
    let readSeconds = prev.readSeconds;
    let credited = 0;
    let checkAfter = prev.checkAfter;
    let checkPending = prev.checkPending;

    if (rules.presence_check && !complete && checkAfter === null) checkAfter = randomCheckpoint(totalSeconds(covered) + readSeconds);
    if (!checkPending) {
      if (lesson.video && duration) {
        const maxRate = rules.lock_rate && !complete ? 1 : 2;
        const gap = Math.min(elapsed, MAX_VIDEO_GAP);
        const budget = gap > 0 ? gap * maxRate + SLACK : 0;
        const r = creditSegments({
          covered,
          furthest,
          segments: sanitizeSegments(beat.segments, duration),
          budget,
          tolerance: SEEK_TOLERANCE,
          lockSeek: rules.lock_seek && !complete,
          duration,
        });
        covered = r.covered;
        furthest = r.furthest;
        credited = r.credited;
      } else if (!lesson.video && beat.visible) {
        credited = Math.min(elapsed, MAX_READ_GAP);
        readSeconds += credited;
      }
      if (rules.presence_check && !complete && checkAfter !== null && totalSeconds(covered) + readSeconds >= checkAfter) {
        checkPending = true;
      }
    }

    const coverage = lesson.video && duration ? coveragePercent(covered, duration) : 0;
    const reached = lesson.video ? duration !== null && coverage >= lesson.complete_watch_percent : readSeconds >= lesson.complete_read_minutes * 60;
    const completedAt = prev.completedAt ?? (reached ? t : null);
    const position = Number.isFinite(beat.position) ? Math.max(0, Math.min(beat.position, duration ?? beat.position)) : 0;
    const values = {
      covered: JSON.stringify(mergeIntervals(covered).map(([s, e]) => [round(s), round(e)])),
      furthest: round(furthest),
      position: round(position),
      read_seconds: readSeconds,
      seconds_credited: round(totalSeconds(covered) + readSeconds),
      completed_at: completedAt,
      last_beat_at: t,
      check_after: checkAfter,
      check_pending: checkPending ? 1 : 0,
      updated_at: t,
    };
    await trx
      .insertInto("lesson_progress")
      .values({ user_id: input.userId, lesson_id: lesson.id, ...values })
      .onConflict((oc) => oc.columns(["user_id", "lesson_id"]).doUpdateSet(values))
      .execute();
    // A closed or hidden page frees the trainee at once: the next lesson opened starts counting now.
    if (beat.release) await trx.deleteFrom("learning_presence").where("user_id", "=", input.userId).where("tab_id", "=", beat.tabId).execute();
    return {
      ok: true,
      credited: round(credited),
      coverage: round(coverage),
      readSeconds,
      furthest: values.furthest,
      completed: completedAt !== null,
      presenceCheck: checkPending,
    };
  });
}

/** "继续学习" answered: crediting resumes from now (the paused time never counts). */
export async function confirmPresence(db: DB, input: { userId: number; lessonId: number; now?: number }) {
  const t = input.now ?? nowSeconds();
  await writeTransaction(db, async (trx) => {
    const row = await trx
      .selectFrom("lesson_progress")
      .select(["seconds_credited"])
      .where("user_id", "=", input.userId)
      .where("lesson_id", "=", input.lessonId)
      .executeTakeFirst();
    if (!row) return;
    await trx
      .updateTable("lesson_progress")
      .set({ check_pending: 0, check_after: randomCheckpoint(row.seconds_credited), last_beat_at: t, updated_at: t })
      .where("user_id", "=", input.userId)
      .where("lesson_id", "=", input.lessonId)
      .execute();
  });
}

/** The next "are you still there" moment: 10–20 minutes of credited time from now. */
const randomCheckpoint = (from: number) => from + 600 + randomInt(601);

const round = (n: number) => Math.round(n * 100) / 100;

/** At most 50 segments, finite, inside the video. */
function sanitizeSegments(segments: Interval[], duration: number): Interval[] {
  return segments
    .slice(0, 50)
    .filter((s) => Array.isArray(s) && s.length === 2 && s.every((x) => typeof x === "number" && Number.isFinite(x)))
    .map(([s, e]) => [Math.max(0, s), Math.min(e, duration + 1)] as Interval)
    .filter(([s, e]) => e > s);
}

// ------------------------------------------------------------------------------------------ reads

type LessonProgressView = {
  lessonId: number;
  completed: boolean;
  coverage: number;
  readSeconds: number;
  position: number;
  furthest: number;
  updatedAt: number;
};

/** Per-lesson progress of one trainee for a set of lessons. */
export async function getLessonProgress(db: DB, userId: number, lessonIds: number[]): Promise<Map<number, LessonProgressView>> {
  if (!lessonIds.length) return new Map();
  const rows = await db
    .selectFrom("lesson_progress as p")
    .innerJoin("lessons as l", "l.id", "p.lesson_id")
    .select(["p.lesson_id", "p.completed_at", "p.covered", "p.read_seconds", "p.position", "p.furthest", "p.updated_at", "l.video_duration"])
    .where("p.user_id", "=", userId)
    .where("p.lesson_id", "in", lessonIds)
    .execute();
  return new Map(
    rows.map((r) => [
      r.lesson_id,
      {
        lessonId: r.lesson_id,
        completed: r.completed_at !== null,
        coverage: r.video_duration ? round(coveragePercent(JSON.parse(r.covered), r.video_duration)) : 0,
        readSeconds: r.read_seconds,
        position: r.position,
        furthest: r.furthest,
        updatedAt: r.updated_at,
      },
    ]),
  );
}

/** Lessons done and 学时 by source of one trainee's course standing, as the pages show them. */
export function summarize(s: CourseStanding) {
  return {
    lessonsDone: s.lessonsDone,
    lessonsTotal: s.lessonsTotal,
    requiredDone: s.requiredDone,
    requiredTotal: s.requiredTotal,
    hoursEarned: s.hours.total,
    onlineHours: s.hours.lessons,
    assignmentHours: s.hours.assignments,
    offlineHours: s.hours.offline,
  };
}

export async function offlineHoursFor(db: DB, userId: number, courseId?: number) {
  let q = db
    .selectFrom("offline_hours as o")
    .innerJoin("users as u", "u.id", "o.credited_by")
    .select(["o.id", "o.course_id", "o.kind", "o.hours", "o.reason", "o.activity_date", "o.created_at", "u.name as credited_by_name"])
    .where("o.user_id", "=", userId)
    .orderBy("o.activity_date", "desc");
  if (courseId !== undefined) q = q.where("o.course_id", "=", courseId);
  return q.execute();
}

/** Offline 学时 (分组研讨, 社会实践, 现场党课) credited by an instructor or secretary, audited. */
export async function creditOfflineHours(
  db: DB,
  input: { userId: number; courseId: number | null; kind: OfflineKind; hours: number; reason: string; activityDate: string },
  actor: { actorId: number; ip?: string | null },
) {
  return writeTransaction(db, async (trx) => {
    const { id } = await trx
      .insertInto("offline_hours")
      .values({
        user_id: input.userId,
        course_id: input.courseId,
        kind: input.kind,
        hours: input.hours,
        reason: input.reason,
        activity_date: input.activityDate,
        credited_by: actor.actorId,
        created_at: nowSeconds(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await audit(trx, { ...actor, action: "hours.offline_credit", targetType: "user", targetId: input.userId, detail: { ...input, offlineId: id } });
    return id;
  });
}

/** 学时 and lessons done per course for one trainee (catalog, "我的学习", the record), with the next lesson to study. */
export async function courseSummaries(db: DB, userId: number, courseIds: number[]) {
  type Summary = ReturnType<typeof summarize> & { next: { key: string; title: string } | null };
  const standings = await myCourseStandings(db, userId, courseIds);
  const lessons = courseIds.length
    ? await db.selectFrom("lessons").select(["id", "key", "title"]).where("course_id", "in", courseIds).where("archived", "=", 0).orderBy("position").execute()
    : [];
  const title = new Map(lessons.map((l) => [l.id, l]));
  return new Map<number, Summary>(
    courseIds.map((id) => {
      const s = standings.get(id)!;
      const next = s.lessons.find((l) => !l.completed);
      return [id, { ...summarize(s), next: next ? { key: title.get(next.id)!.key, title: title.get(next.id)!.title } : null }];
    }),
  );
}

type RosterScope = { unitPath?: string };

/**
 * Every trainee of a course's audience (within a subtree for secretaries) with lessons done, 学时,
 * coverage per video lesson and the last time they studied. Three queries regardless of size.
 */
export async function courseRoster(db: DB, course: { id: number; audience: string[] }, scope: RosterScope, now = nowSeconds()) {
  const lessons = await db
    .selectFrom("lessons")
    .select(["id", "key", "title", "video", "video_duration"])
    .where("course_id", "=", course.id)
    .where("archived", "=", 0)
    .orderBy("position")
    .execute();
  let q = db
    .selectFrom("users as u")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .select(["u.id", "u.username", "u.name", "u.stage", "o.name as unit_name"])
    .where("u.active", "=", 1)
    .where("u.stage", "in", course.audience.length ? (course.audience as never[]) : ["__none__" as never])
    .where("u.id", "in", db.selectFrom("user_roles").select("user_id").where("role", "=", "trainee"))
    .orderBy("o.path")
    .orderBy("u.username");
  if (scope.unitPath) q = q.where(inSubtree("o.path", scope.unitPath));
  const trainees = await q.execute();
  const ids = trainees.map((t) => t.id);
  const videoIds = lessons.filter((l) => l.video).map((l) => l.id);
  const [standings, progress] = await Promise.all([
    courseStandings(db, ids, [course.id]),
    chunked(ids, (chunk) =>
      db
        .selectFrom("lesson_progress")
        .select(["user_id", "lesson_id", "covered", "updated_at"])
        .where("lesson_id", "in", lessons.length ? lessons.map((l) => l.id) : [-1])
        .where("user_id", "in", chunk)
        .execute(),
    ),
  ]);
  const byUser = new Map<number, typeof progress>();
  for (const p of progress) byUser.set(p.user_id, [...(byUser.get(p.user_id) ?? []), p]);
  const STUCK_AFTER = 7 * 86400;
  const rows = trainees.map((t) => {
    const mine = byUser.get(t.id) ?? [];
    const summary = summarize(standings.get(t.id)!.get(course.id)!);
    const lastActive = mine.reduce((m, p) => Math.max(m, p.updated_at), 0) || null;
    const finished = summary.lessonsDone === summary.lessonsTotal;
    const coverageOf = (lessonId: number) => {
      const l = lessons.find((x) => x.id === lessonId)!;
      const p = mine.find((x) => x.lesson_id === lessonId);
      return p && l.video_duration ? round(coveragePercent(JSON.parse(p.covered), l.video_duration)) : 0;
    };
    return {
      ...t,
      ...summary,
      lastActive,
      coverage: Object.fromEntries(videoIds.map((id) => [id, coverageOf(id)])),
      stuck: !finished && (lastActive === null || now - lastActive > STUCK_AFTER),
    };
  });
  return { lessons: lessons.map((l) => ({ id: l.id, key: l.key, title: l.title, video: !!l.video })), rows };
}
