// Markdown of any text renders in bounded time and cannot overflow the stack: the inputs that once froze
// the server (issue figures: "*a " × 13,334 took 23.5 s, "> " × 3,000 answered 500 for good) and random
// mixtures of every mark marked treats specially (fast-check, pinned seed), compared at n and 4n.
import fc from "fast-check";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { boundMarkdown, MARKDOWN_LIMITS, renderMarkdown } from "../../app/utils/markdown.server.ts";
import { costRatio } from "./cost.ts";

/** Renders without the cache: every run gets a different last line. */
const render = (md: string, i: number) => renderMarkdown(`${md}\n\n${i + 2}`);
const sized = (unit: string) => (chars: number) => unit.repeat(Math.max(1, Math.floor(chars / unit.length)));

const PATHOLOGICAL = ["*a ", "_a ", "<b>", "**_", "[a](", "`a", "<a", "![", "[", "\\*", "[^1]", "~a ", "http://a.b ", "a@b.c ", "> ", "- ", "1. "];

describe("Markdown cost", () => {
  it.each(PATHOLOGICAL)("%j repeated costs linear time (n = 10,000 and 40,000 characters)", (unit) => {
    const c = costRatio(sized(unit), render, 10_000);
    expect(c.linear, `${unit}: ${c.small.toFixed(1)} → ${c.large.toFixed(1)} ms CPU (× ${c.ratio.toFixed(1)})`).toBe(true);
  });

  it("renders deep nesting without overflowing the stack: quotes, lists, emphasis", () => {
    const quotes = renderMarkdown("> ".repeat(3000) + "思想汇报");
    expect(quotes.match(/<blockquote>/g)).toHaveLength(MARKDOWN_LIMITS.maxDepth);
    expect(quotes).toContain("思想汇报");
    expect(() => renderMarkdown("- ".repeat(3000) + "a")).not.toThrow();
    expect(() => renderMarkdown(`${"*".repeat(10_000)}a${"*".repeat(10_000)}`)).not.toThrow();
    expect(() => renderMarkdown(Array.from({ length: 3000 }, (_, i) => `${" ".repeat(2 * i)}- a`).join("\n"))).not.toThrow();
  });

  it("shows a paragraph with too many marks as its plain text, escaped", () => {
    const html = renderMarkdown(`开头 **粗体**\n\n${"*a ".repeat(20_000)}<script>alert(1)</script>\n\n结尾`);
    expect(html).toContain("<strong>粗体</strong>");
    expect(html).toContain("*a *a *a");
    expect(html).toContain("&lt;script&gt;");
    expect(html).not.toContain("<script");
    expect(html).toContain("<p>结尾</p>");
  });

  it("leaves ordinary text as it is: every course file in courses/ passes the bounds unchanged", () => {
    const files = fs.readdirSync("courses", { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".md"));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = fs.readFileSync(path.join("courses", f), "utf8");
      expect(boundMarkdown(text), f).toEqual({ source: text, plain: [] });
    }
  });

  it("random mixtures of marks: no crash, nothing unsafe, cost linear (fast-check, seed 17)", () => {
    const fragment = fc.constantFrom(
      ...PATHOLOGICAL,
      "a",
      " ",
      "\n",
      "\n\n",
      "    ",
      "```",
      "|",
      "#",
      "{{",
      "&amp;",
      "学习",
      "<img src=x onerror=alert(1)>",
      "]",
      ")",
      "(",
      "\\",
    );
    fc.assert(
      fc.property(fc.array(fragment, { minLength: 1, maxLength: 30 }), (parts) => {
        const unit = parts.join("");
        const c = costRatio(sized(unit), render, 8_000);
        expect(c.linear, `${JSON.stringify(unit)}: ${c.small.toFixed(1)} → ${c.large.toFixed(1)} ms CPU (× ${c.ratio.toFixed(1)})`).toBe(true);
        expect(renderMarkdown(sized(unit)(32_000))).not.toMatch(/<script|<[a-z][^>]*\son\w+=/i);
      }),
      { seed: 17, numRuns: 25 },
    );
  });
});
