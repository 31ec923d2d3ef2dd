// The organization department's desk in a browser: a roster CSV in GBK is uploaded, previewed with its
// bad row, refused until 跳过错误行 is ticked, imported; the one-time password sheet downloads; a new
// account signs in with its one-time password; the import shows in the audit log and exports.
import ExcelJS from "exceljs";
import { createRequire } from "node:module";
import fs from "node:fs";
import { expect, signInWithForm, test } from "./fixtures.ts";

const iconv = createRequire(import.meta.url)("iconv-lite") as { encode(text: string, encoding: string): Buffer };

const CSV = [
  "学号/工号,姓名,性别,二级党委,党支部,发展阶段,角色,手机,邮箱",
  "2026901,周一,男,计算机学院党委,计算机学院本科生第一党支部,入党积极分子,学员,13800000001,",
  "2026902,吴二,女,计算机学院党委,计算机学院研究生党支部,发展对象,学员,,",
  "2026903,郑三,男,计算机学院党委,马克思主义学院本科生党支部,入党积极分子,学员,,",
].join("\r\n");

test("an admin imports a GBK roster, hands out passwords, and finds the import in the audit log", async ({ page, loginAs, browser, baseURL }) => {
  await loginAs("zzb001");
  await page.goto("/admin/users");
  await page.getByRole("link", { name: "批量导入" }).click();
  await expect(page.getByRole("heading", { name: "批量导入用户" })).toBeVisible();
  await page.locator('input[type="file"]').setInputFiles({ name: "名单.csv", mimeType: "text/csv", buffer: iconv.encode(CSV, "gbk") });
  await page.getByRole("button", { name: "上传并预览" }).click();
  await expect(page.getByText("CSV（GB18030 编码）")).toBeVisible();
  await expect(page.getByTestId("count-creates")).toHaveText("2");
  await expect(page.getByTestId("count-errors")).toHaveText("1");
  await expect(page.getByText("第 4 行（2026903）：党支部「马克思主义学院本科生党支部」不在二级党委「计算机学院党委」下")).toBeVisible();

  await page.getByRole("button", { name: "确认导入" }).click();
  await expect(page.getByText("未导入任何数据")).toBeVisible();
  await page.getByLabel(/跳过错误行/).check();
  await page.getByRole("button", { name: "确认导入" }).click();
  await expect(page.getByRole("heading", { name: "导入完成" })).toBeVisible();
  const rows = page.getByTestId("issued-passwords").locator("tbody tr");
  await expect(rows).toHaveCount(2);
  const password = (await rows.first().locator("code").textContent())!;
  expect(password).toMatch(/^[A-Za-z2-9]{10}$/);

  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "下载密码表（Excel）" }).click()]);
  expect(download.suggestedFilename()).toBe("一次性密码.xlsx");
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(new Uint8Array(fs.readFileSync((await download.path())!)).buffer);
  expect(wb.worksheets[0]!.getRow(2).values).toEqual([
    undefined,
    "2026901",
    "周一",
    "计算机学院党委 / 计算机学院本科生第一党支部",
    password,
    `${baseURL}/login`,
  ]);

  // The new account signs in with its one-time password and is sent to change it.
  const other = await browser.newContext({ baseURL });
  const trainee = await other.newPage();
  await signInWithForm(trainee, "2026901", password);
  await expect(trainee).toHaveURL(/\/account\/password/);
  await other.close();

  await page.goto("/admin/audit");
  await page.getByLabel("操作", { exact: true }).selectOption("user.import");
  await page.getByRole("button", { name: "筛选" }).click();
  await expect(page.getByTestId("audit-total")).toHaveText(/共 1 条/);
  // The detail reads as labelled fields, not JSON.
  await expect(page.locator("dl.fields > div", { has: page.locator("dt", { hasText: /^新建$/ }) }).locator("dd")).toHaveText("2");
  await expect(page.getByText('"created"')).toHaveCount(0);
  await page.screenshot({ path: "test-results/desk-scale/8-audit-log.png" });
  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "导出 CSV" }).click()]);
  const bytes = fs.readFileSync((await csv.path())!);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(bytes.toString("utf8")).toContain("批量导入用户");
});
