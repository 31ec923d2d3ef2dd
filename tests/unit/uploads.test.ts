import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { strToU8, zipSync } from "fflate";
import { beforeEach, describe, expect, it } from "vitest";
import { createStorage } from "../../app/utils/storage.server.ts";
import { allowedTypes, docxProblem, parseUploadForm, safeSegment, sanitizeFileName, UploadRefused } from "../../app/utils/uploads.server.ts";

const MB = 1024 * 1024;
let dir: string;
let storage: ReturnType<typeof createStorage>;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "uploads-test-"));
  storage = createStorage(dir);
});

/** Every file the store holds (under files/) and every leftover temporary file (under tmp/). */
function onDisk() {
  const list = (sub: string) => (fs.existsSync(path.join(dir, sub)) ? fs.readdirSync(path.join(dir, sub), { recursive: true }).map(String) : []);
  return { files: list("files").filter((f) => /[0-9a-f]{64}$/.test(f)), tmp: list("tmp") };
}

export const MINIMAL_PDF = strToU8(
  "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3]);
const OLE_DOC = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, ...new Array(504).fill(0)]);

function docx(extra: Record<string, Uint8Array> = {}, level: 0 | 6 | 9 = 6) {
  return zipSync(
    {
      "[Content_Types].xml": strToU8(
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
      ),
      "_rels/.rels": strToU8(
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
      ),
      "word/document.xml": strToU8(
        '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>思想汇报</w:t></w:r></w:p></w:body></w:document>',
      ),
      ...extra,
    },
    { level },
  );
}

function multipart(files: { name: string; bytes: Uint8Array; type?: string; field?: string }[], fields: Record<string, string> = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const f of files)
    form.append(f.field ?? "files", new File([f.bytes as Uint8Array<ArrayBuffer>], f.name, { type: f.type ?? "application/octet-stream" }));
  return new Request("http://localhost/upload", { method: "POST", body: form });
}

const parse = (req: Request, list = ["pdf", "docx", "jpg", "png"], maxBytes = 10 * MB) =>
  parseUploadForm(req, { storage, allowed: allowedTypes(list), maxBytes, maxFiles: 5 });

async function refused(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UploadRefused) return e.message;
    throw e;
  }
  throw new Error("expected the upload to be refused");
}

describe("accepted uploads", () => {
  it("stores a real PDF under its hash with the text fields beside it", async () => {
    const { form, files } = await parse(multipart([{ name: "思想汇报.pdf", bytes: MINIMAL_PDF }], { intent: "save", text: "正文" }));
    expect(form.get("intent")).toBe("save");
    expect(form.get("text")).toBe("正文");
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ type: "pdf", name: "思想汇报.pdf", size: MINIMAL_PDF.length });
    expect(onDisk()).toEqual({ files: [expect.stringContaining(files[0]!.sha256)], tmp: [] });
    expect(fs.readFileSync(storage.pathOf(files[0]!.sha256))).toEqual(Buffer.from(MINIMAL_PDF));
    expect(storage.pathOf(files[0]!.sha256)).not.toContain("思想汇报");
  });

  it("accepts any legal file name, = and ; and quotes included, with the fields in order around it", async () => {
    for (const name of ["思想汇报=终稿;2.pdf", 'a; filename="b.pdf', "x=y.pdf"]) {
      const { form, files } = await parse(multipart([{ name, bytes: MINIMAL_PDF }], { intent: "save", text: "a=b; c" }));
      expect([form.get("intent"), form.get("text")]).toEqual(["save", "a=b; c"]);
      expect(files.map((f) => f.name)).toEqual([name.replace(/"/g, "%22")]);
    }
  });

  it("answers an oversize file with 413 even when the size error comes from another copy of the storage module", async () => {
    // server.ts creates the storage from its own copy of the module; the routes are in the built bundle.
    const copy = "../../app/utils/storage.server.ts?server-copy";
    const other = (await import(/* @vite-ignore */ copy)) as typeof import("../../app/utils/storage.server.ts");
    const foreign = other.createStorage(fs.mkdtempSync(path.join(os.tmpdir(), "storage-copy-")));
    const big = new Uint8Array(2 * MB).fill(0x20);
    big.set(MINIMAL_PDF);
    const p = parseUploadForm(multipart([{ name: "大.pdf", bytes: big }]), { storage: foreign, allowed: allowedTypes(["pdf"]), maxBytes: MB, maxFiles: 5 });
    const e = await p.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UploadRefused);
    expect([(e as UploadRefused).status, (e as UploadRefused).message]).toEqual([413, "“大.pdf”超过大小限制（最大 1 MB），已停止接收"]);
  });

  it("accepts a real minimal DOCX (a zip with [Content_Types].xml and word/document.xml)", async () => {
    const bytes = docx();
    const { files } = await parse(multipart([{ name: "心得.docx", bytes }]));
    expect(files[0]).toMatchObject({ type: "docx", name: "心得.docx" });
  });

  it("decides the type by content: a PNG named .pdf is a PNG", async () => {
    const { files } = await parse(multipart([{ name: "scan.pdf", bytes: PNG, type: "application/pdf" }]));
    expect(files[0]).toMatchObject({ type: "png", name: "scan.pdf.png" });
  });

  it("accepts an OLE .doc only where the assignment allows doc", async () => {
    const { files } = await parse(multipart([{ name: "旧版.doc", bytes: OLE_DOC }]), ["doc"]);
    expect(files[0]!.type).toBe("doc");
    expect(await refused(parse(multipart([{ name: "旧版.doc", bytes: OLE_DOC }]), ["pdf", "docx"]))).toMatch(/类型不在允许范围内/);
  });

  it("skips an empty file input (no file chosen) and never takes a text field for a file", async () => {
    const boundary = "b0undary";
    const forged = JSON.stringify({ sha256: "a".repeat(64), type: "pdf", name: "x.pdf", size: 1 });
    const body =
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="files"\r\n\r\n${forged}\r\n--${boundary}--\r\n`;
    const req = new Request("http://localhost/u", { method: "POST", body, headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` } });
    const { files, form } = await parse(req);
    expect(files).toEqual([]);
    expect(form.getAll("files")).toEqual([forged]); // just text
  });
});

describe("refused uploads leave nothing on disk", () => {
  it("an HTML page renamed .pdf is refused at its first bytes", async () => {
    const html = strToU8("<!doctype html><html><script>alert(document.cookie)</script></html>");
    expect(await refused(parse(multipart([{ name: "report.pdf", bytes: html, type: "application/pdf" }])))).toMatch(/“report.pdf”的类型不在允许范围内/);
    expect(onDisk()).toEqual({ files: [], tmp: [] });
  });

  it("an SVG or a GIF is refused even though it is an image", async () => {
    expect(await refused(parse(multipart([{ name: "a.png", bytes: strToU8('<svg xmlns="http://www.w3.org/2000/svg"/>') }])))).toMatch(/类型/);
    expect(await refused(parse(multipart([{ name: "a.png", bytes: strToU8("GIF89a........") }])))).toMatch(/类型/);
  });

  it("an empty file is refused", async () => {
    expect(await refused(parse(multipart([{ name: "空白.pdf", bytes: new Uint8Array(0) }])))).toMatch(/“空白.pdf”是空文件/);
    expect(onDisk()).toEqual({ files: [], tmp: [] });
  });

  it("a file of fewer than 8 bytes is refused", async () => {
    expect(await refused(parse(multipart([{ name: "a.pdf", bytes: strToU8("%PDF") }])))).toMatch(/类型/);
  });

  it("an oversize upload is refused while streaming: reading stops at the limit", async () => {
    const boundary = "----test-boundary";
    const enc = new TextEncoder();
    const head = enc.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n`,
    );
    const total = 200 * MB; // what the client claims to send
    let pulled = 0;
    const chunk = new Uint8Array(64 * 1024);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled === 0) {
          pulled += head.length;
          controller.enqueue(head);
        } else if (pulled < total) {
          pulled += chunk.length;
          controller.enqueue(chunk);
        } else {
          controller.enqueue(enc.encode(`\r\n--${boundary}--\r\n`));
          controller.close();
        }
      },
    });
    const req = new Request("http://localhost/u", {
      method: "POST",
      body,
      headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` },
      duplex: "half",
    } as RequestInit);
    expect(await refused(parse(req, ["pdf"], 1 * MB))).toMatch(/超过大小限制（最大 1 MB）/);
    expect(pulled).toBeLessThan(4 * MB); // stopped near the limit, not after 200 MB
    expect(onDisk()).toEqual({ files: [], tmp: [] });
  });

  it("a zip bomb disguised as DOCX (60 MB of zeros inside) is refused without inflating it", async () => {
    const bomb = docx({ "word/media/image1.png": new Uint8Array(60 * MB) }, 9);
    expect(bomb.length).toBeLessThan(200 * 1024); // small on the wire
    expect(await refused(parse(multipart([{ name: "心得.docx", bytes: bomb }])))).toMatch(/压缩炸弹/);
    expect(onDisk()).toEqual({ files: [], tmp: [] });
  });

  it("a DOCX with one entry of extreme compression ratio is refused even under the total limit", async () => {
    const bomb = docx({ "word/media/pad.bin": new Uint8Array(8 * MB) }, 9);
    expect(await refused(parse(multipart([{ name: "a.docx", bytes: bomb }])))).toMatch(/压缩比异常/);
  });

  it("a zip that is not a Word document is refused (an .xlsx, a plain archive)", async () => {
    const plain = zipSync({ "readme.txt": strToU8("hello") });
    expect(await refused(parse(multipart([{ name: "作业.docx", bytes: plain }])))).toMatch(/不是 Word（.docx）文档/);
    const xlsx = zipSync({ "[Content_Types].xml": strToU8("<Types/>"), "xl/workbook.xml": strToU8("<workbook/>") });
    expect(await refused(parse(multipart([{ name: "作业.docx", bytes: xlsx }])))).toMatch(/不是 Word/);
  });

  it("a truncated zip and a zip with a path-traversal entry are refused", async () => {
    const good = docx();
    expect(await refused(parse(multipart([{ name: "a.docx", bytes: good.subarray(0, good.length - 30) }])))).toMatch(/不是有效的 Word 文档/);
    const evil = docx({ "../../evil.sh": strToU8("rm -rf /") });
    expect(await refused(parse(multipart([{ name: "a.docx", bytes: evil }])))).toMatch(/非法路径/);
  });

  it("a DOCX is refused where only PDF is allowed", async () => {
    expect(await refused(parse(multipart([{ name: "a.docx", bytes: docx() }]), ["pdf"]))).toMatch(/允许：PDF/);
  });

  it("more files than allowed are refused", async () => {
    const many = Array.from({ length: 6 }, (_, i) => ({ name: `${i}.pdf`, bytes: MINIMAL_PDF }));
    expect(await refused(parse(multipart(many)))).toMatch(/附件最多 5 个/);
  });
});

describe("docxProblem reads only the central directory", () => {
  it("reports the declared sizes of a bomb from the tail of the file alone", () => {
    const bomb = docx({ "word/big.xml": new Uint8Array(60 * MB) }, 9);
    const tail = bomb.subarray(bomb.length - 4096);
    expect(docxProblem(tail, bomb.length)).toMatch(/解压后超过 50 MB|压缩比异常/);
    expect(docxProblem(docx().subarray(0), docx().length)).toBeNull();
  });
});

describe("file names", () => {
  it.each([
    ["../../etc/passwd", "passwd"],
    ["..\\..\\windows\\system.ini", "system.ini"],
    ["C:\\Users\\张三\\Desktop\\思想汇报.pdf", "思想汇报.pdf"],
    ["..", "附件"],
    ["...pdf", "pdf"],
    ["", "附件"],
    ["报告\u202Efdp.exe", "报告fdp.exe"],
    ["a\u0000b\u0007c\r\n.pdf", "abc.pdf"],
    ["零\u200B宽.pdf", "零宽.pdf"],
    ["what?<is>|this*.pdf", "what__is__this_.pdf"],
    ["CON.pdf", "_CON.pdf"],
    ["  .hidden.pdf  ", "hidden.pdf"],
  ])("%j → %j", (raw, safe) => {
    expect(sanitizeFileName(raw)).toBe(safe);
  });

  it("cuts very long names to 80 characters and keeps the extension", () => {
    const name = sanitizeFileName(`${"很长的名字".repeat(100)}.pdf`, "pdf");
    expect(Array.from(name.replace(/\.pdf$/, ""))).toHaveLength(80);
    expect(name.endsWith(".pdf")).toBe(true);
  });

  it("gives the extension of the content type", () => {
    expect(sanitizeFileName("照片.JPEG", "jpg")).toBe("照片.jpeg");
    expect(sanitizeFileName("照片", "jpg")).toBe("照片.jpg");
    expect(sanitizeFileName("invoice.pdf.exe", "pdf")).toBe("invoice.pdf.exe.pdf");
  });

  it("makes zip path segments from names that cannot climb out", () => {
    expect(safeSegment("../..")).toBe("未命名");
    expect(safeSegment("计算机学院/第一党支部")).toBe("第一党支部");
    expect(safeSegment("2023001-张晓明")).toBe("2023001-张晓明");
  });

  it("passes the name through the multipart parser safely", async () => {
    const { files } = await parse(multipart([{ name: "../../../\u202Eevil.pdf", bytes: MINIMAL_PDF }]));
    expect(files[0]!.name).toBe("evil.pdf");
  });
});
