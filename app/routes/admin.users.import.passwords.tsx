// The new accounts' one-time passwords as a sheet to hand out. The server does not keep them: the
// result page posts them back here once, and this turns them into an .xlsx (every cell neutralized
// against formula injection). Audited as an export of personal data.
import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { audit } from "~/models/audit.server.ts";
import { requireRole } from "~/utils/auth.server.ts";
import { MAX_ROSTER_ROWS, passwordsWorkbook } from "~/utils/roster-import.server.ts";
import { xlsxResponse } from "~/utils/spreadsheet.server.ts";

const Rows = z
  .array(
    z.object({
      学号: z.string().min(1).max(32),
      姓名: z.string().min(1).max(40),
      一次性密码: z.string().regex(/^[A-Za-z0-9]{6,64}$/),
    }),
  )
  .min(1)
  .max(MAX_ROSTER_ROWS);

export async function action(args: ActionFunctionArgs) {
  const admin = await requireRole(args, "admin");
  const form = await args.request.formData();
  let rows;
  try {
    rows = Rows.parse(JSON.parse(String(form.get("rows") ?? "")));
  } catch {
    return new Response("密码表数据无效", { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  }
  await audit(args.context.db, {
    actorId: admin.id,
    ip: args.context.clientIp,
    action: "user.passwords_export",
    targetType: "user",
    detail: { rows: rows.length, usernames: rows.map((r) => r.学号) },
  });
  return xlsxResponse(passwordsWorkbook(rows), "一次性密码.xlsx");
}
