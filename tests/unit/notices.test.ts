// 通知公告 through the model and the real loaders: who receives a notice (subtree, class, stage, inside
// the publisher's scope), reads and 已阅, the read list by branch and its XLSX, versions after editing,
// and a notification for every recipient written with the notice.
import ExcelJS from "exceljs";
import { beforeAll, describe, expect, it } from "vitest";
import { loader as noticeLoader, action as noticeAction } from "../../app/routes/notices.$id._index.tsx";
import { loader as readsXlsx } from "../../app/routes/notices.$id.reads[.]xlsx.tsx";
import { action as newAction } from "../../app/routes/notices.new.tsx";
import { editNotice, noticeVersions, publishNotice, readReport } from "../../app/models/notices.server.ts";
import { listInbox, unreadCount } from "../../app/models/notifications.server.ts";
import { createClass, enrollUsernames } from "../../app/models/classes.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, testContext } from "../setup/db.ts";

let db: DB;
let tree: Awaited<ReturnType<typeof createTestTree>>;
type U = Awaited<ReturnType<typeof createTestUser>>;
let secA: U, admin: U, a1: U, a2: U, aCandidate: U, b1: U;
const who = (u: U, roles: ("admin" | "secretary")[], unit: number) => ({ id: u.id, org_unit_id: unit, roles });

beforeAll(async () => {
  db = await createTestDb();
  tree = await createTestTree(db);
  secA = await createTestUser(db, { orgUnitId: tree.subA, roles: ["secretary"], stage: "full" });
  admin = await createTestUser(db, { orgUnitId: tree.root, roles: ["admin"], stage: "full" });
  a1 = await createTestUser(db, { orgUnitId: tree.branchA, name: "甲一" });
  a2 = await createTestUser(db, { orgUnitId: tree.branchA, name: "甲二" });
  aCandidate = await createTestUser(db, { orgUnitId: tree.branchA, stage: "candidate", name: "甲发展对象" });
  b1 = await createTestUser(db, { orgUnitId: tree.branchB, name: "乙一" });
});

const args = (url: string, cookie: string, form?: Record<string, string>, params: Record<string, string> = {}) => ({
  request: makeRequest(url, { cookie, form }),
  context: testContext(db),
  params,
});

describe("通知公告", () => {
  let id: number;

  it("a secretary publishes to their subtree; outside it is refused and nothing is written", async () => {
    const outside = await outcome(newAction(args("/notices/new", secA.cookie, { title: "越权", body: "x", audience: "org", orgUnitId: String(tree.branchB) })));
    expect(outside.status).toBe(400);
    expect(outside.data.message).toBe("所选组织不在您的管理范围内");
    expect(await db.selectFrom("notices").selectAll().execute()).toHaveLength(0);
    expect(await db.selectFrom("notifications").selectAll().execute()).toHaveLength(0);

    const res = await outcome(
      newAction(
        args("/notices/new", secA.cookie, {
          title: "关于参加集中学习的通知",
          body: "请于**周五**前完成。<script>alert(1)</script>",
          audience: "org",
          orgUnitId: String(tree.branchA),
          requiresAck: "1",
        }),
      ),
    );
    expect(res.status).toBe(302);
    id = Number(/\/notices\/(\d+)\/reads/.exec(res.location!)![1]);
    const recipients = await db.selectFrom("notice_recipients").select("user_id").where("notice_id", "=", id).execute();
    expect(recipients.map((r) => r.user_id).sort()).toEqual([a1.id, a2.id, aCandidate.id].sort());
    expect(await unreadCount(db, a1.id)).toBe(1);
    expect((await listInbox(db, a1.id))[0]).toMatchObject({ kind: "notice_published", title: "【需确认】关于参加集中学习的通知", link: `/notices/${id}` });
    expect(await unreadCount(db, b1.id)).toBe(0);
    const entry = await db.selectFrom("audit_log").selectAll().where("action", "=", "notice.publish").executeTakeFirstOrThrow();
    expect(JSON.parse(entry.detail!)).toMatchObject({ recipients: 3, requiresAck: true });
  });

  it("opening records the read (and reads its notification); 已阅 records the confirmation; others get 404", async () => {
    const page = await outcome(noticeLoader(args(`/notices/${id}`, a1.cookie, undefined, { id: String(id) })));
    expect(page.status).toBe(200);
    expect(page.data.html).toContain("<strong>周五</strong>");
    expect(page.data.html).not.toContain("<script");
    expect(page.data.receipt.ackedAt).toBeNull();
    expect(await unreadCount(db, a1.id)).toBe(0);
    expect((await outcome(noticeAction(args(`/notices/${id}`, a1.cookie, { intent: "ack" }, { id: String(id) })))).status).toBe(200);
    expect((await outcome(noticeLoader(args(`/notices/${id}`, a2.cookie, undefined, { id: String(id) })))).status).toBe(200);
    expect((await outcome(noticeLoader(args(`/notices/${id}`, b1.cookie, undefined, { id: String(id) })))).status).toBe(404);
    expect((await outcome(noticeAction(args(`/notices/${id}`, b1.cookie, { intent: "ack" }, { id: String(id) })))).status).toBe(404);

    const r = await readReport(db, id, who(secA, ["secretary"], tree.subA));
    expect(r.totals).toEqual({ total: 3, read: 2, acked: 1 });
    expect(r.branches).toEqual([expect.objectContaining({ unit: expect.stringContaining("甲学院第一党支部"), total: 3, read: 2, acked: 1, done: 1 })]);
    expect(
      r.people
        .filter((p) => !p.done)
        .map((p) => p.name)
        .sort(),
    ).toEqual(["甲二", "甲发展对象"].sort());
  });

  it("the read list exports as XLSX, audited; another secretary's or a trainee's request is refused", async () => {
    const res = (await readsXlsx(args(`/notices/${id}/reads.xlsx`, secA.cookie, undefined, { id: String(id) }))) as Response;
    expect(res.headers.get("Content-Type")).toContain("spreadsheetml");
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    const rows = wb.worksheets[0]!.getSheetValues()
      .slice(2)
      .map((r) => (r as unknown[]).slice(1));
    expect(rows).toHaveLength(3);
    const byName = Object.fromEntries(rows.map((r) => [r[2], r[7]]));
    expect(byName).toEqual({ 甲一: "已确认", 甲二: "已读未确认", 甲发展对象: "未读" });
    expect(await db.selectFrom("audit_log").select("id").where("action", "=", "notice.reads_export").execute()).toHaveLength(1);
    expect((await outcome(readsXlsx(args(`/notices/${id}/reads.xlsx`, a1.cookie, undefined, { id: String(id) })))).status).toBe(403);
  });

  it("editing keeps the earlier version; reads stay", async () => {
    await editNotice(db, id, { title: "关于参加集中学习的通知（更正）", bodyMd: "请于周六前完成。" }, who(secA, ["secretary"], tree.subA));
    const versions = await noticeVersions(db, id);
    expect(versions.map((v) => [v.version, v.title])).toEqual([
      [2, "关于参加集中学习的通知（更正）"],
      [1, "关于参加集中学习的通知"],
    ]);
    expect((await readReport(db, id, who(admin, ["admin"], tree.root))).totals.read).toBe(2);
    await expect(editNotice(db, id, { title: "x", bodyMd: "y" }, { id: a1.id, org_unit_id: tree.branchA, roles: ["trainee"] as never })).rejects.toThrow(
      "通知不存在",
    );
  });

  it("to the members of one stage, and to a training class", async () => {
    const stage = await publishNotice(
      db,
      { title: "发展对象通知", bodyMd: "x", audience: "stage", orgUnitId: tree.subA, stage: "candidate", requiresAck: false, files: [] },
      who(secA, ["secretary"], tree.subA),
    );
    expect(stage.recipients).toBe(1);
    const classId = await createClass(
      db,
      { name: "测试班", kind: "activist", term: 1, hostUnitId: tree.root, startDate: "2026-03-01", endDate: "2026-06-30" },
      { actorId: admin.id },
    );
    const b1name = (await db.selectFrom("users").select("username").where("id", "=", b1.id).executeTakeFirstOrThrow()).username;
    await enrollUsernames(
      db,
      { classId, entries: [{ username: b1name }, { username: a1.username }], source: "pick", skipProblems: false },
      { actorId: admin.id },
    );
    // A secretary reaches only the class members in their subtree; the 组织部 all of them.
    expect(
      (
        await publishNotice(
          db,
          { title: "班级通知", bodyMd: "x", audience: "class", classId, requiresAck: false, files: [] },
          who(secA, ["secretary"], tree.subA),
        )
      ).recipients,
    ).toBe(1);
    expect(
      (await publishNotice(db, { title: "班级通知", bodyMd: "x", audience: "class", classId, requiresAck: false, files: [] }, who(admin, ["admin"], tree.root)))
        .recipients,
    ).toBe(2);
  });
});
