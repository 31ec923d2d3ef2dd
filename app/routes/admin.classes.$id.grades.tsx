// POST /admin/classes/:id/grades: a trainee's 平时 score or cheating mark (admins and the class's
// instructors).
import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { ClassRouteView } from "~/components/ClassPage.tsx";
import { classAction } from "~/guards/class-access.server.ts";
import { setCheating, setUsualScore } from "~/models/classes.server.ts";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { idParam, parseForm } from "~/utils/forms.server.ts";

const Usual = z.object({ userId: idParam, score: z.string().trim().max(10).optional() });
const Cheating = z.object({ userId: idParam, cheating: z.enum(["on", "off"]), note: z.string().trim().max(200).optional() });

export const action = (args: ActionFunctionArgs) =>
  classAction(args, "grade", async ({ cls, actor }) => {
    const form = await args.request.formData();
    const intent = form.get("intent");
    if (intent === "usual") {
      const p = parseForm(form, Usual);
      if (!p.ok) return failParsed(p);
      const score = p.data.score ? Number(p.data.score) : null;
      if (score !== null && Number.isNaN(score)) return fail("平时成绩必须是数字", { score: "平时成绩必须是数字" });
      await setUsualScore(args.context.db, { classId: cls.id, userId: p.data.userId, score }, actor);
      return { ok: true as const, message: "平时成绩已保存" };
    }
    if (intent === "cheating") {
      const p = parseForm(form, Cheating);
      if (!p.ok) return failParsed(p);
      await setCheating(args.context.db, { classId: cls.id, userId: p.data.userId, cheating: p.data.cheating === "on", note: p.data.note || null }, actor);
      return { ok: true as const, message: p.data.cheating === "on" ? "已记录违纪" : "已清除违纪记录" };
    }
    return fail("未知操作");
  });

export default ClassRouteView;
