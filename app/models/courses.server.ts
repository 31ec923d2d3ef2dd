// Courses: the sync of courses/ into the database, and the reads of the course reader.
import type { Kysely } from "kysely";
import path from "node:path";
import type { CourseSource, Stage } from "../../db/types.ts";
import { parseCourses, type FormatError, type ParsedCourse, type ParsedQuestion } from "~/utils/course-format.server.ts";
import { groupByChapter, type ProgressRules } from "~/utils/course-types.ts";
import { MSG } from "~/utils/course-messages.server.ts";
import { now, writeTransaction, type DB } from "~/utils/db.server.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";
import type { Storage } from "~/utils/storage.server.ts";
import { canSeeCourse, followsCourse, openToStageSql, seesEverything, setCourseAudience, type Viewer } from "./visibility.server.ts";

export type SyncCounts = { created: number; updated: number; unchanged: number; archived: number };
/** "gone": the folder is no longer in its root, and the sync was not asked to archive it (`prune`). */
export type CourseSyncStatus = "created" | "updated" | "unchanged" | "archived" | "gone" | "owned_elsewhere";
export type SyncResult =
  { ok: true; summary: SyncCounts; courses: { slug: string; status: CourseSyncStatus }[]; warnings: FormatError[] } | { ok: false; errors: FormatError[] };

/**
 * Imports the course folders under `root` (or only the folder `only`). Everything is validated first;
 * with any error nothing is written. Otherwise one transaction creates and updates rows by slug/key,
 * skips every course whose files hash the same as last time, and archives (never deletes) what the
 * files no longer have, so that trainees' progress stays attached.
 *
 * A sync changes only the roots it was given. A file course last synced from one of these roots whose
 * folder is gone is archived only with `prune` (status "archived"); without it the course is left as it
 * is and reported with status "gone", so nobody archives courses by syncing the wrong folder.
 *
 * The summary counts rows of every kind: courses, lessons, assignments, banks, questions, exams, media.
 * `label` is how `root` is named in messages (default: its path relative to the working directory).
 * `source` says who owns the courses being applied: "files" (default) for courses/, "browser" for the
 * drafts of the browser editor (app/models/authoring.server.ts); a course owned by the other source is refused.
 */
export async function syncCourses(
  db: DB,
  opts: {
    root: string | string[];
    only?: string;
    label?: string;
    storage?: Storage;
    source?: CourseSource;
    /** Leave folders whose course the other source owns (start-up sync after a detach) instead of failing. */
    leaveOthers?: boolean;
    /** Archive the courses of these roots whose folder is gone (otherwise they are only reported). */
    prune?: boolean;
  },
): Promise<SyncResult> {
  const source = opts.source ?? "files";
  const existing = await db.selectFrom("courses").select(["id", "slug", "source", "source_root", "content_hash", "archived"]).execute();
  const bySlug = new Map(existing.map((row) => [row.slug, row]));
  // A folder whose files hash as last time is not even parsed.
  const foreign: string[] = [];
  const skip = (slug: string, hash: string) => {
    const row = bySlug.get(slug);
    if (opts.leaveOthers && row && row.source !== source) return foreign.push(slug) > 0;
    return !!row && row.source === source && row.content_hash === hash && !row.archived;
  };
  // Several roots are synced as one set, so a course is "gone" only when no root has it.
  const roots = (Array.isArray(opts.root) ? opts.root : [opts.root]).map((r) => path.resolve(r));
  const parsed = roots.map((root) => parseCourses(root, { ...opts, skip, label: roots.length > 1 ? undefined : opts.label }));
  const rootOf = new Map(parsed.flatMap((p, i) => [...p.courses.map((c) => c.slug), ...p.skipped].map((slug) => [slug, roots[i]] as const)));
  const courses = parsed.flatMap((p) => p.courses);
  const skipped = parsed.flatMap((p) => p.skipped);
  const errors = parsed.flatMap((p) => p.errors);
  const warnings = parsed.flatMap((p) => p.warnings);
  for (const [slug, n] of countBy([...courses.map((c) => c.slug), ...skipped])) {
    if (n > 1) errors.push({ file: slug, line: 1, message: MSG.slugInTwoRoots(slug) });
  }
  for (const c of courses) {
    const owner = bySlug.get(c.slug)?.source;
    if (owner && owner !== source) errors.push({ file: `${c.label}/course.md`, line: 1, message: ownedElsewhere(c.slug, owner) });
  }
  if (errors.length) return { ok: false, errors };

  const summary: SyncCounts = { created: 0, updated: 0, unchanged: 0, archived: 0 };
  const same = skipped.filter((slug) => !foreign.includes(slug));
  const statuses: { slug: string; status: CourseSyncStatus }[] = [
    ...same.map((slug) => ({ slug, status: "unchanged" as const })),
    ...foreign.map((slug) => ({ slug, status: "owned_elsewhere" as const })),
  ];
  summary.unchanged += await countCurrentItems(
    db,
    same.map((slug) => bySlug.get(slug)!.id),
  );
  const changed = courses.filter((c) => {
    const row = bySlug.get(c.slug);
    if (row && row.content_hash === c.hash && !row.archived) {
      summary.unchanged += itemCount(c);
      statuses.push({ slug: c.slug, status: "unchanged" });
      return false;
    }
    return true;
  });
  // Gone: last synced from one of these roots, and no root has its folder now. A row synced before
  // roots were recorded (null) is never archived by a sync: its root is unknown.
  const gone = opts.only
    ? []
    : existing.filter((row) => row.source === source && !row.archived && !rootOf.has(row.slug) && row.source_root !== null && roots.includes(row.source_root));
  const toArchive = opts.prune ? gone : [];
  if (!opts.prune) statuses.push(...gone.map((row) => ({ slug: row.slug, status: "gone" as const })));
  // Unchanged courses whose recorded root differs (moved, or synced before roots were recorded).
  const reroot = same.filter((slug) => bySlug.get(slug)!.source_root !== rootOf.get(slug));
  // Media files go into the content-addressed store first (idempotent), so rows never point at
  // bytes that are not there; the reader serves them from the store whatever folder they came from.
  if (opts.storage) {
    for (const c of changed) {
      for (const m of c.media) if (!opts.storage.exists(m.sha256)) await opts.storage.putFile(path.join(c.dir, m.path));
    }
  }
  if (changed.length || toArchive.length || reroot.length) {
    await writeTransaction(db, async (trx) => {
      const t = now();
      for (const c of changed) statuses.push({ slug: c.slug, status: await applyCourse(trx, c, summary, t, source, rootOf.get(c.slug)!) });
      for (const slug of reroot)
        await trx
          .updateTable("courses")
          .set({ source_root: rootOf.get(slug)! })
          .where("id", "=", bySlug.get(slug)!.id)
          .execute();
      for (const row of toArchive) {
        await trx.updateTable("courses").set({ archived: 1, updated_at: t }).where("id", "=", row.id).execute();
        summary.archived++;
        statuses.push({ slug: row.slug, status: "archived" });
      }
    });
  }
  statuses.sort((a, b) => (a.slug < b.slug ? -1 : 1));
  return { ok: true, summary, courses: statuses, warnings };
}

/** Current rows of every kind of the given courses (the summary counts rows, not just courses). */
async function countCurrentItems(db: DB, courseIds: number[]): Promise<number> {
  if (!courseIds.length) return 0;
  let n = courseIds.length;
  for (const table of ["lessons", "assignments", "exams", "course_media", "question_banks"] as const) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("course_id", "in", courseIds)
      .where("archived", "=", 0)
      .executeTakeFirstOrThrow();
    n += Number(row.n);
  }
  const q = await db
    .selectFrom("questions as q")
    .innerJoin("question_banks as b", "b.id", "q.bank_id")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("b.course_id", "in", courseIds)
    .where("b.archived", "=", 0)
    .where("q.archived", "=", 0)
    .executeTakeFirstOrThrow();
  return n + Number(q.n);
}

function countBy(values: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

const ownedElsewhere = (slug: string, owner: CourseSource) => (owner === "browser" ? MSG.ownedByBrowser(slug) : MSG.ownedByFiles(slug));

const itemCount = (c: ParsedCourse) =>
  1 + c.lessons.length + c.assignments.length + c.banks.length + c.exams.length + c.media.length + c.banks.reduce((n, b) => n + b.questions.length, 0);

const bit = (b: boolean) => (b ? 1 : 0);

async function applyCourse(trx: DB, c: ParsedCourse, counts: SyncCounts, t: number, source: CourseSource, root: string): Promise<CourseSyncStatus> {
  const row = await trx.selectFrom("courses").select(["id", "source"]).where("slug", "=", c.slug).executeTakeFirst();
  if (row && row.source !== source) throw new Error(ownedElsewhere(c.slug, row.source));
  const values = {
    title: c.title,
    summary: c.summary,
    hours: c.hours,
    instructors: JSON.stringify(c.instructors),
    cover: c.cover,
    published: bit(c.published),
    progress: JSON.stringify(c.progress),
    intro_md: c.intro_md,
    content_hash: c.hash,
    source_root: root,
    archived: 0,
    updated_at: t,
  };
  let courseId: number;
  if (row) {
    await trx.updateTable("courses").set(values).where("id", "=", row.id).execute();
    courseId = row.id;
    counts.updated++;
  } else {
    courseId = (
      await trx
        .insertInto("courses")
        .values({ ...values, audience: "[]", slug: c.slug, source, created_at: t })
        .returning("id")
        .executeTakeFirstOrThrow()
    ).id;
    counts.created++;
  }
  await setCourseAudience(trx, courseId, c.audience);

  await syncItems(
    trx,
    "lessons",
    courseId,
    counts,
    t,
    c.lessons.map((l) => ({
      key: l.key,
      row: {
        position: l.position,
        chapter: l.chapter,
        title: l.title,
        hours: l.hours,
        required: bit(l.required),
        video: l.video,
        captions: l.captions,
        complete_read_minutes: l.complete_read_minutes,
        complete_watch_percent: l.complete_watch_percent,
        video_duration: l.video_duration,
        body_md: l.body_md,
        content_hash: l.hash,
      },
    })),
  );
  await syncItems(
    trx,
    "assignments",
    courseId,
    counts,
    t,
    c.assignments.map((a) => ({
      key: a.key,
      row: {
        position: a.position,
        title: a.title,
        kind: a.kind,
        due_at: a.due_at,
        cutoff_at: a.cutoff_at,
        max_score: a.max_score,
        pass_score: a.pass_score,
        hours: a.hours,
        min_length: a.min_length,
        attachments: JSON.stringify(a.attachments),
        max_attachment_mb: a.max_attachment_mb,
        resubmit: bit(a.resubmit),
        body_md: a.body_md,
        content_hash: a.hash,
      },
    })),
  );
  await syncItems(
    trx,
    "exams",
    courseId,
    counts,
    t,
    c.exams.map((e) => ({
      key: e.key,
      row: { position: e.position, title: e.title, settings: JSON.stringify(e.settings), instructions_md: e.instructions_md, content_hash: e.hash },
    })),
  );
  await syncItems(
    trx,
    "course_media",
    courseId,
    counts,
    t,
    c.media.map((m) => ({
      key: m.path,
      row: { size: m.size, mime: m.mime, sha256: m.sha256 },
    })),
  );
  const banks = await syncItems(
    trx,
    "question_banks",
    courseId,
    counts,
    t,
    c.banks.map((b) => ({
      key: b.key,
      row: { title: b.title, content_hash: b.hash },
    })),
  );
  for (const b of c.banks) {
    const bank = banks.get(b.key)!;
    if (bank.changed) await syncQuestions(trx, bank.id, b.questions, counts, t);
    else counts.unchanged += b.questions.length;
  }
  return row ? "updated" : "created";
}

type ItemTable = "lessons" | "assignments" | "exams" | "course_media" | "question_banks";
const KEY_COLUMN: Record<ItemTable, string> = { lessons: "key", assignments: "key", exams: "key", question_banks: "key", course_media: "path" };
const HASH_COLUMN: Record<ItemTable, string> = {
  lessons: "content_hash",
  assignments: "content_hash",
  exams: "content_hash",
  question_banks: "content_hash",
  course_media: "sha256",
};

/**
 * Brings the rows of one course in `table` in line with `items` (matched by key): inserts new ones,
 * updates those whose hash differs or that were archived, archives those no longer present, and
 * leaves equal rows untouched (so their updated_at and everything hanging off them stay).
 */
async function syncItems(
  trx: DB,
  table: ItemTable,
  courseId: number,
  counts: SyncCounts,
  t: number,
  items: { key: string; row: Record<string, unknown> }[],
): Promise<Map<string, { id: number; changed: boolean }>> {
  const db = trx as unknown as Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- one code path for five tables of the same shape
  const keyCol = KEY_COLUMN[table];
  const hashCol = HASH_COLUMN[table];
  const rows: { id: number; key: string; hash: string; archived: number }[] = await db
    .selectFrom(table)
    .select(["id", `${keyCol} as key`, `${hashCol} as hash`, "archived"])
    .where("course_id", "=", courseId)
    .execute();
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const result = new Map<string, { id: number; changed: boolean }>();
  for (const item of items) {
    const existing = byKey.get(item.key);
    if (!existing) {
      const { id } = await db
        .insertInto(table)
        .values({ ...item.row, course_id: courseId, [keyCol]: item.key, archived: 0, created_at: t, updated_at: t })
        .returning("id")
        .executeTakeFirstOrThrow();
      result.set(item.key, { id, changed: true });
      counts.created++;
    } else if (existing.hash === item.row[hashCol] && !existing.archived) {
      result.set(item.key, { id: existing.id, changed: false });
      counts.unchanged++;
    } else {
      await db
        .updateTable(table)
        .set({ ...item.row, archived: 0, updated_at: t })
        .where("id", "=", existing.id)
        .execute();
      result.set(item.key, { id: existing.id, changed: true });
      counts.updated++;
    }
  }
  for (const r of rows) {
    if (r.archived || result.has(r.key)) continue;
    await db.updateTable(table).set({ archived: 1, updated_at: t }).where("id", "=", r.id).execute();
    counts.archived++;
  }
  return result;
}

/** A changed question becomes a new version row and the previous version is archived. */
async function syncQuestions(trx: DB, bankId: number, questions: ParsedQuestion[], counts: SyncCounts, t: number) {
  const rows = await trx
    .selectFrom("questions")
    .select(["id", "key", "version", "content_hash", "archived"])
    .where("bank_id", "=", bankId)
    .orderBy("version")
    .execute();
  const latest = new Map(rows.map((r) => [r.key, r])); // ordered by version: the last one wins
  const archive = (id: number) => trx.updateTable("questions").set({ archived: 1, updated_at: t }).where("id", "=", id).execute();
  for (const q of questions) {
    const prev = latest.get(q.key);
    if (prev?.content_hash === q.hash) {
      if (prev.archived) {
        await trx.updateTable("questions").set({ archived: 0, updated_at: t }).where("id", "=", prev.id).execute();
        counts.updated++;
      } else counts.unchanged++;
      continue;
    }
    if (prev && !prev.archived) await archive(prev.id);
    await trx
      .insertInto("questions")
      .values({
        bank_id: bankId,
        key: q.key,
        version: (prev?.version ?? 0) + 1,
        type: q.type,
        stem_md: q.stem_md,
        options: q.options && JSON.stringify(q.options),
        answer: JSON.stringify(q.answer),
        explanation: q.explanation,
        score: q.score,
        difficulty: q.difficulty,
        knowledge: q.knowledge,
        tags: JSON.stringify(q.tags),
        content_hash: q.hash,
        archived: 0,
        created_at: t,
        updated_at: t,
      })
      .execute();
    if (prev) counts.updated++;
    else counts.created++;
  }
  const keys = new Set(questions.map((q) => q.key));
  for (const r of latest.values()) {
    if (!r.archived && !keys.has(r.key)) {
      await archive(r.id);
      counts.archived++;
    }
  }
}

// ------------------------------------------------------------------------------------------ reads

const COURSE_COLUMNS = [
  "id",
  "slug",
  "title",
  "summary",
  "audience",
  "hours",
  "instructors",
  "cover",
  "published",
  "source",
  "progress",
  "intro_md",
  "archived",
  "updated_at",
] as const;

type CourseRow = {
  id: number;
  slug: string;
  title: string;
  summary: string;
  audience: string;
  hours: number;
  instructors: string;
  cover: string | null;
  published: number;
  source: "files" | "browser";
  progress: string;
  intro_md: string;
  archived: number;
  updated_at: number;
};

function toCourseView(row: CourseRow) {
  return {
    ...row,
    audience: JSON.parse(row.audience) as Stage[],
    instructors: JSON.parse(row.instructors) as string[],
    progress: JSON.parse(row.progress) as ProgressRules,
    published: row.published === 1,
    archived: row.archived === 1,
  };
}
export type CourseView = ReturnType<typeof toCourseView>;

/** Published, current courses for one member stage, with their number of lessons. */
export async function listCatalogForStage(db: DB, stage: Stage) {
  const rows = await db.selectFrom("courses").select(COURSE_COLUMNS).where(openToStageSql("courses", stage)).orderBy("id").execute();
  if (!rows.length) return [];
  const counts = await db
    .selectFrom("lessons")
    .select(["course_id", (eb) => eb.fn.countAll<number>().as("n")])
    .where("archived", "=", 0)
    .where(
      "course_id",
      "in",
      rows.map((r) => r.id),
    )
    .groupBy("course_id")
    .execute();
  return rows.map((r) => {
    const { intro_md: _intro, ...course } = toCourseView(r);
    return { ...course, lessonCount: Number(counts.find((c) => c.course_id === r.id)?.n ?? 0) };
  });
}

/** A course row (archived included) for the editor guard; undefined when the slug is unknown. */
export async function getCourseRowForEditor(db: DB, slug: string): Promise<CourseView | undefined> {
  const row = await db.selectFrom("courses").select(COURSE_COLUMNS).where("slug", "=", slug).executeTakeFirst();
  return row && toCourseView(row);
}

/**
 * Why a viewer may not open a course, in words for them; null when the course does not exist at all.
 * Called only after visibility was refused, so the answer never leaks more than the course title.
 */
export async function whyCourseHidden(db: DB, slug: string, viewer: Viewer): Promise<{ status: 403 | 404; message: string } | null> {
  const course = await getCourseRowForEditor(db, slug);
  if (!course || course.archived) return null;
  if (!course.published) return { status: 404, message: "该课程尚未发布" };
  if (!course.audience.includes(viewer.stage)) {
    const names = course.audience.map((s) => STAGE_LABEL[s]).join("、");
    return { status: 403, message: `《${course.title}》面向${names}，您当前的发展阶段是${STAGE_LABEL[viewer.stage]}，暂不能学习该课程` };
  }
  return { status: 403, message: "您没有权限查看该课程" };
}

async function visibleCourse(db: DB, slug: string, viewer: Viewer): Promise<CourseView | undefined> {
  const row = await db.selectFrom("courses").select(COURSE_COLUMNS).where("slug", "=", slug).executeTakeFirst();
  const course = row && toCourseView(row);
  return course && canSeeCourse(course, viewer) ? course : undefined;
}

async function currentLessons(db: DB, courseId: number) {
  return db
    .selectFrom("lessons")
    .select(["id", "key", "position", "chapter", "title", "hours", "required", "video"])
    .where("course_id", "=", courseId)
    .where("archived", "=", 0)
    .orderBy("position")
    .execute();
}

/** Courses a staff member follows: admins all, instructors their own, secretaries every published one. */
export async function listCoursesForStaff(db: DB, viewer: Viewer) {
  const rows = await db.selectFrom("courses").select(COURSE_COLUMNS).where("archived", "=", 0).orderBy("id").execute();
  return rows
    .map(toCourseView)
    .filter((c) => followsCourse(c, viewer))
    .map(({ intro_md: _intro, ...c }) => c);
}

/** A media file of a course the viewer may see (current, not archived): its stored hash and type. */
export async function getCourseMediaFile(db: DB, slug: string, mediaPath: string, viewer: Viewer) {
  const course = await visibleCourse(db, slug, viewer);
  if (!course) return undefined;
  return db
    .selectFrom("course_media")
    .select(["sha256", "mime", "size"])
    .where("course_id", "=", course.id)
    .where("path", "=", mediaPath)
    .where("archived", "=", 0)
    .executeTakeFirst();
}

/** A course with its lessons grouped by chapter (in order), assignments and exams; undefined when not visible. */
export async function getCourseBySlug(db: DB, slug: string, viewer: Viewer) {
  const course = await visibleCourse(db, slug, viewer);
  if (!course) return undefined;
  const [lessons, assignments, exams] = await Promise.all([
    currentLessons(db, course.id),
    db
      .selectFrom("assignments")
      .select(["id", "key", "title", "kind", "due_at", "cutoff_at", "hours"])
      .where("course_id", "=", course.id)
      .where("archived", "=", 0)
      .orderBy("position")
      .execute(),
    db.selectFrom("exams").select(["id", "key", "title"]).where("course_id", "=", course.id).where("archived", "=", 0).orderBy("position").execute(),
  ]);
  return { ...course, chapters: groupByChapter(lessons), assignments, exams };
}

/** One lesson with its course and neighbours; archived lessons only for those who see everything. */
export async function getLesson(db: DB, courseSlug: string, lessonKey: string, viewer: Viewer) {
  const course = await visibleCourse(db, courseSlug, viewer);
  if (!course) return undefined;
  const lesson = await db.selectFrom("lessons").selectAll().where("course_id", "=", course.id).where("key", "=", lessonKey).executeTakeFirst();
  if (!lesson || (lesson.archived && !seesEverything(course, viewer))) return undefined;
  const lessons = await currentLessons(db, course.id);
  const i = lessons.findIndex((l) => l.id === lesson.id);
  const link = (l: (typeof lessons)[number] | undefined) => (l ? { key: l.key, title: l.title } : null);
  return {
    course,
    lesson: { ...lesson, required: lesson.required === 1, archived: lesson.archived === 1 },
    prev: i > 0 ? link(lessons[i - 1]) : null,
    next: i >= 0 ? link(lessons[i + 1]) : null,
  };
}
