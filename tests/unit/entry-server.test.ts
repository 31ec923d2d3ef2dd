import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { describe, expect, it } from "vitest";
import { withoutNulBytes } from "../../app/entry.server.tsx";

describe("withoutNulBytes", () => {
  it("drops NUL padding wherever it falls and keeps every multi-byte character whole", async () => {
    const text = "入党积极分子培训".repeat(300);
    const bytes = Buffer.from(text);
    // React's bug: a chunk ends with unused zero bytes when a 3-byte character did not fit.
    const chunks = [bytes.subarray(0, 2046), Buffer.from([0, 0]), bytes.subarray(2046, 4000), Buffer.from([0]), bytes.subarray(4000)];
    const out = await buffer(Readable.from(chunks).pipe(withoutNulBytes()));
    expect(out.toString("utf8")).toBe(text);
  });

  it("passes chunks without NUL through as they are", async () => {
    const chunk = Buffer.from("<p>思想汇报</p>");
    const out = await buffer(Readable.from([chunk]).pipe(withoutNulBytes()));
    expect(out.equals(chunk)).toBe(true);
  });
});
