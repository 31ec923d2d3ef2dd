// The bare certificate batch: confirming a class's completion (POST /admin/classes/:id/completion with
// intent=confirm) and the class zip (GET /admin/classes/:id/certificates.zip), the same database work as
// confirmCompletion and classCertificatesZip (app/models/certificates.server.ts) with better-sqlite3:
// one transaction that records every member's outcome, takes numbers from the counter and inserts and
// audits each certificate; then every valid certificate rendered by the same pdfkit renderer and fonts
// (renderCertificatePdf) into a zip (fflate, stored entries) written to the socket as it grows.
import type Sqlite from "better-sqlite3";
import { Zip, ZipPassThrough } from "fflate";
import type http from "node:http";
import {
  certificateData,
  certificateFileName,
  formatNumber,
  newVerificationCode,
  numberPrefix,
  type CertificateRow,
} from "../../../app/models/certificates.server.ts";
import { compareUnitPaths } from "../../../app/models/org.server.ts";
import { renderCertificatePdf } from "../../../app/utils/certificate-pdf.server.ts";
import { downloadHeaders } from "../../../app/utils/http.server.ts";
import { bareCommon, now, send, type BareUser } from "./common.ts";
import { bareResults, type MemberInputs } from "./results.ts";
import { cstDate } from "../../../app/utils/cst.ts";

type Member = MemberInputs & { username: string; name: string; unit_path: string; exception_basis: string | null };

export function bareCertificates(db: Sqlite.Database, opts: { schoolCode: string; schoolName: string }) {
  const common = bareCommon(db);
  const standings = bareResults(db);
  const q = {
    members: db.prepare(
      `select m.user_id, u.username, u.name, o.path as unit_path, m.usual_score, m.cheating, m.exception, m.exception_reason, m.exception_basis
       from class_members m join users u on u.id = m.user_id join org_units o on o.id = u.org_unit_id where m.class_id = ? order by o.path, u.username`,
    ),
    certified: db.prepare("select user_id from certificates where class_id = ? and revoked_at is null"),
    decide: db.prepare("update class_members set outcome = ?, result = ?, decided_at = ? where class_id = ? and user_id = ?"),
    counter: db.prepare("select last_seq from certificate_counters where prefix = ?"),
    bumpCounter: db.prepare("update certificate_counters set last_seq = ? where prefix = ?"),
    newCounter: db.prepare("insert into certificate_counters (prefix, last_seq) values (?, ?)"),
    issue: db.prepare(
      `insert into certificates (class_id, user_id, number, code, holder_name, holder_username, subcommittee_name, branch_name, class_name, term,
       start_date, end_date, hours, composite, band, issued_at, issued_by, decision, exception_basis, layout, show_username, show_score)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    template: db.prepare("select layout, show_username, show_score from certificate_templates where kind = ?"),
    valid: db.prepare(
      `select id, class_id, user_id, number, code, holder_name, holder_username, subcommittee_name, branch_name, class_name, term, start_date, end_date,
       hours, composite, band, issued_at, revoked_at, revoke_reason, decision, exception_basis, layout, show_username, show_score from certificates where class_id = ? and revoked_at is null order by number`,
    ),
  };

  const confirmInTransaction = db.transaction((user: BareUser, classId: number, ip: string | null) => {
    const t = now();
    const cls = standings.classOf(classId);
    if (!cls) return null;
    const members = q.members.all(classId) as Member[];
    const results = standings.results(standings.classContext(cls), members);
    const certified = new Set((q.certified.all(classId) as { user_id: number }[]).map((c) => c.user_id));
    // A round: who meets the rules (or holds an exception) is completed, a 不予结业 exception not completed,
    // the rest stay undecided unless the class was closed.
    const outcomeOf = (m: Member) => {
      const r = results.get(m.user_id)!;
      return certified.has(m.user_id) || r.passed ? "completed" : r.forced === "fail" || cls.completed_at !== null ? "not_completed" : null;
    };
    for (const m of members) {
      const o = outcomeOf(m);
      q.decide.run(o, o ? JSON.stringify(results.get(m.user_id)!) : null, o ? t : null, classId, m.user_id);
    }
    const toIssue = members
      .filter((m) => results.get(m.user_id)!.passed && !certified.has(m.user_id))
      .sort((a, b) => compareUnitPaths(a.unit_path, b.unit_path) || a.username.localeCompare(b.username));
    const tpl = (q.template.get(cls.kind) as { layout: string; show_username: number; show_score: number } | undefined) ?? {
      layout: "narrative",
      show_username: 1,
      show_score: 1,
    };
    const today = cstDate(t);
    const prefix = numberPrefix(cls.number_format, { school: opts.schoolCode, year: cls.start_date.slice(0, 4), term: cls.term });
    const last = (q.counter.get(prefix) as { last_seq: number } | undefined)?.last_seq;
    if (last === undefined) q.newCounter.run(prefix, toIssue.length);
    else q.bumpCounter.run(last + toIssue.length, prefix);
    const chain = standings.unitChains();
    toIssue.forEach((m, i) => {
      const r = results.get(m.user_id)!;
      const units = chain(m.unit_path);
      const number = formatNumber(prefix, (last ?? 0) + i + 1);
      const subcommittee = units.find((u) => u?.kind === "subcommittee")?.name ?? units[0]?.name ?? "";
      const branch = units.find((u) => u?.kind === "branch")?.name ?? "—";
      const id = q.issue.run(
        classId,
        m.user_id,
        number,
        newVerificationCode(),
        m.name,
        m.username,
        subcommittee,
        branch,
        cls.name,
        cls.term,
        cls.start_date,
        today < cls.end_date ? today : cls.end_date,
        r.hours,
        r.composite,
        r.forced === "complete" ? "—" : r.band,
        t,
        user.id,
        r.forced === "complete" ? "exception" : "rules",
        r.forced === "complete" ? m.exception_basis : null,
        tpl.layout,
        tpl.show_username,
        tpl.show_score,
      ).lastInsertRowid;
      common.audit(user.id, "certificate.issue", { type: "certificate", id: Number(id) }, { classId, userId: m.user_id, number }, ip);
    });
    const outcomes = members.map(outcomeOf);
    const summary = {
      completed: outcomes.filter((o) => o === "completed").length,
      notCompleted: outcomes.filter((o) => o === "not_completed").length,
      studying: outcomes.filter((o) => o === null).length,
      issued: toIssue.length,
    };
    common.audit(user.id, "class.complete", { type: "class", id: classId }, summary, ip);
    return summary;
  });

  function confirm(user: BareUser, classId: number, req: http.IncomingMessage, res: http.ServerResponse) {
    if (!common.hasRole(user, "admin")) return res.writeHead(403).end();
    const summary = confirmInTransaction.immediate(user, classId, req.socket.remoteAddress ?? null);
    if (!summary) return res.writeHead(404).end();
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(summary));
  }

  async function zip(user: BareUser, classId: number, req: http.IncomingMessage, res: http.ServerResponse) {
    if (!common.hasRole(user, "admin")) return res.writeHead(403).end();
    const certs = q.valid.all(classId) as CertificateRow[];
    common.audit(user.id, "certificate.export", { type: "class", id: classId }, { certificates: certs.length }, req.socket.remoteAddress ?? null);
    res.writeHead(200, downloadHeaders("application/zip", `${classId}-结业证书.zip`));
    const pending: Uint8Array[] = [];
    const archive = new Zip((err, chunk) => {
      if (err) throw err;
      pending.push(chunk);
    });
    const flush = async () => {
      for (const chunk of pending.splice(0)) await send(res, chunk);
    };
    const used = new Set<string>();
    const pdf = { schoolName: opts.schoolName, origin: `http://${req.headers.host}` };
    for (const c of certs) {
      let name = certificateFileName(c);
      for (let n = 2; used.has(name); n++) name = certificateFileName(c).replace(/\.pdf$/, `(${n}).pdf`);
      used.add(name);
      const { bytes } = await renderCertificatePdf(certificateData(c, pdf));
      const entry = new ZipPassThrough(name);
      archive.add(entry);
      entry.push(bytes, true);
      await flush();
    }
    archive.end();
    await flush();
    res.end();
  }

  return { confirm, zip };
}
