// The course domain's shared vocabulary: question types, difficulties, assignment kinds, the answer key
// of a question, the exam settings and a course's progress rules. Plain types and constants, safe for
// the browser, so pages (e.g. components/ExamAttempt.tsx) use them instead of re-declaring them; the
// parser (course-format.server.ts) produces values of these types.

export const QUESTION_TYPES = ["单选", "多选", "判断", "填空", "简答"] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];
export const DIFFICULTIES = ["易", "中", "难"] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];
export const ASSIGNMENT_KINDS = ["思想汇报", "学习心得", "读书报告"] as const;
export const ATTACHMENT_TYPES = ["pdf", "doc", "docx", "jpg", "jpeg", "png"] as const;

export type ProgressRules = { lock_seek: boolean; lock_rate: boolean; presence_check: boolean };

/** Choice questions: indexes of the correct options; 判断: the truth; 填空: alternatives per blank; 简答: for the grader. */
export type QuestionAnswer =
  { choices: number[] } | { judge: boolean } | { blanks: string[][]; orderFree: boolean } | { reference: string; keywords: string[] };

export type DrawRule = {
  type: QuestionType;
  count: number;
  score: number;
  difficulty: Difficulty[] | null;
  knowledge: string[] | null;
};

export type ExamSettings = {
  /** Bank keys (file names without .md). */
  banks: string[];
  duration_minutes: number;
  pass_score: number;
  total_score: number;
  attempts: number;
  counts: "best" | "last";
  opens_at: number | null;
  closes_at: number | null;
  shuffle_questions: boolean;
  shuffle_options: boolean;
  /** after_last_attempt: the score after each submit, 正确答案 and 解析 once no attempt is left (or the window closed). */
  show_results: "after_submit" | "after_last_attempt" | "after_close" | "never";
  multi_scoring: "all_or_nothing" | "partial";
  grace_seconds: number;
  draw: DrawRule[];
};

/** Lessons in order as runs of one chapter each (the course page's sections). */
export function groupByChapter<T extends { chapter: string }>(lessons: readonly T[]): { title: string; lessons: T[] }[] {
  const chapters: { title: string; lessons: T[] }[] = [];
  for (const l of lessons) {
    const last = chapters[chapters.length - 1];
    if (last?.title === l.chapter) last.lessons.push(l);
    else chapters.push({ title: l.chapter, lessons: [l] });
  }
  return chapters;
}
