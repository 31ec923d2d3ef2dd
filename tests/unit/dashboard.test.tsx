// @vitest-environment jsdom
// 统计 through the real loaders: status per class and per unit, the 学时 and exam distributions, the
// assignment backlog, trainees at risk by the stated rule, secretaries limited to their subtree, and
// the page rendering its charts as accessible SVG with the numbers in tables.
import { createRemixStub } from "@remix-run/testing";
import { render, screen, within } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import { enrollUsernames, type ClassView } from "../../app/models/classes.server.ts";
import { chartedUnits, standingOf, UNITS_CHARTED } from "../../app/models/statistics.server.ts";
import AdminDashboard, * as adminDashboard from "../../app/routes/admin.dashboard.tsx";
import * as branchDashboard from "../../app/routes/branch.dashboard.tsx";
import type { DB } from "../../app/utils/db.server.ts";
import { classWorld, didTheWork, type ClassWorld } from "../setup/classes.ts";
import { createTestUser, makeRequest, outcome } from "../setup/db.ts";
import { cstDate } from "../../app/utils/cst.ts";

let db: DB;
let ctx: ClassWorld["ctx"];
let tree: ClassWorld["tree"];
let users: ClassWorld["users"];
let courseId: number;
let cls: ClassView;
const DAY = 86_400;
const today = () => cstDate(Math.floor(Date.now() / 1000));
const shift = (days: number) => cstDate(Math.floor(Date.now() / 1000) + days * DAY);

beforeEach(async () => {
  ({ db, ctx, tree, users, courseId, cls } = await classWorld());
  const idle = await createTestUser(db, { orgUnitId: tree.branchA, username: "2023009", name: "周未学" });
  const r = await enrollUsernames(
    db,
    { classId: cls.id, entries: ["2023001", "2023002", "2023101", idle.username].map((username) => ({ username })), source: "pick", skipProblems: false },
    { actorId: users.admin.id },
  );
  expect(r.applied).toBe(true);
  // The class ends in 5 days: 2023001 completed everything, 2023002 has 3.5 of 5.5 学时 (64%), 2023101
  // and 2023009 have nothing (at risk).
  await db
    .updateTable("training_classes")
    .set({ start_date: shift(-60), end_date: shift(5) })
    .where("id", "=", cls.id)
    .execute();
  await didTheWork(db, users.traineeA.id, courseId, { essay: 85, exam: 90 });
  await didTheWork(db, users.traineeA2.id, courseId, { lessons: "required", exam: 45 });
  // 2023002's 思想汇报 waits for a grade.
  const a = await db.selectFrom("assignments").select("id").where("course_id", "=", courseId).executeTakeFirstOrThrow();
  const { id: sub } = await db
    .insertInto("submissions")
    .values({ assignment_id: a.id, user_id: users.traineeA2.id, status: "submitted", current_version: 1, created_at: 1_790_000_000, updated_at: 1_790_000_000 })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db.insertInto("submission_versions").values({ submission_id: sub, version: 1, text_md: "心得", text_length: 2, submitted_at: 1_790_000_000 }).execute();
});

type Who = keyof ClassWorld["users"] | null;
const load = (route: typeof adminDashboard | typeof branchDashboard, who: Who, query = "") =>
  outcome(route.loader({ request: makeRequest(`/x${query}`, { cookie: who ? users[who].cookie : undefined }), context: ctx, params: {} }));

describe("dashboard figures", () => {
  it("counts enrolled / learning / completed / failed per class and per 二级党委", async () => {
    const { status, data } = await load(adminDashboard, "admin");
    expect(status).toBe(200);
    expect(data.totals).toEqual({ enrolled: 4, inProgress: 3, completed: 1, failed: 0 });
    expect(data.classes).toEqual([
      expect.objectContaining({ id: cls.id, enrolled: 4, inProgress: 3, completed: 1, failed: 0, avgHours: 2.3 /* (5.5 + 3.5) ÷ 4, one decimal */ }),
    ]);
    expect(data.units).toEqual([
      expect.objectContaining({ name: "甲学院党委", enrolled: 3, completed: 1, inProgress: 2 }),
      expect.objectContaining({ name: "乙学院党委", enrolled: 1, inProgress: 1 }),
    ]);
  });

  it("bins 学时 as a share of the required and exam scores out of 100", async () => {
    const { data } = await load(adminDashboard, "admin");
    const hours = Object.fromEntries(data.bins.hours.map((b: { label: string; count: number }) => [b.label, b.count]));
    expect(hours).toMatchObject({ "0–10%": 2, "60–70%": 1, "≥100%（达标）": 1 });
    expect(data.bins.hours.reduce((n: number, b: { count: number }) => n + b.count, 0)).toBe(4);
    const exam = Object.fromEntries(data.bins.exam.map((b: { label: string; count: number }) => [b.label, b.count]));
    expect(exam).toMatchObject({ "40–50 分": 1, "90–100 分": 1 });
    expect(data.examTaken).toBe(2);
  });

  it("lists the assignment backlog and the trainees at risk by the stated rule", async () => {
    const { data } = await load(adminDashboard, "admin");
    expect(data.backlog).toEqual([
      expect.objectContaining({
        classId: cls.id,
        assignmentTitle: "第一次思想汇报",
        waiting: 1,
        oldest: 1_790_000_000,
        gradingUrl: `/teach/sample/assignments/01-sixiang-huibao?status=waiting&class=${cls.id}`,
      }),
    ]);
    expect(data.rules).toEqual({ atRiskDays: 14, atRiskPercent: 50, atRiskFromPercent: 25, maxClasses: 30, atRiskListed: 100 });
    expect(data.atRiskTotal).toBe(2);
    expect(data.atRisk.map((r: { username: string; daysLeft: number }) => [r.username, r.daysLeft])).toEqual([
      ["2023009", 5],
      ["2023101", 5],
    ]);
    // Further from the end, those far behind the pace of a long-running class are at risk all the same
    // (0 学时 17 days before the end of a three-month class); in a class that has just begun, nobody is.
    await db
      .updateTable("training_classes")
      .set({ end_date: shift(17) })
      .where("id", "=", cls.id)
      .execute();
    expect((await load(adminDashboard, "admin")).data.atRisk.map((r: { username: string }) => r.username).sort()).toEqual(["2023009", "2023101"]);
    await db
      .updateTable("training_classes")
      .set({ start_date: shift(-2), end_date: shift(60) })
      .where("id", "=", cls.id)
      .execute();
    expect((await load(adminDashboard, "admin")).data.atRisk).toEqual([]);
    await db
      .updateTable("training_classes")
      .set({ end_date: shift(-1) })
      .where("id", "=", cls.id)
      .execute();
    const ended = (await load(adminDashboard, "admin")).data;
    expect(ended.atRisk).toEqual([]);
    expect(ended.totals).toEqual({ enrolled: 4, inProgress: 0, completed: 1, failed: 3 });
  });

  it("follows the organization department's decision once it is made", () => {
    const base = { result: { passed: false } as never };
    expect(standingOf({ ...base, outcome: "completed" }, { end_date: "2000-01-01" }, today())).toBe("completed");
    expect(standingOf({ outcome: "not_completed", result: { passed: true } as never }, { end_date: "2999-01-01" }, today())).toBe("failed");
    expect(standingOf({ outcome: null, result: { passed: true } as never }, { end_date: "2999-01-01" }, today())).toBe("completed");
    expect(standingOf({ ...base, outcome: null }, { end_date: today() }, today())).toBe("inProgress");
  });

  it("charts the largest units and adds up the rest in one bar", () => {
    const units = Array.from({ length: UNITS_CHARTED + 5 }, (_, i) => ({
      id: i + 1,
      name: `单位${i + 1}`,
      enrolled: i + 1,
      inProgress: i + 1,
      completed: 0,
      failed: 0,
    }));
    const charted = chartedUnits(units);
    expect(charted).toHaveLength(UNITS_CHARTED + 1);
    expect(charted[0]).toMatchObject({ name: `单位${UNITS_CHARTED + 5}`, enrolled: UNITS_CHARTED + 5 });
    expect(charted[UNITS_CHARTED]).toEqual({ id: null, name: "其余 5 个单位", enrolled: 1 + 2 + 3 + 4 + 5, inProgress: 15, completed: 0, failed: 0 });
    expect(chartedUnits(units.slice(0, UNITS_CHARTED + 1))).toHaveLength(UNITS_CHARTED + 1);
  });

  it("gives a secretary their subtree only, by their branches", async () => {
    const { status, data } = await load(branchDashboard, "secretaryA");
    expect(status).toBe(200);
    expect(data.totals.enrolled).toBe(3);
    expect(data.units.map((u: { name: string }) => u.name)).toEqual(["甲学院第一党支部"]);
    expect(data.atRisk.map((r: { username: string }) => r.username)).toEqual(["2023009"]);
    expect(JSON.stringify(data)).not.toContain("刘子涵");
    const b = await load(branchDashboard, "secretaryB");
    expect(b.data.totals.enrolled).toBe(1);
  });

  it("refuses trainees and instructors, and admins on the secretaries' page", async () => {
    for (const who of ["traineeA", "instructor", "secretaryA"] as const) expect((await load(adminDashboard, who)).status).toBe(403);
    for (const who of ["traineeA", "admin"] as const) expect((await load(branchDashboard, who)).status).toBe(403);
    expect((await load(adminDashboard, null)).status).toBe(302);
  });

  it("leaves out confirmed classes unless asked, and can show one class", async () => {
    await db.updateTable("training_classes").set({ completed_at: 1_790_000_000 }).where("id", "=", cls.id).execute();
    expect((await load(adminDashboard, "admin")).data.classes).toEqual([]);
    expect((await load(adminDashboard, "admin", "?all=1")).data.classes).toHaveLength(1);
    expect((await load(adminDashboard, "admin", `?class=${cls.id}`)).data.classes).toHaveLength(1);
    expect((await load(adminDashboard, "admin", "?class=99999")).data.filter.classId).toBeNull();
  });
});

describe("dashboard page", () => {
  it("renders every chart as an accessible SVG followed by its numbers, without JavaScript", async () => {
    const { data } = await load(adminDashboard, "admin");
    const Stub = createRemixStub([{ path: "/admin/dashboard", Component: AdminDashboard, loader: () => data }]);
    const { container } = render(<Stub initialEntries={["/admin/dashboard"]} />);
    await screen.findByRole("heading", { name: "统计" });
    const charts = container.querySelectorAll("figure.chart");
    expect(charts).toHaveLength(4);
    for (const figure of charts) {
      const svg = figure.querySelector("svg")!;
      expect(svg.getAttribute("role")).toBe("img");
      expect(svg.getAttribute("width")).toBe("100%");
      expect(svg.getAttribute("viewBox")).toMatch(/^0 0 400 \d+$/);
      expect(svg.querySelector("title")!.textContent).toBe(figure.querySelector("figcaption")!.textContent);
      expect(figure.querySelector("table")).not.toBeNull();
    }
    const statusTable = within(charts[0] as HTMLElement).getByRole("table");
    expect(within(statusTable).getByRole("row", { name: new RegExp(`${cls.name}.* 3 1 0 4`) })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "第一次思想汇报" })).toHaveAttribute(
      "href",
      `/teach/sample/assignments/01-sixiang-huibao?status=waiting&class=${cls.id}`,
    );
    expect(screen.getByText(/不足应修学时的 50%/)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "周未学" })).toHaveAttribute("href", expect.stringMatching(/^\/admin\/users\/\d+\/record$/));
  });
});
