import type { LoaderFunctionArgs } from "@remix-run/node";
import { exportSubmissionsZip, getAssignmentForEditor } from "~/models/assignments.server.ts";
import { requireCourseEditor } from "~/guards/auth.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";

/**
 * All handed-in submissions of an assignment as one zip (支部/学号-姓名/v2-正文.md, …/附件名.pdf),
 * streamed as it is built. Audited as an export of personal data.
 */
export async function loader(args: LoaderFunctionArgs) {
  const { user, course } = await requireCourseEditor(args, args.params.slug);
  const found = await getAssignmentForEditor(args.context.db, course, args.params.key ?? "");
  if (!found) throw new Response("作业不存在", { status: 404 });
  // ?class=<id>: only the members of one training class.
  const classId = Number(new URL(args.request.url).searchParams.get("class")) || undefined;
  const { stream } = await exportSubmissionsZip(args.context.db, args.context.storage, { ...found, actorId: user.id, classId }, { ip: args.context.clientIp });
  const name = `${course.title}-${found.assignment.title}.zip`.replace(/[/\\:*?"<>|\u0000-\u001f]/g, "_");
  return downloadResponse({ filename: name, contentType: "application/zip", body: stream });
}
