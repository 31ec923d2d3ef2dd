import type { ActionFunctionArgs } from "@remix-run/node";
import { confirmPresence } from "~/models/progress.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { idParam } from "~/utils/forms.server.ts";

export const loader = () => new Response("Method Not Allowed", { status: 405 });

/** "继续学习" answered. */
export async function action(args: ActionFunctionArgs) {
  const user = await requireUser(args);
  const lessonId = idParam.safeParse(args.params.lessonId);
  if (!lessonId.success) throw new Response("课程不存在", { status: 404 });
  await confirmPresence(args.context.db, { userId: user.id, lessonId: lessonId.data });
  return Response.json({ ok: true });
}
