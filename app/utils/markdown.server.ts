/**
 * The one Markdown renderer of the product: lessons, course intros, question stems,
 * assignment prompts and feedback all go through `renderMarkdown`.
 *
 * marked does not sanitize, so its output always goes through sanitize-html with a strict allowlist.
 * URLs get a second, stricter check of our own (`classifyUrl`) on top of sanitize-html's scheme filter:
 * attribute values arrive here entity-decoded by the HTML parser and are re-encoded on output, so the
 * value we check is exactly the value the browser will see.
 *
 * Both the Marked instance and the sanitize options are built once, at module level; the only per-call
 * state (the media base) lives in a module variable for the duration of one synchronous call.
 */
import { Marked, type Tokens } from "marked";
import markedFootnote from "marked-footnote";
import sanitizeHtml from "sanitize-html";
import { runTask } from "./workers.server.ts";

export type RenderMarkdownOptions = {
  /**
   * Public URL prefix of the course's media folder, e.g. `/media/courses/jijifenzi-peixun/`.
   * Relative URLs `media/x`, `./media/x` and `../media/x` are rewritten to `${mediaBase}x`.
   */
  mediaBase?: string;
  /**
   * Every line break of the source is a line break on the page (for what trainees write: a 思想汇报's
   * "汇报人：张晓明" and its date lines stay apart), instead of Markdown's joining of lines.
   */
  breaks?: boolean;
};

// ---------------------------------------------------------------------------------------------- marked

const footnotes = markedFootnote({
  prefixId: "footnote-",
  description: "注释",
  // No "{0}": marked-footnote 1.4 puts the raw footnote label into aria-label unescaped.
  backRefLabel: "返回正文",
});
// marked's walkTokens concatenates a growing array once per token (quadratic: 20,000 tokens took 0.5 s).
// The footnote extension only needs to see the top-level tokens, where its footnote list lives; it is
// run on those once the text is lexed instead.
const footnoteFixup = footnotes.walkTokens!;
delete footnotes.walkTokens;

const marked = new Marked({ gfm: true, breaks: false, async: false }, footnotes, {
  hooks: {
    processAllTokens(tokens) {
      for (const token of tokens) void footnoteFixup(token);
      return tokens;
    },
  },
  renderer: {
    // GFM task lists render <input type=checkbox>, and no <input> may pass the sanitizer: use glyphs.
    checkbox({ checked }: Tokens.Checkbox): string {
      return checked ? "☑" : "☐";
    },
  },
});

// ---------------------------------------------------------------------------------------------- URLs

/**
 * Everything a browser ignores or strips when it reads a URL's scheme (C0 controls, space, DEL, C1
 * controls) plus invisible characters an author could paste by accident or an attacker on purpose.
 * Removed only to *detect* the scheme; never to build the output URL.
 */
const INVISIBLE = /[\u0000-\u0020\u007f-\u00a0\u00ad\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u2064\u3000\ufeff]/g;
const SCHEME = /^([a-z][a-z0-9+.-]*):/;
/** Leading/trailing C0 controls and spaces, which the URL parser strips as well. */
const EDGE_JUNK = /^[\u0000-\u0020]+|[\u0000-\u0020]+$/g;

type UrlKind = "anchor" | "relative" | "external" | "mailto";

/**
 * Classifies a (decoded) URL attribute value, or returns null when it must not be emitted:
 * any scheme other than those allowed (javascript:, data:, vbscript:, file:, …), in any case or with
 * whitespace/control characters hidden inside the scheme.
 */
function classifyUrl(raw: string, allowMailto: boolean): UrlKind | null {
  const probe = raw.replace(INVISIBLE, "").toLowerCase();
  if (probe === "") return null;
  // HTML comments are sometimes used to smuggle schemes past naive filters; never legitimate here.
  if (probe.includes("<!--") || probe.includes("-->")) return null;
  const scheme = SCHEME.exec(probe)?.[1];
  if (scheme !== undefined) {
    if (scheme === "http" || scheme === "https") return "external";
    if (scheme === "mailto" && allowMailto) return "mailto";
    return null;
  }
  // No scheme before the first ":"? A colon in the first path segment of a relative URL is legitimate
  // only after a "/", "?" or "#"; anything else ("1javascript:", "&colon;"-style leftovers) is refused.
  const colon = probe.indexOf(":");
  if (colon !== -1) {
    const head = probe.slice(0, colon);
    if (!/[/?#\\]/.test(head)) return null;
  }
  if (/^[/\\]{2}/.test(probe)) return "external"; // protocol-relative: //host/path (browsers treat \ as /)
  if (probe.startsWith("#")) return "anchor";
  return "relative";
}

const MEDIA_PREFIX = /^(?:\.\.?\/)?media\/(.+)$/;
/** A ".." path segment, also percent-encoded, in either slash direction. */
const DOT_DOT_SEGMENT = /(?:^|[/\\])(?:\.|%2e){2}(?:[/\\]|$)/i;

/** Module-level state for the duration of one synchronous `renderMarkdown` call. */
let currentMediaBase: string | undefined;

function rewriteMedia(url: string): string {
  if (currentMediaBase === undefined) return url;
  const m = MEDIA_PREFIX.exec(url);
  if (!m) return url;
  const rest = m[1];
  // "media/../../secret" must not be turned into a path that climbs out of the course media folder.
  if (DOT_DOT_SEGMENT.test(rest) || rest.startsWith("/") || rest.startsWith("\\")) return url;
  return currentMediaBase + rest;
}

// ---------------------------------------------------------------------------------------------- sanitize

/** Footnote ids only (marked-footnote emits `footnote-…`): no author-controlled ids that could clobber
 *  globals or collide with the app's own element ids. */
const SAFE_ID = /^footnote-[^\s"'<>`]{1,100}$/;

const ALIGN = { name: "align", multiple: false, values: ["left", "center", "right"] };

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "br",
    "hr",
    "blockquote",
    "ul",
    "ol",
    "li",
    "pre",
    "code",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "em",
    "strong",
    "del",
    "sup",
    "sub",
    "a",
    "img",
    "section",
    "figure",
    "figcaption",
  ],
  allowedAttributes: {
    a: ["href", "title", "target", "rel", "id", "data-footnote-ref", "data-footnote-backref", "aria-describedby", "aria-label"],
    img: ["src", "alt", "title", "loading"],
    h1: ["id"],
    h2: ["id"],
    h3: ["id"],
    h4: ["id"],
    h5: ["id"],
    h6: ["id"],
    li: ["id"],
    ol: ["start"],
    th: [ALIGN],
    td: [ALIGN],
    section: ["data-footnotes"],
    code: [],
  },
  allowedClasses: {
    code: ["language-*"],
    section: ["footnotes"],
    h2: ["sr-only"],
  },
  // Schemes by tag, as a second line of defence behind classifyUrl (which has already removed the rest).
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesByTag: { img: ["http", "https"] },
  allowedSchemesAppliedToAttributes: ["href", "src", "cite"],
  allowProtocolRelative: true,
  // (Empty values: sanitize-html keeps empty data-* attributes, which the footnote markers are, and
  // `alt=""` through its default allowedEmptyAttributes.)
  disallowedTagsMode: "discard",
  // Disallowed tags whose *content* must go too, not only the tag.
  nonTextTags: [
    "script",
    "style",
    "textarea",
    "option",
    "xmp",
    "noscript",
    "noembed",
    "noframes",
    "template",
    "iframe",
    "object",
    "title",
    "svg",
    "math",
    "select",
    "head",
  ],
  parser: { lowerCaseTags: true, lowerCaseAttributeNames: true, decodeEntities: true },
  transformTags: {
    a(tagName, attribs) {
      const out: sanitizeHtml.Attributes = {};
      const raw = attribs.href;
      if (raw !== undefined) {
        const href = rewriteMedia(raw.replace(EDGE_JUNK, ""));
        const kind = classifyUrl(href, true);
        if (kind !== null) {
          out.href = href;
          if (kind === "external") {
            out.target = "_blank";
            out.rel = "noopener noreferrer";
          }
        }
      }
      for (const name of ["title", "id", "aria-describedby", "aria-label"] as const) {
        if (attribs[name] !== undefined) out[name] = attribs[name];
      }
      for (const name of ["data-footnote-ref", "data-footnote-backref"] as const) {
        if (attribs[name] !== undefined) out[name] = "";
      }
      return { tagName, attribs: out };
    },
    img(tagName, attribs) {
      const out: sanitizeHtml.Attributes = {};
      const raw = attribs.src;
      if (raw !== undefined) {
        const src = rewriteMedia(raw.replace(EDGE_JUNK, ""));
        const kind = classifyUrl(src, false);
        if (kind === "relative" || kind === "external") out.src = src;
      }
      out.alt = attribs.alt ?? "";
      if (attribs.title !== undefined) out.title = attribs.title;
      out.loading = "lazy";
      return { tagName, attribs: out };
    },
    "*"(tagName, attribs) {
      // Runs after the per-tag transforms: only footnote ids survive.
      if (attribs.id !== undefined && !SAFE_ID.test(attribs.id)) {
        const { id: _dropped, ...rest } = attribs;
        return { tagName, attribs: rest };
      }
      return { tagName, attribs };
    },
  },
  // An <img> whose src was refused is dropped entirely instead of rendering a broken image.
  exclusiveFilter: (frame) => frame.tag === "img" && !frame.attribs.src,
  textFilter: joinCjkLines,
};

/**
 * A soft line break between two CJK characters renders as a stray space in most browsers
 * ("学习\n党章" → "学习 党章"). Authors who wrap long Chinese paragraphs get it everywhere; join such
 * lines when both sides are Chinese (or one side Chinese and the other a dash, quote or ellipsis as used
 * in Chinese text), except inside code where line breaks are content.
 */
const CJK = "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef";
const CJK_NEAR = "\u00b7\u2014\u2018\u2019\u201c\u201d\u2026";
const IS_CJK = new RegExp(`[${CJK}]`);
const SOFT_BREAK = new RegExp(`([${CJK}${CJK_NEAR}])[ \\t]*\\n[ \\t]*(?=([${CJK}${CJK_NEAR}]))`, "g");

function joinCjkLines(text: string, tagName: string): string {
  if (tagName === "code" || tagName === "pre" || !text.includes("\n")) return text;
  return text.replace(SOFT_BREAK, (whole: string, left: string, right: string) => (IS_CJK.test(left) || IS_CJK.test(right) ? left : whole));
}

/** Second pass for plain text: no tags at all; footnote markers and the footnote section are dropped. */
const PLAIN_TEXT_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [],
  allowedAttributes: {},
  disallowedTagsMode: "discard",
  nonTextTags: ["script", "style", "textarea", "option", "xmp", "drop-content"],
  transformTags: {
    section: (tagName, attribs) => ({
      tagName: attribs["data-footnotes"] !== undefined ? "drop-content" : tagName,
      attribs,
    }),
    a: (tagName, attribs) => ({
      tagName: attribs["data-footnote-ref"] !== undefined ? "drop-content" : tagName,
      attribs,
    }),
  },
};

const BLOCK_END = /<\/(?:p|h[1-6]|li|blockquote|pre|tr|th|td|figcaption|figure|section|table)>|<(?:br|hr)\s*\/?>/gi;

// ---------------------------------------------------------------------------------------------- bounds

/**
 * What any text may cost to render. marked rescans the rest of a paragraph for every opening `*`, `_`,
 * `[` or `<` and copies the whole paragraph once per backslash escape, code span or link (`"*a " × 13,334`
 * took 23 s, `"[a](" × 5,000` 110 s), and its block rules recurse once per level of nesting (`"> " ×
 * 3,000` overflowed the stack). A linear pre-pass keeps every input inside what marked does fast:
 * - at most `maxDepth` levels of quotes and lists on a line: deeper markers are shown as text;
 * - a paragraph whose marks (emphasis, links, HTML, code, escapes) times its length exceeds `markWork`,
 *   or that would take the whole text past `totalWork`, is shown as plain text, unparsed (a
 *   1,000-character paragraph may hold 20,000 marks, a 100,000-character one 200; ordinary writing has a
 *   handful); runs of more than 3 `*`, `_` or `~` are always text;
 * - at most `maxLinkDefinitions` reference-link definitions (each reference looks through all of them);
 * - text beyond `maxChars` is not rendered (the forms allow less: 200,000 characters for written work,
 *   1 MB for a course file).
 * Marks shown as text are numeric character references, which marked passes through without work (a
 * backslash escape would itself cost a copy of the paragraph); a paragraph shown as plain text is left
 * out of marked's input and put back, escaped, after sanitizing. Fenced code blocks pass unchanged.
 */
export const MARKDOWN_LIMITS = { maxChars: 1024 * 1024, maxDepth: 10, markWork: 20_000_000, totalWork: 40_000_000, maxIndent: 48, maxLinkDefinitions: 500 };

/** The limits as the forms state them. */
export const MARKDOWN_LIMITS_TEXT = `引用和列表最多嵌套 ${MARKDOWN_LIMITS.maxDepth} 层；一段中的强调、链接等标记过多时按原文显示`;

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const BLANK = /^[ \t]*$/;
// Emphasis runs, link and HTML brackets, code, escapes, quote markers and what GFM turns into links.
const MARK = /\*+|_+|~+|[[\]<>`\\@]|https?:|www\./g;
const THEMATIC_BREAK = /^[ \t*_~-]*$/;
const LINK_DEFINITION = /^ {0,3}\[[^\]]*\]:/;
const LONG_RUN = /\*{4,}|_{4,}|~{4,}/g;
const asText = (c: string) => `&#${c.charCodeAt(0)};`;

/** The line with runs of 4 or more `*`, `_` or `~` as text (deep runs nest emphasis once per mark). */
function escapeRuns(line: string): string {
  if (THEMATIC_BREAK.test(line) || !/\*{4}|_{4}|~{4}/.test(line)) return line;
  return line.replace(LONG_RUN, (run) => asText(run[0]!).repeat(run.length));
}

/** A line with its quote and list markers beyond `maxDepth` shown as text and its indentation capped. */
function capNesting(line: string): string {
  let at = 0;
  let depth = 0;
  for (;;) {
    const start = at;
    while (line[at] === " " || line[at] === "\t") at++;
    if (at - start > MARKDOWN_LIMITS.maxIndent) {
      line = line.slice(0, start + MARKDOWN_LIMITS.maxIndent) + line.slice(at);
      at = start + MARKDOWN_LIMITS.maxIndent;
    }
    const marker = /^(?:>|[-+*](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))/.exec(line.slice(at, at + 11))?.[0];
    if (!marker) return line;
    if (++depth > MARKDOWN_LIMITS.maxDepth) return line.slice(0, at) + marker.slice(0, -1) + asText(marker.slice(-1)) + line.slice(at + marker.length);
    at += marker.length;
  }
}

/** Stands for a paragraph shown as plain text; the input's own private-use characters are replaced. */
const PLACEHOLDER = /\uE000(\d+)\uE001/g;
const PRIVATE = /[\uE000\uE001]/g;

/** The source as marked may safely see it, linear in its length, and the paragraphs left out of it. */
export function boundMarkdown(md: string): { source: string; plain: string[] } {
  const lines = md.slice(0, MARKDOWN_LIMITS.maxChars).replace(PRIVATE, "\uFFFD").split("\n");
  const out: string[] = [];
  const plain: string[] = [];
  let work = 0;
  let block: string[] = [];
  let fence: string | null = null;
  const flush = () => {
    if (!block.length) return;
    let marks = 0;
    let length = 0;
    for (const line of block) {
      marks += line.match(MARK)?.length ?? 0;
      length += line.length + 1;
    }
    work += marks * length;
    if (marks * length > MARKDOWN_LIMITS.markWork || work > MARKDOWN_LIMITS.totalWork) {
      out.push("", `\uE000${plain.length}\uE001`, "");
      plain.push(block.join("\n"));
    } else {
      out.push(...block.map(escapeRuns));
    }
    block = [];
  };
  let definitions = 0;
  for (let raw of lines) {
    if (LINK_DEFINITION.test(raw) && ++definitions > MARKDOWN_LIMITS.maxLinkDefinitions) raw = raw.replace("[", asText("["));
    if (fence !== null) {
      out.push(raw);
      if (raw.trim().startsWith(fence)) fence = null;
      continue;
    }
    const open = FENCE.exec(raw);
    if (open) {
      flush();
      fence = open[1]!;
      out.push(raw);
    } else if (BLANK.test(raw)) {
      flush();
      out.push(raw);
    } else {
      block.push(capNesting(raw));
    }
  }
  flush();
  return { source: out.join("\n"), plain };
}

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

// ---------------------------------------------------------------------------------------------- API

function normalizeMediaBase(base: string | undefined): string | undefined {
  if (base === undefined || base === "") return undefined;
  return base.endsWith("/") ? base : `${base}/`;
}

/** A lesson's `video:`/`captions:` reference (`media/x.mp4` or an https:// URL) as a URL under `mediaBase`. */
export function courseMediaUrl(mediaBase: string, ref: string | null): string | null {
  return ref === null ? null : /^https:\/\//.test(ref) ? ref : `${mediaBase}${ref.replace(/^media\//, "")}`;
}

/**
 * Markdown → safe HTML (GFM, tables, footnotes). The result may be put into the page with
 * `dangerouslySetInnerHTML`; wrap it in an element with class `prose` (app/styles/prose.css).
 */
export function renderMarkdown(md: string, opts?: RenderMarkdownOptions): string {
  const source = typeof md === "string" ? md : String(md ?? "");
  if (source.trim() === "") return "";
  const key = cacheKey(source, opts);
  const hit = cache.get(key);
  if (hit !== undefined) {
    // Refresh its place so the most used lessons stay.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const bounded = boundMarkdown(source);
  const html = marked.parse(bounded.source, { async: false, breaks: Boolean(opts?.breaks) });
  currentMediaBase = normalizeMediaBase(opts?.mediaBase);
  let safe: string;
  try {
    safe = sanitizeHtml(html, SANITIZE_OPTIONS);
  } finally {
    currentMediaBase = undefined;
  }
  if (bounded.plain.length) safe = safe.replace(PLACEHOLDER, (_, i: string) => escapeHtml(joinCjkLines(bounded.plain[Number(i)] ?? "", "p")));
  return remember(key, safe);
}

/** Texts longer than this render in a worker thread (1 MB of ordinary Markdown costs about a second). */
const OFF_THREAD_CHARS = 32 * 1024;

/**
 * `renderMarkdown` for text that may be long (lessons, submissions, the editor): a long text renders in a
 * worker thread (app/utils/workers.server.ts), so no other request waits for it; the cache is this
 * thread's.
 */
export async function renderMarkdownOffThread(md: string, opts?: RenderMarkdownOptions): Promise<string> {
  if (md.length <= OFF_THREAD_CHARS) return renderMarkdown(md, opts);
  const key = cacheKey(md, opts);
  return cache.get(key) ?? remember(key, await runTask("markdown", { md, opts }));
}

const cacheKey = (source: string, opts?: RenderMarkdownOptions) => `${opts?.breaks ? "br" : ""}\0${opts?.mediaBase ?? ""}\0${source}`;
function remember(key: string, html: string): string {
  cache.set(key, html);
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return html;
}

/**
 * Rendered HTML by source: lesson pages render the same Markdown for every trainee, and rendering is
 * the most expensive part of the page. Bounded (LRU); a pure function of its input, so a second
 * instance simply has its own.
 */
const cache = new Map<string, string>();
const CACHE_ENTRIES = 500;

/**
 * Markdown → plain text (for summaries, search and similarity): rendered, sanitized, all tags removed,
 * entities decoded, whitespace collapsed. Footnote markers and footnotes are left out.
 */
export function markdownToPlainText(md: string): string {
  const html = renderMarkdown(md);
  if (html === "") return "";
  const text = sanitizeHtml(html.replace(BLOCK_END, "$& "), PLAIN_TEXT_OPTIONS);
  // sanitize-html re-escapes only &, < and > in text (everything else was decoded by its parser).
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&").replace(/\s+/g, " ").trim();
}
