import type { Role, Stage } from "../../db/types.ts";
import { ROLES, STAGES } from "../../db/types.ts";
import { ROLE_LABEL, STAGE_LABEL } from "~/utils/labels.ts";

type Unit = { id: number; fullName: string; depth: number; active: number };
type Values = { name?: string; gender?: string; org_unit_id?: number; stage?: Stage; roles?: Role[]; phone?: string | null; email?: string | null };

/** `label`: the accessible name where the select stands without a <label> (e.g. in a filter bar). */
export function OrgUnitSelect({ units, name, value, required, label }: { units: Unit[]; name: string; value?: number | string; required?: boolean; label?: string }) {
  return (
    <select name={name} defaultValue={value ?? ""} required={required} aria-label={label}>
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

/** The user fields of the create and edit forms. */
export function UserFieldset({ units, values = {}, errors = {} }: { units: Unit[]; values?: Values; errors?: Record<string, string> }) {
  const err = (k: string) => (errors[k] ? <small className="field-error">{errors[k]}</small> : null);
  return (
    <>
      <label>
        姓名
        <input name="name" defaultValue={values.name} required maxLength={40} />
        {err("name")}
      </label>
      <fieldset className="inline">
        <legend>性别</legend>
        {(["男", "女"] as const).map((g) => (
          <label key={g} className="check">
            <input type="radio" name="gender" value={g} defaultChecked={values.gender === g} required /> {g}
          </label>
        ))}
        {err("gender")}
      </fieldset>
      <label>
        所属组织
        <OrgUnitSelect units={units} name="orgUnitId" value={values.org_unit_id} required />
        {err("orgUnitId")}
      </label>
      <label>
        发展阶段
        <select name="stage" defaultValue={values.stage ?? ""} required>
          <option value="">请选择</option>
          {STAGES.map((s) => (
            <option key={s} value={s}>
              {STAGE_LABEL[s]}
            </option>
          ))}
        </select>
        {err("stage")}
      </label>
      <fieldset className="inline">
        <legend>角色（可多选）</legend>
        {ROLES.map((r) => (
          <label key={r} className="check">
            <input type="checkbox" name="roles" value={r} defaultChecked={values.roles?.includes(r)} /> {ROLE_LABEL[r]}
          </label>
        ))}
        {err("roles")}
      </fieldset>
      <label>
        手机号（可选）
        <input name="phone" defaultValue={values.phone ?? ""} inputMode="tel" maxLength={20} />
        {err("phone")}
      </label>
      <label>
        邮箱（可选）
        <input name="email" type="email" defaultValue={values.email ?? ""} maxLength={100} />
        {err("email")}
      </label>
    </>
  );
}
