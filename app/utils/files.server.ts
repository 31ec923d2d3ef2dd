// Serving files from disk: HTTP Range (206/416), HEAD, ETag/Last-Modified with conditional requests,
// streamed so a large video is never read into memory.
import fs from "node:fs";
import { Readable } from "node:stream";
import { dispositionOf } from "./http.server.ts";
import { mimeOfFileName } from "./mime.ts";

type Range = { start: number; end: number } | "unsatisfiable" | null;

/** Parses a single-range `Range` header; several ranges are served as the whole file. */
export function parseRange(header: string | null, size: number): Range {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return header.startsWith("bytes=") && !header.includes(",") ? "unsatisfiable" : null;
  const [, a, b] = m;
  if (a === "" && b === "") return "unsatisfiable";
  let start: number;
  let end: number;
  if (a === "") {
    const suffix = Number(b);
    if (suffix === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return "unsatisfiable";
  return { start, end };
}

export async function serveFile(
  request: Request,
  file: string,
  opts: { contentType?: string; downloadName?: string; cacheControl?: string } = {},
): Promise<Response> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch {
    throw new Response("文件不存在", { status: 404 });
  }
  if (!stat.isFile()) throw new Response("文件不存在", { status: 404 });
  const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
  const headers = new Headers({
    "Content-Type": opts.contentType ?? mimeOfFileName(file),
    "Accept-Ranges": "bytes",
    ETag: etag,
    "Last-Modified": stat.mtime.toUTCString(),
    "Cache-Control": opts.cacheControl ?? "private, max-age=3600",
    // X-Content-Type-Options: nosniff is set on every response by server.ts.
  });
  if (opts.downloadName) {
    headers.set("Content-Disposition", dispositionOf(opts.downloadName));
  }
  const inm = request.headers.get("If-None-Match");
  const ims = request.headers.get("If-Modified-Since");
  if (inm ? inm.split(",").some((t) => t.trim() === etag) : ims && Date.parse(ims) >= Math.floor(stat.mtimeMs / 1000) * 1000) {
    return new Response(null, { status: 304, headers });
  }
  // If-Range: a stale validator means "send the whole file".
  const ifRange = request.headers.get("If-Range");
  const range = ifRange && ifRange !== etag ? null : parseRange(request.headers.get("Range"), stat.size);
  if (range === "unsatisfiable") {
    headers.set("Content-Range", `bytes */${stat.size}`);
    return new Response(null, { status: 416, headers });
  }
  const { start, end } = range ?? { start: 0, end: stat.size - 1 };
  headers.set("Content-Length", String(stat.size === 0 ? 0 : end - start + 1));
  if (range) headers.set("Content-Range", `bytes ${start}-${end}/${stat.size}`);
  const status = range ? 206 : 200;
  if (request.method === "HEAD" || stat.size === 0) return new Response(null, { status, headers });
  const stream = Readable.toWeb(fs.createReadStream(file, { start, end })) as ReadableStream<Uint8Array>;
  return new Response(stream, { status, headers });
}
