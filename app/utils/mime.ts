// The one table of content types, by lower-case file extension (no dot). Course media, served files,
// sniffed uploads and submission attachments all look their type up here.

const MIME_TYPES: Readonly<Record<string, string>> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  svg: "image/svg+xml",
  mp4: "video/mp4",
  webm: "video/webm",
  vtt: "text/vtt; charset=utf-8",
  mp3: "audio/mpeg",
  m4a: "audio/mp4",
  pdf: "application/pdf",
  zip: "application/zip",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
};

/** The content type of an extension (`"mp4"`, `".MP4"`), or undefined when the table has none. */
export function mimeOfExtension(ext: string): string | undefined {
  const key = ext.toLowerCase().replace(/^\./, "");
  return Object.hasOwn(MIME_TYPES, key) ? MIME_TYPES[key] : undefined;
}

/** The content type of a file name by its extension; application/octet-stream when unknown. */
export function mimeOfFileName(name: string): string {
  const dot = name.lastIndexOf(".");
  return (dot >= 0 && mimeOfExtension(name.slice(dot + 1))) || "application/octet-stream";
}
