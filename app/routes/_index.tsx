import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { STAGES } from "../../db/types.ts";
import { adminSummary, countByStage } from "~/models/dashboard.server.ts";
import { getOrgUnit } from "~/models/org.server.ts";
import { requireUser } from "~/utils/auth.server.ts";
import { ROLE_LABEL, STAGE_LABEL } from "~/utils/labels.ts";

export const meta: MetaFunction = () => [{ title: "首页 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  const { db } = args.context;
  const unit = await getOrgUnit(db, user.org_unit_id);
  const isSecretary = user.roles.includes("secretary");
  const isAdmin = user.roles.includes("admin");
  return {
    me: { name: user.name, username: user.username, stage: user.stage, roles: user.roles, unit: unit?.name ?? "" },
    branch: isSecretary && unit ? { unit: unit.name, counts: await countByStage(db, unit.path) } : null,
    admin: isAdmin ? await adminSummary(db) : null,
  };
}

export default function Home() {
  const { me, branch, admin } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const isTrainee = me.roles.includes("trainee");
  const stageIndex = STAGES.indexOf(me.stage);
  return (
    <div className="stack">
      {params.get("passwordChanged") ? <p className="alert ok">密码已修改，其他设备上的登录已失效。</p> : null}
      <section className="card welcome">
        <h1>您好，{me.name}</h1>
        <p className="muted">
          {me.username} · {me.unit} · {me.roles.map((r) => ROLE_LABEL[r]).join("、")}
        </p>
      </section>

      {isTrainee ? (
        <section className="card">
          <h2>我的发展阶段</h2>
          <ol className="stages" aria-label="发展阶段">
            {STAGES.map((s, i) => (
              <li key={s} className={i < stageIndex ? "done" : i === stageIndex ? "current" : ""} aria-current={i === stageIndex ? "step" : undefined}>
                {STAGE_LABEL[s]}
              </li>
            ))}
          </ol>
          <p className="muted">当前阶段：{STAGE_LABEL[me.stage]}。课程、作业和考试开通后会显示在这里。</p>
        </section>
      ) : null}

      {me.roles.includes("instructor") ? (
        <section className="card">
          <h2>教师工作台</h2>
          <p className="muted">课程编写、题库与批改功能开通后会显示在这里。</p>
        </section>
      ) : null}

      {branch ? (
        <section className="card">
          <h2>{branch.unit} · 学员概况</h2>
          <div className="stat-grid">
            {STAGES.map((s) => (
              <div key={s} className="stat">
                <strong>{branch.counts[s]}</strong>
                <span>{STAGE_LABEL[s]}</span>
              </div>
            ))}
          </div>
          <Link to="/branch" className="btn">
            查看本支部学员
          </Link>
        </section>
      ) : null}

      {admin ? (
        <section className="card">
          <h2>组织部管理</h2>
          <div className="stat-grid">
            <div className="stat">
              <strong>{admin.users}</strong>
              <span>用户总数</span>
            </div>
            <div className="stat">
              <strong>{admin.disabled}</strong>
              <span>已停用账号</span>
            </div>
            <div className="stat">
              <strong>{admin.units}</strong>
              <span>在用组织</span>
            </div>
          </div>
          <div className="row-actions">
            <Link to="/admin/users" className="btn">
              用户管理
            </Link>
            <Link to="/admin/org" className="btn">
              组织架构
            </Link>
          </div>
        </section>
      ) : null}
    </div>
  );
}
