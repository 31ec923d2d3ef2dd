// Spreadsheet helpers shared by every CSV/XLSX export and import: formula-injection neutralizing,
// reading a cell as text, and a sheet writer with a frozen, bold header.
import ExcelJS from "exceljs";
import { unzipSync } from "fflate";
import Papa from "papaparse";
import type { Download } from "./http.server.ts";

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

/** A generated workbook as a download. */
export async function xlsxDownload(workbook: ExcelJS.Workbook, filename: string): Promise<Download> {
  const buffer = await workbook.xlsx.writeBuffer();
  return { filename, contentType: XLSX_TYPE, body: new Uint8Array(buffer as ArrayBuffer) };
}

// ---- CSV and uploaded-file helpers (roster import, audit export; the ledger exports use the same).

export const CSV_TYPE = "text/csv; charset=utf-8";
/** Excel opens a CSV as UTF-8 only when it starts with this byte-order mark. */
export const CSV_BOM = "\uFEFF";

/** CSV lines (CRLF, quoted where needed) for rows of cells; every cell goes through `safeCell`. */
export function csvLines(rows: unknown[][]): string {
  if (!rows.length) return "";
  const cells = rows.map((row) => row.map((v) => (v === null || v === undefined ? "" : safeCell(v instanceof Date ? v.toISOString() : v))));
  return `${Papa.unparse(cells, { newline: "\r\n", header: false })}\r\n`;
}

/**
 * Text of an uploaded CSV/TXT file: a byte-order mark decides (UTF-8, UTF-16), else strict UTF-8,
 * else GB18030 (a superset of GBK: what Excel on Chinese Windows saves as "CSV"). Null for binary
 * content (NUL bytes in a file without a UTF-16 BOM).
 */
export function decodeUploadedText(bytes: Uint8Array): { text: string; encoding: "UTF-8" | "UTF-16" | "GB18030" } | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    try {
      return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes), encoding: "UTF-8" };
    } catch {
      return null;
    }
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { text: new TextDecoder(bytes[0] === 0xff ? "utf-16le" : "utf-16be").decode(bytes), encoding: "UTF-16" };
  }
  if (bytes.includes(0)) return null;
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), encoding: "UTF-8" };
  } catch {
    try {
      return { text: new TextDecoder("gb18030", { fatal: true }).decode(bytes), encoding: "GB18030" };
    } catch {
      return null;
    }
  }
}

/** An .xlsx whose parts declare more than this uncompressed is refused before it is opened. */
const MAX_XLSX_UNZIPPED = 200 * 1024 * 1024;

/**
 * Opens an uploaded .xlsx after checking the zip's declared sizes (a zip bomb is refused before
 * ExcelJS inflates anything). Returns a Chinese message instead of throwing.
 */
export async function loadUploadedWorkbook(bytes: Uint8Array): Promise<{ workbook: ExcelJS.Workbook } | { error: string }> {
  const broken = { error: "无法读取 Excel 文件：文件已损坏或不是 .xlsx 格式" };
  try {
    let declared = 0;
    unzipSync(bytes, { filter: (f) => ((declared += f.originalSize), false) });
    if (declared > MAX_XLSX_UNZIPPED) return { error: "Excel 文件解压后过大，请拆分后再导入" };
  } catch {
    return broken;
  }
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
  } catch {
    return broken;
  }
  return { workbook };
}

// ---- Streamed downloads: rows come in batches (each its own short query), so a large export holds
// neither all rows in memory nor the database connection while the client reads.

export type StreamColumn = SheetColumn & { numFmt?: string };

/** A CSV file (UTF-8 with BOM, CRLF) as a stream, pulled batch by batch as the client reads. */
export function csvStream(columns: StreamColumn[], batches: AsyncIterable<unknown[][]>): ReadableStream<Uint8Array> {
  const rows = batches[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(CSV_BOM + csvLines([columns.map((c) => c.header)])));
    },
    async pull(controller) {
      const next = await rows.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(csvLines(next.value)));
    },
    async cancel() {
      await rows.return?.(undefined);
    },
  });
}
