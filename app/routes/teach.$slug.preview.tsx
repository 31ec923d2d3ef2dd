import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { draftMediaBase, markdownBodyOf } from "~/models/authoring.server.ts";
import { requireCourseEditor } from "~/utils/auth.server.ts";
import { renderMarkdown } from "~/utils/markdown.server.ts";

const MAX_TEXT = 1024 * 1024;

/** The editor's live preview: the file's body through the lesson page's renderer, as JSON { html }. */
export async function action(args: ActionFunctionArgs) {
  const { course } = await requireCourseEditor(args, args.params.slug);
  const text = (await args.request.formData()).get("text");
  if (typeof text !== "string") return Response.json({ message: "缺少内容" }, { status: 400 });
  if (text.length > MAX_TEXT) return Response.json({ message: "内容过长" }, { status: 413 });
  const html = renderMarkdown(markdownBodyOf(text), { mediaBase: draftMediaBase(course.slug) });
  return Response.json({ html }, { headers: { "Cache-Control": "no-store" } });
}

export async function loader(args: LoaderFunctionArgs) {
  await requireCourseEditor(args, args.params.slug);
  throw new Response("请使用 POST", { status: 405 });
}
