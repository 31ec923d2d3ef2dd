// The forms a page posts to itself, read from its HTML the way a browser sees them, and bodies built
// from them: the values a user would leave in every field, then hostile ones field by field.
// @ts-expect-error jsdom ships no type declarations (and @types/jsdom is not installed); only its constructor is used.
import { JSDOM as UntypedJSDOM } from "jsdom";

const JSDOM = UntypedJSDOM as new (html: string, opts?: { url?: string }) => { window: { document: Document } };

/** A parsed HTML document, as a browser would build it. */
export const parseHtml = (html: string, url?: string): Document => new JSDOM(html, url ? { url } : {}).window.document;

export type Field = {
  name: string;
  /** "text", "textarea", "select", "hidden", "number", "checkbox", "radio", "file", "date", … */
  kind: string;
  /** What a browser sends when the user changes nothing (radio groups: the checked or first one). */
  value: string | null;
  options?: string[];
  accept?: string;
};

export type FoundForm = {
  /** Where the browser would post it (with Remix's `?index` for index routes). */
  action: string;
  multipart: boolean;
  fields: Field[];
  /** Named submit buttons (e.g. intent=save / intent=submit): each is a way to send the form. */
  submitters: { name: string; value: string }[];
};

/** Forms with method=post whose action is the page itself (not the header's sign-out form). */
export function formsOf(html: string, pageUrl: string): FoundForm[] {
  const document = parseHtml(html, pageUrl);
  const page = new URL(pageUrl);
  const found: FoundForm[] = [];
  for (const form of Array.from(document.querySelectorAll("form"))) {
    if ((form.getAttribute("method") ?? "get").toLowerCase() !== "post") continue;
    const action = new URL(form.getAttribute("action") ?? pageUrl, pageUrl);
    if (action.pathname !== page.pathname) continue;
    const fields: Field[] = [];
    const seenRadio = new Set<string>();
    for (const el of Array.from(form.querySelectorAll("input, select, textarea"))) {
      const name = el.getAttribute("name");
      if (!name) continue;
      const tag = el.tagName.toLowerCase();
      if (tag === "textarea") fields.push({ name, kind: "textarea", value: (el as HTMLTextAreaElement).value });
      else if (tag === "select") {
        const s = el as HTMLSelectElement;
        const options = Array.from(s.options).map((o) => o.value);
        const chosen = s.value || options.find((o) => o !== "") || "";
        fields.push({ name, kind: "select", value: chosen, options });
      } else {
        const input = el as HTMLInputElement;
        const type = (input.getAttribute("type") ?? "text").toLowerCase();
        if (["submit", "button", "image", "reset"].includes(type)) continue;
        if (type === "radio") {
          if (seenRadio.has(name)) continue;
          seenRadio.add(name);
          const group = Array.from(form.querySelectorAll(`input[type=radio][name="${name}"]`)) as HTMLInputElement[];
          fields.push({ name, kind: "radio", value: (group.find((r) => r.checked) ?? group[0])!.value, options: group.map((r) => r.value) });
        } else if (type === "checkbox")
          fields.push({ name, kind: "checkbox", value: input.checked ? input.value || "on" : null, options: [input.value || "on"] });
        else if (type === "file") fields.push({ name, kind: "file", value: null, accept: input.getAttribute("accept") ?? "" });
        else fields.push({ name, kind: type, value: input.value || plausible(type, name, input) });
      }
    }
    const submitters = Array.from(form.querySelectorAll("button[name], input[type=submit][name]"))
      .map((b) => ({ name: b.getAttribute("name")!, value: b.getAttribute("value") ?? "" }))
      .filter((b, i, all) => all.findIndex((x) => x.name === b.name && x.value === b.value) === i);
    found.push({ action: action.pathname + action.search, multipart: (form.getAttribute("enctype") ?? "").includes("multipart"), fields, submitters });
  }
  return found;
}

/** What a careful user would type into an empty field, so that hostile input in another field reaches its check. */
function plausible(type: string, name: string, input: HTMLInputElement): string {
  if (type === "hidden") return "";
  if (type === "number") return input.getAttribute("min") && Number(input.getAttribute("min")) > 0 ? input.getAttribute("min")! : "1";
  if (type === "date") return "2026-05-01";
  if (type === "datetime-local") return "2026-12-01T10:00";
  if (type === "email") return "test@example.edu.cn";
  if (type === "password") return "Abcd1234efgh";
  if (/date/i.test(name)) return "2026-05-01";
  if (/username|学号/i.test(name)) return "2023001";
  return "测试内容";
}

export const HOSTILE: Record<string, string> = {
  script: "<script>alert(1)</script>",
  img: '"><img src=x onerror=alert(1)>',
  sql: "' OR 1=1 --",
  jsurl: "javascript:alert(1)",
  markdown: '[点我](javascript:alert(1)) <iframe src="//evil.example"></iframe> <a href="javascript:alert(1)">x</a>',
  rtl: "\u202Etxt.exe\u202C 名单\u200F",
  control: "a\u0000b\u0001c\u001b[31m\u0007\r\n\t\u2028d\uFEFF",
  emoji: "👨‍👩‍👧‍👦🇨🇳😀 𠮷 䶮",
};
export const BIG = {
  oversized: "a".repeat(1024 * 1024),
  longUnicode: "𠮷党的建设👍\u202E".repeat(12_000),
};
export const WRONG_TYPE = ["abc", "-1", "1e309", "9".repeat(30), "2026-13-45", "0x10"];

type Variant = { label: string; values: [string, string | Blob, string?][] };

const FUZZED_KINDS = new Set([
  "text",
  "textarea",
  "search",
  "number",
  "date",
  "datetime-local",
  "email",
  "password",
  "tel",
  "url",
  "select",
  "hidden",
  "radio",
  "checkbox",
]);

/** At most two fields of each kind and eight in all: hostile values reach every kind of check without a request per question of an exam. */
function fieldsToFuzz(form: FoundForm): Field[] {
  const perKind = new Map<string, number>();
  const out: Field[] = [];
  for (const f of form.fields) {
    if (!FUZZED_KINDS.has(f.kind)) continue;
    const n = perKind.get(f.kind) ?? 0;
    if (n >= 2 || out.length >= 8) continue;
    perKind.set(f.kind, n + 1);
    out.push(f);
  }
  return out;
}

/** The values a browser sends for this form unchanged, with a submitter. */
function baseline(form: FoundForm, submitter?: { name: string; value: string }): [string, string][] {
  const v: [string, string][] = form.fields.filter((f) => f.kind !== "file" && f.value !== null).map((f) => [f.name, f.value!]);
  if (submitter) v.push([submitter.name, submitter.value]);
  return v;
}

/** Every bad-input variant of one form (with one submitter). */
export function variants(
  form: FoundForm,
  submitter: { name: string; value: string } | undefined,
  files: (accept: string) => { label: string; file: Blob; name: string }[],
): Variant[] {
  const base = baseline(form, submitter);
  const fuzz = fieldsToFuzz(form);
  const out: Variant[] = [];
  const withField = (name: string, value: string): [string, string][] => {
    const rest = base.filter(([k]) => k !== name);
    return [...rest, [name, value]];
  };
  const visible = new Set(form.fields.filter((f) => f.kind !== "hidden").map((f) => f.name));
  out.push({ label: "empty fields", values: base.map(([k, v]): [string, string] => [k, visible.has(k) ? "" : v]) });
  out.push({ label: "nothing but the submitter", values: submitter ? [[submitter.name, submitter.value]] : [] });
  for (const f of fuzz) {
    for (const [label, value] of Object.entries(HOSTILE)) out.push({ label: `${f.name}=${label}`, values: withField(f.name, value) });
    for (const [label, value] of Object.entries(BIG)) out.push({ label: `${f.name}=${label}`, values: withField(f.name, value) });
    if (!["text", "textarea", "search", "password"].includes(f.kind)) {
      for (const value of WRONG_TYPE) out.push({ label: `${f.name}=${JSON.stringify(value.slice(0, 12))} (wrong type)`, values: withField(f.name, value) });
    }
    out.push({ label: `${f.name} twice`, values: [...base, [f.name, HOSTILE.script!]] });
  }
  if (submitter) {
    for (const value of [HOSTILE.script!, "", BIG.oversized])
      out.push({ label: `${submitter.name}=${value.slice(0, 12) || "(empty)"}`, values: withField(submitter.name, value) });
  }
  for (const f of form.fields.filter((x) => x.kind === "file")) {
    for (const { label, file, name } of files(f.accept ?? "")) out.push({ label: `${f.name}: ${label}`, values: [...base, [f.name, file, name]] });
  }
  return out;
}

/** The body of a variant as the form would encode it. */
export function encode(form: FoundForm, v: Variant): { body: URLSearchParams | FormData } {
  if (form.multipart) {
    const fd = new FormData();
    for (const [k, value, name] of v.values) {
      if (typeof value === "string") fd.append(k, value);
      else fd.append(k, value, name ?? "file");
    }
    return { body: fd };
  }
  const p = new URLSearchParams();
  for (const [k, value] of v.values) if (typeof value === "string") p.append(k, value);
  return { body: p };
}
