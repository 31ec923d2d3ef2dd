import type { LoaderFunctionArgs } from "@remix-run/node";
import { getSubmissionFileForViewer } from "~/models/assignments.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { serveFile } from "~/utils/files.server.ts";
import { idParam } from "~/utils/forms.server.ts";
import { dispositionOf } from "~/utils/http.server.ts";
import { mimeOfExtension } from "~/utils/mime.ts";

const INLINE_TYPES = new Set(["pdf", "jpg", "png"]);

/**
 * A submission attachment, to its author, the course's instructors and admins only (anyone else: 404).
 * Downloads are attachments; `?inline=1` shows a PDF or image in the browser, still with nosniff and
 * under `Content-Security-Policy: sandbox`, so even a file that slipped past the checks runs no script
 * with our origin.
 */
export async function loader(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  const id = idParam.safeParse(args.params.id);
  if (!id.success) throw new Response("文件不存在", { status: 404 });
  const file = await getSubmissionFileForViewer(args.context.db, id.data, user);
  if (!file) throw new Response("文件不存在", { status: 404 });
  const inline = new URL(args.request.url).searchParams.get("inline") === "1" && INLINE_TYPES.has(file.type);
  const res = await serveFile(args.request, args.context.storage.pathOf(file.sha256), {
    contentType: mimeOfExtension(file.type),
    downloadName: inline ? undefined : file.name,
    cacheControl: "private, no-cache",
  });
  if (inline) {
    res.headers.set("Content-Disposition", dispositionOf(file.name, "inline"));
    res.headers.set("Content-Security-Policy", "sandbox");
  }
  return res;
}
