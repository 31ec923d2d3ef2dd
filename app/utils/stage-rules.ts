// The rules the 发展党员工作细则 and the 党章 fix for stage decisions, checked on a trainee's whole
// timeline. Pure, so the browser could show the same messages.
import type { Stage } from "../../db/types.ts";
import { addMonthsToDay, isCstDay } from "./cst.ts";
import { STAGE_LABEL } from "./labels.ts";

/** Stages a branch decision moves someone into, in order, with the dossier's name for the day. */
export const DECIDED_STAGES = ["activist", "candidate", "probationary", "full"] as const satisfies readonly Stage[];
export type DecidedStage = (typeof DECIDED_STAGES)[number];

export const STAGE_EVENT_LABEL: Record<DecidedStage, string> = {
  activist: "列为入党积极分子的时间",
  candidate: "列为发展对象的时间",
  probationary: "接收为预备党员的时间",
  full: "转正时间",
};

/**
 * Minimum months from the previous stage's day: a 发展对象 has had at least a year as 积极分子
 * (细则 第十三条, "经过一年以上培养教育和考察"); 转正 comes when the one-year 预备期 is over
 * (党章 第七条), never before.
 */
const MIN_MONTHS_AFTER_PREVIOUS: Partial<Record<DecidedStage, number>> = { candidate: 12, full: 12 };

export type TimelineEvent = { stage: DecidedStage; decidedOn: string };

const rank = (s: Stage) => (["applicant", ...DECIDED_STAGES] as Stage[]).indexOf(s);

/**
 * Checks a timeline after a new event is added. `currentStage` is the stage on record before (what
 * the user pages show). Returns the first problem in Chinese, or null.
 */
export function timelineProblem(events: TimelineEvent[], added: TimelineEvent, currentStage: Stage, today: string): string | null {
  const label = STAGE_EVENT_LABEL[added.stage];
  if (!isCstDay(added.decidedOn)) return `${label}不是有效日期（格式 YYYY-MM-DD）`;
  if (added.decidedOn > today) return `${label}不能晚于今天（${today}）`;
  if (events.some((e) => e.stage === added.stage)) return `已录入${label}，如有错误请先撤销原记录`;
  if (events.length === 0 && rank(added.stage) < rank(currentStage)) {
    return `该学员当前为${STAGE_LABEL[currentStage]}，请先录入“${STAGE_EVENT_LABEL[currentStage as DecidedStage]}”，再补录更早的时间`;
  }
  const all = [...events, added].sort((a, b) => rank(a.stage) - rank(b.stage));
  for (let i = 1; i < all.length; i++) {
    const prev = all[i - 1]!;
    const next = all[i]!;
    if (rank(next.stage) !== rank(prev.stage) + 1) {
      const missing = DECIDED_STAGES[rank(prev.stage)]!; // rank is 1-based over DECIDED_STAGES
      return `发展阶段须依次录入：请先录入“${STAGE_EVENT_LABEL[missing]}”`;
    }
    if (next.decidedOn < prev.decidedOn) {
      return `${STAGE_EVENT_LABEL[next.stage]}（${next.decidedOn}）不能早于${STAGE_EVENT_LABEL[prev.stage]}（${prev.decidedOn}）`;
    }
    const months = MIN_MONTHS_AFTER_PREVIOUS[next.stage];
    if (months) {
      const earliest = addMonthsToDay(prev.decidedOn, months);
      if (next.decidedOn < earliest) return NOT_BEFORE[next.stage]!(prev.decidedOn, earliest);
    }
  }
  return null;
}

const NOT_BEFORE: Partial<Record<DecidedStage, (from: string, earliest: string) => string>> = {
  candidate: (from, earliest) => `入党积极分子须经过一年以上培养教育和考察方可列为发展对象：列为积极分子的时间为 ${from}，列为发展对象的时间最早为 ${earliest}`,
  full: (from, earliest) => `预备期为一年：接收为预备党员的时间为 ${from}，转正时间最早为 ${earliest}`,
};

/** The stage the timeline puts someone in: the latest decision, or null when nothing is recorded. */
export function stageOfTimeline(events: TimelineEvent[]): DecidedStage | null {
  let best: DecidedStage | null = null;
  for (const e of events) if (best === null || rank(e.stage) > rank(best)) best = e.stage;
  return best;
}
