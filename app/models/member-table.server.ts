// The class page's and the completion review's table at class scale: search by 姓名/学号, filter by
// 支部 (a unit's subtree) and standing, sort, and one page of rows; the same filter picks the rows a
// bulk action applies to. Works on the standings `classResults` computed (never recomputes them).
import { z } from "zod";
import { type DB } from "~/utils/db.server.ts";
import { memberNotes, memberView, type MemberRow } from "./classes.server.ts";
import { MEMBER_SORTS, MEMBER_STATUSES, type MemberSort, type MemberStatus } from "~/utils/member-filters.ts";
import { compareUnitPaths, listOrgUnits, withLabels } from "./org.server.ts";
import { pathInSubtree } from "~/utils/org-path.ts";
import { idParam } from "~/utils/forms.server.ts";

const MEMBER_PAGE = 50;

const keys = <T extends Record<string, string>>(o: T) => Object.keys(o) as [keyof T & string, ...(keyof T & string)[]];

/** The table's query string; bad values are ignored, not errors. */
const MemberQuery = z.object({
  who: z.string().trim().max(40).optional().catch(undefined),
  unit: idParam.optional().catch(undefined),
  status: z.enum(keys(MEMBER_STATUSES)).optional().catch(undefined),
  sort: z.enum(keys(MEMBER_SORTS)).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).optional().catch(undefined),
});
type MemberQuery = z.infer<typeof MemberQuery>;

export function parseMemberQuery(params: URLSearchParams): MemberQuery {
  const raw = Object.fromEntries(["who", "unit", "status", "sort", "page"].map((k) => [k, params.get(k) || undefined]));
  return MemberQuery.parse(raw);
}

function statusOf(r: MemberRow): MemberStatus {
  if (r.certificate) return "certified";
  if (r.outcome === "not_completed" || r.result.forced === "fail") return "failed";
  if (r.result.passed) return "ready";
  return "studying";
}

const matches = (r: MemberRow, s: MemberStatus) => (s === "exception" ? r.exception !== null : statusOf(r) === s);

/** The rows the filter keeps, in the chosen order (all of them: bulk actions apply to these). */
export async function filterMembers(db: DB, rows: MemberRow[], f: MemberQuery): Promise<MemberRow[]> {
  let unitPath: string | undefined;
  if (f.unit !== undefined) unitPath = (await db.selectFrom("org_units").select("path").where("id", "=", f.unit).executeTakeFirst())?.path ?? "/none/";
  const q = f.who?.normalize("NFKC").toLowerCase();
  const kept = rows.filter(
    (r) =>
      (!q || r.username.toLowerCase().includes(q) || r.name.toLowerCase().includes(q)) &&
      (!unitPath || pathInSubtree(r.unitPath, unitPath)) &&
      (!f.status || matches(r, f.status)),
  );
  const byUnit = (a: MemberRow, b: MemberRow) => compareUnitPaths(a.unitPath, b.unitPath) || a.username.localeCompare(b.username);
  const order: Record<MemberSort, (a: MemberRow, b: MemberRow) => number> = {
    unit: byUnit,
    name: (a, b) => a.name.localeCompare(b.name, "zh-Hans-CN") || byUnit(a, b),
    hours: (a, b) => a.result.hours - b.result.hours || byUnit(a, b),
    composite: (a, b) => a.result.composite - b.result.composite || byUnit(a, b),
  };
  return kept.sort(order[f.sort ?? "unit"]);
}

/** One page of the filtered table, the counts per standing, and the 支部 choices (units the members are in, with their parents). */
export async function memberTable(db: DB, classId: number, rows: MemberRow[], f: MemberQuery) {
  const kept = await filterMembers(db, rows, f);
  const notes = await memberNotes(db, classId);
  const pages = Math.max(1, Math.ceil(kept.length / MEMBER_PAGE));
  const page = Math.min(f.page ?? 1, pages);
  const counts = Object.fromEntries(Object.keys(MEMBER_STATUSES).map((s) => [s, rows.filter((r) => matches(r, s as MemberStatus)).length])) as Record<
    MemberStatus,
    number
  >;
  const paths = new Set(rows.map((r) => r.unitPath));
  const units = withLabels(await listOrgUnits(db))
    .filter((u) => [...paths].some((p) => pathInSubtree(p, u.path)) && u.depth > 0)
    .map((u) => ({ id: u.id, label: u.fullName }));
  return {
    members: kept
      .slice((page - 1) * MEMBER_PAGE, page * MEMBER_PAGE)
      .map((r) => ({ ...memberView(r), exceptionBasis: notes.get(r.userId)?.basis ?? null, note: notes.get(r.userId)?.note ?? null })),
    matched: kept.length,
    total: rows.length,
    page,
    pages,
    counts,
    units,
    query: f,
  };
}
export type MemberTableData = Awaited<ReturnType<typeof memberTable>>;
