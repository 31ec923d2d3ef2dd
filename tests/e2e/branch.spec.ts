// The branch's side on a phone: the secretary appoints a 培养联系人, the trainee hands in a 思想汇报 from
// the home page, the 培养联系人 writes a 考察意见, and the secretary reads it, records the stage days
// (a too-early 列为发展对象 is refused with the 细则's reason) and downloads the branch pack, whose
// sheet is read back with exceljs.
import ExcelJS from "exceljs";
import fs from "node:fs";
import path from "node:path";
import { E2E_DATA_DIR } from "../../playwright.config.ts";
import { confirmCompletion } from "../../app/models/certificates.server.ts";
import { createClass, enrollUsernames, setClassCourses, setException } from "../../app/models/classes.server.ts";
import { createUser } from "../../app/models/users.server.ts";
import { openDatabase } from "../../app/utils/db.server.ts";
import { expect, test } from "./fixtures.ts";

const SHOTS = "test-results/branch";
const REPORT = "敬爱的党组织：本季度我认真学习了党章和党的二十大精神，参加了支部组织的志愿服务，对照党员标准查找了自己的不足。".repeat(4);

test("secretary, trainee and 培养联系人 follow a 思想汇报 and the branch pack @phone", async ({ page, context, loginAs }, testInfo) => {
  test.skip(testInfo.project.name !== "phone", "phone journey");
  // A trainee of sj001's branch, in a completed class (by an audited exception) that runs until the year's end.
  const db = openDatabase(path.join(E2E_DATA_DIR, "app.db"));
  const tag = `${process.pid}${Date.now() % 100000}`;
  const unit = (await db.selectFrom("org_units").select("id").where("name", "=", "计算机学院本科生第一党支部").executeTakeFirstOrThrow()).id;
  const host = (await db.selectFrom("org_units").select("id").where("name", "=", "计算机学院党委").executeTakeFirstOrThrow()).id;
  const admin = { actorId: (await db.selectFrom("users").select("id").where("username", "=", "zzb001").executeTakeFirstOrThrow()).id };
  const username = `br${tag}`;
  const name = `周支部${tag.slice(-4)}`;
  const { id: traineeId } = await createUser(
    db,
    { username, name, gender: "女", orgUnitId: unit, stage: "activist", roles: ["trainee"] },
    { actorId: null },
    "e2e-pass-1234",
  );
  const classId = await createClass(
    db,
    { name: `支部测试培训班${tag}`, kind: "activist", term: 100 + (Number(tag) % 8000), hostUnitId: host, startDate: "2026-09-01", endDate: "2026-12-31" },
    admin,
  );
  const course = (await db.selectFrom("courses").select("id").where("slug", "=", "jijifenzi-peixun").executeTakeFirstOrThrow()).id;
  await setClassCourses(db, classId, [{ courseId: course, required: true }], admin);
  await enrollUsernames(db, { classId, entries: [{ username }], source: "pick", skipProblems: false }, admin);
  await setException(db, { classId, userIds: [traineeId], kind: "complete", basis: "offline", reason: "测试：例外结业" }, admin);
  await confirmCompletion(db, { classId, schoolCode: "E2E" }, admin);
  await db.destroy();
  const as = async (who: string) => {
    await context.clearCookies();
    await loginAs(who);
  };

  // 1. The secretary appoints 孙丽华 (pl001) as 培养联系人.
  await as("sj001");
  await page.goto("/branch");
  await page.getByRole("link", { name }).click();
  await expect(page).toHaveURL(`/branch/people/${traineeId}`);
  await page.getByLabel("培养联系人学号/工号").fill("pl001");
  await page.getByLabel("开始日期").fill("2026-09-01");
  await page.getByRole("button", { name: "指定" }).click();
  await expect(page.getByRole("status")).toHaveText("已指定培养联系人");
  await expect(page.getByText("孙丽华")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/1-secretary-assigns.png`, fullPage: true });

  // 2. The trainee writes and submits a 思想汇报 from the home page.
  await as(username);
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "思想汇报" })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/2-trainee-home.png`, fullPage: true });
  await page.getByRole("link", { name: "写思想汇报" }).click();
  await page.getByRole("button", { name: "写思想汇报" }).click();
  await expect(page).toHaveURL(/\/my\/reports\/\d+$/);
  await page.getByLabel("标题").fill("第四季度思想汇报");
  await page.getByLabel(/正文/).fill(REPORT.slice(0, 60));
  await page.getByRole("button", { name: "保存草稿" }).click();
  await expect(page.getByRole("status")).toHaveText("草稿已保存");
  await page.reload();
  await expect(page.getByLabel(/正文/)).toHaveValue(REPORT.slice(0, 60));
  await page.getByLabel(/正文/).fill(REPORT);
  await page.getByRole("button", { name: "提交" }).click();
  await expect(page.getByRole("status")).toContainText("已提交");
  await expect(page.getByRole("heading", { name: /第四季度思想汇报/ })).toContainText("待阅");
  await page.screenshot({ path: `${SHOTS}/3-trainee-submitted.png`, fullPage: true });

  // 3. The 培养联系人 finds it among their trainees' reports and writes a dated 考察意见.
  await as("pl001");
  await page.goto("/liaison");
  await expect(page.getByRole("link", { name, exact: true })).toBeVisible();
  await page.getByRole("link", { name: `${name}：第四季度思想汇报` }).click();
  await page.getByLabel("意见").fill("能结合学习和志愿服务谈认识，建议多谈自身不足。");
  await page.getByRole("button", { name: "保存考察意见" }).click();
  await expect(page.getByRole("status")).toHaveText("考察意见已保存");
  await expect(page.getByText("考察意见 · 孙丽华")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/4-liaison-opinion.png`, fullPage: true });

  // 4. The secretary sees it and records the stage days; a 发展对象 day less than a year after 积极分子 is refused.
  await as("sj001");
  await page.goto(`/branch/people/${traineeId}`);
  await expect(page.locator("li", { hasText: "第四季度思想汇报" })).toContainText("已阅");
  const record = async (label: string, day: string) => {
    await page.getByLabel("决定事项").selectOption({ label });
    await page.getByLabel("支部决定日期").fill(day);
    await page.getByRole("button", { name: "录入" }).click();
  };
  await record("列为入党积极分子的时间", "2025-06-01");
  await expect(page.getByRole("status")).toHaveText("已录入列为入党积极分子的时间");
  await record("列为发展对象的时间", "2026-05-01");
  await expect(page.getByRole("alert")).toContainText("一年以上培养教育和考察");
  await record("列为发展对象的时间", "2026-11-20");
  await expect(page.getByRole("status")).toHaveText("已录入列为发展对象的时间");
  await expect(page.locator("td[data-stage=candidate]")).toHaveText("2026-11-20");
  await expect(page.getByText("当前阶段：发展对象")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/5-secretary-stages.png`, fullPage: true });

  // 5. The branch pack: the sheet has the trainee's row with the days, the 培养联系人 and the report count.
  await page.goto("/branch/pack");
  const card = page.locator("li", { hasText: `支部测试培训班${tag}` });
  await expect(card).toContainText("有效证书 1 份");
  await page.screenshot({ path: `${SHOTS}/6-pack.png`, fullPage: true });
  const [download] = await Promise.all([page.waitForEvent("download"), card.getByRole("link", { name: "汇总表（XLSX）" }).click()]);
  const file = path.join(SHOTS, "pack.xlsx");
  await download.saveAs(file);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(fs.readFileSync(file) as unknown as ArrayBuffer);
  const ws = wb.worksheets[0]!;
  const header = (ws.getRow(1).values as unknown[]).slice(1);
  const rows: Record<string, unknown>[] = [];
  ws.eachRow((row, n) => {
    if (n > 1) rows.push(Object.fromEntries(header.map((h, i) => [String(h), row.getCell(i + 1).value])));
  });
  const mine = rows.find((r) => r["学号/工号"] === username)!;
  expect(mine).toMatchObject({
    姓名: name,
    发展阶段: "发展对象",
    列为入党积极分子的时间: "2025-06-01",
    列为发展对象的时间: "2026-11-20",
    培养联系人: "孙丽华",
    培训期间思想汇报篇数: 1,
  });
  expect(String(mine["证书编号"])).toMatch(/^E2E-/);
  const [zip] = await Promise.all([page.waitForEvent("download"), card.getByRole("link", { name: "证书（ZIP）" }).click()]);
  expect(zip.suggestedFilename()).toMatch(/\.zip$/);
});
