import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { UserFieldset } from "~/components/UserFields.tsx";
import { OneTimePassword } from "~/components/OneTimePassword.tsx";
import { listOrgUnits, withLabels } from "~/models/org.server.ts";
import { createUser, UserError } from "~/models/users.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { FieldError, fieldProps, FormAlert } from "~/components/FormErrors.tsx";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { parseForm } from "~/utils/forms.server.ts";
import { NewUserFields } from "~/utils/user-form.server.ts";

export const meta: MetaFunction = () => [{ title: "新建用户 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  await requireRole(args, "admin");
  return { units: withLabels(await listOrgUnits(args.context.db)) };
}

export async function action(args: ActionFunctionArgs) {
  const admin = await requireRole(args, "admin");
  const form = parseForm(await args.request.formData(), NewUserFields);
  if (!form.ok) return failParsed(form);
  const { username, ...rest } = form.data;
  try {
    const created = await createUser(args.context.db, { username, ...rest }, { actorId: admin.id, ip: args.context.clientIp });
    return { ok: true as const, id: created.id, username, name: rest.name, oneTimePassword: created.oneTimePassword };
  } catch (e) {
    if (e instanceof UserError) return fail(e.message, e.field ? { [e.field]: e.message } : {});
    throw e;
  }
}

export default function NewUser() {
  const { units } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  if (result?.ok) {
    return (
      <section className="narrow stack">
        <h1>已创建用户</h1>
        <OneTimePassword username={result.username} name={result.name} password={result.oneTimePassword} />
        <div className="row-actions">
          <Link to={`/admin/users/${result.id}`} className="btn">
            查看该用户
          </Link>
          <Link to="/admin/users/new" reloadDocument className="btn primary">
            继续新建
          </Link>
        </div>
      </section>
    );
  }
  return (
    <section className="narrow">
      <h1>新建用户</h1>
      <Form method="post" className="card form">
        <label>
          学号/工号
          <input {...fieldProps(result, "new-user", "username")} required maxLength={32} autoComplete="off" />
          <FieldError result={result} form="new-user" name="username" />
        </label>
        <UserFieldset units={units} values={{ roles: ["trainee"] }} result={result} form="new-user" />
        <FormAlert result={result} />
        <button type="submit" className="btn primary">
          创建并生成一次性密码
        </button>
      </Form>
    </section>
  );
}
