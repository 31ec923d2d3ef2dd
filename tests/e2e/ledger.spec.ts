// The ledger and the dashboard in a real browser: an admin finds a class's trainee in 培训台账, downloads
// the filtered ledger as Excel (read back: headers, numbers, the trainee's row) and as CSV (BOM), and
// opens the trainee's record PDF; on a phone, without JavaScript, the dashboard's charts are drawn and
// fit the screen, each followed by its numbers.
import ExcelJS from "exceljs";
import fs from "node:fs";
import path from "node:path";
import { E2E_DATA_DIR } from "../../playwright.config.ts";
import { createClass, enrollUsernames, setClassCourses } from "../../app/models/classes.server.ts";
import { createUser } from "../../app/models/users.server.ts";
import { openDatabase } from "../../app/utils/db.server.ts";
import { expect, test } from "./fixtures.ts";

/** A class of the demo course (a 期次 no other browser test uses) with one new trainee in it. */
async function classWithTrainee() {
  const db = openDatabase(path.join(E2E_DATA_DIR, "app.db"));
  try {
    const tag = `${process.pid % 1000}${Date.now() % 10000}`;
    const term = 100 + (Number(tag) % 9000);
    const root = await db.selectFrom("org_units").select("id").where("parent_id", "is", null).executeTakeFirstOrThrow();
    const branch = await db.selectFrom("org_units").select("id").where("name", "=", "计算机学院研究生党支部").executeTakeFirstOrThrow();
    const admin = await db.selectFrom("users").select("id").where("username", "=", "zzb001").executeTakeFirstOrThrow();
    const course = await db.selectFrom("courses").select("id").where("slug", "=", "jijifenzi-peixun").executeTakeFirstOrThrow();
    const actor = { actorId: admin.id };
    const name = `台账测试第${term}期入党积极分子培训班`;
    const classId = await createClass(db, { name, kind: "activist", term, hostUnitId: root.id, startDate: "2026-03-01", endDate: "2026-06-30" }, actor);
    await setClassCourses(db, classId, [{ courseId: course.id, required: true }], actor);
    const username = `L${tag}`;
    const traineeName = `台账学员${tag}`;
    await createUser(db, { username, name: traineeName, gender: "女", orgUnitId: branch.id, stage: "activist", roles: ["trainee"] }, actor, "e2e-pass-1234");
    await enrollUsernames(db, { classId, entries: [{ username }], source: "pick", skipProblems: false }, actor);
    return { classId, name, term, username, traineeName };
  } finally {
    await db.destroy();
  }
}

test("an admin filters the ledger, downloads it as Excel and CSV, and opens a trainee's record", async ({ page, loginAs }) => {
  const c = await classWithTrainee();
  await loginAs("zzb001");
  await page.goto("/");
  await page.getByRole("navigation", { name: "主导航" }).getByRole("link", { name: "培训台账" }).click();
  await expect(page.getByRole("heading", { name: "培训台账" })).toBeVisible();
  await page.getByLabel("培训班", { exact: true }).selectOption({ label: `${c.name}（第 ${c.term} 期）` });
  await page.getByRole("button", { name: "筛选" }).click();
  await expect(page.getByTestId("ledger-counts")).toContainText("1台账行数");
  const row = page.locator("tbody tr", { hasText: c.username });
  await expect(row).toContainText(c.traineeName);
  await expect(row).toContainText("未认定");

  const [xlsx] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "导出 Excel" }).click()]);
  expect(xlsx.suggestedFilename()).toMatch(/^培训台账-\d{4}-\d{2}-\d{2}\.xlsx$/);
  const wb = new ExcelJS.Workbook();
  const buf = fs.readFileSync(await xlsx.path());
  await wb.xlsx.load(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
  const ws = wb.worksheets[0]!;
  expect(ws.getRow(1).getCell(1).value).toBe("序号");
  // Columns are found by their header, so a new column (e.g. the stage days) does not shift what is checked.
  const col = (header: string) => (ws.getRow(1).values as unknown[]).indexOf(header);
  expect(col("备注")).toBe(ws.getRow(1).cellCount);
  expect(ws.rowCount).toBe(2);
  expect(ws.getRow(2).getCell(2).value).toBe(c.username);
  expect(ws.getRow(2).getCell(col("期次")).value).toBe(c.term);
  expect(typeof ws.getRow(2).getCell(col("应修学时")).value).toBe("number");

  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "导出 CSV" }).click()]);
  const bytes = fs.readFileSync(await csv.path());
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(bytes.toString("utf8")).toContain(c.traineeName);

  await row.getByRole("link", { name: c.traineeName }).click();
  await expect(page.getByRole("heading", { name: `${c.traineeName}的培训档案` })).toBeVisible();
  const [pdf] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "下载 PDF" }).click()]);
  expect(
    fs
      .readFileSync(await pdf.path())
      .subarray(0, 5)
      .toString(),
  ).toBe("%PDF-");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("@phone the dashboard's charts are drawn on the server, fit the screen and come with their numbers", async ({ page, loginAs }) => {
    await classWithTrainee();
    await loginAs("zzb001");
    await page.goto("/admin/dashboard?all=1");
    await expect(page.getByRole("heading", { name: "统计" })).toBeVisible();
    const charts = page.locator("figure.chart");
    await expect(charts).toHaveCount(4);
    const viewport = page.viewportSize()!;
    for (let i = 0; i < 4; i++) {
      const figure = charts.nth(i);
      const svg = figure.locator('svg[role="img"]');
      await expect(svg).toBeVisible();
      const box = (await svg.boundingBox())!;
      expect(box.width).toBeGreaterThan(150);
      expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
      await expect(figure.locator("table")).toHaveCount(1);
    }
    await expect(page.getByRole("img", { name: /各培训班学员状态/ })).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
  });
});
