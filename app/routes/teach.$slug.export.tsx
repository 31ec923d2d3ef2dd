import type { LoaderFunctionArgs } from "@remix-run/node";
import { courseFolder } from "~/models/authoring.server.ts";
import { requireCourseEditor } from "~/guards/auth.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";
import { zipFolderStream } from "~/utils/course-zip.server.ts";

/**
 * The course as a zip in the courses/ format, streamed: the draft folder of a browser course, the
 * courses/<slug> folder of a file course. Importing it (teach.import) gives the same course again.
 */
export async function loader(args: LoaderFunctionArgs) {
  const { course } = await requireCourseEditor(args, args.params.slug);
  const dir = courseFolder(args.context.config, course);
  if (!dir) throw new Response("找不到该课程的文件夹，无法导出", { status: 404 });
  return downloadResponse({ filename: `${course.slug}.zip`, contentType: "application/zip", body: zipFolderStream(dir, course.slug) });
}
