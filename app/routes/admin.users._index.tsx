import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { ROLES, STAGES } from "../../db/types.ts";
import { Pager } from "~/components/Pager.tsx";
import { OrgUnitSelect } from "~/components/UserFields.tsx";
import { getOrgUnit, listOrgUnits, withLabels } from "~/models/org.server.ts";
import { listUsers } from "~/models/users.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { ROLE_LABEL, STAGE_LABEL } from "~/utils/labels.ts";
import { idParam } from "~/utils/forms.server.ts";

export const meta: MetaFunction = () => [{ title: "用户管理 · 网上党校" }];

const PAGE = 50;
const Filter = z.object({
  q: z.string().trim().max(50).optional().catch(undefined),
  unit: idParam.optional().catch(undefined),
  stage: z.enum(STAGES).optional().catch(undefined),
  role: z.enum(ROLES).optional().catch(undefined),
  status: z.enum(["active", "disabled"]).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).default(1).catch(1),
});

export async function loader(args: LoaderFunctionArgs) {
  await requireRole(args, "admin");
  const { db } = args.context;
  const f = Filter.parse(Object.fromEntries(new URL(args.request.url).searchParams));
  const unit = f.unit ? await getOrgUnit(db, f.unit) : undefined;
  const users = await listUsers(db, {
    q: f.q || undefined,
    unitPath: unit?.path,
    stage: f.stage,
    role: f.role,
    active: f.status ? f.status === "active" : undefined,
    limit: PAGE + 1,
    offset: (f.page - 1) * PAGE,
  });
  return { users: users.slice(0, PAGE), hasMore: users.length > PAGE, page: f.page, units: withLabels(await listOrgUnits(db)) };
}

export default function Users() {
  const { users, hasMore, page, units } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <div className="stack">
      <div className="page-head">
        <h1>用户管理</h1>
        <div className="row-actions">
          <Link to="/admin/users/import" className="btn">
            批量导入
          </Link>
          <Link to="/admin/users/new" className="btn primary">
            新建用户
          </Link>
        </div>
      </div>
      <Form method="get" className="card filters">
        <input name="q" placeholder="学号/工号或姓名" defaultValue={params.get("q") ?? ""} aria-label="搜索" />
        <OrgUnitSelect units={units} name="unit" value={params.get("unit") ?? ""} label="组织" />
        <select name="stage" defaultValue={params.get("stage") ?? ""} aria-label="发展阶段">
          <option value="">全部阶段</option>
          {STAGES.map((s) => (
            <option key={s} value={s}>
              {STAGE_LABEL[s]}
            </option>
          ))}
        </select>
        <select name="role" defaultValue={params.get("role") ?? ""} aria-label="角色">
          <option value="">全部角色</option>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {ROLE_LABEL[r]}
            </option>
          ))}
        </select>
        <select name="status" defaultValue={params.get("status") ?? ""} aria-label="状态">
          <option value="">全部状态</option>
          <option value="active">正常</option>
          <option value="disabled">已停用</option>
        </select>
        <button type="submit" className="btn">
          筛选
        </button>
      </Form>
      <div className="table-wrap card" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th>学号/工号</th>
              <th>姓名</th>
              <th>所属组织</th>
              <th>发展阶段</th>
              <th>角色</th>
              <th>状态</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} className={u.active ? "" : "dim"}>
                <td>
                  <Link to={`/admin/users/${u.id}`}>{u.username}</Link>
                </td>
                <td>{u.name}</td>
                <td>{u.unit_name}</td>
                <td>{STAGE_LABEL[u.stage]}</td>
                <td>{u.roles.map((r) => ROLE_LABEL[r]).join("、")}</td>
                <td>{u.active ? <span className="tag ok">正常</span> : <span className="tag">已停用</span>}</td>
              </tr>
            ))}
            {users.length === 0 ? (
              <tr>
                <td colSpan={6} className="empty">
                  没有符合条件的用户
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <Pager page={page} hasNext={hasMore} />
    </div>
  );
}
