// The new accounts' one-time passwords as a sheet to hand out. The server does not keep them: the
// result page posts them back here once, and this turns them into an .xlsx (every cell neutralized
// against formula injection), with each account's unit and the sign-in address. Audited as an export
// of personal data.
import type { ActionFunctionArgs } from "@remix-run/node";
import { z } from "zod";
import { audit } from "~/models/audit.server.ts";
import { publicOrigin } from "~/models/certificates.server.ts";
import { listOrgUnits, withLabels } from "~/models/org.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { readForm } from "~/utils/multipart.server.ts";
import { MAX_ROSTER_ROWS, passwordsWorkbook } from "~/utils/roster-import.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";
import { xlsxDownload } from "~/utils/spreadsheet.server.ts";

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
  const form = await readForm(args.request);
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
  // Units come from the roster, not from what the browser sent.
  const { db } = args.context;
  const units = withLabels(await listOrgUnits(db));
  const unitOf = new Map<string, string>();
  for (let i = 0; i < rows.length; i += 500) {
    const found = await db
      .selectFrom("users")
      .select(["username", "org_unit_id"])
      .where(
        "username",
        "in",
        rows.slice(i, i + 500).map((r) => r.学号),
      )
      .execute();
    for (const u of found) unitOf.set(u.username, units.find((x) => x.id === u.org_unit_id)?.fullName ?? "");
  }
  const sheet = passwordsWorkbook(
    rows.map((r) => ({ ...r, unit: unitOf.get(r.学号) ?? "" })),
    `${publicOrigin(args.request, args.context.config.origin)}/login`,
  );
  return downloadResponse(await xlsxDownload(sheet, "一次性密码.xlsx"));
}
