// The rules the 发展党员工作细则 and the 党章 fix for stage decisions, checked on a trainee's whole
// timeline. Pure, so the browser could show the same messages.
import type { Stage } from "../../db/types.ts";
import { addMonthsToDay, isCstDay } from "./cst.ts";
import { STAGE_LABEL } from "./labels.ts";

/** Stages a trainee is followed by the branch in (培养联系人, 思想汇报, stage events). */
export const FOLLOWED_STAGES: readonly Stage[] = ["activist", "candidate", "probationary"];

/** 培养联系人 per trainee: one or two (细则 第九条: "一至两名正式党员作入党积极分子的培养联系人"). */
export const MAX_LIAISONS = 2;

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
const isDecidedStage = (s: Stage): s is DecidedStage => rank(s) > 0;

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

/**
 * A stage given together with decision days (a roster row, the admin's user form): which days are new
 * events, each checked against the timeline as it grows, and whether `wanted` agrees with where the
 * timeline then stands (the current stage is always the latest decision). `currentStage` is the stage on
 * record before ("applicant" for a new account). With no timeline at all, the stage stays as entered.
 */
export function planStageDays(
  events: TimelineEvent[],
  currentStage: Stage,
  days: Partial<Record<DecidedStage, string>>,
  wanted: Stage,
  today: string,
): { added: TimelineEvent[] } | { problem: string } {
  const timeline = [...events];
  const added: TimelineEvent[] = [];
  for (const stage of DECIDED_STAGES) {
    const decidedOn = days[stage];
    if (decidedOn === undefined) continue;
    const had = timeline.find((e) => e.stage === stage);
    if (had) {
      if (had.decidedOn !== decidedOn) {
        return { problem: `已录入${STAGE_EVENT_LABEL[stage]}（${had.decidedOn}），与填写的 ${decidedOn} 不同：如需更正，请先在培养考察页撤销原记录` };
      }
      continue;
    }
    const problem = timelineProblem(timeline, { stage, decidedOn }, currentStage, today);
    if (problem) return { problem };
    timeline.push({ stage, decidedOn });
    added.push({ stage, decidedOn });
  }
  const at = stageOfTimeline(timeline);
  if (at !== null && at !== wanted) {
    return {
      problem:
        rank(wanted) > rank(at)
          ? `发展阶段为“${STAGE_LABEL[wanted]}”，请填写${STAGE_EVENT_LABEL[wanted as DecidedStage]}`
          : `发展阶段为“${STAGE_LABEL[wanted]}”，但已录入${STAGE_EVENT_LABEL[at]}：发展阶段以支部最近一次决定为准，如录入有误，请先在培养考察页撤销该记录`,
    };
  }
  return { added };
}

/**
 * The admin's user form: a move up into a decided stage needs the day the branch decided it, and
 * becomes that stage's event; a day given for the stage already held records (or confirms) its event.
 * Moving down is only a correction while nothing is recorded; with a timeline it is refused with the
 * way to withdraw. `current` is null for a new account.
 */
export function formStageChange(
  events: TimelineEvent[],
  current: Stage | null,
  wanted: Stage,
  decidedOn: string | undefined,
  today: string,
): { added: TimelineEvent[] } | { problem: string; field: "stage" | "stageDecidedOn" } {
  const from = current ?? "applicant";
  if (!decidedOn && isDecidedStage(wanted) && (current === null || rank(wanted) > rank(from))) {
    return { problem: `请填写${STAGE_EVENT_LABEL[wanted]}（支部决定日期）`, field: "stageDecidedOn" };
  }
  const days = decidedOn && isDecidedStage(wanted) ? { [wanted]: decidedOn } : {};
  const plan = planStageDays(events, from, days, wanted, today);
  return "problem" in plan ? { problem: plan.problem, field: decidedOn ? "stageDecidedOn" : "stage" } : plan;
}
