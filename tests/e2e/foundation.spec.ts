import { DEMO_PASSWORD } from "../../app/models/demo.server.ts";
import { expect, signInWithForm, test } from "./fixtures.ts";

const homes = [
  { username: "2023001", sees: "我的发展阶段", current: "入党积极分子" },
  { username: "2022015", sees: "我的发展阶段", current: "发展对象" },
  { username: "2021030", sees: "我的发展阶段", current: "预备党员" },
  { username: "js001", sees: "教师工作台" },
  { username: "sj001", sees: "学员概况", nav: "本支部学员" },
  { username: "zzb001", sees: "组织部管理", nav: "用户管理" },
];

for (const h of homes) {
  test(`demo account ${h.username} signs in and sees its home`, async ({ page }) => {
    await signInWithForm(page, h.username, DEMO_PASSWORD);
    await expect(page.getByRole("heading", { name: h.sees })).toBeVisible();
    if (h.current) await expect(page.locator('[aria-current="step"]')).toHaveText(new RegExp(h.current));
    const nav = page.getByRole("navigation", { name: "主导航" });
    if (h.nav) await expect(nav.getByRole("link", { name: h.nav })).toBeVisible();
    else await expect(nav.getByRole("link", { name: "用户管理" })).toHaveCount(0);
  });
}

test("a wrong password shows a generic message", async ({ page }) => {
  await signInWithForm(page, "2023001", "not-the-password1");
  await expect(page.getByRole("alert")).toHaveText("学号/工号或密码不正确");
});

test("an admin creates an account; its owner must change the one-time password at first sign-in", async ({ page, loginAs, context }) => {
  await loginAs("zzb001");
  await page.goto("/admin/users/new");
  await page.getByLabel("学号/工号").fill("2024888");
  await page.getByLabel("姓名").fill("测试新生");
  await page.getByLabel("女").check();
  await page.getByLabel("所属组织").selectOption({ label: "\u3000\u3000计算机学院研究生党支部" });
  await page.getByLabel("发展阶段").selectOption("activist");
  await page.getByLabel(/支部决定日期/).fill("2026-09-01");
  await page.getByRole("button", { name: "创建并生成一次性密码" }).click();
  const otp = (await page.getByTestId("one-time-password").textContent())!.trim();
  expect(otp).toMatch(/^\w{10}$/);

  await context.clearCookies();
  await signInWithForm(page, "2024888", otp);
  await expect(page).toHaveURL(/\/account\/password$/);
  await expect(page.getByText("您正在使用一次性密码")).toBeVisible();
  await page.getByLabel("当前密码").fill(otp);
  await page.getByLabel(/^新密码/).fill("mynewpass2026");
  await page.getByLabel("确认新密码").fill("mynewpass2026");
  await page.getByRole("button", { name: "保存新密码" }).click();
  await expect(page.getByText("密码已修改")).toBeVisible();
  await expect(page.getByRole("heading", { name: "您好，测试新生" })).toBeVisible();
});

test("signing out ends the session @phone", async ({ page, loginAs }) => {
  await loginAs("2023001");
  await page.goto("/");
  await page.getByRole("button", { name: "退出" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
});

test("pages fit a phone screen without sideways scrolling @phone", async ({ page, loginAs }) => {
  await loginAs("zzb001");
  for (const url of ["/", "/admin/users", "/admin/org", "/login"]) {
    await page.goto(url);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, url).toBeLessThanOrEqual(0);
  }
});
