import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { recordBeat } from "~/models/progress.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { idParam } from "~/utils/forms.server.ts";

const Interval = z.tuple([z.number().finite(), z.number().finite()]);
const BeatBody = z.object({
  tabId: z.string().min(8).max(64),
  segments: z.array(Interval).max(200),
  position: z.number().finite().min(0).max(86_400),
  visible: z.boolean(),
  duration: z.number().finite().positive().max(86_400).optional(),
  takeover: z.boolean().optional(),
  release: z.boolean().optional(),
});

export const loader = () => new Response("Method Not Allowed", { status: 405 });

/** One heartbeat from a lesson page; the server decides what to credit. */
export async function action(args: ActionFunctionArgs) {
  const user = await requireUser(args);
  const lessonId = idParam.safeParse(args.params.lessonId);
  const body = BeatBody.safeParse(await args.request.json().catch(() => null));
  if (!lessonId.success || !body.success) return Response.json({ ok: false, reason: "bad_request", message: "进度数据格式不正确" }, { status: 400 });
  const result = await recordBeat(args.context.db, { userId: user.id, stage: user.stage, lessonId: lessonId.data, beat: body.data });
  if (!result.ok && result.reason === "not_found") return Response.json({ ok: false, reason: "not_found", message: "课程不存在或您无权学习" }, { status: 404 });
  return Response.json(result, { status: result.ok ? 200 : 409, headers: { "Cache-Control": "no-store" } });
}
