import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { readUnsubscribeToken, setPref } from "~/models/notifications.server.ts";
import { NOTIFICATION_KIND_LABEL } from "~/utils/labels.ts";
import { FormAlert } from "~/components/FormErrors.tsx";
import { fail } from "~/utils/form-result.server.ts";

export const meta: MetaFunction = () => [{ title: "退订邮件 · 网上党校" }];

/** The link in every notification e-mail: a signed token names the person and the kind; no sign-in needed. */
async function tokenOf(request: Request, form?: FormData) {
  const raw = form?.get("t") ?? new URL(request.url).searchParams.get("t") ?? "";
  return typeof raw === "string" ? raw.slice(0, 200) : "";
}

export async function loader(args: LoaderFunctionArgs) {
  const token = await tokenOf(args.request);
  const who = await readUnsubscribeToken(args.context.db, token);
  if (!who) throw new Response("退订链接无效或已损坏", { status: 404 });
  return { token, kind: NOTIFICATION_KIND_LABEL[who.kind] };
}

export async function action(args: ActionFunctionArgs) {
  const form = await args.request.formData();
  const who = await readUnsubscribeToken(args.context.db, await tokenOf(args.request, form));
  if (!who) return fail("退订链接无效或已损坏", {}, 404);
  await setPref(args.context.db, who.userId, who.kind, false);
  return { ok: true as const, message: `已退订：今后“${NOTIFICATION_KIND_LABEL[who.kind]}”不再发送邮件，仍会出现在站内消息中。` };
}

export default function Unsubscribe() {
  const { token, kind } = useLoaderData<typeof loader>();
  const done = useActionData<typeof action>();
  return (
    <div className="stack narrow card">
      <h1>退订邮件</h1>
      <FormAlert result={done} />
      {done?.ok ? (
        <p className="alert ok" role="status">
          {done.message}
        </p>
      ) : (
        <Form method="post" className="form">
          <input type="hidden" name="t" value={token} />
          <p>不再通过邮件接收“{kind}”？站内消息不受影响，可随时在“消息”页重新开启。</p>
          <button type="submit" className="btn primary">
            确认退订
          </button>
        </Form>
      )}
    </div>
  );
}
