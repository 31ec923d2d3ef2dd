import { type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { ackNotice, NoticeError, openNotice } from "~/models/notices.server.ts";
import proseCss from "~/styles/prose.css?url";
import { requireUser } from "~/guards/auth.server.ts";
import { FormAlert } from "~/components/FormErrors.tsx";
import { fail } from "~/utils/form-result.server.ts";
import { formatDateTime } from "~/utils/cst.ts";
import { idParam } from "~/utils/forms.server.ts";
import { renderMarkdown } from "~/utils/markdown.server.ts";
import { orStatus } from "~/utils/status-errors.server.ts";
import { TYPE_LABEL } from "~/utils/uploads.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: proseCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.title ?? "通知"} · 网上党校` }];

function noticeId(params: { id?: string }) {
  const id = idParam.safeParse(params.id);
  if (!id.success) throw new Response("通知不存在", { status: 404 });
  return id.data;
}

/** Opening a notice records that its recipient read it. */
export async function loader(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  const { notice, files, receipt, manages } = await orStatus(openNotice(args.context.db, noticeId(args.params), user), NoticeError);
  return {
    id: notice.id,
    title: notice.title,
    html: renderMarkdown(notice.body_md),
    publisher: notice.publisher,
    publishedAt: formatDateTime(notice.published_at),
    editedAt: notice.version > 1 ? formatDateTime(notice.updated_at) : null,
    requiresAck: notice.requires_ack === 1,
    files: files.map((f) => ({ id: f.id, name: f.name, kind: TYPE_LABEL[f.type], kb: Math.ceil(f.size / 1024) })),
    receipt: receipt && { readAt: formatDateTime(receipt.read_at), ackedAt: receipt.acked_at ? formatDateTime(receipt.acked_at) : null },
    manages,
  };
}

/** 已阅: the recipient confirms a 需确认 notice. */
export async function action(args: ActionFunctionArgs) {
  const user = await requireUser(args);
  const id = noticeId(args.params);
  const form = await args.request.formData();
  if (form.get("intent") !== "ack") return fail("未知操作");
  await orStatus(ackNotice(args.context.db, id, user.id), NoticeError);
  return { ok: true as const, message: "已确认阅读" };
}

export default function NoticePage() {
  const n = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <div className="stack">
      <FormAlert result={result} />
      <p className="muted">
        <Link to="/notices">通知公告</Link>
      </p>
      <article className="card stack">
        <h1>{n.title}</h1>
        <p className="muted">
          {n.publisher} · {n.publishedAt}
          {n.editedAt ? ` · 修改于 ${n.editedAt}` : ""}
          {n.requiresAck ? <span className="tag">需确认</span> : null}
        </p>
        <div className="prose" dangerouslySetInnerHTML={{ __html: n.html }} />
        {n.files.length ? (
          <ul>
            {n.files.map((f) => (
              <li key={f.id}>
                <a href={`/notices/${n.id}/files/${f.id}`}>{f.name}</a>{" "}
                <small className="muted">
                  （{f.kind}，{f.kb} KB）
                </small>
              </li>
            ))}
          </ul>
        ) : null}
        {n.receipt && n.requiresAck ? (
          n.receipt.ackedAt ? (
            <p className="alert ok" role="status">
              您已于 {n.receipt.ackedAt} 确认阅读。
            </p>
          ) : (
            <Form method="post">
              <input type="hidden" name="intent" value="ack" />
              <button type="submit" className="btn primary block">
                已阅
              </button>
            </Form>
          )
        ) : null}
        {n.manages ? (
          <p className="inline-form">
            <Link to={`/notices/${n.id}/reads`} className="btn">
              阅读情况
            </Link>
            <Link to={`/notices/${n.id}/edit`} className="btn">
              修改
            </Link>
          </p>
        ) : null}
      </article>
    </div>
  );
}
