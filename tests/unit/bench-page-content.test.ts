// The bench compares a page with the fair baseline only when both show the same thing (scripts/bench/pages/content.ts).
import { describe, expect, it } from "vitest";
import { sameContent } from "../../scripts/bench/pages/content.ts";

const page = (title: string, main: string, extra = "") =>
  `<!DOCTYPE html><html><head><title>${title}</title>${extra}</head><body><div class="shell"><header></header><main>${main}</main><footer class="footer">x</footer></div><script>${extra}</script></body></html>`;

describe("sameContent", () => {
  it("accepts the same shell and page whatever the scripts, nonces and discovery attributes", () => {
    const app = page("课时 · 网上党校", `<a href="/a" data-discover="true">甲</a><script nonce="abc"></script>`, "window.__remixContext={}");
    const baseline = page("课时 · 网上党校", `<a href="/a">甲</a><script nonce="xyz"></script>`, "window.__pageData={}");
    expect(sameContent(app, baseline)).toBeNull();
  });

  it("refuses a different title, text or link and says where", () => {
    expect(sameContent(page("甲", "x"), page("乙", "x"))).toMatch(/title/);
    expect(sameContent(page("甲", "<p>已观看 10%</p>"), page("甲", "<p>已观看 0%</p>"))).toMatch(/body differs/);
    expect(sameContent(page("甲", '<a href="/a">x</a>'), page("甲", '<a href="/b">x</a>'))).toMatch(/body differs/);
  });

  it("refuses a page without the app's shell", () => {
    expect(sameContent("<html><body>nothing</body></html>", page("甲", "x"))).toMatch(/no shell/);
  });
});
