// The writes every trainee's page makes every few seconds: a lesson's heartbeat, "继续学习" (presence) and
// an exam answer's autosave (or a leave-page event). Each is guard → zod parse → model call → JSON, like a
// route; server.ts serves them before Remix and their Remix routes call the same functions
// (app/utils/endpoint.server.ts says why and how).
import { z } from "zod";
import { requireUser } from "~/guards/auth.server.ts";
import { recordLeave, saveAnswer } from "~/models/exams/autosave.server.ts";
import { confirmPresence, recordBeat } from "~/models/progress.server.ts";
import type { Endpoint, EndpointReply } from "~/utils/endpoint.server.ts";
import { idParam } from "~/utils/forms.server.ts";

const noStore = { "Cache-Control": "no-store" };

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

/** One heartbeat from a lesson page; the server decides what to credit. */
export const beat: Endpoint = async (args) => {
  const user = await requireUser(args);
  const lessonId = idParam.safeParse(args.params.lessonId);
  const body = BeatBody.safeParse(await args.json());
  if (!lessonId.success || !body.success) return { status: 400, body: { ok: false, reason: "bad_request", message: "进度数据格式不正确" } };
  const result = await recordBeat(args.context.db, { userId: user.id, stage: user.stage, lessonId: lessonId.data, beat: body.data });
  if (!result.ok && result.reason === "not_found") return { status: 404, body: { ok: false, reason: "not_found", message: "课程不存在或您无权学习" } };
  return { status: result.ok ? 200 : 409, body: result, headers: noStore };
};

/** "继续学习" answered. */
export const presence: Endpoint = async (args) => {
  const user = await requireUser(args);
  const lessonId = idParam.safeParse(args.params.lessonId);
  if (!lessonId.success) throw new Response("课程不存在", { status: 404 });
  await confirmPresence(args.context.db, { userId: user.id, lessonId: lessonId.data });
  return { status: 200, body: { ok: true } };
};

// Only the server's clock counts: nothing in the body says what time it is.
const SaveBody = z.object({
  questionId: z.number().int().positive(),
  seq: z.number().int().min(1).max(1_000_000_000),
  answer: z.unknown(),
});
const LeaveBody = z.object({ type: z.literal("leave") });

const json = (body: unknown, status = 200): EndpointReply => ({ status, body, headers: noStore });

/** Autosave of one answer ({ questionId, answer, seq }) or a leave-page event ({ type: "leave" }). */
export const answers: Endpoint = async (args) => {
  const user = await requireUser(args);
  const id = idParam.safeParse(args.params.id);
  const body = await args.json();
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
};

/** The endpoints server.ts serves before Remix, by the id of the Remix route that also serves them. */
export const HOT_WRITES: Record<string, Endpoint> = {
  "routes/api.lessons.$lessonId.beat": beat,
  "routes/api.lessons.$lessonId.presence": presence,
  "routes/exam-attempts.$id.answers": answers,
};
