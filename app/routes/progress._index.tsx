import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { listCatalogForStage, listCoursesForStaff } from "~/models/courses.server.ts";
import { traineeHours } from "~/models/hours.server.ts";
import { courseSummaries, offlineHoursFor } from "~/models/progress.server.ts";
import learnCss from "~/styles/learn.css?url";
import { requireUser } from "~/guards/auth.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: learnCss }];
export const meta: MetaFunction = () => [{ title: "学习进度 · 网上党校" }];

/** Trainees: their own 学时 across courses. Staff: the courses whose progress they follow. */
export async function loader(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  const { db } = args.context;
  const isStaff = ["instructor", "secretary", "admin"].some((r) => user.roles.includes(r as never));
  let mine = null;
  if (user.roles.includes("trainee")) {
    const courses = await listCatalogForStage(db, user.stage);
    const summaries = await courseSummaries(
      db,
      user.id,
      courses.map((c) => c.id),
    );
    const offline = await offlineHoursFor(db, user.id);
    mine = {
      total: (await traineeHours(db, user.id)).total,
      courses: courses.map((c) => ({ slug: c.slug, title: c.title, hours: c.hours, ...summaries.get(c.id)! })),
      offline: offline.map((o) => ({ id: o.id, kind: o.kind, hours: o.hours, reason: o.reason, date: o.activity_date, by: o.credited_by_name })),
    };
  }
  const staff = isStaff ? (await listCoursesForStaff(db, user)).map((c) => ({ slug: c.slug, title: c.title, published: c.published })) : null;
  return { mine, staff };
}

export default function ProgressOverview() {
  const { mine, staff } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <h1>学习进度</h1>
      {mine ? (
        <>
          <section className="card">
            <h2>我的学时</h2>
            <div className="stat-grid">
              <div className="stat">
                <strong data-testid="total-hours">{mine.total.total}</strong>
                <span>累计学时</span>
              </div>
              <div className="stat">
                <strong>{mine.courses.filter((c) => c.lessonsDone === c.lessonsTotal && c.lessonsTotal > 0).length}</strong>
                <span>已学完课程</span>
              </div>
            </div>
          </section>
          {mine.courses.map((c) => (
            <section key={c.slug} className="card stack">
              <h2>
                <Link to={`/courses/${c.slug}`}>{c.title}</Link>
              </h2>
              <div className="meter" aria-hidden>
                <span style={{ width: `${c.lessonsTotal ? (c.lessonsDone / c.lessonsTotal) * 100 : 0}%` }} />
              </div>
              <p className="meta">
                <span>
                  课时 {c.lessonsDone}/{c.lessonsTotal}
                </span>
                <span>
                  学时 {c.hoursEarned}/{c.hours}
                </span>
                {c.assignmentHours ? <span>其中作业 {c.assignmentHours}</span> : null}
                {c.offlineHours ? <span>其中线下 {c.offlineHours}</span> : null}
              </p>
              {c.next ? (
                <p>
                  还差：<Link to={`/courses/${c.slug}/lessons/${c.next.key}`}>{c.next.title}</Link>
                  {c.lessonsTotal - c.lessonsDone > 1 ? ` 等 ${c.lessonsTotal - c.lessonsDone} 个课时` : ""}
                </p>
              ) : (
                <p className="alert ok">课时已全部完成</p>
              )}
            </section>
          ))}
          {mine.offline.length ? (
            <section className="card">
              <h2>线下学时记录</h2>
              <ul>
                {mine.offline.map((o) => (
                  <li key={o.id}>
                    {o.date} · {o.kind} · {o.hours} 学时 · {o.reason}（{o.by} 登记）
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </>
      ) : null}
      {staff ? (
        <section className="card">
          <h2>课程学习情况</h2>
          <ul className="lesson-list">
            {staff.map((c) => (
              <li key={c.slug}>
                <Link to={`/progress/${c.slug}`}>
                  <span className="title">{c.title}</span>
                  {c.published ? null : <span className="tag">未发布</span>}
                </Link>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}
