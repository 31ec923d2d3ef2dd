// The trainees of a training class with their standing: 学时, required lessons, exam and assignment
// results, composite and band, and what blocks completion. Used by the class page and the completion review.
import { Form, Link } from "@remix-run/react";
import { Pager } from "~/components/Pager.tsx";
import type { ReactNode } from "react";
import { CLASS_KINDS, type ClassKind } from "../../db/types.ts";
import type { MemberView } from "~/models/classes.server.ts";
import type { MemberTableData } from "~/models/member-table.server.ts";
import { MEMBER_SORTS, MEMBER_STATUSES } from "~/utils/member-filters.ts";
import { basisLabel } from "~/utils/completion.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";

export type MemberRowView = MemberView & { exceptionBasis?: string | null; note?: string | null };

/** Figures in a row of tiles: [value, label]. */
export function StatGrid({ items }: { items: [ReactNode, string][] }) {
  return (
    <div className="stat-grid">
      {items.map(([value, label]) => (
        <div className="stat" key={label}>
          <strong>{value}</strong>
          <span>{label}</span>
        </div>
      ))}
    </div>
  );
}

/** Characters the certificate font lacks, listed before anything is printed. */
export function GlyphWarnings({ title, warnings }: { title: string; warnings: string[] }) {
  if (!warnings.length) return null;
  return (
    <div className="alert warn">
      <p>{title}</p>
      <ul>
        {warnings.map((w) => (
          <li key={w}>{w}</li>
        ))}
      </ul>
    </div>
  );
}

/** 入党积极分子 / 发展对象 / 预备党员 */
/** The aria props (aria-invalid, aria-describedby) come from `fieldProps` when the form was refused for the kind. */
export function ClassKindSelect({ value, ...aria }: { value?: ClassKind; "aria-invalid"?: true; "aria-describedby"?: string }) {
  return (
    <select name="kind" required defaultValue={value ?? ""} {...aria}>
      {value ? null : <option value="">请选择</option>}
      {CLASS_KINDS.map((k) => (
        <option key={k} value={k}>
          {STAGE_LABEL[k]}
        </option>
      ))}
    </select>
  );
}

/** Search, 支部, standing and order of the member table (a GET form, so it works without JavaScript), with the counts. */
export function MemberFilters({ t, path }: { t: Pick<MemberTableData, "query" | "units" | "counts" | "matched" | "total">; path: string }) {
  const q = t.query;
  return (
    <Form method="get" className="filters member-filters" preventScrollReset>
      <input name="who" defaultValue={q.who ?? ""} placeholder="姓名或学号" aria-label="按姓名或学号查找" />
      <select name="unit" defaultValue={q.unit ?? ""} aria-label="按支部筛选">
        <option value="">全部组织</option>
        {t.units.map((u) => (
          <option key={u.id} value={u.id}>
            {u.label}
          </option>
        ))}
      </select>
      <select name="status" defaultValue={q.status ?? ""} aria-label="按结业情况筛选">
        <option value="">全部情况</option>
        {Object.entries(MEMBER_STATUSES).map(([k, label]) => (
          <option key={k} value={k}>
            {label}（{t.counts[k as keyof typeof MEMBER_STATUSES]}）
          </option>
        ))}
      </select>
      <select name="sort" defaultValue={q.sort ?? "unit"} aria-label="排序">
        {Object.entries(MEMBER_SORTS).map(([k, label]) => (
          <option key={k} value={k}>
            {label}
          </option>
        ))}
      </select>
      <button type="submit" className="btn">
        筛选
      </button>
      {q.who || q.unit || q.status || q.sort ? (
        <Link to={path} className="btn" preventScrollReset>
          清除
        </Link>
      ) : null}
      <span className="muted" data-testid="member-count">
        {t.matched === t.total ? `共 ${t.total} 人` : `筛选出 ${t.matched} 人（共 ${t.total} 人）`}
      </span>
    </Form>
  );
}

export function MemberPager({ page, pages }: { page: number; pages: number }) {
  return pages > 1 ? <Pager page={page} pages={pages} hasNext={page < pages} /> : null;
}

/** 可以结业 / 强制结业 / the blockers joined in plain words. */
export function Standing({ m }: { m: Pick<MemberRowView, "passed" | "blockers" | "forced" | "exception"> & { exceptionBasis?: string | null } }) {
  if (m.forced === "complete") {
    return (
      <span>
        <span className="tag ok">经认定准予结业</span>{" "}
        <span className="muted">{[basisLabel(m.exceptionBasis), m.exception?.reason].filter(Boolean).join("：")}</span>
      </span>
    );
  }
  if (m.passed) return <span className="tag ok">可以结业</span>;
  return <span className="blockers">{m.blockers.join("；")}</span>;
}

export function MemberTable({
  members,
  manualUsual,
  canGrade,
  canRemove,
  extra,
  selectForm,
  actionBase,
}: {
  members: MemberRowView[];
  manualUsual: boolean;
  canGrade: boolean;
  canRemove: boolean;
  /** The id of a bulk-action form: each row gets a checkbox that belongs to it. */
  selectForm?: string;
  /** The class page's URL: marks post to its /grades, notes and removals to its /members. */
  actionBase?: string;
  /** One more cell per row (the completion page's exception form). */
  extra?: { header: string; cell: (m: MemberRowView) => ReactNode };
}) {
  return (
    <table className="members">
      <thead>
        <tr>
          {selectForm ? <th>选择</th> : null}
          <th>学号</th>
          <th>姓名</th>
          <th>组织</th>
          <th>学时</th>
          <th>必修课</th>
          <th>考试</th>
          <th>作业</th>
          <th>平时</th>
          <th>综合</th>
          <th>等级</th>
          <th>结业情况</th>
          <th>证书</th>
          {extra ? <th>{extra.header}</th> : null}
          {canGrade || canRemove ? <th>操作</th> : null}
        </tr>
      </thead>
      <tbody>
        {members.map((m) => (
          <tr key={m.userId} className={m.passed ? "" : "blocked"}>
            {selectForm ? (
              <td>{m.certificate ? null : <input type="checkbox" name="userIds" value={m.userId} form={selectForm} aria-label={`选择 ${m.name}`} />}</td>
            ) : null}
            <td className="nowrap">{m.username}</td>
            <td className="nowrap">
              {m.name}
              {m.cheating ? (
                <span className="tag bad" title={m.cheatingNote ?? ""}>
                  违纪
                </span>
              ) : null}
            </td>
            <td className="unit" title={m.unitName}>
              {m.unitName}
            </td>
            <td className="nowrap">
              {m.hours}/{m.requiredHours}
            </td>
            <td className="nowrap">
              {m.lessonsDone}/{m.lessonsTotal}
            </td>
            <td className="work">{m.exams.join("；") || "—"}</td>
            <td className="work">{m.assignments.join("；") || "—"}</td>
            <td>
              {manualUsual && canGrade ? (
                <Form method="post" action={`${actionBase}/grades`} className="inline-form usual">
                  <input type="hidden" name="intent" value="usual" />
                  <input type="hidden" name="userId" value={m.userId} />
                  <input name="score" type="number" min={0} max={100} step="any" defaultValue={m.usualScore ?? ""} aria-label={`${m.name} 的平时成绩`} />
                  <button type="submit" className="btn small">
                    保存
                  </button>
                </Form>
              ) : (
                m.components.usual
              )}
            </td>
            <td>
              <strong>{m.composite}</strong>
            </td>
            <td>{m.band}</td>
            <td className="standing">
              <Standing m={m} />
              {m.note ? <div className="muted member-note">备注：{m.note}</div> : null}
            </td>
            <td className="nowrap">{m.certificate ? <a href={`/certificates/${m.certificate.id}.pdf`}>{m.certificate.number}</a> : "—"}</td>
            {extra ? <td>{extra.cell(m)}</td> : null}
            {canGrade || canRemove ? (
              <td>
                <details className="row-more">
                  <summary>更多</summary>
                  {canGrade ? (
                    <Form method="post" action={`${actionBase}/grades`} className="form">
                      <input type="hidden" name="intent" value="cheating" />
                      <input type="hidden" name="userId" value={m.userId} />
                      <input type="hidden" name="cheating" value={m.cheating ? "off" : "on"} />
                      {m.cheating ? null : <input name="note" required maxLength={200} placeholder="违纪情况说明" aria-label="违纪情况说明" />}
                      <button type="submit" className="btn small danger">
                        {m.cheating ? "清除违纪记录" : "记录违纪（作弊）"}
                      </button>
                    </Form>
                  ) : null}
                  {canRemove ? (
                    <Form method="post" action={`${actionBase}/members`} className="form">
                      <input type="hidden" name="intent" value="note" />
                      <input type="hidden" name="userId" value={m.userId} />
                      <input name="note" maxLength={200} defaultValue={m.note ?? ""} placeholder="台账备注" aria-label={`${m.name} 的备注`} />
                      <button type="submit" className="btn small">
                        保存备注
                      </button>
                    </Form>
                  ) : null}
                  {canRemove && !m.certificate ? (
                    <Form method="post" action={`${actionBase}/members`}>
                      <input type="hidden" name="intent" value="remove" />
                      <input type="hidden" name="userId" value={m.userId} />
                      <button type="submit" className="btn small">
                        移出本班
                      </button>
                    </Form>
                  ) : null}
                </details>
              </td>
            ) : null}
          </tr>
        ))}
        {members.length === 0 ? (
          <tr>
            <td colSpan={15} className="empty">
              还没有学员
            </td>
          </tr>
        ) : null}
      </tbody>
    </table>
  );
}
