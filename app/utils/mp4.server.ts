// Reads a video's duration from its MP4 header (moov/mvhd), so coverage percentages rest on the
// server's knowledge of the file, not on what the browser reports.
import fs from "node:fs";

function readBox(fd: number, pos: number, fileSize: number): { type: string; start: number; size: number; header: number } | null {
  if (pos + 8 > fileSize) return null;
  const h = Buffer.alloc(16);
  fs.readSync(fd, h, 0, 16, pos);
  let size = h.readUInt32BE(0);
  const type = h.toString("latin1", 4, 8);
  let header = 8;
  if (size === 1) {
    size = Number(h.readBigUInt64BE(8));
    header = 16;
  } else if (size === 0) {
    size = fileSize - pos;
  }
  if (size < header) return null;
  return { type, start: pos, size, header };
}

/** Duration in seconds, or null when the file is not an MP4 with a movie header. */
export function mp4Duration(file: string): number | null {
  const fd = fs.openSync(file, "r");
  try {
    const fileSize = fs.fstatSync(fd).size;
    let pos = 0;
    while (pos < fileSize) {
      const box = readBox(fd, pos, fileSize);
      if (!box) return null;
      if (box.type === "moov") {
        let inner = box.start + box.header;
        const end = box.start + box.size;
        while (inner < end) {
          const child = readBox(fd, inner, fileSize);
          if (!child) return null;
          if (child.type === "mvhd") {
            const b = Buffer.alloc(32);
            fs.readSync(fd, b, 0, 32, child.start + child.header);
            const version = b.readUInt8(0);
            const timescale = version === 1 ? b.readUInt32BE(20) : b.readUInt32BE(12);
            const duration = version === 1 ? Number(b.readBigUInt64BE(24)) : b.readUInt32BE(16);
            return timescale ? duration / timescale : null;
          }
          inner += child.size;
        }
        return null;
      }
      pos += box.size;
    }
    return null;
  } finally {
    fs.closeSync(fd);
  }
}
