// Request-level protections applied centrally by server.ts to every request, and the one shape of a file download.
import contentDisposition from "content-disposition";
import { randomBytes } from "node:crypto";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A state-changing request must come from our own origin: the browser's Sec-Fetch-Site says
 * "same-origin", or its Origin header equals ours. A request with neither header is refused.
 */
export function isAllowedOrigin(req: { method: string; origin?: string | null; secFetchSite?: string | null; expectedOrigin: string }): boolean {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return true;
  if (req.secFetchSite) return req.secFetchSite === "same-origin";
  if (req.origin) return req.origin === req.expectedOrigin;
  return false;
}

/** The Content-Security-Policy around the nonce, joined once (it is sent with every response). CSP allows video.js (inline styles, blob: media). */
const CSP_BEFORE_NONCE = ["default-src 'self'", "script-src 'self' 'nonce-"].join("; ");
const CSP_AFTER_NONCE = [
  "'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: https:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Security headers for every response. */
export function securityHeaders(nonce: string, opts: { production: boolean; secure: boolean }): Record<string, string> {
  return {
    ...(opts.production ? { "Content-Security-Policy": CSP_BEFORE_NONCE + nonce + CSP_AFTER_NONCE } : {}),
    ...(opts.secure ? { "Strict-Transport-Security": "max-age=31536000" } : {}),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
  };
}

/**
 * A fresh nonce for each response's CSP: 16 bytes from the CSPRNG, never reused, taken from a pool filled
 * 4 KB at a time (one call into the CSPRNG per 256 responses; a call per response showed in the profile
 * of the cheapest requests).
 */
const NONCE_BYTES = 16;
let noncePool = Buffer.alloc(0);
let nonceAt = 0;
export function newNonce(): string {
  if (nonceAt + NONCE_BYTES > noncePool.length) {
    noncePool = randomBytes(4096);
    nonceAt = 0;
  }
  nonceAt += NONCE_BYTES;
  return noncePool.toString("base64", nonceAt - NONCE_BYTES, nonceAt);
}

/**
 * /.well-known/security.txt (RFC 9116): where to report a vulnerability. Expires is always half a year
 * ahead of the answer, so a file read from a cache or an archive says when it stops being trustworthy.
 */
export function securityTxt(contact: string, origin: string, nowMs = Date.now()): string {
  const expires = new Date(nowMs + 182 * 24 * 3600 * 1000);
  expires.setUTCHours(0, 0, 0, 0);
  return [`Contact: ${contact}`, `Expires: ${expires.toISOString()}`, "Preferred-Languages: zh, en", `Canonical: ${origin}/.well-known/security.txt`, ""].join(
    "\n",
  );
}

/** A file a model hands to a route: its bytes (whole, or streamed as the client reads), name and type. */
export type Download = { filename: string; contentType: string; body: string | Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array> };
/** A download the model refused (e.g. more rows than a sheet holds): the reason, in Chinese. */
export type RefusedDownload = { refused: string };

/** Content-Disposition for a file name: RFC 6266 with an ASCII fallback and RFC 5987 `filename*` (UTF-8, reserved characters escaped). */
export function dispositionOf(filename: string, type: "attachment" | "inline" = "attachment"): string {
  return contentDisposition(filename, { type });
}

/** Headers of a generated download: attachment under its name, never stored by shared caches, never sniffed. */
export function downloadHeaders(contentType: string, filename: string): Record<string, string> {
  return {
    "Content-Type": contentType,
    "Content-Disposition": dispositionOf(filename),
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
  };
}

/** The Response for a download (Content-Length where the size is known), or a 400 with the reason it was refused. */
export function downloadResponse(d: Download | RefusedDownload, extraHeaders: Record<string, string> = {}): Response {
  if ("refused" in d) return new Response(d.refused, { status: 400, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  const headers = { ...downloadHeaders(d.contentType, d.filename), ...extraHeaders };
  if (d.body instanceof Uint8Array) headers["Content-Length"] = String(d.body.byteLength);
  return new Response(d.body, { headers });
}
