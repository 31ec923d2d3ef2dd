// Item analysis of an exam: per question, how often it was answered correctly and how it separates.
import type { QuestionAnswer } from "~/utils/course-types.ts";
import type { DB } from "~/utils/db.server.ts";
import { type ExamResponse, isAnswered } from "~/utils/exam-response.ts";
import { round2 } from "~/utils/exam-rules.ts";

/**
 * Item analysis over finalized attempts, per question version: facility index (mean fraction of the
 * score earned), discrimination index (mean fraction in the upper 27% minus the lower 27% of the
 * attempts that had the question, ranked by total), and the distribution of chosen options.
 */
export async function itemAnalysis(db: DB, examId: number) {
  const rows = await db
    .selectFrom("attempt_questions as aq")
    .innerJoin("exam_attempts as a", "a.id", "aq.attempt_id")
    .innerJoin("questions as q", "q.id", "aq.question_id")
    .leftJoin("attempt_answers as aa", (j) => j.onRef("aa.attempt_id", "=", "aq.attempt_id").onRef("aa.question_id", "=", "aq.question_id"))
    .select([
      "aq.attempt_id",
      "aq.question_id",
      "aq.score as max",
      "a.score as total",
      "a.max_score as total_max",
      "q.key",
      "q.version",
      "q.type",
      "q.stem_md",
      "q.options",
      "q.answer",
      "aa.answer as response",
      "aa.auto_score",
      "aa.manual_score",
    ])
    .where("a.exam_id", "=", examId)
    .where("a.status", "!=", "in_progress")
    .execute();
  const byQuestion = new Map<number, typeof rows>();
  for (const r of rows) byQuestion.set(r.question_id, [...(byQuestion.get(r.question_id) ?? []), r]);
  return [...byQuestion.values()]
    .map((list) => {
      const first = list[0];
      const frac = (r: (typeof list)[number]) => (r.max > 0 ? (r.response ? (r.manual_score ?? r.auto_score ?? 0) : 0) / r.max : 0);
      const facility = list.reduce((n, r) => n + frac(r), 0) / list.length;
      const ranked = [...list].sort((x, y) => (x.total ?? 0) / (x.total_max || 1) - (y.total ?? 0) / (y.total_max || 1));
      const k = Math.max(1, Math.round(list.length * 0.27));
      const mean = (xs: typeof list) => xs.reduce((n, r) => n + frac(r), 0) / xs.length;
      const discrimination = list.length >= 4 ? mean(ranked.slice(-k)) - mean(ranked.slice(0, k)) : null;
      const answer = JSON.parse(first.answer) as QuestionAnswer;
      const responses = list.map((r) => (r.response ? (JSON.parse(r.response) as ExamResponse) : null));
      let distribution: { label: string; count: number; correct: boolean }[] = [];
      if (first.options && "choices" in answer) {
        const texts = JSON.parse(first.options) as string[];
        distribution = texts.map((text, i) => ({
          label: `${String.fromCharCode(65 + i)}. ${text}`,
          count: responses.filter((r) => r && "choices" in r && r.choices.includes(i)).length,
          correct: answer.choices.includes(i),
        }));
      } else if ("judge" in answer) {
        distribution = [true, false].map((v) => ({
          label: v ? "正确" : "错误",
          count: responses.filter((r) => r && "judge" in r && r.judge === v).length,
          correct: answer.judge === v,
        }));
      }
      const unanswered = responses.filter((r) => !isAnswered(r)).length;
      return {
        questionId: first.question_id,
        key: first.key,
        version: first.version,
        type: first.type,
        stem_md: first.stem_md,
        n: list.length,
        facility: round2(facility * 100),
        discrimination: discrimination === null ? null : round2(discrimination),
        distribution,
        unanswered,
      };
    })
    .sort((a, b) => a.questionId - b.questionId);
}
