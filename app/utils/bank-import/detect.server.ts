// Question-bank import: which reader an uploaded file goes to (by content, checked against its name).
import { IMPORT_MSG } from "../course-messages.server.ts";
import { isOle, sniff } from "../sniff.server.ts";
import { decodeUploadedText } from "../spreadsheet.server.ts";
import { parseAiken } from "./aiken.server.ts";
import { type ImportResult, MAX_IMPORT_BYTES } from "./common.server.ts";
import { parseGift, unescapedIndexes } from "./gift.server.ts";
import { parseMarkdownBank } from "./markdown.server.ts";
import { parseExcelBank } from "./xlsx.server.ts";

const TEXT_EXT = ["txt", "gift", "md", "markdown"];

/**
 * Reads a text bank in the format its structure shows: Markdown by its extension, front matter or `## 题型`
 * headings; otherwise Aiken (`ANSWER:` lines) and GIFT (`{…}` answers) are both tried when both could
 * apply, and the reading that finds more questions (then fewer errors) wins. So an Aiken file with a `{`
 * in a stem is read as Aiken, and a GIFT file that mentions "ANSWER:" as GIFT. Null: neither.
 */
function parseTextBank(text: string, ext: string, opts: { media?: string[] } = {}): ImportResult | null {
  const t = text.replace(/^\uFEFF/, "");
  if (ext === "md" || ext === "markdown" || /^---\s*$/.test(t.split("\n")[0]) || /^##\s+(单选|多选|判断|填空|简答)/m.test(t))
    return parseMarkdownBank(text, opts);
  const readings = [/^\s*ANSWER\s*[:：]/im.test(t) ? parseAiken(text) : null, unescapedIndexes(t, "{").length > 0 ? parseGift(text) : null].filter(
    (r): r is ImportResult => r !== null,
  );
  const score = (r: ImportResult) => r.questions.length * 1e6 - r.errors.length;
  return readings.sort((a, b) => score(b) - score(a))[0] ?? null;
}

/**
 * Reads an uploaded bank file of any supported kind. The type is decided by content (zip magic for
 * .xlsx, text otherwise) and checked against the extension.
 */
export async function parseBankFile(bytes: Uint8Array, fileName: string, opts: { media?: string[] } = {}): Promise<ImportResult> {
  const fail = (message: string): ImportResult => ({ format: null, questions: [], errors: [{ line: 0, message }], warnings: [] });
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase() ?? "";
  if (bytes.byteLength === 0) return fail(IMPORT_MSG.empty);
  if (bytes.byteLength > MAX_IMPORT_BYTES) return fail(IMPORT_MSG.tooLarge(MAX_IMPORT_BYTES / 1024 / 1024));
  if (isOle(bytes)) return fail(IMPORT_MSG.xls);
  const kind = sniff(bytes.subarray(0, 64));
  if (ext === "xlsx" || kind === "zip") {
    if (kind !== "zip") return fail(IMPORT_MSG.xlsxNotExcel);
    if (ext !== "xlsx") return fail(IMPORT_MSG.zipNotXlsx(ext));
    return parseExcelBank(bytes);
  }
  if (ext && !TEXT_EXT.includes(ext)) return fail(IMPORT_MSG.fileType(ext));
  const text = decodeUploadedText(bytes)?.text ?? null;
  if (text === null) return fail(IMPORT_MSG.notText);
  return parseTextBank(text, ext, opts) ?? fail(IMPORT_MSG.unknownFormat);
}
