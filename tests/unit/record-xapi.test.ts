// A trainee's training record (page, one-page PDF read back with pdftotext/pdfinfo, XLSX and CSV
// rows) and the xAPI statements, through the real loaders: what is in them, who may download whose,
// scores the trainee may not see yet left out of their own copy, audits, and every statement checked
// against the xAPI statement structure by a validator written here.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import ExcelJS from "exceljs";
import Papa from "papaparse";
import { beforeEach, describe, expect, it } from "vitest";
import { confirmCompletion, revokeCertificate } from "../../app/models/certificates.server.ts";
import { enrollUsernames, type ClassView } from "../../app/models/classes.server.ts";
import { creditOfflineHours } from "../../app/models/progress.server.ts";
import { RECORD_COLUMNS, recordSubjectFor, trainingRecord } from "../../app/models/record.server.ts";
import { isoDuration, uuidV5 } from "../../app/models/xapi.server.ts";
import * as recordPage from "../../app/routes/admin.users.$userId_.record.tsx";
import * as recordCsv from "../../app/routes/admin.users.$userId_.record[.]csv.tsx";
import * as recordPdf from "../../app/routes/admin.users.$userId_.record[.]pdf.tsx";
import * as recordXlsx from "../../app/routes/admin.users.$userId_.record[.]xlsx.tsx";
import * as myRecord from "../../app/routes/my.record[.]pdf.tsx";
import * as xapiRoute from "../../app/routes/admin.xapi.tsx";
import type { DB } from "../../app/utils/db.server.ts";
import { renderRecordPdf } from "../../app/models/record-pdf.server.ts";
import { classWorld, didTheWork, type ClassWorld } from "../setup/classes.ts";
import { makeRequest, outcome } from "../setup/db.ts";

let db: DB;
let ctx: ClassWorld["ctx"];
let users: ClassWorld["users"];
let courseId: number;
let cls: ClassView;
const ISSUED = 1_796_000_000; // 2026-11-30 08:53 Beijing time
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-record-"));

beforeEach(async () => {
  ({ db, ctx, users, courseId, cls } = await classWorld());
  const r = await enrollUsernames(
    db,
    { classId: cls.id, entries: ["2023001", "2023002", "2023101"].map((username) => ({ username })), source: "pick", skipProblems: false },
    { actorId: users.admin.id },
  );
  expect(r.applied).toBe(true);
  await didTheWork(db, users.traineeA.id, courseId, { essay: 85, exam: 90 });
  await didTheWork(db, users.traineeA2.id, courseId, { lessons: "required" });
  await didTheWork(db, users.traineeB.id, courseId, { essay: 70, exam: 40, lessons: "all" });
  await creditOfflineHours(
    db,
    { userId: users.traineeA.id, courseId, kind: "分组研讨", hours: 2, reason: "第三小组专题研讨", activityDate: "2026-10-12" },
    { actorId: users.instructor.id },
  );
  await creditOfflineHours(
    db,
    { userId: users.traineeA.id, courseId: null, kind: "社会实践", hours: 1, reason: "社区志愿服务", activityDate: "2026-10-20" },
    { actorId: users.secretaryA.id },
  );
  await confirmCompletion(db, { classId: cls.id, schoolCode: "TST", close: true, early: true }, { actorId: users.admin.id }, ISSUED);
});

type Who = keyof ClassWorld["users"] | null;
const args = (who: Who, url: string, params: Record<string, string> = {}) => ({
  request: makeRequest(url, { cookie: who ? users[who].cookie : undefined }),
  context: ctx,
  params,
});
const recordArgs = (who: Who, userId: number, suffix = "") => args(who, `/admin/users/${userId}/record${suffix}`, { userId: String(userId) });

function pdf(bytes: Uint8Array): { text: string; pages: number } {
  const file = path.join(tmp, `${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(file, bytes);
  const info = execFileSync("pdfinfo", [file]).toString("utf8");
  return { text: execFileSync("pdftotext", ["-layout", file, "-"]).toString("utf8"), pages: Number(/Pages:\s+(\d+)/.exec(info)?.[1]) };
}
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer());

describe("training record", () => {
  it("gathers classes, courses with online/offline/assignment 学时, offline entries, exams, assignments and certificates", async () => {
    const r = await outcome(recordPage.loader(recordArgs("admin", users.traineeA.id)));
    expect(r.status).toBe(200);
    const rec = r.data.record;
    expect(rec.person).toMatchObject({ username: "2023001", name: "张晓明", subcommittee: "甲学院党委", branch: "甲学院第一党支部" });
    expect(rec.classes).toHaveLength(1);
    expect(rec.classes[0]).toMatchObject({ className: cls.name, term: 12, status: "completed", statusLabel: "是", certificateNumber: "TST-2026-12-0001" });
    // Required lessons 2 + 1.5 online, 2 offline for the course, the 思想汇报 passed for 2.
    expect(rec.courses).toEqual([
      { title: expect.any(String), lessonsDone: 2, lessonsTotal: 3, onlineHours: 3.5, offlineHours: 2, assignmentHours: 2, hours: 7.5 },
    ]);
    expect(rec.unassignedOffline).toBe(1);
    expect(rec.totals).toEqual({ hours: 8.5, online: 3.5, offline: 3, assignments: 2, classes: 1, completed: 1, certificates: 1 });
    expect(rec.offline.map((o: { kind: string; creditedBy: string }) => o.kind)).toEqual(["社会实践", "分组研讨"]);
    expect(rec.exams).toEqual([expect.objectContaining({ title: "结业考试", attempts: 1, score: 90, maxScore: 100, result: "通过" })]);
    expect(rec.assignments).toEqual([expect.objectContaining({ title: "第一次思想汇报", score: 85, passed: true })]);
    expect(rec.certificates).toEqual([expect.objectContaining({ number: "TST-2026-12-0001", revokedAt: null })]);
  });

  it("is a one-page PDF with the person, totals, class, certificate and 学时; the staff download is audited", async () => {
    const res = await recordPdf.loader(recordArgs("admin", users.traineeA.id, ".pdf") as never);
    expect(res.headers.get("Content-Type")).toBe("application/pdf");
    expect(decodeURIComponent(res.headers.get("Content-Disposition")!)).toContain("培训档案-2023001-张晓明.pdf");
    const { text, pages } = pdf(await bytesOf(res));
    expect(pages).toBe(1);
    for (const s of [
      "学员培训档案",
      "张晓明",
      "2023001",
      "甲学院第一党支部",
      cls.name,
      "TST-2026-12-0001",
      "累计学时 8.5",
      "第三小组专题研讨",
      "结业考试",
      "测试大学党校",
    ])
      expect(text).toContain(s);
    const entry = await db.selectFrom("audit_log").selectAll().where("action", "=", "record.export").executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor_id: users.admin.id, target_type: "user", target_id: String(users.traineeA.id) });
    expect(JSON.parse(entry.detail!)).toMatchObject({ format: "pdf" });
  });

  it("stays on one page with many classes, saying how many rows the Excel export has beyond it", async () => {
    const subject = (await recordSubjectFor(db, users.traineeA.id, { id: users.admin.id, roles: ["admin"], org_unit_id: 0 }))!;
    const rec = await trainingRecord(db, subject, { forTrainee: false });
    const many = {
      ...rec,
      classes: Array.from({ length: 80 }, (_, i) => ({
        ...rec.classes[0]!,
        classId: i,
        className: `第${i + 1}期入党积极分子培训班（很长的名称用于测试截断显示效果）`,
      })),
    };
    const { text, pages } = pdf(await renderRecordPdf(many, { schoolName: "测试大学党校" }));
    expect(pages).toBe(1);
    expect(text).toMatch(/另有 \d+ 项未列出，完整记录见 Excel 导出/);
    expect(text).toContain("第1期入党积极分子培训班");
  });

  it("as rows: XLSX with real numbers and dates, CSV with BOM", async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await (await recordXlsx.loader(recordArgs("admin", users.traineeA.id, ".xlsx") as never)).arrayBuffer()) as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(RECORD_COLUMNS.map((c) => c.header));
    const rows: unknown[][] = [];
    ws.eachRow((row, n) => n > 1 && rows.push((row.values as unknown[]).slice(1)));
    expect(rows.map((r) => r[0])).toEqual(["培训班", "课程", "线下学时", "线下学时", "考试", "作业", "证书"]);
    const klass = rows[0]!;
    expect(klass[4]).toBeInstanceOf(Date);
    expect((klass[4] as Date).toISOString().slice(0, 10)).toBe("2026-09-01");
    expect(klass[6]).toBe(7.5); // the class counts the offline 学时 credited to its course
    expect(typeof klass[7]).toBe("number");
    expect(rows[1]![6]).toBe(7.5);
    const csv = new Uint8Array(await (await recordCsv.loader(recordArgs("admin", users.traineeA.id, ".csv") as never)).arrayBuffer());
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const parsed = Papa.parse<string[]>(new TextDecoder().decode(csv.subarray(3)), { skipEmptyLines: true }).data;
    expect(parsed[0]).toEqual(RECORD_COLUMNS.map((c) => c.header));
    expect(parsed[1]!.slice(0, 7)).toEqual(["培训班", cls.name, "", "12", "2026-09-01", "2026-11-30", "7.5"]);
  });

  it("secretaries get their subtree's records only; trainees no one's but their own, at /my/record.pdf", async () => {
    expect((await outcome(recordPage.loader(recordArgs("secretaryA", users.traineeA.id)))).status).toBe(200);
    expect((await outcome(recordPdf.loader(recordArgs("secretaryB", users.traineeA.id, ".pdf") as never))).status).toBe(404);
    expect((await outcome(recordCsv.loader(recordArgs("secretaryB", users.traineeA.id, ".csv") as never))).status).toBe(404);
    expect((await outcome(recordPage.loader(recordArgs("traineeA", users.traineeA.id)))).status).toBe(403);
    expect((await outcome(recordXlsx.loader(recordArgs("traineeB", users.traineeA.id, ".xlsx") as never))).status).toBe(403);
    expect((await outcome(recordPage.loader(recordArgs("admin", 999_999)))).status).toBe(404);
    expect((await outcome(recordPage.loader({ ...recordArgs("admin", 1), params: { userId: "abc" } }))).status).toBe(404);
    const mine = await myRecord.loader(args("traineeB", "/my/record.pdf") as never);
    const { text } = pdf(await bytesOf(mine));
    expect(text).toContain("刘子涵");
    expect(text).not.toContain("张晓明");
    expect((await outcome(myRecord.loader(args(null, "/my/record.pdf") as never))).status).toBe(302);
    // A trainee's own download is not an export of someone's data.
    expect(await db.selectFrom("audit_log").select("id").where("action", "=", "record.export").execute()).toHaveLength(0);
  });

  it("leaves out of the trainee's own copy the exam scores the exam does not show yet", async () => {
    await db
      .updateTable("exams")
      .set({ settings: (eb) => eb.fn("replace", ["settings", eb.val('"show_results":"after_submit"'), eb.val('"show_results":"never"')]) })
      .execute();
    const subject = (await recordSubjectFor(db, users.traineeA.id, { id: users.traineeA.id, roles: ["trainee"], org_unit_id: 0 }))!;
    const own = await trainingRecord(db, subject, { forTrainee: true });
    // Their class has issued the certificate, which prints the composite made of the score: both show,
    // as on every trainee view (one rule, `traineeSees` in hours.server.ts).
    expect(own.exams[0]).toMatchObject({ score: 90, result: "通过" });
    expect(own.classes[0]).toMatchObject({ composite: 90, band: "优秀" });
    const staff = await trainingRecord(db, subject, { forTrainee: false });
    expect(staff.exams[0]).toMatchObject({ score: 90, result: "通过" });
    // Without a certificate, the class's composite, band and standing are computed from the hidden score: hidden too.
    const failed = (await recordSubjectFor(db, users.traineeB.id, { id: users.traineeB.id, roles: ["trainee"], org_unit_id: 0 }))!;
    const ownB = await trainingRecord(db, failed, { forTrainee: true });
    expect(ownB.exams[0]).toMatchObject({ score: null, result: "成绩未公布" });
    expect(ownB.classes[0]).toMatchObject({ exam: null, composite: null, band: "待公布", certificateNumber: null });
    // Decided by the 组织部: said so, without the blockers that carry the numbers.
    expect(ownB.classes[0]!.note).toBe("组织部已认定未结业");
    const { text: pdfText } = pdf(await bytesOf(await myRecord.loader(args("traineeB", "/my/record.pdf") as never)));
    expect(pdfText).toContain("待公布");
    const staffComposite = (await trainingRecord(db, failed, { forTrainee: false })).classes[0]!.composite!;
    const shown = `${Math.round(staffComposite * 10) / 10}`;
    expect(pdfText).not.toContain(shown);
    // …which the staff copy of the same record does print.
    expect(pdf(await bytesOf(await recordPdf.loader(recordArgs("admin", users.traineeB.id, ".pdf") as never))).text).toContain(shown);
    const staffB = await trainingRecord(db, failed, { forTrainee: false });
    expect(staffB.classes[0]!.composite).toEqual(expect.any(Number));
    expect(staffB.classes[0]!.note).toContain("《结业考试》未通过");
  });
});

// ------------------------------------------------------------------------------------------ xAPI

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ISO_DURATION = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
const LANG = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isIri = (v: unknown) => {
  if (typeof v !== "string") return false;
  try {
    return /^[a-z][a-z0-9+.-]*:/i.test(v) && !!new URL(v).protocol;
  } catch {
    return false;
  }
};

/** The xAPI 1.0.3 statement structure (Data §2.4): required properties, their types, and the rules between them. */
function validateStatement(s: unknown): string[] {
  const errors: string[] = [];
  const check = (ok: boolean, msg: string) => ok || errors.push(msg);
  const langMap = (v: unknown, where: string) => {
    check(isObject(v) && Object.keys(v).length > 0, `${where} is not a non-empty language map`);
    if (isObject(v)) for (const [k, x] of Object.entries(v)) check(LANG.test(k) && typeof x === "string", `${where}[${k}] is not a language-tagged string`);
  };
  const extensions = (v: unknown, where: string) => {
    if (v === undefined) return;
    check(isObject(v), `${where} is not an object`);
    if (isObject(v)) for (const k of Object.keys(v)) check(isIri(k), `${where} key ${k} is not an IRI`);
  };
  const activity = (a: unknown, where: string) => {
    check(isObject(a), `${where} is not an object`);
    if (!isObject(a)) return;
    check(a.objectType === undefined || a.objectType === "Activity", `${where}.objectType is not Activity`);
    check(isIri(a.id), `${where}.id is not an IRI`);
    if (a.definition !== undefined) {
      check(isObject(a.definition), `${where}.definition is not an object`);
      if (isObject(a.definition)) {
        langMap(a.definition.name, `${where}.definition.name`);
        check(isIri(a.definition.type), `${where}.definition.type is not an IRI`);
        extensions(a.definition.extensions, `${where}.definition.extensions`);
      }
    }
  };
  if (!isObject(s)) return ["statement is not an object"];
  const allowed = ["id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version", "attachments"];
  for (const k of Object.keys(s)) check(allowed.includes(k), `unknown property ${k}`);
  check(typeof s.id === "string" && UUID.test(s.id), "id is not a UUID");
  // Actor: an Agent identified by exactly one inverse functional identifier.
  const actor = s.actor;
  check(isObject(actor), "actor is missing");
  if (isObject(actor)) {
    check(actor.objectType === undefined || actor.objectType === "Agent", "actor.objectType is not Agent");
    const ifis = ["mbox", "mbox_sha1sum", "openid", "account"].filter((k) => actor[k] !== undefined);
    check(ifis.length === 1, `actor has ${ifis.length} identifiers, not exactly one`);
    if (actor.mbox !== undefined) check(typeof actor.mbox === "string" && /^mailto:[^@\s]+@[^@\s]+$/.test(actor.mbox), "actor.mbox is not a mailto IRI");
    if (actor.account !== undefined) {
      const acc = actor.account;
      check(isObject(acc) && isIri(acc.homePage) && typeof acc.name === "string" && acc.name.length > 0, "actor.account needs homePage (IRL) and name");
    }
    if (actor.name !== undefined) check(typeof actor.name === "string", "actor.name is not a string");
  }
  // Verb.
  check(isObject(s.verb), "verb is missing");
  if (isObject(s.verb)) {
    check(isIri(s.verb.id), "verb.id is not an IRI");
    langMap(s.verb.display, "verb.display");
  }
  // Object: an Activity, or a StatementRef (required for voided).
  const object = s.object;
  check(isObject(object), "object is missing");
  if (isObject(object)) {
    if (object.objectType === "StatementRef") check(typeof object.id === "string" && UUID.test(object.id), "object StatementRef id is not a UUID");
    else activity(object, "object");
  }
  if (isObject(s.verb) && s.verb.id === "http://adlnet.gov/expapi/verbs/voided")
    check(isObject(object) && object.objectType === "StatementRef", "a voiding statement must reference a statement");
  // Result.
  if (s.result !== undefined) {
    const r = s.result;
    check(isObject(r), "result is not an object");
    if (isObject(r)) {
      if (r.score !== undefined) {
        const sc = r.score;
        check(isObject(sc), "result.score is not an object");
        if (isObject(sc)) {
          for (const k of Object.keys(sc))
            check(["scaled", "raw", "min", "max"].includes(k) && typeof sc[k] === "number", `result.score.${k} is not a known number`);
          if (typeof sc.scaled === "number") check(sc.scaled >= -1 && sc.scaled <= 1, "result.score.scaled is outside -1..1");
          if (typeof sc.min === "number" && typeof sc.max === "number") check(sc.min < sc.max, "result.score.min is not below max");
          if (typeof sc.raw === "number" && typeof sc.min === "number") check(sc.raw >= sc.min, "result.score.raw is below min");
          if (typeof sc.raw === "number" && typeof sc.max === "number") check(sc.raw <= sc.max, "result.score.raw is above max");
        }
      }
      for (const k of ["success", "completion"]) if (r[k] !== undefined) check(typeof r[k] === "boolean", `result.${k} is not a boolean`);
      if (r.duration !== undefined) check(typeof r.duration === "string" && ISO_DURATION.test(r.duration), "result.duration is not an ISO 8601 duration");
      extensions(r.extensions, "result.extensions");
    }
  }
  // Context.
  if (s.context !== undefined) {
    const c = s.context;
    check(isObject(c), "context is not an object");
    if (isObject(c)) {
      if (c.platform !== undefined) check(typeof c.platform === "string", "context.platform is not a string");
      if (c.language !== undefined) check(typeof c.language === "string" && LANG.test(c.language), "context.language is not a language tag");
      if (c.contextActivities !== undefined) {
        check(isObject(c.contextActivities), "context.contextActivities is not an object");
        if (isObject(c.contextActivities)) {
          for (const [k, list] of Object.entries(c.contextActivities)) {
            check(["parent", "grouping", "category", "other"].includes(k), `context.contextActivities.${k} is not a known kind`);
            check(Array.isArray(list), `context.contextActivities.${k} is not an array`);
            if (Array.isArray(list)) list.forEach((a, i) => activity(a, `context.contextActivities.${k}[${i}]`));
          }
        }
      }
      extensions(c.extensions, "context.extensions");
    }
  }
  check(
    typeof s.timestamp === "string" && ISO_TIME.test(s.timestamp) && !Number.isNaN(Date.parse(s.timestamp)),
    "timestamp is not an ISO 8601 time with a zone",
  );
  return errors;
}

type Statement = {
  id: string;
  actor: { account: { name: string } };
  verb: { id: string };
  object: { id: string; objectType?: string };
  result?: Record<string, unknown>;
  timestamp: string;
};
const xapi = async (query = "", who: Who = "admin") => {
  const res = await xapiRoute.loader(args(who, `/admin/xapi${query}`) as never);
  expect(res.status).toBe(200);
  expect(res.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
  expect(res.headers.get("X-Experience-API-Version")).toBe("1.0.3");
  const body = JSON.parse(await res.text()) as { statements: Statement[]; more: string };
  expect(body.more).toBe("");
  return body.statements;
};
const VERB = (v: string) => `http://adlnet.gov/expapi/verbs/${v}`;

describe("xAPI statements", () => {
  beforeEach(async () => {
    // A pending attempt (an essay waiting for the grader) of 2023002, and a revoked certificate.
    const exam = await db.selectFrom("exams").select("id").where("course_id", "=", courseId).executeTakeFirstOrThrow();
    await db
      .insertInto("exam_attempts")
      .values({
        exam_id: exam.id,
        user_id: users.traineeA2.id,
        attempt_no: 1,
        started_at: 1_790_000_000,
        deadline_at: 1_790_002_400,
        grace_seconds: 30,
        submitted_at: 1_790_001_830,
        finalized_by: "user",
        status: "submitted",
        max_score: 100,
        auto_score: 30,
        score: null,
        passed: null,
        pending_manual: 1,
      })
      .execute();
    const cert = await db.selectFrom("certificates").select("id").where("user_id", "=", users.traineeA.id).executeTakeFirstOrThrow();
    await revokeCertificate(
      db,
      { classId: cls.id, certificateId: cert.id, reason: "姓名有误", reissuable: true },
      { actorId: users.admin.id },
      ISSUED + 86_400,
    );
  });

  it("gives one valid statement per completed lesson, finalized exam attempt and certificate, and voids the revoked one", async () => {
    const statements = await xapi();
    for (const s of statements) expect(validateStatement(s), JSON.stringify(s)).toEqual([]);
    const lessons = await db.selectFrom("lesson_progress").select("user_id").where("completed_at", "is not", null).execute();
    const byVerb = (v: string) => statements.filter((s) => s.verb.id === v);
    expect(byVerb(VERB("completed")).filter((s) => s.object.id.includes("/lessons/"))).toHaveLength(lessons.length);
    const passed = byVerb(VERB("passed"));
    expect(passed).toHaveLength(1);
    expect(passed[0]).toMatchObject({
      actor: { objectType: "Agent", name: "张晓明", account: { homePage: "http://localhost", name: "2023001" } },
      verb: { display: { "zh-CN": "通过" } },
      object: {
        objectType: "Activity",
        id: "http://localhost/courses/sample/exams/jieye",
        definition: { name: { "zh-CN": "结业考试" }, type: "http://adlnet.gov/expapi/activities/assessment" },
      },
      result: { score: { scaled: 0.9, raw: 90, min: 0, max: 100 }, success: true, completion: true, duration: "PT20M" },
      timestamp: "2026-09-21T14:33:20.000Z",
    });
    const failed = byVerb(VERB("failed"));
    expect(failed.map((s) => s.actor.account.name)).toEqual(["2023101"]);
    expect(failed[0]!.result).toMatchObject({ score: { scaled: 0.4, raw: 40 }, success: false });
    const pending = byVerb(VERB("completed")).filter((s) => s.object.id.includes("/exams/"));
    expect(pending.map((s) => s.actor.account.name)).toEqual(["2023002"]);
    expect(pending[0]!.result).toEqual({ completion: true, duration: "PT30M30S" });
    const earned = byVerb("http://id.tincanapi.com/verb/earned");
    expect(earned.map((s) => s.actor.account.name)).toEqual(["2023001"]);
    expect(earned[0]).toMatchObject({
      object: { id: "http://localhost/xapi/certificates/TST-2026-12-0001", definition: { type: "http://id.tincanapi.com/activitytype/certificate" } },
      timestamp: new Date(ISSUED * 1000).toISOString(),
    });
    const voided = byVerb(VERB("voided"));
    expect(voided).toHaveLength(1);
    expect(voided[0]!.object).toEqual({ objectType: "StatementRef", id: earned[0]!.id });
    expect(voided[0]!.actor.account.name).toBe(users.admin.username);
    expect(new Set(statements.map((s) => s.id)).size).toBe(statements.length);
  });

  it("keeps statement ids stable across exports, filters by period, and is audited", async () => {
    const all = await xapi();
    const again = await xapi();
    expect(again.map((s) => s.id)).toEqual(all.map((s) => s.id));
    const late = await xapi(`?since=${encodeURIComponent(new Date(ISSUED * 1000).toISOString())}`);
    expect(late.map((s) => s.verb.id)).toEqual(["http://id.tincanapi.com/verb/earned", VERB("voided")]);
    expect(await xapi("?since=2026-12-01")).toHaveLength(1); // the revocation (2026-12-01 08:53 Beijing time)
    expect(await xapi("?until=2026-01-01")).toHaveLength(0);
    const entry = await db.selectFrom("audit_log").selectAll().where("action", "=", "xapi.export").orderBy("id", "desc").executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(users.admin.id);
    expect(JSON.parse(entry.detail!)).toMatchObject({ since: null, until: "2025-12-31T16:00:00.000Z", statements: 0 });
    const first = await db.selectFrom("audit_log").select("detail").where("action", "=", "xapi.export").orderBy("id").executeTakeFirstOrThrow();
    expect(JSON.parse(first.detail!).statements).toBe(all.length);
  });

  it("is for admins only and refuses a malformed period", async () => {
    for (const who of ["traineeA", "instructor", "secretaryA"] as const)
      expect((await outcome(xapiRoute.loader(args(who, "/admin/xapi") as never))).status).toBe(403);
    for (const q of ["?since=yesterday", "?since=2026-13-40", "?until=2026-09-01T08:00"])
      expect((await outcome(xapiRoute.loader(args("admin", `/admin/xapi${q}`) as never))).status).toBe(400);
  });

  it("has a validator that rejects what is not a statement", () => {
    const good = {
      id: uuidV5("x"),
      actor: { account: { homePage: "https://a.example", name: "u" } },
      verb: { id: VERB("completed"), display: { "zh-CN": "完成" } },
      object: { id: "https://a.example/x", definition: { name: { "zh-CN": "x" }, type: "http://adlnet.gov/expapi/activities/lesson" } },
      timestamp: "2026-01-01T00:00:00Z",
    };
    expect(validateStatement(good)).toEqual([]);
    expect(validateStatement({ ...good, id: "not-a-uuid" })).toContain("id is not a UUID");
    expect(validateStatement({ ...good, actor: { mbox: "mailto:a@b.c", account: good.actor.account } })[0]).toMatch(/not exactly one/);
    expect(validateStatement({ ...good, verb: { id: "completed", display: {} } })).toEqual(
      expect.arrayContaining(["verb.id is not an IRI", "verb.display is not a non-empty language map"]),
    );
    expect(validateStatement({ ...good, result: { score: { scaled: 1.5, raw: 120, min: 0, max: 100 } } })).toEqual(
      expect.arrayContaining(["result.score.scaled is outside -1..1", "result.score.raw is above max"]),
    );
    expect(validateStatement({ ...good, timestamp: "2026-01-01 00:00" })).toContain("timestamp is not an ISO 8601 time with a zone");
    expect(validateStatement({ ...good, verb: { ...good.verb, id: VERB("voided") } })).toContain("a voiding statement must reference a statement");
    expect([isoDuration(0), isoDuration(59), isoDuration(3600), isoDuration(3725)]).toEqual(["PT0S", "PT59S", "PT1H", "PT1H2M5S"]);
    expect(uuidV5("lesson-completed:1:2")).toMatch(UUID);
    expect(uuidV5("lesson-completed:1:2")).toBe(uuidV5("lesson-completed:1:2"));
  });
});
