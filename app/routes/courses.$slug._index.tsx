import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { getCourseBySlug, whyCourseHidden } from "~/models/courses.server.ts";
import { myCourseStandings, type StandingAssignment, type StandingExam } from "~/models/hours.server.ts";
import { getLessonProgress, offlineHoursFor, summarize } from "~/models/progress.server.ts";
import learnCss from "~/styles/learn.css?url";
import proseCss from "~/styles/prose.css?url";
import { requireUser } from "~/guards/auth.server.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";
import { renderMarkdown } from "~/utils/markdown.server.ts";
import { formatDateTime } from "~/utils/cst.ts";

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

export default function CoursePage() {
  const { course, chapters, assignments, exams, offline, summary, next } = useLoaderData<typeof loader>();
  const pct = summary.lessonsTotal ? Math.round((summary.lessonsDone / summary.lessonsTotal) * 100) : 0;
  return (
    <div className="stack">
      <section className="card course-head">
        <div>
          <p className="muted">
            <Link to="/courses">我的课程</Link> / {course.audience.map((s) => STAGE_LABEL[s]).join("、")}
            {course.published ? null : <span className="tag">未发布</span>}
          </p>
          <h1>{course.title}</h1>
          <p className="muted">{course.summary}</p>
        </div>
        <div className="summary-stats stat-grid">
          <div className="stat">
            <strong>
              {summary.hoursEarned}/{course.hours}
            </strong>
            <span>学时</span>
          </div>
          <div className="stat">
            <strong>
              {summary.lessonsDone}/{summary.lessonsTotal}
            </strong>
            <span>已完成课时</span>
          </div>
          <div className="stat">
            <strong>
              {summary.requiredDone}/{summary.requiredTotal}
            </strong>
            <span>必修完成</span>
          </div>
        </div>
        <p className="meta" data-testid="hours-by-source">
          <span>课时 {summary.onlineHours}</span>
          <span>作业 {summary.assignmentHours}</span>
          <span>线下 {summary.offlineHours}</span>
          <span>合计 {summary.hoursEarned} 学时</span>
        </p>
        <div className="meter" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} aria-label="课程进度">
          <span style={{ width: `${pct}%` }} />
        </div>
        {next ? (
          <Link to={`lessons/${next.key}`} className="btn primary">
            {summary.lessonsDone ? "继续学习" : "开始学习"}：{next.title}
          </Link>
        ) : (
          <p className="alert ok">本课程的课时已全部完成。</p>
        )}
        <Link to="questions" className="btn">
          答疑：向授课教师提问
        </Link>
      </section>

      {course.introHtml ? (
        <details className="card">
          <summary>课程简介</summary>
          <div className="prose" dangerouslySetInnerHTML={{ __html: course.introHtml }} />
        </details>
      ) : null}

      {chapters.map((ch) => (
        <section key={ch.title} className="card chapter">
          <h2>{ch.title}</h2>
          <ul className="lesson-list">
            {ch.lessons.map((l) => (
              <li key={l.key}>
                <Link to={`lessons/${l.key}`}>
                  <span
                    className={`mark ${l.completed ? "done" : l.started ? "partial" : ""}`}
                    aria-label={l.completed ? "已完成" : l.started ? "学习中" : "未开始"}
                  >
                    {l.completed ? "✓" : l.video ? "▶" : "文"}
                  </span>
                  <span className="title">
                    {l.title}
                    {l.required ? null : <span className="tag">选修</span>}
                    {!l.completed && l.video && l.coverage > 0 ? <small className="muted"> 已看 {Math.round(l.coverage)}%</small> : null}
                  </span>
                  <span className="hours">{l.hours} 学时</span>
                </Link>
              </li>
            ))}
          </ul>
        </section>
      ))}

      {assignments.length || exams.length ? (
        <section className="card chapter">
          <h2>作业与考试</h2>
          <ul className="lesson-list">
            {assignments.map((a) => (
              <li key={`a-${a.key}`}>
                <Link to={`assignments/${a.key}`}>
                  <span className="mark">作</span>
                  <span className="title">
                    {a.title} <span className="tag">{a.kind}</span>
                    {a.due_at ? <small className="muted"> 截止 {formatDateTime(a.due_at)}</small> : null}
                    <small className="state">{a.state}</small>
                  </span>
                  <span className="hours">{a.hours ? `${a.hours} 学时` : ""}</span>
                </Link>
              </li>
            ))}
            {exams.map((e) => (
              <li key={`e-${e.key}`}>
                <Link to={`exams/${e.key}`}>
                  <span className="mark">考</span>
                  <span className="title">
                    {e.title}
                    <small className="state">{e.state}</small>
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {offline.length ? (
        <section className="card">
          <h2>线下学时</h2>
          <ul>
            {offline.map((o) => (
              <li key={o.id}>
                {o.date} · {o.kind} · {o.hours} 学时 · {o.reason}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
