// Multipart parsing over busboy with Remix's upload-handler contract.
import { describe, expect, it } from "vitest";
import { parseMultipartForm } from "../../app/utils/multipart.server.ts";

const request = (form: FormData) => new Request("http://localhost/x", { method: "POST", body: form });
const big = (n: number) => new File([new Uint8Array(n).fill(0x61)], "a.bin");

describe("parseMultipartForm", () => {
  it("hands parts over in order, file names as sent (= ; and all), fields as text", async () => {
    const form = new FormData();
    form.append("intent", "save");
    form.append("file", new File(["x"], "思想汇报=终稿;2.pdf"));
    form.append("after", "a=b; c");
    const seen: string[] = [];
    const parsed = await parseMultipartForm(request(form), async ({ name, filename, data }) => {
      let text = "";
      for await (const chunk of data) text += new TextDecoder().decode(chunk);
      seen.push(`${name}:${filename ?? "-"}`);
      return filename === undefined ? text : filename;
    });
    expect(seen).toEqual(["intent:-", "file:思想汇报=终稿;2.pdf", "after:-"]);
    expect([...parsed.entries()]).toEqual([
      ["intent", "save"],
      ["file", "思想汇报=终稿;2.pdf"],
      ["after", "a=b; c"],
    ]);
  });

  it("passes only the base name of a file, as Remix's parser did", async () => {
    const form = new FormData();
    form.append("file", new File(["x"], "..\\..\\etc/passwd.pdf"));
    const parsed = await parseMultipartForm(request(form), async ({ filename, data }) => {
      for await (const _ of data) {
        /* drain */
      }
      return filename;
    });
    expect(parsed.get("file")).toBe("passwd.pdf");
  });

  it("stops at a handler's error, with that error, while later files are still in the body", async () => {
    const form = new FormData();
    form.append("one", big(3 * 1024 * 1024));
    form.append("two", big(3 * 1024 * 1024));
    const refused = new Error("refused");
    const out = parseMultipartForm(request(form), async ({ data }) => {
      for await (const _ of data) throw refused;
      return undefined;
    });
    await expect(out).rejects.toBe(refused);
  });

  it("answers a body it cannot read with a 400 in Chinese", async () => {
    const form = new FormData();
    form.append("file", new File(["x"], "a\u0000b.pdf"));
    const e = await parseMultipartForm(request(form), async () => undefined).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Response);
    expect((e as Response).status).toBe(400);
    expect(await (e as Response).text()).toMatch(/^上传的表单无法读取/);
  });
});
