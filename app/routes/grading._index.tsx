import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { listGradingOverview } from "~/models/assignments.server.ts";
import assignmentsCss from "~/styles/assignments.css?url";
import { requireRole } from "~/guards/auth.server.ts";
import { formatDateTime } from "~/utils/cst.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: assignmentsCss }];
export const meta: MetaFunction = () => [{ title: "批改 · 网上党校" }];

/** Every assignment of the courses this instructor teaches (all courses for an admin), with the work waiting. */
export async function loader(args: LoaderFunctionArgs) {
  const user = await requireRole(args, "instructor", "admin");
  return { assignments: await listGradingOverview(args.context.db, user) };
}

export default function Grading() {
  const { assignments } = useLoaderData<typeof loader>();
  const waiting = assignments.reduce((n, a) => n + a.waiting, 0);
  return (
    <div className="stack grading">
      <div className="page-head">
        <h1>批改</h1>
        <span className="muted">{waiting ? `共 ${waiting} 份待批改` : "没有待批改的作业"}</span>
      </div>
      <ul className="cards">
        {assignments.map((a) => (
          <li key={a.id} className="card stack">
            <div>
              <p className="muted small">{a.course_title}</p>
              <h2>
                <Link to={`/teach/${a.slug}/assignments/${a.key}?status=waiting`}>{a.title}</Link> <span className="tag">{a.kind}</span>
              </h2>
              {a.due_at ? <p className="muted small">截止 {formatDateTime(a.due_at)}</p> : null}
            </div>
            <div className="stat-grid">
              <div className="stat">
                <strong>{a.waiting}</strong>
                <span>待批改</span>
              </div>
              <div className="stat">
                <strong>{a.returned}</strong>
                <span>已退回</span>
              </div>
              <div className="stat">
                <strong>{a.graded}</strong>
                <span>已评分</span>
              </div>
            </div>
          </li>
        ))}
        {assignments.length === 0 ? <li className="card empty">您任教的课程还没有作业</li> : null}
      </ul>
    </div>
  );
}
