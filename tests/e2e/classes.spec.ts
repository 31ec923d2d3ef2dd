// A training class in a real browser: the organization department opens a class with the demo course,
// enrolls 2023001, sees what blocks completion, completes them by exception with a basis and reason, issues the
// certificate; the trainee sees the class, downloads the PDF from 我的证书 and opens the public check.
import fs from "node:fs";
import { expect, test } from "./fixtures.ts";

test("an admin runs a class to completion and the trainee downloads the certificate", async ({ page, loginAs }) => {
  await loginAs("zzb001");
  await page.goto("/");
  await page.getByRole("navigation", { name: "主导航" }).getByRole("link", { name: "培训班" }).click();
  await expect(page).toHaveURL(/\/admin\/classes$/);

  // Open the class.
  const create = page.locator("section", { has: page.getByRole("heading", { name: "新建培训班" }) });
  await create.getByLabel("培训班名称").fill("2026年秋季第12期入党积极分子培训班");
  await create.getByLabel("类别").selectOption({ label: "入党积极分子" });
  await create.getByLabel("期次").fill("12");
  await create.getByLabel("主办单位").selectOption({ label: "中共示范大学委员会" });
  await create.getByLabel("开始日期").fill("2026-09-01");
  await create.getByLabel("结束日期").fill("2026-11-30");
  await create.getByRole("button", { name: "创建培训班" }).click();
  await expect(page.getByRole("heading", { name: "2026年秋季第12期入党积极分子培训班" })).toBeVisible();
  const classUrl = page.url();

  // The demo course, required.
  await page.getByLabel("入党积极分子培训 在本班").selectOption("required");
  await page.getByRole("button", { name: "保存课程" }).click();
  await expect(page.getByText("已保存课程（1 门）")).toBeVisible();

  // Enroll 2023001 by search.
  // (the 报名学员 section is open while the class has no trainees)
  await page.getByLabel("查找学员").fill("2023001");
  await page.getByRole("button", { name: "查找" }).click();
  await page.getByLabel(/2023001 张晓明/).check();
  await page.getByRole("button", { name: "加入所选学员" }).click();
  await expect(page.getByText("已加入 1 人")).toBeVisible();
  const row = page.locator("table.members tbody tr", { hasText: "2023001" });
  await expect(row).toContainText("张晓明");
  // Other browser tests may already have earned 2023001 some 学时 (a graded 思想汇报), so only the shape is fixed.
  await expect(row.locator(".blockers")).toContainText(/还差 \d+(\.\d+)? 学时/);
  await expect(row.locator(".blockers")).toContainText(/《结业考试》(未参加|待阅卷|未通过)/);

  // Completion review: an exception with a reason, then confirm.
  await page.getByRole("link", { name: "结业审核" }).click();
  await expect(page.getByRole("heading", { name: "结业审核" })).toBeVisible();
  const review = page.locator("table.members tbody tr", { hasText: "2023001" });
  await review.getByLabel("选择 张晓明").check();
  await page.getByLabel("例外处理方式").selectOption("complete");
  await page.getByLabel("认定依据").selectOption({ label: "线下培训已完成" });
  await page.getByLabel("例外理由").fill("线下集中培训已完成，结业考试线下补考合格");
  await page.getByRole("button", { name: "应用" }).click();
  await expect(page.getByText("已设为经认定准予结业（线下培训已完成）：1 人")).toBeVisible();
  await expect(review).toContainText("经认定准予结业");
  await page.getByRole("button", { name: /确认本轮结业并颁发证书（1 份）/ }).click();
  await expect(page.getByText(/本次颁发证书 1 份（DXU-2026-12-0001 起）/)).toBeVisible();

  // The class page lists the certificate.
  await page.goto(classUrl);
  await expect(page.locator("summary", { hasText: "结业证书（有效 1 份）" })).toBeVisible();

  // The trainee: 培训班 shows completion, 我的证书 downloads the PDF.
  await loginAs("2023001");
  await page.goto("/");
  const nav = page.getByRole("navigation", { name: "主导航" });
  await nav.getByRole("link", { name: "培训班" }).click();
  await expect(page.getByRole("heading", { name: "2026年秋季第12期入党积极分子培训班" })).toBeVisible();
  await expect(page.getByText("证书编号 DXU-2026-12-0001")).toBeVisible();
  await nav.getByRole("link", { name: "我的证书" }).click();
  await expect(page.getByRole("heading", { name: "我的证书", level: 1 })).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "下载 PDF" }).click()]);
  expect(download.suggestedFilename()).toBe("2023001-张晓明.pdf");
  const bytes = fs.readFileSync((await download.path())!);
  expect(bytes.subarray(0, 4).toString("latin1")).toBe("%PDF");
  expect(bytes.length).toBeLessThan(300 * 1024);

  // The public check, signed out.
  const verifyHref = (await page.getByRole("link", { name: "验证页面" }).getAttribute("href"))!;
  await page.context().clearCookies();
  await page.goto(verifyHref);
  await expect(page.getByText("有效", { exact: true })).toBeVisible();
  await expect(page.getByText("张*明")).toBeVisible();
  await expect(page.getByText("张晓明")).toHaveCount(0);
  const missing = await page.goto("/verify/aaaaaaaaaaaaaaaaaaaaaaaaaa");
  expect(missing!.status()).toBe(404);
  await expect(page.getByText("证书不存在")).toBeVisible();
});

test("a refused class setting is named at its field, on a phone @phone", async ({ page, loginAs }) => {
  // The desktop project runs @phone tests too, on the same database: each project makes its own class.
  const term = test.info().project.name === "phone" ? 32 : 31;
  const name = `2026年秋季第${term}期入党积极分子培训班`;
  await loginAs("zzb001");
  await page.goto("/admin/classes");
  const create = page.locator("section", { has: page.getByRole("heading", { name: "新建培训班" }) });
  await create.getByLabel("培训班名称").fill(name);
  await create.getByLabel("类别").selectOption({ label: "入党积极分子" });
  await create.getByLabel("期次").fill(String(term));
  await create.getByLabel("主办单位").selectOption({ label: "中共示范大学委员会" });
  await create.getByLabel("开始日期").fill("2026-09-01");
  await create.getByLabel("结束日期").fill("2026-11-30");
  await create.getByRole("button", { name: "创建培训班" }).click();
  await expect(page.getByRole("heading", { name })).toBeVisible();

  // Weights that add up to 110 %: the server refuses, names the first weight and keeps the rest unmarked.
  await page.locator("summary", { hasText: "设置与结业条件" }).click();
  const settings = page.locator("form.class-form");
  await settings.getByLabel("平时 %").fill("50");
  await settings.getByRole("button", { name: "保存设置" }).click();
  await expect(page.getByRole("alert")).toContainText("权重之和必须是 100%");
  const exam = settings.getByRole("spinbutton", { name: /^考试 %/ });
  await expect(exam).toHaveAttribute("aria-invalid", "true");
  await expect(exam).toHaveAccessibleDescription(/权重之和必须是 100%/);
  await expect(settings.getByRole("spinbutton", { name: /^作业 %/ })).not.toHaveAttribute("aria-invalid");
  await exam.scrollIntoViewIfNeeded();
  fs.mkdirSync("test-results/shots", { recursive: true });
  await page.screenshot({ path: "test-results/shots/class-settings-field-error-phone.png" });
});
