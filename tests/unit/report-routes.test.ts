// The 思想汇报 pages through their real loaders and actions: refusals in the shared form shape (a message
// and the field at fault), the JSON autosave (sequence numbers: an older save never overwrites a newer
// one, nor an explicit 保存), and 考察意见 with attachments checked by content, shown to the trainee and the
// secretary, never removable by the trainee, and refused for anyone who may not read the report.
import { beforeEach, describe, expect, it } from "vitest";
import { assignLiaison } from "../../app/models/branch-liaisons.server.ts";
import { createReport, getReportForViewer, saveReportDraft, submitReport } from "../../app/models/branch-reports.server.ts";
import { getUserWithRoles } from "../../app/models/users.server.ts";
import * as branchReports from "../../app/routes/branch.reports.tsx";
import * as draftRoute from "../../app/routes/my.reports.$id.draft.tsx";
import * as myReport from "../../app/routes/my.reports.$id.tsx";
import * as myReports from "../../app/routes/my.reports._index.tsx";
import * as readReport from "../../app/routes/reports.$id.tsx";
import * as reportFile from "../../app/routes/report-files.$id.tsx";
import { cstToday } from "../../app/utils/cst.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, testContext } from "../setup/db.ts";

const TEXT = "我认真学习了党章，".repeat(30);
const PDF = new TextEncoder().encode("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
type U = Awaited<ReturnType<typeof createTestUser>>;

let db: DB;
let ctx: ReturnType<typeof testContext>;
let trainee: U, liaison: U, sec: U, otherSec: U;
let reportId: number;

function multipart(path: string, cookie: string, fields: Record<string, string>, files: { name: string; bytes: Uint8Array }[] = []) {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  for (const f of files) body.append("files", new File([f.bytes as Uint8Array<ArrayBuffer>], f.name));
  return new Request(`http://localhost${path}`, { method: "POST", body, headers: { Cookie: cookie, Origin: "http://localhost" } });
}
const draft = (who: U, id: number, body: unknown) =>
  outcome(
    draftRoute.action({
      request: new Request(`http://localhost/my/reports/${id}/draft`, {
        method: "POST",
        body: JSON.stringify(body),
        headers: { Cookie: who.cookie, Origin: "http://localhost", "Content-Type": "application/json" },
      }),
      context: ctx,
      params: { id: String(id) },
    }),
  );
const review = (who: U, fields: Record<string, string>, files: { name: string; bytes: Uint8Array }[] = []) =>
  outcome(readReport.action({ request: multipart(`/reports/${reportId}`, who.cookie, fields, files), context: ctx, params: { id: String(reportId) } }));
const readAs = (who: U) =>
  outcome(readReport.loader({ request: makeRequest(`/reports/${reportId}`, { cookie: who.cookie }), context: ctx, params: { id: String(reportId) } }));

beforeEach(async () => {
  db = await createTestDb();
  ctx = testContext(db);
  const t = await createTestTree(db);
  sec = await createTestUser(db, { orgUnitId: t.branchA, roles: ["secretary"], stage: "full" });
  otherSec = await createTestUser(db, { orgUnitId: t.branchB, roles: ["secretary"], stage: "full" });
  trainee = await createTestUser(db, { orgUnitId: t.branchA, stage: "activist" });
  liaison = await createTestUser(db, { orgUnitId: t.branchA, stage: "full" });
  await assignLiaison(db, { traineeId: trainee.id, liaisonUsername: liaison.username, startOn: "2026-01-05" }, (await getUserWithRoles(db, sec.id))!);
  reportId = await createReport(db, trainee.id);
});

describe("autosave of a 思想汇报 draft", () => {
  it("applies a newer save, ignores an older one, and an explicit 保存 outranks every autosave sent before it", async () => {
    expect((await draft(trainee, reportId, { title: "标题", text: "第一稿", seq: 2 })).data).toMatchObject({ ok: true, applied: true, seq: 2 });
    expect((await draft(trainee, reportId, { title: "标题", text: "更早的", seq: 1 })).data).toMatchObject({ ok: true, applied: false, seq: 2 });
    const me = (await getUserWithRoles(db, trainee.id))!;
    expect((await getReportForViewer(db, reportId, me))?.report.draft_md).toBe("第一稿");
    const saved = await outcome(
      myReport.action({
        request: multipart(`/my/reports/${reportId}`, trainee.cookie, { intent: "save", title: "标题", text: "按钮保存", seq: "3" }),
        context: ctx,
        params: { id: String(reportId) },
      }),
    );
    expect(saved.data).toEqual({ ok: true, message: "草稿已保存" });
    expect((await draft(trainee, reportId, { title: "标题", text: "在途的旧自动保存", seq: 3 })).data).toMatchObject({ applied: false, seq: 3 });
    expect((await getReportForViewer(db, reportId, me))?.report.draft_md).toBe("按钮保存");
  });

  it("refuses bad bodies, someone else's report and a submitted one, changing nothing", async () => {
    expect(await draft(trainee, reportId, { title: "x", text: "y" })).toMatchObject({ status: 400, data: { ok: false } });
    expect(await draft(trainee, reportId, { title: "x", text: "y".repeat(100_001), seq: 1 })).toMatchObject({ status: 400 });
    expect(await draft(trainee, reportId, "not an object")).toMatchObject({ status: 400 });
    const other = await createTestUser(db, { orgUnitId: (await getUserWithRoles(db, trainee.id))!.org_unit_id, stage: "activist" });
    expect(await draft(other, reportId, { title: "x", text: "偷改", seq: 9 })).toMatchObject({ status: 404, data: { message: "思想汇报不存在" } });
    expect(await draft(sec, reportId, { title: "x", text: "偷改", seq: 9 })).toMatchObject({ status: 403 });
    await saveReportDraft(db, { reportId, userId: trainee.id, title: "思想汇报", text: TEXT });
    await submitReport(db, { reportId, userId: trainee.id });
    expect(await draft(trainee, reportId, { title: "x", text: "改", seq: 99 })).toMatchObject({ status: 409 });
    const me = (await getUserWithRoles(db, trainee.id))!;
    expect((await getReportForViewer(db, reportId, me))?.report.text_md).toBe(TEXT);
  });
});

describe("refusals in the shared form shape", () => {
  it("a short 思想汇报 is refused at its text field; an unknown intent and a bad file say so", async () => {
    const act = (fields: Record<string, string>, files: { name: string; bytes: Uint8Array }[] = []) =>
      outcome(
        myReport.action({ request: multipart(`/my/reports/${reportId}`, trainee.cookie, fields, files), context: ctx, params: { id: String(reportId) } }),
      );
    expect(await act({ intent: "submit", title: "思想汇报", text: "太短" })).toMatchObject({
      status: 400,
      data: { ok: false, message: "思想汇报正文至少 200 字，现有 2 字", errors: { text: "思想汇报正文至少 200 字，现有 2 字" } },
    });
    expect(await act({ intent: "drop-table", text: "x" })).toMatchObject({ status: 400, data: { ok: false, errors: { intent: "未知操作" } } });
    const bad = await act({ intent: "save", title: "t", text: "x" }, [{ name: "汇报.pdf", bytes: new TextEncoder().encode("<script>alert(1)</script>") }]);
    expect(bad.status).toBe(400);
    expect(bad.data.message).toContain("汇报.pdf");
    expect(bad.data).toMatchObject({ ok: false, errors: { files: bad.data.message } });
    const list = await outcome(
      myReports.action({ request: makeRequest("/my/reports", { cookie: trainee.cookie, form: { intent: "x" } }), context: ctx, params: {} }),
    );
    expect(list).toMatchObject({ status: 400, data: { ok: false, message: "未知操作", errors: {} } });
  });

  it("the rhythm form names the stage and the field at fault", async () => {
    const unitId = String((await getUserWithRoles(db, sec.id))!.org_unit_id);
    const r = await outcome(
      branchReports.action({
        request: makeRequest("/branch/reports", { cookie: sec.cookie, form: { unitId, stage: "activist", periodMonths: "2", minCount: "1" } }),
        context: ctx,
        params: {},
      }),
    );
    expect(r).toMatchObject({
      status: 400,
      data: { ok: false, message: "入党积极分子：周期须为每月、每季度、每半年或每年", errors: { periodMonths: "周期须为每月、每季度、每半年或每年" } },
    });
    const n = await outcome(
      branchReports.action({
        request: makeRequest("/branch/reports", { cookie: sec.cookie, form: { unitId, stage: "activist", periodMonths: "3", minCount: "abc" } }),
        context: ctx,
        params: {},
      }),
    );
    expect(n).toMatchObject({ status: 400, data: { ok: false, errors: { minCount: "篇数须为整数" } } });
  });
});

describe("考察意见 with attachments", () => {
  beforeEach(async () => {
    await saveReportDraft(db, { reportId, userId: trainee.id, title: "思想汇报", text: TEXT });
    await submitReport(db, { reportId, userId: trainee.id });
  });

  it("the 培养联系人 attaches a PDF; the trainee and the secretary see and download it; others get 404", async () => {
    const r = await review(liaison, { intent: "opinion", body: "思想认识有提高。", reviewedOn: cstToday() }, [{ name: "谈话记录.pdf", bytes: PDF }]);
    expect(r.data).toEqual({ ok: true, message: "考察意见已保存" });
    const seen = await readAs(sec);
    const files = seen.data.reviews[0].files as { id: number; name: string }[];
    expect(files.map((f) => f.name)).toEqual(["谈话记录.pdf"]);
    expect(seen.data.files).toEqual([]); // not among the trainee's own attachments
    const own = await outcome(
      myReport.loader({ request: makeRequest(`/my/reports/${reportId}`, { cookie: trainee.cookie }), context: ctx, params: { id: String(reportId) } }),
    );
    expect(own.data.reviews[0].files.map((f: { name: string }) => f.name)).toEqual(["谈话记录.pdf"]);
    const get = (who: U) =>
      outcome(
        reportFile.loader({
          request: makeRequest(`/report-files/${files[0]!.id}`, { cookie: who.cookie }),
          context: ctx,
          params: { id: String(files[0]!.id) },
        }),
      );
    for (const who of [trainee, sec, liaison]) {
      const res = await get(who);
      expect(res.status).toBe(200);
      expect(res.headers.get("Content-Disposition")).toMatch(/^attachment/);
    }
    expect((await get(otherSec)).status).toBe(404);
  });

  it("a file that is not what it says, or too many, is refused with nothing written; the trainee cannot remove a reviewer's file", async () => {
    const fake = await review(sec, { intent: "opinion", body: "好", reviewedOn: cstToday() }, [
      { name: "意见.pdf", bytes: new TextEncoder().encode("MZ\x90\x00 not a pdf") },
    ]);
    expect(fake.status).toBe(400);
    expect(fake.data.message).toContain("意见.pdf");
    expect(fake.data).toMatchObject({ ok: false, errors: { files: fake.data.message } });
    const many = await review(
      sec,
      { intent: "opinion", body: "好", reviewedOn: cstToday() },
      Array.from({ length: 6 }, (_, i) => ({ name: `${i}.pdf`, bytes: PDF })),
    );
    expect(many).toMatchObject({ status: 400, data: { ok: false, errors: { files: "附件最多 5 个" } } });
    const empty = await review(sec, { intent: "opinion", body: "  ", reviewedOn: cstToday() });
    expect(empty).toMatchObject({ status: 400, data: { errors: { body: "请填写考察意见" } } });
    const future = await review(sec, { intent: "opinion", body: "好", reviewedOn: "2999-01-01" });
    expect(future.data.errors.reviewedOn).toMatch(/不能晚于今天/);
    expect(await db.selectFrom("thought_report_reviews").selectAll().execute()).toEqual([]);
    expect(await db.selectFrom("thought_report_files").selectAll().execute()).toEqual([]);

    await review(sec, { intent: "return", body: "请结合实际修改", reviewedOn: cstToday() }, [{ name: "修改意见.pdf", bytes: PDF }]);
    const fileId = (await db.selectFrom("thought_report_files").select("id").executeTakeFirstOrThrow()).id;
    await outcome(
      myReport.action({
        request: multipart(`/my/reports/${reportId}`, trainee.cookie, { intent: `remove:${fileId}`, title: "思想汇报", text: TEXT }),
        context: ctx,
        params: { id: String(reportId) },
      }),
    );
    expect(await db.selectFrom("thought_report_files").select("id").execute()).toEqual([{ id: fileId }]);
    expect((await review(otherSec, { intent: "opinion", body: "x", reviewedOn: cstToday() })).status).toBe(404);
  });
});
