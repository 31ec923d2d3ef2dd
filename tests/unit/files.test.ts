import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseRange, serveFile } from "../../app/utils/files.server.ts";

let file: string;
const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
beforeAll(() => {
  file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "files-")), "clip.mp4");
  fs.writeFileSync(file, bytes);
});

const req = (headers: Record<string, string> = {}, method = "GET") => new Request("http://x/media/clip.mp4", { method, headers });

describe("parseRange", () => {
  it.each([
    ["bytes=0-0", { start: 0, end: 0 }],
    ["bytes=0-99", { start: 0, end: 99 }],
    ["bytes=500-", { start: 500, end: 999 }],
    ["bytes=-100", { start: 900, end: 999 }],
    ["bytes=-5000", { start: 0, end: 999 }],
    ["bytes=990-5000", { start: 990, end: 999 }],
    ["bytes=1000-", "unsatisfiable"],
    ["bytes=50-10", "unsatisfiable"],
    ["bytes=-0", "unsatisfiable"],
    ["bytes=-", "unsatisfiable"],
    ["bytes=abc", "unsatisfiable"],
    ["items=0-5", null],
    ["bytes=0-1,5-6", null],
  ])("%s", (h, expected) => expect(parseRange(h, 1000)).toEqual(expected));
});

describe("serveFile", () => {
  it("serves the whole file with validators and Accept-Ranges", async () => {
    const res = await serveFile(req(), file);
    expect(res.status).toBe(200);
    expect(res.headers.get("Accept-Ranges")).toBe("bytes");
    expect(res.headers.get("Content-Type")).toBe("video/mp4");
    expect(res.headers.get("ETag")).toMatch(/^".+"$/);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);
  });

  it.each([
    ["bytes=0-9", 0, 9],
    ["bytes=400-599", 400, 599],
    ["bytes=990-", 990, 999],
    ["bytes=-10", 990, 999],
  ])("serves %s as 206 with the right bytes", async (range, start, end) => {
    const res = await serveFile(req({ Range: range }), file);
    expect(res.status).toBe(206);
    expect(res.headers.get("Content-Range")).toBe(`bytes ${start}-${end}/1000`);
    expect(res.headers.get("Content-Length")).toBe(String(end - start + 1));
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes.subarray(start, end + 1));
  });

  it("answers 416 with the size for an unsatisfiable range", async () => {
    const res = await serveFile(req({ Range: "bytes=2000-" }), file);
    expect(res.status).toBe(416);
    expect(res.headers.get("Content-Range")).toBe("bytes */1000");
  });

  it("answers HEAD without a body", async () => {
    const res = await serveFile(req({}, "HEAD"), file);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Length")).toBe("1000");
    expect(res.body).toBeNull();
  });

  it("answers 304 to a matching If-None-Match or If-Modified-Since", async () => {
    const first = await serveFile(req(), file);
    await first.arrayBuffer();
    expect((await serveFile(req({ "If-None-Match": first.headers.get("ETag")! }), file)).status).toBe(304);
    expect((await serveFile(req({ "If-Modified-Since": first.headers.get("Last-Modified")! }), file)).status).toBe(304);
    expect((await serveFile(req({ "If-None-Match": '"other"' }), file)).status).toBe(200);
  });

  it("sends the whole file when If-Range does not match", async () => {
    const res = await serveFile(req({ Range: "bytes=0-9", "If-Range": '"stale"' }), file);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Length")).toBe("1000");
  });

  it("can mark a file as a download with a UTF-8 name", async () => {
    const res = await serveFile(req(), file, { downloadName: "2023001-张晓明.mp4" });
    expect(res.headers.get("Content-Disposition")).toBe(`attachment; filename="2023001-???.mp4"; filename*=UTF-8''${encodeURIComponent("2023001-张晓明.mp4")}`);
  });

  it("404s for a missing file", async () => {
    await expect(serveFile(req(), `${file}.missing`)).rejects.toMatchObject({ status: 404 });
  });
});
