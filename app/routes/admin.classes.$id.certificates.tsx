// POST /admin/classes/:id/certificates: the certificate layout of the class's kind, or revoking one
// of its certificates (organization department).
import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { ClassRouteView } from "~/components/ClassPage.tsx";
import { classAction } from "~/guards/class-access.server.ts";
import { revokeCertificate, saveCertificateTemplate } from "~/models/certificates.server.ts";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { idParam, parseForm, text } from "~/utils/forms.server.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";

const Template = z.object({
  layout: z.enum(["narrative", "labels"], { errorMap: () => ({ message: "请选择证书版式" }) }),
  showUsername: z.literal("on").optional(),
  showScore: z.literal("on").optional(),
});
const Revoke = z.object({ certificateId: idParam, reason: text("撤销理由", 200), reissuable: z.literal("on").optional() });

export const action = (args: ActionFunctionArgs) =>
  classAction(args, "edit", async ({ cls, actor }) => {
    const form = await args.request.formData();
    const intent = form.get("intent");
    if (intent === "template") {
      const p = parseForm(form, Template);
      if (!p.ok) return failParsed(p);
      await saveCertificateTemplate(
        args.context.db,
        cls.kind,
        { layout: p.data.layout, showUsername: !!p.data.showUsername, showScore: !!p.data.showScore },
        actor,
      );
      return { ok: true as const, message: `已保存${STAGE_LABEL[cls.kind]}培训班的证书版式（此后颁发的证书适用）` };
    }
    if (intent === "revoke") {
      const p = parseForm(form, Revoke);
      if (!p.ok) return failParsed(p);
      const { certificateId, reason, reissuable } = p.data;
      await revokeCertificate(args.context.db, { classId: cls.id, certificateId, reason, reissuable: !!reissuable, email: args.context.config.email }, actor);
      return { ok: true as const, message: "证书已撤销" };
    }
    return fail("未知操作");
  });

export default ClassRouteView;
