// Autosave of a 思想汇报 draft: a JSON POST of { title, text, seq } from the editor's queue
// (components/useDraftAutosave.ts), answered with what the server now holds.
import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { saveReportDraft } from "~/models/branch-reports.server.ts";
import { BranchError } from "~/models/branch-scope.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { idParam } from "~/utils/forms.server.ts";

const DraftBody = z.object({
  title: z.string().max(200),
  text: z.string().max(100_000),
  seq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});

export const loader = () => new Response("Method Not Allowed", { status: 405 });

// A resource route answers with a real Response: Remix 2 drops data()'s status here.
const json = (body: unknown, status = 200) => Response.json(body, { status, headers: { "Cache-Control": "no-store" } });

export async function action(args: ActionFunctionArgs) {
  const me = await requireRole(args, "trainee");
  const id = idParam.safeParse(args.params.id);
  if (!id.success) return json({ ok: false, message: "思想汇报不存在" }, 404);
  const body = DraftBody.safeParse(await args.request.json().catch(() => null));
  if (!body.success) return json({ ok: false, message: "草稿数据格式不正确（正文最多 100,000 字）" }, 400);
  try {
    const r = await saveReportDraft(args.context.db, { reportId: id.data, userId: me.id, ...body.data, autosave: true });
    return json({ ok: true, savedAt: r.savedAt, seq: r.seq, applied: r.applied });
  } catch (e) {
    if (e instanceof BranchError) return json({ ok: false, message: e.message }, e.status);
    throw e;
  }
}
