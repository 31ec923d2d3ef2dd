// A trainee's full training record (培训档案): every training class with its ledger row, every course
// they studied with 学时 (online lessons, offline activities, passed assignments), the offline 学时 one
// by one, exams and assignments with their results, and certificates. Read for the trainee themself
// (scores an exam or a blind assignment does not show yet are left out), admins and secretaries of
// the trainee's subtree; rendered as a one-page PDF and as rows (XLSX/CSV).
import { currentLiaisonNames } from "./branch-liaisons.server.ts";
import { stageDaysOf } from "./branch-stages.server.ts";
import type { Stage } from "../../db/types.ts";
import { blockerText } from "~/utils/class-rules.ts";
import type { ExamSettings } from "~/utils/course-types.ts";
import { now as nowSeconds, type DB } from "~/utils/db.server.ts";
import type { Download } from "~/utils/http.server.ts";
import { csvLines, CSV_BOM, CSV_TYPE, XLSX_TYPE, type StreamColumn } from "~/utils/spreadsheet.server.ts";
import { renderRecordPdf } from "./record-pdf.server.ts";
import { safeSegment } from "~/utils/uploads.server.ts";
import { xlsxStream } from "~/utils/xlsx-stream.server.ts";
import { STATUS_LABEL } from "./assignments.server.ts";
import { audit } from "./audit.server.ts";
import { certificatesOfUser } from "./certificates.server.ts";
import { myClasses } from "./classes.server.ts";
import { countedAttempt } from "../utils/exam-rules.ts";
import { ledgerBatches, type LedgerRow } from "./ledger.server.ts";
import { LEDGER_STATUS_LABEL } from "../utils/labels.ts";
import { assignmentStatus, certifiedCourses, gradeRelease, traineeHours, traineeSees } from "./hours.server.ts";
import { offlineHoursFor, summarize } from "./progress.server.ts";
import { cstDate } from "~/utils/cst.ts";
import { pathInSubtree } from "~/utils/org-path.ts";

/** The trainee as a record subject, or undefined when there is no such user. */
async function person(db: DB, userId: number) {
  const u = await db
    .selectFrom("users as u")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .select(["u.id", "u.username", "u.name", "u.gender", "u.stage", "u.org_unit_id", "o.path as unit_path", "o.name as unit_name"])
    .where("u.id", "=", userId)
    .executeTakeFirst();
  if (!u) return undefined;
  const chain = await db.selectFrom("org_units").select(["id", "name", "kind"]).where("id", "in", u.unit_path.split("/").filter(Boolean).map(Number)).execute();
  return {
    ...u,
    subcommittee: chain.find((c) => c.kind === "subcommittee")?.name ?? "",
    branch: chain.find((c) => c.kind === "branch")?.name ?? "",
  };
}

/** Who may read whose record: themself, admins, and secretaries of the trainee's subtree. */
export async function recordSubjectFor(db: DB, userId: number, viewer: { id: number; roles: readonly string[]; org_unit_id: number }) {
  const p = await person(db, userId);
  if (!p) return undefined;
  if (p.id === viewer.id || viewer.roles.includes("admin")) return p;
  if (viewer.roles.includes("secretary")) {
    const mine = await db.selectFrom("org_units").select("path").where("id", "=", viewer.org_unit_id).executeTakeFirst();
    if (mine && pathInSubtree(p.unit_path, mine.path)) return p;
  }
  return undefined;
}
export type RecordSubject = NonNullable<Awaited<ReturnType<typeof recordSubjectFor>>>;

export async function trainingRecord(db: DB, subject: RecordSubject, opts: { forTrainee: boolean }, t = nowSeconds()) {
  const ledger: LedgerRow[] = [];
  for await (const rows of ledgerBatches(db, { unitPath: null, userId: subject.id })) ledger.push(...rows);
  // The trainee's own copy hides what an exam or a blind grade does not show yet, and what is computed
  // from it: such a grade's 学时 are left out as on every trainee view (as 我的培训班 shows them).
  const seenBy = new Map((opts.forTrainee ? await myClasses(db, subject.id, t) : []).map((c) => [c.id, c.row]));
  const classes = ledger.map(
    (c): Omit<LedgerRow, "exam" | "assignment" | "composite"> & { exam: number | null; assignment: number | null; composite: number | null } => {
      const seen = seenBy.get(c.classId);
      const hides = (part: "exams" | "assignments") => !!seen?.inputs[part].some((i) => i.status === "hidden");
      const row = hides("assignments") ? { ...c, hours: seen!.result.hours, assignment: null } : c;
      if (!seen?.result.hidden) return row;
      // A decided row keeps its own words unless they carry the numbers (a not-completed row's blockers).
      const note = c.status === "undecided" ? `尚未达到结业条件：${blockerText(seen.result)}` : c.status === "not_completed" ? "组织部已认定未结业" : c.note;
      return { ...row, exam: hides("exams") ? null : row.exam, composite: null, band: "待公布", note };
    },
  );

  const hours = await traineeHours(db, subject.id, opts.forTrainee ? "trainee" : "staff", t);
  const courseIds = hours.courseIds;
  const courseRows = courseIds.length
    ? await db.selectFrom("courses").select(["id", "slug", "title"]).where("id", "in", courseIds).orderBy("title").execute()
    : [];
  const titleOf = new Map(courseRows.map((c) => [c.id, c.title]));

  const submissions = courseIds.length
    ? await db
        .selectFrom("submissions as s")
        .innerJoin("assignments as a", "a.id", "s.assignment_id")
        .select([
          "a.id",
          "a.course_id",
          "a.title",
          "a.hours",
          "a.max_score",
          "a.pass_score",
          "s.status",
          "s.current_version",
          "s.graded_version",
          "s.score",
          "s.updated_at",
        ])
        .where("s.user_id", "=", subject.id)
        .where("s.current_version", ">", 0)
        .orderBy("s.updated_at")
        .execute()
    : [];
  // What the trainee may see yet, by the one rule (`traineeSees`): settings of every assignment and
  // the courses a certificate covers, each in one query.
  const certified = opts.forTrainee ? await certifiedCourses(db, [subject.id], courseIds) : new Set<string>();
  const isCertified = (courseId: number) => certified.has(`${subject.id}:${courseId}`);
  const gradeSettings = opts.forTrainee ? await gradeRelease(db, [...new Set(submissions.map((s) => s.id))]) : new Map();

  const assignments = submissions.map((s) => {
    const graded = assignmentStatus(s) === "graded";
    const shown = gradeSettings.get(s.id);
    const visible = !opts.forTrainee || !shown || traineeSees.grade(shown, isCertified(s.course_id));
    return {
      title: s.title,
      course: titleOf.get(s.course_id) ?? "",
      status: STATUS_LABEL[s.status],
      score: graded && visible ? s.score : null,
      maxScore: s.max_score,
      passed: graded && visible ? (s.score ?? 0) >= s.pass_score : null,
      at: s.updated_at,
    };
  });

  const attempts = await db
    .selectFrom("exam_attempts as a")
    .innerJoin("exams as e", "e.id", "a.exam_id")
    .select([
      "a.exam_id",
      "a.attempt_no",
      "a.status",
      "a.score",
      "a.passed",
      "a.max_score",
      "a.submitted_at",
      "a.started_at",
      "e.title",
      "e.course_id",
      "e.settings",
    ])
    .where("a.user_id", "=", subject.id)
    .where("a.status", "!=", "in_progress")
    .orderBy("a.exam_id")
    .orderBy("a.attempt_no")
    .execute();
  const exams = [...new Set(attempts.map((a) => a.exam_id))].map((examId) => {
    const mine = attempts.filter((a) => a.exam_id === examId);
    const settings = JSON.parse(mine[0]!.settings) as ExamSettings;
    const counted = countedAttempt(mine, settings.counts);
    const visible = !opts.forTrainee || traineeSees.examResult(settings, t, isCertified(mine[0]!.course_id));
    const graded = counted?.status === "graded";
    return {
      title: mine[0]!.title,
      course: titleOf.get(mine[0]!.course_id) ?? "",
      attempts: mine.length,
      counts: settings.counts,
      score: graded && visible ? counted!.score : null,
      maxScore: counted?.max_score ?? 0,
      result: !counted ? "未完成" : !graded ? "待阅卷" : !visible ? "成绩未公布" : counted.passed === 1 ? "通过" : "未通过",
      at: counted?.submitted_at ?? counted?.started_at ?? null,
    };
  });

  const offline = (await offlineHoursFor(db, subject.id)).map((o) => ({
    date: o.activity_date,
    kind: o.kind,
    hours: o.hours,
    reason: o.reason,
    course: o.course_id === null ? "" : (titleOf.get(o.course_id) ?? ""),
    creditedBy: o.credited_by_name,
  }));

  const courses = courseRows.map((c) => {
    const s = summarize(hours.courses.get(c.id)!);
    return {
      title: c.title,
      lessonsDone: s.lessonsDone,
      lessonsTotal: s.lessonsTotal,
      onlineHours: s.onlineHours,
      offlineHours: s.offlineHours,
      assignmentHours: s.assignmentHours,
      hours: s.hoursEarned,
    };
  });

  const certificates = (await certificatesOfUser(db, subject.id)).map((c) => ({
    number: c.number,
    className: c.class_name,
    term: c.term,
    hours: c.hours,
    composite: c.composite,
    band: c.band,
    issuedAt: c.issued_at,
    revokedAt: c.revoked_at,
  }));

  return {
    person: {
      id: subject.id,
      username: subject.username,
      name: subject.name,
      gender: subject.gender,
      stage: subject.stage as Stage,
      subcommittee: subject.subcommittee,
      branch: subject.branch,
      stageDays: (await stageDaysOf(db, [subject.id])).get(subject.id) ?? {},
      liaisons: (await currentLiaisonNames(db, [subject.id])).get(subject.id) ?? "",
    },
    classes,
    courses,
    offline,
    unassignedOffline: hours.unassignedOffline,
    exams,
    assignments,
    certificates,
    totals: {
      hours: hours.total.total,
      online: hours.total.lessons,
      offline: hours.total.offline,
      assignments: hours.total.assignments,
      classes: classes.length,
      completed: classes.filter((c) => c.status === "completed").length,
      certificates: certificates.filter((c) => c.revokedAt === null).length,
    },
    generatedAt: t,
  };
}
export type TrainingRecord = Awaited<ReturnType<typeof trainingRecord>>;

// ------------------------------------------------------------------------------------------ rows

export const RECORD_COLUMNS: StreamColumn[] = [
  { header: "类别", width: 9 },
  { header: "名称", width: 34 },
  { header: "所属课程/培训班", width: 28 },
  { header: "期次", width: 6 },
  { header: "开始日期", width: 12, numFmt: "yyyy-mm-dd" },
  { header: "结束/完成日期", width: 13, numFmt: "yyyy-mm-dd" },
  { header: "学时", width: 8, numFmt: "0.0#" },
  { header: "成绩", width: 8, numFmt: "0.0#" },
  { header: "结果", width: 14 },
  { header: "证书编号", width: 20 },
  { header: "备注", width: 44 },
];

/** A day as XLSX wants it (a date) or as CSV text. */
const dayCell = (ymd: string | null, format: "csv" | "xlsx") => (ymd === null ? null : format === "xlsx" ? new Date(`${ymd}T00:00:00Z`) : ymd);
const unixDay = (t: number | null) => (t === null ? null : cstDate(t));

/** The record as rows of `RECORD_COLUMNS`: classes, courses, offline 学时, exams, assignments, certificates. */
export function recordRows(r: TrainingRecord, format: "csv" | "xlsx"): unknown[][] {
  const d = (ymd: string | null) => dayCell(ymd, format);
  return [
    ...r.classes.map((c) => [
      "培训班",
      c.className,
      "",
      c.term,
      d(c.startDate),
      d(c.endDate),
      c.hours,
      c.composite,
      `${c.band}；结业：${LEDGER_STATUS_LABEL[c.status]}`,
      c.certificateNumber,
      `应修 ${c.requiredHours} 学时${c.note ? `；${c.note}` : ""}`,
    ]),
    ...r.courses.map((c) => [
      "课程",
      c.title,
      "",
      null,
      null,
      null,
      c.hours,
      null,
      `课时 ${c.lessonsDone}/${c.lessonsTotal}`,
      null,
      `线上 ${c.onlineHours}，线下 ${c.offlineHours}，作业 ${c.assignmentHours} 学时`,
    ]),
    ...r.offline.map((o) => ["线下学时", o.kind, o.course, null, null, d(o.date), o.hours, null, null, null, `${o.reason}（认定：${o.creditedBy}）`]),
    ...r.exams.map((e) => [
      "考试",
      e.title,
      e.course,
      null,
      null,
      d(unixDay(e.at)),
      null,
      e.score,
      e.result,
      null,
      `共 ${e.attempts} 次作答，满分 ${e.maxScore}，${e.counts === "best" ? "取最高分" : "取最后一次"}`,
    ]),
    ...r.assignments.map((a) => [
      "作业",
      a.title,
      a.course,
      null,
      null,
      d(unixDay(a.at)),
      null,
      a.score,
      a.passed === null ? a.status : a.passed ? "合格" : "不合格",
      null,
      `满分 ${a.maxScore}`,
    ]),
    ...r.certificates.map((c) => [
      "证书",
      c.className,
      "",
      c.term,
      null,
      d(unixDay(c.issuedAt)),
      c.hours,
      c.composite,
      c.revokedAt === null ? c.band : "已撤销",
      c.number,
      c.revokedAt === null ? "" : `于 ${cstDate(c.revokedAt)} 撤销`,
    ]),
  ];
}

const fileBase = (r: TrainingRecord) => safeSegment(`培训档案-${r.person.username}-${r.person.name}`, "培训档案");

/** The record's rows as an XLSX or CSV file. */
function recordRowsFile(r: TrainingRecord, format: "csv" | "xlsx"): Download {
  const rows = recordRows(r, format);
  const filename = `${fileBase(r)}.${format}`;
  if (format === "csv") return { filename, contentType: CSV_TYPE, body: CSV_BOM + csvLines([RECORD_COLUMNS.map((c) => c.header), ...rows]) };
  const sheet = xlsxStream(
    "培训档案",
    RECORD_COLUMNS,
    (async function* () {
      yield rows;
    })(),
  );
  return { filename, contentType: XLSX_TYPE, body: sheet };
}

const recordPdfName = (r: TrainingRecord) => `${fileBase(r)}.pdf`;

/** Audits a staff member's download of someone's record (a trainee's own download is not an export of others' data). */
async function auditRecordExport(db: DB, r: TrainingRecord, e: { actorId: number; ip: string | null; format: string }) {
  if (e.actorId === r.person.id) return;
  await audit(db, {
    actorId: e.actorId,
    ip: e.ip,
    action: "record.export",
    targetType: "user",
    targetId: r.person.id,
    detail: { format: e.format, rows: recordRows(r, "csv").length },
  });
}

/** A record as a download in one of the three formats (PDF rendered on demand). */
export async function recordDownload(
  db: DB,
  subject: RecordSubject,
  e: { actorId: number; ip: string | null; format: "pdf" | "xlsx" | "csv"; schoolName: string; forTrainee: boolean },
): Promise<Download> {
  const record = await trainingRecord(db, subject, { forTrainee: e.forTrainee });
  await auditRecordExport(db, record, e);
  if (e.format !== "pdf") return recordRowsFile(record, e.format);
  const bytes = await renderRecordPdf(record, { schoolName: e.schoolName });
  return { filename: recordPdfName(record), contentType: "application/pdf", body: new Uint8Array(bytes) };
}
