// The guard of the per-exam instructor pages (/teach/:slug/exams/:key…).
import type { AppContext } from "~/load-context.ts";
import { getExamForEditor } from "~/models/exams/grading.server.ts";
import { requireCourseEditor } from "./auth.server.ts";

type Args = { request: Request; context: AppContext; params: Record<string, string | undefined> };

/** An editor of the course and one of its exams; 403/404 otherwise. */
export async function requireExamEditor(args: Args) {
  const { user, course } = await requireCourseEditor(args, args.params.slug);
  const exam = await getExamForEditor(args.context.db, course.id, args.params.key ?? "");
  if (!exam) throw new Response("考试不存在", { status: 404 });
  return { user, course, exam };
}
