import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { listAuthorableCourses } from "~/models/authoring.server.ts";
import authoringCss from "~/styles/authoring.css?url";
import { requireRole } from "~/guards/auth.server.ts";
import { formatDateTime } from "~/utils/cst.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: authoringCss }];
export const meta: MetaFunction = () => [{ title: "课程编写 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const user = await requireRole(args, "instructor", "admin");
  const courses = await listAuthorableCourses(args.context.db, user);
  return { courses: courses.map(({ instructors: _i, ...c }) => c), isAdmin: user.roles.includes("admin") };
}

export default function TeachIndex() {
  const { courses, isAdmin } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <div className="page-head">
        <h1>课程编写</h1>
        <div className="row-actions">
          <Link to="/teach/import" className="btn">
            导入 zip
          </Link>
          <Link to="/teach/new" className="btn primary">
            新建课程
          </Link>
        </div>
      </div>
      <p className="muted">{isAdmin ? "组织部管理员可以编辑全部课程。" : "这里列出您担任授课教师的课程。"}</p>
      {courses.length ? (
        <ul className="cards">
          {courses.map((c) => (
            <li key={c.slug} className="card teach-card">
              <Link to={`/teach/${c.slug}`} className="teach-card-title">
                {c.title}
              </Link>
              <p className="muted">
                <code>{c.slug}</code> · 更新于 {formatDateTime(c.updated_at)}
              </p>
              <p className="tags">
                <span className="tag">{c.source === "browser" ? "在线编辑" : "文件同步（只读）"}</span>
                {c.archived ? <span className="tag">已归档</span> : c.published ? <span className="tag ok">已发布</span> : <span className="tag">未发布</span>}
              </p>
            </li>
          ))}
        </ul>
      ) : (
        <p className="card empty">还没有课程。点击“新建课程”开始编写，或导入一个课程 zip。</p>
      )}
    </div>
  );
}
