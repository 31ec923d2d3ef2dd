// A seeded world for cross-cutting tests (authorization matrix, bad-input sweep): two trainees in
// branches of different 二级党委, the demo course's instructor and one who is not, a secretary of
// branch A and one over B's 二级党委, an admin, and records that belong to trainee B (two exam attempts,
// a submission with a file, a certificate), a browser draft of the other instructor and a pending bank
// import of the demo course's instructor. Records are made through the app over HTTP where a route
// exists, otherwise with the models.
import fs from "node:fs";
import { randomBytes } from "node:crypto";
import type { DB } from "../../app/utils/db.server.ts";
import { createUser } from "../../app/models/users.server.ts";
import { createSession, SESSION_COOKIE } from "../../app/utils/session.server.ts";
import { createClass, enrollUsernames, setClassCourses, setException } from "../../app/models/classes.server.ts";
import { confirmCompletion } from "../../app/models/certificates.server.ts";
import { unsubscribeToken } from "../../app/models/notifications.server.ts";
import type { Role, Stage } from "../../db/types.ts";
import { openServerDb, type TestServer } from "./server.ts";
import { cstToday } from "../../app/utils/cst.ts";

export const ACTORS = ["anon", "traineeA", "traineeB", "instructor", "instructorOther", "secretaryA", "secretaryB", "admin"] as const;
export type Actor = (typeof ACTORS)[number];
export type SignedIn = Exclude<Actor, "anon">;

/** Kinds of trainee B's data and who may see each (admins; the course's instructors for course records; secretaries for their subtree). */
export const SECRET_VIEWERS = {
  identityB: ["traineeB", "instructor", "secretaryB", "admin"],
  attemptB: ["traineeB", "instructor", "admin"],
  submissionB: ["traineeB", "instructor", "admin"],
  // The class's instructors see the numbers in the class's results table (the PDF is not theirs).
  certificateB: ["traineeB", "instructor", "secretaryB", "admin"],
  draftOther: ["instructorOther", "admin"],
  reportB: ["traineeB", "secretaryB", "admin"],
  // B's question to the demo course's instructors, not made public.
  questionB: ["traineeB", "instructor", "admin"],
} as const satisfies Record<string, readonly SignedIn[]>;
export type SecretKind = keyof typeof SECRET_VIEWERS;

export const DEMO = "jijifenzi-peixun";
export const OTHER_COURSE = "fazhan-duixiang";
export const DEMO_EXAM = "jieye-kaoshi";
export const DEMO_ASSIGNMENT = "01-sixiang-huibao";
export const DEMO_BANK = "jiben-zhishi";

export const TINY_PDF = Buffer.from("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
export const TINY_PNG = fs.readFileSync("courses/jijifenzi-peixun/media/cover.png");

export type Scenario = {
  url: string;
  db: DB;
  cookies: Record<SignedIn, string>;
  users: Record<SignedIn, { id: number; username: string; name: string }>;
  ids: {
    attemptDone: number;
    attemptOpen: number;
    submission: number;
    file: number;
    lessonDemo: number;
    lessonOther: number;
    draftSlug: string;
    draftMedia: string;
    pendingImport: string;
    certificate: number;
    certificateCode: string;
    classId: number;
    /** An attempt in progress of trainee A (their own: for the bad-input sweep of the exam page). */
    attemptA: number;
    /** B's submitted 思想汇报 for the branch and its attachment; A's draft one. */
    thoughtReport: number;
    thoughtReportFile: number;
    /** Secretary B's 考察意见 attachment on B's report. */
    thoughtReviewFile: number;
    thoughtReportA: number;
    /** B's question (with an image) in the demo course. */
    questionB: number;
    /** A 需确认 notice secretary B published to B's branch, and its PDF attachment. */
    notice: number;
    noticeFile: number;
    /** A valid unsubscribe token of the spare account. */
    unsubscribe: string;
  };
  /** Accounts that are nobody's actor: a target for admin edits, a trainee whose attempt takes hostile saves. */
  extra: {
    spare: { id: number; cookie: string };
    saver: { id: number; cookie: string; attempt: number; essay: number };
  };
  secrets: Record<SecretKind, string[]>;
  /** A request with an actor's session, as a same-origin browser would send it. */
  request: (actor: Actor, p: string, init?: RequestInit) => Promise<Response>;
  /** A fresh session for an actor (for tests that end sessions). */
  newCookie: (actor: SignedIn) => Promise<string>;
};

const tag = () => randomBytes(3).toString("hex");

export async function seedScenario(server: TestServer): Promise<Scenario> {
  const db = openServerDb(server);
  const units = new Map((await db.selectFrom("org_units").select(["id", "name"]).execute()).map((u) => [u.name, u.id]));
  const unit = (name: string) => units.get(name) ?? fail(`demo unit ${name} missing`);
  const t = tag();
  const users = {} as Scenario["users"];
  const make = async (actor: SignedIn, o: { username: string; name: string; unit: string; roles: Role[]; stage?: Stage }) => {
    const { id } = await createUser(
      db,
      { username: o.username, name: o.name, gender: "女", orgUnitId: unit(o.unit), stage: o.stage ?? "full", roles: o.roles },
      { actorId: null, ip: "test" },
      `pw${t}Abc123`,
    );
    users[actor] = { id, username: o.username, name: o.name };
  };
  // B's name and 学号 are strings that appear nowhere else, so finding them in a body is a leak.
  await make("traineeA", { username: `pa${t}`, name: `甲测学员${t}`, unit: "计算机学院本科生第一党支部", roles: ["trainee"], stage: "activist" });
  await make("traineeB", { username: `PV${t}`, name: `乙隐私人${t}`, unit: "马克思主义学院本科生党支部", roles: ["trainee"], stage: "activist" });
  await make("instructorOther", { username: `pi${t}`, name: `丙教师${t}`, unit: "马克思主义学院教工党支部", roles: ["instructor"] });
  await make("secretaryA", { username: `psa${t}`, name: `甲书记${t}`, unit: "计算机学院本科生第一党支部", roles: ["secretary"] });
  await make("secretaryB", { username: `psb${t}`, name: `乙书记${t}`, unit: "马克思主义学院党委", roles: ["secretary"] });
  for (const [actor, username] of [
    ["instructor", "js001"],
    ["admin", "zzb001"],
  ] as const) {
    const row = await db.selectFrom("users").select(["id", "name"]).where("username", "=", username).executeTakeFirstOrThrow();
    users[actor] = { id: row.id, username, name: row.name };
  }
  const newCookie = async (actor: SignedIn) => `${SESSION_COOKIE}=${(await createSession(db, users[actor].id)).token}`;
  const cookies = {} as Record<SignedIn, string>;
  for (const a of Object.keys(users) as SignedIn[]) cookies[a] = await newCookie(a);

  const extraUser = async (username: string, name: string) => {
    const { id } = await createUser(
      db,
      { username, name, gender: "男", orgUnitId: unit("计算机学院研究生党支部"), stage: "activist", roles: ["trainee"] },
      { actorId: null, ip: "test" },
      `pw${t}Abc123`,
    );
    return { id, cookie: `${SESSION_COOKIE}=${(await createSession(db, id)).token}` };
  };
  const spare = await extraUser(`px${t}`, `备用学员${t}`);
  const saverUser = await extraUser(`py${t}`, `答题学员${t}`);

  const request = (actor: Actor, p: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (actor !== "anon") headers.set("Cookie", cookies[actor]);
    if (init.method && init.method !== "GET" && !headers.has("Origin")) headers.set("Origin", server.url);
    return fetch(server.url + p, { redirect: "manual", ...init, headers });
  };
  const form = (fields: Record<string, string | Blob | [Blob, string]>) => {
    const fd = new FormData();
    for (const [k, v] of Object.entries(fields)) {
      if (Array.isArray(v)) fd.append(k, v[0], v[1]);
      else fd.append(k, v);
    }
    return fd;
  };
  const expectStatus = async (res: Response, ok: number[], what: string) => {
    if (!ok.includes(res.status)) fail(`${what}: ${res.status} ${(await res.text()).slice(0, 300)}`);
    return res;
  };

  const secrets = {
    identityB: [users.traineeB.name, users.traineeB.username],
    attemptB: [`乙的考试作答${t}`, `乙的进行中作答${t}`],
    submissionB: [`乙的思想汇报正文${t}`, `乙的附件${t}`],
    certificateB: [] as string[],
    draftOther: [`丙的草稿课程${t}`, `丙的草稿简介${t}`],
    reportB: [`乙的支部思想汇报${t}`, `乙的汇报附件${t}`],
    questionB: [`乙的提问${t}`],
  };

  // --- B's exam attempts: one handed in with an essay answer, one in progress.
  const examPath = `/courses/${DEMO}/exams/${DEMO_EXAM}`;
  const start = async (cookie = cookies.traineeB) => {
    const res = await expectStatus(
      await fetch(server.url + examPath, { method: "POST", redirect: "manual", headers: { Cookie: cookie, Origin: server.url } }),
      [302],
      "start exam",
    );
    return Number(/\/exam-attempts\/(\d+)$/.exec(res.headers.get("location") ?? "")?.[1] ?? fail("no attempt id"));
  };
  const essayOf = async (attemptId: number) =>
    (
      await db
        .selectFrom("attempt_questions as aq")
        .innerJoin("questions as q", "q.id", "aq.question_id")
        .select("aq.question_id")
        .where("aq.attempt_id", "=", attemptId)
        .where("q.type", "=", "简答")
        .executeTakeFirstOrThrow()
    ).question_id;
  const answer = async (attemptId: number, text: string) => {
    const body = JSON.stringify({ questionId: await essayOf(attemptId), seq: 1, answer: { text } });
    await expectStatus(
      await request("traineeB", `/exam-attempts/${attemptId}/answers`, { method: "POST", body, headers: { "Content-Type": "application/json" } }),
      [200],
      "save answer",
    );
  };
  const attemptDone = await start();
  await answer(attemptDone, secrets.attemptB[0]!);
  await expectStatus(
    await request("traineeB", `/exam-attempts/${attemptDone}`, { method: "POST", body: new URLSearchParams({ intent: "submit" }) }),
    [302],
    "submit exam",
  );
  const attemptOpen = await start();
  await answer(attemptOpen, secrets.attemptB[1]!);
  const attemptA = await start(cookies.traineeA);
  const saverAttempt = await start(saverUser.cookie);

  // --- B's submission with a PDF attachment.
  const text = `${secrets.submissionB[0]}\n\n${"敬爱的党组织：通过学习，我对党的性质和宗旨有了更深的认识。".repeat(60)}`;
  await expectStatus(
    await request("traineeB", `/courses/${DEMO}/assignments/${DEMO_ASSIGNMENT}`, {
      method: "POST",
      body: form({ intent: "submit", text, files: [new Blob([TINY_PDF], { type: "application/pdf" }), `${secrets.submissionB[1]}.pdf`] }),
    }),
    [200],
    "submit assignment",
  );
  const file = await db
    .selectFrom("submission_files as f")
    .innerJoin("submissions as s", "s.id", "f.submission_id")
    .select(["f.id", "s.id as submission"])
    .where("s.user_id", "=", users.traineeB.id)
    .where("f.version_id", "is not", null)
    .executeTakeFirstOrThrow();

  // --- The other instructor's browser draft (unpublished, for 预备党员 only: B is not in its audience) with an image.
  const draftSlug = `proof-draft-${t}`;
  await expectStatus(
    await request("instructorOther", "/teach/new", {
      method: "POST",
      body: new URLSearchParams({ slug: draftSlug, title: secrets.draftOther[0]!, audience: "预备党员", summary: secrets.draftOther[1]!, hours: "2" }),
    }),
    [302],
    "create draft course",
  );
  const media = await expectStatus(
    await request("instructorOther", `/teach/${draftSlug}/media`, {
      method: "POST",
      body: form({ file: [new Blob([TINY_PNG], { type: "image/png" }), "tu.png"] }),
    }),
    [200],
    "upload draft media",
  );
  const draftMedia = /media\/[a-z0-9-]+\.png/.exec(await media.text())?.[0] ?? fail("no draft media path");

  // --- The demo instructor's pending bank import (Aiken), never confirmed.
  const aiken = `中国共产党的根本宗旨是什么（导入测试${t}）？\nA. 全心全意为人民服务\nB. 发展经济\nANSWER: A\n`;
  const upload = await expectStatus(
    await request("instructor", `/teach/${DEMO}/bank`, {
      method: "POST",
      body: form({ intent: "upload", bank: DEMO_BANK, file: [new Blob([aiken], { type: "text/plain" }), "import.txt"] }),
    }),
    [302],
    "bank import upload",
  );
  const pendingImport = /import=([0-9a-f]{64})/.exec(upload.headers.get("location") ?? "")?.[1] ?? fail("no import sha");

  // --- A class with the demo course that B completed (by an audited exception) and B's certificate.
  const adminActor = { actorId: users.admin.id, ip: "test" };
  const classId = await createClass(
    db,
    {
      name: `2026年测试第${t}期入党积极分子培训班`,
      kind: "activist",
      term: 900 + Math.floor(Math.random() * 9000),
      hostUnitId: unit("马克思主义学院党委"),
      startDate: "2026-03-01",
      endDate: "2026-06-30",
    },
    adminActor,
  );
  const demoId = (await db.selectFrom("courses").select("id").where("slug", "=", DEMO).executeTakeFirstOrThrow()).id;
  await setClassCourses(db, classId, [{ courseId: demoId, required: true }], adminActor);
  await enrollUsernames(db, { classId, entries: [{ username: users.traineeB.username }], source: "pick", skipProblems: false }, adminActor);
  await setException(db, { classId, userIds: [users.traineeB.id], kind: "complete", basis: "offline", reason: "测试：例外结业" }, adminActor);
  await confirmCompletion(db, { classId, schoolCode: "PROOF" }, adminActor);
  // --- B's 思想汇报 for the branch, submitted with a PDF; A's left as a draft. Secretary A is A's 培养联系人.
  const newReport = async (actor: "traineeA" | "traineeB") => {
    const res = await expectStatus(await request(actor, "/my/reports", { method: "POST", body: new URLSearchParams({ intent: "new" }) }), [302], "new report");
    return Number(/\/my\/reports\/(\d+)$/.exec(res.headers.get("location") ?? "")?.[1] ?? fail("no report id"));
  };
  const thoughtReport = await newReport("traineeB");
  const reportText = `${secrets.reportB[0]}\n\n${"敬爱的党组织：本季度我认真学习党章，对照党员标准检查自己。".repeat(20)}`;
  await expectStatus(
    await request("traineeB", `/my/reports/${thoughtReport}`, {
      method: "POST",
      body: form({
        intent: "submit",
        title: "思想汇报",
        text: reportText,
        files: [new Blob([TINY_PDF], { type: "application/pdf" }), `${secrets.reportB[1]}.pdf`],
      }),
    }),
    [200],
    "submit thought report",
  );
  const thoughtReportFile = (await db.selectFrom("thought_report_files").select("id").where("report_id", "=", thoughtReport).executeTakeFirstOrThrow()).id;
  await expectStatus(
    await request("secretaryB", `/reports/${thoughtReport}`, {
      method: "POST",
      body: form({
        intent: "opinion",
        body: "思想认识有提高。",
        reviewedOn: cstToday(),
        files: [new Blob([TINY_PDF], { type: "application/pdf" }), "考察意见.pdf"],
      }),
    }),
    [200],
    "write a 考察意见 with an attachment",
  );
  const thoughtReviewFile = (
    await db.selectFrom("thought_report_files").select("id").where("report_id", "=", thoughtReport).where("review_id", "is not", null).executeTakeFirstOrThrow()
  ).id;
  const thoughtReportA = await newReport("traineeA");
  await expectStatus(
    await request("admin", `/branch/people/${users.traineeA.id}`, {
      method: "POST",
      body: new URLSearchParams({ intent: "assign-liaison", liaison: users.secretaryA.username, startOn: "2026-01-05" }),
    }),
    [200],
    "assign liaison",
  );

  const cert = await db.selectFrom("certificates").select(["id", "number", "code"]).where("class_id", "=", classId).executeTakeFirstOrThrow();
  secrets.certificateB.push(cert.number, cert.code);

  // --- B's question (with an image) to the demo course's instructors, and a 需确认 notice with a PDF
  // that secretary B publishes to B's branch.
  await expectStatus(
    await request("traineeB", `/courses/${DEMO}/questions`, {
      method: "POST",
      body: form({ body: secrets.questionB[0]!, lesson: "", image: [new Blob([TINY_PNG], { type: "image/png" }), "q.png"] }),
    }),
    [302],
    "ask a question",
  );
  const questionB = (await db.selectFrom("course_questions").select("id").where("user_id", "=", users.traineeB.id).executeTakeFirstOrThrow()).id;
  const published = await expectStatus(
    await request("secretaryB", "/notices/new", {
      method: "POST",
      body: form({
        title: `支部通知${t}`,
        body: "请按时参加学习。",
        audience: "org",
        orgUnitId: String(unit("马克思主义学院本科生党支部")),
        requiresAck: "1",
        files: [new Blob([TINY_PDF], { type: "application/pdf" }), "通知附件.pdf"],
      }),
    }),
    [302],
    "publish a notice",
  );
  const notice = Number(/\/notices\/(\d+)\//.exec(published.headers.get("location") ?? "")?.[1] ?? fail("no notice id"));
  const noticeFile = (await db.selectFrom("notice_files").select("id").where("notice_id", "=", notice).executeTakeFirstOrThrow()).id;
  const unsubscribe = await unsubscribeToken(db, spare.id, "notice_published");

  const lessonOf = async (slug: string) =>
    (
      await db
        .selectFrom("lessons as l")
        .innerJoin("courses as c", "c.id", "l.course_id")
        .select("l.id")
        .where("c.slug", "=", slug)
        .orderBy("l.position")
        .executeTakeFirstOrThrow()
    ).id;

  return {
    url: server.url,
    db,
    cookies,
    users,
    ids: {
      attemptDone,
      attemptOpen,
      submission: file.submission,
      file: file.id,
      lessonDemo: await lessonOf(DEMO),
      lessonOther: await lessonOf(OTHER_COURSE),
      draftSlug,
      draftMedia,
      pendingImport,
      certificate: cert.id,
      certificateCode: cert.code,
      classId,
      attemptA,
      thoughtReport,
      thoughtReportFile,
      thoughtReviewFile,
      thoughtReportA,
      questionB,
      notice,
      noticeFile,
      unsubscribe,
    },
    extra: { spare, saver: { ...saverUser, attempt: saverAttempt, essay: await essayOf(saverAttempt) } },
    secrets,
    request,
    newCookie,
  };
}

function fail(message: string): never {
  throw new Error(`scenario: ${message}`);
}

/** Strings of B's data found in a body that `actor` may not see, as "kind: string". */
export function leaksIn(body: string, actor: Actor, secrets: Scenario["secrets"]): string[] {
  const found: string[] = [];
  for (const [kind, viewers] of Object.entries(SECRET_VIEWERS) as [SecretKind, readonly SignedIn[]][]) {
    if (actor !== "anon" && (viewers as readonly string[]).includes(actor)) continue;
    for (const s of secrets[kind]) if (body.includes(s)) found.push(`${kind}: ${s}`);
  }
  return found;
}
