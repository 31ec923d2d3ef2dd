// POST /admin/classes/:id/enroll: trainees join the class (organization department) — picked from a
// search, a whole unit, a 学号 list uploaded or pasted (problem rows are listed and confirmed first),
// or the previous term's trainees who did not complete.
import { MaxPartSizeExceededError, unstable_createMemoryUploadHandler, type ActionFunctionArgs, type UploadHandler } from "@remix-run/node";
import { z } from "zod";
import { ClassRouteView } from "~/components/ClassPage.tsx";
import { classAction } from "~/guards/class-access.server.ts";
import { carryOver, enrollByUnit, enrollUsernames, MAX_LIST_BYTES, readUsernameList } from "~/models/classes.server.ts";
import { fail } from "~/utils/form-result.server.ts";
import { idParam, parseForm } from "~/utils/forms.server.ts";
import { parseMultipartForm } from "~/utils/multipart.server.ts";

const Confirm = z.object({
  usernames: z
    .array(z.string().trim().min(1).max(40))
    .max(5000)
    .or(
      z
        .string()
        .trim()
        .min(1)
        .max(40)
        .transform((v) => [v]),
    ),
});
const Unit = z.object({ unitId: idParam });

/** The fields of the enrollment forms, each part at most 2 MB (a list file is held in memory); any other part is skipped unread. */
const ENROLL_FIELDS = new Set(["intent", "file", "usernames", "unitId"]);
const memory = unstable_createMemoryUploadHandler({ maxPartSize: MAX_LIST_BYTES });
const enrollParts: UploadHandler = async (part) => (ENROLL_FIELDS.has(part.name) ? memory(part) : undefined);

async function readForm(request: Request) {
  try {
    return await parseMultipartForm(request, enrollParts);
  } catch (e) {
    if (e instanceof MaxPartSizeExceededError) return fail("文件超过大小限制（最大 2 MB）", { file: "文件超过大小限制（最大 2 MB）" }, 413);
    throw e;
  }
}

export const action = (args: ActionFunctionArgs) =>
  classAction(args, "edit", async ({ cls, actor }) => {
    const { db } = args.context;
    const form = await readForm(args.request);
    if (!(form instanceof FormData)) return form;
    const intent = String(form.get("intent") ?? "");
    switch (intent) {
      case "enroll-pick":
      case "enroll-confirm": {
        const parsed = parseForm(form, Confirm);
        if (!parsed.ok) return fail("请至少选择一名学员", { usernames: "请至少选择一名学员" });
        const entries = parsed.data.usernames.map((username) => ({ username }));
        const r = await enrollUsernames(db, { classId: cls.id, entries, source: intent === "enroll-pick" ? "pick" : "upload", skipProblems: true }, actor);
        return { ok: true as const, message: `已加入 ${r.added} 人${r.plan.problems.length ? `，跳过 ${r.plan.problems.length} 人` : ""}` };
      }
      case "enroll-upload":
      case "enroll-paste": {
        // A file, or 学号 pasted from a spreadsheet column (one a line, or separated by spaces or commas).
        const file = form.get("file");
        const pasted = String(form.get("usernames") ?? "");
        if (intent === "enroll-paste" && pasted.length > MAX_LIST_BYTES) return fail("名单太长，请改用上传文件", { usernames: "名单太长，请改用上传文件" });
        const list =
          intent === "enroll-paste"
            ? await readUsernameList(new TextEncoder().encode(pasted.replace(/[\s,，;；、]+/g, "\n")), "名单.txt")
            : file instanceof File && file.size > 0
              ? await readUsernameList(new Uint8Array(await file.arrayBuffer()), file.name)
              : { ok: false as const, message: "请选择学号名单文件" };
        if (!list.ok) return intent === "enroll-paste" ? fail("没有粘贴学号", { usernames: "没有粘贴学号" }) : fail(list.message, { file: list.message });
        const r = await enrollUsernames(db, { classId: cls.id, entries: list.entries, source: "upload", skipProblems: false }, actor);
        if (!r.applied) return { ok: true as const, plan: r.plan };
        return { ok: true as const, message: `已加入 ${r.added} 人${r.plan.already.length ? `（${r.plan.already.length} 人已在班中）` : ""}` };
      }
      case "enroll-unit": {
        const unit = parseForm(form, Unit);
        if (!unit.ok) return fail("请选择组织", { unitId: "请选择组织" });
        const r = await enrollByUnit(db, { classId: cls.id, unitId: unit.data.unitId }, actor);
        return { ok: true as const, message: `该组织下符合条件的学员 ${r.matched} 人，新加入 ${r.added} 人` };
      }
      case "carryover": {
        const r = await carryOver(db, cls.id, actor);
        return { ok: true as const, message: `已转入上一期未结业学员 ${r.added} 人${r.skipped ? `；${r.skipped} 人发展阶段已不符或账号停用，未转入` : ""}` };
      }
      default:
        return fail("未知操作");
    }
  });

export default ClassRouteView;
