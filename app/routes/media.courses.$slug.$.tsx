import type { LoaderFunctionArgs } from "@remix-run/node";
import { getCourseMediaFile } from "~/models/courses.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { serveFile } from "~/utils/files.server.ts";

/** Course media (images, videos, captions), only to those who may see the course; Range supported. */
export async function loader(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  const rel = args.params["*"] ?? "";
  const media = await getCourseMediaFile(args.context.db, args.params.slug ?? "", `media/${rel}`, user);
  if (!media) throw new Response("文件不存在", { status: 404 });
  return serveFile(args.request, args.context.storage.pathOf(media.sha256), { contentType: media.mime, cacheControl: "private, max-age=86400" });
}
