import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { AccountLockNotice } from "~/components/AccountLock.tsx";
import { OneTimePassword } from "~/components/OneTimePassword.tsx";
import { UserFieldset } from "~/components/UserFields.tsx";
import { listLiaisonHistory } from "~/models/branch-liaisons.server.ts";
import { listStageEvents } from "~/models/branch-stages.server.ts";
import { listOrgUnits, withLabels } from "~/models/org.server.ts";
import { getUserWithRoles, resetPassword, setUserActive, unlockAccount, updateUser, UserError } from "~/models/users.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { FormOutcome } from "~/components/FormErrors.tsx";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { idParam, parseForm } from "~/utils/forms.server.ts";
import { getAccountLock } from "~/models/throttle.server.ts";
import { UserFields } from "~/utils/user-form.server.ts";
import { formatDateTime } from "~/utils/cst.ts";
import { DECIDED_STAGES, STAGE_EVENT_LABEL } from "~/utils/stage-rules.ts";

export const meta: MetaFunction = () => [{ title: "编辑用户 · 网上党校" }];

function userIdFrom(params: { userId?: string }) {
  const id = idParam.safeParse(params.userId);
  if (!id.success) throw new Response("用户不存在", { status: 404 });
  return id.data;
}

export async function loader(args: LoaderFunctionArgs) {
  await requireRole(args, "admin");
  const user = await getUserWithRoles(args.context.db, userIdFrom(args.params));
  if (!user) throw new Response("用户不存在", { status: 404 });
  const { db } = args.context;
  const [units, lock, events, liaisons] = await Promise.all([
    listOrgUnits(db),
    getAccountLock(db, user.username),
    listStageEvents(db, user.id),
    listLiaisonHistory(db, user.id),
  ]);
  return {
    user,
    units: withLabels(units),
    lock,
    stageDays: DECIDED_STAGES.map((s) => ({ stage: s, label: STAGE_EVENT_LABEL[s], day: events.find((e) => e.stage === s)?.decided_on ?? null })),
    liaisons: liaisons.filter((l) => l.end_on === null).map((l) => ({ id: l.id, name: l.name, username: l.username, startOn: l.start_on })),
  };
}

type ActionResult = { ok: true; message: string; oneTimePassword?: string };

export async function action(args: ActionFunctionArgs) {
  const admin = await requireRole(args, "admin");
  const id = userIdFrom(args.params);
  const { db, clientIp } = args.context;
  const actor = { actorId: admin.id, ip: clientIp };
  const form = await args.request.formData();
  try {
    switch (form.get("intent")) {
      case "save": {
        const parsed = parseForm(form, UserFields);
        if (!parsed.ok) return failParsed(parsed);
        await updateUser(db, id, parsed.data, actor);
        return data<ActionResult>({ ok: true, message: "已保存" });
      }
      case "disable":
      case "enable":
        await setUserActive(db, id, form.get("intent") === "enable", actor);
        return data<ActionResult>({ ok: true, message: form.get("intent") === "enable" ? "账号已启用" : "账号已停用，其所有登录已失效" });
      case "unlock":
        return data<ActionResult>({ ok: true, message: (await unlockAccount(db, id, actor)) ? "已解除锁定" : "该账号没有被锁定" });
      case "reset-password":
        return data<ActionResult>({ ok: true, message: "密码已重置", oneTimePassword: await resetPassword(db, id, actor) });
      default:
        return fail("未知操作");
    }
  } catch (e) {
    if (e instanceof UserError) return fail(e.message, e.field ? { [e.field]: e.message } : {});
    throw e;
  }
}

export default function EditUser() {
  const { user, units, lock, stageDays, liaisons } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <section className="narrow stack">
      <p>
        <Link to="/admin/users">← 用户列表</Link>
      </p>
      <h1>
        {user.name} <small className="muted">{user.username}</small>
      </h1>
      <FormOutcome result={result} />
      {result?.ok && result.oneTimePassword ? <OneTimePassword username={user.username} name={user.name} password={result.oneTimePassword} /> : null}
      <Form method="post" className="card form" key={user.updated_at}>
        <input type="hidden" name="intent" value="save" />
        <UserFieldset units={units} values={user} result={result} form="user" />
        <button type="submit" className="btn primary">
          保存
        </button>
      </Form>
      <div className="card stack" data-testid="branch-record">
        <h2>发展阶段时间与培养联系人</h2>
        <table className="table">
          <tbody>
            {stageDays.map((d) => (
              <tr key={d.stage}>
                <th scope="row">{d.label}</th>
                <td data-stage={d.stage}>{d.day ?? "—"}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">培养联系人</th>
              <td>{liaisons.length ? liaisons.map((l) => `${l.name}（${l.username}，${l.startOn} 起）`).join("、") : "—"}</td>
            </tr>
          </tbody>
        </table>
        <p className="muted small">
          更改发展阶段时填写支部决定日期即记入上表；补录更早的日期、撤销录入有误的记录、指定或结束培养联系人，请到
          <Link to={`/branch/people/${user.id}`}>培养考察</Link>页。
        </p>
      </div>
      <div className="card stack">
        <h2>账号</h2>
        <p className="muted">
          状态：{user.active ? "正常" : "已停用"} · 创建于 {formatDateTime(user.created_at)}
          {user.must_change_password ? " · 待修改一次性密码" : ""}
        </p>
        {lock ? <AccountLockNotice lock={lock} owner={false} /> : null}
        <div className="row-actions">
          <Form method="post">
            <input type="hidden" name="intent" value={user.active ? "disable" : "enable"} />
            <button type="submit" className={user.active ? "btn danger" : "btn"}>
              {user.active ? "停用账号" : "启用账号"}
            </button>
          </Form>
          <Form method="post">
            <input type="hidden" name="intent" value="reset-password" />
            <button type="submit" className="btn">
              重置为一次性密码
            </button>
          </Form>
          <Link to={`/admin/users/${user.id}/record`} className="btn">
            培训档案
          </Link>
        </div>
      </div>
    </section>
  );
}
