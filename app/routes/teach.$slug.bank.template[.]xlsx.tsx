// GET /teach/:slug/bank/template.xlsx — the empty Excel import template with one example row per type.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { requireCourseEditor } from "~/guards/auth.server.ts";
import { templateWorkbook } from "~/utils/bank-import/xlsx.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";
import { xlsxDownload } from "~/utils/spreadsheet.server.ts";

export async function loader(args: LoaderFunctionArgs) {
  await requireCourseEditor(args, args.params.slug);
  return downloadResponse(await xlsxDownload(templateWorkbook(), "题库导入模板.xlsx"));
}
