import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { editNotice, NOTICE_LIMITS, NoticeError, noticeForManager, noticeVersions } from "~/models/notices.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { FieldError, fieldProps, FormAlert } from "~/components/FormErrors.tsx";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { formatDateTime } from "~/utils/cst.ts";
import { idParam, parseForm } from "~/utils/forms.server.ts";
import { orStatus } from "~/utils/status-errors.server.ts";

export const meta: MetaFunction = () => [{ title: "修改通知 · 网上党校" }];

function noticeId(params: { id?: string }) {
  const id = idParam.safeParse(params.id);
  if (!id.success) throw new Response("通知不存在", { status: 404 });
  return id.data;
}

export async function loader(args: LoaderFunctionArgs) {
  const user = await requireRole(args, "admin", "secretary");
  const id = noticeId(args.params);
  const notice = await orStatus(noticeForManager(args.context.db, id, user), NoticeError);
  const versions = await noticeVersions(args.context.db, id);
  return {
    notice: { id: notice.id, title: notice.title, body: notice.body_md, version: notice.version },
    versions: versions.map((v) => ({ version: v.version, title: v.title, body: v.body_md, at: formatDateTime(v.edited_at), editor: v.editor })),
    limits: NOTICE_LIMITS,
  };
}

const EditForm = z.object({
  title: z.string().trim().min(1, "请填写标题").max(NOTICE_LIMITS.titleChars),
  body: z.string().trim().min(1, "请填写正文").max(NOTICE_LIMITS.bodyChars),
});

export async function action(args: ActionFunctionArgs) {
  const user = await requireRole(args, "admin", "secretary");
  const id = noticeId(args.params);
  const parsed = parseForm(await args.request.formData(), EditForm);
  if (!parsed.ok) return failParsed(parsed);
  try {
    await editNotice(args.context.db, id, { title: parsed.data.title, bodyMd: parsed.data.body }, user, args.context.clientIp);
  } catch (e) {
    if (e instanceof NoticeError) return fail(e.message, e.field ? { [e.field]: e.message } : {}, e.status);
    throw e;
  }
  return redirect(`/notices/${id}`);
}

export default function EditNotice() {
  const { notice, versions, limits } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <div className="stack narrow">
      <p className="muted">
        <Link to={`/notices/${notice.id}`}>{notice.title}</Link> / 修改
      </p>
      <h1>修改通知（当前第 {notice.version} 版）</h1>
      <p className="muted">修改后原内容作为历史版本保留；已读、已确认记录不变。</p>
      <FormAlert result={result} />
      <Form method="post" className="form card">
        <label>
          标题
          <input {...fieldProps(result, "notice", "title")} required maxLength={limits.titleChars} defaultValue={notice.title} />
          <FieldError result={result} form="notice" name="title" />
        </label>
        <label>
          正文（支持 Markdown）
          <textarea {...fieldProps(result, "notice", "body")} rows={8} required maxLength={limits.bodyChars} defaultValue={notice.body} />
          <FieldError result={result} form="notice" name="body" />
        </label>
        <button type="submit" className="btn primary">
          保存为新版本
        </button>
      </Form>
      <section className="card stack">
        <h2>历史版本</h2>
        {versions.map((v) => (
          <details key={v.version} data-testid="notice-version">
            <summary>
              第 {v.version} 版 · {v.editor} · {v.at} · {v.title}
            </summary>
            <pre style={{ whiteSpace: "pre-wrap" }}>{v.body}</pre>
          </details>
        ))}
      </section>
    </div>
  );
}
