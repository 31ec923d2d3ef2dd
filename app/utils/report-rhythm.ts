// The 思想汇报 rhythm: how many reports per calendar period a trainee of a stage writes. Periods are
// calendar months, quarters, half-years or years in China Standard Time, so a report handed in at
// 23:59 Beijing time on a quarter's last day counts for that quarter. Pure; the browser may use it.
import type { Stage, ThoughtReportStatus } from "../../db/types.ts";
import { cstDate } from "./cst.ts";

export const PERIOD_MONTHS = [0, 1, 3, 6, 12] as const;
export type PeriodMonths = (typeof PERIOD_MONTHS)[number];
export type Rhythm = { periodMonths: PeriodMonths; minCount: number };

export const PERIOD_LABEL: Record<PeriodMonths, string> = { 0: "不作要求", 1: "每月", 3: "每季度", 6: "每半年", 12: "每年" };

/**
 * The school-wide default where no unit has set one: at least one a quarter for 积极分子, 发展对象 and
 * 预备党员 (common practice; the 细则 sets no number). A unit (the 组织部 at the root, a secretary for
 * their subtree) overrides it per stage; the nearest unit above a trainee wins.
 */
export const DEFAULT_RHYTHM: Record<Stage, Rhythm> = {
  applicant: { periodMonths: 0, minCount: 0 },
  activist: { periodMonths: 3, minCount: 1 },
  candidate: { periodMonths: 3, minCount: 1 },
  probationary: { periodMonths: 3, minCount: 1 },
  full: { periodMonths: 0, minCount: 0 },
};

export const REPORT_STATUS_LABEL: Record<ThoughtReportStatus, string> = {
  draft: "草稿",
  submitted: "待阅",
  returned: "已退回",
  reviewed: "已阅",
};

/** The trainee may change a report (a draft, or returned to them). */
export const editable = (status: ThoughtReportStatus) => status === "draft" || status === "returned";
/** A report its readers may write a 考察意见 on or return. */
export const reviewable = (status: ThoughtReportStatus) => status === "submitted" || status === "reviewed";

export type Period = { start: string; end: string; label: string };

const pad = (n: number) => String(n).padStart(2, "0");

/** The period of `months` months (1, 3, 6, 12) that the Beijing day of `unixSeconds` falls in. */
export function periodOf(unixSeconds: number, months: Exclude<PeriodMonths, 0>): Period {
  return periodOfDay(cstDate(unixSeconds), months);
}

function periodOfDay(day: string, months: Exclude<PeriodMonths, 0>): Period {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  const first = Math.floor((month - 1) / months) * months + 1;
  const lastMonth = first + months - 1;
  const lastDay = new Date(Date.UTC(year, lastMonth, 0)).getUTCDate();
  const n = (first - 1) / months + 1;
  const label =
    months === 12 ? `${year}年` : months === 6 ? `${year}年${n === 1 ? "上" : "下"}半年` : months === 3 ? `${year}年第${n}季度` : `${year}年${first}月`;
  return { start: `${year}-${pad(first)}-01`, end: `${year}-${pad(lastMonth)}-${pad(lastDay)}`, label };
}

/** The period just before the one `day` falls in. */
export function previousPeriod(day: string, months: Exclude<PeriodMonths, 0>): Period {
  const current = periodOfDay(day, months);
  const [y, m] = current.start.split("-").map(Number) as [number, number];
  const before = new Date(Date.UTC(y, m - 1, 0)); // the day before the current period starts
  return periodOfDay(before.toISOString().slice(0, 10), months);
}

/** Reports handed in (by Beijing day) within a period. Returned reports do not count until handed in again. */
export function countInPeriod(reports: { submittedAt: number | null; status: ThoughtReportStatus }[], period: Period): number {
  return reports.filter((r) => {
    if (r.submittedAt === null || r.status === "draft" || r.status === "returned") return false;
    const day = cstDate(r.submittedAt);
    return day >= period.start && day <= period.end;
  }).length;
}

export type Standing = { period: Period; count: number; required: number; overdue: boolean };

/**
 * Where a trainee stands: the last full period is overdue when it has fewer reports than required,
 * unless the trainee entered the stage after that period began (then nothing was owed yet). The
 * current period is shown as progress, never as overdue.
 */
export function standing(
  reports: { submittedAt: number | null; status: ThoughtReportStatus }[],
  rhythm: Rhythm,
  today: string,
  stageSince: string | null,
): { current: Standing; last: Standing } | null {
  if (rhythm.periodMonths === 0 || rhythm.minCount <= 0) return null;
  const current = periodOfDay(today, rhythm.periodMonths);
  const last = previousPeriod(today, rhythm.periodMonths);
  const owed = stageSince === null || stageSince <= last.start;
  const lastCount = countInPeriod(reports, last);
  return {
    current: { period: current, count: countInPeriod(reports, current), required: rhythm.minCount, overdue: false },
    last: { period: last, count: lastCount, required: rhythm.minCount, overdue: owed && lastCount < rhythm.minCount },
  };
}
