import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { WEBHOOK_KINDS } from "../../db/types.ts";
import { FormAlert } from "~/components/FormErrors.tsx";
import { outboxSummary } from "~/models/notifications.server.ts";
import { listUnitWebhooks, removeUnitWebhook, setUnitWebhook, WebhookError } from "~/models/webhooks.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { formatDateTime } from "~/utils/cst.ts";
import { idParam, optionalText, parseForm, text } from "~/utils/forms.server.ts";
import { orStatus } from "~/utils/status-errors.server.ts";

export const meta: MetaFunction = () => [{ title: "群机器人 · 网上党校" }];

const KIND_LABEL = { wecom: "企业微信", dingtalk: "钉钉" } as const;

export async function loader(args: LoaderFunctionArgs) {
  const user = await requireRole(args, "admin", "secretary");
  const { db } = args.context;
  return {
    units: (await orStatus(listUnitWebhooks(db, user), WebhookError)).map((u) => ({
      ...u,
      webhook: u.webhook ? { ...u.webhook, updatedAt: formatDateTime(u.webhook.updatedAt) } : null,
    })),
    outbox: user.roles.includes("admin") ? await outboxSummary(db, ["wecom", "dingtalk"]) : null,
  };
}

const Intent = z.discriminatedUnion(
  "intent",
  [
    z.object({
      intent: z.literal("set"),
      unitId: idParam,
      kind: z.enum(WEBHOOK_KINDS, { errorMap: () => ({ message: "请选择企业微信或钉钉" }) }),
      url: text("Webhook 地址", 500),
      secret: optionalText("加签密钥", 200),
    }),
    z.object({ intent: z.literal("remove"), unitId: idParam }),
  ],
  { errorMap: () => ({ message: "未知操作" }) },
);

export async function action(args: ActionFunctionArgs) {
  const user = await requireRole(args, "admin", "secretary");
  const parsed = parseForm(await args.request.formData(), Intent);
  if (!parsed.ok) return failParsed(parsed);
  const f = parsed.data;
  const actor = { actorId: user.id, ip: args.context.clientIp };
  try {
    if (f.intent === "set") {
      await setUnitWebhook(
        args.context.db,
        user,
        { unitId: f.unitId, kind: f.kind, url: f.url, secret: f.secret ?? "" },
        actor,
        args.context.config.webhookTestHosts,
      );
      return { ok: true as const, unitId: f.unitId, message: "已保存群机器人：之后发布的通知会推送到该群" };
    }
    await removeUnitWebhook(args.context.db, user, f.unitId, actor);
    return { ok: true as const, unitId: f.unitId, message: "已移除群机器人" };
  } catch (e) {
    if (e instanceof WebhookError) return fail(e.message, {}, e.status);
    throw e;
  }
}

export default function Webhooks() {
  const { units, outbox } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <div className="stack">
      <h1>群机器人</h1>
      <p className="muted">
        为组织设置企业微信或钉钉群机器人后，发布到该组织（含下级）的通知会同时推送到群里：标题、正文开头和查看全文的链接。地址在群设置 → 群机器人中复制，只接受
        qyapi.weixin.qq.com 和 oapi.dingtalk.com 的 https 地址；钉钉机器人开启“加签”时填写其密钥（SEC 开头）。
      </p>
      {result?.ok ? (
        <p className="alert ok" role="status">
          {result.message}
        </p>
      ) : (
        <FormAlert result={result} />
      )}
      {outbox ? (
        <p className="card" data-testid="webhook-status">
          推送：待发送 {outbox.pending} 条，已发送 {outbox.sent} 条，多次重试后失败 {outbox.failed} 条。
          {outbox.lastError ? `最近一次错误：${outbox.lastError}` : ""}
        </p>
      ) : null}
      <ul className="cards">
        {units.map((u) => {
          return (
            <li key={u.id} className={`card ${u.active ? "" : "dim"}`}>
              <details>
                <summary>
                  <strong>{u.label}</strong>{" "}
                  {u.webhook ? (
                    <span className="tag">
                      {KIND_LABEL[u.webhook.kind]}
                      {u.webhook.signed ? "（加签）" : ""}
                    </span>
                  ) : (
                    <span className="muted">未设置</span>
                  )}
                </summary>
                <div className="stack">
                  {u.webhook ? (
                    <p className="muted">
                      当前：{u.webhook.url}（{u.webhook.updatedAt} 设置）
                    </p>
                  ) : null}
                  <Form method="post" className="form">
                    <input type="hidden" name="intent" value="set" />
                    <input type="hidden" name="unitId" value={u.id} />
                    <label>
                      类型
                      <select name="kind" defaultValue={u.webhook?.kind ?? "wecom"}>
                        <option value="wecom">企业微信</option>
                        <option value="dingtalk">钉钉</option>
                      </select>
                    </label>
                    <label>
                      Webhook 地址
                      <input name="url" type="url" required maxLength={500} placeholder="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…" />
                    </label>
                    <label>
                      加签密钥（仅钉钉，可不填{u.webhook?.signed ? "；不填则保留原密钥" : ""}）
                      <input name="secret" maxLength={200} autoComplete="off" />
                    </label>
                    <button type="submit" className="btn primary">
                      保存
                    </button>
                  </Form>
                  {u.webhook ? (
                    <Form method="post" className="inline-form">
                      <input type="hidden" name="intent" value="remove" />
                      <input type="hidden" name="unitId" value={u.id} />
                      <button className="btn small danger">移除群机器人</button>
                    </Form>
                  ) : null}
                </div>
              </details>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
