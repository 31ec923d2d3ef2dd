// Form bodies. Multipart ones are parsed by busboy and handed part by part to a Remix-style upload
// handler: Remix's own parser splits the Content-Disposition header at every `;` and `=`, so a legal file
// name such as `思想汇报=终稿;2.pdf` made it throw (a 500); busboy reads quoted parameters as RFC 7578
// says. A large urlencoded body is decoded in a worker thread (URLSearchParams takes ~40 ms per MB).
import type { UploadHandler } from "@remix-run/node";
import busboy from "busboy";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { runTask } from "./workers.server.ts";

/** A text field longer than this is refused (413) before it is held in memory. */
const MAX_FIELD_BYTES = 4 * 1024 * 1024;

/** How much of the body is still read after a failure, so that the answer is not lost to a reset. */
const MAX_DRAIN_BYTES = 4 * 1024 * 1024;

/** A text field over MAX_FIELD_BYTES: the user's 413 (thrown, so every route answers it the same way). */
const fieldTooLong = () =>
  new Response(`表单中的文字过长（每项最多 ${MAX_FIELD_BYTES / 1024 / 1024} MB），已拒绝`, {
    status: 413,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });

/** A body busboy cannot read (broken framing, a control character in a part header): the user's 400. */
const malformed = () =>
  new Response("上传的表单无法读取：格式有误，或文件名含有控制字符。请换个文件名后重试。", {
    status: 400,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });

/**
 * Same contract as Remix's `unstable_parseMultipartFormData`: the handler sees every part in order
 * (`filename` undefined for text fields) and returns what goes into the form, or undefined to leave it
 * out. A file part the handler does not read is drained. Any other body is read as an ordinary form. A
 * body that is not valid multipart throws a 400 Response with a Chinese message, a text field over 4 MB a
 * 413 one. An error of the handler stops the parse and is
 * thrown as it is.
 */
export async function parseMultipartForm(request: Request, handler: UploadHandler): Promise<FormData> {
  if (!/\bmultipart\/form-data\b/i.test(request.headers.get("Content-Type") ?? "")) return plainForm(request);
  const parser = busboy({
    headers: { "content-type": request.headers.get("Content-Type") ?? "" },
    defParamCharset: "utf8",
    limits: { fieldSize: MAX_FIELD_BYTES },
  });
  const parts: Promise<{ name: string; value: Awaited<ReturnType<UploadHandler>> }>[] = [];
  let failed: unknown = null;
  const stop = new AbortController();
  /** File streams not yet ended: after a failure nothing feeds them, so a handler reading one must stop. */
  const open = new Set<Readable>();
  const fail = (e: unknown) => {
    failed ??= e;
    stop.abort();
    for (const stream of open) stream.destroy();
  };
  // Parts are handled one after another, like Remix does, so a handler may rely on their order.
  let previous: Promise<unknown> = Promise.resolve();
  const handle = (name: string, run: () => ReturnType<UploadHandler>, drain?: () => void) => {
    const done = previous.then(async () => {
      if (failed) throw failed;
      try {
        return { name, value: await run() };
      } finally {
        drain?.();
      }
    });
    done.catch(fail);
    parts.push(done);
    previous = done.catch(() => undefined);
  };
  parser.on("field", (name, value, info) => {
    if (info.valueTruncated) return fail(fieldTooLong());
    // Encoded only when the handler reads it: a part the handler skips costs nothing more.
    handle(name, () =>
      handler({
        name,
        filename: undefined,
        contentType: info.mimeType,
        data: (async function* () {
          yield new TextEncoder().encode(value);
        })(),
      }),
    );
  });
  parser.on("file", (name, stream, info) => {
    open.add(stream);
    stream.on("end", () => open.delete(stream)).on("close", () => open.delete(stream));
    // Only the base name, as Remix's parser and RFC 7578 §4.2 have it.
    const filename = (info.filename ?? "").split(/[/\\]/).pop()!;
    handle(
      name,
      () => handler({ name, filename, contentType: info.mimeType, data: stream }),
      () => stream.resume(),
    );
  });
  parser.on("error", () => fail(malformed()));
  const finished = once(parser, "close");
  finished.catch(() => fail(malformed()));

  // After a failure the rest of a small body (declared at most MAX_DRAIN_BYTES) is still read and
  // dropped: a server that answers and closes while the client is still sending makes the client's TCP
  // stack see a reset, and the answer can be lost with it. A larger body is not read further (an
  // oversized upload stops at its limit). The body is never cancelled, which would reset the connection
  // before the answer.
  const declared = Number(request.headers.get("Content-Length") ?? NaN);
  const drain = declared <= MAX_DRAIN_BYTES;
  const reader = request.body?.getReader();
  while (reader && (!failed || drain)) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!failed && !parser.write(value)) await once(parser, "drain", { signal: stop.signal }).catch(() => undefined);
  }
  reader?.releaseLock();
  if (!failed) {
    parser.end();
    // A handler that fails mid-file leaves that file unread, and busboy would wait for it forever.
    const aborted = new Promise((resolve) => stop.signal.addEventListener("abort", resolve, { once: true }));
    await Promise.race([finished.catch(() => undefined), aborted]);
  }
  const settled = await Promise.allSettled(parts);
  if (failed) throw failed;
  const form = new FormData();
  for (const s of settled) {
    if (s.status === "rejected") throw s.reason;
    const { name, value } = s.value;
    if (value !== undefined && value !== null) form.append(name, value as string | Blob);
  }
  return form;
}

/** Up to this size a urlencoded body is decoded where it arrives (about 3 ms). */
const INLINE_FORM_BYTES = 64 * 1024;

async function plainForm(request: Request): Promise<FormData> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers.get("Content-Type") ?? "")) return request.formData();
  const text = await request.text();
  const form = new FormData();
  for (const [k, v] of text.length > INLINE_FORM_BYTES ? await runTask("formEntries", text) : new URLSearchParams(text)) form.append(k, v);
  return form;
}

const textFields: UploadHandler = async ({ filename, data }) => {
  if (filename !== undefined) return undefined;
  const chunks: Uint8Array[] = [];
  for await (const c of data) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
};

/**
 * The text fields of a form that takes no files, however it was sent, without a synchronous parse of a
 * large body: use it (not `request.formData()`) on routes whose forms may be megabytes.
 */
export const readForm = (request: Request): Promise<FormData> => parseMultipartForm(request, textFields);
