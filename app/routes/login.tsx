import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { getCurrentUser, login } from "~/guards/auth.server.ts";
import { FieldError, fieldProps, FormAlert } from "~/components/FormErrors.tsx";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { parseForm } from "~/utils/forms.server.ts";
import { safeRedirect } from "~/utils/safe-redirect.ts";
import { signInHeaders } from "~/utils/session.server.ts";

export const meta: MetaFunction = () => [{ title: "登录 · 网上党校" }];

const LoginForm = z.object({
  username: z.string({ required_error: "请输入学号/工号" }).trim().min(1, "请输入学号/工号").max(64, "学号/工号过长"),
  password: z.string({ required_error: "请输入密码" }).min(1, "请输入密码").max(256, "密码过长"),
  redirectTo: z.string().optional(),
});

export async function loader(args: LoaderFunctionArgs) {
  if (await getCurrentUser(args)) throw redirect("/");
  return null;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = parseForm(await request.formData(), LoginForm);
  if (!form.ok) return failParsed(form);
  const result = await login(context, form.data.username, form.data.password);
  if (!result.ok) return fail(result.message, {}, result.status);
  return redirect(safeRedirect(form.data.redirectTo), {
    headers: signInHeaders(result.token, context.cookieSecure),
  });
}

export default function Login() {
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const busy = useNavigation().state !== "idle";
  return (
    <section className="login">
      <div className="login-hero">
        <h1>网上党校</h1>
        <p>入党积极分子 · 发展对象 · 预备党员 培训学习平台</p>
      </div>
      <Form method="post" className="card form login-card">
        <h2>登录</h2>
        <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/"} />
        <label>
          学号/工号
          <input {...fieldProps(actionData, "login", "username")} autoComplete="username" required autoFocus inputMode="text" />
          <FieldError result={actionData} form="login" name="username" />
        </label>
        <label>
          密码
          <input {...fieldProps(actionData, "login", "password")} type="password" autoComplete="current-password" required />
          <FieldError result={actionData} form="login" name="password" />
        </label>
        <FormAlert result={actionData} />
        <button type="submit" className="btn primary block" disabled={busy}>
          {busy ? "正在登录…" : "登录"}
        </button>
        <p className="hint">忘记密码请联系所在党支部或组织部重置。</p>
      </Form>
    </section>
  );
}
