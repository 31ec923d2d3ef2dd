// What a trainee answers, shared by the exam page (browser) and the exam model; safe for the browser.

/**
 * Choices are option indexes: on the exam page, positions in the attempt's shuffled order; in the
 * database, the question's own (bank) indexes. The exam model maps one to the other.
 */
export type ExamResponse = { choices: number[] } | { judge: boolean | null } | { blanks: string[] } | { text: string };

export function isAnswered(r: ExamResponse | null | undefined): boolean {
  if (!r) return false;
  if ("choices" in r) return r.choices.length > 0;
  if ("judge" in r) return r.judge !== null;
  if ("blanks" in r) return r.blanks.some((b) => b.trim() !== "");
  return r.text.trim() !== "";
}

export const optionLetter = (displayIndex: number) => String.fromCharCode(65 + displayIndex);
