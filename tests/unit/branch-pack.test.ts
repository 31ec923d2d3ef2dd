import ExcelJS from "exceljs";
import { unzipSync } from "fflate";
import { beforeEach, describe, expect, it } from "vitest";
import { assignLiaison } from "../../app/models/branch-liaisons.server.ts";
import { createReport, saveReportDraft, submitReport } from "../../app/models/branch-reports.server.ts";
import { recordStageEvent } from "../../app/models/branch-stages.server.ts";
import { confirmCompletion } from "../../app/models/certificates.server.ts";
import { enrollUsernames } from "../../app/models/classes.server.ts";
import { getUserWithRoles } from "../../app/models/users.server.ts";
import * as packXlsx from "../../app/routes/branch.classes.$id.pack[.]xlsx.tsx";
import * as packZip from "../../app/routes/branch.classes.$id.certificates[.]zip.tsx";
import * as packPage from "../../app/routes/branch.pack.tsx";
import { PACK_COLUMNS } from "../../app/models/branch-pack.server.ts";
import { classWorld, didTheWork, makeClass, type ClassWorld } from "../setup/classes.ts";
import { makeRequest, outcome } from "../setup/db.ts";

let w: ClassWorld;
type Who = "secretaryA" | "secretaryB" | "admin" | "traineeA";
const call = (route: { loader: (a: never) => unknown }, who: Who, url: string, params: Record<string, string> = {}) =>
  route.loader({ request: makeRequest(url, { cookie: w.users[who].cookie }), context: w.ctx, params } as never) as Promise<Response>;

beforeEach(async () => {
  w = await classWorld();
  const { db, users, cls } = w;
  await enrollUsernames(
    db,
    { classId: cls.id, entries: ["2023001", "2023101"].map((username) => ({ username })), source: "pick", skipProblems: false },
    { actorId: users.admin.id },
  );
  await didTheWork(db, users.traineeA.id, w.courseId, { essay: 85, exam: 90 });
  await didTheWork(db, users.traineeB.id, w.courseId, { essay: 80, exam: 80 });
  await confirmCompletion(db, { classId: cls.id, schoolCode: "TST", close: true, early: true }, { actorId: users.admin.id }, 1_796_000_000);
  const sec = (await getUserWithRoles(db, users.secretaryA.id))!;
  await recordStageEvent(db, { userId: users.traineeA.id, stage: "activist", decidedOn: "2025-09-01" }, sec);
  await assignLiaison(db, { traineeId: users.traineeA.id, liaisonUsername: "js001", startOn: "2025-09-01" }, sec);
  const id = await createReport(db, users.traineeA.id);
  await saveReportDraft(db, { reportId: id, userId: users.traineeA.id, title: "思想汇报", text: "我认真学习了党章，".repeat(30) });
  await submitReport(db, { reportId: id, userId: users.traineeA.id }, { now: Date.parse("2026-10-15T10:00:00+08:00") / 1000 });
});

describe("branch certificate pack", () => {
  it("the XLSX has one row per member of the subtree with stage days, class, 学时, grade, certificate, 培养联系人 and report count", async () => {
    const res = await call(packXlsx, "secretaryA", `/branch/classes/${w.cls.id}/pack.xlsx`, { id: String(w.cls.id) });
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await res.arrayBuffer()) as ArrayBuffer);
    const rows: unknown[][] = [];
    wb.worksheets[0]!.eachRow((row) => rows.push(PACK_COLUMNS.map((_, i) => row.getCell(i + 1).value)));
    expect(rows[0]).toEqual(PACK_COLUMNS.map((c) => c.header));
    expect(rows).toHaveLength(2); // trainee B belongs to another subtree
    const row = Object.fromEntries(PACK_COLUMNS.map((c, i) => [c.header, rows[1]![i]]));
    expect(row).toMatchObject({
      姓名: "张晓明",
      "学号/工号": "2023001",
      发展阶段: "入党积极分子",
      列为入党积极分子的时间: "2025-09-01",
      列为发展对象的时间: null,
      培训班名称: w.cls.name,
      期次: w.cls.term,
      培养联系人: expect.any(String),
      培训期间思想汇报篇数: 1,
    });
    expect(typeof row["已修学时"]).toBe("number");
    expect(typeof row["综合成绩"]).toBe("number");
    expect(String(row["证书编号"])).toMatch(/^TST-/);
    expect(row["发证日期"]).toBe("2026-11-30");
    const entry = await w.db.selectFrom("audit_log").select("detail").where("action", "=", "branch.pack").executeTakeFirstOrThrow();
    expect(JSON.parse(entry.detail!)).toMatchObject({ rows: 1 });
  });

  it("the zip holds only the subtree's certificates; other people get 403/404", async () => {
    const res = await call(packZip, "secretaryA", `/branch/classes/${w.cls.id}/certificates.zip`, { id: String(w.cls.id) });
    expect(res.status).toBe(200);
    const names = Object.keys(unzipSync(new Uint8Array(await res.arrayBuffer())));
    expect(names).toEqual(["2023001-张晓明.pdf"]);
    expect((await outcome(call(packXlsx, "traineeA", `/branch/classes/${w.cls.id}/pack.xlsx`, { id: String(w.cls.id) }))).status).toBe(403);
    const page = await outcome(call(packPage, "secretaryB", "/branch/pack"));
    expect(page.data.classes.map((k: { members: number }) => k.members)).toEqual([1]);
    const other = await createClassWithoutSubtree();
    expect((await outcome(call(packZip, "secretaryA", `/branch/classes/${other}/certificates.zip`, { id: String(other) }))).status).toBe(404);
  });
});

/** A class whose only member is in subtree B. */
async function createClassWithoutSubtree() {
  const k = await makeClass(w.db, { adminId: w.users.admin.id, hostUnitId: w.tree.root, courseId: w.courseId, term: 13 });
  await enrollUsernames(w.db, { classId: k.id, entries: [{ username: "2023101" }], source: "pick", skipProblems: false }, { actorId: w.users.admin.id });
  return k.id;
}
