// The trainee journeys inside WeChat's in-app browser (its Android user agent, a 390×844 touch screen):
// home and menu, a video lesson that plays in the page, an exam started, answered and handed in, a
// 思想汇报 handed in, and 我的证书 telling how to save a file.
import { makeEssay, rng } from "../fixtures/essays.ts";
import { expect, test } from "./fixtures.ts";

const WECHAT_UA =
  "Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64";

test.use({ userAgent: WECHAT_UA, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });

test("inside WeChat: menu, a video lesson in the page, an exam, a 思想汇报, 我的证书", async ({ page, loginAsNewTrainee }) => {
  await loginAsNewTrainee();
  await page.goto("/");
  await page.getByRole("button", { name: "菜单" }).tap();
  await page.getByRole("navigation", { name: "主导航" }).getByRole("link", { name: "我的课程" }).tap();
  await expect(page).toHaveURL(/\/courses$/);

  // The video plays inside the page: every inline attribute WeChat's browsers look at is on the <video>.
  await page.goto("/courses/jijifenzi-peixun/lessons/01-dang-de-xingzhi-zongzhi");
  const video = page.locator("video.vjs-tech");
  await expect(video).toHaveCount(1);
  for (const attr of ["playsinline", "webkit-playsinline", "x5-playsinline"]) await expect(video).toHaveAttribute(attr, /.*/);
  // Captions are drawn by video.js (above its control bar), not by the browser under it.
  await expect(page.locator(".vjs-text-track-display")).toHaveCount(1);
  await page.screenshot({ path: "test-results/wechat-lesson.png" });

  await page.goto("/courses/jijifenzi-peixun/exams/jieye-kaoshi");
  await page.getByRole("button", { name: /开始考试/ }).tap();
  await page.waitForURL(/\/exam-attempts\/\d+$/);
  await page.locator("#q-1").getByRole("radio").first().tap();
  await expect(page.getByTestId("save-status")).toHaveText(/已保存/);
  await page.getByRole("button", { name: "交卷", exact: true }).first().tap();
  await page.getByRole("dialog", { name: "确认交卷" }).getByRole("button", { name: "确认交卷" }).tap();
  await page.waitForURL(/\/result$/);
  await expect(page.getByText("本人交卷")).toBeVisible();

  await page.goto("/courses/jijifenzi-peixun/assignments/01-sixiang-huibao");
  await page.getByLabel("正文（支持 Markdown）").fill(makeEssay(rng(47), 1600));
  await page.getByRole("button", { name: "提交", exact: true }).tap();
  await expect(page.getByText("已提交第 1 版")).toBeVisible();

  await page.goto("/my/certificates");
  await expect(page.getByTestId("wechat-hint")).toContainText("在浏览器打开");
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});
