// A question's stem as a one-line summary for lists (grading queue, item analysis): plain text, with
// each 填空 blank `{{}}` shown as a blank line "____" instead of the authoring markup.
import { markdownToPlainText } from "./markdown.server.ts";

export function stemSummary(stemMd: string, max: number): string {
  return markdownToPlainText(stemMd)
    .replace(/\{\{\}\}/g, "____")
    .slice(0, max);
}
