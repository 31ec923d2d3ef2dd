// Question-bank import: questions that repeat one in the file or in the bank.
import { normalizeStem, type ParsedQuestion } from "../course-format.server.ts";
import { IMPORT_MSG } from "../course-messages.server.ts";

type ExistingQuestion = { key: string; stem_md: string };
export type Duplicate = { line: number; stem: string } & (
  { kind: "file"; firstLine: number } | { kind: "bank"; existingKey: string; existingStem: string; byKey: boolean }
);

/**
 * Questions whose normalized stem (the course parser's notion of a duplicate) repeats an earlier one in
 * the file, or a question already in the bank; also an explicit 编号 already used in the bank.
 */
export function findDuplicates(questions: ParsedQuestion[], existing: ExistingQuestion[]): Duplicate[] {
  const inBank = new Map(existing.map((e) => [normalizeStem(e.stem_md), e]));
  const keys = new Map(existing.map((e) => [e.key, e]));
  const seen = new Map<string, number>();
  const out: Duplicate[] = [];
  for (const q of questions) {
    const norm = normalizeStem(q.stem_md);
    const first = seen.get(norm);
    const bank = inBank.get(norm);
    const sameKey = keys.get(q.key);
    if (first !== undefined) out.push({ line: q.line, stem: q.stem_md, kind: "file", firstLine: first });
    else if (bank) out.push({ line: q.line, stem: q.stem_md, kind: "bank", existingKey: bank.key, existingStem: bank.stem_md, byKey: false });
    else if (sameKey) out.push({ line: q.line, stem: q.stem_md, kind: "bank", existingKey: sameKey.key, existingStem: sameKey.stem_md, byKey: true });
    if (first === undefined) seen.set(norm, q.line);
  }
  return out;
}

/** A duplicate in words for the preview. */
export function describeDuplicate(d: Duplicate): string {
  if (d.kind === "file") return IMPORT_MSG.sameInFile(d.firstLine);
  const excerpt = d.existingStem.length > 40 ? `${d.existingStem.slice(0, 40)}…` : d.existingStem;
  if (d.byKey) return IMPORT_MSG.sameKeyInBank(excerpt);
  return d.existingStem === d.stem ? IMPORT_MSG.sameInBank : IMPORT_MSG.sameInBankAs(excerpt);
}
