import { expect, test } from "./fixtures.ts";

const LESSON = "/courses/test-progress/lessons/01-video";

test("a trainee plays the video, reloads, resumes where they left off, and completes the lesson", async ({ page, loginAsNewTrainee }) => {
  await loginAsNewTrainee();
  await page.goto(LESSON);
  const player = page.getByTestId("lesson-player");
  await expect(player.locator(".video-js")).toBeVisible();
  await page.evaluate(() => {
    const v = document.querySelector<HTMLVideoElement>(".video-js video")!;
    v.muted = true;
  });
  await player.locator(".vjs-big-play-button").click();
  await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>(".video-js video")?.currentTime ?? 0) > 3.5);
  await page.evaluate(() => document.querySelector<HTMLVideoElement>(".video-js video")!.pause());
  const stoppedAt = await page.evaluate(() => document.querySelector<HTMLVideoElement>(".video-js video")!.currentTime);
  // The pause sends a beat: wait until the server has credited it (the status line shows coverage).
  await expect(page.getByTestId("lesson-progress")).toContainText(/已观看 [1-9]\d*%|本课已完成/, { timeout: 20_000 });

  await page.reload();
  await expect(player.locator(".video-js")).toBeVisible();
  await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>(".video-js video")?.readyState ?? 0) >= 1);
  const resumedAt = await page.evaluate(() => document.querySelector<HTMLVideoElement>(".video-js video")!.currentTime);
  expect(resumedAt).toBeGreaterThan(1.5);
  expect(Math.abs(resumedAt - stoppedAt)).toBeLessThan(1.5);

  // Play on to the end: coverage passes the test course's 50% threshold and the lesson completes.
  await page.evaluate(() => {
    const v = document.querySelector<HTMLVideoElement>(".video-js video")!;
    v.muted = true;
    return v.play();
  });
  await page.waitForFunction(() => document.querySelector<HTMLVideoElement>(".video-js video")!.ended, null, { timeout: 20_000 });
  await expect(page.getByTestId("lesson-progress")).toContainText("本课已完成", { timeout: 20_000 });

  await page.goto("/courses/test-progress");
  await expect(page.getByRole("link", { name: /短视频课/ }).locator(".mark.done")).toBeVisible();
});

test("seeking past the furthest point is pulled back while the lesson is incomplete", async ({ page, loginAsNewTrainee }) => {
  await loginAsNewTrainee();
  await page.goto(LESSON);
  await expect(page.getByTestId("lesson-player").locator(".video-js")).toBeVisible();
  await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>(".video-js video")?.readyState ?? 0) >= 1);
  const asked = await page.evaluate(() => {
    const v = document.querySelector<HTMLVideoElement>(".video-js video")!;
    v.currentTime = 7;
    return v.currentTime; // reads back the requested position at once
  });
  expect(asked).toBe(7);
  // Then the player pulls it back: waited for, not slept on.
  await expect.poll(() => page.evaluate(() => document.querySelector<HTMLVideoElement>(".video-js video")!.currentTime)).toBeLessThan(3);
});

test("a second tab of the same trainee is told that another page is earning time", async ({ context, loginAsNewTrainee }) => {
  await loginAsNewTrainee();
  const first = await context.newPage();
  await first.goto("/courses/test-progress/lessons/02-reading");
  await expect(first.getByTestId("lesson-progress")).toContainText("已阅读");
  const second = await context.newPage();
  await second.goto("/courses/test-progress/lessons/01-video");
  await expect(second.getByText("您正在其他页面或设备上学习")).toBeVisible({ timeout: 20_000 });
  await second.getByRole("button", { name: "在此继续学习" }).click();
  await expect(second.getByText("您正在其他页面或设备上学习")).toHaveCount(0);
});
