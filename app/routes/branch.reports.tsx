// 思想汇报 for a secretary (or the 组织部): reports waiting to be read, who is overdue in the last
// period, and the rhythm per stage for a unit of their subtree.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { useState } from "react";
import { z } from "zod";
import { FieldError, fieldProps, FormAlert } from "~/components/FormErrors.tsx";
import { BranchError } from "~/models/branch-scope.server.ts";
import { listOverdue, listReportsToRead, rhythmsForUnit, setRhythm } from "~/models/branch-reports.server.ts";
import { FOLLOWED_STAGES } from "~/models/branch-scope.server.ts";
import { listOrgUnits, withLabels } from "~/models/org.server.ts";
import { requireGovernedScope } from "~/guards/auth.server.ts";
import { formatDateTime } from "~/utils/cst.ts";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { idParam, parseForm } from "~/utils/forms.server.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";
import { PERIOD_LABEL, PERIOD_MONTHS } from "~/utils/report-rhythm.ts";
import { pathInSubtree } from "~/utils/org-path.ts";

export const meta: MetaFunction = () => [{ title: "思想汇报 · 本单位 · 网上党校" }];

async function scope(args: LoaderFunctionArgs) {
  const { user: me, path } = await requireGovernedScope(args);
  const units = withLabels(await listOrgUnits(args.context.db)).filter((u) => pathInSubtree(u.path, path));
  return { me, path, units };
}

export async function loader(args: LoaderFunctionArgs) {
  const { me, path, units } = await scope(args);
  const { db } = args.context;
  const unitId = Number(new URL(args.request.url).searchParams.get("unit"));
  const unit = units.find((u) => u.id === unitId) ?? units.find((u) => u.id === me.org_unit_id) ?? units[0]!;
  return {
    toRead: await listReportsToRead(db, me),
    overdue: await listOverdue(db, path),
    unit: { id: unit.id, name: unit.fullName },
    units: units.map((u) => ({ id: u.id, name: u.fullName })),
    rhythms: await rhythmsForUnit(db, unit.path),
  };
}

const RhythmForm = z.object({
  unitId: idParam,
  stage: z.enum(FOLLOWED_STAGES as ["activist", "candidate", "probationary"], { errorMap: () => ({ message: "发展阶段无效" }) }),
  periodMonths: z.coerce.number({ invalid_type_error: "周期无效" }).int("周期无效"),
  minCount: z.coerce.number({ invalid_type_error: "篇数须为整数" }).int("篇数须为整数"),
});

export async function action(args: ActionFunctionArgs) {
  const { me } = await scope(args);
  const parsed = parseForm(await args.request.formData(), RhythmForm);
  if (!parsed.ok) return failParsed(parsed);
  const stage = STAGE_LABEL[parsed.data.stage];
  try {
    await setRhythm(
      args.context.db,
      { orgUnitId: parsed.data.unitId, stage: parsed.data.stage, periodMonths: parsed.data.periodMonths, minCount: parsed.data.minCount },
      me,
      { ip: args.context.clientIp },
    );
    return { ok: true as const, stage: parsed.data.stage, message: `已设置${STAGE_LABEL[parsed.data.stage]}的思想汇报频次` };
  } catch (e) {
    if (e instanceof BranchError) return fail(`${stage}：${e.message}`, e.field ? { [e.field]: e.message } : {}, e.status);
    throw e;
  }
}

export default function BranchReports() {
  const { toRead, overdue, unit, units, rhythms } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  // Field messages belong to the stage's form that was sent (the three forms share field names).
  const [sentStage, setSentStage] = useState<string | null>(null);
  const resultFor = (stage: string) => (stage === sentStage ? result : undefined);
  return (
    <div className="stack">
      <h1>思想汇报</h1>
      <FormAlert result={result} />
      {result?.ok ? (
        <p className="alert ok" role="status">
          {result.message}
        </p>
      ) : null}
      <section className="card stack">
        <h2>待阅（{toRead.length}）</h2>
        <ul className="plain">
          {toRead.map((r) => (
            <li key={r.id}>
              <Link to={`/reports/${r.id}`}>
                {r.name}：{r.title}
              </Link>{" "}
              <span className="muted">
                {r.unit_name} · {r.submitted_at ? formatDateTime(r.submitted_at) : ""}
              </span>
            </li>
          ))}
          {toRead.length === 0 ? <li className="muted">没有待阅的思想汇报</li> : null}
        </ul>
      </section>
      <section className="card stack">
        <h2>逾期未交（{overdue.length}）</h2>
        <table className="table">
          <thead>
            <tr>
              <th>姓名</th>
              <th>阶段</th>
              <th>周期</th>
              <th>已交/应交</th>
            </tr>
          </thead>
          <tbody>
            {overdue.map((o) => (
              <tr key={o.id}>
                <td>
                  <Link to={`/branch/people/${o.id}`}>{o.name}</Link> <span className="muted">{o.username}</span>
                </td>
                <td>{STAGE_LABEL[o.stage]}</td>
                <td>{o.period.label}</td>
                <td>
                  {o.count}/{o.required}
                </td>
              </tr>
            ))}
            {overdue.length === 0 ? (
              <tr>
                <td colSpan={4} className="muted">
                  上一周期没有逾期
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </section>
      <section className="card stack">
        <h2>思想汇报频次</h2>
        <Form method="get" className="filters">
          <select name="unit" defaultValue={params.get("unit") ?? String(unit.id)} aria-label="组织">
            {units.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
          <button className="btn secondary" type="submit">
            查看
          </button>
        </Form>
        <p className="muted small">设置对 {unit.name} 及其下级组织生效；下级组织另有设置的，以下级为准。未设置时默认每季度至少一篇。</p>
        {rhythms.map((r) => (
          <Form method="post" key={r.stage} className="inline-form" onSubmit={() => setSentStage(r.stage)}>
            <input type="hidden" name="unitId" value={unit.id} />
            <input type="hidden" name="stage" value={r.stage} />
            <strong>{STAGE_LABEL[r.stage]}</strong>
            <select
              {...fieldProps(resultFor(r.stage), `rhythm-${r.stage}`, "periodMonths")}
              defaultValue={r.periodMonths}
              aria-label={`${STAGE_LABEL[r.stage]}周期`}
            >
              {PERIOD_MONTHS.map((m) => (
                <option key={m} value={m}>
                  {PERIOD_LABEL[m]}
                </option>
              ))}
            </select>
            <label>
              至少{" "}
              <input
                type="number"
                {...fieldProps(resultFor(r.stage), `rhythm-${r.stage}`, "minCount")}
                min={0}
                max={12}
                defaultValue={r.minCount}
                style={{ width: "4em" }}
              />{" "}
              篇
            </label>
            <FieldError result={resultFor(r.stage)} form={`rhythm-${r.stage}`} name="periodMonths" />
            <FieldError result={resultFor(r.stage)} form={`rhythm-${r.stage}`} name="minCount" />
            <button className="btn secondary" type="submit">
              保存
            </button>
            <span className="muted small">{r.setAt === null ? "（默认）" : r.setAt === unit.id ? "（本级设置）" : "（沿用上级）"}</span>
          </Form>
        ))}
      </section>
    </div>
  );
}
