// A streamed .xlsx writer for large exports (the training ledger: 100,000 rows and more). ExcelJS's
// streaming writer keeps every row's objects until the sheet is committed (≈ 491 MB for 500k rows),
// so this writes the minimal SpreadsheetML package itself into a zip that is deflated as rows arrive:
// one worksheet with inline strings (no shared-string table to hold in memory), numbers as numbers,
// dates as serial numbers with a date format, a bold frozen header with a filter, and column widths.
// Memory holds one batch of rows and the compressor's window, whatever the number of rows.
import { Zip, ZipDeflate } from "fflate";
import { safeCell, type StreamColumn } from "./spreadsheet.server.ts";

const MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships";
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';

/** Excel's limits: text per cell, rows per sheet (header included). */
const XLSX_MAX_CELL_CHARS = 32_767;
const XLSX_MAX_SHEET_ROWS = 1_048_576;

/** Rows serialized and deflated between two turns of the event loop. */
const SLICE_ROWS = 200;
const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

/** A, B, … Z, AA, AB … for a 0-based column index. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let s = "";
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

// Characters XML 1.0 does not allow at all (a spreadsheet cell cannot hold them either).
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// A literal CR would be read back as LF (XML end-of-line handling), so it is written as a reference.
const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;" };

export function escapeXml(text: string): string {
  return text.replace(INVALID_XML, "").replace(/[&<>"\r]/g, (c) => ESCAPES[c]!);
}

/** Days since 1899-12-30 (Excel's serial date) of a Date whose UTC fields are the wall-clock time to show. */
export function excelSerial(d: Date): number {
  return d.getTime() / 86_400_000 + 25_569;
}

const DEFAULT_DATE_FORMAT = "yyyy-mm-dd";
const isDateFormat = (fmt: string) => /[ymdhs]/i.test(fmt.replace(/"[^"]*"/g, "")) && !/^[0#.,%\s]+$/.test(fmt);

/** Style indexes: 0 plain, 1 bold header, 2 default date, then one per distinct column number format. */
function stylesFor(columns: StreamColumn[]) {
  const formats = [DEFAULT_DATE_FORMAT, ...new Set(columns.map((c) => c.numFmt).filter((f): f is string => !!f && f !== DEFAULT_DATE_FORMAT))];
  const formatId = (i: number) => 164 + i;
  const styleOf = (fmt: string) => 2 + formats.indexOf(fmt);
  const xml =
    XML_HEAD +
    `<styleSheet xmlns="${MAIN_NS}">` +
    `<numFmts count="${formats.length}">${formats.map((f, i) => `<numFmt numFmtId="${formatId(i)}" formatCode="${escapeXml(f)}"/>`).join("")}</numFmts>` +
    '<fonts count="2"><font><sz val="11"/><name val="等线"/><family val="2"/></font><font><b/><sz val="11"/><name val="等线"/><family val="2"/></font></fonts>' +
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
    `<cellXfs count="${2 + formats.length}">` +
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1"><alignment vertical="center"/></xf>' +
    formats.map((_, i) => `<xf numFmtId="${formatId(i)}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`).join("") +
    "</cellXfs>" +
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
    "</styleSheet>";
  // Per column: the style of a number and of a date in that column.
  const numberStyle = columns.map((c) => (c.numFmt ? styleOf(c.numFmt) : 0));
  const dateStyle = columns.map((c) => (c.numFmt && isDateFormat(c.numFmt) ? styleOf(c.numFmt) : styleOf(DEFAULT_DATE_FORMAT)));
  return { xml, numberStyle, dateStyle };
}

/** One cell's XML; empty string for an empty cell. Strings pass through `safeCell` (formula injection). */
function cellXml(ref: string, value: unknown, numberStyle: number, dateStyle: number, header = false): string {
  if (value === null || value === undefined || value === "") return "";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return "";
    return `<c r="${ref}"${numberStyle ? ` s="${numberStyle}"` : ""}><v>${value}</v></c>`;
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return "";
    return `<c r="${ref}" s="${dateStyle}"><v>${excelSerial(value)}</v></c>`;
  }
  if (typeof value === "boolean") return `<c r="${ref}" t="b"><v>${value ? 1 : 0}</v></c>`;
  let text = String(safeCell(String(value)));
  if (text.length > XLSX_MAX_CELL_CHARS) text = text.slice(0, XLSX_MAX_CELL_CHARS);
  const space = /^\s|\s$/.test(text) ? ' xml:space="preserve"' : "";
  return `<c r="${ref}" t="inlineStr"${header ? ' s="1"' : ""}><is><t${space}>${escapeXml(text)}</t></is></c>`;
}

const STATIC_PARTS = (sheetName: string) => ({
  "[Content_Types].xml":
    XML_HEAD +
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' +
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>' +
    "</Types>",
  "_rels/.rels":
    XML_HEAD +
    `<Relationships xmlns="${PKG_REL_NS}">` +
    `<Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/>` +
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>' +
    "</Relationships>",
  "docProps/core.xml":
    XML_HEAD +
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<dc:title>${escapeXml(sheetName)}</dc:title><dc:creator>网上党校</dc:creator>` +
    `<dcterms:created xsi:type="dcterms:W3CDTF">${new Date().toISOString().replace(/\.\d+Z$/, "Z")}</dcterms:created>` +
    "</cp:coreProperties>",
  "xl/_rels/workbook.xml.rels":
    XML_HEAD +
    `<Relationships xmlns="${PKG_REL_NS}">` +
    `<Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>` +
    `<Relationship Id="rId2" Type="${REL_NS}/styles" Target="styles.xml"/>` +
    "</Relationships>",
});

/** A sheet name Excel accepts: no []:*?/\ , at most 31 characters, not empty. */
export function sheetNameOf(name: string): string {
  return (
    name
      .replace(/[[\]:*?/\\]/g, " ")
      .trim()
      .slice(0, 31) || "Sheet1"
  );
}

/**
 * The .xlsx bytes of one sheet, produced as the reader pulls: each pull takes the next batch of rows,
 * turns it into worksheet XML and deflates it. Rows past Excel's limit are dropped (callers check the
 * count first). `onEnd` gets the number of data rows written.
 */
export function xlsxStream(
  sheetName: string,
  columns: StreamColumn[],
  batches: AsyncIterable<unknown[][]>,
  opts: { level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 } = {},
): ReadableStream<Uint8Array> {
  const name = sheetNameOf(sheetName);
  const letters = columns.map((_, i) => columnLetter(i));
  const last = letters[letters.length - 1] ?? "A";
  const styles = stylesFor(columns);
  const encoder = new TextEncoder();
  const pending: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure = err;
    else pending.push(chunk);
  });
  const addWhole = (path: string, text: string) => {
    const entry = new ZipDeflate(path, { level: opts.level ?? 6 });
    zip.add(entry);
    entry.push(encoder.encode(text), true);
  };
  for (const [path, text] of Object.entries(STATIC_PARTS(name))) addWhole(path, text);
  addWhole("xl/styles.xml", styles.xml);

  const sheet = new ZipDeflate("xl/worksheets/sheet1.xml", { level: opts.level ?? 6 });
  zip.add(sheet);
  const cols = columns.map((c, i) => `<col min="${i + 1}" max="${i + 1}" width="${c.width}" customWidth="1"/>`).join("");
  const headerCells = columns.map((c, i) => cellXml(`${letters[i]}1`, c.header, 0, 0, true)).join("");
  sheet.push(
    encoder.encode(
      XML_HEAD +
        `<worksheet xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">` +
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>' +
        '<sheetFormatPr defaultRowHeight="15"/>' +
        `<cols>${cols}</cols><sheetData><row r="1">${headerCells}</row>`,
    ),
  );

  const iterator = batches[Symbol.asyncIterator]();
  let rowNumber = 1;
  let finished = false;
  const drain = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (failure) throw failure;
    for (const chunk of pending.splice(0)) controller.enqueue(chunk);
  };
  const finish = () => {
    const ref = `A1:${last}${rowNumber}`;
    sheet.push(
      encoder.encode(
        `</sheetData><autoFilter ref="${ref}"/><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>`,
      ),
      true,
    );
    addWhole(
      "xl/workbook.xml",
      XML_HEAD +
        `<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}"><bookViews><workbookView/></bookViews>` +
        `<sheets><sheet name="${escapeXml(name)}" sheetId="1" r:id="rId1"/></sheets>` +
        `<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'${escapeXml(name.replace(/'/g, "''"))}'!$A$1:$${last}$${rowNumber}</definedName></definedNames>` +
        "</workbook>",
    );
    zip.end();
  };

  return new ReadableStream<Uint8Array>({
    // A pull must enqueue something (or close): the stream does not pull again on its own while
    // a read waits, and the compressor may hold a small batch back.
    async pull(controller) {
      while (!finished && !pending.length) {
        const next = await iterator.next();
        if (next.done) {
          finished = true;
          finish();
          break;
        }
        // Serializing and deflating are synchronous: a large batch is done in slices with a turn of
        // the event loop between them, so other requests wait for one slice at most.
        for (let start = 0; start < next.value.length; start += SLICE_ROWS) {
          if (start > 0) await yieldToLoop();
          let xml = "";
          for (const row of next.value.slice(start, start + SLICE_ROWS)) {
            if (rowNumber >= XLSX_MAX_SHEET_ROWS) break;
            rowNumber++;
            let cells = "";
            for (let i = 0; i < columns.length; i++) cells += cellXml(`${letters[i]}${rowNumber}`, row[i], styles.numberStyle[i]!, styles.dateStyle[i]!);
            xml += `<row r="${rowNumber}">${cells}</row>`;
          }
          if (xml) sheet.push(encoder.encode(xml));
        }
      }
      drain(controller);
      if (finished) controller.close();
    },
    async cancel() {
      finished = true;
      zip.terminate();
      await iterator.return?.(undefined);
    },
  });
}
