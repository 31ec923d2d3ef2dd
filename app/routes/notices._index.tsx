import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { managedNotices, noticesFor, publishScope } from "~/models/notices.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { formatDateTime } from "~/utils/cst.ts";

export const meta: MetaFunction = () => [{ title: "通知公告 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  const { db } = args.context;
  const canPublish = !!(await publishScope(db, user));
  return {
    mine: (await noticesFor(db, user.id)).map((n) => ({
      id: n.id,
      title: n.title,
      at: formatDateTime(n.published_at),
      edited: n.version > 1,
      status: n.read_at === null ? "未读" : n.requires_ack && n.acked_at === null ? "待确认" : n.requires_ack ? "已确认" : "已读",
    })),
    canPublish,
    managed: canPublish
      ? (await managedNotices(db, user)).map((n) => ({
          id: n.id,
          title: n.title,
          at: formatDateTime(n.published_at),
          publisher: n.publisher,
          ack: n.requires_ack === 1,
          total: Number(n.total),
          read: Number(n.read),
          acked: Number(n.acked),
        }))
      : [],
  };
}

export default function Notices() {
  const { mine, canPublish, managed } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <div className="page-head">
        <h1>通知公告</h1>
        {canPublish ? (
          <span className="inline-form">
            <Link to="/notices/webhooks" className="btn">
              群机器人
            </Link>
            <Link to="/notices/new" className="btn primary">
              发布通知
            </Link>
          </span>
        ) : null}
      </div>
      <section className="card">
        <h2>我收到的通知</h2>
        {mine.length === 0 ? <p className="muted">暂无通知。</p> : null}
        <ul className="stack" style={{ listStyle: "none", padding: 0 }}>
          {mine.map((n) => (
            <li key={n.id} data-testid="notice-item">
              <Link to={`/notices/${n.id}`}>{n.title}</Link>{" "}
              <span className={`tag${n.status === "已读" || n.status === "已确认" ? " ok" : ""}`}>{n.status}</span>
              <br />
              <small className="muted">
                {n.at}
                {n.edited ? " · 已修改" : ""}
              </small>
            </li>
          ))}
        </ul>
      </section>
      {canPublish ? (
        <section className="card table-wrap" tabIndex={0}>
          <h2>{managed.length ? "已发布的通知" : "尚未发布通知"}</h2>
          {managed.length ? (
            <table>
              <thead>
                <tr>
                  <th>标题</th>
                  <th>发布</th>
                  <th>已读</th>
                  <th>已确认</th>
                </tr>
              </thead>
              <tbody>
                {managed.map((n) => (
                  <tr key={n.id}>
                    <td>
                      <Link to={`/notices/${n.id}`}>{n.title}</Link>
                    </td>
                    <td>
                      {n.publisher} · {n.at}
                    </td>
                    <td>
                      <Link to={`/notices/${n.id}/reads`}>
                        {n.read}/{n.total}
                      </Link>
                    </td>
                    <td>{n.ack ? `${n.acked}/${n.total}` : "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </section>
      ) : null}
    </div>
  );
}
