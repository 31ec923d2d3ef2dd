import type { Role, Stage } from "../../db/types.ts";
import { ROLES, STAGES } from "../../db/types.ts";
import { FieldError, fieldProps } from "~/components/FormErrors.tsx";
import { ROLE_LABEL, STAGE_LABEL } from "~/utils/labels.ts";

type Unit = { id: number; fullName: string; depth: number; active: number };
type Values = { name?: string; gender?: string; org_unit_id?: number; stage?: Stage; roles?: Role[]; phone?: string | null; email?: string | null };

/** `label`: the accessible name where the select stands without a <label> (e.g. in a filter bar). */
export function OrgUnitSelect({
  units,
  name,
  value,
  required,
  label,
  ...aria
}: {
  units: Unit[];
  name: string;
  value?: number | string;
  required?: boolean;
  label?: string;
  "aria-invalid"?: true;
  "aria-describedby"?: string;
}) {
  return (
    <select name={name} defaultValue={value ?? ""} required={required} aria-label={label} {...aria}>
      <option value="">请选择</option>
      {units.map((u) => (
        <option key={u.id} value={u.id} disabled={!u.active}>
          {"\u3000".repeat(u.depth)}
          {u.fullName.split(" / ").pop()}
          {u.active ? "" : "（已停用）"}
        </option>
      ))}
    </select>
  );
}

/** The user fields of the create and edit forms; `result` is the action's answer (see FormErrors). */
export function UserFieldset({ units, values = {}, result, form }: { units: Unit[]; values?: Values; result?: unknown; form: string }) {
  const f = (k: string) => fieldProps(result, form, k);
  const err = (k: string) => <FieldError result={result} form={form} name={k} />;
  return (
    <>
      <label>
        姓名
        <input {...f("name")} defaultValue={values.name} required maxLength={40} />
        {err("name")}
      </label>
      <fieldset className="inline">
        <legend>性别</legend>
        {(["男", "女"] as const).map((g) => (
          <label key={g} className="check">
            <input type="radio" {...f("gender")} value={g} defaultChecked={values.gender === g} required /> {g}
          </label>
        ))}
        {err("gender")}
      </fieldset>
      <label>
        所属组织
        <OrgUnitSelect units={units} {...f("orgUnitId")} value={values.org_unit_id} required />
        {err("orgUnitId")}
      </label>
      <label>
        发展阶段
        <select {...f("stage")} defaultValue={values.stage ?? ""} required>
          <option value="">请选择</option>
          {STAGES.map((s) => (
            <option key={s} value={s}>
              {STAGE_LABEL[s]}
            </option>
          ))}
        </select>
        {err("stage")}
      </label>
      <label>
        支部决定日期（阶段变化时必填）
        <input type="date" {...f("stageDecidedOn")} defaultValue="" />
        {err("stageDecidedOn")}
      </label>
      <p className="muted small">
        列为积极分子、列为发展对象、接收为预备党员或转正的日期，记入阶段时间并按《发展党员工作细则》检查；录入有误的，请在培养考察页撤销。
      </p>
      <fieldset className="inline">
        <legend>角色（可多选）</legend>
        {ROLES.map((r) => (
          <label key={r} className="check">
            <input type="checkbox" {...f("roles")} value={r} defaultChecked={values.roles?.includes(r)} /> {ROLE_LABEL[r]}
          </label>
        ))}
        {err("roles")}
      </fieldset>
      <label>
        手机号（可选）
        <input {...f("phone")} defaultValue={values.phone ?? ""} inputMode="tel" maxLength={20} />
        {err("phone")}
      </label>
      <label>
        邮箱（可选）
        <input {...f("email")} type="email" defaultValue={values.email ?? ""} maxLength={100} />
        {err("email")}
      </label>
    </>
  );
}
