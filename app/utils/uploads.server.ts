/**
 * Attachments of submissions: multipart parsing that streams each file into the content-addressed
 * store with the size limit enforced while streaming, the type decided by content (never by the
 * name or the browser's claim), DOCX recognised by the central directory of its zip (read from the
 * bytes kept at the tail of the stream, nothing inflated), and file names made safe for display.
 *
 * Every check runs inside the stream that storage.put consumes, so a refused file throws before put
 * renames anything into the store: its temporary file is removed and nothing is left on disk.
 */
import { MaxPartSizeExceededError, unstable_composeUploadHandlers, unstable_createMemoryUploadHandler, type UploadHandler } from "@remix-run/node";
import type { AttachmentType } from "../../db/types.ts";
import { isOle, sniff } from "~/utils/sniff.server.ts";
import { parseMultipartForm } from "~/utils/multipart.server.ts";
import { isUploadTooLarge, type Storage, type StoredFile } from "~/utils/storage.server.ts";

/** A file the user should be told about, in Chinese; nothing was stored. 413 for a size limit. */
export class UploadRefused extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const TYPE_LABEL: Record<AttachmentType, string> = { pdf: "PDF", doc: "Word 97-2003 (.doc)", docx: "Word (.docx)", jpg: "JPG 图片", png: "PNG 图片" };
const EXTENSIONS: Record<AttachmentType, string[]> = { pdf: ["pdf"], doc: ["doc"], docx: ["docx"], jpg: ["jpg", "jpeg"], png: ["png"] };

/** The course format's list (`[pdf, docx, jpg, jpeg, png, doc]`) as attachment types. */
export function allowedTypes(list: readonly string[]): Set<AttachmentType> {
  const out = new Set<AttachmentType>();
  for (const raw of list) {
    const ext = raw.toLowerCase().replace(/^\./, "");
    for (const [type, exts] of Object.entries(EXTENSIONS) as [AttachmentType, string[]][]) if (exts.includes(ext)) out.add(type);
  }
  return out;
}

// ------------------------------------------------------------------------------------ file names

const MAX_NAME = 80;
// Control, format (RTL/LTR overrides, zero-width, BOM), separators, surrogates and private use.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\p{Cn}]/gu;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

function clean(raw: string): string {
  const name = raw.normalize("NFC").replace(INVISIBLE, "").split(/[/\\]/).pop() ?? "";
  return name
    .replace(/[<>:"|?*]/g, "_")
    .replace(/\s+/g, " ")
    .replace(/^[\s.]+|[\s.]+$/g, "");
}

function finish(base: string, fallback: string): string {
  base = Array.from(base)
    .slice(0, MAX_NAME)
    .join("")
    .replace(/[\s.]+$/g, "");
  if (!base) return fallback;
  return WINDOWS_RESERVED.test(base) ? `_${base}` : base;
}

/**
 * A file name for display and downloads: no directories, no "..", no control or bidi characters, no
 * characters Windows refuses, at most 80 characters before the extension, and an extension that
 * says what the content is (`报告.exe` holding a PDF becomes `报告.exe.pdf`).
 */
export function sanitizeFileName(raw: string, type?: AttachmentType): string {
  const name = clean(raw);
  const dot = name.lastIndexOf(".");
  let base = dot > 0 ? name.slice(0, dot) : name;
  let ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  if (type && !EXTENSIONS[type].includes(ext)) {
    if (ext) base = `${base}.${ext}`;
    ext = EXTENSIONS[type][0]!;
  }
  base = finish(base, "附件");
  return ext ? `${base}.${Array.from(ext).slice(0, 10).join("")}` : base;
}

/** One path segment of a zip entry built from user data (a name, a branch), never "..", "/" or empty. */
export function safeSegment(raw: string, fallback = "未命名"): string {
  return finish(clean(raw), fallback);
}

// ------------------------------------------------------------------------------------ DOCX

const ZIP_LIMITS = {
  /** Sum of the declared uncompressed sizes. */
  maxUncompressed: 50 * 1024 * 1024,
  /** Uncompressed ÷ compressed, for the whole archive and for any entry above 1 MB. */
  maxRatio: 100,
  maxEntries: 5000,
  /** Bytes kept from the end of the stream: the central directory and the end record must fit. */
  tailBytes: 512 * 1024,
};

const u16 = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u32 = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

/**
 * Decides from the end of a zip (`tail` = its last bytes, `size` = the whole length) whether it is a
 * Word document: the central directory must list `[Content_Types].xml` and `word/document.xml`, and
 * the declared sizes must not make it a zip bomb. Returns a reason to refuse, or null.
 */
export function docxProblem(tail: Uint8Array, size: number): string | null {
  const tailStart = size - tail.length;
  let eocd = -1;
  for (let i = tail.length - 22; i >= Math.max(0, tail.length - 22 - 0xffff); i--) {
    if (u32(tail, i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return "不是有效的 Word 文档（压缩包结构损坏）";
  const entries = u16(tail, eocd + 10);
  const cdSize = u32(tail, eocd + 12);
  const cdOffset = u32(tail, eocd + 16);
  if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) return "不是有效的 Word 文档（不支持 ZIP64）";
  if (entries > ZIP_LIMITS.maxEntries) return "Word 文档内部文件过多，已拒绝";
  if (cdOffset + cdSize > tailStart + eocd) return "不是有效的 Word 文档（目录越界）";
  let at = cdOffset - tailStart;
  if (at < 0) return "Word 文档结构异常（目录过大），已拒绝";
  let compressed = 0;
  let uncompressed = 0;
  const names = new Set<string>();
  for (let n = 0; n < entries; n++) {
    if (at + 46 > eocd || u32(tail, at) !== 0x02014b50) return "不是有效的 Word 文档（目录损坏）";
    const csize = u32(tail, at + 20);
    const usize = u32(tail, at + 24);
    const nameLen = u16(tail, at + 28);
    const extraLen = u16(tail, at + 30);
    const commentLen = u16(tail, at + 32);
    if (csize === 0xffffffff || usize === 0xffffffff) return "不是有效的 Word 文档（不支持 ZIP64）";
    const name = new TextDecoder().decode(tail.subarray(at + 46, at + 46 + nameLen));
    if (name.startsWith("/") || name.includes("\\") || name.split("/").includes("..")) return "Word 文档内含非法路径，已拒绝";
    names.add(name);
    compressed += csize;
    uncompressed += usize;
    if (usize > 1024 * 1024 && usize > ZIP_LIMITS.maxRatio * Math.max(csize, 1)) return "疑似压缩炸弹（压缩比异常），已拒绝";
    at += 46 + nameLen + extraLen + commentLen;
  }
  if (uncompressed > ZIP_LIMITS.maxUncompressed) return "疑似压缩炸弹（解压后超过 50 MB），已拒绝";
  if (uncompressed > ZIP_LIMITS.maxRatio * Math.max(compressed, 1) && uncompressed > 1024 * 1024) return "疑似压缩炸弹（压缩比异常），已拒绝";
  if (!names.has("[Content_Types].xml") || !names.has("word/document.xml")) return "该压缩文件不是 Word（.docx）文档";
  return null;
}

// ------------------------------------------------------------------------------------ the stream

/** What the first bytes say; docx still needs its central directory checked. */
function typeFromHead(head: Uint8Array): AttachmentType | "zip" | null {
  if (isOle(head)) return "doc";
  const t = sniff(head);
  if (t === "pdf" || t === "png" || t === "jpg") return t;
  if (t === "zip") return "zip";
  return null;
}

const allowedList = (allowed: Set<AttachmentType>) => [...allowed].map((t) => TYPE_LABEL[t]).join("、");

/**
 * Passes `data` through unchanged while checking it: the type as soon as 8 bytes are in (so a
 * disguised HTML page stops at its first chunk), emptiness and the DOCX directory at the end. The
 * verdict is written into `result.type` only when everything passed.
 */
async function* inspectUpload(
  data: AsyncIterable<Uint8Array>,
  opts: { allowed: Set<AttachmentType>; name: string },
  result: { type?: AttachmentType },
): AsyncGenerator<Uint8Array> {
  const refuse = (why: string) => new UploadRefused(`“${opts.name}”${why}`);
  const notAllowed = () => refuse(`的类型不在允许范围内（按文件内容判断；允许：${allowedList(opts.allowed)}）`);
  let head = new Uint8Array(0);
  let kind: ReturnType<typeof typeFromHead> | undefined;
  let size = 0;
  const tail: Uint8Array[] = [];
  let tailSize = 0;
  for await (const chunk of data) {
    if (chunk.byteLength === 0) continue;
    size += chunk.byteLength;
    if (head.length < 8) {
      const more = chunk.subarray(0, 8 - head.length);
      const joined = new Uint8Array(head.length + more.length);
      joined.set(head);
      joined.set(more, head.length);
      head = joined;
      if (head.length >= 8) {
        kind = typeFromHead(head);
        const ok = kind === "zip" ? opts.allowed.has("docx") : kind !== null && opts.allowed.has(kind);
        if (!ok) throw notAllowed();
      }
    }
    if (kind === "zip") {
      tail.push(chunk);
      tailSize += chunk.byteLength;
      while (tail.length > 1 && tailSize - tail[0]!.byteLength >= ZIP_LIMITS.tailBytes) tailSize -= tail.shift()!.byteLength;
    }
    yield chunk;
  }
  if (size === 0) throw refuse("是空文件");
  if (head.length < 8) throw notAllowed();
  if (kind === "zip") {
    const bytes = new Uint8Array(tailSize);
    let at = 0;
    for (const c of tail) {
      bytes.set(c, at);
      at += c.byteLength;
    }
    const problem = docxProblem(bytes, size);
    if (problem) throw refuse(`：${problem}`);
    result.type = "docx";
  } else {
    result.type = kind as AttachmentType;
  }
}

const formatMb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

export type AcceptedFile = { sha256: string; size: number; type: AttachmentType; name: string };

const isMultipart = (request: Request) => (request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data");

/**
 * parseMultipartFormData with our handler: file parts go through `inspectUpload` into
 * `storage.put(…, maxBytes)`; text parts are read up to `maxTextBytes`. Accepted files are returned
 * apart from the form, so a text field can never pose as a stored file. Any other body is parsed as an
 * ordinary form (no files), like `parseFormWithOneFile`.
 */
export async function parseUploadForm(
  request: Request,
  opts: { storage: Storage; allowed: Set<AttachmentType>; maxBytes: number; maxFiles: number; maxTextBytes?: number },
): Promise<{ form: FormData; files: AcceptedFile[] }> {
  if (!isMultipart(request)) return { form: await request.formData(), files: [] };
  const files: AcceptedFile[] = [];
  const maxText = opts.maxTextBytes ?? 1024 * 1024;
  const handler: UploadHandler = async (part) => {
    if (typeof part.filename !== "string") {
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const c of part.data) {
        size += c.byteLength;
        if (size > maxText) throw new UploadRefused("提交的文字过长", 413);
        chunks.push(c);
      }
      return new TextDecoder().decode(Buffer.concat(chunks));
    }
    if (part.filename === "") {
      for await (const _ of part.data) {
        // an empty file input: browsers send a part without a name and without bytes
      }
      return undefined;
    }
    if (opts.allowed.size === 0) throw new UploadRefused("本作业不接受附件");
    if (files.length >= opts.maxFiles) throw new UploadRefused(`附件最多 ${opts.maxFiles} 个`);
    const result: { type?: AttachmentType } = {};
    const shown = sanitizeFileName(part.filename);
    let stored;
    try {
      stored = await opts.storage.put(inspectUpload(part.data, { allowed: opts.allowed, name: shown }, result), opts.maxBytes);
    } catch (e) {
      if (isUploadTooLarge(e)) throw new UploadRefused(`“${shown}”超过大小限制（最大 ${formatMb(opts.maxBytes)} MB），已停止接收`, 413);
      throw e;
    }
    files.push({ sha256: stored.sha256, size: stored.size, type: result.type!, name: sanitizeFileName(part.filename, result.type) });
    return undefined;
  };
  const form = await parseMultipartForm(request, handler);
  return { form, files };
}

// ------------------------------------------------------------------------------------ one file + fields

type OneFileForm = { ok: true; form: FormData; file: (StoredFile & { name: string }) | null } | { ok: false; message: string; status: number };

/**
 * A form with one file field (imports: rosters, question banks) and small text fields. A multipart
 * body streams the file into the store with `maxBytes` enforced while streaming; other fields may be
 * at most 16 KB each. Any other body is parsed as an ordinary form (`file` is null). The file's name
 * is kept without directories, for its extension and for display.
 */
export async function parseFormWithOneFile(request: Request, opts: { storage: Storage; field: string; maxBytes: number }): Promise<OneFileForm> {
  if (!isMultipart(request)) return { ok: true, form: await request.formData(), file: null };
  let file: (StoredFile & { name: string }) | null = null;
  const fileHandler: UploadHandler = async ({ name, filename, data }) => {
    if (name !== opts.field) return undefined;
    if (!filename) {
      for await (const _ of data) {
        /* no file chosen: drain the empty part */
      }
      return "";
    }
    const stored = await opts.storage.put(data, opts.maxBytes);
    file = { ...stored, name: filename.split(/[/\\]/).pop()!.slice(0, 200) };
    return stored.sha256;
  };
  try {
    const form = await parseMultipartForm(request, unstable_composeUploadHandlers(fileHandler, unstable_createMemoryUploadHandler({ maxPartSize: 16 * 1024 })));
    return { ok: true, form, file };
  } catch (e) {
    if (isUploadTooLarge(e)) return { ok: false, message: e.message, status: 413 };
    if (e instanceof MaxPartSizeExceededError) return { ok: false, message: "表单内容过长", status: 413 };
    throw e;
  }
}
