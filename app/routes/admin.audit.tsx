import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData, useSearchParams } from "@remix-run/react";
import { listAuditEntries } from "~/models/audit.server.ts";
import { requireRole } from "~/utils/auth.server.ts";
import { formatDateTime } from "~/utils/labels.ts";

export const meta: MetaFunction = () => [{ title: "审计日志 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  await requireRole(args, "admin");
  const action = new URL(args.request.url).searchParams.get("action")?.trim().slice(0, 60) || undefined;
  return { entries: await listAuditEntries(args.context.db, { action, limit: 200 }) };
}

export default function Audit() {
  const { entries } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <div className="stack">
      <h1>审计日志</h1>
      <p className="muted">日志只能追加，不能修改或删除。显示最近 200 条。</p>
      <Form method="get" className="card filters">
        <input name="action" placeholder="操作，如 login.failure" defaultValue={params.get("action") ?? ""} aria-label="操作" />
        <button type="submit" className="btn">
          筛选
        </button>
      </Form>
      <div className="table-wrap card">
        <table>
          <thead>
            <tr>
              <th>时间</th>
              <th>操作人</th>
              <th>操作</th>
              <th>对象</th>
              <th>详情</th>
              <th>IP</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td className="nowrap">{formatDateTime(e.at)}</td>
                <td>{e.actor_name ? `${e.actor_name}（${e.actor_username}）` : "—"}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>{e.target_type ? `${e.target_type}#${e.target_id}` : ""}</td>
                <td className="detail">{e.detail}</td>
                <td>{e.ip}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
