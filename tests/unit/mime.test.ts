// The one MIME table: every place that names a content type by extension reads it here.
import { describe, expect, it } from "vitest";
import { mimeOfExtension, mimeOfFileName } from "../../app/utils/mime.ts";

describe("mime table", () => {
  it("names the types of course media, served files and attachments, ignoring case and a leading dot", () => {
    expect(mimeOfExtension("MP4")).toBe("video/mp4");
    expect(mimeOfExtension(".vtt")).toBe("text/vtt; charset=utf-8");
    expect(mimeOfExtension("docx")).toBe("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    expect(mimeOfFileName("/data/x/讲义.PDF")).toBe("application/pdf");
  });
  it("knows nothing of unlisted or inherited names", () => {
    expect(mimeOfExtension("exe")).toBeUndefined();
    expect(mimeOfExtension("constructor")).toBeUndefined();
    expect(mimeOfFileName("README")).toBe("application/octet-stream");
    expect(mimeOfFileName("a.toString")).toBe("application/octet-stream");
  });
});
