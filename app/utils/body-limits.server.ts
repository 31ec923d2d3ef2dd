/**
 * How large a request body may be, and how many fields it may hold, before anything reads it. One table
 * for every route, applied centrally by the HTTP server: a route not listed gets the small default, so a
 * new upload route is refused until it is given a row here (its per-file limits stay in its own module;
 * tests/unit/body-limits.test.ts checks that each ceiling here leaves room for them).
 *
 * The byte limit is checked against Content-Length before the first byte is read (a 300 MB sign-in is
 * answered at once and never buffered) and counted again while the body streams (chunked bodies). Fields
 * are counted in the same pass: `&` separators of a urlencoded body, part boundaries of a multipart one.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

const KB = 1024;
const MB = 1024 * KB;

/** `formBytes`: the size for any body that is not a multipart upload, when it is smaller than `bytes`
 * (parsing a large urlencoded or JSON body is one synchronous step that holds every other request). */
type BodyLimit = { bytes: number; fields: number; label: string; formBytes?: number };

/** Sign-in, sign-out, password: nothing there is longer than a few hundred bytes. */
export const SIGN_IN: BodyLimit = { bytes: 16 * KB, fields: 20, label: "16 KB" };
/** Every other form and JSON body: grading feedback (20,000 characters) is the longest text. */
const PLAIN_BYTES = 256 * KB;
export const PLAIN_FORM: BodyLimit = { bytes: PLAIN_BYTES, fields: 1000, label: "256 KB" };

/**
 * Routes that need more than a plain form, by path. A Chinese character costs 9 bytes in a urlencoded
 * body (3 UTF-8 bytes, each written as %XX), so a 1 MB text needs a 4 MB body.
 */
const ROUTES: [RegExp, BodyLimit][] = [
  [/^\/(?:login|logout|account\/password)\/?$/, SIGN_IN],
  // Course files in the browser editor and their preview: 1 MB of text.
  [/^\/teach\/[^/]+\/(?:edit\/.*|preview\/?)$/, { bytes: 4 * MB, fields: 20, label: "4 MB" }],
  // An assignment: up to 5 attachments of at most 100 MB each; its text (200,000 characters) is also
  // autosaved as a urlencoded form.
  [/^\/courses\/[^/]+\/assignments\/[^/]+\/?$/, { bytes: 502 * MB, fields: 50, label: "502 MB", formBytes: 2 * MB }],
  // A 思想汇报 with up to 5 attachments of 10 MB (its text, 100,000 characters, also as a urlencoded form),
  // its JSON autosave, and a 考察意见 with up to 5 attachments.
  [/^\/my\/reports\/\d+\/?$/, { bytes: 51 * MB, fields: 50, label: "51 MB", formBytes: 1 * MB }],
  [/^\/my\/reports\/\d+\/draft\/?$/, { bytes: 1 * MB, fields: 10, label: "1 MB" }],
  [/^\/reports\/\d+\/?$/, { bytes: 51 * MB, fields: 50, label: "51 MB", formBytes: PLAIN_BYTES }],
  // A question to a course's instructors with one image (5 MB); a notice with up to 5 attachments (20 MB each).
  [/^\/courses\/[^/]+\/questions\/?$/, { bytes: 6 * MB, fields: 10, label: "6 MB", formBytes: PLAIN_BYTES }],
  [/^\/notices\/(?:new|\d+\/edit)\/?$/, { bytes: 101 * MB, fields: 50, label: "101 MB", formBytes: PLAIN_BYTES }],
  // Course zip import (600 MB) and media uploads (a video of at most 500 MB, several files at once).
  [/^\/teach\/import\/?$/, { bytes: 601 * MB, fields: 20, label: "601 MB", formBytes: PLAIN_BYTES }],
  [/^\/teach\/[^/]+\/media\/?$/, { bytes: 601 * MB, fields: 50, label: "601 MB", formBytes: PLAIN_BYTES }],
  // Question bank and roster files (10 MB each), the roster's one-time password sheet (20,000 rows).
  [/^\/teach\/[^/]+\/bank\/?$/, { bytes: 11 * MB, fields: 50, label: "11 MB", formBytes: PLAIN_BYTES }],
  [/^\/admin\/users\/import\/?$/, { bytes: 11 * MB, fields: 50, label: "11 MB", formBytes: PLAIN_BYTES }],
  [/^\/admin\/users\/import\/passwords\/?$/, { bytes: 8 * MB, fields: 20, label: "8 MB" }],
  // A class: member lists (2 MB) and confirming up to 5,000 trainees by name, or marking as many at
  // the completion desk; its other forms (settings, courses, members, grades, certificates) are plain.
  [/^\/admin\/classes\/\d+\/(?:enroll|completion)\/?$/, { bytes: 3 * MB, fields: 10_000, label: "3 MB", formBytes: PLAIN_BYTES }],
  // Crediting or grading many trainees at once, a whole exam page with its essays.
  [/^\/progress\/[^/]+\/?$/, { bytes: 1 * MB, fields: 10_000, label: "1 MB" }],
  [/^\/teach\/[^/]+\/exams\/[^/]+\/grading\/?$/, { bytes: 1 * MB, fields: 10_000, label: "1 MB" }],
  [/^\/exam-attempts\/\d+\/?$/, { bytes: 1 * MB, fields: 2000, label: "1 MB" }],
];

export function bodyLimitFor(pathname: string): BodyLimit {
  for (const [re, limit] of ROUTES) if (re.test(pathname)) return limit;
  return PLAIN_FORM;
}

const tooLargeMessage = (limit: BodyLimit) => `提交的内容过大（此处最多 ${limit.label}），已拒绝`;
const tooManyFieldsMessage = (fields: number) => `表单字段过多（最多 ${fields} 项），已拒绝`;

/** Parts of any multipart body: the product's upload forms have a few fields and at most tens of files
 * (the multipart parser spends about 0.1 ms per part, so thousands would stall other requests). */
const MAX_PARTS = 100;

/** Counts field separators across chunks: `&` in urlencoded bodies, `--boundary` in multipart ones. */
export function fieldCounter(contentType: string): (chunk: Buffer) => number {
  const boundary = /^multipart\/form-data;.*\bboundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (boundary) {
    const marker = Buffer.from(`--${boundary}`);
    let carry = Buffer.alloc(0);
    let count = 0;
    return (chunk) => {
      const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      let at = 0;
      for (let i = buf.indexOf(marker, at); i !== -1; i = buf.indexOf(marker, at)) {
        count++;
        at = i + marker.length;
      }
      // Keep a marker's worth of bytes, not already counted, for a marker split across two chunks.
      carry = Buffer.from(buf.subarray(Math.max(at, buf.length - marker.length + 1)));
      return Math.max(0, count - 1);
    };
  }
  if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
    let count = 1;
    return (chunk) => {
      for (let i = chunk.indexOf(0x26); i !== -1; i = chunk.indexOf(0x26, i + 1)) count++;
      return count;
    };
  }
  return () => 0;
}

const LINGER = { bytes: 4 * MB, ms: 2000 };

function drainThenClose(req: IncomingMessage) {
  const socket = req.socket;
  let seen = 0;
  const close = () => socket.destroy();
  const timer = setTimeout(close, LINGER.ms);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  req.on("data", (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > LINGER.bytes) close();
  });
  req.once("end", close);
  req.resume();
}

/**
 * Express middleware: refuses a body over its route's limits with 413 and a Chinese message. A body
 * announced too large is refused before it is read; one that turns out too large while streaming is cut
 * off there (the connection is closed, nothing more is read).
 */
export function enforceBodyLimits(req: IncomingMessage & { path?: string }, res: ServerResponse, next: () => void) {
  if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return next();
  const type = String(req.headers["content-type"] ?? "");
  const multipart = /^multipart\//i.test(type);
  const routeLimit = bodyLimitFor(req.path ?? new URL(req.url ?? "/", "http://x").pathname);
  const form = routeLimit.formBytes;
  const limit = form !== undefined && !multipart ? { ...routeLimit, bytes: form, label: form >= MB ? `${form / MB} MB` : `${form / KB} KB` } : routeLimit;
  // No Content-Length: an empty body, or a chunked one, which the counting below cuts off when too large.
  const declared = Number(req.headers["content-length"] ?? 0);
  const refuse = (message: string, linger = false) => {
    if (!res.headersSent) {
      res.writeHead(413, { "Content-Type": "text/plain; charset=utf-8", Connection: "close", "Cache-Control": "no-store" });
      res.end(message);
    }
    // Refused before reading: what the client is still sending is read and dropped for a moment (at most
    // LINGER bytes and ms, as servers do on a lingering close), so it reads our answer instead of a reset; a
    // body cut while streaming is not read further. Then the connection is cut.
    res.once("finish", () => (linger ? drainThenClose(req) : req.socket.destroy()));
  };
  if (declared > limit.bytes) return refuse(tooLargeMessage(limit), true);
  const fields = fieldCounter(type);
  const maxFields = multipart ? Math.min(limit.fields, MAX_PARTS) : limit.fields;
  let seen = 0;
  let refused = false;
  // Paused first, so that this listener does not start the flow before the app reads the body.
  req.pause();
  req.on("data", (chunk: Buffer) => {
    if (refused) return;
    seen += chunk.length;
    const over = seen > limit.bytes ? tooLargeMessage(limit) : fields(chunk) > maxFields ? tooManyFieldsMessage(maxFields) : null;
    if (!over) return;
    refused = true;
    refuse(over);
    req.destroy(new Error(over));
  });
  next();
}
