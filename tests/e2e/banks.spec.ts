// 题库 in the browser: list, template download, upload → preview with numbered errors and duplicates →
// confirm (a file course hands back the merged bank file), Excel export, and a trainee kept out.
import ExcelJS from "exceljs";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "./fixtures.ts";

const PAGE = "/teach/jijifenzi-peixun/bank";

async function importFile(): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("题库");
  ws.addRow(["题型", "题干", "选项A", "选项B", "选项C", "答案", "分值", "难度", "知识点"]);
  ws.addRow(["单选", "浏览器测试：党的根本组织原则是（ ）。", "民主集中制", "集体领导", "个人分工负责", "A", 2, "易", "组织原则"]);
  ws.addRow(["单选", "浏览器测试：两个答案的单选", "甲", "乙", "丙", "AB", 2, "易", ""]);
  ws.addRow(["单选", "中国共产党是中国工人阶级的先锋队，同时是（ ）的先锋队。", "中国农民", "中国人民和中华民族", "", "B", 2, "易", ""]);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "bank-e2e-")), "新题目.xlsx");
  await wb.xlsx.writeFile(file);
  return file;
}

test("an instructor previews an Excel import with its bad rows and duplicates, then downloads the merged bank", async ({ page, loginAs }) => {
  await loginAs("js001");
  await page.goto(PAGE);
  await expect(page.getByRole("heading", { name: "题库", exact: true })).toBeVisible();
  await expect(page.getByRole("cell", { name: /bank\/jiben-zhishi\.md/ })).toBeVisible();

  const template = page.waitForEvent("download");
  await page.getByRole("link", { name: "下载 Excel 导入模板" }).click();
  expect((await template).suggestedFilename()).toBe("题库导入模板.xlsx");

  await page.getByLabel("选择文件").setInputFiles(await importFile());
  await page.getByRole("button", { name: "上传并预览" }).click();
  await expect(page).toHaveURL(/\?import=[0-9a-f]{64}$/);
  await expect(page.getByRole("heading", { name: "导入预览" })).toBeVisible();
  await expect(page.getByText("第 3 行：单选题必须有且只有一个正确答案")).toBeVisible();
  await expect(page.getByText(/第 4 行「中国共产党是中国工人阶级的先锋队.*」：与题库中已有的题目相同$/)).toBeVisible();
  await expect(page.getByRole("cell", { name: /^浏览器测试：党的根本组织原则是/ })).toBeVisible();

  // The button says what must be decided first, instead of sending a request the server refuses.
  const confirm = page.locator(".confirm-form button[type=submit]");
  await expect(confirm).toHaveText("请先决定：有 1 处错误：勾选“跳过有错误的行”；有 1 道重复题：勾选“跳过重复的题目”");
  await expect(confirm).toBeDisabled();
  await page.getByLabel("跳过有错误的行，只导入其余题目").check();
  await expect(confirm).toHaveText("请先决定：有 1 道重复题：勾选“跳过重复的题目”");
  await expect(confirm).toBeDisabled();
  await page.getByLabel("跳过重复的题目").check();
  await expect(confirm).toHaveText("生成并下载题库文件");
  await expect(confirm).toBeEnabled();
  const merged = page.waitForEvent("download");
  await page.getByRole("button", { name: "生成并下载题库文件" }).click();
  const download = await merged;
  expect(download.suggestedFilename()).toBe("jiben-zhishi.md");
  const text = fs.readFileSync((await download.path())!, "utf8");
  expect(text).toContain("## 单选 [2分] [易] [知识点:组织原则]\n浏览器测试：党的根本组织原则是（ ）。\n- [x] 民主集中制");
  expect(text).not.toContain("两个答案的单选");

  const exported = page.waitForEvent("download");
  await page.getByRole("link", { name: "Excel", exact: true }).first().click();
  expect((await exported).suggestedFilename()).toMatch(/\.xlsx$/);
});

test("@phone the import preview says what must be decided before confirming", async ({ page, loginAs }) => {
  await loginAs("js001");
  await page.goto(PAGE);
  await page.getByLabel("选择文件").setInputFiles(await importFile());
  await page.getByRole("button", { name: "上传并预览" }).click();
  const confirm = page.locator(".confirm-form button[type=submit]");
  await expect(confirm).toBeDisabled();
  await confirm.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(os.tmpdir(), "bank-confirm-undecided-phone.png") });
  await page.getByLabel("跳过有错误的行，只导入其余题目").check();
  await page.getByLabel("跳过重复的题目").check();
  await expect(confirm).toBeEnabled();
  await page.screenshot({ path: path.join(os.tmpdir(), "bank-confirm-decided-phone.png") });
});

test("a trainee cannot open the bank page", async ({ page, loginAs }) => {
  await loginAs("2023001");
  const res = await page.goto(PAGE);
  expect(res!.status()).toBe(403);
});
