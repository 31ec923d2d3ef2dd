import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { recordLeave, saveAnswer } from "~/models/exams/autosave.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { idParam } from "~/utils/forms.server.ts";

// Only the server's clock counts: nothing in the body says what time it is.
const SaveBody = z.object({
  questionId: z.number().int().positive(),
  seq: z.number().int().min(1).max(1_000_000_000),
  answer: z.unknown(),
});
const LeaveBody = z.object({ type: z.literal("leave") });

export const loader = () => new Response("Method Not Allowed", { status: 405 });

const noStore = { "Cache-Control": "no-store" };
// A resource route answers with a real Response: Remix 2 drops data()'s status here.
const json = (body: unknown, status = 200) => Response.json(body, { status, headers: noStore });

/** Autosave of one answer ({ questionId, answer, seq }) or a leave-page event ({ type: "leave" }). */
export async function action(args: ActionFunctionArgs) {
  const user = await requireUser(args);
  const id = idParam.safeParse(args.params.id);
  const body: unknown = await args.request.json().catch(() => null);
  if (!id.success) return json({ ok: false, reason: "not_found", message: "考试记录不存在" }, 404);
  const leave = LeaveBody.safeParse(body);
  if (leave.success) {
    const counted = await recordLeave(args.context.db, { attemptId: id.data, userId: user.id });
    return json({ ok: true, counted });
  }
  const save = SaveBody.safeParse(body);
  if (!save.success) return json({ ok: false, reason: "bad_request", message: "答案数据格式不正确" }, 400);
  const r = await saveAnswer(args.context.db, { attemptId: id.data, userId: user.id, ...save.data, answer: save.data.answer });
  if (!r.ok) return json({ ok: false, reason: r.reason, message: r.message, now: r.now }, r.status);
  return json({ ok: true, savedAt: r.savedAt, seq: r.seq, applied: r.applied, now: r.now, serverTime: Date.now() });
}
