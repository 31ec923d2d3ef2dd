// The bare ledger export (GET /admin/ledger/export.csv|.xlsx, no filter, by an admin): the same rows and
// columns as ledgerExport (app/models/ledger.server.ts) from better-sqlite3 statements. Classes
// newest first, units in tree order (compareUnitPaths), members by 学号 in pages of 1,000 (keyset); decided members print the result
// stored with the decision, the others their live standing (bareResults: the same computeResult).
// 备注 and the cells come from the same pure functions as the app's (noteFor, ledgerCells), the file
// from the same writers: csvLines (Papa) and the streamed SpreadsheetML writer xlsxStream (fflate).
import type Sqlite from "better-sqlite3";
import type http from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { LEDGER_COLUMNS, ledgerBand, ledgerCells, noteFor, type LedgerRow } from "../../../app/models/ledger.server.ts";
import { type LedgerStatus } from "../../../app/utils/labels.ts";
import { compareUnitPaths } from "../../../app/models/org.server.ts";
import type { ClassResult } from "../../../app/utils/class-rules.ts";
import { downloadHeaders } from "../../../app/utils/http.server.ts";
import { CSV_BOM, CSV_TYPE, csvLines, XLSX_TYPE } from "../../../app/utils/spreadsheet.server.ts";
import { xlsxStream } from "../../../app/utils/xlsx-stream.server.ts";
import { bareCommon, send, type BareUser } from "./common.ts";
import { bareResults } from "./results.ts";
import { cstDate } from "../../../app/utils/cst.ts";

type Line = {
  user_id: number;
  username: string;
  name: string;
  gender: string;
  stage: LedgerRow["stage"];
  unit_path: string;
  outcome: "completed" | "not_completed" | null;
  result: string | null;
  exception: "complete" | "fail" | null;
  exception_reason: string | null;
  exception_basis: string | null;
  member_note: string | null;
  usual_score: number | null;
  cheating: number;
};
type Cert = { user_id: number; number: string; issued_at: number; revoked_at: number | null; revoke_reason: string | null };

const PAGE = 1000;

export function bareLedger(db: Sqlite.Database) {
  const common = bareCommon(db);
  const standings = bareResults(db);
  const q = {
    count: db.prepare("select count(*) as n from class_members m join users u on u.id = m.user_id join org_units o on o.id = u.org_unit_id"),
    classes: db.prepare("select id from training_classes order by start_date desc, id desc"),
    units: db.prepare(
      "select distinct o.path from class_members m join users u on u.id = m.user_id join org_units o on o.id = u.org_unit_id where m.class_id = ?",
    ),
    page: db.prepare(
      `select m.user_id, u.username, u.name, u.gender, u.stage, o.path as unit_path, m.outcome, m.result, m.exception, m.exception_reason,
       m.exception_basis, m.note as member_note, m.usual_score, m.cheating
       from class_members m join users u on u.id = m.user_id join org_units o on o.id = u.org_unit_id
       where m.class_id = ? and o.path = ? and u.username > ? order by u.username limit ?`,
    ),
    // Every certificate of the class, in issue order: the valid one wins, else the last revoked.
    certs: db.prepare("select user_id, number, issued_at, revoked_at, revoke_reason from certificates where class_id = ? order by id"),
    // The stage timeline's days of the page's members (recorded decisions, not withdrawn).
    stageDays: db.prepare(
      `select e.user_id, e.stage, e.decided_on from stage_events e join class_members m on m.user_id = e.user_id
       join users u on u.id = m.user_id join org_units o on o.id = u.org_unit_id
       where m.class_id = ? and o.path = ? and e.withdrawn_at is null`,
    ),
    // Current 培养联系人 of the page's members, in assignment order.
    liaisons: db.prepare(
      `select a.trainee_id, l.name from liaison_assignments a join users l on l.id = a.liaison_id join class_members m on m.user_id = a.trainee_id
       join users u on u.id = m.user_id join org_units o on o.id = u.org_unit_id
       where m.class_id = ? and o.path = ? and a.end_on is null order by a.id`,
    ),
  };

  async function* batches(format: "csv" | "xlsx"): AsyncGenerator<unknown[][]> {
    const chain = standings.unitChains();
    let seq = 1;
    for (const { id } of q.classes.all() as { id: number }[]) {
      const cls = standings.classOf(id)!;
      const ctx = standings.classContext(cls);
      const certs = new Map<number, Cert>();
      for (const c of q.certs.all(id) as Cert[]) if (!certs.get(c.user_id) || certs.get(c.user_id)!.revoked_at !== null) certs.set(c.user_id, c);
      const units = (q.units.all(id) as { path: string }[]).map((u) => u.path).sort(compareUnitPaths);
      for (const path of units) {
        const days = new Map<number, LedgerRow["stageDays"]>();
        for (const e of q.stageDays.all(id, path) as { user_id: number; stage: keyof LedgerRow["stageDays"]; decided_on: string }[]) {
          days.set(e.user_id, { ...days.get(e.user_id), [e.stage]: e.decided_on });
        }
        const liaisons = new Map<number, string>();
        for (const l of q.liaisons.all(id, path) as { trainee_id: number; name: string }[]) {
          liaisons.set(l.trainee_id, liaisons.has(l.trainee_id) ? `${liaisons.get(l.trainee_id)}、${l.name}` : l.name);
        }
        let after = "";
        for (;;) {
          const page = q.page.all(id, path, after, PAGE) as Line[];
          if (!page.length) break;
          const live = standings.results(
            ctx,
            page.filter((m) => m.outcome === null || m.result === null),
          );
          yield page.map((m) => {
            const result = m.outcome !== null && m.result !== null ? (JSON.parse(m.result) as ClassResult) : live.get(m.user_id)!;
            const status: LedgerStatus = m.outcome ?? "undecided";
            const chainOf = chain(m.unit_path);
            const cert = certs.get(m.user_id) ?? null;
            const row: LedgerRow = {
              seq: seq++,
              userId: m.user_id,
              username: m.username,
              name: m.name,
              gender: m.gender,
              subcommittee: chainOf.find((u) => u?.kind === "subcommittee")?.name ?? "",
              branch: chainOf.find((u) => u?.kind === "branch")?.name ?? "",
              stage: m.stage,
              stageDays: days.get(m.user_id) ?? {},
              liaisons: liaisons.get(m.user_id) ?? "",
              classId: cls.id,
              className: cls.name,
              term: cls.term,
              startDate: cls.start_date,
              endDate: cls.end_date,
              requiredHours: result.requiredHours,
              hours: result.hours,
              lessonRate: result.requiredLessonsTotal ? Math.round((result.requiredLessonsDone / result.requiredLessonsTotal) * 1000) / 1000 : null,
              assignment: result.components.assignment,
              exam: result.components.exam,
              usual: result.components.usual,
              composite: result.composite,
              band: ledgerBand(status, result),
              status,
              certificateNumber: cert?.number ?? null,
              issuedAt: cert?.issued_at ?? null,
              revokedAt: cert?.revoked_at ?? null,
              revokeReason: cert?.revoke_reason ?? null,
              note: noteFor(status, result, m, cert),
            };
            return ledgerCells(row, format);
          });
          if (page.length < PAGE) break;
          after = page[page.length - 1]!.username;
        }
      }
    }
  }

  return async function exportLedger(user: BareUser, format: "csv" | "xlsx", req: http.IncomingMessage, res: http.ServerResponse) {
    if (!common.hasRole(user, "admin")) return res.writeHead(403).end();
    const { n } = q.count.get() as { n: number };
    common.audit(user.id, "ledger.export", null, { format, filter: {}, scope: "all", rows: n }, req.socket.remoteAddress ?? null);
    const name = `培训台账-${cstDate(Math.floor(Date.now() / 1000))}.${format}`;
    res.writeHead(200, downloadHeaders(format === "csv" ? CSV_TYPE : XLSX_TYPE, name));
    if (format === "xlsx") {
      return pipeline(Readable.fromWeb(xlsxStream("培训台账", LEDGER_COLUMNS, batches("xlsx")) as NodeReadableStream<Uint8Array>), res);
    }
    await send(res, CSV_BOM + csvLines([LEDGER_COLUMNS.map((c) => c.header)]));
    for await (const rows of batches("csv")) await send(res, csvLines(rows));
    res.end();
  };
}
