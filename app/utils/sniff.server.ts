// File types decided by content (magic bytes), never by name or the browser's claim.

export type SniffedType = "png" | "jpg" | "gif" | "webp" | "mp4" | "webm" | "pdf" | "zip" | "vtt" | "mp3";

const startsWith = (b: Uint8Array, sig: number[], at = 0) => sig.every((v, i) => b[at + i] === v);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** An old OLE compound file (.xls, .doc): not a format we read, but worth naming to the user. */
export const isOle = (head: Uint8Array) => startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

export function sniff(head: Uint8Array): SniffedType | null {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (startsWith(head, [0xff, 0xd8, 0xff])) return "jpg";
  if (startsWith(head, ascii("GIF87a")) || startsWith(head, ascii("GIF89a"))) return "gif";
  if (startsWith(head, ascii("RIFF")) && startsWith(head, ascii("WEBP"), 8)) return "webp";
  if (startsWith(head, ascii("ftyp"), 4)) return "mp4";
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return "webm";
  if (startsWith(head, ascii("%PDF-"))) return "pdf";
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return "zip";
  if (startsWith(head, ascii("ID3")) || startsWith(head, [0xff, 0xfb])) return "mp3";
  const text = new TextDecoder().decode(head.subarray(0, 16)).replace(/^\uFEFF/, "");
  if (/^WEBVTT(\s|$)/.test(text)) return "vtt";
  return null;
}
