// The course parser costs linear time on any input: the bank file that took 15.7 s in the editor
// (`{{` × 40,000) and random mixtures of the format's own syntax (fast-check, pinned seed), at n and 4n.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseBankText } from "../../app/utils/course-format.server.ts";
import { costRatio } from "./cost.ts";

const HEAD = "---\ntitle: 题库\n---\n\n## 填空 [2分]\n\n";
const bank = (unit: string) => (chars: number) => HEAD + unit.repeat(Math.max(1, Math.floor(chars / unit.length)));
const parse = (text: string) => void parseBankText(text);

describe("course parser cost", () => {
  it.each(["{{", "{{a", "{{\n", "{{a}}", "## 单选 [", "- [x] ", "> 解析：", "[[[["])(
    "%j repeated costs linear time (n = 20,000 and 80,000 characters)",
    (unit) => {
      const c = costRatio(bank(unit), parse, 20_000);
      expect(c.linear, `${unit}: ${c.small.toFixed(1)} → ${c.large.toFixed(1)} ms CPU (× ${c.ratio.toFixed(1)})`).toBe(true);
    },
  );

  it("still finds each blank on its own line, the first }} after each {{", () => {
    const { bank: b, errors } = parseBankText(`${HEAD}党的{{最高理想/共产主义}}和{{{宗旨}}}，{{未闭合\n下一行}}。\n`);
    expect(errors).toEqual([]);
    expect(b!.questions[0]!.answer).toEqual({ blanks: [["最高理想", "共产主义"], ["{宗旨"]], orderFree: false });
    expect(b!.questions[0]!.stem_md).toBe("党的{{}}和{{}}}，{{未闭合\n下一行}}。");
  });

  it("random mixtures of the format's syntax: no crash, cost linear (fast-check, seed 17)", () => {
    const fragment = fc.constantFrom(
      "{{",
      "}}",
      "/",
      "\n",
      "## ",
      "单选",
      "填空",
      "[",
      "]",
      "2分",
      "- [x] ",
      "- [ ] ",
      "答案：",
      "> 解析：",
      "参考答案：",
      "---\n",
      "a",
      " ",
      "：",
      "知识点:",
    );
    fc.assert(
      fc.property(fc.array(fragment, { minLength: 1, maxLength: 25 }), (parts) => {
        const unit = parts.join("");
        const c = costRatio(bank(unit), parse, 20_000);
        expect(c.linear, `${JSON.stringify(unit)}: ${c.small.toFixed(1)} → ${c.large.toFixed(1)} ms CPU (× ${c.ratio.toFixed(1)})`).toBe(true);
      }),
      { seed: 17, numRuns: 40 },
    );
  });
});
