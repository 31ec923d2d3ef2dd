import { data, type ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { recordLeave, saveAnswer } from "~/models/exams.server.ts";
import { requireUser } from "~/utils/auth.server.ts";
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

/** Autosave of one answer ({ questionId, answer, seq }) or a leave-page event ({ type: "leave" }). */
export async function action(args: ActionFunctionArgs) {
  const user = await requireUser(args);
  const id = idParam.safeParse(args.params.id);
  const body: unknown = await args.request.json().catch(() => null);
  if (!id.success) return data({ ok: false as const, reason: "not_found", message: "考试记录不存在" }, { status: 404 });
  const leave = LeaveBody.safeParse(body);
  if (leave.success) {
    const counted = await recordLeave(args.context.db, { attemptId: id.data, userId: user.id });
    return data({ ok: true as const, counted }, { headers: noStore });
  }
  const save = SaveBody.safeParse(body);
  if (!save.success) return data({ ok: false as const, reason: "bad_request", message: "答案数据格式不正确" }, { status: 400, headers: noStore });
  const r = await saveAnswer(args.context.db, { attemptId: id.data, userId: user.id, ...save.data, answer: save.data.answer });
  if (!r.ok) return data({ ok: false as const, reason: r.reason, message: r.message, now: r.now }, { status: r.status, headers: noStore });
  return data({ ok: true as const, savedAt: r.savedAt, seq: r.seq, applied: r.applied, now: r.now, serverTime: Date.now() }, { headers: noStore });
}
