import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { CoursePage } from "~/components/CourseReader.tsx";
import { getCourseBySlug, whyCourseHidden } from "~/models/courses.server.ts";
import { myCourseStandings, type StandingAssignment, type StandingExam } from "~/models/hours.server.ts";
import { getLessonProgress, offlineHoursFor, summarize } from "~/models/progress.server.ts";
import learnCss from "~/styles/learn.css?url";
import proseCss from "~/styles/prose.css?url";
import { requireUser } from "~/guards/auth.server.ts";
import { renderMarkdown } from "~/utils/markdown.server.ts";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: learnCss },
  { rel: "stylesheet", href: proseCss },
];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.course.title ?? "课程"} · 网上党校` }];

export async function loader(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  const { db } = args.context;
  const slug = args.params.slug ?? "";
  const course = await getCourseBySlug(db, slug, user);
  if (!course) {
    const why = await whyCourseHidden(db, slug, user);
    throw new Response(why?.message ?? "课程不存在", { status: why?.status ?? 404 });
  }
  const lessons = course.chapters.flatMap((c) => c.lessons);
  const progress = await getLessonProgress(
    db,
    user.id,
    lessons.map((l) => l.id),
  );
  const offline = await offlineHoursFor(db, user.id, course.id);
  const standing = (await myCourseStandings(db, user.id, [course.id])).get(course.id)!;
  const summary = summarize(standing);
  const next = lessons.find((l) => !progress.get(l.id)?.completed);
  const assignmentState = new Map(standing.assignments.map((a) => [a.id, assignmentText(a)]));
  return {
    course: {
      slug: course.slug,
      title: course.title,
      summary: course.summary,
      hours: course.hours,
      audience: course.audience,
      published: course.published,
      introHtml: renderMarkdown(course.intro_md, { mediaBase: `/media/courses/${course.slug}/` }),
    },
    chapters: course.chapters.map((c) => ({
      title: c.title,
      lessons: c.lessons.map((l) => {
        const p = progress.get(l.id);
        return {
          key: l.key,
          title: l.title,
          hours: l.hours,
          required: l.required === 1,
          video: !!l.video,
          completed: !!p?.completed,
          coverage: p?.coverage ?? 0,
          started: !!p,
        };
      }),
    })),
    assignments: course.assignments.map((a) => ({
      key: a.key,
      title: a.title,
      kind: a.kind,
      due_at: a.due_at,
      hours: a.hours,
      state: assignmentState.get(a.id) ?? "",
    })),
    exams: course.exams.map((e) => {
      const s = standing.exams.find((x) => x.id === e.id);
      return { key: e.key, title: e.title, state: s ? examText(s) : "" };
    }),
    offline: offline.map((o) => ({ id: o.id, kind: o.kind, hours: o.hours, reason: o.reason, date: o.activity_date })),
    summary,
    next: next ? { key: next.key, title: next.title } : null,
  };
}

/** A trainee's assignment in words: what they still have to do, or the grade and whether its 学时 count. */
function assignmentText(a: StandingAssignment): string {
  if (a.status === "none") return "未提交";
  if (a.status === "submitted") return "已提交，待批改";
  if (a.status === "returned") return "已退回修改，待重新提交";
  if (a.status === "hidden") return `已评分，成绩待公布${a.hours ? `（${a.hours} 学时随成绩公布）` : ""}`;
  return a.score !== null && a.score >= a.passScore
    ? `合格（${a.score} 分）${a.hours ? `，${a.hours} 学时已计入` : ""}`
    : `未达合格分 ${a.passScore}（${a.score} 分）`;
}

/** A trainee's exam in words: the attempt that counts, as far as the trainee may see its result yet. */
function examText(e: StandingExam): string {
  if (e.inProgress) return "作答中";
  if (!e.counted) return "未参加";
  if (e.counted.status !== "graded") return "已交卷，待阅卷";
  if (!e.resultVisible) return "已交卷，成绩待公布";
  return `${e.counted.passed === 1 ? "已通过" : "未通过"}（${e.counted.score} 分${e.attempts > 1 ? `，共 ${e.attempts} 次` : ""}）`;
}

export default function CourseRoute() {
  return <CoursePage {...useLoaderData<typeof loader>()} />;
}
