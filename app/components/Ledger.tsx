// 培训台账 page body, shared by the organization department (/admin/ledger) and secretaries
// (/branch/ledger, their subtree): the filter form, counts, export links and the first rows.
import { Form, Link } from "@remix-run/react";
import { CLASS_KINDS } from "../../db/types.ts";
import { StatGrid } from "~/components/ClassMembers.tsx";
import type { LedgerPageData } from "~/models/ledger.server.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";

const STATUS_CHOICES = [
  ["completed", "已结业"],
  ["not_completed", "未结业"],
  ["undecided", "未认定（培训中或待确认）"],
] as const;

export function LedgerView({
  data,
  base,
  title,
  scopeNote,
  xapi = false,
}: {
  data: LedgerPageData;
  base: string;
  title: string;
  scopeNote?: string;
  xapi?: boolean;
}) {
  const { filter, query, counts, preview, classes, units } = data;
  const filtered = Object.keys(filter).length > 0;
  return (
    <div className="stack ledger">
      <div className="page-head">
        <h1>{title}</h1>
        <div className="export">
          <a href={`${base}/export.xlsx${query}`} className="btn primary" download>
            导出 Excel
          </a>
          <a href={`${base}/export.csv${query}`} className="btn" download>
            导出 CSV
          </a>
        </div>
      </div>
      <p className="muted">
        每位学员在每个培训班一行。已由组织部确认结业的，显示确认时的成绩；其余显示当前成绩，“是否结业”为“未认定”。导出的是当前筛选条件下的全部行，导出会记入审计日志。
        {scopeNote ? ` ${scopeNote}` : ""}
      </p>
      <Form method="get" className="card filters" aria-label="筛选">
        <select name="class" defaultValue={filter.class ?? ""} aria-label="培训班">
          <option value="">全部培训班</option>
          {classes.map((c) => (
            <option key={c.id} value={c.id}>
              {c.label}
            </option>
          ))}
        </select>
        <select name="kind" defaultValue={filter.kind ?? ""} aria-label="类别">
          <option value="">全部类别</option>
          {CLASS_KINDS.map((k) => (
            <option key={k} value={k}>
              {STAGE_LABEL[k]}培训班
            </option>
          ))}
        </select>
        <input name="term" type="number" min={1} max={9999} placeholder="期次" defaultValue={filter.term ?? ""} aria-label="期次" className="term" />
        <select name="unit" defaultValue={filter.unit ?? ""} aria-label="组织">
          <option value="">全部组织</option>
          {units.map((u) => (
            <option key={u.id} value={u.id}>
              {u.label}
            </option>
          ))}
        </select>
        <label className="nowrap">
          从 <input type="date" name="from" defaultValue={filter.from ?? ""} aria-label="开始日期" />
        </label>
        <label className="nowrap">
          到 <input type="date" name="to" defaultValue={filter.to ?? ""} aria-label="结束日期" />
        </label>
        <select name="status" defaultValue={filter.status ?? ""} aria-label="是否结业">
          <option value="">全部结业状态</option>
          {STATUS_CHOICES.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
        <button type="submit" className="btn">
          筛选
        </button>
        {filtered ? (
          <Link to={base} className="btn">
            清除
          </Link>
        ) : null}
      </Form>
      <div data-testid="ledger-counts">
        <StatGrid
          items={[
            [counts.rows, "台账行数"],
            [counts.classes, "培训班"],
            [counts.completed, "已结业"],
            [counts.notCompleted, "未结业"],
            [counts.undecided, "未认定"],
          ]}
        />
      </div>
      <p className="muted">{counts.rows > preview.length ? `下表为前 ${preview.length} 行，完整台账请导出。` : null}</p>
      <div className="table-wrap card" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th>序号</th>
              <th>学号/工号</th>
              <th>姓名</th>
              <th>党支部</th>
              <th>培养联系人</th>
              <th>培训班</th>
              <th>已修/应修学时</th>
              <th>综合成绩</th>
              <th>等级</th>
              <th>是否结业</th>
              <th>证书编号</th>
              <th>备注</th>
            </tr>
          </thead>
          <tbody>
            {preview.map((r) => (
              <tr key={`${r.classId}-${r.userId}`}>
                <td>{r.seq}</td>
                <td>{r.username}</td>
                <td className="nowrap">
                  <Link to={`/admin/users/${r.userId}/record`}>{r.name}</Link>
                </td>
                <td>{r.unit}</td>
                <td className="nowrap">{r.liaisons}</td>
                <td>
                  <Link to={`/admin/classes/${r.classId}`}>{r.className}</Link>
                  <span className="muted">（第 {r.term} 期）</span>
                </td>
                <td className="nowrap">
                  {r.hours} / {r.requiredHours}
                </td>
                <td>{r.composite}</td>
                <td>{r.band}</td>
                <td>{r.status}</td>
                <td className="nowrap">{r.certificateNumber ?? ""}</td>
                <td className="note">{r.note}</td>
              </tr>
            ))}
            {preview.length === 0 ? (
              <tr>
                <td colSpan={12} className="empty">
                  没有符合条件的台账记录
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {xapi ? (
        // A plain form: the download is a resource route, not a page to navigate to in the app.
        <form method="get" action="/admin/xapi" className="card xapi">
          <h2>学习记录（xAPI 语句）</h2>
          <p className="muted">供学习记录存储（LRS）导入：每个完成的课时、每次考试作答和每张证书各一条语句，JSON 格式。按北京时间日期筛选，留空为全部。</p>
          <label className="nowrap">
            自 <input type="date" name="since" aria-label="起始日期" />
          </label>
          <label className="nowrap">
            至 <input type="date" name="until" aria-label="截止日期（不含）" />
          </label>
          <button type="submit" className="btn">
            下载 JSON
          </button>
        </form>
      ) : null}
    </div>
  );
}
