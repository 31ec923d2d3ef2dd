import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { markdownToPlainText, renderMarkdown } from "~/utils/markdown.server";

// jsdom ships no type declarations (and @types/jsdom is not installed): load it through require with the
// small slice of its API used here. Scripts are not run (jsdom's default), so nothing here can execute.
type JsdomCtor = new (html: string, options?: { url?: string }) => { window: Window & typeof globalThis };
const { JSDOM } = createRequire(import.meta.url)("jsdom") as { JSDOM: JsdomCtor };

const PAGE_URL = "https://dangxiao.example/courses/jijifenzi-peixun/lessons/01";
const { window } = new JSDOM("<!doctype html><html><body></body></html>", { url: PAGE_URL });
const MEDIA = "/media/courses/jijifenzi-peixun/";

/** Parses HTML the way the page does (innerHTML of an element, like React's dangerouslySetInnerHTML). */
function parse(html: string): HTMLDivElement {
  const root = window.document.createElement("div");
  root.innerHTML = html;
  return root;
}

const FORBIDDEN_ELEMENTS =
  "script, iframe, frame, frameset, object, embed, applet, svg, math, style, form, input, button, " +
  "textarea, select, meta, base, link, template, noscript, details, video, audio, source, xmp";

/** Everything the renderer may emit; any other tag or attribute is a hole in the allowlist. */
const ALLOWED_TAGS = new Set(
  ("h1 h2 h3 h4 h5 h6 p br hr blockquote ul ol li pre code table thead tbody tfoot tr th td " + "em strong del sup sub a img section figure figcaption").split(
    " ",
  ),
);
const ALLOWED_ATTRIBUTES = new Set(
  ("href title target rel id data-footnote-ref data-footnote-backref aria-describedby aria-label " + "src alt loading start align data-footnotes class").split(
    " ",
  ),
);
const URL_ATTRIBUTES = new Set(["href", "src", "srcset", "action", "formaction", "data", "background", "poster", "xlink:href", "cite"]);

/** What a browser does to a URL attribute before reading its scheme: drop controls/whitespace, lowercase. */
function normalizeUrl(value: string): string {
  return value.replace(/[\u0000-\u0020\u007f-\u00a0]/g, "").toLowerCase();
}

function expectInert(html: string, label: string): void {
  const root = parse(html);
  expect(root.querySelectorAll(FORBIDDEN_ELEMENTS).length, `${label}: forbidden element in ${html}`).toBe(0);
  for (const el of Array.from(root.querySelectorAll("*"))) {
    const tag = el.tagName.toLowerCase();
    expect(ALLOWED_TAGS.has(tag), `${label}: unexpected <${tag}> in ${html}`).toBe(true);
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      expect(name.startsWith("on"), `${label}: event attribute ${name} in ${html}`).toBe(false);
      expect(name, `${label}: style attribute in ${html}`).not.toBe("style");
      expect(ALLOWED_ATTRIBUTES.has(name), `${label}: unexpected attribute ${name} in ${html}`).toBe(true);
      if (URL_ATTRIBUTES.has(name)) {
        // attr.value is the entity-decoded value, exactly what the browser resolves.
        const trimmed = attr.value.trim().toLowerCase();
        const normalized = normalizeUrl(attr.value);
        for (const scheme of ["javascript:", "data:", "vbscript:"]) {
          expect(trimmed.startsWith(scheme), `${label}: ${name}=${attr.value}`).toBe(false);
          expect(normalized.startsWith(scheme), `${label}: ${name}=${attr.value}`).toBe(false);
        }
        // And what the URL parser actually makes of it relative to the page.
        const protocol = new window.URL(attr.value, PAGE_URL).protocol;
        expect(["http:", "https:", "mailto:"], `${label}: ${name}=${attr.value} → ${protocol}`).toContain(protocol);
      }
    }
  }
}

// Each entry: [label, markdown]. Raw HTML is allowed in Markdown, so most payloads are raw HTML.
const XSS_CORPUS: Array<[string, string]> = [
  ["script tag", "<script>alert(1)</script>"],
  ["script in a paragraph", "正文 <script>alert(document.cookie)</script> 正文"],
  ["img onerror", "<img src=x onerror=alert(1)>"],
  ["IMG with mixed-case javascript src", "<IMG SRC=JaVaScRiPt:alert('XSS')>"],
  ["svg onload", "<svg onload=alert(1)>"],
  ["svg with script", "<svg><script>alert(1)</script></svg>"],
  ["svg xlink:href", '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="20">点击</text></a></svg>'],
  ["math mglyph/style mXSS", "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>"],
  ["math href", '<math href="javascript:alert(1)">点击</math>'],
  ["math annotation-xml", '<math><annotation-xml encoding="text/html"><img src=x onerror=alert(1)></annotation-xml></math>'],
  ["markdown link javascript:", "[x](javascript:alert(1))"],
  ["markdown link mixed case", "[x](JaVaScRiPt:alert(1))"],
  ["markdown link tab entity in scheme", "[x](java&#x09;script:alert(1))"],
  ["markdown link decimal entity", "[x](&#106;avascript:alert(1))"],
  ["markdown link angle-bracket destination", "[x](<javascript:alert(1)>)"],
  ["markdown image javascript:", "![x](javascript:alert(1))"],
  ["markdown link data:text/html", "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"],
  ["markdown image data:", "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)"],
  ["markdown link vbscript:", "[x](vbscript:msgbox(1))"],
  ["reference-style link", "[点击][evil]\n\n[evil]: javascript:alert(1)"],
  ["reference-style image", "![图][evil]\n\n[evil]: JAVASCRIPT:alert(1)"],
  ["autolink javascript:", "<javascript:alert(1)>"],
  ["a href javascript:", '<a href="javascript:alert(1)">x</a>'],
  ["a href hex entities", '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>'],
  ["a href entities without semicolons", '<a href="&#106&#97&#118&#97&#115&#99&#114&#105&#112&#116&#58alert(1)">x</a>'],
  ["a href zero-padded entity", '<a href="&#0000106avascript:alert(1)">x</a>'],
  ["a href &colon;", '<a href="javascript&colon;alert(1)">x</a>'],
  ["a href newline entity inside scheme", '<a href="jav&#x0A;ascript:alert(1)">x</a>'],
  ["a href literal tab inside scheme", '<a href="java\tscript:alert(1)">x</a>'],
  ["a href leading control characters", '<a href=" &#14;  javascript:alert(1)">x</a>'],
  ["a href data:text/html", '<a href="data:text/html,<script>alert(1)</script>">x</a>'],
  ["a href vbscript:", '<a href="vbscript:msgbox(1)">x</a>'],
  ["a with event handler and good href", '<a href="https://example.cn" onmouseover="alert(1)">x</a>'],
  ["iframe", '<iframe src="https://evil.example/"></iframe><iframe srcdoc="<script>alert(1)</script>"></iframe>'],
  ["object", '<object data="javascript:alert(1)"></object>'],
  ["embed", '<embed src="javascript:alert(1)">'],
  ["form action", '<form action="javascript:alert(1)"><input type="submit"><button formaction="javascript:alert(1)">提交</button></form>'],
  ["meta refresh", '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'],
  ["style element", "<style>body{background:url(javascript:alert(1))}</style>"],
  ["link stylesheet", '<link rel="stylesheet" href="javascript:alert(1)">'],
  ["style attribute expression/url", '<p style="width: expression(alert(1)); background: url(javascript:alert(1))">x</p>'],
  ["base href", '<base href="javascript:alert(1)//">'],
  ["event attribute on allowed tag", '<p onclick="alert(1)">段落</p>'],
  ["event attribute on table cell", "<table><tr><td onmouseover=alert(1) background=javascript:alert(1)>x</td></tr></table>"],
  ["details ontoggle", "<details open ontoggle=alert(1)><summary>s</summary>x</details>"],
  ["img srcset", '<img src="ok.png" srcset="javascript:alert(1) 1x">'],
  ["noscript parsing differential", '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>'],
  ["comment breakout", "<!--><img src=x onerror=alert(1)>-->"],
  ["template", "<template><script>alert(1)</script></template>"],
  ["xmp raw text", "<xmp><img src=x onerror=alert(1)></xmp>"],
  ["textarea/select raw text", "<textarea><img src=x onerror=alert(1)></textarea><select><option><img src=x onerror=alert(1)></option></select>"],
  ["split script tag", "<scr<script>ipt>alert(1)</scr</script>ipt>"],
  ["nested angle brackets", "<<script>script>alert(1)<</script>/script>"],
  ["attribute quote breakout", '<img src="x" alt="a"onerror="alert(1)">'],
  ["footnote label injection (marked-footnote aria-label)", 'x[^"><img src=x onerror=alert(1)>]\n\n[^"><img src=x onerror=alert(1)>]: 注'],
  ["link title breakout", '[x](https://example.cn "a\\" onmouseover=\\"alert(1)")'],
  ["media path to javascript:", "![x](media/javascript:alert(1)) [y](./media/../javascript:alert(1))"],
];

describe("renderMarkdown: XSS corpus", () => {
  it("has a real corpus", () => {
    expect(XSS_CORPUS.length).toBeGreaterThanOrEqual(25);
  });

  it.each(XSS_CORPUS)("%s renders nothing executable", (label, md) => {
    expectInert(renderMarkdown(md), label);
    expectInert(renderMarkdown(md, { mediaBase: MEDIA }), `${label} (with mediaBase)`);
  });

  it("keeps the text of dropped links and removes the whole content of script-like tags", () => {
    const root = parse(renderMarkdown("[点击这里](javascript:alert(1)) <script>alert(2)</script>"));
    expect(root.textContent).toContain("点击这里");
    expect(root.textContent).not.toContain("alert(2)");
    expect(root.querySelector("a")?.hasAttribute("href")).toBe(false);
  });
});

describe("renderMarkdown: content", () => {
  it("renders GFM tables with alignment", () => {
    const root = parse(renderMarkdown("| 阶段 | 时长 |\n|:---|:---:|\n| 入党积极分子 | 一年以上 |\n| 预备党员 | 一年 |"));
    const table = root.querySelector("table");
    expect(table).not.toBeNull();
    expect(Array.from(root.querySelectorAll("th")).map((th) => th.textContent)).toEqual(["阶段", "时长"]);
    expect(root.querySelectorAll("tbody tr")).toHaveLength(2);
    expect(root.querySelector("th:nth-child(2)")?.getAttribute("align")).toBe("center");
  });

  it("renders footnotes with working anchors", () => {
    const root = parse(renderMarkdown("党章规定[^1]，另见[^note]。\n\n[^1]: 《中国共产党章程》第一章。\n[^note]: 第二个注释。"));
    const refs = Array.from(root.querySelectorAll("sup a[data-footnote-ref]"));
    expect(refs.map((a) => a.getAttribute("href"))).toEqual(["#footnote-1", "#footnote-note"]);
    expect(refs.map((a) => a.textContent)).toEqual(["1", "2"]);
    const section = root.querySelector("section.footnotes");
    expect(section).not.toBeNull();
    const items = Array.from(section!.querySelectorAll("ol > li"));
    expect(items.map((li) => li.id)).toEqual(["footnote-1", "footnote-note"]);
    expect(items[0].textContent).toContain("《中国共产党章程》第一章。");
    const back = items[0].querySelector("a[data-footnote-backref]");
    expect(back?.getAttribute("href")).toBe("#footnote-ref-1");
    expect(root.querySelector("#footnote-ref-1")).toBe(refs[0]);
    // Internal anchors are not treated as external links.
    expect(back?.hasAttribute("target")).toBe(false);
  });

  it("does not leak footnotes from one render into the next (shared Marked instance)", () => {
    renderMarkdown("甲[^1]\n\n[^1]: 甲的注释");
    const html = renderMarkdown("乙，没有注释。");
    expect(html).not.toContain("footnote");
    expect(html).not.toContain("甲");
  });

  it("renders block quotes", () => {
    const root = parse(renderMarkdown("> 中国共产党是中国工人阶级的先锋队，\n> 同时是中国人民和中华民族的先锋队。\n\n正文"));
    const quote = root.querySelector("blockquote");
    expect(quote?.textContent?.trim()).toBe("中国共产党是中国工人阶级的先锋队，同时是中国人民和中华民族的先锋队。");
  });

  it("keeps Chinese text intact and joins soft line breaks between Chinese characters", () => {
    const html = renderMarkdown(
      "## 第一章　党员\n\n年满十八岁的中国工人、农民、军人、知识分子和其他社会阶层的先进分子，\n承认党的纲领和章程。\n\nEnglish words\nstay apart.",
    );
    const root = parse(html);
    expect(root.querySelector("h2")?.textContent).toBe("第一章　党员");
    const [p1, p2] = Array.from(root.querySelectorAll("p"));
    expect(p1.textContent).toBe("年满十八岁的中国工人、农民、军人、知识分子和其他社会阶层的先进分子，承认党的纲领和章程。");
    expect(p2.textContent).toBe("English words\nstay apart.");
  });

  it("renders images lazily, keeps alt and title, rejects data: images", () => {
    const root = parse(renderMarkdown('![党徽](https://cdn.example.cn/dh.png "党徽图案") ![坏](data:image/png;base64,AAAA)'));
    const imgs = root.querySelectorAll("img");
    expect(imgs).toHaveLength(1);
    expect(imgs[0].getAttribute("src")).toBe("https://cdn.example.cn/dh.png");
    expect(imgs[0].getAttribute("alt")).toBe("党徽");
    expect(imgs[0].getAttribute("title")).toBe("党徽图案");
    expect(imgs[0].getAttribute("loading")).toBe("lazy");
  });

  it("allows figure/figcaption and forces loading=lazy on raw HTML images", () => {
    const root = parse(
      renderMarkdown('<figure><img src="media/x.png" alt="图" loading="eager" width="9999"><figcaption>图1 说明</figcaption></figure>', { mediaBase: MEDIA }),
    );
    const img = root.querySelector("figure > img");
    expect(img?.getAttribute("src")).toBe(`${MEDIA}x.png`);
    expect(img?.getAttribute("loading")).toBe("lazy");
    expect(img?.hasAttribute("width")).toBe(false);
    expect(root.querySelector("figcaption")?.textContent).toBe("图1 说明");
  });

  it("rewrites relative media URLs to the course media base", () => {
    const md = [
      "![a](media/a.png)",
      "![b](./media/sub/b.jpg)",
      "![c](../media/c.png?v=2#top)",
      "![d](../media/图片.png)",
      "[讲义](../media/jiangyi.pdf)",
      "![e](images/e.png)",
      "[其他课时](02-dang-zhang)",
      "![f](media/../../secret.png)",
      "![g](https://cdn.example.cn/media/g.png)",
    ].join("\n\n");
    const root = parse(renderMarkdown(md, { mediaBase: "/media/courses/jijifenzi-peixun" }));
    const srcs = Array.from(root.querySelectorAll("img")).map((img) => img.getAttribute("src"));
    expect(srcs).toEqual([
      `${MEDIA}a.png`,
      `${MEDIA}sub/b.jpg`,
      `${MEDIA}c.png?v=2#top`,
      `${MEDIA}%E5%9B%BE%E7%89%87.png`,
      "images/e.png",
      "media/../../secret.png",
      "https://cdn.example.cn/media/g.png",
    ]);
    const hrefs = Array.from(root.querySelectorAll("a")).map((a) => a.getAttribute("href"));
    expect(hrefs).toEqual([`${MEDIA}jiangyi.pdf`, "02-dang-zhang"]);
    expect(root.querySelector("a")?.hasAttribute("target")).toBe(false);
  });

  it("leaves media URLs alone without a media base", () => {
    const root = parse(renderMarkdown("![a](../media/a.png)"));
    expect(root.querySelector("img")?.getAttribute("src")).toBe("../media/a.png");
  });

  it("opens external links in a new tab with rel=noopener, and only those", () => {
    const root = parse(
      renderMarkdown(
        "[新华网](https://www.news.cn/) [人民网](http://www.people.com.cn) www.12371.cn " +
          "[邮件](mailto:dangxiao@example.cn) [本站](/courses) [锚点](#part-2) " +
          '<a href="/x" target="_top" rel="opener">内部</a>',
      ),
    );
    const links = Array.from(root.querySelectorAll("a"));
    const external = links.filter((a) => a.getAttribute("target") === "_blank");
    expect(external.map((a) => a.getAttribute("href"))).toEqual(["https://www.news.cn/", "http://www.people.com.cn", "http://www.12371.cn"]);
    for (const a of external) expect(a.getAttribute("rel")).toBe("noopener noreferrer");
    const internal = links.filter((a) => a.getAttribute("target") !== "_blank");
    expect(internal.map((a) => a.getAttribute("href"))).toEqual(["mailto:dangxiao@example.cn", "/courses", "#part-2", "/x"]);
    for (const a of internal) {
      expect(a.hasAttribute("target")).toBe(false);
      expect(a.hasAttribute("rel")).toBe(false);
    }
  });

  it("escapes code blocks and inline code", () => {
    const html = renderMarkdown("```html\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n```\n\n行内 `<b>粗体</b>` 代码");
    const root = parse(html);
    expect(root.querySelectorAll("script, img, b")).toHaveLength(0);
    const code = root.querySelector("pre > code");
    expect(code?.className).toBe("language-html");
    expect(code?.textContent).toBe("<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n");
    expect(root.querySelector("p > code")?.textContent).toBe("<b>粗体</b>");
  });

  it("drops author-supplied ids and classes, keeps lists, emphasis and rules", () => {
    const root = parse(renderMarkdown('<h2 id="csrf" class="btn">标题</h2>\n\n1. **一**\n2. *二*\n3. ~~三~~\n\n---\n\n<ol start="3"><li>丙</li></ol>'));
    expect(root.querySelector("h2")?.hasAttribute("id")).toBe(false);
    expect(root.querySelector("h2")?.hasAttribute("class")).toBe(false);
    expect(root.querySelectorAll("ol > li strong, ol > li em, ol > li del")).toHaveLength(3);
    expect(root.querySelector("hr")).not.toBeNull();
    expect(root.querySelectorAll("ol")[1].getAttribute("start")).toBe("3");
  });

  it("renders task lists without <input>", () => {
    const root = parse(renderMarkdown("- [x] 学习党章\n- [ ] 撰写思想汇报"));
    expect(root.querySelector("input")).toBeNull();
    expect(Array.from(root.querySelectorAll("li")).map((li) => li.textContent)).toEqual(["☑ 学习党章", "☐ 撰写思想汇报"]);
  });

  it("returns an empty string for empty input", () => {
    expect(renderMarkdown("")).toBe("");
    expect(renderMarkdown("  \n\n ")).toBe("");
  });
});

describe("markdownToPlainText", () => {
  it("strips tags, decodes entities and collapses whitespace", () => {
    const text = markdownToPlainText("# 第一课\n\n坚持**党的领导**，a &amp; b < c。\n\n- 一\n- 二\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n```\ncode  block\n```");
    expect(text).toBe("第一课 坚持党的领导，a & b < c。 一 二 x y 1 2 code block");
  });

  it("leaves out footnote markers and footnotes", () => {
    expect(markdownToPlainText("正文[^1]结束。\n\n[^1]: 注释内容")).toBe("正文结束。");
  });

  it("separates blocks written as raw HTML", () => {
    expect(markdownToPlainText("<p>甲</p><p>乙</p>")).toBe("甲 乙");
  });

  it("keeps no executable content", () => {
    expect(markdownToPlainText("<script>alert(1)</script>正文<img src=x onerror=alert(1)>")).toBe("正文");
  });

  it("returns text, not HTML: markup the author wrote as text stays literal (callers must escape it)", () => {
    // Not valid inline HTML for CommonMark (quote in an unquoted attribute), so marked shows it as text.
    expect(markdownToPlainText("<IMG SRC=JaVaScRiPt:alert('XSS')>")).toBe("<IMG SRC=JaVaScRiPt:alert('XSS')>");
    expect(renderMarkdown("<IMG SRC=JaVaScRiPt:alert('XSS')>")).toBe("<p>&lt;IMG SRC=JaVaScRiPt:alert('XSS')&gt;</p>\n");
  });
});

describe("trainee-written text", () => {
  const report = "敬爱的党组织：\n\n我志愿加入中国共产党。\n\n汇报人：张晓明\n2026年5月1日<script>alert(1)</script>";
  it("keeps the writer's line breaks with { breaks: true }, and stays sanitized", () => {
    const html = renderMarkdown(report, { breaks: true });
    expect(html).toContain("汇报人：张晓明<br />2026年5月1日");
    expect(html).not.toContain("<script");
  });
  it("renders course text as Markdown (no breaks), cached apart from the breaks rendering", () => {
    renderMarkdown(report, { breaks: true });
    expect(renderMarkdown(report)).not.toContain("<br");
  });
});
