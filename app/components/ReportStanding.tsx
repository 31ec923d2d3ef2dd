import type { Standing } from "~/utils/report-rhythm.ts";

/** "2026年第4季度已提交 0/1 篇", with a warning when the last period fell short. Home page and /my/reports. */
export function ReportStandingNote({ standing }: { standing: { current: Standing; last: Standing } }) {
  return (
    <p className={`alert ${standing.last.overdue ? "error" : "ok"}`}>
      {standing.current.period.label}已提交 {standing.current.count}/{standing.current.required} 篇
      {standing.last.overdue ? `；${standing.last.period.label}应交 ${standing.last.required} 篇，只交了 ${standing.last.count} 篇` : ""}
    </p>
  );
}
