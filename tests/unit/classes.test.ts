// Training classes through the real loaders and actions: who sees which rows, who may change what,
// settings validation, enrollment by list (row numbers, confirm to skip), by unit, and carry-over.
import ExcelJS from "exceljs";
import { beforeEach, describe, expect, it } from "vitest";
import * as classPage from "../../app/routes/admin.classes.$id.tsx";
import * as certificatesAction from "../../app/routes/admin.classes.$id.certificates.tsx";
import * as coursesAction from "../../app/routes/admin.classes.$id.courses.tsx";
import * as enrollAction from "../../app/routes/admin.classes.$id.enroll.tsx";
import * as gradesAction from "../../app/routes/admin.classes.$id.grades.tsx";
import * as membersAction from "../../app/routes/admin.classes.$id.members.tsx";
import * as settingsAction from "../../app/routes/admin.classes.$id.settings.tsx";
import * as classList from "../../app/routes/admin.classes._index.tsx";
import * as myClasses from "../../app/routes/my.classes.tsx";
import * as coursePage from "../../app/routes/courses.$slug._index.tsx";
import * as examIntro from "../../app/routes/courses.$slug.exams.$key.tsx";
import * as examResult from "../../app/routes/exam-attempts.$id.result.tsx";
import { recordSubjectFor, trainingRecord } from "../../app/models/record.server.ts";
import { confirmCompletion } from "../../app/models/certificates.server.ts";
import { carryOverCandidates, enrollUsernames, readUsernameList, type ClassView } from "../../app/models/classes.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { classWorld, didTheWork, makeClass, type ClassWorld } from "../setup/classes.ts";
import { createTestUser, makeRequest, outcome } from "../setup/db.ts";

let db: DB;
let ctx: ClassWorld["ctx"];
let tree: ClassWorld["tree"];
let users: ClassWorld["users"];
let courseId: number;
let cls: ClassView;

beforeEach(async () => {
  ({ db, ctx, tree, users, courseId, cls } = await classWorld());
});

const enroll = (usernames: string[], classId = cls.id) =>
  enrollUsernames(db, { classId, entries: usernames.map((username) => ({ username })), source: "pick", skipProblems: false }, { actorId: users.admin!.id });

type Who = keyof typeof users | null;
const page = (who: Who, search = "") =>
  outcome(
    classPage.loader({
      request: makeRequest(`/admin/classes/${cls.id}${search}`, { cookie: who ? users[who]!.cookie : undefined }),
      context: ctx,
      params: { id: String(cls.id) },
    }),
  );
/** Each form of the class page posts to the child route of its concern. */
const ROUTE_OF: Record<string, [string, typeof settingsAction.action]> = {
  settings: ["settings", settingsAction.action],
  courses: ["courses", coursesAction.action],
  usual: ["grades", gradesAction.action],
  cheating: ["grades", gradesAction.action],
  note: ["members", membersAction.action],
  remove: ["members", membersAction.action],
  template: ["certificates", certificatesAction.action],
  revoke: ["certificates", certificatesAction.action],
};
const post = (who: Who, form: Record<string, string | string[]>) => {
  const intent = String(form.intent);
  const [concern, action] = ROUTE_OF[intent] ?? ["enroll", enrollAction.action];
  const request = makeRequest(`/admin/classes/${cls.id}/${concern}`, { cookie: who ? users[who]!.cookie : undefined, form });
  return outcome(action({ request, context: ctx, params: { id: String(cls.id) } }));
};

function upload(who: Who, bytes: Uint8Array, name: string) {
  const body = new FormData();
  body.append("intent", "enroll-upload");
  body.append("file", new File([new Uint8Array(bytes)], name));
  const request = new Request(`http://localhost/admin/classes/${cls.id}/enroll`, {
    method: "POST",
    body,
    headers: { Origin: "http://localhost", Cookie: users[who!]!.cookie },
  });
  return outcome(enrollAction.action({ request, context: ctx, params: { id: String(cls.id) } }));
}

const members = async (classId = cls.id) =>
  (
    await db
      .selectFrom("class_members as m")
      .innerJoin("users as u", "u.id", "m.user_id")
      .select("u.username")
      .where("m.class_id", "=", classId)
      .orderBy("u.username")
      .execute()
  ).map((r) => r.username);

describe("who sees a class", () => {
  beforeEach(async () => {
    await enroll(["2023001", "2023002", "2023101"]);
    await didTheWork(db, users.traineeA!.id, courseId, { essay: 85, exam: 90 });
  });

  it("admins see every row and the admin tools", async () => {
    const r = await page("admin");
    expect(r.status).toBe(200);
    expect(r.data.members.map((m: { username: string }) => m.username)).toEqual(["2023001", "2023002", "2023101"]);
    expect(r.data.admin).not.toBeNull();
  });

  it("the course's instructor sees every row but no admin tools; another instructor gets 404", async () => {
    const r = await page("instructor");
    expect(r.status).toBe(200);
    expect(r.data.members).toHaveLength(3);
    expect(r.data.admin).toBeNull();
    expect(r.data.scope).toEqual({ kind: "all", canEdit: false, canGrade: true });
    expect((await page("otherInstructor")).status).toBe(404);
  });

  it("a secretary sees only their subtree's rows", async () => {
    const a = await page("secretaryA");
    expect(a.data.members.map((m: { username: string }) => m.username)).toEqual(["2023001", "2023002"]);
    const b = await page("secretaryB");
    expect(b.data.members.map((m: { username: string }) => m.username)).toEqual(["2023101"]);
  });

  it("trainees are refused the staff page and anonymous users are sent to sign in", async () => {
    expect((await page("traineeA")).status).toBe(403);
    expect((await page(null)).status).toBe(302);
  });

  it("the list shows a secretary only classes with members of their subtree, and an instructor classes with their courses", async () => {
    const other = await makeClass(db, { adminId: users.admin!.id, hostUnitId: tree.root, courseId, term: 13 });
    await enroll(["2023101"], other.id);
    const list = (who: Who) => outcome(classList.loader({ request: makeRequest("/admin/classes", { cookie: users[who!]!.cookie }), context: ctx, params: {} }));
    expect((await list("secretaryA")).data.classes.map((c: { id: number }) => c.id)).toEqual([cls.id]);
    expect((await list("secretaryB")).data.classes.map((c: { id: number }) => c.id).sort()).toEqual([cls.id, other.id].sort());
    expect((await list("instructor")).data.classes).toHaveLength(2);
    expect((await list("otherInstructor")).data.classes).toHaveLength(0);
    expect((await list("admin")).data.isAdmin).toBe(true);
  });

  it("shows the blockers in plain words and the results of each trainee", async () => {
    const r = await page("admin");
    const done = r.data.members.find((m: { username: string }) => m.username === "2023001");
    expect(done).toMatchObject({
      hours: 5.5,
      requiredHours: 5.5,
      passed: true,
      band: "优秀",
      exams: ["结业考试 90 分"],
      assignments: ["第一次思想汇报 85 分"],
    });
    const idle = r.data.members.find((m: { username: string }) => m.username === "2023002");
    expect(idle.passed).toBe(false);
    expect(idle.blockers).toEqual([
      "还差 5.5 学时",
      "必修课还有 2 讲未学完",
      "《结业考试》未参加",
      "《第一次思想汇报》未提交",
      "综合成绩 0 分，未达及格线 60 分",
    ]);
  });

  it("我的培训班 shows a trainee their own row only", async () => {
    const r = await outcome(myClasses.loader({ request: makeRequest("/my/classes", { cookie: users.traineeA2!.cookie }), context: ctx, params: {} }));
    expect(r.data.classes).toHaveLength(1);
    expect(r.data.classes[0].row.username).toBe("2023002");
    expect(r.data.classes[0].row.blockers[0]).toBe("还差 5.5 学时");
    expect(JSON.stringify(r.data)).not.toContain("2023001");
    const none = await outcome(myClasses.loader({ request: makeRequest("/my/classes", { cookie: users.candidateA!.cookie }), context: ctx, params: {} }));
    expect(none.data.classes).toEqual([]);
  });

  it("我的培训班 keeps an exam's score, and the composite computed from it, hidden until the exam shows results", async () => {
    const mine = async () =>
      (await outcome(myClasses.loader({ request: makeRequest("/my/classes", { cookie: users.traineeA!.cookie }), context: ctx, params: {} }))).data.classes[0]
        .row;
    // Read, change and write the settings JSON here (SQLite's json_set is not portable).
    const setReview = async (show: string, closesAt: number | null) => {
      for (const e of await db.selectFrom("exams").select(["id", "settings"]).execute()) {
        const settings = { ...JSON.parse(e.settings), show_results: show, closes_at: closesAt };
        await db
          .updateTable("exams")
          .set({ settings: JSON.stringify(settings) })
          .where("id", "=", e.id)
          .execute();
      }
    };
    await setReview("never", null);
    const hidden = await mine();
    expect(await elsewhere()).toEqual({ course: "已交卷，成绩待公布", intro: null, review: null, record: "成绩未公布" });
    expect(hidden).toMatchObject({ exams: ["结业考试 已交卷，成绩待公布"], composite: "待公布", band: "待公布", passed: false });
    expect(hidden.components.exam).toBe("待公布");
    expect(hidden.blockers).toEqual(["《结业考试》成绩待公布"]);
    expect(hidden.resultHidden).toBe(true);
    expect(JSON.stringify(hidden)).not.toMatch(/90 分|"composite":\d|"band":"优秀"/);
    // Staff see the score as before.
    expect((await page("admin")).data.members.find((m: { username: string }) => m.username === "2023001").exams).toEqual(["结业考试 90 分"]);

    const t = Math.floor(Date.now() / 1000);
    await setReview("after_close", t + 3600);
    expect((await mine()).composite).toBe("待公布");
    await setReview("after_close", t - 60);
    expect(await mine()).toMatchObject({ exams: ["结业考试 90 分"], band: "优秀", passed: true });

    // Once the certificate is issued its composite is on it: nothing is hidden any more.
    await setReview("never", null);
    await confirmCompletion(db, { classId: cls.id, schoolCode: "JSU" }, { actorId: users.admin!.id });
    expect(await mine()).toMatchObject({ exams: ["结业考试 90 分"], band: "优秀" });
    // The course page, the exam's page, the attempt's result and the record follow the same rule
    // (the course page said 成绩待公布 beside a certificate that prints the score).
    expect(await elsewhere()).toEqual({ course: "已通过（90 分）", intro: 90, review: 90, record: "通过" });
  });

  /** The exam's result as the trainee's other views show it: course page, exam page, result page, record. */
  async function elsewhere() {
    const e = await db
      .selectFrom("exams")
      .innerJoin("courses", "courses.id", "exams.course_id")
      .select(["exams.key", "courses.slug"])
      .where("exams.course_id", "=", courseId)
      .executeTakeFirstOrThrow();
    const me = users.traineeA!;
    const get = (url: string, params: Record<string, string>) => ({ request: makeRequest(url, { cookie: me.cookie }), context: ctx, params });
    const course = await outcome(coursePage.loader(get(`/courses/${e.slug}`, { slug: e.slug })));
    const intro = await outcome(examIntro.loader(get(`/courses/${e.slug}/exams/${e.key}`, { slug: e.slug, key: e.key })));
    const attemptId = intro.data.attempts[0].id;
    const review = await outcome(examResult.loader(get(`/exam-attempts/${attemptId}/result`, { id: String(attemptId) })));
    const subject = (await recordSubjectFor(db, me.id, { id: me.id, roles: ["trainee"], org_unit_id: tree.branchA }))!;
    const record = await trainingRecord(db, subject, { forTrainee: true });
    return {
      course: course.data.exams[0].state,
      intro: intro.data.counted?.score ?? null,
      review: review.data.attempt.score,
      record: record.exams[0]!.result,
    };
  }
});

describe("changing a class", () => {
  const settings = (over: Record<string, string> = {}) => ({
    intent: "settings",
    name: cls.name,
    kind: "activist",
    term: "12",
    hostUnitId: String(tree.root),
    startDate: "2026-09-01",
    endDate: "2026-11-30",
    requiredHours: "24",
    requireAllLessons: "on",
    wExam: "70",
    wAssignment: "20",
    wUsual: "10",
    usualSource: "manual",
    passLine: "60",
    bandExcellent: "90",
    bandGood: "80",
    bandPass: "60",
    gateExam: "on",
    gateAssignments: "on",
    gateCheating: "on",
    numberFormat: "{school}-{year}-{term}-{seq}",
    finalExamId: "",
    ...over,
  });

  it.each([
    [{ wUsual: "20" }, "权重之和必须是 100%，现在是 110%", "wExam"],
    [{ bandGood: "95" }, "优秀 > 良好 > 合格", "bandExcellent"],
    [{ passLine: "101" }, "及格线不能大于 100", "passLine"],
    [{ endDate: "2026-08-01" }, "结束日期不能早于开始日期", "endDate"],
    [{ numberFormat: "{school}-{year}" }, "必须包含且只包含一个 {seq}", null],
    [{ numberFormat: "{school}-{seq}-{month}" }, "未知的占位符：{month}", null],
    [{ hostUnitId: "branchA" }, "不能是党支部", null],
  ])("refuses invalid settings %o, naming the field when the form can", async (over, message, field) => {
    const form = settings(over as Record<string, string>);
    if (form.hostUnitId === "branchA") form.hostUnitId = String(tree.branchA);
    const r = await post("admin", form);
    expect(r.status).toBe(400);
    expect(r.data).toMatchObject({ ok: false, message: expect.stringContaining(message) });
    if (field) expect(r.data.errors[field]).toContain(message);
  });

  it("names every refused field of the settings form at once, each with its own message", async () => {
    const r = await post("admin", settings({ name: "", term: "0", passLine: "101", bandPass: "abc" }));
    expect(r.status).toBe(400);
    expect(Object.keys(r.data.errors).sort()).toEqual(["bandPass", "name", "passLine", "term"]);
    expect(r.data.errors.passLine).toContain("及格线不能大于 100");
    expect(r.data.message).toBe(Object.values(r.data.errors)[0]);
  });

  it("saves valid settings, audited with the values before", async () => {
    const r = await post("admin", settings({ requiredHours: "24.5", passLine: "70" }));
    expect(r.data.message).toBe("设置已保存");
    const row = await db.selectFrom("training_classes").select("rules").where("id", "=", cls.id).executeTakeFirstOrThrow();
    expect(JSON.parse(row.rules)).toMatchObject({ requiredHours: 24.5, passLine: 70, usualSource: "manual" });
    const a = await db.selectFrom("audit_log").select("detail").where("action", "=", "class.update").orderBy("id", "desc").executeTakeFirstOrThrow();
    expect(JSON.parse(a.detail!).before.rules.requiredHours).toBe(5.5);
  });

  it("instructors enter 平时 and cheating marks (audited) but cannot change settings; secretaries change nothing", async () => {
    await enroll(["2023001"]);
    expect((await post("instructor", settings())).status).toBe(403);
    expect((await post("instructor", { intent: "usual", userId: String(users.traineeA!.id), score: "88" })).data.message).toBe("平时成绩已保存");
    expect((await post("instructor", { intent: "usual", userId: String(users.traineeA!.id), score: "120" })).status).toBe(400);
    expect((await post("instructor", { intent: "cheating", userId: String(users.traineeA!.id), cheating: "on", note: "考试时使用手机" })).data.message).toBe(
      "已记录违纪",
    );
    expect((await post("secretaryA", { intent: "usual", userId: String(users.traineeA!.id), score: "60" })).status).toBe(403);
    expect((await post("otherInstructor", { intent: "usual", userId: String(users.traineeA!.id), score: "60" })).status).toBe(404);
    const m = await db
      .selectFrom("class_members")
      .select(["usual_score", "cheating", "cheating_note"])
      .where("user_id", "=", users.traineeA!.id)
      .executeTakeFirstOrThrow();
    expect(m).toEqual({ usual_score: 88, cheating: 1, cheating_note: "考试时使用手机" });
    const actions = (await db.selectFrom("audit_log").select("action").execute()).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["class.usual_score", "class.cheating_mark"]));
    const view = await page("admin");
    expect(view.data.members[0].blockers).toContain("有违纪（作弊）记录");
  });

  it("creates a class from the list page, refusing a duplicate 期次 of the same host and kind", async () => {
    const form = {
      name: "2027年春季第1期发展对象培训班",
      kind: "candidate",
      term: "1",
      hostUnitId: String(tree.root),
      startDate: "2027-03-01",
      endDate: "2027-03-05",
    };
    const act = (f: Record<string, string>, who: Who = "admin") =>
      outcome(classList.action({ request: makeRequest("/admin/classes", { cookie: users[who!]!.cookie, form: f }), context: ctx, params: {} }));
    const r = await act(form);
    expect(r.status).toBe(302);
    expect(r.location).toMatch(/^\/admin\/classes\/\d+$/);
    expect((await act(form)).status).toBe(409);
    expect((await act({ ...form, term: "2" }, "secretaryA")).status).toBe(403);
    const created = await db.selectFrom("training_classes").select("rules").where("term", "=", 1).executeTakeFirstOrThrow();
    expect(JSON.parse(created.rules).requiredHours).toBe(24);
  });
});

describe("enrollment", () => {
  // GBK: 学号 = D1A7 BAC5; the rest is ASCII.
  const gbkCsv = () => new Uint8Array([0xd1, 0xa7, 0xba, 0xc5, ...Buffer.from("\r\n2023001\r\n9999999\r\n2022015\r\n2023002\r\n\r\n2023001\r\n")]);

  it("reads 学号 from GBK and UTF-8 (BOM) CSV and from .xlsx, keeping the sheet's row numbers", async () => {
    const gbk = await readUsernameList(gbkCsv(), "名单.csv");
    expect(gbk).toEqual({
      ok: true,
      entries: [
        { line: 2, username: "2023001" },
        { line: 3, username: "9999999" },
        { line: 4, username: "2022015" },
        { line: 5, username: "2023002" },
        { line: 7, username: "2023001" },
      ],
    });
    const bom = await readUsernameList(new Uint8Array(Buffer.from("\uFEFF姓名,学号/工号\n张晓明,2023001\n")), "list.csv");
    expect(bom).toEqual({ ok: true, entries: [{ line: 2, username: "2023001" }] });
    const headless = await readUsernameList(new Uint8Array(Buffer.from("2023001\n2023002\n")), "list.txt");
    expect(headless).toEqual({
      ok: true,
      entries: [
        { line: 1, username: "2023001" },
        { line: 2, username: "2023002" },
      ],
    });
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("名单");
    ws.addRows([
      ["序号", "学号", "姓名"],
      [1, "2023001", "张晓明"],
      [2, 2023101, "刘子涵"],
    ]);
    const xlsx = await readUsernameList(new Uint8Array(await wb.xlsx.writeBuffer()), "名单.xlsx");
    expect(xlsx).toEqual({
      ok: true,
      entries: [
        { line: 2, username: "2023001" },
        { line: 3, username: "2023101" },
      ],
    });
    expect(await readUsernameList(new Uint8Array(Buffer.from("not a zip")), "x.xlsx")).toMatchObject({ ok: false });
  });

  it("reports bad rows by number and adds nobody until the admin confirms skipping them", async () => {
    const r = await upload("admin", gbkCsv(), "名单.csv");
    expect(r.status).toBe(200);
    expect(r.data.plan.ok.map((c: { username: string }) => c.username)).toEqual(["2023001", "2023002"]);
    expect(r.data.plan.problems).toEqual([
      { line: 3, username: "9999999", message: "没有这个学号/工号的用户" },
      { line: 4, username: "2022015", message: "李文静 的发展阶段是发展对象，与培训班类别（入党积极分子）不符" },
      { line: 7, username: "2023001", message: "与前面的行重复" },
    ]);
    expect(await members()).toEqual([]);
    const confirmed = await post("admin", { intent: "enroll-confirm", usernames: ["2023001", "2023002"] });
    expect(confirmed.data.message).toBe("已加入 2 人");
    expect(await members()).toEqual(["2023001", "2023002"]);
  });

  it("a clean list is enrolled at once; a trainee cannot upload", async () => {
    const r = await upload("admin", new Uint8Array(Buffer.from("学号\n2023001\n2023101\n")), "list.csv");
    expect(r.data.message).toBe("已加入 2 人");
    expect((await upload("traineeA", new Uint8Array(Buffer.from("学号\n2023001\n")), "list.csv")).status).toBe(403);
  });

  it("by org unit adds the subtree's trainees whose stage fits the class kind", async () => {
    const r = await post("admin", { intent: "enroll-unit", unitId: String(tree.subA) });
    expect(r.data.message).toBe("该组织下符合条件的学员 2 人，新加入 2 人");
    expect(await members()).toEqual(["2023001", "2023002"]);
  });

  it("picks from a search that lists only fitting trainees not yet in the class", async () => {
    await enroll(["2023001"]);
    const r = await page("admin", "?q=20");
    expect(r.data.admin.found.map((u: { username: string }) => u.username)).toEqual(["2023002", "2023101"]);
    expect((await post("admin", { intent: "enroll-pick", usernames: "2023101" })).data.message).toBe("已加入 1 人");
  });

  it("searches 学号 with _ and % taken literally", async () => {
    for (const username of ["2023_01", "2023X01"]) await createTestUser(db, { orgUnitId: tree.branchA, stage: "activist", username });
    const found = async (q: string) => (await page("admin", `?q=${encodeURIComponent(q)}`)).data.admin.found.map((u: { username: string }) => u.username);
    expect(await found("3_0")).toEqual(["2023_01"]);
    expect(await found("%")).toEqual([]);
  });

  it("carries over the previous 期次's trainees who did not complete", async () => {
    const previous = await makeClass(db, { adminId: users.admin!.id, hostUnitId: tree.root, courseId, term: 11, name: "2026年春季第11期入党积极分子培训班" });
    await enroll(["2023001", "2023002", "2023101"], previous.id);
    await didTheWork(db, users.traineeA!.id, courseId, { essay: 85, exam: 90 });
    await confirmCompletion(db, { classId: previous.id, schoolCode: "JSU" }, { actorId: users.admin!.id });
    await db.updateTable("users").set({ stage: "candidate" }).where("id", "=", users.traineeB!.id).execute();
    const c = await carryOverCandidates(db, cls.id);
    expect(c.previous?.id).toBe(previous.id);
    expect(c.trainees.map((t) => [t.username, t.fits])).toEqual([
      ["2023002", true],
      ["2023101", false],
    ]);
    const r = await post("admin", { intent: "carryover" });
    expect(r.data.message).toBe("已转入上一期未结业学员 1 人；1 人发展阶段已不符或账号停用，未转入");
    expect(await members()).toEqual(["2023002"]);
  });

  it("removes a member without a certificate, and refuses one with a certificate", async () => {
    await enroll(["2023001", "2023002"]);
    await didTheWork(db, users.traineeA!.id, courseId, { essay: 85, exam: 90 });
    await confirmCompletion(db, { classId: cls.id, schoolCode: "JSU" }, { actorId: users.admin!.id });
    expect((await post("admin", { intent: "remove", userId: String(users.traineeA!.id) })).status).toBe(409);
    expect((await post("admin", { intent: "remove", userId: String(users.traineeA2!.id) })).data.message).toBe("已移出");
    expect(await members()).toEqual(["2023001"]);
  });
});
