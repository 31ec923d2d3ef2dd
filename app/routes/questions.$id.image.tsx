import type { LoaderFunctionArgs } from "@remix-run/node";
import { getCourseBySlug } from "~/models/courses.server.ts";
import { questionImageFor } from "~/models/questions.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { serveFile } from "~/utils/files.server.ts";
import { idParam } from "~/utils/forms.server.ts";
import { mimeOfExtension } from "~/utils/mime.ts";

/** A question's image: to its asker, the course's staff, and the course's trainees once its answer is public. */
export async function loader(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  const { db, storage } = args.context;
  const id = idParam.safeParse(args.params.id);
  if (!id.success) throw new Response("图片不存在", { status: 404 });
  const image = await questionImageFor(db, id.data, user, async (slug) => !!(await getCourseBySlug(db, slug, user)));
  if (!image) throw new Response("图片不存在", { status: 404 });
  const res = await serveFile(args.request, storage.pathOf(image.sha256), { contentType: mimeOfExtension(image.type), cacheControl: "private, no-cache" });
  res.headers.set("Content-Security-Policy", "sandbox");
  return res;
}
