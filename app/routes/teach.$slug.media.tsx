import { type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { parseMultipartForm } from "~/utils/multipart.server.ts";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useState } from "react";
import {
  AuthoringError,
  deleteDraftMedia,
  draftMediaBase,
  failureOf,
  listDraftMedia,
  MEDIA_LIMITS,
  readSmallField,
  storeMediaUpload,
} from "~/models/authoring.server.ts";
import type { Dirs } from "~/utils/env.server.ts";
import authoringCss from "~/styles/authoring.css?url";
import { requireBrowserCourse, requireCourseEditor } from "~/guards/auth.server.ts";
import { FieldError, FormOutcome, fieldProps } from "~/components/FormErrors.tsx";
import { fail } from "~/utils/form-result.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: authoringCss }];
export const meta: MetaFunction = () => [{ title: "媒体文件 · 课程编写 · 网上党校" }];

/** The draft's media files (the files themselves are served by the preview route, /teach/:slug/preview?file=/…). */
export async function loader(args: LoaderFunctionArgs) {
  const { course } = await requireCourseEditor(args, args.params.slug);
  requireBrowserCourse(course);
  return listPage(args.context.config, course);
}

const mb = (n: number | undefined) => Math.round((n ?? 0) / 1024 / 1024);
const listPage = (dirs: Dirs, course: { slug: string; title: string }) => ({
  slug: course.slug,
  title: course.title,
  media: listDraftMedia(dirs, course.slug),
  fileBase: draftMediaBase(course.slug),
  limits: { image: mb(MEDIA_LIMITS.png), video: mb(MEDIA_LIMITS.mp4), caption: mb(MEDIA_LIMITS.vtt) },
});

export async function action(args: ActionFunctionArgs) {
  const { course } = await requireCourseEditor(args, args.params.slug);
  requireBrowserCourse(course);
  const { request, context } = args;
  const uploaded: string[] = [];
  const upload = (request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data");
  try {
    if (upload) {
      // Each file streams into the store while its type is sniffed and its size counted.
      await parseMultipartForm(request, async (part) => {
        if (part.filename === undefined) return readSmallField(part.data);
        if (part.name !== "file") throw new AuthoringError("未知的上传字段");
        if (!part.filename) {
          await readSmallField(part.data, 0).catch(() => undefined);
          return undefined;
        }
        const rel = await storeMediaUpload(context.storage, context.config, course.slug, { filename: part.filename, data: part.data });
        uploaded.push(rel);
        return rel;
      });
      if (!uploaded.length) return fail("请选择要上传的文件", { file: "请选择要上传的文件" });
      return { ok: true as const, message: `已上传：${uploaded.join("、")}` };
    }
    const form = await request.formData();
    const name = String(form.get("file") ?? "");
    deleteDraftMedia(context.config, course.slug, name);
    return { ok: true as const, message: `已从草稿中删除 media/${name}` };
  } catch (e) {
    const failure = failureOf(e);
    if (!failure) throw e;
    const done = uploaded.length ? `（已上传：${uploaded.join("、")}）` : "";
    return fail(`${failure.message}${done}`, upload ? { file: failure.message } : {}, failure.status);
  }
}

const sizeText = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`);

export default function Media() {
  const { slug, title, media, limits, fileBase } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const [tooBig, setTooBig] = useState<string | null>(null);
  return (
    <div className="stack">
      <p className="crumbs">
        <Link to="/teach">课程编写</Link> / <Link to={`/teach/${slug}`}>{title}</Link> / 媒体文件
      </p>
      <h1>媒体文件</h1>
      <Form method="post" encType="multipart/form-data" className="card form">
        <label>
          选择文件（可多选）
          <input
            type="file"
            {...fieldProps(result, "upload", "file")}
            multiple
            required
            accept="image/png,image/jpeg,image/gif,image/webp,video/mp4,video/webm,.vtt,text/vtt"
            onChange={(e) => {
              const big = [...(e.target.files ?? [])].find(
                (f) => f.size > limits.video * 1024 * 1024 || (f.type.startsWith("image/") && f.size > limits.image * 1024 * 1024),
              );
              setTooBig(big ? `${big.name} 超过大小限制` : null);
            }}
          />
          <small>
            图片 PNG/JPG/GIF/WebP ≤ {limits.image} MB，视频 MP4/WebM ≤ {limits.video} MB，字幕 VTT ≤ {limits.caption}{" "}
            MB。类型按文件内容判断；文件名会改为英文字母和数字。
          </small>
          <FieldError result={result} form="upload" name="file" />
        </label>
        {tooBig ? <p className="alert warn">{tooBig}</p> : null}
        <FormOutcome result={result} />
        <button type="submit" className="btn primary" disabled={busy || tooBig !== null}>
          {busy ? "上传中…" : "上传到草稿"}
        </button>
      </Form>
      <section className="card table-wrap" tabIndex={0}>
        {media.length ? (
          <table>
            <thead>
              <tr>
                <th>文件</th>
                <th>大小</th>
                <th>写法（复制到课时中）</th>
                <th>
                  <span className="sr-only">操作</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {media.map((m) => (
                <tr key={m.path}>
                  <td>
                    {m.kind === "image" ? <img src={`${fileBase}${encodeURIComponent(m.name)}`} alt="" className="thumb" /> : null}
                    <code>{m.path}</code>
                  </td>
                  <td className="nowrap">{sizeText(m.size)}</td>
                  <td>
                    <code className="snippet">{m.snippet}</code>
                    {m.kind === "image" ? (
                      <small className="muted"> （正文中；course.md 中写 media/…）</small>
                    ) : m.kind === "other" ? null : (
                      <small className="muted"> （写在课时文件头中）</small>
                    )}
                  </td>
                  <td>
                    <Form method="post">
                      <input type="hidden" name="file" value={m.name} />
                      <button type="submit" className="btn small danger" disabled={busy}>
                        删除
                      </button>
                    </Form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="empty">草稿中还没有媒体文件。</p>
        )}
      </section>
      <p className="muted">媒体文件随课程发布；删除或替换后需重新发布，学员才能看到变化。</p>
    </div>
  );
}
