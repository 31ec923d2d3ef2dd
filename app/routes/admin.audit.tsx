// 审计日志: filter by actor, action, target and date; page through; export what is filtered as CSV or
// XLSX. Read-only: this route has no action, and the table refuses UPDATE and DELETE (triggers).
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData } from "@remix-run/react";
import { Pager } from "~/components/Pager.tsx";
import { countAuditEntries, describeAuditEntries, listAuditActions, listAuditEntries, parseAuditFilter } from "~/models/audit.server.ts";
import rosterCss from "~/styles/roster.css?url";
import { requireRole } from "~/guards/auth.server.ts";
import { formatDateTime } from "~/utils/cst.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: rosterCss }];
export const meta: MetaFunction = () => [{ title: "审计日志 · 网上党校" }];

const PAGE = 50;
const DETAIL_CHARS = 300;

export async function loader(args: LoaderFunctionArgs) {
  await requireRole(args, "admin");
  const { db } = args.context;
  const params = new URL(args.request.url).searchParams;
  const filter = parseAuditFilter(params);
  const page = Math.min(Math.max(1, Math.floor(Number(params.get("page")) || 1)), 100_000);
  const [rows, total, actions] = await Promise.all([
    listAuditEntries(db, { ...filter, limit: PAGE, offset: (page - 1) * PAGE }),
    countAuditEntries(db, filter),
    listAuditActions(db),
  ]);
  const entries = (await describeAuditEntries(db, rows)).map((e) => ({
    ...e,
    fields: e.fields.map((f) => ({ ...f, value: f.value.length > DETAIL_CHARS ? `${f.value.slice(0, DETAIL_CHARS)}…` : f.value })),
  }));
  return { entries, total, page, pages: Math.max(1, Math.ceil(total / PAGE)), actions, filter };
}

export default function Audit() {
  const { entries, total, page, pages, actions, filter } = useLoaderData<typeof loader>();
  const exportQuery = new URLSearchParams(Object.entries(filter).filter((kv): kv is [string, string] => typeof kv[1] === "string")).toString();
  const suffix = exportQuery ? `?${exportQuery}` : "";
  return (
    <div className="stack roster audit">
      <div className="page-head">
        <h1>审计日志</h1>
        <div className="export">
          <a href={`/admin/audit/export.csv${suffix}`} className="btn" download>
            导出 CSV
          </a>
          <a href={`/admin/audit/export.xlsx${suffix}`} className="btn" download>
            导出 Excel
          </a>
        </div>
      </div>
      <p className="muted">日志只能追加，不能修改或删除。导出的是当前筛选条件下的全部记录，导出本身也会记入日志。</p>
      <Form method="get" className="card filters">
        <input name="actor" placeholder="操作人学号/工号或姓名" defaultValue={filter.actor ?? ""} aria-label="操作人" />
        <select name="action" defaultValue={filter.action ?? ""} aria-label="操作">
          <option value="">全部操作</option>
          {actions.map((a) => (
            <option key={a.code} value={a.code}>
              {a.label}
            </option>
          ))}
        </select>
        <input name="target" placeholder="对象：学号/工号或编号" defaultValue={filter.target ?? ""} aria-label="对象" />
        <label className="nowrap">
          从 <input type="date" name="from" defaultValue={filter.from ?? ""} aria-label="开始日期" />
        </label>
        <label className="nowrap">
          到 <input type="date" name="to" defaultValue={filter.to ?? ""} aria-label="结束日期" />
        </label>
        <button type="submit" className="btn">
          筛选
        </button>
        {Object.keys(filter).length ? (
          <Link to="/admin/audit" className="btn">
            清除
          </Link>
        ) : null}
      </Form>
      <p className="muted" data-testid="audit-total">
        共 {total} 条{pages > 1 ? `，第 ${page} / ${pages} 页` : ""}
      </p>
      <div className="table-wrap card" tabIndex={0}>
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
                <td>{e.actor}</td>
                <td>{e.action}</td>
                <td>{e.target}</td>
                <td className="detail">
                  {e.fields.length ? (
                    <dl className="fields">
                      {e.fields.map((f, i) => (
                        <div key={i}>
                          <dt>{f.label}</dt>
                          <dd>{f.value}</dd>
                        </div>
                      ))}
                    </dl>
                  ) : null}
                </td>
                <td>{e.ip}</td>
              </tr>
            ))}
            {entries.length === 0 ? (
              <tr>
                <td colSpan={6} className="empty">
                  没有符合条件的记录
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <Pager page={page} pages={pages} hasNext={page < pages} />
    </div>
  );
}
