import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { NoticeError, readReport } from "~/models/notices.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { formatDateTime } from "~/utils/cst.ts";
import { idParam } from "~/utils/forms.server.ts";
import { orStatus } from "~/utils/status-errors.server.ts";

export const meta: MetaFunction = () => [{ title: "阅读情况 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const user = await requireRole(args, "admin", "secretary");
  const id = idParam.safeParse(args.params.id);
  if (!id.success) throw new Response("通知不存在", { status: 404 });
  const r = await orStatus(readReport(args.context.db, id.data, user), NoticeError);
  const show = new URL(args.request.url).searchParams.get("show") === "all" ? "all" : "pending";
  const people = r.people.filter((p) => show === "all" || !p.done);
  return {
    notice: { id: r.notice.id, title: r.notice.title, requiresAck: r.notice.requires_ack === 1 },
    totals: r.totals,
    branches: r.branches,
    show,
    people: people.slice(0, 2000).map((p) => ({
      id: p.id,
      name: p.name,
      username: p.username,
      // The branch's own name: the full path is in the table above and in the export.
      unit: p.unit.split(" / ").pop() ?? p.unit,
      readAt: p.read_at ? formatDateTime(p.read_at) : null,
      ackedAt: p.acked_at ? formatDateTime(p.acked_at) : null,
    })),
    more: Math.max(0, people.length - 2000),
  };
}

export default function NoticeReads() {
  const { notice, totals, branches, people, show, more } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <div className="stack">
      <p className="muted">
        <Link to="/notices">通知公告</Link> / <Link to={`/notices/${notice.id}`}>{notice.title}</Link> / 阅读情况
      </p>
      <h1>阅读情况</h1>
      {params.get("published") ? (
        <p className="alert ok" role="status">
          已发布给 {params.get("published")} 人。
        </p>
      ) : null}
      <p data-testid="read-totals">
        共 {totals.total} 人，已读 {totals.read} 人{notice.requiresAck ? `，已确认 ${totals.acked} 人` : ""}，未{notice.requiresAck ? "确认" : "读"}{" "}
        {totals.total - (notice.requiresAck ? totals.acked : totals.read)} 人。
        <a href={`/notices/${notice.id}/reads.xlsx`} className="btn small">
          导出 Excel
        </a>
      </p>
      <section className="card table-wrap" tabIndex={0}>
        <h2>按组织</h2>
        <table>
          <thead>
            <tr>
              <th>组织</th>
              <th>人数</th>
              <th>已读</th>
              {notice.requiresAck ? <th>已确认</th> : null}
            </tr>
          </thead>
          <tbody>
            {branches.map((b) => (
              <tr key={b.unit}>
                <td>{b.unit}</td>
                <td>{b.total}</td>
                <td>{b.read}</td>
                {notice.requiresAck ? <td>{b.acked}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card table-wrap" tabIndex={0}>
        <h2>
          {show === "all" ? "全部人员" : notice.requiresAck ? "尚未确认的人员" : "尚未阅读的人员"}{" "}
          <Link to={show === "all" ? "?" : "?show=all"} className="btn small">
            {show === "all" ? "只看未完成" : "查看全部"}
          </Link>
        </h2>
        <table data-testid="read-people">
          <thead>
            <tr>
              <th>姓名</th>
              <th>学号/工号</th>
              <th>组织</th>
              <th>阅读时间</th>
              {notice.requiresAck ? <th>确认时间</th> : null}
            </tr>
          </thead>
          <tbody>
            {people.map((p) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td>{p.username}</td>
                <td>{p.unit}</td>
                <td>{p.readAt ?? "未读"}</td>
                {notice.requiresAck ? <td>{p.ackedAt ?? "未确认"}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
        {more ? <p className="muted">另有 {more} 人未列出，请导出 Excel 查看。</p> : null}
      </section>
    </div>
  );
}
