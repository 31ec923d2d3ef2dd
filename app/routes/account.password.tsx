import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { changePassword, UserError } from "~/models/users.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { FieldError, fieldProps, FormAlert } from "~/components/FormErrors.tsx";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { parseForm } from "~/utils/forms.server.ts";
import { createSession, signInHeaders } from "~/utils/session.server.ts";

export const meta: MetaFunction = () => [{ title: "修改密码 · 网上党校" }];

const PasswordForm = z
  .object({
    current: z.string({ required_error: "请输入当前密码" }).min(1, "请输入当前密码").max(256),
    next: z.string({ required_error: "请输入新密码" }).min(1, "请输入新密码").max(256, "密码不能超过 128 位"),
    confirm: z.string({ required_error: "请再次输入新密码" }),
  })
  .refine((f) => f.next === f.confirm, { message: "两次输入的新密码不一致", path: ["confirm"] });

export async function loader(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  return { forced: user.must_change_password === 1 };
}

export async function action(args: ActionFunctionArgs) {
  const user = await requireUser(args);
  const form = parseForm(await args.request.formData(), PasswordForm);
  if (!form.ok) return failParsed(form);
  try {
    await changePassword(args.context.db, user.id, form.data.current, form.data.next, args.context.clientIp);
  } catch (e) {
    if (e instanceof UserError) return fail(e.message, e.field ? { [e.field]: e.message } : {}, e.status);
    throw e;
  }
  // Every old session ended with the change; this device continues with a new one.
  const { token } = await createSession(args.context.db, user.id);
  return redirect("/?passwordChanged=1", { headers: signInHeaders(token, args.context.cookieSecure) });
}

export default function ChangePassword() {
  const { forced } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <section className="narrow">
      <h1>修改密码</h1>
      {forced ? <p className="alert warn">您正在使用一次性密码，请先设置新密码再继续使用。</p> : null}
      <Form method="post" className="card form">
        <label>
          当前密码
          <input {...fieldProps(actionData, "password", "current")} type="password" autoComplete="current-password" required />
          <FieldError result={actionData} form="password" name="current" />
        </label>
        <label>
          新密码
          <input {...fieldProps(actionData, "password", "next")} type="password" autoComplete="new-password" required minLength={8} />
          <FieldError result={actionData} form="password" name="next" />
          <small>至少 8 位，不能是常见密码或学号、姓名等别人知道的信息；几个不相关的词加上数字或符号就很好记。修改后其他设备上的登录将失效。</small>
        </label>
        <label>
          确认新密码
          <input {...fieldProps(actionData, "password", "confirm")} type="password" autoComplete="new-password" required />
          <FieldError result={actionData} form="password" name="confirm" />
        </label>
        <FormAlert result={actionData} />
        <button type="submit" className="btn primary">
          保存新密码
        </button>
      </Form>
    </section>
  );
}
