// Question banks of a course for instructors: listing with counts, the bank an import goes into, and
// the preview → confirm flow of imports. Imports never touch the questions table: they become bank
// Markdown, written into the browser course's draft (published later with the same sync as every
// change) or, for a course kept in courses/, handed to the instructor as the bank file to commit.
import fs from "node:fs";
import path from "node:path";
import { audit } from "~/models/audit.server.ts";
import { courseFolder, draftDir, listDraftMedia, readDraftFile, saveDraftFile } from "~/models/authoring.server.ts";
import type { Dirs } from "~/utils/env.server.ts";
import type { CourseView } from "~/models/courses.server.ts";
import { questionMarkdown, questionsToBankMarkdown, type ImportResult } from "~/utils/bank-import/common.server.ts";
import { findDuplicates, type Duplicate } from "~/utils/bank-import/duplicates.server.ts";
import { DIFFICULTIES, QUESTION_TYPES, type Difficulty, type QuestionType } from "~/utils/course-types.ts";
import { parseBankText, type ParsedQuestion } from "~/utils/course-format.server.ts";
import { now, type DB } from "~/utils/db.server.ts";
import type { Storage } from "~/utils/storage.server.ts";
import { runTask } from "~/utils/workers.server.ts";

type Course = Pick<CourseView, "id" | "slug" | "source">;

/** A bank's file name without .md: what `bank/<key>.md` and the URLs use. */
export const BANK_KEY = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Any existing bank's key (hand-written files may use other names), safe as one path segment. */
const EXISTING_KEY = /^[^/\\.][^/\\]{0,99}$/;
/** A pending import is forgotten after a day. */
const PENDING_TTL = 24 * 3600;

type BankSummary = {
  key: string;
  title: string;
  total: number;
  byType: Record<QuestionType, number>;
  byDifficulty: Record<Difficulty, number>;
  /** Errors the course parser finds in a draft bank file (browser courses only). */
  errors: number;
};

function summarize(key: string, title: string, questions: Pick<ParsedQuestion, "type" | "difficulty">[], errors = 0): BankSummary {
  const byType = Object.fromEntries(QUESTION_TYPES.map((t) => [t, 0])) as Record<QuestionType, number>;
  const byDifficulty = Object.fromEntries(DIFFICULTIES.map((d) => [d, 0])) as Record<Difficulty, number>;
  for (const q of questions) {
    byType[q.type]++;
    byDifficulty[q.difficulty]++;
  }
  return { key, title, total: questions.length, byType, byDifficulty, errors };
}

/** Media paths (`media/…`) that bank Markdown of this course may show. */
async function courseMedia(db: DB, dirs: Dirs, course: Course): Promise<string[]> {
  if (course.source === "browser") return listDraftMedia(dirs, course.slug).map((m) => m.path);
  const rows = await db.selectFrom("course_media").select("path").where("course_id", "=", course.id).where("archived", "=", 0).execute();
  return rows.map((r) => r.path);
}

function draftBankKeys(dirs: Dirs, slug: string): string[] {
  const dir = path.join(draftDir(dirs, slug), "bank");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".md") && EXISTING_KEY.test(f))
    .map((f) => f.slice(0, -3))
    .sort();
}

/**
 * The course's banks with their question counts by type and difficulty: the draft's bank files for a
 * browser course (what the instructor is editing and will publish), the current question versions for
 * a course synced from courses/.
 */
export async function listCourseBanks(db: DB, dirs: Dirs, course: Course): Promise<BankSummary[]> {
  if (course.source === "browser") {
    const media = await courseMedia(db, dirs, course);
    return draftBankKeys(dirs, course.slug).flatMap((key) => {
      const bank = readDraftBank(dirs, course.slug, key, media);
      return bank ? [summarize(key, bank.title, bank.questions, bank.errors)] : [];
    });
  }
  const banks = await db
    .selectFrom("question_banks")
    .select(["id", "key", "title"])
    .where("course_id", "=", course.id)
    .where("archived", "=", 0)
    .orderBy("key")
    .execute();
  if (!banks.length) return [];
  const questions = await db
    .selectFrom("questions")
    .select(["bank_id", "type", "difficulty"])
    .where(
      "bank_id",
      "in",
      banks.map((b) => b.id),
    )
    .where("archived", "=", 0)
    .execute();
  return banks.map((b) =>
    summarize(
      b.key,
      b.title,
      questions.filter((q) => q.bank_id === b.id),
    ),
  );
}

type LoadedBank = {
  key: string;
  title: string;
  /** Current questions, in file order. */
  questions: ParsedQuestion[];
  /** The bank file as written (draft, or courses/ when it is at hand), so an import can append to it. */
  text: string | null;
  /** The draft file's version, for a save that must not overwrite someone else's edit. */
  version: string | null;
  errors: number;
  media: string[];
};

function readDraftBank(dirs: Dirs, slug: string, key: string, media: string[]) {
  const file = readDraftFile(dirs, slug, `bank/${key}.md`);
  if (!file) return null;
  const { bank, errors } = parseBankText(file.text, { file: `bank/${key}.md`, media });
  return { title: bank?.title || key, questions: bank?.questions ?? [], text: file.text, version: file.version, errors: errors.length };
}

function dbQuestion(row: {
  key: string;
  type: QuestionType;
  stem_md: string;
  options: string | null;
  answer: string;
  explanation: string | null;
  score: number;
  difficulty: Difficulty;
  knowledge: string | null;
  tags: string;
  content_hash: string;
}): ParsedQuestion {
  return {
    key: row.key,
    line: 0,
    type: row.type,
    stem_md: row.stem_md,
    options: row.options === null ? null : (JSON.parse(row.options) as string[]),
    answer: JSON.parse(row.answer),
    explanation: row.explanation,
    score: row.score,
    difficulty: row.difficulty,
    knowledge: row.knowledge,
    tags: JSON.parse(row.tags) as string[],
    hash: row.content_hash,
  };
}

/** One bank of the course (see listCourseBanks for which source), or null when there is none by that key. */
export async function loadBank(db: DB, dirs: Dirs, course: Course, key: string): Promise<LoadedBank | null> {
  if (!EXISTING_KEY.test(key)) return null;
  const media = await courseMedia(db, dirs, course);
  if (course.source === "browser") {
    const bank = readDraftBank(dirs, course.slug, key, media);
    return bank && { key, ...bank, media };
  }
  const row = await db
    .selectFrom("question_banks")
    .select(["id", "title"])
    .where("course_id", "=", course.id)
    .where("key", "=", key)
    .where("archived", "=", 0)
    .executeTakeFirst();
  if (!row) return null;
  const rows = await db
    .selectFrom("questions")
    .select(["key", "type", "stem_md", "options", "answer", "explanation", "score", "difficulty", "knowledge", "tags", "content_hash"])
    .where("bank_id", "=", row.id)
    .where("archived", "=", 0)
    .orderBy("id")
    .execute();
  const folder = courseFolder(dirs, course);
  const file = folder && path.join(folder, "bank", `${key}.md`);
  const text = file && fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
  return { key, title: row.title, questions: rows.map(dbQuestion), text, version: null, errors: 0, media };
}

// ------------------------------------------------------------------------------------------ pending imports

type PendingImport = { sha256: string; fileName: string; bankKey: string; bankTitle: string | null; createdAt: number };

/** Remembers an uploaded file as this user's import into one bank of one course (and forgets stale ones). */
export async function createPendingImport(
  db: DB,
  p: { userId: number; slug: string; sha256: string; fileName: string; bankKey: string; bankTitle: string | null },
) {
  const t = now();
  await db
    .deleteFrom("pending_imports")
    .where("created_at", "<", t - PENDING_TTL)
    .execute();
  await db.deleteFrom("pending_imports").where("user_id", "=", p.userId).where("course_slug", "=", p.slug).where("sha256", "=", p.sha256).execute();
  await db
    .insertInto("pending_imports")
    .values({ user_id: p.userId, course_slug: p.slug, sha256: p.sha256, file_name: p.fileName, bank_key: p.bankKey, bank_title: p.bankTitle, created_at: t })
    .execute();
}

/** The user's own pending import of that file for that course; undefined for anyone else's or a stale one. */
export async function getPendingImport(db: DB, p: { userId: number; slug: string; sha256: string }): Promise<PendingImport | undefined> {
  if (!/^[0-9a-f]{64}$/.test(p.sha256)) return undefined;
  const row = await db
    .selectFrom("pending_imports")
    .select(["sha256", "file_name", "bank_key", "bank_title", "created_at"])
    .where("user_id", "=", p.userId)
    .where("course_slug", "=", p.slug)
    .where("sha256", "=", p.sha256)
    .where("created_at", ">=", now() - PENDING_TTL)
    .orderBy("id", "desc")
    .executeTakeFirst();
  return row && { sha256: row.sha256, fileName: row.file_name, bankKey: row.bank_key, bankTitle: row.bank_title, createdAt: row.created_at };
}

/** Forgets a pending import (cancelled or done); the stored file stays in the content-addressed store. */
export async function dropPendingImport(db: DB, p: { userId: number; slug: string; sha256: string }) {
  await db.deleteFrom("pending_imports").where("user_id", "=", p.userId).where("course_slug", "=", p.slug).where("sha256", "=", p.sha256).execute();
}

export type ImportPreview = {
  result: ImportResult;
  duplicates: Duplicate[];
  bank: { key: string; title: string; exists: boolean; total: number };
};

/** Parses the stored file again and compares it with the target bank as it is now. */
async function prepare(db: DB, storage: Storage, dirs: Dirs, course: Course, pending: PendingImport) {
  const bank = await loadBank(db, dirs, course, pending.bankKey);
  const media = bank?.media ?? (await courseMedia(db, dirs, course));
  const bytes = new Uint8Array(await fs.promises.readFile(storage.pathOf(pending.sha256)));
  const result = await runTask("bankFile", { bytes, fileName: pending.fileName, media });
  return { bank, media, result, duplicates: findDuplicates(result.questions, bank?.questions ?? []) };
}

export async function previewImport(db: DB, storage: Storage, dirs: Dirs, course: Course, pending: PendingImport): Promise<ImportPreview> {
  const { bank, result, duplicates } = await prepare(db, storage, dirs, course, pending);
  return {
    result,
    duplicates,
    bank: { key: pending.bankKey, title: bank?.title ?? pending.bankTitle ?? pending.bankKey, exists: !!bank, total: bank?.questions.length ?? 0 },
  };
}

type ImportOptions = { skipErrors: boolean; skipDuplicates: boolean };
type Failure = { ok: false; message: string; details?: string[] };

/**
 * The bank file an import produces: refused while there are bad rows or duplicates unless the
 * instructor chose to skip them. It is the existing text with the new questions appended (or a new
 * file), and it must pass the course parser as a whole. Writes nothing.
 */
export async function buildImport(db: DB, storage: Storage, dirs: Dirs, course: Course, pending: PendingImport, opts: ImportOptions) {
  const { bank, media, result, duplicates } = await prepare(db, storage, dirs, course, pending);
  const fail = (message: string, details?: string[]): Failure => ({ ok: false, message, details });
  if (!result.format) return fail(result.errors[0]?.message ?? "无法读取文件");
  if (result.errors.length && !opts.skipErrors) {
    return fail(`文件中有 ${result.errors.length} 处错误。请修改文件后重新上传，或勾选“跳过有错误的行”只导入其余题目。`);
  }
  if (duplicates.length && !opts.skipDuplicates) {
    return fail(`有 ${duplicates.length} 道题与已有题目重复。请勾选“跳过重复的题目”，或修改文件后重新上传。`);
  }
  const skip = new Set(duplicates.map((d) => d.line));
  const toAdd = result.questions.filter((q) => !skip.has(q.line));
  if (!toAdd.length) return fail("没有可导入的题目");
  if (!bank && !pending.bankTitle) return fail("目标题库已不存在，请重新上传并选择题库");

  const rel = `bank/${pending.bankKey}.md`;
  const markdown = bank?.text
    ? `${bank.text.replace(/\s+$/, "")}\n${toAdd.map((q) => `\n${questionMarkdown(q)}`).join("")}`
    : questionsToBankMarkdown(bank?.title ?? pending.bankTitle!, [...(bank?.questions ?? []), ...toAdd]);
  const check = parseBankText(markdown, { file: rel, media });
  if (check.errors.length) {
    const own = bank?.text ? parseBankText(bank.text, { file: rel, media }).errors.length : 0;
    return fail(
      own ? `题库文件 ${rel} 本身有错误，请先修正后再导入` : `合并后的题库文件 ${rel} 未通过校验`,
      check.errors.map((e) => `${e.file}:${e.line}: ${e.message}`),
    );
  }
  return {
    ok: true as const,
    rel,
    markdown,
    version: bank?.version ?? null,
    added: toAdd.length,
    detail: {
      bank: pending.bankKey,
      format: result.format,
      file: pending.fileName,
      sha256: pending.sha256,
      added: toAdd.length,
      skippedErrors: result.errors.length,
      skippedDuplicates: duplicates.length,
    },
  };
}

/**
 * Confirms an import, audited. A browser course gets the bank file written into its draft (and the
 * pending import is done); a course kept in courses/ is told to download the file (`download`), which
 * stays available until the pending import expires.
 */
export async function confirmImport(
  db: DB,
  storage: Storage,
  dirs: Dirs,
  course: Course,
  pending: PendingImport,
  opts: ImportOptions & { actor: { id: number; ip: string | null } },
): Promise<Failure | { ok: true; mode: "draft" | "download"; added: number; bankKey: string }> {
  const built = await buildImport(db, storage, dirs, course, pending, opts);
  if (!built.ok) return built;
  const mode = course.source === "browser" ? "draft" : "download";
  if (mode === "draft") writeBankIntoDraft(dirs, course.slug, built.rel, built.markdown, built.version);
  await audit(db, {
    actorId: opts.actor.id,
    action: "bank.import",
    targetType: "course",
    targetId: course.slug,
    detail: { ...built.detail, mode },
    ip: opts.actor.ip,
  });
  if (mode === "draft") await dropPendingImport(db, { userId: opts.actor.id, slug: course.slug, sha256: pending.sha256 });
  return { ok: true, mode, added: built.added, bankKey: pending.bankKey };
}

/**
 * The one place an import writes into a browser course: the draft's bank file, through the course
 * editor's save (atomic, refused with 409 when the file changed since it was read). Publishing the
 * draft then applies it with the course sync, which versions changed questions.
 */
function writeBankIntoDraft(dirs: Dirs, slug: string, rel: string, markdown: string, version: string | null) {
  saveDraftFile(dirs, slug, rel, markdown, version);
}
