// The worker pool runs each task off the event loop and answers as the same code in the main thread would.
import { describe, expect, it } from "vitest";
import { parseBankFile } from "../../app/utils/bank-import/detect.server.ts";
import { parseCourse } from "../../app/utils/course-format.server.ts";
import { renderMarkdown } from "../../app/utils/markdown.server.ts";
import { readRosterFile } from "../../app/utils/roster-import.server.ts";
import { runTask } from "../../app/utils/workers.server.ts";

describe("worker tasks", () => {
  it("give the same answers as the main thread", async () => {
    const body = new URLSearchParams([
      ["text", "甲&乙=丙"],
      ["a", "1"],
      ["a", "2"],
    ]).toString();
    expect(await runTask("formEntries", body)).toEqual([
      ["text", "甲&乙=丙"],
      ["a", "1"],
      ["a", "2"],
    ]);
    const md = "# 标题\n\n*强调* ![图](media/a.png) <script>x</script>";
    expect(await runTask("markdown", { md, opts: { mediaBase: "/m/" } })).toBe(renderMarkdown(md, { mediaBase: "/m/" }));
    const dir = "tests/fixtures/courses/sample";
    expect(await runTask("parseCourse", { dir, label: "sample" })).toEqual(parseCourse(dir, "sample"));
    const gift = new TextEncoder().encode("题一{=甲 ~%50%乙 #部分}\n\n题二{T#对}\n");
    expect(await runTask("bankFile", { bytes: gift, fileName: "a.gift", media: [] })).toEqual(await parseBankFile(gift, "a.gift", { media: [] }));
    const csv = new TextEncoder().encode("学号,姓名,所属组织\n2024001,张三,一支部\n");
    expect(await runTask("rosterFile", { bytes: csv, fileName: "a.csv" })).toEqual(await readRosterFile(csv, "a.csv"));
    expect((await runTask("strength", { password: "password1", inputs: [] })).score).toBeLessThan(2);
  });

  it("keep the event loop free while they work, and run several at once", async () => {
    const md = "*a ".repeat(200_000);
    let turns = 0;
    const ticker = setInterval(() => turns++, 1);
    const answers = await Promise.all([1, 2, 3].map(() => runTask("markdown", { md })));
    clearInterval(ticker);
    expect(answers.every((a) => a === answers[0])).toBe(true);
    expect(turns).toBeGreaterThan(5);
  });

  it("answers a failing task with its error, and the next task still runs", async () => {
    await expect(runTask("parseCourse", { dir: "/nonexistent/course" })).rejects.toThrow();
    expect(await runTask("formEntries", "a=1")).toEqual([["a", "1"]]);
  });
});
