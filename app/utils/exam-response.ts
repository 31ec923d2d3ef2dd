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

/** hh:mm:ss of a unix time in China Standard Time, whatever the browser's zone or clock. */
export function cstClock(unixSeconds: number): string {
  const d = new Date((unixSeconds + 8 * 3600) * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

export const optionLetter = (displayIndex: number) => String.fromCharCode(65 + displayIndex);
