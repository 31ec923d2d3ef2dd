import { beforeEach, describe, expect, it } from "vitest";
import { assignLiaison } from "../../app/models/branch-liaisons.server.ts";
import {
  createReport,
  getReportForViewer,
  listOverdue,
  listReportsToRead,
  myReportStanding,
  reviewReport,
  saveReportDraft,
  setRhythm,
  submitReport,
} from "../../app/models/branch-reports.server.ts";
import { recordStageEvent } from "../../app/models/branch-stages.server.ts";
import { getUserWithRoles } from "../../app/models/users.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { cstToday } from "../../app/utils/cst.ts";
import { countInPeriod, periodOf, previousPeriod, standing } from "../../app/utils/report-rhythm.ts";
import { createTestDb, createTestTree, createTestUser } from "../setup/db.ts";

const at = (iso: string) => Date.parse(iso) / 1000;
const TEXT = "我认真学习了党章，".repeat(30);

describe("思想汇报 rhythm in China Standard Time", () => {
  it("a report handed in at 23:59 Beijing time on a quarter's last day counts for that quarter, 00:00 for the next", () => {
    const lastMinute = at("2026-09-30T23:59:00+08:00");
    expect(periodOf(lastMinute, 3)).toEqual({ start: "2026-07-01", end: "2026-09-30", label: "2026年第3季度" });
    expect(periodOf(at("2026-10-01T00:00:00+08:00"), 3).label).toBe("2026年第4季度");
    // In UTC that minute is still 15:59 on 30 September, and 16:00 UTC is already 1 October in Beijing.
    expect(periodOf(at("2026-09-30T16:00:00Z"), 3).label).toBe("2026年第4季度");
    const q3 = periodOf(lastMinute, 3);
    expect(countInPeriod([{ submittedAt: lastMinute, status: "submitted" }], q3)).toBe(1);
    expect(countInPeriod([{ submittedAt: lastMinute + 60, status: "submitted" }], q3)).toBe(0);
    expect(countInPeriod([{ submittedAt: lastMinute, status: "returned" }], q3)).toBe(0);
  });

  it("names months, half-years and years, and steps back over a year's end", () => {
    expect(previousPeriod("2026-01-15", 3)).toEqual({ start: "2025-10-01", end: "2025-12-31", label: "2025年第4季度" });
    expect(previousPeriod("2026-03-01", 1)).toMatchObject({ start: "2026-02-01", end: "2026-02-28" });
    expect(periodOf(at("2026-07-01T00:00:00+08:00"), 6).label).toBe("2026年下半年");
    expect(periodOf(at("2026-07-01T00:00:00+08:00"), 12)).toMatchObject({ start: "2026-01-01", end: "2026-12-31" });
  });

  it("the last full period is overdue when short, unless the stage began inside it; the current one never is", () => {
    const rhythm = { periodMonths: 3 as const, minCount: 1 };
    const q3 = [{ submittedAt: at("2026-09-30T23:59:00+08:00"), status: "reviewed" as const }];
    expect(standing(q3, rhythm, "2026-10-01", null)!.last.overdue).toBe(false);
    expect(standing([], rhythm, "2026-10-01", null)!.last.overdue).toBe(true);
    expect(standing([], rhythm, "2026-10-01", "2026-08-15")!.last.overdue).toBe(false);
    expect(standing([], rhythm, "2026-12-31", null)!.current).toMatchObject({ count: 0, overdue: false });
    expect(standing([], { periodMonths: 0, minCount: 0 }, "2026-10-01", null)).toBeNull();
  });
});

describe("思想汇报 the branch reads", () => {
  let db: DB;
  let t: Awaited<ReturnType<typeof createTestTree>>;
  beforeEach(async () => {
    db = await createTestDb();
    t = await createTestTree(db);
  });
  const viewer = async (id: number) => (await getUserWithRoles(db, id))!;

  it("draft → submit → 考察意见 by the 培养联系人; return → revise → submit; only the right people see it", async () => {
    const sec = await viewer((await createTestUser(db, { orgUnitId: t.branchA, roles: ["secretary"], stage: "full" })).id);
    const trainee = await createTestUser(db, { orgUnitId: t.branchA, stage: "activist" });
    const member = await createTestUser(db, { orgUnitId: t.branchA, stage: "full" });
    const otherMember = await createTestUser(db, { orgUnitId: t.branchA, stage: "full" });
    const otherSec = await viewer((await createTestUser(db, { orgUnitId: t.branchB, roles: ["secretary"], stage: "full" })).id);
    await assignLiaison(db, { traineeId: trainee.id, liaisonUsername: member.username, startOn: "2026-01-05" }, sec);
    await assignLiaison(
      db,
      { traineeId: (await createTestUser(db, { orgUnitId: t.branchA, stage: "activist" })).id, liaisonUsername: otherMember.username, startOn: "2026-01-05" },
      sec,
    );
    const liaison = await viewer(member.id);
    const stranger = await viewer(otherMember.id);

    const id = await createReport(db, trainee.id);
    await saveReportDraft(db, { reportId: id, userId: trainee.id, title: "第四季度思想汇报", text: "太短" });
    expect(await getReportForViewer(db, id, liaison)).toBeNull(); // a draft is the trainee's own
    await expect(submitReport(db, { reportId: id, userId: trainee.id })).rejects.toThrow("至少 200 字");
    await saveReportDraft(db, { reportId: id, userId: trainee.id, title: "第四季度思想汇报", text: TEXT });
    await submitReport(db, { reportId: id, userId: trainee.id });
    await expect(saveReportDraft(db, { reportId: id, userId: trainee.id, title: "x", text: "改" })).rejects.toThrow("不能修改");

    expect((await listReportsToRead(db, liaison)).map((r) => r.id)).toEqual([id]);
    expect(await listReportsToRead(db, stranger)).toEqual([]);
    expect(await getReportForViewer(db, id, stranger)).toBeNull();
    expect(await getReportForViewer(db, id, otherSec)).toBeNull();
    expect((await getReportForViewer(db, id, sec))?.access).toBe("governs");
    await expect(reviewReport(db, { reportId: id, kind: "opinion", body: "好", reviewedOn: "2026-01-01" }, stranger)).rejects.toThrow("不存在");

    await db.updateTable("users").set({ email: "trainee@example.edu.cn" }).where("id", "=", trainee.id).execute();
    await reviewReport(db, { reportId: id, kind: "return", body: "请结合本人实际", reviewedOn: cstToday() }, liaison, { email: true });
    const back = await getReportForViewer(db, id, await viewer(trainee.id));
    expect(back?.report.status).toBe("returned");
    expect(back?.report.draft_md).toBe(TEXT);
    await saveReportDraft(db, { reportId: id, userId: trainee.id, title: "第四季度思想汇报（修改）", text: TEXT + "结合实际。" });
    await submitReport(db, { reportId: id, userId: trainee.id });
    await reviewReport(db, { reportId: id, kind: "opinion", body: "思想认识有提高。", reviewedOn: cstToday() }, sec);
    const done = await getReportForViewer(db, id, liaison);
    expect(done?.report.status).toBe("reviewed");
    expect(done?.reviews.map((r) => r.kind)).toEqual(["return", "opinion"]);
    const actions = await db.selectFrom("audit_log").select("action").where("action", "like", "report.%").orderBy("id").execute();
    expect(actions.map((a) => a.action)).toEqual(["report.submit", "report.return", "report.submit", "report.opinion"]);
    // The trainee hears of both in the inbox; the return was also queued as e-mail (e-mail configured
    // for that call only), the opinion not (written without e-mail configured).
    const inbox = await db.selectFrom("notifications").select(["id", "kind", "title", "link"]).where("user_id", "=", trainee.id).orderBy("id").execute();
    expect(inbox.map((n) => [n.kind, n.link])).toEqual([
      ["thought_report_returned", `/my/reports/${id}`],
      ["thought_report_opinion", `/my/reports/${id}`],
    ]);
    expect(inbox[1]!.title).toBe("思想汇报“第四季度思想汇报（修改）”有新的考察意见");
    const mail = await db.selectFrom("outbox").select("notification_id").execute();
    expect(mail.map((m) => m.notification_id)).toEqual([inbox[0]!.id]);
  });

  it("overdue uses the nearest unit's rhythm; secretaries set it only inside their subtree", async () => {
    const sec = await viewer((await createTestUser(db, { orgUnitId: t.subA, roles: ["secretary"], stage: "full" })).id);
    const a = await createTestUser(db, { orgUnitId: t.branchA, stage: "activist" });
    const p = await createTestUser(db, { orgUnitId: t.branchA, stage: "probationary" });
    const today = "2026-10-10";
    // Accounts made inside the last quarter owe nothing for it; these two date from January.
    expect(await listOverdue(db, `/${t.root}/`, "2026-12-31")).toEqual([]);
    const early = at("2026-01-05T09:00:00+08:00");
    await db.updateTable("users").set({ created_at: early }).execute();
    expect((await listOverdue(db, `/${t.root}/`, today)).map((o) => o.id).sort()).toEqual([a.id, p.id].sort());
    await setRhythm(db, { orgUnitId: t.branchA, stage: "activist", periodMonths: 0, minCount: 0 }, sec);
    expect((await listOverdue(db, `/${t.root}/`, today)).map((o) => o.id)).toEqual([p.id]);
    await expect(setRhythm(db, { orgUnitId: t.branchB, stage: "activist", periodMonths: 3, minCount: 1 }, sec)).rejects.toThrow("不在您管理的范围内");
    await expect(setRhythm(db, { orgUnitId: t.branchA, stage: "activist", periodMonths: 2, minCount: 1 }, sec)).rejects.toThrow("周期须为");
    // A report at 23:59 on 30 September counts for the third quarter.
    const id = await createReport(db, p.id);
    await saveReportDraft(db, { reportId: id, userId: p.id, title: "思想汇报", text: TEXT });
    await submitReport(db, { reportId: id, userId: p.id }, { now: at("2026-09-30T23:59:00+08:00") });
    expect(await listOverdue(db, `/${t.root}/`, today)).toEqual([]);
    expect((await myReportStanding(db, p.id, today))?.last).toMatchObject({ count: 1, overdue: false });
    // Entering the stage inside the last quarter owes nothing for it.
    const admin = await viewer((await createTestUser(db, { orgUnitId: t.root, roles: ["admin"], stage: "full" })).id);
    const fresh = await createTestUser(db, { orgUnitId: t.branchB, stage: "applicant" });
    await db.updateTable("users").set({ created_at: early }).where("id", "=", fresh.id).execute();
    await recordStageEvent(db, { userId: fresh.id, stage: "activist", decidedOn: "2026-08-01" }, admin, { today });
    expect((await listOverdue(db, `/${t.root}/`, today)).map((o) => o.id)).not.toContain(fresh.id);
  });
});
