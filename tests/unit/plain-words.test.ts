// Teacher and trainee screens say things in plain Chinese, not in internals.
import { describe, expect, it } from "vitest";
import { cstMidnight, formatWindow } from "~/utils/cst.ts";
import { stemSummary } from "~/utils/exam-stem.server.ts";

describe("an exam's opening window in words", () => {
  const may1 = cstMidnight("2026-05-01") + 8 * 3600;
  it("says 不限时间 when neither end is set, never 不限 至 不限", () => {
    expect(formatWindow(null, null)).toBe("不限时间");
  });
  it("names the ends that are set", () => {
    expect(formatWindow(may1, null)).toBe("2026-05-01 08:00 起");
    expect(formatWindow(null, may1)).toBe("至 2026-05-01 08:00");
    expect(formatWindow(may1, may1 + 3600)).toBe("2026-05-01 08:00 至 2026-05-01 09:00");
  });
});

describe("a question's stem in a list", () => {
  it("shows a 填空 blank as ____, not the {{}} markup", () => {
    expect(stemSummary("党的最高理想是实现{{}}。", 60)).toBe("党的最高理想是实现____。");
  });
});
