// 统计 page body for the organization department and secretaries: figures, charts drawn on the server
// as SVG (each followed by its numbers as a table), the assignment backlog and the trainees at risk.
import { Form, Link } from "@remix-run/react";
import { StatGrid } from "~/components/ClassMembers.tsx";
import type { DashboardPageData } from "~/models/statistics.server.ts";
import { BarChart, Histogram, type Series } from "~/utils/charts.ts";
import { formatDateTime } from "~/utils/cst.ts";

const STATUS_SERIES: Series[] = [
  { key: "inProgress", label: "学习中", color: "#d9a200" },
  { key: "completed", label: "已结业", color: "#2e7d32" },
  { key: "failed", label: "未通过", color: "#c8161d" },
];

const values = (c: { inProgress: number; completed: number; failed: number }) => ({ inProgress: c.inProgress, completed: c.completed, failed: c.failed });

/** `reportsOverdue`: trainees whose last 思想汇报 period is short (the same count as the secretary's home page and /branch/reports). */
export function DashboardView({
  data,
  title,
  ledgerHref,
  canGrade,
  reportsOverdue,
}: {
  data: DashboardPageData;
  title: string;
  ledgerHref: string;
  canGrade: boolean;
  reportsOverdue?: number;
}) {
  const { filter, classChoices, totals, classes, units, bins, backlog, atRisk, rules } = data;
  const waiting = backlog.reduce((n, b) => n + b.waiting, 0);
  return (
    <div className="stack dashboard">
      <div className="page-head">
        <h1>{title}</h1>
        <Link to={ledgerHref} className="btn">
          培训台账
        </Link>
      </div>
      <Form method="get" className="card filters" aria-label="筛选">
        <select name="class" defaultValue={filter.classId ?? ""} aria-label="培训班">
          <option value="">{filter.includeCompleted ? "全部培训班" : "未结班的培训班"}</option>
          {classChoices.map((c) => (
            <option key={c.id} value={c.id}>
              {c.label}
            </option>
          ))}
        </select>
        <label className="check">
          <input type="checkbox" name="all" value="1" defaultChecked={filter.includeCompleted} /> 包括已结班的培训班
        </label>
        <button type="submit" className="btn">
          查看
        </button>
      </Form>
      {data.capped ? <p className="alert warn">培训班较多，只统计最近的 {rules.maxClasses} 个；可选择某个培训班查看。</p> : null}
      <div data-testid="dashboard-totals">
        <StatGrid
          items={[
            [classes.length, "培训班"],
            [totals.enrolled, "在册学员"],
            [totals.inProgress, "学习中"],
            [totals.completed, "已结业"],
            [totals.failed, "未通过"],
            [waiting, "待批改作业"],
            [data.atRiskTotal, "进度落后"],
          ]}
        />
      </div>
      {reportsOverdue !== undefined ? (
        <p>
          思想汇报逾期未交：<strong data-testid="overdue-count">{reportsOverdue}</strong> 人{" "}
          <Link to="/branch/reports" className="btn small">
            查看
          </Link>
        </p>
      ) : null}
      <p className="muted small-print">
        已结业：组织部已确认结业，或尚未确认但已满足全部结业条件；未通过：组织部确认不予结业，或培训已结束仍未满足条件；其余为学习中。人数按培训班计（一人参加两个培训班计两次）。
      </p>

      <div className="charts">
        <section className="card">
          <BarChart
            title="各培训班学员状态"
            rowHeading="培训班"
            series={STATUS_SERIES}
            data={classes.map((c) => ({ label: `${c.name}（第${c.term}期）`, values: values(c) }))}
          />
        </section>
        <section className="card">
          <BarChart title="各单位学员状态" rowHeading="单位" series={STATUS_SERIES} data={units.map((u) => ({ label: u.name, values: values(u) }))} />
        </section>
        <section className="card">
          <Histogram title="学时完成情况分布" bins={bins.hours} xLabel="已修学时占应修学时的百分比" />
        </section>
        <section className="card">
          <Histogram title="考试成绩分布" bins={bins.exam} xLabel={`考试成绩（百分制，${data.examTaken} 人次）`} unit="人次" color="#8a5a00" />
        </section>
      </div>

      <section className="card table-wrap" tabIndex={0}>
        <h2>作业待批改</h2>
        {backlog.length ? (
          <table>
            <thead>
              <tr>
                <th>培训班</th>
                <th>作业</th>
                <th>待批改</th>
                <th>最早提交</th>
              </tr>
            </thead>
            <tbody>
              {backlog.map((b) => (
                <tr key={`${b.classId}-${b.gradingUrl}`}>
                  <td>
                    {b.className}（第 {b.term} 期）
                  </td>
                  <td>
                    {canGrade ? <Link to={b.gradingUrl}>{b.assignmentTitle}</Link> : b.assignmentTitle}
                    <span className="muted"> · {b.courseTitle}</span>
                  </td>
                  <td>{b.waiting}</td>
                  <td className="nowrap">{formatDateTime(b.oldest)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">没有等待批改的作业。</p>
        )}
      </section>

      <section className="card table-wrap" tabIndex={0}>
        <h2>进度落后的学员</h2>
        <p className="muted">
          规则：尚未确认结业，且培训班将在 {rules.atRiskDays} 天内（含今天）结束而已修学时不足应修学时的 {rules.atRiskPercent}%；或培训期已过{" "}
          {rules.atRiskFromPercent}% 以上，而已修学时不足按进度应修学时的一半。
          {data.atRiskTotal > atRisk.length ? ` 共 ${data.atRiskTotal} 人，下表列出最紧迫的 ${atRisk.length} 人。` : ""}
        </p>
        {atRisk.length ? (
          <table className="at-risk">
            <thead>
              <tr>
                <th>学员</th>
                <th>单位</th>
                <th>培训班</th>
                <th>剩余天数</th>
                <th>已修/应修学时</th>
                <th>尚缺</th>
              </tr>
            </thead>
            <tbody>
              {atRisk.map((r) => (
                <tr key={`${r.classId}-${r.userId}`}>
                  <td className="nowrap">
                    <Link to={`/admin/users/${r.userId}/record`}>{r.name}</Link> <span className="muted">{r.username}</span>
                  </td>
                  <td>{r.unit}</td>
                  <td>
                    <Link to={`/admin/classes/${r.classId}`}>{r.className}</Link>
                    <span className="muted">（{r.endDate} 结束）</span>
                  </td>
                  <td>{r.daysLeft}</td>
                  <td className="nowrap">
                    {r.hours} / {r.requiredHours}
                  </td>
                  <td className="muted blockers">{r.blockers}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">没有符合条件的学员。</p>
        )}
      </section>
    </div>
  );
}
