// GET /teach/:slug/bank/:bankKey/export.xlsx — the bank's current questions in the Excel import template.
import type { LoaderFunctionArgs } from "@remix-run/node";
import { loadBank } from "~/models/banks.server.ts";
import { requireCourseEditor } from "~/guards/auth.server.ts";
import { bankWorkbook } from "~/utils/bank-import/xlsx.server.ts";
import { downloadResponse } from "~/utils/http.server.ts";
import { xlsxDownload } from "~/utils/spreadsheet.server.ts";

export async function loader(args: LoaderFunctionArgs) {
  const { course } = await requireCourseEditor(args, args.params.slug);
  const bank = await loadBank(args.context.db, args.context.config, course, args.params.bankKey ?? "");
  if (!bank) throw new Response("题库不存在", { status: 404 });
  return downloadResponse(await xlsxDownload(bankWorkbook(bank.questions), `${bank.title}.xlsx`));
}
