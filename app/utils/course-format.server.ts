// Parser and validator of the course format described in courses/README.md (the authoritative spec).
// It reads one course folder into a plain object and collects every error of the run as
// `{ file, line, message }`; it never touches the database (app/models/courses.server.ts does).
import { createHash } from "node:crypto";
import { mp4Duration } from "./mp4.server.ts";
import fs from "node:fs";
import path from "node:path";
import {
  isCollection,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
  type Pair,
  type YAMLError,
  type YAMLMap,
} from "yaml";
import type { Stage } from "../../db/types.ts";
import { EXPECT, MSG, term } from "./course-messages.server.ts";
import { parseCstTime } from "./cst.ts";
import { optionsInBankOrder } from "./exam-rules.ts";
import { mimeOfExtension } from "./mime.ts";
import {
  ASSIGNMENT_KINDS,
  ATTACHMENT_TYPES,
  DIFFICULTIES,
  QUESTION_TYPES,
  type Difficulty,
  type DrawRule,
  type ExamSettings,
  type ProgressRules,
  type QuestionAnswer,
  type QuestionType,
} from "./course-types.ts";

/** Bump when the parser's output changes for the same files, so that the next sync re-applies every course. */
const FORMAT_VERSION = "3";

export type FormatError = { file: string; line: number; message: string };
/** A lesson body larger than this is accepted with a warning: phones open it slowly. */
export const LESSON_WARN_BYTES = 200 * 1024;

export function formatError(e: FormatError): string {
  return `${e.file}:${e.line}: ${e.message}`;
}

export const STAGE_BY_NAME: Record<string, Stage> = {
  入党申请人: "applicant",
  入党积极分子: "activist",
  发展对象: "candidate",
  预备党员: "probationary",
  正式党员: "full",
};

/** A question's score when its heading gives none (also the importers' default). */
export const DEFAULT_SCORE: Record<QuestionType, number> = { 单选: 1, 多选: 2, 判断: 1, 填空: 2, 简答: 10 };

/** Media a course may carry (their types from ./mime.ts). */
const MEDIA_EXT = ["png", "jpg", "jpeg", "gif", "webp", "mp4", "webm", "vtt", "pdf"];
// No SVG: it can carry script, and course media is served from our own origin.
const IMAGE_EXT = ["png", "jpg", "jpeg", "gif", "webp"];
const VIDEO_EXT = ["mp4", "webm"];
const CAPTION_EXT = ["vtt"];
const COURSE_ENTRIES = ["course.md", "lessons", "assignments", "bank", "exams", "media"];

export type ParsedLesson = {
  key: string;
  position: number;
  chapter: string;
  title: string;
  hours: number;
  required: boolean;
  /** `media/…` inside the course folder, or an https:// URL. */
  video: string | null;
  captions: string | null;
  complete_read_minutes: number;
  complete_watch_percent: number;
  /** Seconds, read from the MP4 header of a video in media/; null for URLs and other formats. */
  video_duration: number | null;
  body_md: string;
  hash: string;
};

export type ParsedAssignment = {
  key: string;
  position: number;
  title: string;
  kind: (typeof ASSIGNMENT_KINDS)[number];
  due_at: number | null;
  cutoff_at: number | null;
  max_score: number;
  pass_score: number;
  hours: number;
  min_length: number | null;
  attachments: string[];
  max_attachment_mb: number;
  resubmit: boolean;
  body_md: string;
  hash: string;
};

export type ParsedQuestion = {
  /** `[编号:…]`, or `stem:` + a hash of the normalized stem. */
  key: string;
  line: number;
  type: QuestionType;
  /** Markdown; the answers of 填空 blanks are replaced by `{{}}` so the stem can be shown as is. */
  stem_md: string;
  options: string[] | null;
  answer: QuestionAnswer;
  explanation: string | null;
  score: number;
  difficulty: Difficulty;
  knowledge: string | null;
  tags: string[];
  hash: string;
};

export type ParsedBank = { key: string; title: string; questions: ParsedQuestion[]; hash: string };

export type ParsedExam = { key: string; position: number; title: string; settings: ExamSettings; instructions_md: string; hash: string };

export type ParsedMedia = { path: string; size: number; sha256: string; mime: string };

export type ParsedCourse = {
  slug: string;
  /** Folder path as shown in messages, e.g. `courses/jijifenzi-peixun`. */
  label: string;
  /** The folder on disk. */
  dir: string;
  title: string;
  summary: string;
  audience: Stage[];
  hours: number;
  /** The part of `hours` earned offline (分组研讨, 社会实践…), credited by instructors: not in any file. */
  offline_hours: number;
  instructors: string[];
  cover: string | null;
  published: boolean;
  progress: ProgressRules;
  intro_md: string;
  /** Hash of every file of the course: equal hashes mean nothing to sync. */
  hash: string;
  lessons: ParsedLesson[];
  assignments: ParsedAssignment[];
  banks: ParsedBank[];
  exams: ParsedExam[];
  media: ParsedMedia[];
};

// ------------------------------------------------------------------------------------------ helpers

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hashOf = (value: unknown) => sha256(JSON.stringify(value));
const extOf = (p: string) => path.posix.extname(p).slice(1).toLowerCase();
const isHalfStep = (n: number) => Number.isInteger(n * 2);
const megabytes = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.round(n / 1024)} KB`);

/** One read buffer for all hashing (sync code, so never shared by two calls at once). */
const HASH_BUF = Buffer.allocUnsafe(1 << 20);

function hashFile(abs: string): string {
  const hash = createHash("sha256");
  const buf = HASH_BUF;
  const fd = fs.openSync(abs, "r");
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest("hex");
}

/** A path for messages: relative to the working directory when below it. */
export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return (rel && !rel.startsWith("..") ? rel : path.resolve(p)).split(path.sep).join("/");
}

/** State of parsing one course folder. */
class Ctx {
  errors: FormatError[] = [];
  /** Accepted, but the author should know (same shape as errors; they never stop a sync). */
  warnings: FormatError[] = [];
  media = new Map<string, ParsedMedia>();
  private fileHashes: string[] = [];
  constructor(
    readonly dir: string,
    readonly label: string,
  ) {}

  error(rel: string, line: number, message: string) {
    this.errors.push({ file: `${this.label}/${rel}`, line, message });
  }
  warn(rel: string, line: number, message: string) {
    this.warnings.push({ file: `${this.label}/${rel}`, line, message });
  }
  recordFile(rel: string, hash: string) {
    this.fileHashes.push(`${rel}\0${hash}`);
  }
  /** By file, then line; the order of discovery otherwise. */
  sortedErrors(): FormatError[] {
    return [...this.errors].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  }
  courseHash(): string {
    return sha256([FORMAT_VERSION, ...this.fileHashes.sort()].join("\n"));
  }
  /** Duration of an MP4 in the course folder, or null (missing files are reported elsewhere). */
  videoDuration(rel: string): number | null {
    const abs = path.join(this.dir, rel);
    return fs.existsSync(abs) ? mp4Duration(abs) : null;
  }
  /** Visible entries of a folder inside the course, sorted; [] when it does not exist. */
  list(relDir: string): fs.Dirent[] {
    const abs = path.join(this.dir, relDir);
    if (!fs.existsSync(abs)) return [];
    return fs
      .readdirSync(abs, { withFileTypes: true })
      .filter((e) => !e.name.startsWith("."))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  /** UTF-8 text with BOM removed and line ends normalized, or null after reporting an error. */
  readText(rel: string): string | null {
    const buf = fs.readFileSync(path.join(this.dir, rel));
    this.recordFile(rel, sha256(buf));
    try {
      return new TextDecoder("utf-8", { fatal: true })
        .decode(buf)
        .replace(/^\uFEFF/, "")
        .replace(/\r\n?/g, "\n");
    } catch {
      this.error(rel, 1, MSG.encoding);
      return null;
    }
  }
}

type NumRule = { ok: (n: number) => boolean; expect: string };
const POSITIVE: NumRule = { ok: (n) => n > 0, expect: EXPECT.positive };
const NON_NEGATIVE: NumRule = { ok: (n) => n >= 0, expect: EXPECT.nonNegative };
const WHOLE: NumRule = { ok: (n) => Number.isInteger(n) && n >= 0, expect: EXPECT.whole };
const intIn = (min: number, max: number): NumRule => ({
  ok: (n) => Number.isInteger(n) && n >= min && n <= max,
  expect: EXPECT.intIn(min, max),
});

type Item = { text: string; line: number };

/**
 * Typed reading of one YAML mapping (front matter, or a nested map such as `progress`): every getter
 * reports its own error at the value's line and marks the key as known; `done()` reports unknown keys.
 */
class Fields {
  private used = new Set<string>();
  constructor(
    private ctx: Ctx,
    readonly rel: string,
    private map: YAMLMap | null,
    private lineAt: (offset: number) => number,
    /** Line for errors about missing keys. */
    readonly line0: number,
    /** Set when the YAML itself is broken: its syntax error is reported, not every consequence. */
    private quiet = false,
  ) {}

  private pair(key: string): Pair | undefined {
    this.used.add(key);
    return this.map?.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair | undefined;
  }
  private nodeLine(node: unknown, fallback = this.line0): number {
    const range = (node as Node | null)?.range;
    return range ? this.lineAt(range[0]) : fallback;
  }
  /** The value node, or undefined when the key is missing or empty. */
  private value(key: string): Node | undefined {
    const v = this.pair(key)?.value as Node | null | undefined;
    return v && !(isScalar(v) && (v.value === null || v.value === "")) ? v : undefined;
  }

  line(key: string): number {
    const p = this.pair(key);
    return p ? this.nodeLine(p.value, this.nodeLine(p.key)) : this.line0;
  }
  has(key: string): boolean {
    return this.value(key) !== undefined;
  }
  errorAt(line: number, message: string) {
    if (!this.quiet) this.ctx.error(this.rel, line, message);
  }
  fail(key: string, message: string): null {
    this.errorAt(this.line(key), `${term(key)}${message}`);
    return null;
  }

  text(key: string, opts: { required?: boolean; max?: number } = {}): string | null {
    const v = this.value(key);
    if (!v) return opts.required ? this.fail(key, MSG.required) : null;
    if (!isScalar(v)) return this.fail(key, MSG.text);
    const text = scalarText(v).trim();
    if (opts.max && [...text].length > opts.max) return this.fail(key, MSG.maxChars(opts.max));
    return text;
  }
  num(key: string, rule: NumRule, opts: { required?: boolean; def?: number } = {}): number | null {
    const v = this.value(key);
    if (!v) return opts.required ? this.fail(key, MSG.required) : (opts.def ?? null);
    if (!isScalar(v) || typeof v.value !== "number" || !rule.ok(v.value)) return this.fail(key, MSG.mustBe(rule.expect));
    return v.value;
  }
  /** 学时: a number in 0.5 steps. */
  hours(key: string, rule: NumRule, opts: { required?: boolean; def?: number }): number | null {
    const n = this.num(key, rule, opts);
    return n !== null && !isHalfStep(n) ? this.fail(key, MSG.halfStep) : n;
  }
  bool(key: string, def: boolean): boolean {
    const v = this.value(key);
    if (!v) return def;
    if (!isScalar(v) || typeof v.value !== "boolean") return this.fail(key, MSG.bool) ?? def;
    return v.value;
  }
  choice<T extends string>(key: string, values: readonly T[], opts: { required?: boolean; def?: T } = {}): T | null {
    const text = this.text(key, opts);
    if (text === null) return opts.def ?? null;
    return values.includes(text as T) ? (text as T) : this.fail(key, MSG.oneOf(values, text));
  }
  time(key: string): number | null {
    const text = this.text(key);
    if (text === null) return null;
    return parseCstTime(text) ?? this.fail(key, MSG.time(text));
  }
  /** A YAML list of scalars (a single scalar counts as a list of one). */
  list(key: string, opts: { required?: boolean } = {}): Item[] {
    const v = this.value(key);
    const items = !v ? [] : isScalar(v) ? [v] : isSeq(v) ? (v.items as Node[]) : null;
    if (!items || items.some((i) => !isScalar(i))) return this.fail(key, MSG.list) ?? [];
    const out = items.map((i) => ({ text: isScalar(i) ? scalarText(i).trim() : "", line: this.nodeLine(i) }));
    if (opts.required && !out.some((i) => i.text)) this.fail(key, MSG.required);
    return out.filter((i) => i.text);
  }
  /** A nested mapping such as `progress:` or `complete:`. */
  sub(key: string): Fields | null {
    const v = this.value(key);
    if (!v) return null;
    if (!isMap(v)) return this.fail(key, MSG.mapping);
    return new Fields(this.ctx, this.rel, v, this.lineAt, this.nodeLine(v), this.quiet);
  }
  /** A list of mappings such as `draw:`. */
  maps(key: string, opts: { required?: boolean } = {}): Fields[] {
    const v = this.value(key);
    if (!v) return opts.required ? (this.fail(key, MSG.required) ?? []) : [];
    if (!isSeq(v)) return this.fail(key, MSG.seq) ?? [];
    return (v.items as Node[]).flatMap((item) => {
      if (isMap(item)) return [new Fields(this.ctx, this.rel, item, this.lineAt, this.nodeLine(item), this.quiet)];
      this.errorAt(this.nodeLine(item), `${term(key)}${MSG.eachMapping}`);
      return [];
    });
  }
  /** A media reference: a file under media/ (relative to the course folder) or an https:// URL. */
  media(key: string, exts: string[]): string | null {
    const ref = this.text(key);
    return ref === null ? null : mediaRef(this.ctx, this.rel, this.line(key), term(key), ref, "", exts);
  }
  /** Reports keys that no getter asked for. */
  done() {
    for (const p of this.map?.items ?? []) {
      const key = isScalar(p.key) ? scalarText(p.key) : String(p.key);
      if (!this.used.has(key)) this.errorAt(this.nodeLine(p.key), MSG.unknownField(key));
    }
  }
}

/** The author's text of a scalar: `001` stays `001`, not the number 1. */
function scalarText(node: Node): string {
  if (!isScalar(node)) return "";
  return typeof node.value === "string" ? node.value : (node.source ?? String(node.value));
}

/**
 * Checks a relative media reference and returns it as `media/…` relative to the course folder (or the
 * https URL itself); null after reporting an error. `fromDir` is the referring file's folder for
 * Markdown bodies and "" for front matter, whose paths are relative to the course folder.
 */
function mediaRef(ctx: Ctx, rel: string, line: number, what: string, ref: string, fromDir: string, exts: string[]): string | null {
  const fail = (message: string) => (ctx.error(rel, line, MSG.ref(what, message, ref)), null);
  if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(ref)) return /^https:\/\/[^/\s]+/i.test(ref) ? ref : fail(MSG.mediaOrHttps);
  if (ref.startsWith("/")) return fail(MSG.relative);
  let decoded = ref.replace(/[?#].*$/, "");
  try {
    decoded = decodeURIComponent(decoded);
  } catch {
    /* keep as written */
  }
  const target = path.posix.normalize(path.posix.join(fromDir, decoded));
  if (target === ".." || target.startsWith("../")) return fail(MSG.outside);
  if (!target.startsWith("media/")) return fail(MSG.inMedia);
  if (!exts.includes(extOf(target))) return fail(MSG.ext(exts));
  if (!ctx.media.has(target)) return fail(MSG.notFound);
  return target;
}

/** Markdown images `![..](..)` and HTML `<img src>` in a body must exist in media/ (or be https). */
function checkImages(ctx: Ctx, rel: string, body: string, firstLine: number) {
  const fromDir = path.posix.dirname(rel) === "." ? "" : path.posix.dirname(rel);
  let fence: string | null = null;
  body.split("\n").forEach((line, i) => {
    const f = /^\s*(```|~~~)/.exec(line)?.[1];
    if (f) fence = fence === f ? null : (fence ?? f);
    if (fence || f) return;
    const refs = [
      ...[...line.matchAll(/!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+["'][^"']*["'])?\s*\)/g)].map((m) => m[1]),
      ...[...line.matchAll(/<img\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/gi)].map((m) => m[1]),
    ];
    for (const ref of refs) mediaRef(ctx, rel, firstLine + i, MSG.image, ref, fromDir, IMAGE_EXT);
  });
}

type Doc = { fields: Fields; body: string; bodyLine: number };

/**
 * Where a YAML fault is. For an unclosed bracket or quote the library points at the place it noticed
 * (often the next line); the fault is where the bracket or quote was opened, the innermost one around it.
 */
function faultOffset(doc: Document, e: YAMLError): number {
  const at = e.pos[0];
  if (e.code !== "BAD_INDENT" && e.code !== "MISSING_CHAR") return at;
  let opened = -1;
  visit(doc, (_key, node) => {
    const opener = (isCollection(node) && node.flow) || (isScalar(node) && (node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE"));
    const range = opener ? (node as Node).range : null;
    if (range && range[0] < at && range[2] >= at) opened = Math.max(opened, range[0]);
  });
  return opened >= 0 ? opened : at;
}

/** Splits `---` front matter from the Markdown body and parses the YAML with line numbers. */
function readDoc(ctx: Ctx, rel: string): Doc | null {
  const text = ctx.readText(rel);
  if (text === null) return null;
  const lines = text.split("\n");
  if (lines[0].trimEnd() !== "---") {
    ctx.error(rel, 1, MSG.frontMatterStart);
    return null;
  }
  const close = lines.findIndex((l, i) => i > 0 && l.trimEnd() === "---");
  if (close < 0) {
    ctx.error(rel, 1, MSG.frontMatterClose);
    return null;
  }
  const counter = new LineCounter();
  const doc = parseDocument(lines.slice(1, close).join("\n"), { lineCounter: counter, prettyErrors: false });
  const lineAt = (offset: number) => counter.linePos(offset).line + 1;
  for (const e of doc.errors) ctx.error(rel, lineAt(faultOffset(doc, e)), MSG.yaml(e.code));
  const broken = doc.errors.length > 0;
  let map: YAMLMap | null = null;
  if (isMap(doc.contents)) map = doc.contents;
  else if (doc.contents !== null && !broken) ctx.error(rel, 2, MSG.frontMatterShape);
  const body = lines.slice(close + 1).join("\n");
  checkImages(ctx, rel, body, close + 2);
  return { fields: new Fields(ctx, rel, map, lineAt, 1, broken), body, bodyLine: close + 2 };
}

// ------------------------------------------------------------------------------------------ course

export function parseCourse(dir: string, label = displayPath(dir)): { course: ParsedCourse; errors: FormatError[]; warnings: FormatError[] } {
  const ctx = new Ctx(dir, label);
  const slug = path.basename(dir);
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug)) {
    ctx.error("course.md", 1, MSG.slug(slug));
  }
  for (const e of ctx.list("")) {
    const expectDir = e.name !== "course.md";
    if (!COURSE_ENTRIES.includes(e.name) || e.isDirectory() !== expectDir) {
      ctx.error(e.name, 1, MSG.layout(e.isDirectory()));
    }
  }
  readMedia(ctx, "media");

  const course: ParsedCourse = {
    slug,
    label,
    dir,
    title: "",
    summary: "",
    audience: [],
    hours: 0,
    offline_hours: 0,
    instructors: [],
    cover: null,
    published: true,
    progress: { lock_seek: true, lock_rate: true, presence_check: false },
    intro_md: "",
    hash: "",
    lessons: [],
    assignments: [],
    banks: [],
    exams: [],
    media: [],
  };
  let hoursLine: number | null = null;
  if (!fs.existsSync(path.join(dir, "course.md"))) ctx.error("course.md", 1, MSG.courseMdMissing);
  else hoursLine = readCourseMd(ctx, course);

  const lessons = inOrder(numberedFiles(ctx, "lessons").flatMap((rel) => parseLesson(ctx, rel) ?? []));
  checkChapters(ctx, lessons);
  course.lessons = lessons.map((l) => l.item);
  course.assignments = inOrder(numberedFiles(ctx, "assignments").flatMap((rel) => parseAssignment(ctx, rel) ?? [])).map((a) => a.item);
  const bankFiles = mdFiles(ctx, "bank");
  course.banks = bankFiles.flatMap((rel) => parseBank(ctx, rel) ?? []);
  course.exams = mdFiles(ctx, "exams").flatMap((rel, i) => parseExam(ctx, rel, i + 1, bankFiles, course.banks) ?? []);
  // Checked once every file reads cleanly (a broken lesson would make the sum wrong twice over).
  if (course.published && hoursLine !== null && !ctx.errors.length) checkDeclaredHours(ctx, course, hoursLine);
  course.media = [...ctx.media.values()];
  course.hash = courseFolderHash(dir);
  return { course, errors: ctx.sortedErrors(), warnings: ctx.warnings };
}

/**
 * Hash of every visible file of a course folder (names and bytes) and of the format version: equal
 * hashes mean nothing to sync, which lets a re-sync skip parsing unchanged courses altogether.
 */
function courseFolderHash(dir: string): string {
  const entries: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (e.name.startsWith(".")) continue;
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(child);
      else entries.push(`${child}\0${e.isFile() ? hashFile(path.join(dir, child)) : "link"}`);
    }
  };
  walk("");
  return sha256([FORMAT_VERSION, ...entries.sort()].join("\n"));
}

/**
 * Every course folder under `root` (or just `only`), parsed; errors of all of them together. A folder
 * for which `skip(slug, hash)` says true is not parsed and is listed in `skipped`.
 */
export function parseCourses(root: string, opts: { only?: string; label?: string; skip?: (slug: string, hash: string) => boolean } = {}) {
  const label = opts.label ?? displayPath(root);
  const errors: FormatError[] = [];
  const warnings: FormatError[] = [];
  const courses: ParsedCourse[] = [];
  const skipped: string[] = [];
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    return { courses, skipped, errors: [{ file: label, line: 1, message: MSG.rootMissing }], warnings };
  }
  const names = opts.only
    ? [path.basename(opts.only)]
    : fs
        .readdirSync(root, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith("."))
        .map((e) => e.name)
        .sort();
  for (const name of names) {
    const dir = path.join(root, name);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      errors.push({ file: `${label}/${name}`, line: 1, message: MSG.courseFolderMissing });
      continue;
    }
    if (opts.skip?.(name, courseFolderHash(dir))) {
      skipped.push(name);
      continue;
    }
    const parsed = parseCourse(dir, `${label}/${name}`);
    courses.push(parsed.course);
    errors.push(...parsed.errors);
    warnings.push(...parsed.warnings);
  }
  return { courses, skipped, errors, warnings };
}

/** The line of `hours:` (for the declared-hours check), or null when course.md is unreadable. */
function readCourseMd(ctx: Ctx, course: ParsedCourse): number | null {
  const doc = readDoc(ctx, "course.md");
  if (!doc) return null;
  const f = doc.fields;
  course.title = f.text("title", { required: true, max: 60 }) ?? "";
  course.summary = f.text("summary", { required: true, max: 200 }) ?? "";
  course.hours = f.num("hours", POSITIVE, { required: true }) ?? 0;
  course.offline_hours = f.hours("offline_hours", NON_NEGATIVE, { def: 0 }) ?? 0;
  for (const item of f.list("audience", { required: true })) {
    const stage = STAGE_BY_NAME[item.text];
    if (!stage) f.errorAt(item.line, `${term("audience")}${MSG.stages(Object.keys(STAGE_BY_NAME), item.text)}`);
    else if (!course.audience.includes(stage)) course.audience.push(stage);
  }
  course.instructors = [...new Set(f.list("instructors", { required: true }).map((i) => i.text))];
  course.cover = f.media("cover", IMAGE_EXT);
  course.published = f.bool("published", true);
  const p = f.sub("progress");
  if (p) {
    course.progress = { lock_seek: p.bool("lock_seek", true), lock_rate: p.bool("lock_rate", true), presence_check: p.bool("presence_check", false) };
    p.done();
  }
  f.done();
  course.intro_md = doc.body.trim();
  return f.line("hours");
}

/**
 * A published course's declared 学时 must be what a trainee can earn in it: its lessons, its assignments
 * (once passed) and the offline 学时 it names — with electives (required: false), anything from the
 * required part to everything. Otherwise the course page could never reach its total, or pass it.
 */
function checkDeclaredHours(ctx: Ctx, course: ParsedCourse, line: number) {
  const sum = (xs: { hours: number }[]) => xs.reduce((n, x) => n + x.hours, 0);
  const required = sum(course.lessons.filter((l) => l.required));
  const electives = sum(course.lessons.filter((l) => !l.required));
  const rest = sum(course.assignments) + course.offline_hours;
  const low = required + rest;
  const high = low + electives;
  if (course.hours > low - 1e-9 && course.hours < high + 1e-9) return;
  const parts = `课时 ${required}${electives ? `（另有选修 ${electives}）` : ""} + 作业 ${sum(course.assignments)} + 线下 ${course.offline_hours}`;
  const total = electives ? `${low}–${high}` : `${low}`;
  ctx.error("course.md", line, MSG.declaredHours(course.hours, total, parts));
}

function readMedia(ctx: Ctx, relDir: string) {
  for (const e of ctx.list(relDir)) {
    const rel = `${relDir}/${e.name}`;
    if (e.isDirectory()) {
      readMedia(ctx, rel);
      continue;
    }
    const mime = MEDIA_EXT.includes(extOf(rel)) ? mimeOfExtension(extOf(rel)) : undefined;
    if (!e.isFile()) {
      ctx.error(rel, 1, MSG.mediaNotFile);
      continue;
    }
    if (!mime) {
      ctx.error(rel, 1, MSG.mediaType(MEDIA_EXT.map((x) => `.${x}`)));
      continue;
    }
    const abs = path.join(ctx.dir, rel);
    const hash = hashFile(abs);
    ctx.recordFile(rel, hash);
    ctx.media.set(rel, { path: rel, size: fs.statSync(abs).size, sha256: hash, mime });
  }
}

/** `.md` files of a folder (reporting anything else), sorted by name. */
function mdFiles(ctx: Ctx, relDir: string): string[] {
  return ctx.list(relDir).flatMap((e) => {
    const rel = `${relDir}/${e.name}`;
    if (e.isFile() && e.name.endsWith(".md")) return [rel];
    ctx.error(rel, 1, e.isSymbolicLink() ? MSG.symlink : MSG.onlyMd(relDir));
    return [];
  });
}

/** `NN-<name>.md` files ordered by their number, then name. */
function numberedFiles(ctx: Ctx, relDir: string): string[] {
  const files = mdFiles(ctx, relDir).filter((rel) => {
    if (/^\d+-.+\.md$/.test(path.posix.basename(rel))) return true;
    ctx.error(rel, 1, MSG.fileName);
    return false;
  });
  const num = (rel: string) => parseInt(path.posix.basename(rel), 10);
  const sorted = files.sort((a, b) => num(a) - num(b) || (a < b ? -1 : a > b ? 1 : 0));
  sorted.forEach((rel, i) => {
    if (i > 0 && num(sorted[i - 1]) === num(rel)) ctx.warn(rel, 1, MSG.numberTwice(/^\d+/.exec(path.posix.basename(rel))![0], sorted[i - 1]));
  });
  return sorted;
}

const keyOf = (rel: string) => path.posix.basename(rel, ".md");

/** A lesson or assignment before its position is known: `order` is its `order:` field or else the file's NN. */
type Numbered<T> = { item: T; order: number; rel: string };

function readOrder(f: Fields, rel: string): number {
  return f.num("order", WHOLE) ?? parseInt(path.posix.basename(rel), 10);
}

/**
 * Sorts by `order` (then file name), numbers the positions 1…n and hashes each item with its position,
 * so that reordering (in the browser: rewriting `order:`) never changes a key and so keeps progress.
 */
function inOrder<T extends { position: number; hash: string }, E extends Numbered<T>>(entries: E[]): E[] {
  const sorted = [...entries].sort((a, b) => a.order - b.order || (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  for (const [i, { item }] of sorted.entries()) {
    item.position = i + 1;
    const { hash: _hash, ...values } = item;
    item.hash = hashOf(values);
  }
  return sorted;
}

// ------------------------------------------------------------------------------------------ lessons

/** The lesson, and the line of its chapter for the course-wide chapter check. */
function parseLesson(ctx: Ctx, rel: string): (Numbered<ParsedLesson> & { chapterLine: number }) | null {
  const doc = readDoc(ctx, rel);
  if (!doc) return null;
  const bytes = Buffer.byteLength(doc.body);
  if (bytes > LESSON_WARN_BYTES) ctx.warn(rel, doc.bodyLine, MSG.lessonLarge(megabytes(bytes), megabytes(LESSON_WARN_BYTES)));
  const f = doc.fields;
  const video = f.media("video", VIDEO_EXT);
  const captions = f.media("captions", CAPTION_EXT);
  if (f.has("captions") && !f.has("video")) f.fail("captions", MSG.needsVideo);
  const complete = f.sub("complete");
  const readMinutes = complete?.num("read_minutes", POSITIVE, { def: 5 }) ?? 5;
  const watchPercent = complete?.num("watch_percent", intIn(1, 100), { def: 90 }) ?? 90;
  if (complete?.has("watch_percent") && !f.has("video")) complete.fail("watch_percent", MSG.onlyWithVideo);
  complete?.done();
  const order = readOrder(f, rel);
  const values = {
    key: keyOf(rel),
    position: 0,
    chapter: f.text("chapter", { required: true }) ?? "",
    title: f.text("title", { required: true }) ?? "",
    hours: f.hours("hours", POSITIVE, { required: true }) ?? 0,
    required: f.bool("required", true),
    video,
    captions,
    complete_read_minutes: readMinutes,
    complete_watch_percent: watchPercent,
    video_duration: video && !/^https:/.test(video) && extOf(video) === "mp4" ? ctx.videoDuration(video) : null,
    body_md: doc.body.trim(),
  };
  f.done();
  return { item: { ...values, hash: "" }, order, rel, chapterLine: f.line("chapter") };
}

/** Lessons of one chapter must follow each other, so that a chapter is one group in the reader. */
function checkChapters(ctx: Ctx, lessons: { item: ParsedLesson; chapterLine: number }[]) {
  const seen = new Set<string>();
  lessons.forEach(({ item: lesson, chapterLine }, i) => {
    if (i > 0 && lessons[i - 1].item.chapter === lesson.chapter) return;
    if (seen.has(lesson.chapter)) {
      ctx.error(`lessons/${lesson.key}.md`, chapterLine, `${term("chapter")}${MSG.chapterContinuous(lesson.chapter)}`);
    }
    seen.add(lesson.chapter);
  });
}

// ------------------------------------------------------------------------------------------ assignments

/** The body a new exam or assignment is created with (authoring): it must be replaced before publishing. */
export const PLACEHOLDER_BODY = { exam: "考试说明（Markdown）……", assignment: "题目要求（Markdown）……" } as const;

function refusePlaceholder(ctx: Ctx, rel: string, doc: { body: string; bodyLine: number }, kind: keyof typeof PLACEHOLDER_BODY) {
  if (doc.body.trim() === PLACEHOLDER_BODY[kind]) ctx.error(rel, doc.bodyLine, MSG.placeholder(kind === "exam" ? "考试说明" : "作业要求"));
}

function parseAssignment(ctx: Ctx, rel: string): Numbered<ParsedAssignment> | null {
  const doc = readDoc(ctx, rel);
  if (!doc) return null;
  const f = doc.fields;
  const due = f.time("due");
  const cutoff = f.time("cutoff");
  if (due !== null && cutoff !== null && cutoff < due) f.fail("cutoff", MSG.notBefore(term("due")));
  const maxScore = f.num("max_score", POSITIVE, { def: 100 }) ?? 100;
  const passScore = f.num("pass_score", NON_NEGATIVE, { def: 60 }) ?? 60;
  if (passScore > maxScore) f.fail("pass_score", MSG.notAbove(`${term("max_score")} ${maxScore}`));
  const attachments = f.list("attachments").flatMap((item) => {
    const ext = item.text.toLowerCase().replace(/^\./, "");
    if ((ATTACHMENT_TYPES as readonly string[]).includes(ext)) return [ext];
    f.errorAt(item.line, `${term("attachments")}${MSG.attachmentTypes(ATTACHMENT_TYPES, item.text)}`);
    return [];
  });
  const order = readOrder(f, rel);
  const values = {
    key: keyOf(rel),
    position: 0,
    title: f.text("title", { required: true }) ?? "",
    kind: f.choice("kind", ASSIGNMENT_KINDS, { required: true }) ?? "思想汇报",
    due_at: due,
    cutoff_at: cutoff,
    max_score: maxScore,
    pass_score: passScore,
    hours: f.hours("hours", NON_NEGATIVE, { def: 0 }) ?? 0,
    min_length: f.num("min_length", WHOLE),
    attachments,
    max_attachment_mb: f.num("max_attachment_mb", { ok: (n) => n > 0 && n <= 100, expect: EXPECT.range(0, 100) }, { def: 10 }) ?? 10,
    resubmit: f.bool("resubmit", false),
    body_md: doc.body.trim(),
  };
  refusePlaceholder(ctx, rel, doc, "assignment");
  f.done();
  return { item: { ...values, hash: "" }, order, rel };
}

// ------------------------------------------------------------------------------------------ question banks

/**
 * Parses the text of one bank file that is not on disk (imports, the browser editor). `file` is its path
 * inside the course (`bank/<name>.md`, also its key) and names it in errors; `media` lists the course's
 * media paths (`media/…`) that images may point at. `bank` is null when the front matter is unreadable.
 */
export function parseBankText(text: string, opts: { file?: string; media?: string[] } = {}): { bank: ParsedBank | null; errors: FormatError[] } {
  const file = opts.file ?? "bank/import.md";
  const ctx = new Ctx("", "");
  for (const m of opts.media ?? []) ctx.media.set(m, { path: m, size: 0, sha256: "", mime: mimeOfExtension(extOf(m)) ?? "" });
  ctx.readText = (rel) => {
    ctx.recordFile(rel, sha256(text));
    return text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  };
  const bank = parseBank(ctx, file);
  return { bank, errors: ctx.sortedErrors().map((e) => ({ ...e, file })) };
}

function parseBank(ctx: Ctx, rel: string): ParsedBank | null {
  const doc = readDoc(ctx, rel);
  if (!doc) return null;
  const title = doc.fields.text("title", { required: true }) ?? "";
  doc.fields.done();
  const questions = parseQuestions(ctx, rel, doc.body.split("\n"), doc.bodyLine);
  const byStem = new Map<string, number>();
  const byKey = new Map<string, number>();
  for (const q of questions) {
    const stem = normalizeStem(q.stem_md);
    const dup = byStem.get(stem);
    if (dup) ctx.error(rel, q.line, MSG.stemDuplicate(dup));
    else byStem.set(stem, q.line);
    const sameKey = byKey.get(q.key);
    if (sameKey && !dup) ctx.error(rel, q.line, MSG.keyUsed(q.key, sameKey));
    else byKey.set(q.key, q.line);
  }
  return { key: keyOf(rel), title, questions, hash: hashOf([title, questions.map((q) => [q.key, q.hash])]) };
}

/** The form in which two stems count as duplicates (whitespace and full-width brackets ignored). */
export const normalizeStem = (stem: string) => stem.replace(/\s+/g, "").replace(/（/g, "(").replace(/）/g, ")").toLowerCase();

/**
 * The `{{answer}}` blanks of a stem, each within one line: for every `{{`, the first `}}` after it on the
 * same line. One scan per line (the regex `\{\{(.*?)\}\}` rescans the rest of the line for every `{{`:
 * `{{` × 40,000 took 15 s).
 */
function blanksOf(text: string): { start: number; end: number; inner: string }[] {
  const found: { start: number; end: number; inner: string }[] = [];
  let lineStart = 0;
  for (const line of text.split("\n")) {
    for (let at = 0; ;) {
      const open = line.indexOf("{{", at);
      const close = open === -1 ? -1 : line.indexOf("}}", open + 2);
      if (close === -1) break;
      found.push({ start: lineStart + open, end: lineStart + close + 2, inner: line.slice(open + 2, close) });
      at = close + 2;
    }
    lineStart += line.length + 1;
  }
  return found;
}

/** The stem with every blank's answer taken out (`{{}}`). */
function withoutAnswers(text: string): string {
  let out = "";
  let at = 0;
  for (const b of blanksOf(text)) {
    out += `${text.slice(at, b.start)}{{}}`;
    at = b.end;
  }
  return out + text.slice(at);
}
const JUDGE: Record<string, boolean> = { 正确: true, 对: true, "√": true, "✓": true, true: true, 错误: false, 错: false, "×": false, "✗": false, false: false };

/** Splits the body at `## ` headings; text before the first heading is the bank's description, ignored. */
function parseQuestions(ctx: Ctx, rel: string, lines: string[], firstLine: number): ParsedQuestion[] {
  const starts = lines.flatMap((l, i) => (/^##\s/.test(l) ? [i] : []));
  return starts.flatMap((start, n) => {
    const end = n + 1 < starts.length ? starts[n + 1] : lines.length;
    return parseQuestion(ctx, rel, lines.slice(start, end), firstLine + start) ?? [];
  });
}

type Heading = { type: QuestionType; score: number; difficulty: Difficulty; knowledge: string | null; tags: string[]; key: string | null; orderFree: boolean };

function parseHeading(ctx: Ctx, rel: string, text: string, line: number): Heading | null {
  const m = /^##\s+([^\s[]+)\s*(.*)$/.exec(text)!;
  const type = m[1] as QuestionType;
  if (!QUESTION_TYPES.includes(type)) {
    ctx.error(rel, line, MSG.questionType(QUESTION_TYPES, m[1]));
    return null;
  }
  const h: Heading = { type, score: DEFAULT_SCORE[type], difficulty: "中", knowledge: null, tags: [], key: null, orderFree: false };
  let rest = m[2].trim();
  for (let a; (a = /^\[([^\]]*)\]\s*/.exec(rest)); rest = rest.slice(a[0].length)) {
    const attr = a[1].trim();
    const named = /^(知识点|标签|编号)\s*[:：]\s*(.*)$/.exec(attr);
    const score = /^(\d+(?:\.\d+)?)\s*分$/.exec(attr);
    if (score && Number(score[1]) > 0) h.score = Number(score[1]);
    else if ((DIFFICULTIES as readonly string[]).includes(attr)) h.difficulty = attr as Difficulty;
    else if (attr === "顺序无关" && type === "填空") h.orderFree = true;
    else if (named && named[2].trim()) {
      const value = named[2].trim();
      if (named[1] === "知识点") h.knowledge = value;
      else if (named[1] === "编号") h.key = value;
      else
        h.tags = value
          .split(/[,，、]/)
          .map((t) => t.trim())
          .filter(Boolean);
    } else ctx.error(rel, line, MSG.attribute(attr, type === "填空"));
  }
  if (rest) ctx.error(rel, line, MSG.attributeBrackets(rest));
  return h;
}

function parseQuestion(ctx: Ctx, rel: string, lines: string[], line0: number): ParsedQuestion | null {
  const h = parseHeading(ctx, rel, lines[0], line0);
  if (!h) return null;
  const fail = (line: number, message: string) => ctx.error(rel, line, message);
  const stem: string[] = [];
  const options: { text: string; correct: boolean; line: number }[] = [];
  const reference: string[] = [];
  const explanation: string[] = [];
  let judge: { text: string; line: number } | null = null;
  let keywords: string[] = [];
  let mode: "stem" | "options" | "after" | "reference" | "explanation" = "stem";

  lines.slice(1).forEach((text, i) => {
    const line = line0 + 1 + i;
    const option = /^\s*[-*]\s+\[([ xX])\]\s*(.*)$/.exec(text);
    const labelled = /^(答案|参考答案|关键词)\s*[:：]\s*(.*)$/.exec(text.trim());
    const note = /^>\s*解析\s*[:：]\s*(.*)$/.exec(text);
    if (option) {
      if (mode !== "stem" && mode !== "options") fail(line, MSG.optionPlace);
      if (!option[2].trim()) fail(line, MSG.optionEmpty);
      options.push({ text: option[2].trim(), correct: option[1] !== " ", line });
      mode = "options";
    } else if (labelled?.[1] === "答案") {
      if (h.type !== "判断") fail(line, MSG.answerLineOnlyJudge(h.type));
      judge = { text: labelled[2].trim(), line };
      mode = "after";
    } else if (labelled?.[1] === "参考答案") {
      if (h.type !== "简答") fail(line, MSG.referenceOnlyEssay);
      reference.push(labelled[2]);
      mode = "reference";
    } else if (labelled?.[1] === "关键词") {
      if (h.type !== "简答") fail(line, MSG.keywordsOnlyEssay);
      keywords = labelled[2]
        .split(/[,，、]/)
        .map((k) => k.trim())
        .filter(Boolean);
      mode = "after";
    } else if (note) {
      explanation.push(note[1]);
      mode = "explanation";
    } else if (mode === "explanation" && text.startsWith(">")) {
      explanation.push(text.replace(/^>\s?/, ""));
    } else if (!text.trim()) {
      if (mode === "stem") stem.push("");
      if (mode === "reference") reference.push("");
      if (mode === "explanation") mode = "after";
    } else if (mode === "stem" || mode === "reference") {
      (mode === "stem" ? stem : reference).push(text);
    } else {
      fail(line, MSG.unrecognized(mode === "options", text.trim()));
    }
  });

  const stemText = stem.join("\n").trim();
  if (!stemText) fail(line0, MSG.stemRequired);
  if (options.length && h.type !== "单选" && h.type !== "多选") fail(options[0].line, MSG.optionsOnlyChoice);
  let answer: QuestionAnswer;
  const correct = options.flatMap((o, i) => (o.correct ? [i] : []));
  if (h.type === "单选" || h.type === "多选") {
    if (options.length < 2 || options.length > 8) fail(line0, MSG.optionCount(h.type, options.length));
    if (h.type === "单选" && correct.length !== 1) fail(line0, MSG.singleAnswer(correct.length));
    if (h.type === "多选" && correct.length < 2) fail(line0, MSG.multiAnswer(correct.length));
    answer = { choices: correct };
  } else if (h.type === "判断") {
    const j = judge as { text: string; line: number } | null;
    const value = j ? JUDGE[j.text.toLowerCase()] : undefined;
    if (!j) fail(line0, MSG.judgeMissing);
    else if (value === undefined) fail(j.line, MSG.judgeValue(j.text));
    answer = { judge: value ?? false };
  } else if (h.type === "填空") {
    const blanks = blanksOf(stemText).map((m) => m.inner.split("/").map((a) => a.trim()));
    if (!blanks.length) fail(line0, MSG.blankMissing);
    if (blanks.some((b) => b.some((a) => !a))) fail(line0, MSG.blankEmpty);
    answer = { blanks, orderFree: h.orderFree };
  } else {
    const ref = reference.join("\n").trim();
    if (!ref) fail(line0, MSG.referenceRequired);
    answer = { reference: ref, keywords };
  }
  const stemMd = h.type === "填空" ? withoutAnswers(stemText) : stemText;
  const values = {
    type: h.type,
    stem_md: stemMd,
    options: h.type === "单选" || h.type === "多选" ? options.map((o) => o.text) : null,
    answer,
    explanation: explanation.join("\n").trim() || null,
    score: h.score,
    difficulty: h.difficulty,
    knowledge: h.knowledge,
    tags: h.tags,
  };
  const key = h.key ?? `stem:${sha256(normalizeStem(stemMd)).slice(0, 16)}`;
  return { key, line: line0, ...values, hash: hashOf(values) };
}

// ------------------------------------------------------------------------------------------ exams

function parseExam(ctx: Ctx, rel: string, position: number, bankFiles: string[], banks: ParsedBank[]): ParsedExam | null {
  const doc = readDoc(ctx, rel);
  if (!doc) return null;
  const f = doc.fields;
  if (f.has("bank") && f.has("banks")) f.fail("banks", MSG.notWith(term("bank")));
  const refs = f.has("banks") ? f.list("banks", { required: true }) : f.list("bank", { required: !f.has("banks") });
  const bankKeys = refs.flatMap((r) => {
    const target = path.posix.normalize(r.text);
    if (bankFiles.includes(target)) return [keyOf(target)];
    f.errorAt(r.line, `${term("bank")}${MSG.bankFile(r.text)}`);
    return [];
  });
  // With a wrong bank reference the pool is unknown: its error is enough, rules are not counted.
  const pool = bankKeys.length === refs.length ? banks.filter((b) => bankKeys.includes(b.key)).flatMap((b) => b.questions) : null;
  const draw = readDrawRules(f, pool);
  const total = draw.reduce((sum, r) => sum + r.count * r.score, 0);
  const passScore = f.num("pass_score", NON_NEGATIVE, { required: true }) ?? 0;
  if (draw.length && passScore > total) f.fail("pass_score", MSG.aboveTotal(total));
  const opens = f.time("opens");
  const closes = f.time("closes");
  if (opens !== null && closes !== null && closes <= opens) f.fail("closes", MSG.after(term("opens")));
  const settings: ExamSettings = {
    banks: bankKeys,
    duration_minutes: f.num("duration_minutes", intIn(1, 600), { required: true }) ?? 0,
    pass_score: passScore,
    total_score: total,
    attempts: f.num("attempts", intIn(1, 100), { def: 1 }) ?? 1,
    counts: f.choice("counts", ["best", "last"] as const, { def: "best" }) ?? "best",
    opens_at: opens,
    closes_at: closes,
    shuffle_questions: f.bool("shuffle_questions", true),
    shuffle_options: f.bool("shuffle_options", true),
    show_results: f.choice("show_results", ["after_submit", "after_last_attempt", "after_close", "never"] as const, { def: "after_submit" }) ?? "after_submit",
    multi_scoring: f.choice("multi_scoring", ["all_or_nothing", "partial"] as const, { def: "all_or_nothing" }) ?? "all_or_nothing",
    grace_seconds: f.num("grace_seconds", intIn(0, 600), { def: 30 }) ?? 30,
    draw,
  };
  if (optionsInBankOrder(settings)) ctx.warn(rel, f.line("shuffle_options"), MSG.shuffleOff);
  const values = { key: keyOf(rel), position, title: f.text("title", { required: true }) ?? "", settings, instructions_md: doc.body.trim() };
  refusePlaceholder(ctx, rel, doc, "exam");
  f.done();
  return { ...values, hash: hashOf(values) };
}

/** One rule per type; each must be satisfiable by the questions of the exam's banks. */
function readDrawRules(f: Fields, pool: ParsedQuestion[] | null): DrawRule[] {
  const seen = new Set<string>();
  return f.maps("draw", { required: true }).flatMap((r) => {
    const type = r.choice("type", QUESTION_TYPES, { required: true });
    const count = r.num("count", intIn(1, 1000), { required: true });
    const score = r.num("score", POSITIVE, { required: true });
    const difficulty = r.list("difficulty").flatMap((d) => {
      if ((DIFFICULTIES as readonly string[]).includes(d.text)) return [d.text as Difficulty];
      r.errorAt(d.line, `${term("difficulty")}${MSG.difficulty(d.text)}`);
      return [];
    });
    const knowledge = r.list("knowledge").map((k) => k.text);
    r.done();
    if (!type || count === null || score === null) return [];
    if (seen.has(type)) return r.fail("type", MSG.drawTwice(type)) ?? [];
    seen.add(type);
    const available = pool?.filter(
      (q) =>
        q.type === type &&
        (!difficulty.length || difficulty.includes(q.difficulty)) &&
        (!knowledge.length || (q.knowledge !== null && knowledge.includes(q.knowledge))),
    ).length;
    if (available !== undefined && available < count) {
      const filters = [difficulty.length ? `难度 ${difficulty.join("/")}` : "", knowledge.length ? `知识点 ${knowledge.join("/")}` : ""]
        .filter(Boolean)
        .join("，");
      r.errorAt(r.line0, `${term("draw")}${MSG.drawShort(count, type, filters, available)}`);
    }
    return [{ type, count, score, difficulty: difficulty.length ? difficulty : null, knowledge: knowledge.length ? knowledge : null }];
  });
}
