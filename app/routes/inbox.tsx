import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { getPrefs, listInbox, markAllRead, openNotification, setPref } from "~/models/notifications.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { FieldError, FormOutcome, fieldProps } from "~/components/FormErrors.tsx";
import { failParsed } from "~/utils/form-result.server.ts";
import { formatDateTime } from "~/utils/cst.ts";
import { idParam, parseForm } from "~/utils/forms.server.ts";
import { NOTIFICATION_KINDS, NOTIFICATION_KIND_LABEL } from "~/utils/labels.ts";
import { safeRedirect } from "~/utils/safe-redirect.ts";

export const meta: MetaFunction = () => [{ title: "消息 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  const { db } = args.context;
  const prefs = await getPrefs(db, user.id);
  return {
    items: (await listInbox(db, user.id)).map((n) => ({
      id: n.id,
      kind: NOTIFICATION_KIND_LABEL[n.kind as keyof typeof NOTIFICATION_KIND_LABEL] ?? n.kind,
      title: n.title,
      body: n.body,
      at: formatDateTime(n.created_at),
      unread: n.read_at === null,
    })),
    prefs: NOTIFICATION_KINDS.map((k) => ({ kind: k, label: NOTIFICATION_KIND_LABEL[k], email: prefs[k] })),
    hasEmail: !!user.email,
    mail: args.context.config.email,
  };
}

const ActionForm = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("open"), id: idParam }),
  z.object({ intent: z.literal("read-all") }),
  z.object({ intent: z.literal("prefs"), email: z.union([z.enum(NOTIFICATION_KINDS), z.array(z.enum(NOTIFICATION_KINDS))]).optional() }),
]);

export async function action(args: ActionFunctionArgs) {
  const user = await requireUser(args);
  const { db } = args.context;
  const parsed = parseForm(await args.request.formData(), ActionForm);
  if (!parsed.ok) return failParsed(parsed);
  const d = parsed.data;
  if (d.intent === "open") {
    const link = await openNotification(db, user.id, d.id);
    if (!link) throw new Response("消息不存在", { status: 404 });
    return redirect(safeRedirect(link, "/inbox"));
  }
  if (d.intent === "read-all") {
    await markAllRead(db, user.id);
    return { ok: true as const, message: "已全部标为已读" };
  }
  const on = new Set(d.email === undefined ? [] : Array.isArray(d.email) ? d.email : [d.email]);
  for (const k of NOTIFICATION_KINDS) await setPref(db, user.id, k, on.has(k));
  return { ok: true as const, message: "接收方式已保存" };
}

export default function Inbox() {
  const { items, prefs, hasEmail, mail } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <div className="stack">
      <div className="page-head">
        <h1>消息</h1>
        <Form method="post">
          <button type="submit" name="intent" value="read-all" className="btn small">
            全部标为已读
          </button>
        </Form>
      </div>
      <FormOutcome result={result} />
      <section className="card">
        {items.length === 0 ? <p className="muted">暂无消息。</p> : null}
        <ul className="stack" style={{ listStyle: "none", padding: 0, margin: 0 }}>
          {items.map((n) => (
            <li key={n.id} data-testid="inbox-item" style={{ fontWeight: n.unread ? 600 : 400 }}>
              <Form method="post">
                <input type="hidden" name="id" value={n.id} />
                <button type="submit" name="intent" value="open" className="btn-link" style={{ padding: 0, textAlign: "left", fontWeight: "inherit" }}>
                  {n.unread ? "● " : ""}
                  {n.title}
                </button>
              </Form>
              <small className="muted">
                {n.kind} · {n.at}
              </small>
            </li>
          ))}
        </ul>
      </section>
      <section className="card">
        <h2>接收方式</h2>
        <p className="muted">
          所有消息都会出现在这里。勾选的类别同时发送邮件
          {!mail ? "（本站尚未配置邮件发送，目前只有站内消息）" : !hasEmail ? "（您的账号没有登记邮箱，请联系组织部）" : ""}。
        </p>
        <Form method="post" className="form">
          <input type="hidden" name="intent" value="prefs" />
          {prefs.map((p) => (
            <label key={p.kind} className="check">
              <input type="checkbox" {...fieldProps(result, "prefs", "email")} value={p.kind} defaultChecked={p.email} /> {p.label}：同时发送邮件
            </label>
          ))}
          <FieldError result={result} form="prefs" name="email" />
          <button type="submit" className="btn">
            保存
          </button>
        </Form>
      </section>
    </div>
  );
}
