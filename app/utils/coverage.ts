// Watch-coverage arithmetic: which seconds of a video a trainee has really played. Pure functions,
// used by the server to credit heartbeats and by the page to collect played segments.

export type Interval = [start: number, end: number];

/** Seconds past the furthest point a segment may start and still count while seeking is locked. */
export const SEEK_TOLERANCE = 3;

/**
 * Where a locked player may resume or play on: not beyond what the server has credited, since nothing
 * played beyond furthest + tolerance would count and the trainee would be stuck there.
 */
export const creditedLimit = (furthest: number) => furthest + SEEK_TOLERANCE;

/** Gaps smaller than this (seconds) are treated as continuous play. */
const JOIN = 0.5;

/** Sorted, non-overlapping intervals; touching or nearly touching ones are joined. */
export function mergeIntervals(list: Interval[]): Interval[] {
  const sorted = list
    .filter(([s, e]) => Number.isFinite(s) && Number.isFinite(e) && e > s)
    .map(([s, e]) => [Math.max(0, s), e] as Interval)
    .sort((a, b) => a[0] - b[0]);
  const out: Interval[] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1] + JOIN) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

export function totalSeconds(list: Interval[]): number {
  return list.reduce((sum, [s, e]) => sum + (e - s), 0);
}

/** The parts of `add` not already in `have` (both merged). */
export function subtract(add: Interval[], have: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const [s0, e0] of add) {
    let s = s0;
    for (const [hs, he] of have) {
      if (he <= s || hs >= e0) continue;
      if (hs > s) out.push([s, hs]);
      s = Math.max(s, he);
      if (s >= e0) break;
    }
    if (s < e0) out.push([s, e0]);
  }
  return out;
}

type CreditInput = {
  covered: Interval[];
  furthest: number;
  /** Segments the page says it played since its last acknowledged beat. */
  segments: Interval[];
  /** Seconds of new coverage the server will accept: wall time since the last beat × allowed rate. */
  budget: number;
  /** How far past the furthest point a segment may start and still count. */
  tolerance: number;
  /** Until the lesson is complete, segments starting beyond furthest + tolerance are not credited. */
  lockSeek: boolean;
  duration: number;
};

type CreditResult = { covered: Interval[]; furthest: number; credited: number };

/**
 * Credits new coverage in time order, never more than the budget, never past the video's end and,
 * with lockSeek, never a segment that starts beyond what the trainee has reached. Re-sending the same
 * segments credits nothing (coverage is a set), so beats are idempotent.
 */
export function creditSegments(input: CreditInput): CreditResult {
  let covered = mergeIntervals(input.covered);
  let furthest = input.furthest;
  let budget = Math.max(0, input.budget);
  let credited = 0;
  const clipped = mergeIntervals(input.segments.map(([s, e]) => [s, Math.min(e, input.duration)] as Interval));
  for (const seg of clipped) {
    if (input.lockSeek && seg[0] > Math.max(furthest, coveredEndNear(covered, seg[0])) + input.tolerance) continue;
    for (const [s, e] of subtract([seg], covered)) {
      if (budget <= 0) break;
      if (input.lockSeek && s > furthest + input.tolerance) break;
      const take = Math.min(e - s, budget);
      covered = mergeIntervals([...covered, [s, s + take]]);
      budget -= take;
      credited += take;
      furthest = Math.max(furthest, s + take);
    }
  }
  // Re-watching already covered parts moves the furthest point only within what was covered.
  for (const [s, e] of clipped) {
    const reach = covered.find(([cs, ce]) => cs <= s + JOIN && ce >= s);
    if (reach) furthest = Math.max(furthest, Math.min(e, reach[1]));
  }
  return { covered, furthest, credited };
}

/** End of the covered interval that contains t, or -Infinity. */
function coveredEndNear(covered: Interval[], t: number): number {
  const hit = covered.find(([s, e]) => s <= t + JOIN && e >= t);
  return hit ? hit[1] : -Infinity;
}

export function coveragePercent(covered: Interval[], duration: number): number {
  if (duration <= 0) return 0;
  return Math.min(100, (totalSeconds(mergeIntervals(covered)) / duration) * 100);
}
