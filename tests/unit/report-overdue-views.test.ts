// The overdue 思想汇报 count is shown twice to a secretary — on the home page and on /branch/dashboard —
// and both come from listOverdue. Checked as a property: random trainees (stage, branch, reports handed
// in last quarter or not, some returned, some only drafted), and both pages must show the same number,
// equal to a count made here from the histories.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createReport, reviewReport, saveReportDraft, submitReport } from "../../app/models/branch-reports.server.ts";
import { getUserWithRoles } from "../../app/models/users.server.ts";
import * as home from "../../app/routes/_index.tsx";
import * as adminDashboard from "../../app/routes/admin.dashboard.tsx";
import * as dashboard from "../../app/routes/branch.dashboard.tsx";
import { cstToday } from "../../app/utils/cst.ts";
import { previousPeriod } from "../../app/utils/report-rhythm.ts";
import type { Stage } from "../../db/types.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, testContext } from "../setup/db.ts";

const TEXT = "我认真学习了党章，".repeat(30);
const traineeArb = fc.record({
  stage: fc.constantFrom<Stage>("applicant", "activist", "candidate", "probationary", "full"),
  inMyBranch: fc.boolean(),
  lastQuarter: fc.constantFrom("none", "draft", "submitted", "returned"),
});

describe("overdue 思想汇报: home page and dashboards agree", () => {
  it("both pages show the number of trainees short in the last full quarter", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(traineeArb, { maxLength: 6 }), async (trainees) => {
        const db = await createTestDb();
        const t = await createTestTree(db);
        const sec = await createTestUser(db, { orgUnitId: t.branchA, roles: ["secretary"], stage: "full" });
        const adminUser = await createTestUser(db, { orgUnitId: t.root, roles: ["admin"], stage: "full" });
        const admin = (await getUserWithRoles(db, adminUser.id))!;
        const last = previousPeriod(cstToday(), 3);
        // Inside the last quarter at 12:00 Beijing time, and accounts made long before it.
        const inLast = Date.parse(`${last.start}T12:00:00+08:00`) / 1000;
        let expected = 0;
        let expectedSchool = 0;
        for (const tr of trainees) {
          const u = await createTestUser(db, { orgUnitId: tr.inMyBranch ? t.branchA : t.branchB, stage: tr.stage });
          await db
            .updateTable("users")
            .set({ created_at: inLast - 400 * 86400 })
            .where("id", "=", u.id)
            .execute();
          const followed = ["activist", "candidate", "probationary"].includes(tr.stage);
          if (followed && tr.lastQuarter !== "none") {
            const id = await createReport(db, u.id);
            await saveReportDraft(db, { reportId: id, userId: u.id, title: "思想汇报", text: TEXT });
            if (tr.lastQuarter !== "draft") {
              await submitReport(db, { reportId: id, userId: u.id }, { now: inLast });
              if (tr.lastQuarter === "returned") {
                await reviewReport(db, { reportId: id, kind: "return", body: "请修改", reviewedOn: cstToday() }, admin);
              }
            }
          }
          if (followed && tr.lastQuarter !== "submitted") {
            expectedSchool++;
            if (tr.inMyBranch) expected++;
          }
        }
        const ctx = testContext(db);
        const homePage = await outcome(home.loader({ request: makeRequest("/", { cookie: sec.cookie }), params: {}, context: ctx }));
        const dash = await outcome(dashboard.loader({ request: makeRequest("/branch/dashboard", { cookie: sec.cookie }), params: {}, context: ctx }));
        expect(homePage.data.branch.overdue).toBe(expected);
        expect(dash.data.reportsOverdue).toBe(expected);
        // The 组织部's dashboard counts the whole school with the same rule.
        const school = await outcome(
          adminDashboard.loader({ request: makeRequest("/admin/dashboard", { cookie: adminUser.cookie }), params: {}, context: ctx }),
        );
        expect(school.data.reportsOverdue).toBe(expectedSchool);
      }),
      { numRuns: 12 },
    );
  });
});
