import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { listCatalogForStage } from "~/models/courses.server.ts";
import { courseSummaries } from "~/models/progress.server.ts";
import learnCss from "~/styles/learn.css?url";
import { requireUser } from "~/guards/auth.server.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: learnCss }];
export const meta: MetaFunction = () => [{ title: "我的课程 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  const { db } = args.context;
  const courses = await listCatalogForStage(db, user.stage);
  const summaries = await courseSummaries(
    db,
    user.id,
    courses.map((c) => c.id),
  );
  return {
    stage: user.stage,
    courses: courses.map((c) => ({
      slug: c.slug,
      title: c.title,
      summary: c.summary,
      hours: c.hours,
      lessonCount: c.lessonCount,
      cover: c.cover ? `/media/courses/${c.slug}/${c.cover.replace(/^media\//, "")}` : null,
      progress: summaries.get(c.id)!,
    })),
  };
}

export default function Catalog() {
  const { stage, courses } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <div className="page-head">
        <h1>我的课程</h1>
        <span className="tag">{STAGE_LABEL[stage]}</span>
      </div>
      {courses.length === 0 ? <p className="card empty">目前没有面向{STAGE_LABEL[stage]}的课程。</p> : null}
      <ul className="course-grid">
        {courses.map((c) => {
          const pct = c.progress.lessonsTotal ? Math.round((c.progress.lessonsDone / c.progress.lessonsTotal) * 100) : 0;
          return (
            <li key={c.slug} className="card course-card">
              {c.cover ? <img className="cover" src={c.cover} alt="" loading="lazy" /> : <span className="cover" />}
              <div className="body">
                <h2>
                  <Link to={`/courses/${c.slug}`}>{c.title}</Link>
                </h2>
                <p className="muted">{c.summary}</p>
                <div className="meter" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100} aria-label="课程进度">
                  <span style={{ width: `${pct}%` }} />
                </div>
                <div className="meta">
                  <span>
                    已学 {c.progress.lessonsDone}/{c.progress.lessonsTotal} 课
                  </span>
                  <span>
                    学时 {c.progress.hoursEarned}/{c.hours}
                  </span>
                </div>
                <Link to={c.progress.next ? `/courses/${c.slug}/lessons/${c.progress.next.key}` : `/courses/${c.slug}`} className="btn primary">
                  {c.progress.lessonsDone === 0 ? "开始学习" : c.progress.next ? "继续学习" : "查看课程"}
                </Link>
              </div>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
