// Question-bank import: the course's own bank Markdown form.
import { IMPORT_MSG, MSG } from "../course-messages.server.ts";
import { parseBankText } from "../course-format.server.ts";
import { type ImportResult, MAX_IMPORT_QUESTIONS, sortIssues } from "./common.server.ts";

/**
 * The course's own bank form (courses/README.md), read by the course parser. Front matter is optional
 * here (a file of `##` questions is enough). Duplicate stems are left to `findDuplicates`, like every format.
 */
export function parseMarkdownBank(text: string, opts: { media?: string[] } = {}): ImportResult {
  const clean = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const hasFront = clean.split("\n")[0].trimEnd() === "---";
  const offset = hasFront ? 0 : 3;
  const { bank, errors } = parseBankText(hasFront ? clean : `---\ntitle: 导入\n---\n${clean}`, { file: "bank/import.md", media: opts.media });
  const issues = errors.filter((e) => !MSG.isStemDuplicate(e.message)).map((e) => ({ line: Math.max(0, e.line - offset), message: e.message }));
  const questions = (bank?.questions ?? []).map((q) => ({ ...q, line: q.line - offset }));
  // The parser reports a bad question yet may still return it: a question whose section (from its `##`
  // line to the next one) has an error is not imported.
  const sectionOf: number[] = [];
  let section = 0;
  clean.split("\n").forEach((l, i) => {
    if (/^##\s/.test(l)) section = i + 1;
    sectionOf[i + 1] = section;
  });
  const badSections = new Set(issues.flatMap((e) => (sectionOf[e.line] ? [sectionOf[e.line]] : [])));
  const ok = questions.filter((q) => !badSections.has(q.line));
  if (ok.length > MAX_IMPORT_QUESTIONS) issues.push({ line: 0, message: IMPORT_MSG.tooMany(MAX_IMPORT_QUESTIONS, ok.length) });
  if (!questions.length && !issues.length) issues.push({ line: 0, message: IMPORT_MSG.noQuestionsMarkdown });
  const title = hasFront && bank?.title ? bank.title : undefined;
  return { format: "markdown", questions: ok.length > MAX_IMPORT_QUESTIONS ? [] : ok, errors: sortIssues(issues), warnings: [], title };
}
