// POST /admin/classes/:id/members: one trainee's 台账 note, or removing a trainee from the class
// (organization department).
import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { ClassRouteView } from "~/components/ClassPage.tsx";
import { classAction } from "~/guards/class-access.server.ts";
import { removeMember, setMemberNote } from "~/models/classes.server.ts";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { idParam, parseForm } from "~/utils/forms.server.ts";

const Member = z.object({ userId: idParam });
const Note = Member.extend({ note: z.string().max(400).optional() });

export const action = (args: ActionFunctionArgs) =>
  classAction(args, "edit", async ({ cls, actor }) => {
    const form = await args.request.formData();
    const intent = form.get("intent");
    if (intent === "note") {
      const p = parseForm(form, Note);
      if (!p.ok) return failParsed(p);
      await setMemberNote(args.context.db, { classId: cls.id, userId: p.data.userId, note: p.data.note ?? "" }, actor);
      return { ok: true as const, message: "备注已保存" };
    }
    if (intent === "remove") {
      const p = parseForm(form, Member);
      if (!p.ok) return failParsed(p);
      await removeMember(args.context.db, { classId: cls.id, userId: p.data.userId }, actor);
      return { ok: true as const, message: "已移出" };
    }
    return fail("未知操作");
  });

export default ClassRouteView;
