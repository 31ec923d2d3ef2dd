// The roster import template, with the current organization tree listed on its second sheet.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { listOrgUnits } from "~/models/org.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { rosterTemplate } from "~/utils/roster-import.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";
import { xlsxDownload } from "~/utils/spreadsheet.server.ts";

export async function loader(args: LoaderFunctionArgs) {
  await requireRole(args, "admin");
  return downloadResponse(await xlsxDownload(rosterTemplate(await listOrgUnits(args.context.db)), "用户导入模板.xlsx"));
}
