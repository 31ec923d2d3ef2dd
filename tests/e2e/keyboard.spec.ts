// Keyboard-only journeys (Tab, Shift+Tab, Enter, Space, Escape and typing; no clicks): sign in, read a
// lesson, take and submit an exam, submit a 思想汇报 and grade it. Plus the phone checks of the same
// pages: the menu reaches every item, the exam chrome is compact, the attachment box fits.
import type { Locator, Page } from "@playwright/test";
import { DEMO_PASSWORD } from "../../app/models/demo.server.ts";
import { makeEssay, rng } from "../fixtures/essays.ts";
import { expect, test, withDb } from "./fixtures.ts";

const EXAM = "/courses/jijifenzi-peixun/exams/jieye-kaoshi";
const REPORT = "/courses/jijifenzi-peixun/assignments/01-sixiang-huibao";

/** Presses Tab until `target` has focus; fails after `max` presses. Returns the number of presses. */
async function tabTo(page: Page, target: Locator, max = 80): Promise<number> {
  for (let i = 0; i <= max; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return i;
    await page.keyboard.press("Tab");
  }
  throw new Error(`not reached with ${max} Tabs: ${target}`);
}

test("keyboard only: sign in, then read a lesson", async ({ page }) => {
  await page.goto("/login");
  await tabTo(page, page.getByLabel("学号/工号"));
  await page.keyboard.type("2023002");
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("密码")).toBeFocused();
  await page.keyboard.type(DEMO_PASSWORD);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "我的发展阶段" })).toBeVisible();

  // The first Tab of a page offers the skip link; it moves focus past the header.
  await page.goto("/courses/jijifenzi-peixun");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "跳到主要内容" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator("main")).toBeFocused();
  const lesson = page.getByRole("link", { name: /党的性质和宗旨/ }).first();
  expect(await tabTo(page, lesson, 20)).toBeLessThanOrEqual(20);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/lessons\/01-dang-de-xingzhi-zongzhi$/);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
});

test("keyboard only: take an exam; the 确认交卷 dialog traps focus, Escape closes it and focus returns", async ({ page, loginAsNewTrainee }) => {
  await loginAsNewTrainee();
  await page.goto(EXAM);
  await tabTo(page, page.getByRole("button", { name: /开始考试/ }));
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/exam-attempts\/\d+$/);
  await expect(page.getByRole("navigation", { name: "题目导航" })).toBeVisible();

  // 跳到第一题: the first answer is a few Tabs away, not dozens.
  await tabTo(page, page.getByRole("link", { name: "跳到第一题" }), 30);
  await page.keyboard.press("Enter");
  const first = page.locator("#q-1").getByRole("radio").first();
  expect(await tabTo(page, first, 3)).toBeLessThanOrEqual(3);
  await page.keyboard.press("Space");
  await expect(first).toBeChecked();
  await expect(page.getByTestId("save-status")).toHaveText(/已保存/);
  // The focus ring on an option is solid (not a faint outline).
  const ring = await page
    .locator("#q-1 .exam-option")
    .first()
    .evaluate((el) => getComputedStyle(el).outlineStyle + " " + getComputedStyle(el).outlineWidth);
  expect(ring).toBe("solid 3px");

  const open = page.getByRole("button", { name: "交卷", exact: true }).first();
  await open.focus(); // the same control Tab reaches; here only to keep the journey short
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "确认交卷" });
  await expect(dialog.getByRole("button", { name: "返回检查" })).toBeFocused();
  // Tab and Shift+Tab stay inside the dialog.
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press(i % 2 ? "Shift+Tab" : "Tab");
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(open).toBeFocused();

  await page.keyboard.press("Enter");
  await expect(dialog).toBeVisible();
  await page.keyboard.press("Shift+Tab");
  await expect(dialog.getByRole("button", { name: "确认交卷" })).toBeFocused();
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/exam-attempts\/\d+\/result$/);
  await expect(page.getByText("本人交卷")).toBeVisible();
});

test("a reload during an exam is not counted as leaving the page", async ({ page, loginAsNewTrainee }) => {
  await loginAsNewTrainee();
  await page.goto(EXAM);
  await page.getByRole("button", { name: /开始考试/ }).click();
  await page.waitForURL(/\/exam-attempts\/\d+$/);
  const id = Number(/(\d+)$/.exec(page.url())![1]);
  await expect(page.getByRole("navigation", { name: "题目导航" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("navigation", { name: "题目导航" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("navigation", { name: "题目导航" })).toBeVisible();
  // Switching away does count (the page turns hidden without unloading).
  await page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await expect
    .poll(() => withDb(async (db) => (await db.selectFrom("exam_attempts").select("leave_count").where("id", "=", id).executeTakeFirstOrThrow()).leave_count))
    .toBe(1);
});

test("keyboard only: submit a 思想汇报 (line breaks kept, status focused, nothing unsaved), then grade it", async ({ page, loginAsNewTrainee, loginAs }) => {
  const username = await loginAsNewTrainee();
  await page.goto(REPORT);
  const editor = page.getByLabel("正文（支持 Markdown）");
  await tabTo(page, editor);
  const essay = `${makeEssay(rng(19), 1600)}\n\n汇报人：键盘学员\n2026年5月1日`;
  await page.keyboard.insertText(essay);
  await expect(page.getByText("有未保存的修改")).toBeVisible();
  await tabTo(page, page.getByRole("button", { name: "提交", exact: true }));
  await page.keyboard.press("Enter");
  const status = page.getByRole("status").filter({ hasText: "已提交第 1 版" });
  await expect(status).toBeFocused();
  await expect(status).toBeInViewport();
  await expect(page.getByText("有未保存的修改")).toHaveCount(0);
  // The writer's line break stays a line break (the version is folded while it can still be edited).
  expect(await page.locator(".version .prose").first().innerHTML()).toContain("汇报人：键盘学员<br>2026年5月1日");

  await loginAs("js001");
  const id = await withDb(
    async (db) =>
      (
        await db
          .selectFrom("submissions as s")
          .innerJoin("users as u", "u.id", "s.user_id")
          .select("s.id")
          .where("u.username", "=", username)
          .executeTakeFirstOrThrow()
      ).id,
  );
  await page.goto(`/teach/jijifenzi-peixun/assignments/01-sixiang-huibao/${id}`);
  await expect(page.locator(".submission-text")).toContainText("汇报人：键盘学员\n2026年5月1日", { useInnerText: true });
  await tabTo(page, page.getByLabel(/分数/), 120);
  await page.keyboard.type("90");
  await tabTo(page, page.getByLabel("评语（支持 Markdown）"), 5);
  await page.keyboard.type("认识深刻。");
  await tabTo(page, page.getByRole("button", { name: "保存成绩" }), 10);
  await page.keyboard.press("Enter");
  await expect(page.getByText("已评分：90 分")).toBeVisible();
});

test.describe("at 390×844 on a touch screen", () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });

  test("the phone menu reaches every item by touch and keyboard", async ({ page, loginAs }) => {
    await loginAs("2023001");
    await page.goto("/");
    await expect(page.getByRole("heading", { name: "我的发展阶段" })).toBeVisible();
    await page.screenshot({ path: "test-results/phone-home.png" });
    const toggle = page.getByRole("button", { name: "菜单" });
    await expect(toggle).toHaveAttribute("aria-expanded", "false");
    await toggle.tap();
    const nav = page.getByRole("navigation", { name: "主导航" });
    for (const name of ["首页", "我的课程", "学习进度", "培训班", "我的证书", "修改密码"])
      await expect(nav.getByRole("link", { name, exact: true })).toBeInViewport();
    await page.screenshot({ path: "test-results/phone-menu.png" });
    await page.keyboard.press("Escape");
    await expect(toggle).toHaveAttribute("aria-expanded", "false");
    await expect(toggle).toBeFocused();
    await page.keyboard.press("Enter");
    await nav.getByRole("link", { name: "我的证书" }).tap();
    await expect(page).toHaveURL(/\/my\/certificates$/);
    await expect(nav).toBeHidden();
  });

  test("exam chrome is compact; footnote marks are 24 px targets; the attachment box fits", async ({ page, loginAsNewTrainee }) => {
    await loginAsNewTrainee();
    await page.goto(EXAM);
    await page.getByRole("button", { name: /开始考试/ }).tap();
    await page.waitForURL(/\/exam-attempts\/\d+$/);
    await expect(page.getByRole("navigation", { name: "题目导航" })).toBeVisible();
    await page.locator("#q-5").scrollIntoViewIfNeeded();
    const viewport = page.viewportSize()!;
    // Scrolled into the questions, what stays on screen is the exam bar alone: ≤ 15 % of the height.
    const chrome = await page.evaluate(() => {
      const covered = [...document.querySelectorAll<HTMLElement>(".topbar, .exam-bar")].map((el) => el.getBoundingClientRect()).filter((r) => r.bottom > 0);
      return Math.max(0, ...covered.map((r) => r.bottom));
    });
    expect(chrome / viewport.height).toBeLessThanOrEqual(0.15);
    await page.screenshot({ path: "test-results/phone-exam.png" });

    await page.goto("/courses/jijifenzi-peixun/lessons/01-dang-de-xingzhi-zongzhi");
    const marks = page.locator(".prose a[data-footnote-ref], .prose a[data-footnote-backref]");
    expect(await marks.count()).toBeGreaterThan(0);
    for (const box of await marks.evaluateAll((els) => els.map((el) => el.getBoundingClientRect()).map((r) => [r.width, r.height]))) {
      expect(Math.min(...box)).toBeGreaterThanOrEqual(24);
    }
    await page.screenshot({ path: "test-results/phone-lesson.png" });

    await page.goto(REPORT);
    const overflow = await page.locator(".attachments").evaluate((el) => {
      const card = el.closest(".card")!.getBoundingClientRect();
      const box = el.getBoundingClientRect();
      return Math.max(0, box.right - card.right, el.scrollWidth - el.clientWidth);
    });
    expect(overflow).toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
    await page.screenshot({ path: "test-results/phone-report.png", fullPage: false });
  });
});
