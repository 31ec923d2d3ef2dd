import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { AccountLockNotice } from "~/components/AccountLock.tsx";
import { STAGES } from "../../db/types.ts";
import { adminSummary, countByStage } from "~/models/dashboard.server.ts";
import { listCatalogForStage } from "~/models/courses.server.ts";
import { listOverdue, myReportStanding } from "~/models/branch-reports.server.ts";
import { ReportStandingNote } from "~/components/ReportStanding.tsx";
import { pendingNotices } from "~/models/notices.server.ts";
import { getOrgUnit } from "~/models/org.server.ts";
import { courseSummaries } from "~/models/progress.server.ts";
import { unlockAccount } from "~/models/users.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { FormOutcome } from "~/components/FormErrors.tsx";
import { fail } from "~/utils/form-result.server.ts";
import { ACCOUNT_FREE_FAILURES, getAccountLock } from "~/models/throttle.server.ts";
import { ROLE_LABEL, STAGE_LABEL } from "~/utils/labels.ts";

export const meta: MetaFunction = () => [{ title: "首页 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  const { db } = args.context;
  const unit = await getOrgUnit(db, user.org_unit_id);
  const isSecretary = user.roles.includes("secretary");
  const isAdmin = user.roles.includes("admin");
  let courses: { slug: string; title: string; hours: number; earned: number; done: number; total: number; next: { key: string; title: string } | null }[] = [];
  if (user.roles.includes("trainee")) {
    const catalog = await listCatalogForStage(db, user.stage);
    const summaries = await courseSummaries(
      db,
      user.id,
      catalog.map((c) => c.id),
    );
    courses = catalog.map((c) => {
      const s = summaries.get(c.id)!;
      return { slug: c.slug, title: c.title, hours: c.hours, earned: s.hoursEarned, done: s.lessonsDone, total: s.lessonsTotal, next: s.next };
    });
  }
  const lock = await getAccountLock(db, user.username);
  return {
    courses,
    // Someone is guessing this account's password elsewhere: its owner sees it here and can clear it.
    lock: lock && lock.failures >= ACCOUNT_FREE_FAILURES ? lock : null,
    me: { name: user.name, username: user.username, stage: user.stage, roles: user.roles, unit: unit?.name ?? "" },
    branch: isSecretary && unit ? { unit: unit.name, counts: await countByStage(db, unit.path), overdue: (await listOverdue(db, unit.path)).length } : null,
    reports: user.roles.includes("trainee") ? await myReportStanding(db, user.id) : null,
    admin: isAdmin ? await adminSummary(db) : null,
    notices: (await pendingNotices(db, user.id)).map((n) => ({
      id: n.id,
      title: n.title,
      needsAck: n.requires_ack === 1 && n.acked_at === null,
      unread: n.read_at === null,
    })),
  };
}

/** intent=unlock: the owner clears their account's lock (audited). */
export async function action(args: ActionFunctionArgs) {
  const user = await requireUser(args);
  const form = await args.request.formData();
  if (form.get("intent") !== "unlock") return fail("未知操作");
  await unlockAccount(args.context.db, user.id, { actorId: user.id, ip: args.context.clientIp });
  return { ok: true as const, message: "已解除锁定。如果不是您本人在尝试登录，请尽快修改密码。" };
}

export default function Home() {
  const { me, branch, admin, courses, lock, reports, notices } = useLoaderData<typeof loader>();
  const done = useActionData<typeof action>();
  const [params] = useSearchParams();
  const isTrainee = me.roles.includes("trainee");
  const stageIndex = STAGES.indexOf(me.stage);
  return (
    <div className="stack">
      {params.get("passwordChanged") ? <p className="alert ok">密码已修改，其他设备上的登录已失效。</p> : null}
      <FormOutcome result={done} />
      {lock ? <AccountLockNotice lock={lock} owner /> : null}
      <section className="card welcome">
        <h1>您好，{me.name}</h1>
        <p className="muted">
          {me.username} · {me.unit} · {me.roles.map((r) => ROLE_LABEL[r]).join("、")}
        </p>
      </section>

      {notices.length ? (
        <section className="card" aria-label="通知公告" data-testid="home-notices">
          <h2>
            通知公告{" "}
            <Link to="/notices" className="btn small">
              全部
            </Link>
          </h2>
          <ul>
            {notices.map((n) => (
              <li key={n.id}>
                <Link to={`/notices/${n.id}`}>{n.title}</Link> {n.needsAck ? <span className="tag">需确认</span> : null}
                {n.unread ? <span className="tag">未读</span> : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

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
          <p className="muted">当前阶段：{STAGE_LABEL[me.stage]}</p>
        </section>
      ) : null}

      {isTrainee ? (
        <section className="card">
          <h2>我的课程</h2>
          {courses.length === 0 ? <p className="muted">目前没有面向您当前阶段的课程。</p> : null}
          <ul className="home-courses">
            {courses.map((c) => (
              <li key={c.slug}>
                <Link to={`/courses/${c.slug}`}>
                  <strong>{c.title}</strong>
                </Link>
                <span className="muted">
                  课时 {c.done}/{c.total} · 学时 {c.earned}/{c.hours}
                </span>
                {c.next ? (
                  <Link to={`/courses/${c.slug}/lessons/${c.next.key}`} className="btn small primary">
                    {c.done ? "继续学习" : "开始学习"}
                  </Link>
                ) : (
                  <span className="tag ok">课时已完成</span>
                )}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      {reports ? (
        <section className="card">
          <h2>思想汇报</h2>
          <ReportStandingNote standing={reports} />
          <Link to="/my/reports" className="btn">
            写思想汇报
          </Link>
        </section>
      ) : null}

      {me.roles.includes("instructor") ? (
        <section className="card">
          <h2>教师工作台</h2>
          <div className="row-actions">
            <Link to="/progress" className="btn">
              学员学习情况
            </Link>
          </div>
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
          <p>
            思想汇报逾期未交：<strong data-testid="overdue-count">{branch.overdue}</strong> 人
          </p>
          <div className="row-actions">
            <Link to="/branch" className="btn">
              查看本支部学员
            </Link>
            <Link to="/branch/reports" className="btn">
              思想汇报
            </Link>
          </div>
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
