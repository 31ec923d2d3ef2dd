// Spreadsheet helpers shared by every CSV/XLSX export and import: formula-injection neutralizing
// (DESIGN.md §6), reading a cell as text, and a sheet writer with a frozen, bold header.
import type ExcelJS from "exceljs";

/** First characters that make Excel, LibreOffice or WPS treat a cell as a formula (or hide content). */
const DANGEROUS = /^'*[=+\-@\t\r]/;

/**
 * A value safe to put in a CSV or XLSX cell: text that starts with `=`, `+`, `-`, `@`, tab or CR gets a
 * leading apostrophe, so the spreadsheet shows it as text and never evaluates it. Text that already
 * starts with apostrophes before such a character gets one more, so `restoreCell` undoes exactly this
 * and an export read back by an import gives the original text. Numbers, dates and null pass as they are.
 */
export function safeCell<T>(value: T): T | string {
  return typeof value === "string" && DANGEROUS.test(value) ? `'${value}` : value;
}

/** The inverse of `safeCell` for text read from an uploaded sheet. */
export function restoreCell(text: string): string {
  return text.startsWith("'") && DANGEROUS.test(text) ? text.slice(1) : text;
}

/**
 * A cell's content as text: rich text joined, formulas by their cached result (never the formula),
 * hyperlinks by their text, dates as YYYY-MM-DD, errors as "". Surrounding whitespace is kept.
 */
export function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if ("richText" in value) return value.richText.map((r) => r.text).join("");
  if ("error" in value) return "";
  if ("formula" in value || "sharedFormula" in value) {
    const result = (value as { result?: ExcelJS.CellValue }).result;
    return result === undefined || (typeof result === "object" && result !== null && "error" in result) ? "" : cellText(result);
  }
  if ("hyperlink" in value) return cellText((value as { text: ExcelJS.CellValue }).text);
  return "";
}

export type SheetColumn = { header: string; width: number };

/**
 * Writes a header row (bold, frozen, with a filter) and the rows to a worksheet; every string goes
 * through `safeCell`. Long text wraps.
 */
export function writeSheet(ws: ExcelJS.Worksheet, columns: SheetColumn[], rows: unknown[][]): void {
  ws.columns = columns.map((c) => ({ header: c.header, width: c.width }));
  ws.views = [{ state: "frozen", ySplit: 1 }];
  const header = ws.getRow(1);
  header.font = { bold: true };
  header.alignment = { vertical: "middle" };
  for (const row of rows) {
    ws.addRow(row.map((v) => safeCell(v ?? null)));
  }
  for (let r = 2; r <= ws.rowCount; r++) ws.getRow(r).alignment = { vertical: "top", wrapText: true };
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
}

export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** Headers of a generated download: attachment with a UTF-8 name, never cached by shared caches, not sniffed. */
export function attachmentHeaders(contentType: string, downloadName: string): HeadersInit {
  return {
    "Content-Type": contentType,
    "Content-Disposition": `attachment; filename*=UTF-8''${encodeURIComponent(downloadName)}`,
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
  };
}

/** An .xlsx download. */
export async function xlsxResponse(workbook: ExcelJS.Workbook, downloadName: string): Promise<Response> {
  const buffer = await workbook.xlsx.writeBuffer();
  return new Response(new Uint8Array(buffer as ArrayBuffer), { headers: attachmentHeaders(XLSX_TYPE, downloadName) });
}
