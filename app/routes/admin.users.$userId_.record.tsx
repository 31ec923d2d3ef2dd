// A trainee's training record (培训档案) for admins and secretaries of the trainee's subtree: classes,
// courses with 学时 (online, offline, assignments), exams, offline 学时, assignments and certificates,
// with downloads as a one-page PDF and as rows (XLSX/CSV).
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { StatGrid } from "~/components/ClassMembers.tsx";
import { LEDGER_STATUS_LABEL } from "~/utils/labels.ts";
import { trainingRecord } from "~/models/record.server.ts";
import { requireRecordSubject } from "~/guards/record.server.ts";
import ledgerCss from "~/styles/ledger.css?url";
import { requireRole } from "~/guards/auth.server.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";
import { DECIDED_STAGES, STAGE_EVENT_LABEL } from "~/utils/stage-rules.ts";
import { formatDateTime } from "~/utils/cst.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: ledgerCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.record.person.name ?? "学员"}的培训档案 · 网上党校` }];

export async function loader(args: LoaderFunctionArgs) {
  const me = await requireRole(args, "admin", "secretary");
  const subject = await requireRecordSubject(args.context.db, args.params.userId, me);
  const record = await trainingRecord(args.context.db, subject, { forTrainee: false });
  return {
    record: { ...record, classes: record.classes.map((c) => ({ ...c, statusLabel: LEDGER_STATUS_LABEL[c.status] })) },
    isAdmin: me.roles.includes("admin"),
  };
}

const n = (v: number | null) => (v === null ? "—" : String(Math.round(v * 10) / 10));

export default function Record() {
  const { record: r, isAdmin } = useLoaderData<typeof loader>();
  const base = `/admin/users/${r.person.id}/record`;
  return (
    <div className="stack record">
      <div className="page-head">
        <h1>{r.person.name}的培训档案</h1>
        <div className="export">
          <a href={`${base}.pdf`} className="btn primary" download>
            下载 PDF
          </a>
          <a href={`${base}.xlsx`} className="btn" download>
            导出 Excel
          </a>
          <a href={`${base}.csv`} className="btn" download>
            导出 CSV
          </a>
        </div>
      </div>
      <section className="card">
        <ul className="facts">
          <li>
            <span>学号/工号</span>
            {r.person.username}
          </li>
          <li>
            <span>性别</span>
            {r.person.gender}
          </li>
          <li>
            <span>发展阶段</span>
            {STAGE_LABEL[r.person.stage]}
          </li>
          {DECIDED_STAGES.map((st) => (
            <li key={st}>
              <span>{STAGE_EVENT_LABEL[st]}</span>
              {r.person.stageDays[st] ?? "—"}
            </li>
          ))}
          <li>
            <span>培养联系人</span>
            {r.person.liaisons || "—"}
          </li>
          <li>
            <span>二级党委</span>
            {r.person.subcommittee || "—"}
          </li>
          <li>
            <span>党支部</span>
            {r.person.branch || "—"}
          </li>
          {isAdmin ? (
            <li>
              <Link to={`/admin/users/${r.person.id}`}>编辑账号</Link>
            </li>
          ) : null}
        </ul>
      </section>
      <StatGrid
        items={[
          [n(r.totals.hours), "累计学时"],
          [n(r.totals.online), "线上学时"],
          [n(r.totals.offline), "线下学时"],
          [n(r.totals.assignments), "作业学时"],
          [`${r.totals.completed}/${r.totals.classes}`, "结业/培训班"],
          [r.totals.certificates, "有效证书"],
        ]}
      />

      <Section title="培训班" head={["培训班", "期次", "培训时间", "已修/应修学时", "综合成绩", "等级", "是否结业", "证书编号", "备注"]}>
        {r.classes.map((c) => (
          <tr key={c.classId}>
            <td>
              <Link to={`/admin/classes/${c.classId}`}>{c.className}</Link>
            </td>
            <td>{c.term}</td>
            <td className="nowrap">
              {c.startDate} 至 {c.endDate}
            </td>
            <td>
              {n(c.hours)} / {n(c.requiredHours)}
            </td>
            <td>{n(c.composite)}</td>
            <td>{c.band}</td>
            <td>{c.statusLabel}</td>
            <td className="nowrap">{c.certificateNumber ?? "—"}</td>
            <td className="muted">{c.note}</td>
          </tr>
        ))}
      </Section>
      <Section title="课程与学时" head={["课程", "已学课时", "线上学时", "线下学时", "作业学时", "合计"]}>
        {r.courses.map((c) => (
          <tr key={c.title}>
            <td>{c.title}</td>
            <td>
              {c.lessonsDone}/{c.lessonsTotal}
            </td>
            <td>{n(c.onlineHours)}</td>
            <td>{n(c.offlineHours)}</td>
            <td>{n(c.assignmentHours)}</td>
            <td>{n(c.hours)}</td>
          </tr>
        ))}
      </Section>
      {r.unassignedOffline > 0 ? <p className="muted">另有 {n(r.unassignedOffline)} 线下学时未归入课程。</p> : null}
      <Section title="考试" head={["考试", "课程", "作答次数", "成绩", "结果"]}>
        {r.exams.map((e) => (
          <tr key={`${e.course}-${e.title}`}>
            <td>{e.title}</td>
            <td>{e.course}</td>
            <td>{e.attempts}</td>
            <td>{e.score === null ? "—" : `${n(e.score)} / ${n(e.maxScore)}`}</td>
            <td>{e.result}</td>
          </tr>
        ))}
      </Section>
      <Section title="线下学时" head={["日期", "类型", "学时", "课程", "事由", "认定人"]}>
        {r.offline.map((o, i) => (
          <tr key={i}>
            <td className="nowrap">{o.date}</td>
            <td>{o.kind}</td>
            <td>{n(o.hours)}</td>
            <td>{o.course || "—"}</td>
            <td>{o.reason}</td>
            <td>{o.creditedBy}</td>
          </tr>
        ))}
      </Section>
      <Section title="作业" head={["作业", "课程", "状态", "成绩", "提交时间"]}>
        {r.assignments.map((a, i) => (
          <tr key={i}>
            <td>{a.title}</td>
            <td>{a.course}</td>
            <td>{a.passed === null ? a.status : a.passed ? "合格" : "不合格"}</td>
            <td>{a.score === null ? "—" : `${n(a.score)} / ${n(a.maxScore)}`}</td>
            <td className="nowrap">{formatDateTime(a.at)}</td>
          </tr>
        ))}
      </Section>
      <Section title="结业证书" head={["证书编号", "培训班", "学时", "综合成绩", "等级", "发证时间", "状态"]}>
        {r.certificates.map((c) => (
          <tr key={c.number}>
            <td className="nowrap">{c.number}</td>
            <td>
              {c.className}（第 {c.term} 期）
            </td>
            <td>{n(c.hours)}</td>
            <td>{n(c.composite)}</td>
            <td>{c.band}</td>
            <td className="nowrap">{formatDateTime(c.issuedAt)}</td>
            <td>{c.revokedAt === null ? "有效" : "已撤销"}</td>
          </tr>
        ))}
      </Section>
    </div>
  );
}

function Section({ title, head, children }: { title: string; head: string[]; children: React.ReactNode[] }) {
  return (
    <section className="card table-wrap" tabIndex={0}>
      <h2>{title}</h2>
      {children.length ? (
        <table>
          <thead>
            <tr>
              {head.map((h) => (
                <th key={h}>{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>{children}</tbody>
        </table>
      ) : (
        <p className="muted">无</p>
      )}
    </section>
  );
}
