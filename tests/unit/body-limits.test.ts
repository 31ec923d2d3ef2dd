// Body limits (one table for every route, enforced by server.ts before the app reads a body) and the
// form parser's cost. The HTTP side — 413 before reading, a 300 MB sign-in not buffered — is in
// tests/integration/stall.test.ts.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { IMPORT_LIMITS, MEDIA_LIMITS } from "../../app/models/authoring.server.ts";
import { MAX_FILES } from "../../app/models/assignments.server.ts";
import { MAX_LIST_BYTES } from "../../app/models/classes.server.ts";
import { MAX_IMPORT_BYTES } from "../../app/utils/bank-import/common.server.ts";
import { bodyLimitFor, enforceBodyLimits, fieldCounter, PLAIN_FORM, SIGN_IN } from "../../app/utils/body-limits.server.ts";
import { idParam, parseForm } from "../../app/utils/forms.server.ts";
import { MAX_ROSTER_BYTES } from "../../app/utils/roster-import.server.ts";

describe("body limits", () => {
  it("gives sign-in a small limit, an unknown route the plain-form default, uploads room for their stated file limits", () => {
    expect(bodyLimitFor("/login")).toBe(SIGN_IN);
    expect(bodyLimitFor("/account/password")).toBe(SIGN_IN);
    expect(SIGN_IN.bytes).toBeLessThanOrEqual(16 * 1024);
    expect(bodyLimitFor("/some/new/route")).toBe(PLAIN_FORM);
    const MB = 1024 * 1024;
    expect(bodyLimitFor("/teach/import").bytes).toBeGreaterThan(IMPORT_LIMITS.maxZipBytes);
    expect(bodyLimitFor("/teach/x/media").bytes).toBeGreaterThan(Math.max(...Object.values(MEDIA_LIMITS).map(Number)));
    expect(bodyLimitFor("/courses/x/assignments/y").bytes).toBeGreaterThan(MAX_FILES * 100 * MB);
    expect(bodyLimitFor("/teach/x/bank").bytes).toBeGreaterThan(MAX_IMPORT_BYTES);
    expect(bodyLimitFor("/admin/users/import").bytes).toBeGreaterThan(MAX_ROSTER_BYTES);
    expect(bodyLimitFor("/admin/classes/3/enroll").bytes).toBeGreaterThan(MAX_LIST_BYTES);
    // Upload routes allow their size to multipart bodies only; a urlencoded one is a plain form there,
    // except the assignment's autosave of 200,000 characters.
    for (const url of ["/teach/import", "/teach/x/media", "/teach/x/bank", "/admin/users/import", "/admin/classes/3/enroll"])
      expect(bodyLimitFor(url).formBytes, url).toBe(PLAIN_FORM.bytes);
    expect(bodyLimitFor("/courses/x/assignments/y").formBytes).toBeGreaterThanOrEqual(200_000 * 9);
    // A course file of 1 MB (UTF-8) is 3 MB urlencoded when every byte is written as %XX.
    expect(bodyLimitFor("/teach/x/edit/lessons/a.md").bytes).toBeGreaterThanOrEqual(3 * MB + 1024);
  });

  it("counts urlencoded fields and multipart parts across chunk boundaries", () => {
    const count = fieldCounter("application/x-www-form-urlencoded");
    count(Buffer.from("a=1&b=2&"));
    expect(count(Buffer.from("c=3"))).toBe(3);
    const multi = fieldCounter("multipart/form-data; boundary=XyZ");
    const body = Buffer.from(
      Array.from({ length: 5 }, (_, i) => `--XyZ\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nv\r\n`).join("") + "--XyZ--\r\n",
    );
    let n = 0;
    // Split at every position: a boundary cut in two is counted once.
    for (let cut = 1; cut < body.length; cut += 7) {
      const c = fieldCounter("multipart/form-data; boundary=XyZ");
      c(body.subarray(0, cut));
      n = c(body.subarray(cut));
      expect(n, `cut at ${cut}`).toBe(5);
    }
    expect(multi(body)).toBe(5);
  });
});

/** Sends raw HTTP to a server whose handler answers with the number of body bytes it read. */
async function rawExchange(request: string | ((socket: import("node:net").Socket) => void)): Promise<string> {
  const server = http.createServer((req, res) =>
    enforceBodyLimits(req, res, () => {
      let n = 0;
      req.on("data", (c: Buffer) => (n += c.length));
      req.on("end", () => res.end(`read ${n}`));
      req.resume();
    }),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const { connect } = await import("node:net");
    const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
    let answer = "";
    socket.on("data", (d) => (answer += d));
    const closed = new Promise<void>((r) => socket.on("close", () => r()));
    socket.on("error", () => {});
    if (typeof request === "string") socket.write(request);
    else request(socket);
    await closed;
    return answer;
  } finally {
    server.close();
  }
}

describe("body limits over HTTP", () => {
  it("lets a POST without Content-Length through as an empty body (autocannon's empty POST was refused with 413)", async () => {
    const answer = await rawExchange(
      "POST /courses/x/exams/y HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n",
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(answer).toContain("read 0");
  });

  it("reads a chunked body within the limit (it was refused with 413) and cuts one that grows past it", async () => {
    const small = "a=1&b=2";
    const ok = await rawExchange(
      `POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n${small.length.toString(16)}\r\n${small}\r\n0\r\n\r\n`,
    );
    expect(ok).toContain(`read ${small.length}`);
    const chunk = "x".repeat(64 * 1024);
    const big = await rawExchange((socket) => {
      socket.write("POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n");
      const more = () => {
        if (socket.destroyed) return;
        socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`, () => setImmediate(more));
      };
      more();
    });
    // Cut while streaming: the connection ends (with the 413 if it got out first) and the app never finishes reading.
    expect(big).not.toContain("read ");
  });
});

describe("parseForm", () => {
  it("reads each entry once (getAll per distinct key made 50,000 fields take 18 s)", () => {
    const form = new FormData();
    for (let i = 0; i < 50_000; i++) form.append(`f${i}`, "x");
    form.append("tags", "a");
    form.append("tags", "b");
    let getAllCalls = 0;
    const original = form.getAll.bind(form);
    form.getAll = (name: string) => {
      getAllCalls++;
      return original(name);
    };
    const result = parseForm(form, z.object({ f0: z.string(), tags: z.array(z.string()) }));
    expect(result).toEqual({ ok: true, data: { f0: "x", tags: ["a", "b"] } });
    expect(getAllCalls).toBe(0);
  });

  it("refuses a NUL character in any field in Chinese, on both engines alike (PostgreSQL's text cannot hold it)", () => {
    const form = new FormData();
    form.append("title", "思想汇报");
    form.append("note", "a\u0000b");
    const result = parseForm(form, z.object({ title: z.string(), note: z.string() }));
    expect(result).toMatchObject({ ok: false, errors: { note: expect.stringContaining("空字符") } });
  });

  it("refuses an id past what JS holds exactly (9 × 30 is an integer to zod and out of range for PostgreSQL)", () => {
    const ids = z.object({ id: idParam });
    const parse = (id: string) => {
      const form = new FormData();
      form.append("id", id);
      return parseForm(form, ids);
    };
    expect(parse("9".repeat(30))).toMatchObject({ ok: false, errors: { id: "编号无效" } });
    expect(parse(String(Number.MAX_SAFE_INTEGER))).toEqual({ ok: true, data: { id: Number.MAX_SAFE_INTEGER } });
  });
});
