// What a trainee reads of a course — the course page, a lesson, an assignment's brief, an exam's rules —
// as components that both the trainee's routes (courses.*) and the instructor's whole-course preview
// (teach.$slug.trainee-preview.*) render, so the preview is the page trainees will get. The parts that
// record something (heartbeats, the writing form, 开始考试) stay in the trainee's routes.
import { Link } from "@remix-run/react";
import type { ReactNode } from "react";
import type { Stage } from "../../db/types.ts";
import type { ExamSettings } from "~/utils/course-types.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";
import { formatDateTime, formatWindow } from "~/utils/cst.ts";

/** The banner on every page of the preview, with the way back to the editor. */
export function PreviewBanner({ slug, errors }: { slug: string; errors?: number }) {
  return (
    <section className="alert warn preview-banner" aria-label="预览说明">
      <p>
        <strong>预览 — 学员尚看不到此版本。</strong>这是草稿发布后学员看到的样子；预览中不记录学习进度，不能提交作业或开始考试。
      </p>
      {errors ? <p>草稿有 {errors} 处校验错误，有错误的文件不在预览中（发布前须改正）。</p> : null}
      <p>
        <Link to={`/teach/${slug}`}>返回课程编写</Link>
      </p>
    </section>
  );
}

type CoursePageData = {
  course: { slug: string; title: string; summary: string; hours: number; audience: Stage[]; published: boolean; introHtml: string };
  chapters: {
    title: string;
    lessons: { key: string; title: string; hours: number; required: boolean; video: boolean; completed: boolean; coverage: number; started: boolean }[];
  }[];
  assignments: { key: string; title: string; kind: string; due_at: number | null; hours: number; state: string }[];
  exams: { key: string; title: string; state: string }[];
  offline: { id: number; kind: string; hours: number; reason: string; date: string }[];
  summary: {
    lessonsDone: number;
    lessonsTotal: number;
    requiredDone: number;
    requiredTotal: number;
    hoursEarned: number;
    onlineHours: number;
    assignmentHours: number;
    offlineHours: number;
  };
  next: { key: string; title: string } | null;
};

/** The course page; links to lessons, assignments and exams are relative to it. `preview` leaves out 答疑. */
export function CoursePage({ course, chapters, assignments, exams, offline, summary, next, preview }: CoursePageData & { preview?: boolean }) {
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
        {preview ? (
          <button type="button" className="btn" disabled>
            答疑：向授课教师提问（预览中不可用）
          </button>
        ) : (
          <Link to="questions" className="btn">
            答疑：向授课教师提问
          </Link>
        )}
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

type LessonPageData = {
  course: { slug: string; title: string };
  lesson: { title: string; chapter: string; archived: boolean; html: string };
  prev: { key: string; title: string } | null;
  next: { key: string; title: string } | null;
};

/**
 * A lesson: its title, the player (`player`), the text, the way to the neighbours and what sits under
 * them (`children`: the trainee's progress bar, or the preview's note). `base` is the course page's URL.
 */
export function LessonPage({
  base,
  course,
  lesson,
  prev,
  next,
  player,
  askLink,
  children,
}: LessonPageData & { base: string; player: ReactNode; askLink: string | null; children: ReactNode }) {
  return (
    <article className="lesson-page">
      <p className="crumbs">
        <Link to={base}>{course.title}</Link> / {lesson.chapter}
      </p>
      <h1>{lesson.title}</h1>
      {lesson.archived ? <p className="alert warn">该课时已下线（仅教师可见）。</p> : null}
      {player}
      <div className="card">
        <div className="prose" dangerouslySetInnerHTML={{ __html: lesson.html }} />
        <p className="muted">{askLink ? <Link to={askLink}>对本课有疑问？向教师提问</Link> : "对本课有疑问？向教师提问（预览中不可用）"}</p>
      </div>
      <nav className="lesson-nav" aria-label="课时导航">
        {prev ? (
          <Link to={`${base}/lessons/${prev.key}`} className="btn prev">
            ← {prev.title}
          </Link>
        ) : (
          <span />
        )}
        {next ? (
          <Link to={`${base}/lessons/${next.key}`} className="btn next">
            {next.title} →
          </Link>
        ) : (
          <Link to={base} className="btn next">
            返回课程
          </Link>
        )}
      </nav>
      {children}
    </article>
  );
}

type AssignmentBriefData = {
  course: { slug: string; title: string };
  assignment: {
    title: string;
    kind: string;
    maxScore: number;
    passScore: number;
    hours: number;
    minLength: number | null;
    allowed: string[];
    maxMb: number;
    resubmit: boolean;
    promptHtml: string;
  };
  deadlines: { dueAt: number | null; cutoffAt: number | null; extended: boolean };
  extensionReason: string | null;
  status: string;
  statusLabel: string;
};

const fmt = (n: number) => n.toLocaleString("en-US");

/** An assignment's facts (type, deadlines, scores, length, attachments) and its 题目要求. */
export function AssignmentBrief({ base, course, assignment: a, deadlines, extensionReason, status, statusLabel }: AssignmentBriefData & { base: string }) {
  return (
    <>
      <p className="crumbs muted">
        <Link to={base}>{course.title}</Link> / 作业
      </p>
      <section className="card stack">
        <div className="page-head">
          <h1>{a.title}</h1>
          <span className={`tag status-${status}`}>{statusLabel}</span>
        </div>
        <dl className="facts">
          <div>
            <dt>类型</dt>
            <dd>{a.kind}</dd>
          </div>
          <div>
            <dt>截止时间</dt>
            <dd>{deadlines.dueAt ? formatDateTime(deadlines.dueAt) : "不限"}</dd>
          </div>
          <div>
            <dt>最终截止</dt>
            <dd>{deadlines.cutoffAt ? formatDateTime(deadlines.cutoffAt) : "不限"}</dd>
          </div>
          <div>
            <dt>满分 / 及格</dt>
            <dd>
              {a.maxScore} / {a.passScore}
            </dd>
          </div>
          <div>
            <dt>最少字数</dt>
            <dd>{a.minLength ? `${fmt(a.minLength)} 字` : "不限"}</dd>
          </div>
          <div>
            <dt>附件</dt>
            <dd>{a.allowed.length ? `${a.allowed.join("、")}，每个不超过 ${a.maxMb} MB` : "不接受附件"}</dd>
          </div>
          {a.hours ? (
            <div>
              <dt>学时</dt>
              <dd>合格后计 {a.hours} 学时</dd>
            </div>
          ) : null}
        </dl>
        {deadlines.extended ? <p className="alert ok">教师已为您延期{extensionReason ? `（${extensionReason}）` : ""}，以上为延期后的时间。</p> : null}
        <p className="muted small">
          截止时间后提交记为迟交；最终截止后不能再提交。{a.resubmit ? "截止时间前可修改后重新提交。" : "提交后不能自行修改，教师退回后可重新提交。"}
        </p>
      </section>

      <details className="card" open={status === "none" || status === "draft"}>
        <summary>题目要求</summary>
        <div className="prose" dangerouslySetInnerHTML={{ __html: a.promptHtml }} />
      </details>
    </>
  );
}

const COUNT_RULE = { best: "取最高分", last: "取最后一次" } as const;
const SHOW_RESULTS = {
  after_submit: "交卷后立即公布成绩和答案",
  after_last_attempt: "交卷后公布成绩，用完全部考试机会后公布答案和解析",
  after_close: "考试关闭后公布成绩和答案",
  never: "不公布成绩和答案",
} as const;

type ExamRulesData = {
  exam: { title: string; courseSlug: string; courseTitle: string };
  rules: {
    questionCount: number;
    total_score: number;
    pass_score: number;
    duration_minutes: number;
    extra_minutes: number;
    attempts: number;
    counts: ExamSettings["counts"];
    show_results: ExamSettings["show_results"];
    opens_at: number | null;
    closes_at: number | null;
    multi_scoring: ExamSettings["multi_scoring"];
  };
  used: number;
  left: number;
  counted: { score: number | null; max_score: number; passed: number | null; status: string } | null;
  instructionsHtml: string;
};

/** An exam's introduction: its figures, rules, the score that counts so far and the instructions. */
export function ExamRules({ base, exam, rules: r, used, left, counted, instructionsHtml }: ExamRulesData & { base: string }) {
  return (
    <>
      <p className="muted">
        <Link to={base}>{exam.courseTitle}</Link> · 考试
      </p>
      <h1>{exam.title}</h1>
      <section className="card">
        <div className="stat-grid">
          <div className="stat">
            <strong>{r.questionCount}</strong>
            <span>题目数</span>
          </div>
          <div className="stat">
            <strong>{r.total_score}</strong>
            <span>满分</span>
          </div>
          <div className="stat">
            <strong>{r.pass_score}</strong>
            <span>及格分</span>
          </div>
          <div className="stat">
            <strong>{r.duration_minutes}</strong>
            <span>限时（分钟）</span>
          </div>
          <div className="stat">
            <strong>
              {used}/{r.attempts}
            </strong>
            <span>已用次数</span>
          </div>
        </div>
        <ul className="exam-rules">
          <li>
            考试机会 {r.attempts} 次，剩余 {left} 次，成绩{COUNT_RULE[r.counts]}；{SHOW_RESULTS[r.show_results]}。
          </li>
          <li>
            开放时间：{formatWindow(r.opens_at, r.closes_at)}
            {r.extra_minutes ? `（您另有 ${r.extra_minutes} 分钟延时）` : ""}
          </li>
          <li>计时以服务器时间为准，开始后不暂停，时间到系统自动交卷；答案随时自动保存。</li>
          {r.multi_scoring === "partial" ? <li>多选题少选按比例得分，错选不得分。</li> : <li>多选题多选、少选、错选均不得分。</li>}
        </ul>
        {counted ? (
          <p className="exam-best">
            计入成绩：<strong>{counted.score ?? "—"}</strong> / {counted.max_score}
            {counted.status === "submitted" ? (
              <span className="tag">待阅卷</span>
            ) : counted.passed ? (
              <span className="tag ok">合格</span>
            ) : (
              <span className="tag">不合格</span>
            )}
          </p>
        ) : null}
      </section>
      <section className="card prose" dangerouslySetInnerHTML={{ __html: instructionsHtml }} />
    </>
  );
}
