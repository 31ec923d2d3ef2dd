import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { draftMediaBase, draftMediaFile, markdownBodyOf } from "~/models/authoring.server.ts";
import { requireBrowserCourse, requireCourseEditor } from "~/guards/auth.server.ts";
import { serveFile } from "~/utils/files.server.ts";
import { fail } from "~/utils/form-result.server.ts";
import { renderMarkdownOffThread } from "~/utils/markdown.server.ts";
import { readForm } from "~/utils/multipart.server.ts";

const MAX_TEXT = 1024 * 1024;
const asResponse = (r: ReturnType<typeof fail>) => Response.json(r.data, r.init ?? undefined);

/**
 * The editor's live preview: the file's body through the lesson page's renderer, as JSON { html }, or a
 * refusal in the form shape (as a real Response: a resource route drops data()'s status).
 */
export async function action(args: ActionFunctionArgs) {
  const { course } = await requireCourseEditor(args, args.params.slug);
  const text = (await readForm(args.request)).get("text");
  if (typeof text !== "string") return asResponse(fail("缺少内容", { text: "缺少内容" }));
  if (text.length > MAX_TEXT) return asResponse(fail("内容过长", { text: "内容过长" }, 413));
  const html = await renderMarkdownOffThread(markdownBodyOf(text), { mediaBase: draftMediaBase(course.slug) });
  return Response.json({ html }, { headers: { "Cache-Control": "no-store" } });
}

const INLINE = /\.(png|jpe?g|gif|webp|mp4|webm|vtt)$/i;

/**
 * GET `?file=/name`: a file of the draft's media/ that the preview shows (not published yet, so the
 * public media route does not have it). Only media types are shown inline; anything else downloads.
 */
export async function loader(args: LoaderFunctionArgs) {
  const { course } = await requireCourseEditor(args, args.params.slug);
  requireBrowserCourse(course);
  const name = new URL(args.request.url).searchParams.get("file")?.replace(/^\//, "");
  const file = name ? draftMediaFile(args.context.config, course.slug, name) : null;
  if (!name || !file) throw new Response("文件不存在", { status: 404 });
  return serveFile(args.request, file, { cacheControl: "private, no-cache", downloadName: INLINE.test(name) ? undefined : name.split("/").pop() });
}
