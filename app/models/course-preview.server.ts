// The whole-course preview (/teach/:slug/trainee-preview): the course as trainees will see it once the
// draft is published, read from the draft folder (browser courses) or the course folder (file courses)
// through the one course parser — never from the live tables — and shaped as the trainee's pages'
// data for a trainee who has not started (no progress, no submission, no attempt). Nothing here writes.
import { STATUS_LABEL } from "~/models/assignments.server.ts";
import { courseFolder, draftMediaBase } from "~/models/authoring.server.ts";
import { windowProblem } from "~/models/exams/windows.server.ts";
import { groupByChapter } from "~/utils/course-types.ts";
import type { ParsedCourse } from "~/utils/course-format.server.ts";
import { now } from "~/utils/db.server.ts";
import type { Dirs } from "~/utils/env.server.ts";
import { courseMediaUrl, renderMarkdownOffThread } from "~/utils/markdown.server.ts";
import { allowedTypes, TYPE_LABEL } from "~/utils/uploads.server.ts";
import { runTask } from "~/utils/workers.server.ts";

type Course = { slug: string; source: "files" | "browser" };
type Draft = { parsed: ParsedCourse; errors: number; mediaBase: string };

/** The draft parsed off the request thread, how many errors it has, and where its media are served from. */
async function readDraft(dirs: Dirs, course: Course): Promise<Draft | null> {
  const dir = courseFolder(dirs, course);
  if (!dir) return null;
  const { course: parsed, errors } = await runTask("parseCourse", { dir, label: course.slug });
  // A draft's media are not published yet: the editor's preview route serves them to the course's editors.
  const mediaBase = course.source === "browser" ? draftMediaBase(course.slug) : `/media/courses/${course.slug}/`;
  return { parsed, errors: errors.length, mediaBase };
}

const render = (md: string, d: Draft) => renderMarkdownOffThread(md, { mediaBase: d.mediaBase });

export async function previewCoursePage(dirs: Dirs, course: Course) {
  const d = await readDraft(dirs, course);
  if (!d) return null;
  const c = d.parsed;
  return {
    errors: d.errors,
    course: {
      slug: course.slug,
      title: c.title,
      summary: c.summary,
      hours: c.hours,
      audience: c.audience,
      published: c.published,
      introHtml: await render(c.intro_md, d),
    },
    chapters: groupByChapter(c.lessons).map((ch) => ({
      title: ch.title,
      lessons: ch.lessons.map((l) => ({
        key: l.key,
        title: l.title,
        hours: l.hours,
        required: l.required,
        video: !!l.video,
        completed: false,
        coverage: 0,
        started: false,
      })),
    })),
    assignments: c.assignments.map((a) => ({ key: a.key, title: a.title, kind: a.kind, due_at: a.due_at, hours: a.hours, state: "未提交" })),
    exams: c.exams.map((e) => ({ key: e.key, title: e.title, state: "未参加" })),
    offline: [] as { id: number; kind: string; hours: number; reason: string; date: string }[],
    summary: {
      lessonsDone: 0,
      lessonsTotal: c.lessons.length,
      requiredDone: 0,
      requiredTotal: c.lessons.filter((l) => l.required).length,
      hoursEarned: 0,
      onlineHours: 0,
      assignmentHours: 0,
      offlineHours: 0,
    },
    next: c.lessons[0] ? { key: c.lessons[0].key, title: c.lessons[0].title } : null,
  };
}

export async function previewLesson(dirs: Dirs, course: Course, key: string) {
  const d = await readDraft(dirs, course);
  const lessons = d?.parsed.lessons ?? [];
  const i = lessons.findIndex((l) => l.key === key);
  if (!d || i < 0) return null;
  const l = lessons[i]!;
  const link = (x: (typeof lessons)[number] | undefined) => (x ? { key: x.key, title: x.title } : null);
  return {
    errors: d.errors,
    rules: d.parsed.progress,
    course: { slug: course.slug, title: d.parsed.title },
    lesson: {
      key: l.key,
      title: l.title,
      chapter: l.chapter,
      archived: false,
      html: await render(l.body_md, d),
      video: courseMediaUrl(d.mediaBase, l.video),
      captions: courseMediaUrl(d.mediaBase, l.captions),
      readMinutes: l.complete_read_minutes,
      watchPercent: l.complete_watch_percent,
    },
    prev: link(lessons[i - 1]),
    next: link(lessons[i + 1]),
  };
}

export async function previewAssignment(dirs: Dirs, course: Course, key: string) {
  const d = await readDraft(dirs, course);
  const a = d?.parsed.assignments.find((x) => x.key === key);
  if (!d || !a) return null;
  return {
    errors: d.errors,
    course: { slug: course.slug, title: d.parsed.title },
    assignment: {
      title: a.title,
      kind: a.kind,
      maxScore: a.max_score,
      passScore: a.pass_score,
      hours: a.hours,
      minLength: a.min_length,
      allowed: [...allowedTypes(a.attachments)].map((t) => TYPE_LABEL[t]),
      maxMb: a.max_attachment_mb,
      resubmit: a.resubmit,
      promptHtml: await render(a.body_md, d),
    },
    deadlines: { dueAt: a.due_at, cutoffAt: a.cutoff_at, extended: false },
    extensionReason: null,
    status: "none" as const,
    statusLabel: STATUS_LABEL.none,
  };
}

export async function previewExam(dirs: Dirs, course: Course, key: string, t = now()) {
  const d = await readDraft(dirs, course);
  const e = d?.parsed.exams.find((x) => x.key === key);
  if (!d || !e) return null;
  const s = e.settings;
  return {
    errors: d.errors,
    exam: { title: e.title, courseSlug: course.slug, courseTitle: d.parsed.title },
    rules: {
      questionCount: s.draw.reduce((n, r) => n + r.count, 0),
      total_score: s.total_score,
      pass_score: s.pass_score,
      duration_minutes: s.duration_minutes,
      extra_minutes: 0,
      attempts: s.attempts,
      counts: s.counts,
      show_results: s.show_results,
      opens_at: s.opens_at,
      closes_at: s.closes_at,
      multi_scoring: s.multi_scoring,
    },
    used: 0,
    left: s.attempts,
    counted: null,
    instructionsHtml: await render(e.instructions_md, d),
    windowProblem: windowProblem(s, t, 0),
  };
}
