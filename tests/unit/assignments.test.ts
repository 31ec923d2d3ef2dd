// Assignments through the real loaders/actions and the model: lifecycle, deadlines, extensions,
// versions, grading, blind grading, authorization, similarity flags and the zip export.
import { unzipSync, strFromU8 } from "fflate";
import { beforeEach, describe, expect, it } from "vitest";
import * as gradingIndex from "../../app/routes/grading._index.tsx";
import * as traineePage from "../../app/routes/courses.$slug.assignments.$key.tsx";
import * as filesRoute from "../../app/routes/submission-files.$id.tsx";
import * as queuePage from "../../app/routes/teach.$slug.assignments.$key._index.tsx";
import * as gradePage from "../../app/routes/teach.$slug.assignments.$key.$submissionId.tsx";
import * as downloadRoute from "../../app/routes/teach.$slug.assignments.$key.download[.]zip.tsx";
import { getAssignmentForEditor, returnSubmission, saveDraft, submitAssignment } from "../../app/models/assignments.server.ts";
import { listInbox } from "../../app/models/notifications.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { lightlyEdit, makeEssay, rng } from "../fixtures/essays.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, testContext } from "../setup/db.ts";

let db: DB;
let ctx: ReturnType<typeof testContext>;
let users: Record<string, Awaited<ReturnType<typeof createTestUser>>>;
const SLUG = "asg-course";
const KEY = "01-huibao";
const T0 = Math.floor(Date.now() / 1000);
const DAY = 86400;
const PDF = new TextEncoder().encode("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");

type AsgOptions = { due?: number | null; cutoff?: number | null; resubmit?: boolean; minLength?: number | null };

async function setAssignment(o: AsgOptions) {
  await db
    .updateTable("assignments")
    .set({
      ...(o.due !== undefined ? { due_at: o.due } : {}),
      ...(o.cutoff !== undefined ? { cutoff_at: o.cutoff } : {}),
      ...(o.resubmit !== undefined ? { resubmit: o.resubmit ? 1 : 0 } : {}),
      ...(o.minLength !== undefined ? { min_length: o.minLength } : {}),
    })
    .execute();
}

beforeEach(async () => {
  db = await createTestDb();
  ctx = testContext(db);
  const t = await createTestTree(db);
  users = {
    traineeA: await createTestUser(db, { orgUnitId: t.branchA, name: "甲学员", stage: "activist" }),
    traineeB: await createTestUser(db, { orgUnitId: t.branchB, name: "乙学员", stage: "activist" }),
    candidate: await createTestUser(db, { orgUnitId: t.branchA, name: "发展对象", stage: "candidate" }),
    instructor: await createTestUser(db, { orgUnitId: t.branchA, roles: ["instructor"], stage: "full", username: "jsA" }),
    otherInstructor: await createTestUser(db, { orgUnitId: t.branchA, roles: ["instructor"], stage: "full", username: "jsB" }),
    admin: await createTestUser(db, { orgUnitId: t.root, roles: ["admin"], stage: "full" }),
  };
  const { id: courseId } = await db
    .insertInto("courses")
    .values({
      slug: SLUG,
      title: "积极分子培训",
      summary: "s",
      audience: JSON.stringify(["activist"]),
      hours: 10,
      instructors: JSON.stringify(["jsA"]),
      cover: null,
      published: 1,
      progress: "{}",
      intro_md: "",
      content_hash: "h",
      created_at: T0,
      updated_at: T0,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("assignments")
    .values({
      course_id: courseId,
      key: KEY,
      position: 1,
      title: "第一次思想汇报",
      kind: "思想汇报",
      due_at: T0 + 7 * DAY,
      cutoff_at: T0 + 14 * DAY,
      max_score: 100,
      pass_score: 60,
      hours: 2,
      min_length: 1500,
      attachments: JSON.stringify(["pdf", "docx"]),
      max_attachment_mb: 1,
      resubmit: 0,
      body_md: "## 题目\n\n写一篇思想汇报。<script>alert(1)</script>",
      content_hash: "h",
      created_at: T0,
      updated_at: T0,
    })
    .execute();
});

const PAGE = `/courses/${SLUG}/assignments/${KEY}`;
const TEACH = `/teach/${SLUG}/assignments/${KEY}`;
type Who = keyof typeof users;

const trainee = {
  load: (who: Who) =>
    outcome(traineePage.loader({ request: makeRequest(PAGE, { cookie: users[who]!.cookie }), context: ctx, params: { slug: SLUG, key: KEY } })),
  act: (who: Who, form: Record<string, string>) =>
    outcome(traineePage.action({ request: makeRequest(PAGE, { cookie: users[who]!.cookie, form }), context: ctx, params: { slug: SLUG, key: KEY } })),
  upload: (who: Who, form: Record<string, string>, files: { name: string; bytes: Uint8Array }[]) => {
    const body = new FormData();
    for (const [k, v] of Object.entries(form)) body.append(k, v);
    for (const f of files) body.append("files", new File([f.bytes as Uint8Array<ArrayBuffer>], f.name, { type: "application/pdf" }));
    const request = new Request(`http://localhost${PAGE}`, { method: "POST", body, headers: { Cookie: users[who]!.cookie, Origin: "http://localhost" } });
    return outcome(traineePage.action({ request, context: ctx, params: { slug: SLUG, key: KEY } }));
  },
};
const teach = {
  queue: (who: Who, search = "") =>
    outcome(queuePage.loader({ request: makeRequest(`${TEACH}${search}`, { cookie: users[who]!.cookie }), context: ctx, params: { slug: SLUG, key: KEY } })),
  queueAct: (who: Who, form: Record<string, string>) =>
    outcome(queuePage.action({ request: makeRequest(TEACH, { cookie: users[who]!.cookie, form }), context: ctx, params: { slug: SLUG, key: KEY } })),
  open: (who: Who, id: number, search = "") =>
    outcome(
      gradePage.loader({
        request: makeRequest(`${TEACH}/${id}${search}`, { cookie: users[who]!.cookie }),
        context: ctx,
        params: { slug: SLUG, key: KEY, submissionId: String(id) },
      }),
    ),
  act: (who: Who, id: number, form: Record<string, string>) =>
    outcome(
      gradePage.action({
        request: makeRequest(`${TEACH}/${id}`, { cookie: users[who]!.cookie, form }),
        context: ctx,
        params: { slug: SLUG, key: KEY, submissionId: String(id) },
      }),
    ),
};
const fetchFile = (who: Who, id: number, search = "") =>
  outcome(
    filesRoute.loader({ request: makeRequest(`/submission-files/${id}${search}`, { cookie: users[who]!.cookie }), context: ctx, params: { id: String(id) } }),
  );

const essay = (seed: number, length = 1800) => makeEssay(rng(seed), length);
const chars = (n: number) => "党".repeat(n);
const submissionIdOf = async (who: Who) => (await db.selectFrom("submissions").select("id").where("user_id", "=", users[who]!.id).executeTakeFirstOrThrow()).id;
const auditActions = async () => (await db.selectFrom("audit_log").select("action").orderBy("id").execute()).map((r) => r.action);
const assignment = async () => (await getAssignmentForEditor(db, await db.selectFrom("courses").select("id").executeTakeFirstOrThrow(), KEY))!.assignment;

describe("lifecycle: draft → submit → return → resubmit → grade", () => {
  it("walks the whole way through the pages", async () => {
    let page = await trainee.load("traineeA");
    expect(page.status).toBe(200);
    expect(page.data.status).toBe("none");
    expect(page.data.edit.canEdit).toBe(true);
    expect(page.data.assignment.promptHtml).toContain("<h2>题目</h2>");
    expect(page.data.assignment.promptHtml).not.toContain("<script");

    // Draft autosave survives a reload; an older autosave never overwrites a newer one.
    expect((await trainee.act("traineeA", { intent: "autosave", text: "第二稿", seq: "2000" })).data.ok).toBe(true);
    await trainee.act("traineeA", { intent: "autosave", text: "第一稿（迟到的旧请求）", seq: "1000" });
    page = await trainee.load("traineeA");
    expect(page.data.draft.text).toBe("第二稿");
    expect(page.data.statusLabel).toBe("草稿");

    // Minimum length with a clear count.
    const short = await trainee.act("traineeA", { intent: "submit", text: chars(1203) });
    expect(short.status).toBe(400);
    expect(short.data.message).toBe("字数不足：当前 1,203 字，至少 1,500 字");
    expect((await trainee.load("traineeA")).data.draft.text).toBe(chars(1203)); // kept as the draft

    const v1 = essay(1);
    const first = await trainee.act("traineeA", { intent: "submit", text: v1 });
    expect(first.data).toMatchObject({ ok: true, message: "已提交第 1 版" });
    page = await trainee.load("traineeA");
    expect(page.data.status).toBe("submitted");
    expect(page.data.edit).toMatchObject({ canEdit: false, reason: "已提交，等待教师批改" });
    expect((await trainee.act("traineeA", { intent: "submit", text: v1 + "再改" })).status).toBe(409);

    const id = await submissionIdOf("traineeA");
    const ret = await teach.act("instructor", id, { intent: "return", comment: "请**联系实际**展开。" });
    expect(ret.data).toEqual({ ok: true, message: "已退回修改" });
    // The trainee is told, in the same transaction, with a link back to the assignment.
    expect((await listInbox(db, users.traineeA!.id)).map((n) => [n.kind, n.link])).toEqual([["report_returned", `/courses/${SLUG}/assignments/${KEY}`]]);
    page = await trainee.load("traineeA");
    expect(page.data.status).toBe("returned");
    expect(page.data.versions[0].returnedHtml).toContain("<strong>联系实际</strong>");
    expect(page.data.edit).toMatchObject({ canEdit: true, resubmission: true });

    const v2 = `${v1}\n\n结合实际，我在班级工作中主动承担任务。`;
    expect((await trainee.act("traineeA", { intent: "submit", text: v2 })).data.message).toBe("已提交第 2 版");
    page = await trainee.load("traineeA");
    expect(page.data.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expect(page.data.versions[1].html).toContain("敬爱的党组织");
    const rows = await db.selectFrom("submission_versions").select(["version", "text_md"]).orderBy("version").execute();
    expect(rows.map((r) => r.text_md)).toEqual([v1, v2]); // every version kept as submitted

    const grade = await teach.act("instructor", id, { intent: "grade", score: "86.5", feedback: "认识深刻，**继续努力**。" });
    expect(grade.data).toEqual({ ok: true, message: "已评分：86.5 分" });
    expect((await listInbox(db, users.traineeA!.id)).map((n) => n.kind)).toEqual(["report_graded", "report_returned"]);
    page = await trainee.load("traineeA");
    expect(page.data.status).toBe("graded");
    expect(page.data.result).toMatchObject({ score: 86.5, passed: true });
    expect(page.data.result.feedbackHtml).toContain("<strong>继续努力</strong>");
    expect(page.data.edit.canEdit).toBe(false);

    await teach.act("instructor", id, { intent: "grade", score: "90", feedback: "改分" });
    expect(await listInbox(db, users.traineeA!.id)).toHaveLength(2); // a grade change of the same version tells nobody twice
    const actions = await auditActions();
    expect(actions).toEqual(expect.arrayContaining(["assignment.return", "assignment.grade", "assignment.grade_change"]));
    const change = await db.selectFrom("audit_log").select("detail").where("action", "=", "assignment.grade_change").executeTakeFirstOrThrow();
    expect(JSON.parse(change.detail!)).toMatchObject({ previousScore: 86.5, score: 90 });
  });

  it("refuses a score above the maximum and grading a returned submission", async () => {
    await trainee.act("traineeA", { intent: "submit", text: essay(2) });
    const id = await submissionIdOf("traineeA");
    const over = await teach.act("instructor", id, { intent: "grade", score: "101" });
    expect(over.data).toEqual({ ok: false, message: "分数应在 0 到 100 之间", errors: { score: "分数应在 0 到 100 之间" } });
    await teach.act("instructor", id, { intent: "return", comment: "重写" });
    const again = await teach.act("instructor", id, { intent: "grade", score: "80" });
    expect(again.status).toBe(409);
  });

  it("resubmission before the due date where the assignment allows it", async () => {
    await setAssignment({ resubmit: true });
    await trainee.act("traineeA", { intent: "submit", text: essay(3) });
    const page = await trainee.load("traineeA");
    expect(page.data.edit).toMatchObject({ canEdit: true, resubmission: true });
    expect((await trainee.act("traineeA", { intent: "submit", text: essay(4) })).data.message).toBe("已提交第 2 版");
  });

  it("an attachment can stand in for the text: no minimum length then", async () => {
    const r = await trainee.upload("traineeA", { intent: "submit", text: "见附件。" }, [{ name: "思想汇报.pdf", bytes: PDF }]);
    expect(r.data).toMatchObject({ ok: true, message: "已提交第 1 版" });
    expect((await trainee.act("traineeA", { intent: "submit", text: "" })).status).toBe(409);
  });

  it("an empty submission is refused", async () => {
    const r = await trainee.act("traineeA", { intent: "submit", text: "   " });
    expect(r.data.message).toBe("请填写正文或上传附件后再提交");
  });
});

describe("late work, cut-off and extensions", () => {
  it("after the due date a submission is late and the configured penalty applies at grading", async () => {
    await setAssignment({ due: T0 - DAY, cutoff: T0 + DAY });
    expect((await trainee.load("traineeA")).data.edit.willBeLate).toBe(true);
    expect((await trainee.act("traineeA", { intent: "submit", text: essay(5) })).data.message).toBe("已提交第 1 版（迟交）");
    expect((await trainee.load("traineeA")).data.statusLabel).toBe("迟交");
    await teach.queueAct("instructor", { intent: "settings", late_penalty: "10", threshold: "0.5" });
    const id = await submissionIdOf("traineeA");
    expect((await teach.act("instructor", id, { intent: "grade", score: "80" })).data.message).toBe("已评分：72 分（迟交扣 10%）");
    const page = await trainee.load("traineeA");
    expect(page.data.result).toMatchObject({ score: 72, rawScore: 80, penaltyPercent: 10 });
    const q = await teach.queue("instructor", "?late=1");
    expect(q.data.rows.map((r: { id: number }) => r.id)).toEqual([id]);
  });

  it("nothing is accepted after the cut-off: no draft, no upload, no submission", async () => {
    await setAssignment({ due: T0 - 3 * DAY, cutoff: T0 - DAY });
    const page = await trainee.load("traineeA");
    expect(page.data.edit).toMatchObject({ canEdit: false, reason: "已过最终截止时间，不能再提交" });
    expect((await trainee.act("traineeA", { intent: "submit", text: essay(6) })).status).toBe(409);
    expect((await trainee.act("traineeA", { intent: "autosave", text: "x", seq: "5" })).status).toBe(409);
    const up = await trainee.upload("traineeA", { intent: "save" }, [{ name: "a.pdf", bytes: PDF }]);
    expect(up.status).toBe(409);
    expect(await db.selectFrom("submission_files").selectAll().execute()).toEqual([]);
  });

  it("an extension (audited) moves the due date and cut-off for that trainee only", async () => {
    await setAssignment({ due: T0 - 3 * DAY, cutoff: T0 - DAY });
    const cst = (unix: number) => new Date((unix + 8 * 3600) * 1000).toISOString().slice(0, 16);
    const r = await teach.queueAct("instructor", {
      intent: "extension",
      username: users.traineeA!.username,
      due: cst(T0 + 2 * DAY),
      cutoff: "",
      reason: "住院",
    });
    expect(r.data.ok).toBe(true);
    const page = await trainee.load("traineeA");
    expect(page.data.deadlines.extended).toBe(true);
    expect(page.data.edit).toMatchObject({ canEdit: true, willBeLate: false });
    expect(page.data.extensionReason).toBe("住院");
    expect((await trainee.act("traineeA", { intent: "submit", text: essay(7) })).data.message).toBe("已提交第 1 版");
    expect((await trainee.load("traineeB")).data.edit.canEdit).toBe(false);
    const entry = await db.selectFrom("audit_log").selectAll().where("action", "=", "assignment.extension").executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ actor_id: users.instructor!.id, target_id: String(users.traineeA!.id) });
    expect(JSON.parse(entry.detail!)).toMatchObject({ reason: "住院" });
    expect((await teach.queueAct("instructor", { intent: "extension", username: "nobody", due: cst(T0), reason: "x" })).status).toBe(404);
    const bad = await teach.queueAct("instructor", { intent: "extension", username: users.traineeB!.username, due: "2026-02-30T25:00", reason: "x" });
    expect(bad.data).toEqual({ ok: false, message: "新的截止时间不是有效的日期", errors: { due: "新的截止时间不是有效的日期" } });
  });

  it("the grading page's extension form names the trainee by submission and returns to the page", async () => {
    await setAssignment({ due: T0 - 3 * DAY, cutoff: T0 + DAY });
    await trainee.act("traineeA", { intent: "submit", text: essay(18) });
    const id = await submissionIdOf("traineeA");
    const back = `${TEACH}/${id}?status=waiting`;
    const cst = new Date((T0 + 5 * DAY + 8 * 3600) * 1000).toISOString().slice(0, 16);
    const r = await teach.queueAct("instructor", { intent: "extension", submission: String(id), due: cst, reason: "公派出差", returnTo: back });
    expect(r.status).toBe(302);
    expect(r.location).toBe(back);
    const page = await trainee.load("traineeA");
    expect(page.data.deadlines).toMatchObject({ extended: true, dueAt: T0 + 5 * DAY - ((T0 + 5 * DAY) % 60), cutoffAt: T0 + 5 * DAY - ((T0 + 5 * DAY) % 60) });
    // A submission of another assignment (or none) cannot be used to reach a trainee.
    expect((await teach.queueAct("instructor", { intent: "extension", submission: String(id + 99), due: cst, reason: "x" })).status).toBe(404);
    const evil = await teach.queueAct("instructor", { intent: "extension", submission: String(id), due: cst, reason: "x", returnTo: "//evil.example/" });
    expect(evil.location).toBe("/grading");
  });

  it("a revision the instructor asked for keeps the on-time standing of the returned version", async () => {
    const a = await assignment();
    const due = a.due_at!;
    await submitAssignment(db, { assignment: a, userId: users.traineeA!.id, text: essay(8) }, { now: due - 100 });
    await returnSubmission(
      db,
      { assignment: a, submissionId: await submissionIdOf("traineeA"), commentMd: "补充", graderId: users.instructor!.id },
      { now: due - 50 },
    );
    const r = await submitAssignment(db, { assignment: a, userId: users.traineeA!.id, text: essay(9) }, { now: due + 3600 });
    expect(r).toMatchObject({ version: 2, late: false });
    // …while a first submission after the due date is late.
    const late = await submitAssignment(db, { assignment: a, userId: users.traineeB!.id, text: essay(10) }, { now: due + 3600 });
    expect(late.late).toBe(true);
  });
});

describe("attachments and versions", () => {
  it("uploads go into the draft, travel with the submitted version and into the next draft", async () => {
    const up = await trainee.upload("traineeA", { intent: "save", text: "草稿" }, [{ name: "../../汇报.pdf", bytes: PDF }]);
    expect(up.data).toMatchObject({ ok: true, message: "草稿已保存，已上传 1 个附件" });
    let page = await trainee.load("traineeA");
    expect(page.data.draftFiles).toEqual([expect.objectContaining({ name: "汇报.pdf", type: "pdf", size: PDF.length })]);
    expect(page.data.draftFiles[0]).not.toHaveProperty("sha256");
    await trainee.act("traineeA", { intent: "submit", text: essay(11) });
    page = await trainee.load("traineeA");
    expect(page.data.versions[0].files).toHaveLength(1);
    expect(page.data.draftFiles).toHaveLength(1); // carried into the next draft
    expect(page.data.draftFiles[0].id).not.toBe(page.data.versions[0].files[0].id);
  });

  it("a spoofed file is refused with the reason and nothing is recorded", async () => {
    const html = new TextEncoder().encode("<html><script>alert(1)</script></html>");
    const r = await trainee.upload("traineeA", { intent: "save", text: "x" }, [{ name: "report.pdf", bytes: html }]);
    expect(r.status).toBe(400);
    expect(r.data.message).toContain("类型不在允许范围内");
    expect(r.data.errors).toEqual({ files: r.data.message });
    expect(await db.selectFrom("submission_files").selectAll().execute()).toEqual([]);
  });

  it("removes a draft attachment", async () => {
    await trainee.upload("traineeA", { intent: "save" }, [{ name: "a.pdf", bytes: PDF }]);
    const [file] = (await trainee.load("traineeA")).data.draftFiles;
    expect((await trainee.act("traineeA", { intent: `remove:${file.id}` })).data.message).toBe("附件已删除");
    expect((await trainee.load("traineeA")).data.draftFiles).toEqual([]);
  });
});

describe("authorization", () => {
  async function submittedFile() {
    await trainee.upload("traineeA", { intent: "submit", text: essay(12) }, [{ name: "汇报.pdf", bytes: PDF }]);
    return (await trainee.load("traineeA")).data.versions[0].files[0].id as number;
  }

  it("files go to the author, the course's instructors and admins; anyone else gets 404", async () => {
    const id = await submittedFile();
    const own = await fetchFile("traineeA", id);
    expect(own.status).toBe(200);
    expect(own.headers.get("Content-Disposition")).toBe(`attachment; filename="??.pdf"; filename*=UTF-8''${encodeURIComponent("汇报.pdf")}`);
    expect(own.headers.get("Content-Type")).toBe("application/pdf");
    expect((await fetchFile("instructor", id)).status).toBe(200);
    expect((await fetchFile("admin", id)).status).toBe(200);
    expect((await fetchFile("traineeB", id)).status).toBe(404);
    expect((await fetchFile("otherInstructor", id)).status).toBe(404);
    expect((await fetchFile("traineeB", 99999)).status).toBe(404);
  });

  it("inline viewing adds a sandbox CSP instead of the attachment disposition (nosniff is central: see the e2e test)", async () => {
    const id = await submittedFile();
    const r = await fetchFile("instructor", id, "?inline=1");
    expect(r.headers.get("Content-Security-Policy")).toBe("sandbox");
    expect(r.headers.get("Content-Disposition")).toMatch(/^inline;/);
  });

  it("a draft attachment is the author's alone until submitted", async () => {
    await trainee.upload("traineeA", { intent: "save" }, [{ name: "a.pdf", bytes: PDF }]);
    const [file] = (await trainee.load("traineeA")).data.draftFiles;
    expect((await fetchFile("traineeA", file.id)).status).toBe(200);
    expect((await fetchFile("instructor", file.id)).status).toBe(404);
  });

  it("trainees cannot reach grading pages or grade (403); other instructors get 403; foreign ids 404", async () => {
    await trainee.act("traineeA", { intent: "submit", text: essay(13) });
    const id = await submissionIdOf("traineeA");
    expect((await teach.open("traineeB", id)).status).toBe(403);
    expect((await teach.act("traineeA", id, { intent: "grade", score: "100" })).status).toBe(403);
    expect((await teach.queue("traineeA")).status).toBe(403);
    expect((await teach.open("otherInstructor", id)).status).toBe(403);
    expect((await teach.act("otherInstructor", id, { intent: "grade", score: "100" })).status).toBe(403);
    expect((await teach.open("instructor", id + 1000)).status).toBe(404);
    expect((await teach.open("admin", id)).status).toBe(200);
    const download = await outcome(
      downloadRoute.loader({
        request: makeRequest(`${TEACH}/download.zip`, { cookie: users.traineeA!.cookie }),
        context: ctx,
        params: { slug: SLUG, key: KEY },
      }),
    );
    expect(download.status).toBe(403);
    const s = await db.selectFrom("submissions").select("score").where("id", "=", id).executeTakeFirstOrThrow();
    expect(s.score).toBeNull();
  });

  it("a trainee only ever sees their own submission on the assignment page", async () => {
    await trainee.act("traineeA", { intent: "submit", text: essay(14) });
    const b = await trainee.load("traineeB");
    expect(b.data.status).toBe("none");
    expect(b.data.versions).toEqual([]);
  });

  it("a trainee of another stage gets 403 with the reason; an unknown assignment is 404", async () => {
    const r = await trainee.load("candidate");
    expect(r.status).toBe(403);
    expect(r.data).toContain("面向入党积极分子");
    const missing = await outcome(
      traineePage.loader({
        request: makeRequest(`/courses/${SLUG}/assignments/nope`, { cookie: users.traineeA!.cookie }),
        context: ctx,
        params: { slug: SLUG, key: "nope" },
      }),
    );
    expect(missing.status).toBe(404);
  });
});

describe("blind grading", () => {
  it("hides names until release, and the trainee sees the score only after release", async () => {
    await teach.queueAct("instructor", { intent: "settings", blind: "on", late_penalty: "0", threshold: "0.5" });
    await trainee.act("traineeA", { intent: "submit", text: essay(15) });
    const id = await submissionIdOf("traineeA");
    let q = await teach.queue("instructor");
    expect(q.data.hide).toBe(true);
    expect(q.data.rows[0]).toMatchObject({ who: `匿名-${String(id).padStart(4, "0")}`, username: "", unit: "" });
    expect(JSON.stringify(q.data)).not.toContain("甲学员");
    const open = await teach.open("instructor", id);
    expect(JSON.stringify(open.data)).not.toContain(users.traineeA!.username);
    await teach.act("instructor", id, { intent: "grade", score: "73.5", feedback: "好" });
    let page = await trainee.load("traineeA");
    expect(page.data.result).toBeNull();
    expect(page.data.awaitingRelease).toBe(true);
    expect(JSON.stringify(page.data)).not.toContain("73.5");
    // A blind grade is announced at its release, not before.
    expect(await listInbox(db, users.traineeA!.id)).toEqual([]);
    await teach.queueAct("instructor", { intent: "release" });
    expect((await listInbox(db, users.traineeA!.id)).map((n) => n.kind)).toEqual(["report_graded"]);
    page = await trainee.load("traineeA");
    expect(page.data.result.score).toBe(73.5);
    q = await teach.queue("instructor");
    expect(q.data.rows[0].who).toBe("甲学员");
    expect(await auditActions()).toEqual(expect.arrayContaining(["assignment.settings", "assignment.release"]));
  });
});

describe("queue, navigation and overview", () => {
  it("filters by status and branch, and walks next/previous in the filtered order", async () => {
    await trainee.act("traineeA", { intent: "submit", text: essay(16) });
    await trainee.act("traineeB", { intent: "submit", text: essay(17) });
    const [a, b] = [await submissionIdOf("traineeA"), await submissionIdOf("traineeB")];
    let q = await teach.queue("instructor", "?status=waiting");
    expect(q.data.rows.map((r: { id: number }) => r.id)).toEqual([a, b]);
    const unitB = q.data.units.find((u: { name: string }) => u.name === "乙学院第一党支部").id;
    q = await teach.queue("instructor", `?unit=${unitB}`);
    expect(q.data.rows.map((r: { who: string }) => r.who)).toEqual(["乙学员"]);
    const first = await teach.open("instructor", a, "?status=waiting");
    expect(first.data).toMatchObject({ prev: null, next: b, position: { at: 1, of: 2 } });
    await teach.act("instructor", a, { intent: "grade", score: "88" });
    q = await teach.queue("instructor", "?status=graded");
    expect(q.data.rows.map((r: { id: number }) => r.id)).toEqual([a]);
    const overview = await outcome(gradingIndex.loader({ request: makeRequest("/grading", { cookie: users.instructor!.cookie }), context: ctx, params: {} }));
    expect(overview.data.assignments).toEqual([expect.objectContaining({ key: KEY, waiting: 1, graded: 1, returned: 0 })]);
    const other = await outcome(gradingIndex.loader({ request: makeRequest("/grading", { cookie: users.otherInstructor!.cookie }), context: ctx, params: {} }));
    expect(other.data.assignments).toEqual([]);
    expect(
      (await outcome(gradingIndex.loader({ request: makeRequest("/grading", { cookie: users.traineeA!.cookie }), context: ctx, params: {} }))).status,
    ).toBe(403);
  });
});

describe("class filter", () => {
  it("lists the classes that include the course and filters the queue to one class's members", async () => {
    await trainee.act("traineeA", { intent: "submit", text: essay(21) });
    await trainee.act("traineeB", { intent: "submit", text: essay(22) });
    const course = await db.selectFrom("courses").select("id").executeTakeFirstOrThrow();
    const { id: classId } = await db
      .insertInto("training_classes")
      .values({
        name: "2026年秋季第12期入党积极分子培训班",
        kind: "activist",
        term: 12,
        host_unit_id: 1,
        start_date: "2026-09-01",
        end_date: "2026-12-31",
        rules: "{}",
        final_exam_id: null,
        number_format: "{school}-{year}-{term}-{seq}",
        completed_at: null,
        completed_by: null,
        created_by: null,
        created_at: T0,
        updated_at: T0,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db.insertInto("class_courses").values({ class_id: classId, course_id: course.id, required: 1, position: 1 }).execute();
    await db
      .insertInto("class_members")
      .values({ class_id: classId, user_id: users.traineeB!.id, source: "pick", added_by: null, added_at: T0, usual_score: null, usual_by: null })
      .execute();
    const q = await teach.queue("instructor", `?class=${classId}`);
    expect(q.data.classes).toEqual([{ id: classId, name: "2026年秋季第12期入党积极分子培训班" }]);
    expect(q.data.rows.map((r: { who: string }) => r.who)).toEqual(["乙学员"]);
    expect((await teach.queue("instructor")).data.rows).toHaveLength(2);
  });
});

describe("similarity flags", () => {
  it("flags a copied submission, shows the score in the queue and the passages side by side", async () => {
    const original = essay(20, 2400);
    await trainee.act("traineeA", { intent: "submit", text: original });
    await trainee.act("traineeB", { intent: "submit", text: lightlyEdit(rng(3), original, 0.1) });
    await saveDraft(db, { assignment: await assignment(), userId: users.candidate!.id, text: "未提交的草稿不参与比对" });
    const [a, b] = [await submissionIdOf("traineeA"), await submissionIdOf("traineeB")];
    const q = await teach.queue("instructor");
    const sim = Object.fromEntries(q.data.rows.map((r: { id: number; similarity: number }) => [r.id, r.similarity]));
    expect(sim[a]).toBeGreaterThan(0.8);
    expect(sim[b]).toBe(sim[a]);
    const open = await teach.open("instructor", b);
    expect(open.data.flags).toHaveLength(1);
    expect(open.data.flags[0]).toMatchObject({ otherSubmissionId: a, other: expect.stringContaining("甲学员") });
    const cmp = await teach.open("instructor", b, `?compare=${open.data.flags[0].id}`);
    expect(cmp.data.compare.passages).toBeGreaterThan(0);
    expect(cmp.data.compare.mine.some((s: { mark: number | null }) => s.mark)).toBe(true);
    expect(cmp.data.compare.theirs.map((s: { text: string }) => s.text).join("")).toBe(original);
    // A flag between A and B cannot be opened through a third trainee's submission.
    const t = await db.selectFrom("org_units").select("id").where("name", "=", "甲学院第一党支部").executeTakeFirstOrThrow();
    users.traineeC = await createTestUser(db, { orgUnitId: t.id, name: "丙学员", stage: "activist" });
    await trainee.act("traineeC", { intent: "submit", text: essay(21) });
    const c = await teach.open("instructor", await submissionIdOf("traineeC"), `?compare=${open.data.flags[0].id}`);
    expect(c.data.compare).toBeUndefined();
    expect(c.data.flags).toEqual([]);
  });

  it("does not flag unrelated essays, and a threshold change re-checks every pair", async () => {
    await trainee.act("traineeA", { intent: "submit", text: essay(30, 2000) });
    await trainee.act("traineeB", { intent: "submit", text: essay(31, 2000) });
    expect(await db.selectFrom("similarity_flags").selectAll().execute()).toEqual([]);
    await teach.queueAct("instructor", { intent: "settings", late_penalty: "0", threshold: "0.1" });
    expect((await db.selectFrom("similarity_flags").selectAll().execute()).length).toBe(1);
    await teach.queueAct("instructor", { intent: "settings", late_penalty: "0", threshold: "0.5" });
    expect(await db.selectFrom("similarity_flags").selectAll().execute()).toEqual([]);
  });
});

describe("bulk download", () => {
  it("zips every submission under 支部/学号-姓名/ with safe names, and audits the export", async () => {
    await trainee.upload("traineeA", { intent: "submit", text: essay(40) }, [{ name: "..\\..\\思想汇报.pdf", bytes: PDF }]);
    await db.updateTable("users").set({ name: "乙/../学员" }).where("id", "=", users.traineeB!.id).execute();
    await trainee.act("traineeB", { intent: "submit", text: essay(41) });
    const res = await downloadRoute.loader({
      request: makeRequest(`${TEACH}/download.zip`, { cookie: users.instructor!.cookie }),
      context: ctx,
      params: { slug: SLUG, key: KEY },
    });
    expect(res.headers.get("Content-Type")).toBe("application/zip");
    expect(res.headers.get("Content-Disposition")).toMatch(/^attachment; filename="[^"]*"; filename\*=UTF-8''/);
    const zip = unzipSync(new Uint8Array(await res.arrayBuffer()));
    const names = Object.keys(zip).sort();
    const a = `甲学院第一党支部/${users.traineeA!.username}-甲学员`;
    expect(names).toEqual(expect.arrayContaining([`${a}/v1-正文.md`, `${a}/思想汇报.pdf`]));
    expect(strFromU8(zip[`${a}/v1-正文.md`]!)).toBe(essay(40));
    expect(zip[`${a}/思想汇报.pdf`]).toEqual(PDF);
    for (const n of names) expect(n.split("/")).not.toContain("..");
    expect(names.some((n) => n.startsWith("乙学院第一党支部/") && n.includes("学员"))).toBe(true);
    const entry = await db.selectFrom("audit_log").selectAll().where("action", "=", "assignment.export").executeTakeFirstOrThrow();
    expect(JSON.parse(entry.detail!)).toMatchObject({ submissions: 2, anonymous: false });
  });
});
