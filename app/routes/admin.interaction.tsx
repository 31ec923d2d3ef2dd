import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { QuestionStats } from "~/components/QuestionStats.tsx";
import { outboxSummary } from "~/models/notifications.server.ts";
import { questionStats, setAnswerLimitHours } from "~/models/questions.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { FieldError, FormOutcome, fieldProps } from "~/components/FormErrors.tsx";
import { failParsed } from "~/utils/form-result.server.ts";
import { parseForm } from "~/utils/forms.server.ts";

export const meta: MetaFunction = () => [{ title: "答疑与通知设置 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  await requireRole(args, "admin");
  const { db } = args.context;
  return { mail: args.context.config.email, outbox: await outboxSummary(db), questions: await questionStats(db) };
}

const SettingsForm = z.object({
  limitHours: z.coerce.number({ invalid_type_error: "请填写整数" }).int("请填写整数").min(1, "至少 1 小时").max(720, "最多 720 小时"),
});

export async function action(args: ActionFunctionArgs) {
  const admin = await requireRole(args, "admin");
  const parsed = parseForm(await args.request.formData(), SettingsForm);
  if (!parsed.ok) return failParsed(parsed);
  await setAnswerLimitHours(args.context.db, parsed.data.limitHours, { actorId: admin.id, ip: args.context.clientIp });
  return { ok: true as const, message: "已保存" };
}

export default function AdminInteraction() {
  const { mail, outbox, questions } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <div className="stack">
      <h1>答疑与通知</h1>
      <FormOutcome result={result} />
      <section className="card stack" data-testid="mail-status">
        <h2>邮件发送</h2>
        {mail ? (
          <p>
            已配置 SMTP（SMTP_URL）。待发送 {outbox.pending} 封，已发送 {outbox.sent} 封，多次重试后失败 {outbox.failed} 封。
            {outbox.lastError ? `最近一次错误：${outbox.lastError}` : ""}
          </p>
        ) : (
          <p className="alert warn">未配置邮件发送（环境变量 SMTP_URL 未设置）：通知只在站内“消息”中显示，不发送邮件。</p>
        )}
        <p>
          通知公告还可推送到各组织的企业微信或钉钉群：<Link to="/notices/webhooks">设置群机器人</Link>。
        </p>
      </section>
      <section className="card">
        <h2>答疑回复时限</h2>
        <Form method="post" className="inline-form">
          <label>
            超过
            <input
              {...fieldProps(result, "settings", "limitHours")}
              type="number"
              min={1}
              max={720}
              defaultValue={questions.limitHours}
              style={{ width: "6rem" }}
            />
            小时未回复的问题标为超时
            <FieldError result={result} form="settings" name="limitHours" />
          </label>
          <button type="submit" className="btn">
            保存
          </button>
        </Form>
      </section>
      <QuestionStats stats={questions} />
    </div>
  );
}
