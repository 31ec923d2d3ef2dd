// What a phone downloads: video.js (about 210 KB compressed, with its stylesheet) only on a lesson whose
// video plays. The bench's `phone` measurement times the pages on slow 4G; this checks the rule itself.
import { expect, test } from "./fixtures.ts";

const VIDEO_JS = /\/assets\/video(\.es|-js)-[^/]+\.(js|css)$/;

test("@phone a text lesson downloads no video.js; a video lesson loads it and its stylesheet when the player starts", async ({ page, loginAsNewTrainee }) => {
  await loginAsNewTrainee();
  const requested: string[] = [];
  page.on("request", (r) => requested.push(new URL(r.url()).pathname));

  await page.goto("/courses/jijifenzi-peixun/lessons/02-zhidao-sixiang");
  await expect(page.locator(".topbar.js")).toBeAttached();
  await page.waitForLoadState("networkidle");
  expect(requested.filter((p) => p.startsWith("/assets/")).length).toBeGreaterThan(0);
  expect(requested.filter((p) => VIDEO_JS.test(p))).toEqual([]);

  await page.goto("/courses/jijifenzi-peixun/lessons/01-dang-de-xingzhi-zongzhi");
  await expect(page.locator(".video-js")).toBeVisible();
  const video = requested.filter((p) => VIDEO_JS.test(p));
  expect(video.some((p) => p.endsWith(".js"))).toBe(true);
  expect(video.some((p) => p.endsWith(".css"))).toBe(true);
  // The stylesheet applies: without it the big play button would be an ordinary button in the flow.
  await expect(page.locator(".vjs-big-play-button")).toHaveCSS("position", "absolute");
  await page.screenshot({ path: test.info().outputPath("video-lesson.png") });
});
