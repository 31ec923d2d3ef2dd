// 统计 for the organization department (everyone) and secretaries (their subtree): per training class
// and per org unit, how many are enrolled, still learning, completed or failed; the 学时 and exam
// score distributions; the assignment backlog (work handed in and waiting for a grade); and the
// trainees at risk. Standings come from the classes' own rules (`classResults`), completion from the
// organization department's decision where it was made.
import { histogramBins } from "~/utils/charts.ts";
import { blockerText } from "~/utils/class-rules.ts";
import { now as nowSeconds, inSubtree, type DB } from "~/utils/db.server.ts";
import { classResults, getClassRow, type ClassView, type MemberRow } from "./classes.server.ts";
import { cstDate } from "~/utils/cst.ts";

/** Trainees at risk: the class ends within this many days (today included) … */
const AT_RISK_DAYS = 14;
/** … and they have less than this share of the required 学时; */
const AT_RISK_SHARE = 0.5;
/** or, earlier, once this share of the training period has passed, they are below half the pace it asks. */
const AT_RISK_FROM_ELAPSED = 0.25;

/**
 * Whether an undecided trainee who does not yet meet the rules is at risk: near the end with less than
 * half the 学时, or at any point after the first quarter of the period with less than half of the
 * 学时 the elapsed share of the period would call for (0 % halfway through a class is at risk long
 * before its last two weeks).
 */
function isAtRisk(p: { hours: number; requiredHours: number; startDate: string; endDate: string; today: string }): boolean {
  if (p.today < p.startDate || p.today > p.endDate || p.requiredHours <= 0) return false;
  const share = p.hours / p.requiredHours;
  const total = daysBetween(p.startDate, p.endDate) + 1;
  const elapsed = (daysBetween(p.startDate, p.today) + 1) / total;
  if (daysBetween(p.today, p.endDate) <= AT_RISK_DAYS && share < AT_RISK_SHARE) return true;
  return elapsed >= AT_RISK_FROM_ELAPSED && share < elapsed * AT_RISK_SHARE;
}
/** Without a chosen class, the dashboard covers at most this many classes (the most recent). */
const MAX_CLASSES = 30;
/** The page lists this many trainees at risk (the most urgent) and says how many there are. */
const AT_RISK_LISTED = 100;
/** The units chart shows this many units (the largest) and adds up the rest in one bar. */
export const UNITS_CHARTED = 15;

type StatusCounts = { enrolled: number; inProgress: number; completed: number; failed: number };
type Standing = "inProgress" | "completed" | "failed";

/**
 * 已结业 when the organization department confirmed it, or (not yet confirmed) the trainee meets every
 * rule; 未通过 when it decided against, or the class has ended and the trainee does not meet them;
 * otherwise 学习中.
 */
export function standingOf(m: Pick<MemberRow, "outcome" | "result">, cls: Pick<ClassView, "end_date">, today: string): Standing {
  if (m.outcome === "completed") return "completed";
  if (m.outcome === "not_completed") return "failed";
  if (m.result.passed) return "completed";
  return today > cls.end_date ? "failed" : "inProgress";
}

const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
const emptyCounts = (): StatusCounts => ({ enrolled: 0, inProgress: 0, completed: 0, failed: 0 });
const round1 = (n: number) => Math.round(n * 10) / 10;

type Scope = { unitPath: string | null };

/** Ids of the classes the dashboard covers: one chosen class, or the most recent ones with members in scope. */
async function classIdsFor(db: DB, scope: Scope, f: { classId?: number; includeCompleted: boolean }): Promise<{ ids: number[]; capped: boolean }> {
  let q = db.selectFrom("training_classes as k").select("k.id").orderBy("k.start_date", "desc").orderBy("k.id", "desc");
  if (f.classId !== undefined) q = q.where("k.id", "=", f.classId);
  else if (!f.includeCompleted) q = q.where("k.completed_at", "is", null);
  if (scope.unitPath !== null) {
    const path = scope.unitPath;
    q = q.where(
      "k.id",
      "in",
      db
        .selectFrom("class_members as m")
        .innerJoin("users as u", "u.id", "m.user_id")
        .innerJoin("org_units as o", "o.id", "u.org_unit_id")
        .select("m.class_id")
        .where(inSubtree("o.path", path)),
    );
  }
  const rows = await q.limit(MAX_CLASSES + 1).execute();
  return { ids: rows.slice(0, MAX_CLASSES).map((r) => r.id), capped: rows.length > MAX_CLASSES };
}

/** The unit that a member is counted under: the child of the scope's top unit on the way to theirs. */
function groupUnit(path: string, scopePath: string | null): number {
  const ids = path.split("/").filter(Boolean).map(Number);
  const depth = scopePath === null ? 1 : scopePath.split("/").filter(Boolean).length;
  return ids[depth] ?? ids[ids.length - 1]!;
}

export async function dashboardData(db: DB, scope: Scope, f: { classId?: number; includeCompleted: boolean }, t = nowSeconds()) {
  const today = cstDate(t);
  const { ids, capped } = await classIdsFor(db, scope, f);
  const unitNames = new Map((await db.selectFrom("org_units").select(["id", "name"]).execute()).map((u) => [u.id, u.name]));

  const perClass = [];
  const perUnit = new Map<number, StatusCounts>();
  const hoursShare: number[] = [];
  const examScores: number[] = [];
  const atRisk = [];
  for (const id of ids) {
    const cls = await getClassRow(db, id);
    if (!cls) continue;
    await new Promise((resolve) => setImmediate(resolve));
    const rows = await classResults(db, cls, scope.unitPath === null ? {} : { unitPath: scope.unitPath });
    const counts = emptyCounts();
    let hoursSum = 0;
    const daysLeft = daysBetween(today, cls.end_date);
    for (const m of rows) {
      const standing = standingOf(m, cls, today);
      counts.enrolled++;
      counts[standing]++;
      const unit = groupUnit(m.unitPath, scope.unitPath);
      const u = perUnit.get(unit) ?? emptyCounts();
      u.enrolled++;
      u[standing]++;
      perUnit.set(unit, u);
      hoursSum += m.result.hours;
      const required = m.result.requiredHours;
      hoursShare.push(required > 0 ? (m.result.hours / required) * 100 : 100);
      for (const e of m.inputs.exams) if (e.status === "graded" && e.maxScore > 0) examScores.push(((e.score ?? 0) / e.maxScore) * 100);
      if (
        m.outcome === null &&
        !m.result.passed &&
        isAtRisk({ hours: m.result.hours, requiredHours: required, startDate: cls.start_date, endDate: cls.end_date, today })
      ) {
        atRisk.push({
          userId: m.userId,
          username: m.username,
          name: m.name,
          unit: m.unitName,
          classId: cls.id,
          className: cls.name,
          term: cls.term,
          endDate: cls.end_date,
          daysLeft,
          hours: m.result.hours,
          requiredHours: required,
          blockers: blockerText(m.result),
        });
      }
    }
    perClass.push({
      id: cls.id,
      name: cls.name,
      term: cls.term,
      startDate: cls.start_date,
      endDate: cls.end_date,
      confirmed: cls.completed_at !== null,
      ...counts,
      avgHours: rows.length ? round1(hoursSum / rows.length) : 0,
    });
  }

  const backlog = ids.length ? await assignmentBacklog(db, scope, ids) : [];
  const totals = perClass.reduce(
    (n, c) => ({
      enrolled: n.enrolled + c.enrolled,
      inProgress: n.inProgress + c.inProgress,
      completed: n.completed + c.completed,
      failed: n.failed + c.failed,
    }),
    emptyCounts(),
  );
  return {
    today,
    capped,
    totals,
    classes: perClass,
    units: chartedUnits([...perUnit.entries()].map(([id, c]) => ({ id, name: unitNames.get(id) ?? "?", ...c }))),
    hoursShare,
    examScores,
    backlog,
    atRiskTotal: atRisk.length,
    atRisk: atRisk.sort((a, b) => a.daysLeft - b.daysLeft || a.hours / (a.requiredHours || 1) - b.hours / (b.requiredHours || 1)).slice(0, AT_RISK_LISTED),
  };
}
type DashboardData = Awaited<ReturnType<typeof dashboardData>>;

type UnitCounts = StatusCounts & { id: number | null; name: string };

/** Units by size (largest first); beyond `UNITS_CHARTED`, the rest as one “其余 N 个单位” entry. */
export function chartedUnits(units: UnitCounts[]): UnitCounts[] {
  const sorted = [...units].sort((a, b) => b.enrolled - a.enrolled || a.name.localeCompare(b.name, "zh"));
  if (sorted.length <= UNITS_CHARTED + 1) return sorted;
  const rest = sorted.slice(UNITS_CHARTED);
  const sum = rest.reduce(
    (n, u) => ({
      enrolled: n.enrolled + u.enrolled,
      inProgress: n.inProgress + u.inProgress,
      completed: n.completed + u.completed,
      failed: n.failed + u.failed,
    }),
    emptyCounts(),
  );
  return [...sorted.slice(0, UNITS_CHARTED), { id: null, name: `其余 ${rest.length} 个单位`, ...sum }];
}

/**
 * Handed-in work of the classes' members waiting for a grade (submitted or late, not graded, not
 * returned), per class and assignment, with the oldest hand-in.
 */
async function assignmentBacklog(db: DB, scope: Scope, classIds: number[]) {
  let q = db
    .selectFrom("submissions as s")
    .innerJoin("assignments as a", "a.id", "s.assignment_id")
    .innerJoin("courses as c", "c.id", "a.course_id")
    .innerJoin("class_courses as cc", "cc.course_id", "a.course_id")
    .innerJoin("class_members as m", (j) => j.onRef("m.class_id", "=", "cc.class_id").onRef("m.user_id", "=", "s.user_id"))
    .innerJoin("training_classes as k", "k.id", "m.class_id")
    .innerJoin("users as u", "u.id", "s.user_id")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .innerJoin("submission_versions as v", (j) => j.onRef("v.submission_id", "=", "s.id").onRef("v.version", "=", "s.current_version"))
    .select(["m.class_id", "k.name as class_name", "k.term", "a.id as assignment_id", "a.key", "a.title", "c.slug", "c.title as course_title"])
    .select((eb) => [eb.fn.countAll<number>().as("waiting"), eb.fn.min("v.submitted_at").as("oldest")])
    .where("s.status", "in", ["submitted", "late"])
    .where("a.archived", "=", 0)
    .where("m.class_id", "in", classIds)
    .groupBy(["m.class_id", "k.name", "k.term", "a.id", "a.key", "a.title", "c.slug", "c.title"])
    .orderBy("waiting", "desc");
  if (scope.unitPath !== null) q = q.where(inSubtree("o.path", scope.unitPath));
  return (await q.execute()).map((r) => ({
    classId: r.class_id,
    className: r.class_name,
    term: r.term,
    assignmentTitle: r.title,
    courseTitle: r.course_title,
    gradingUrl: `/teach/${r.slug}/assignments/${r.key}?status=waiting&class=${r.class_id}`,
    waiting: Number(r.waiting),
    oldest: Number(r.oldest),
  }));
}

// ------------------------------------------------------------------------------------------ page

/** The dashboard page for a scope: its filter (a class; include confirmed classes) read from the query string. */
export async function dashboardPage(db: DB, params: URLSearchParams, scope: Scope, classChoices: { id: number; name: string; term: number }[]) {
  const raw = Number(params.get("class"));
  const classId = Number.isSafeInteger(raw) && classChoices.some((c) => c.id === raw) ? raw : undefined;
  const includeCompleted = params.get("all") === "1";
  const { hoursShare, examScores, ...data } = await dashboardData(db, scope, { classId, includeCompleted });
  return {
    filter: { classId: classId ?? null, includeCompleted },
    classChoices: classChoices.map((c) => ({ id: c.id, label: `${c.name}（第 ${c.term} 期）` })),
    rules: {
      atRiskDays: AT_RISK_DAYS,
      atRiskPercent: AT_RISK_SHARE * 100,
      atRiskFromPercent: AT_RISK_FROM_ELAPSED * 100,
      maxClasses: MAX_CLASSES,
      atRiskListed: AT_RISK_LISTED,
    },
    bins: distributionBins({ hoursShare, examScores }),
    examTaken: examScores.length,
    ...data,
  };
}
export type DashboardPageData = Awaited<ReturnType<typeof dashboardPage>>;

const PERCENT_EDGES = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

/** The two distributions as bins (the page gets counts, not every trainee's numbers). */
function distributionBins(d: Pick<DashboardData, "hoursShare" | "examScores">) {
  return {
    hours: histogramBins(d.hoursShare, [...PERCENT_EDGES, Number.POSITIVE_INFINITY], (a, b, last) => (last ? "≥100%（达标）" : `${a}–${b}%`)),
    exam: histogramBins(d.examScores, PERCENT_EDGES, (a, b) => `${a}–${b} 分`),
  };
}
