// The 预备党员 demo trainee on a phone: signs in with the demo password, finds the course for their stage on
// the home page, opens its video lesson (the lecture video loads) and sits its one-attempt exam.
import { DEMO_PASSWORD } from "../../app/models/demo.server.ts";
import { expect, signInWithForm, test } from "./fixtures.ts";

const SHOTS = "test-results/probationary";

test("the 预备党员 demo trainee studies and sits the exam of the 预备党员 course @phone", async ({ page }, testInfo) => {
  // The exam allows one attempt, and both projects share one server: this is the phone journey only.
  test.skip(testInfo.project.name !== "phone", "phone journey");

  await signInWithForm(page, "2021030", DEMO_PASSWORD);
  await expect(page.getByRole("heading", { name: "您好，王浩然" })).toBeVisible();
  const course = page.locator(".home-courses li").filter({ hasText: "预备党员教育培训：预备期的教育和考察" });
  await expect(course).toContainText("学时 0/22");
  // Only the course for this stage: the activist and 发展对象 courses are not listed.
  await expect(page.locator(".home-courses li")).toHaveCount(1);
  await page.screenshot({ path: `${SHOTS}/1-home.png`, fullPage: true });

  await course.getByRole("link", { name: /预备党员教育培训/ }).click();
  await expect(page).toHaveURL(/\/courses\/yubei-dangyuan$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("预备期的教育和考察");
  for (const chapter of ["第一单元 预备期的意义和要求", "第二单元 党的组织生活", "第三单元 党性修养", "第四单元 转正"]) {
    await expect(page.getByRole("heading", { name: chapter })).toBeVisible();
  }
  await page.screenshot({ path: `${SHOTS}/2-course.png`, fullPage: true });

  const captions = page.waitForResponse((r) => r.url().endsWith("/media/courses/yubei-dangyuan/lecture-01.vtt"));
  await page.getByRole("link", { name: /^未开始 预备期：教育和考察 3 学时/ }).click();
  await expect(page).toHaveURL(/\/courses\/yubei-dangyuan\/lessons\/01-yubeiqi$/);
  const player = page.getByTestId("lesson-player");
  await expect(player.locator(".video-js")).toBeVisible();
  await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>(".video-js video")?.readyState ?? 0) >= 1);
  const video = await page.evaluate(() => {
    const v = document.querySelector<HTMLVideoElement>(".video-js video")!;
    return { duration: v.duration, width: v.videoWidth };
  });
  expect(video.duration).toBeGreaterThan(30);
  expect(video.width).toBe(640);
  const vtt = await captions; // the Chinese captions
  expect(vtt.status()).toBe(200);
  expect(await vtt.text()).toContain("预备党员的预备期为一年");
  await page.screenshot({ path: `${SHOTS}/3-video-lesson.png` });

  await page.goto("/courses/yubei-dangyuan");
  await page.getByRole("link", { name: /预备党员教育培训结业考试/ }).click();
  await expect(page).toHaveURL(/\/exams\/jieye-kaoshi$/);
  await page.getByRole("button", { name: "开始考试" }).click();
  await page.waitForURL(/\/exam-attempts\/\d+$/);
  await expect(page.getByRole("navigation", { name: "题目导航" })).toBeVisible();
  await expect(page.locator("a.exam-nav-item")).toHaveCount(37); // 15 单选 + 5 多选 + 10 判断 + 5 填空 + 2 简答
  await page.locator("#q-1").getByRole("radio").first().check();
  await expect(page.getByRole("status").filter({ hasText: /已保存 \d\d:\d\d:\d\d/ })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/4-exam.png` });

  await page.getByRole("button", { name: "交卷" }).first().click();
  const dialog = page.getByRole("dialog", { name: "确认交卷" });
  await expect(dialog).toContainText("以下 36 道题尚未作答");
  await dialog.getByRole("button", { name: "确认交卷" }).click();
  await page.waitForURL(/\/exam-attempts\/\d+\/result$/);
  await expect(page.getByText("本人交卷")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/5-result.png` });

  // One attempt, used: nothing more to start.
  await page.goto("/courses/yubei-dangyuan/exams/jieye-kaoshi");
  await expect(page.getByRole("button", { name: "开始考试" })).toHaveCount(0);
});
