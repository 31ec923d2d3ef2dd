// Authoring courses in the browser. A browser course is a folder in exactly the courses/ format kept
// under DATA_DIR/authoring/<slug>/ (the draft). Every save writes a file there atomically and the
// draft is validated by the one course parser; publishing applies the folder with syncCourses (the
// same code that applies courses/) as source "browser". A course is owned by its source: file courses
// are read-only here until they are detached (copied into a draft and flipped to "browser").
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import type { Role } from "../../db/types.ts";
import { audit } from "~/models/audit.server.ts";
import { ImportBusy, withImportLock } from "~/models/import-locks.server.ts";
import { syncCourses, type SyncResult } from "~/models/courses.server.ts";
import { seesEverything } from "~/models/visibility.server.ts";
import { formatError, parseCourse, PLACEHOLDER_BODY, STAGE_BY_NAME, type FormatError, type ParsedCourse } from "~/utils/course-format.server.ts";
import { ZIP_MSG } from "~/utils/course-messages.server.ts";
import { extractZipEntries, listFolderFiles, readZipDirectory, unsafeZipName, ZipRefused, type ZipEntry } from "~/utils/course-zip.server.ts";
import { now, writeTransaction, type DB } from "~/utils/db.server.ts";
import type { Dirs } from "~/utils/env.server.ts";
import { sniff, type SniffedType } from "~/utils/sniff.server.ts";
import { runTask } from "~/utils/workers.server.ts";
import { isUploadTooLarge, UploadTooLarge, type Storage } from "~/utils/storage.server.ts";

export class AuthoringError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

type Actor = { id: number; username: string; roles: readonly Role[]; ip: string | null };

const MB = 1024 * 1024;
export const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** The text files of a course that the editor may open: course.md and one level of .md files per folder. */
const EDITABLE = /^(?:course\.md|(?:lessons|assignments|bank|exams)\/[^/\\.\u0000-\u001f][^/\\\u0000-\u001f]*\.md)$/;
const MAX_TEXT_BYTES = 1 * MB;

/** Where drafts live (DATA_DIR/authoring), scratch space (DATA_DIR/tmp) and the file courses (the COURSES_DIR roots). */
export function authoringRoots(dirs: Dirs) {
  return {
    drafts: path.join(dirs.dataDir, "authoring"),
    tmp: path.join(dirs.dataDir, "tmp"),
    courses: dirs.courseRoots,
  };
}

/** The folder of a file course: `<root>/<slug>` in the first COURSES_DIR root that has it, or null. */
function fileCourseDir(dirs: Dirs, slug: string): string | null {
  if (!SLUG.test(slug)) return null;
  const root = authoringRoots(dirs).courses.find((r) => fs.existsSync(path.join(r, slug, "course.md")));
  return root ? path.join(root, slug) : null;
}

export function draftDir(dirs: Dirs, slug: string): string {
  if (!SLUG.test(slug)) throw new AuthoringError("课程标识无效", 404);
  return path.join(authoringRoots(dirs).drafts, slug);
}

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

/** Writes through a temporary file in the same folder and a rename, with fsync: a reader never sees half a file. */
function writeFileAtomic(file: string, data: string | Uint8Array) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.tmp-${randomUUID()}`);
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

// ------------------------------------------------------------------------------------------ front matter

/** A YAML scalar for one line of front matter: plain when that is unambiguous, else double-quoted. */
export function yamlText(s: string): string {
  const plain =
    s === s.trim() &&
    s !== "" &&
    !/[:#,[\]{}"'\n\\]/.test(s) &&
    !/^[-?!&*|>%@`]/.test(s) &&
    !/^(?:true|false|yes|no|on|off|null|~|[-+]?[\d.][\d._eE+-]*)$/i.test(s);
  return plain ? s : JSON.stringify(s);
}
const yamlList = (items: string[]) => `[${items.map(yamlText).join(", ")}]`;

/**
 * Sets (or, with null, removes) one top-level key of a file's front matter, leaving every other line,
 * comment and the body as they are. A value continued on indented lines is replaced as a whole.
 */
export function setFrontMatterField(text: string, key: string, value: string | null): string {
  const lines = text.split("\n");
  const close = lines.findIndex((l, i) => i > 0 && l.trimEnd() === "---");
  if (lines[0]?.trimEnd() !== "---" || close < 0) throw new AuthoringError("文件缺少 --- 包围的文件头，无法修改");
  const start = lines.findIndex((l, i) => i > 0 && i < close && new RegExp(`^${key}\\s*:`).test(l));
  const line = value === null ? [] : [`${key}: ${value}`];
  if (start < 0) {
    if (value !== null) lines.splice(close, 0, ...line);
  } else {
    let end = start + 1;
    while (end < close && /^(?:\s|-\s|-$)/.test(lines[end]) && lines[end].trim() !== "") end++;
    lines.splice(start, end - start, ...line);
  }
  return lines.join("\n");
}

// ------------------------------------------------------------------------------------------ reading drafts

type DraftState = { course: ParsedCourse; errors: FormatError[]; warnings: FormatError[] };

function existingDraft(dirs: Dirs, slug: string): string {
  const dir = draftDir(dirs, slug);
  if (!fs.existsSync(path.join(dir, "course.md"))) throw new AuthoringError("找不到该课程的草稿", 404);
  return dir;
}

/** Parses the draft with the course parser; messages name files as `<slug>/lessons/x.md:4`. */
function validateDraft(dirs: Dirs, slug: string): DraftState {
  return parseCourse(existingDraft(dirs, slug), slug);
}

/** `validateDraft` in a worker thread, for a request (a draft's files may hold megabytes). */
export function validateDraftOffThread(dirs: Dirs, slug: string): Promise<DraftState> {
  return runTask("parseCourse", { dir: existingDraft(dirs, slug), label: slug });
}

/** The folder an export or an overview reads: the draft for browser courses, courses/<slug> for file courses. */
export function courseFolder(dirs: Dirs, course: { slug: string; source: "files" | "browser" }): string | null {
  const dir = course.source === "browser" ? draftDir(dirs, course.slug) : fileCourseDir(dirs, course.slug);
  return dir && fs.existsSync(path.join(dir, "course.md")) ? dir : null;
}

/** Errors relative to the course folder (`lessons/x.md`), for showing next to the file they belong to. */
export function errorsOf(state: { errors: FormatError[] }, slug: string) {
  return state.errors.map((e) => ({
    file: e.file.startsWith(`${slug}/`) ? e.file.slice(slug.length + 1) : e.file,
    line: e.line,
    message: e.message,
    text: formatError(e),
  }));
}

function editablePath(dirs: Dirs, slug: string, rel: string): string {
  if (!EDITABLE.test(rel)) throw new AuthoringError("不能在浏览器中编辑这个文件", 404);
  return path.join(draftDir(dirs, slug), rel);
}

/** One text file of the draft and its version (a hash), or null when it does not exist. */
export function readDraftFile(dirs: Dirs, slug: string, rel: string): { text: string; version: string } | null {
  const file = editablePath(dirs, slug, rel);
  if (!fs.existsSync(file)) return null;
  const text = fs.readFileSync(file, "utf8");
  return { text, version: sha256(text).slice(0, 16) };
}

/** A draft file holds at most 1 MB of text (413 otherwise). */
export function assertDraftSize(text: string) {
  if (Buffer.byteLength(text) > MAX_TEXT_BYTES) throw new AuthoringError("文件过大（最多 1 MB 文本）", 413);
}

/**
 * Saves one text file of the draft. `version` is what the editor loaded: when the file changed since
 * (another tab, another instructor), the save is refused instead of silently overwriting their work.
 */
export function saveDraftFile(dirs: Dirs, slug: string, rel: string, text: string, version: string | null): { version: string } {
  const file = editablePath(dirs, slug, rel);
  const normalized = text.replace(/\r\n?/g, "\n");
  assertDraftSize(normalized);
  const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
  if (version !== null && current !== null && sha256(current).slice(0, 16) !== version) {
    throw new AuthoringError("该文件在您打开后已被修改（可能在另一个窗口或由其他教师修改）。请复制您的内容，刷新页面后再合并保存。", 409);
  }
  writeFileAtomic(file, normalized);
  return { version: sha256(normalized).slice(0, 16) };
}

export function deleteDraftFile(dirs: Dirs, slug: string, rel: string) {
  if (rel === "course.md") throw new AuthoringError("course.md 不能删除");
  const file = editablePath(dirs, slug, rel);
  if (!fs.existsSync(file)) throw new AuthoringError("文件不存在", 404);
  fs.rmSync(file);
}

// ------------------------------------------------------------------------------------------ creating

type NewCourse = { slug: string; title: string; audience: string[]; summary: string; hours: number; instructors: string[] };

async function slugTaken(db: DB, dirs: Dirs, slug: string): Promise<string | null> {
  const roots = authoringRoots(dirs);
  if (await db.selectFrom("courses").select("id").where("slug", "=", slug).executeTakeFirst()) return ZIP_MSG.slugUsed(slug);
  if (fs.existsSync(path.join(roots.drafts, slug))) return ZIP_MSG.slugDraft(slug);
  if (roots.courses.some((r) => fs.existsSync(path.join(r, slug)))) return ZIP_MSG.slugInFolder(slug);
  return null;
}

/** course.md of a new course: unpublished until the author publishes it. */
function courseMd(c: Omit<NewCourse, "slug">): string {
  return [
    "---",
    `title: ${yamlText(c.title)}`,
    `audience: ${yamlList(c.audience)}`,
    `summary: ${yamlText(c.summary)}`,
    `hours: ${c.hours}`,
    `instructors: ${yamlList(c.instructors)}`,
    "published: false",
    "---",
    "",
    "课程简介（Markdown）：说明课程的目标、内容和考核方式。",
    "",
  ].join("\n");
}

/**
 * Creates the draft folder with its course.md and applies it at once as an unpublished browser course,
 * so the course exists (for the editor guard and its instructors) but no trainee sees it.
 */
export async function createCourse(db: DB, storage: Storage, dirs: Dirs, input: NewCourse, actor: Actor): Promise<SyncResult> {
  const taken = await slugTaken(db, dirs, input.slug);
  if (taken) throw new AuthoringError(taken, 409);
  const dir = draftDir(dirs, input.slug);
  claimDraftDir(dirs, input.slug);
  writeFileAtomic(path.join(dir, "course.md"), courseMd(input));
  const result = await applyDraft(db, storage, dirs, input.slug);
  if (!result.ok) {
    fs.rmSync(dir, { recursive: true, force: true });
    return result;
  }
  await audit(db, { actorId: actor.id, action: "course.create", targetType: "course", targetId: input.slug, ip: actor.ip });
  return result;
}

/**
 * Creates the draft's folder, or refuses (409) when it exists: mkdir is atomic, on NFS too, so of two
 * instances creating or importing the same slug at once exactly one goes on and the other is told.
 */
function claimDraftDir(dirs: Dirs, slug: string) {
  fs.mkdirSync(authoringRoots(dirs).drafts, { recursive: true });
  try {
    fs.mkdirSync(draftDir(dirs, slug));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new AuthoringError(ZIP_MSG.slugDraft(slug), 409);
    throw e;
  }
}

const pad = (n: number) => String(n).padStart(2, "0");
/** A file name part from what the author typed: ASCII letters, digits and -; `fallback` when nothing is left. */
function safeName(name: string, fallback: string): string {
  const clean = name
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 50);
  return clean || fallback;
}

/** `NN-name.md` in a numbered folder, after every existing number and every `order:` position. */
function nextNumbered(dir: string, folder: "lessons" | "assignments", name: string): string {
  const files = fs.existsSync(path.join(dir, folder)) ? fs.readdirSync(path.join(dir, folder)).filter((f) => f.endsWith(".md")) : [];
  const highest = Math.max(0, files.length, ...files.map((f) => parseInt(f, 10) || 0));
  let rel = `${folder}/${pad(highest + 1)}-${name}.md`;
  for (let n = 2; fs.existsSync(path.join(dir, rel)); n++) rel = `${folder}/${pad(highest + 1)}-${name}-${n}.md`;
  return rel;
}

function createFile(dirs: Dirs, slug: string, rel: string, text: string): string {
  const file = editablePath(dirs, slug, rel);
  if (fs.existsSync(file)) throw new AuthoringError(`文件 ${rel} 已存在`, 409);
  writeFileAtomic(file, text);
  return rel;
}

type NewLesson = { title: string; chapter: string; hours: number; required: boolean; name: string };

export function addLesson(dirs: Dirs, slug: string, l: NewLesson): string {
  const rel = nextNumbered(draftDir(dirs, slug), "lessons", safeName(l.name, "lesson"));
  return createFile(
    dirs,
    slug,
    rel,
    [
      "---",
      `title: ${yamlText(l.title)}`,
      `chapter: ${yamlText(l.chapter)}`,
      `hours: ${l.hours}`,
      `required: ${l.required}`,
      "# video: media/lecture.mp4       # 视频：先在“媒体文件”中上传，再填写路径",
      "# captions: media/lecture.vtt    # 字幕（WebVTT）",
      "# complete:",
      "#   read_minutes: 5              # 文字课时：阅读至少 N 分钟算完成",
      "#   watch_percent: 90            # 视频课时：观看至少 P% 算完成",
      "---",
      "",
      "在这里用 Markdown 写正文。插入图片：先上传到“媒体文件”，再粘贴那里给出的代码。",
      "",
    ].join("\n"),
  );
}

type NewAssignment = { title: string; kind: string; hours: number; due: string | null; name: string };

export function addAssignment(dirs: Dirs, slug: string, a: NewAssignment): string {
  const rel = nextNumbered(draftDir(dirs, slug), "assignments", safeName(a.name, "assignment"));
  return createFile(
    dirs,
    slug,
    rel,
    [
      "---",
      `title: ${yamlText(a.title)}`,
      `kind: ${yamlText(a.kind)}`,
      `hours: ${a.hours}`,
      a.due ? `due: ${a.due}` : "# due: 2026-12-31 23:59          # 截止时间（北京时间）",
      "max_score: 100",
      "pass_score: 60",
      "# min_length: 1500                # 最少字数",
      "# attachments: [pdf, docx]        # 允许的附件类型",
      "---",
      "",
      PLACEHOLDER_BODY.assignment,
      "",
    ].join("\n"),
  );
}

export function addBank(dirs: Dirs, slug: string, b: { title: string; name: string }): string {
  return createFile(dirs, slug, `bank/${safeName(b.name, "tiku")}.md`, ["---", `title: ${yamlText(b.title)}`, "---", "", ""].join("\n"));
}

/** An exam drawing every question of the bank by type (the author trims the counts), pass line 60%. */
export function addExam(dirs: Dirs, slug: string, e: { title: string; bank: string; duration: number; name: string }): string {
  const { course } = validateDraft(dirs, slug);
  const bank = course.banks.find((b) => `bank/${b.key}.md` === e.bank);
  if (!bank) throw new AuthoringError("请选择一个没有错误的题库");
  const byType = new Map<string, number[]>();
  for (const q of bank.questions) byType.set(q.type, [...(byType.get(q.type) ?? []), q.score]);
  if (!byType.size) throw new AuthoringError("该题库还没有题目，请先添加题目");
  // One score per type in a draw rule: the score most of the bank's questions of that type carry.
  const usual = (scores: number[]) => [...scores].sort((a, b) => scores.filter((s) => s === b).length - scores.filter((s) => s === a).length)[0];
  const rules = [...byType].map(([type, scores]) => ({ type, count: scores.length, score: usual(scores) }));
  const total = rules.reduce((s, r) => s + r.count * r.score, 0);
  return createFile(
    dirs,
    slug,
    `exams/${safeName(e.name, "kaoshi")}.md`,
    [
      "---",
      `title: ${yamlText(e.title)}`,
      `bank: ${e.bank}`,
      `duration_minutes: ${e.duration}`,
      `pass_score: ${Math.ceil(total * 0.6)}`,
      "attempts: 1",
      "draw:",
      ...rules.map((r) => `  - { type: ${r.type}, count: ${r.count}, score: ${r.score} }`),
      "---",
      "",
      PLACEHOLDER_BODY.exam,
      "",
    ].join("\n"),
  );
}

// ------------------------------------------------------------------------------------------ ordering

/** Lessons of a draft in order; refused while a lesson file cannot be read, since its place is unknown. */
function lessonKeysInOrder(dirs: Dirs, slug: string): string[] {
  const dir = draftDir(dirs, slug);
  const { course } = validateDraft(dirs, slug);
  const files = fs.existsSync(path.join(dir, "lessons")) ? fs.readdirSync(path.join(dir, "lessons")).filter((f) => !f.startsWith(".")) : [];
  if (files.length !== course.lessons.length) throw new AuthoringError("有课时文件无法读取（见校验错误），请先修正后再调整顺序");
  return course.lessons.map((l) => l.key);
}

/** Writes `order: 1…n` into the lessons; file names (the keys) never change, so progress stays attached. */
function writeLessonOrder(dirs: Dirs, slug: string, keys: string[]) {
  keys.forEach((key, i) => {
    const rel = `lessons/${key}.md`;
    const file = editablePath(dirs, slug, rel);
    const text = fs.readFileSync(file, "utf8");
    const next = setFrontMatterField(text, "order", String(i + 1));
    if (next !== text) writeFileAtomic(file, next);
  });
}

export function moveLesson(dirs: Dirs, slug: string, key: string, delta: -1 | 1) {
  const keys = lessonKeysInOrder(dirs, slug);
  const i = keys.indexOf(key);
  if (i < 0) throw new AuthoringError("课时不存在", 404);
  const j = i + delta;
  if (j < 0 || j >= keys.length) return;
  [keys[i], keys[j]] = [keys[j], keys[i]];
  writeLessonOrder(dirs, slug, keys);
}

/** Moves a whole chapter (its run of lessons) before the previous or after the next chapter. */
export function moveChapter(dirs: Dirs, slug: string, chapter: string, delta: -1 | 1) {
  const keys = lessonKeysInOrder(dirs, slug);
  const { course } = validateDraft(dirs, slug);
  const groups: { chapter: string; keys: string[] }[] = [];
  for (const l of course.lessons) {
    const last = groups[groups.length - 1];
    if (last?.chapter === l.chapter) last.keys.push(l.key);
    else groups.push({ chapter: l.chapter, keys: [l.key] });
  }
  if (groups.flatMap((g) => g.keys).join("\n") !== keys.join("\n")) throw new AuthoringError("课时顺序已变化，请刷新后重试", 409);
  const i = groups.findIndex((g) => g.chapter === chapter);
  if (i < 0) throw new AuthoringError("章节不存在", 404);
  const j = i + delta;
  if (j < 0 || j >= groups.length) return;
  [groups[i], groups[j]] = [groups[j], groups[i]];
  writeLessonOrder(
    dirs,
    slug,
    groups.flatMap((g) => g.keys),
  );
}

// ------------------------------------------------------------------------------------------ publishing

/** Applies the draft folder to the live tables with the sync code of courses/, as a browser course. */
async function applyDraft(db: DB, storage: Storage, dirs: Dirs, slug: string): Promise<SyncResult> {
  const result = await syncCourses(db, { root: authoringRoots(dirs).drafts, only: slug, label: "", storage, source: "browser" });
  // Messages name files as `<slug>/lessons/x.md`, like the editor's own validation.
  return result.ok ? result : { ok: false, errors: result.errors.map((e) => ({ ...e, file: e.file.replace(/^\//, "") })) };
}

/**
 * 发布 / 取消发布 / 发布更新: writes `published:` into the draft's course.md when asked to change it,
 * then applies the whole draft. A draft with errors changes nothing — except that 取消发布 still takes
 * the live course offline, so a broken draft never keeps a course visible that should not be.
 */
export async function publishDraft(
  db: DB,
  opts: { slug: string; storage: Storage; dirs: Dirs; published?: boolean; actor: Actor },
): Promise<SyncResult & { offlineOnly?: boolean }> {
  const file = path.join(draftDir(opts.dirs, opts.slug), "course.md");
  if (!fs.existsSync(file)) throw new AuthoringError("找不到该课程的草稿", 404);
  if (opts.published !== undefined) {
    const text = fs.readFileSync(file, "utf8");
    const next = setFrontMatterField(text, "published", String(opts.published));
    if (next !== text) writeFileAtomic(file, next);
  }
  const result = await applyDraft(db, opts.storage, opts.dirs, opts.slug);
  const action = opts.published === undefined ? "course.publish_update" : opts.published ? "course.publish" : "course.unpublish";
  if (!result.ok && opts.published === false) {
    await db.updateTable("courses").set({ published: 0, updated_at: now() }).where("slug", "=", opts.slug).where("source", "=", "browser").execute();
    await audit(db, {
      actorId: opts.actor.id,
      action,
      targetType: "course",
      targetId: opts.slug,
      detail: { draftErrors: result.errors.length },
      ip: opts.actor.ip,
    });
    return { ...result, offlineOnly: true };
  }
  if (result.ok) await audit(db, { actorId: opts.actor.id, action, targetType: "course", targetId: opts.slug, ip: opts.actor.ip });
  return result;
}

/** Whether the draft differs from what trainees see (content hash of the files against the live row). */
export async function draftDiffersFromLive(db: DB, slug: string, draftHash: string): Promise<boolean> {
  const row = await db.selectFrom("courses").select("content_hash").where("slug", "=", slug).executeTakeFirst();
  return row?.content_hash !== draftHash;
}

/**
 * 转为在线编辑: copies courses/<slug> into a new draft (media missing from the folder come from the
 * store by their sha256), then flips the course to source "browser", audited. From then on the file
 * sync refuses this slug, and the course is edited only here.
 */
export async function detachCourse(db: DB, opts: { slug: string; storage: Storage; dirs: Dirs; actor: Actor }) {
  const roots = authoringRoots(opts.dirs);
  const row = await db.selectFrom("courses").select(["id", "source"]).where("slug", "=", opts.slug).executeTakeFirst();
  if (!row) throw new AuthoringError("课程不存在", 404);
  if (row.source !== "files") throw new AuthoringError("该课程已经在浏览器中编辑", 409);
  const src = fileCourseDir(opts.dirs, opts.slug);
  if (!src) throw new AuthoringError(`课程文件夹中找不到 ${opts.slug}（COURSES_DIR 的各目录中都没有），无法转为在线编辑`, 409);
  const dest = draftDir(opts.dirs, opts.slug);
  const work = path.join(roots.drafts, `.detach-${randomUUID()}`);
  fs.mkdirSync(roots.drafts, { recursive: true });
  try {
    for (const rel of listFolderFiles(src)) {
      fs.mkdirSync(path.dirname(path.join(work, rel)), { recursive: true });
      fs.copyFileSync(path.join(src, rel), path.join(work, rel));
    }
    const media = await db.selectFrom("course_media").select(["path", "sha256"]).where("course_id", "=", row.id).where("archived", "=", 0).execute();
    for (const m of media) {
      const target = path.join(work, m.path);
      if (!fs.existsSync(target) && opts.storage.exists(m.sha256)) {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.copyFileSync(opts.storage.pathOf(m.sha256), target);
      }
    }
    fs.rmSync(dest, { recursive: true, force: true }); // a leftover folder of a file course is never a live draft
    fs.renameSync(work, dest);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  await writeTransaction(db, async (trx) => {
    const flipped = await trx
      .updateTable("courses")
      .set({ source: "browser", updated_at: now() })
      .where("id", "=", row.id)
      .where("source", "=", "files")
      .executeTakeFirst();
    if (Number(flipped.numUpdatedRows) !== 1) throw new AuthoringError("该课程已经在浏览器中编辑", 409);
    await audit(trx, {
      actorId: opts.actor.id,
      action: "course.detach",
      targetType: "course",
      targetId: opts.slug,
      detail: { from: `courses/${opts.slug}` },
      ip: opts.actor.ip,
    });
  });
}

// ------------------------------------------------------------------------------------------ uploads

/** Allowed media by content type, with their size limits. */
export const MEDIA_LIMITS: Partial<Record<SniffedType, number>> = {
  png: 10 * MB,
  jpg: 10 * MB,
  gif: 10 * MB,
  webp: 10 * MB,
  mp4: 500 * MB,
  webm: 500 * MB,
  vtt: 2 * MB,
};
const TYPE_NAMES = "PNG/JPG/GIF/WebP 图片（≤ 10 MB）、MP4/WebM 视频（≤ 500 MB）或 VTT 字幕";

/**
 * Passes an upload through while deciding its type from the first bytes (never from the name or the
 * browser's claim) and enforcing that type's size limit as the bytes arrive.
 */
async function* sniffedUpload(
  data: AsyncIterable<Uint8Array>,
  limits: Partial<Record<SniffedType, number>>,
  refused: string,
  onType: (type: SniffedType) => void,
): AsyncGenerator<Uint8Array> {
  let pending: Uint8Array[] = [];
  let headLength = 0;
  let limit = -1;
  let size = 0;
  const decide = () => {
    const head = Buffer.concat(pending).subarray(0, 64);
    const type = sniff(head);
    const max = type ? limits[type] : undefined;
    if (!type || max === undefined) throw new AuthoringError(refused, 415);
    limit = max;
    onType(type);
  };
  for await (const chunk of data) {
    if (limit < 0) {
      pending.push(chunk);
      headLength += chunk.length;
      if (headLength < 16) continue;
      decide();
      const first = pending;
      pending = [];
      for (const c of first) {
        size += c.length;
        if (size > limit) throw new UploadTooLarge(limit);
        yield c;
      }
      continue;
    }
    size += chunk.length;
    if (size > limit) throw new UploadTooLarge(limit);
    yield chunk;
  }
  if (limit < 0) {
    decide();
    for (const c of pending) {
      size += c.length;
      if (size > limit) throw new UploadTooLarge(limit);
      yield c;
    }
  }
}

const EXT: Partial<Record<SniffedType, string>> = { png: "png", jpg: "jpg", gif: "gif", webp: "webp", mp4: "mp4", webm: "webm", vtt: "vtt" };

function hashFile(file: string): string {
  return sha256(fs.readFileSync(file));
}

/**
 * Stores an uploaded media file (type sniffed, size limited while streaming) and puts it into the
 * draft's media/ under a generated ASCII name with the extension of its real type.
 */
export async function storeMediaUpload(
  storage: Storage,
  dirs: Dirs,
  slug: string,
  upload: { filename: string; data: AsyncIterable<Uint8Array> },
): Promise<string> {
  const dir = draftDir(dirs, slug);
  let type: SniffedType | null = null;
  const stored = await storage.put(
    sniffedUpload(upload.data, MEDIA_LIMITS, `文件类型不被允许：只能上传 ${TYPE_NAMES}。文件类型按内容判断，与文件名无关。`, (t) => (type = t)),
    Math.max(...Object.values(MEDIA_LIMITS).map(Number)),
  );
  const ext = EXT[type!]!;
  const base = safeName(upload.filename.replace(/\.[^.]*$/, ""), `file-${stored.sha256.slice(0, 12)}`);
  let rel = `media/${base}.${ext}`;
  for (let n = 2; fs.existsSync(path.join(dir, rel)); n++) {
    if (hashFile(path.join(dir, rel)) === stored.sha256) return rel;
    rel = `media/${base}-${n}.${ext}`;
  }
  const tmp = path.join(dir, "media", `.tmp-${randomUUID()}`);
  fs.mkdirSync(path.dirname(tmp), { recursive: true });
  try {
    fs.linkSync(storage.pathOf(stored.sha256), tmp); // the store's files are immutable: a hard link is a copy
  } catch {
    fs.copyFileSync(storage.pathOf(stored.sha256), tmp);
  }
  fs.renameSync(tmp, path.join(dir, rel));
  return rel;
}

type MediaKind = "image" | "video" | "caption" | "other";
const kindOf = (rel: string): MediaKind =>
  /\.(png|jpe?g|gif|webp)$/i.test(rel) ? "image" : /\.(mp4|webm)$/i.test(rel) ? "video" : /\.vtt$/i.test(rel) ? "caption" : "other";

/** The draft's media files with the snippet to paste into a lesson. */
export function listDraftMedia(dirs: Dirs, slug: string) {
  const dir = path.join(draftDir(dirs, slug), "media");
  if (!fs.existsSync(dir)) return [];
  return listFolderFiles(dir).map((name) => {
    const rel = `media/${name}`;
    const kind = kindOf(rel);
    const snippet = kind === "image" ? `![说明](../${rel})` : kind === "video" ? `video: ${rel}` : kind === "caption" ? `captions: ${rel}` : rel;
    return { path: rel, name, kind, size: fs.statSync(path.join(dir, name)).size, snippet };
  });
}

/** A file under the draft's media/ (for the editor's preview), or null. */
export function draftMediaFile(dirs: Dirs, slug: string, name: string): string | null {
  if (unsafeZipName(name) || name.split("/").some((s) => s.startsWith("."))) return null;
  const file = path.join(draftDir(dirs, slug), "media", name);
  return fs.existsSync(file) && fs.statSync(file).isFile() ? file : null;
}

export function deleteDraftMedia(dirs: Dirs, slug: string, name: string) {
  const file = draftMediaFile(dirs, slug, name);
  if (!file) throw new AuthoringError("文件不存在", 404);
  fs.rmSync(file);
}

// ------------------------------------------------------------------------------------------ zip import

type ImportLimits = { maxZipBytes: number; maxEntries: number; maxTotalBytes: number };
export const IMPORT_LIMITS: ImportLimits = { maxZipBytes: 600 * MB, maxEntries: 2000, maxTotalBytes: 1024 * MB };

const COURSE_ENTRY = /^(?:course\.md|(?:lessons|assignments|bank|exams)\/[^/]+\.md|media\/.+[^/])$/;
const COURSE_FOLDER = /^(?:lessons|assignments|bank|exams|media)(?:\/.+)?\/$/;
/** Leftovers of archivers (macOS, editors) that are skipped rather than refused. */
const isJunk = (name: string) => name.startsWith("__MACOSX/") || name.split("/").some((s) => s.startsWith("."));
const MEDIA_TYPE: Record<string, SniffedType> = {
  png: "png",
  jpg: "jpg",
  jpeg: "jpg",
  gif: "gif",
  webp: "webp",
  mp4: "mp4",
  webm: "webm",
  vtt: "vtt",
  pdf: "pdf",
};

/** `field`: the form field at fault ("slug" when the course id is the problem, else the zip itself). */
export type ImportResult = { ok: true; slug: string } | { ok: false; errors: string[]; field?: "slug" };

/**
 * Imports a zip in the courses/ format as the draft of a NEW browser course (unpublished): the upload
 * is sniffed and size-limited while streaming, every entry name is checked (zip-slip, unexpected
 * files) before anything is written, inflating stops past the byte budget (zip bombs), media must be
 * what their extension says, and the course is validated by the one parser. Nothing is kept on refusal.
 */
export async function importCourseZip(
  db: DB,
  opts: { storage: Storage; dirs: Dirs; data: AsyncIterable<Uint8Array>; slug?: string; actor: Actor; limits?: Partial<ImportLimits> },
): Promise<ImportResult> {
  return withImportLock(db, opts.actor.id, "course-zip", () => unpackCourseZip(db, opts));
}

async function unpackCourseZip(db: DB, opts: Parameters<typeof importCourseZip>[1]): Promise<ImportResult> {
  const limits = { ...IMPORT_LIMITS, ...opts.limits };
  const roots = authoringRoots(opts.dirs);
  const work = path.join(roots.tmp, `import-${randomUUID()}`);
  fs.mkdirSync(work, { recursive: true });
  const refuse = (...errors: string[]): ImportResult => ({ ok: false, errors });
  const refuseSlug = (error: string): ImportResult => ({ ok: false, errors: [error], field: "slug" });
  try {
    const zipFile = path.join(work, "upload.zip");
    await pipeline(Readable.from(sniffedUpload(opts.data, { zip: limits.maxZipBytes }, ZIP_MSG.notZip, () => {})), fs.createWriteStream(zipFile));

    const entries = readZipDirectory(zipFile, limits);
    const errors: string[] = [];
    for (const e of entries) {
      const why = unsafeZipName(e.name);
      if (why) errors.push(ZIP_MSG.unsafePath(e.name, why));
    }
    if (errors.length) return refuse(...errors);
    const useful = entries.filter((e) => !isJunk(e.name));
    const firstSegments = new Set(useful.map((e) => e.name.split("/")[0]));
    const top = [...firstSegments][0];
    const prefix =
      firstSegments.size === 1 && useful.every((e) => e.name.startsWith(`${top}/`)) && !["lessons", "assignments", "bank", "exams", "media"].includes(top)
        ? top
        : "";
    const files: { entry: ZipEntry; target: string }[] = [];
    const seen = new Set<string>();
    for (const entry of useful) {
      const rel = prefix ? entry.name.slice(prefix.length + 1) : entry.name;
      if (rel === "" || COURSE_FOLDER.test(rel)) continue;
      if (!COURSE_ENTRY.test(rel)) errors.push(ZIP_MSG.notCourseFile(entry.name));
      else if (seen.has(rel)) errors.push(ZIP_MSG.twice(entry.name));
      else files.push({ entry, target: rel });
      seen.add(rel);
    }
    if (!files.some((f) => f.target === "course.md")) errors.push(ZIP_MSG.noCourseMd(prefix ? `${prefix}/` : ""));
    if (errors.length) return refuse(...errors);

    const slug = (opts.slug || prefix).trim();
    if (!SLUG.test(slug)) return refuseSlug(slug ? ZIP_MSG.slugInvalid(slug) : ZIP_MSG.slugMissing);
    const taken = await slugTaken(db, opts.dirs, slug);
    if (taken) return refuseSlug(ZIP_MSG.neverOverwrites(taken));

    const dir = path.join(work, "course", slug);
    // Media must be what their extension says: judged from the first bytes, before the rest is inflated.
    await extractZipEntries(zipFile, files, dir, limits.maxTotalBytes, (target, head) => {
      const expected = target.startsWith("media/") ? MEDIA_TYPE[path.extname(target).slice(1).toLowerCase()] : undefined;
      return expected && sniff(head) !== expected ? ZIP_MSG.mediaMismatch : null;
    });
    fs.rmSync(zipFile);

    const parsed = parseCourse(dir, prefix);
    if (parsed.errors.length) return refuse(...parsed.errors.map((e) => formatError(e).replace(/^\//, "")));

    let text = fs.readFileSync(path.join(dir, "course.md"), "utf8");
    text = setFrontMatterField(text, "published", "false");
    const author = opts.actor.roles.includes("admin") ? null : opts.actor.username;
    if (author && !parsed.course.instructors.includes(author))
      text = setFrontMatterField(text, "instructors", yamlList([...parsed.course.instructors, author]));
    writeFileAtomic(path.join(dir, "course.md"), text);

    const dest = draftDir(opts.dirs, slug);
    try {
      claimDraftDir(opts.dirs, slug);
    } catch (e) {
      if (e instanceof AuthoringError) return refuseSlug(e.message);
      throw e;
    }
    fs.renameSync(dir, dest); // replaces the empty folder this import just claimed
    const applied = await applyDraft(db, opts.storage, opts.dirs, slug);
    if (!applied.ok) {
      fs.rmSync(dest, { recursive: true, force: true });
      return refuse(...applied.errors.map(formatError));
    }
    await audit(db, {
      actorId: opts.actor.id,
      action: "course.import",
      targetType: "course",
      targetId: slug,
      detail: { entries: files.length },
      ip: opts.actor.ip,
    });
    return { ok: true, slug };
  } catch (e) {
    if (e instanceof ZipRefused) return refuse(e.message);
    throw e;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------ listing

/** Courses the user may author: admins all, instructors those that name their 工号. */
export async function listAuthorableCourses(db: DB, user: { username: string; roles: readonly Role[] }) {
  const rows = await db
    .selectFrom("courses")
    .select(["slug", "title", "source", "published", "archived", "instructors", "updated_at"])
    .orderBy("archived")
    .orderBy("updated_at", "desc")
    .execute();
  return rows
    .map((r) => ({ ...r, instructors: JSON.parse(r.instructors) as string[], published: r.published === 1, archived: r.archived === 1 }))
    .filter((r) => seesEverything(r, user));
}

export const STAGE_NAMES = Object.keys(STAGE_BY_NAME);

// ------------------------------------------------------------------------------------------ for routes

/** The Markdown body of a file: everything after the front matter (the whole text when there is none). */
export function markdownBodyOf(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (lines[0]?.trimEnd() !== "---") return text;
  const close = lines.findIndex((l, i) => i > 0 && l.trimEnd() === "---");
  return close < 0 ? "" : lines.slice(close + 1).join("\n");
}

/**
 * The URL prefix under which the editor's preview finds the draft's media (not yet published):
 * `../media/a.png` becomes `/teach/<slug>/preview?file=/a.png` (the renderer wants a base ending in /).
 */
export const draftMediaBase = (slug: string) => `/teach/${slug}/preview?file=/`;

/** The message and status of an expected failure (bad input, conflict, refused upload), or null. */
export function failureOf(e: unknown): { message: string; status: number } | null {
  if (e instanceof AuthoringError) return { message: e.message, status: e.status };
  if (isUploadTooLarge(e)) return { message: e.message, status: 413 };
  if (e instanceof ImportBusy) return { message: e.message, status: 409 };
  return null;
}

/** A plain (non-file) field of a multipart form, read into a string with a small size limit. */
export async function readSmallField(data: AsyncIterable<Uint8Array>, max = 4096): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of data) {
    size += chunk.length;
    if (size > max) throw new AuthoringError("表单字段过长", 413);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
