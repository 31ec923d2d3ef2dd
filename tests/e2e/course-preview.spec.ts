// The whole-course preview on a phone: an instructor publishes a course, edits a lesson in the browser
// editor without publishing, and previews the whole course as trainees will see it (the draft's text, the
// trainee's player, an assignment's brief, an exam's rules) — no heartbeat is sent; a trainee still reads the
// published text and gets 404 for the preview. Screenshots go to test-results/course-preview/.
import type { Request } from "@playwright/test";
import { addFirstLesson, expect, fillNewCourse, test } from "./fixtures.ts";

const SHOTS = "test-results/course-preview";
const DEMO = "jijifenzi-peixun";

test("@phone an instructor previews the unpublished draft of a whole course; a trainee does not see it", async ({
  page,
  context,
  loginAs,
  loginAsNewTrainee,
}, testInfo) => {
  test.skip(testInfo.project.name !== "phone", "phone journey");
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 390, height: 844 });
  const recorded: string[] = [];
  const watch = (r: Request) => {
    if (r.method() !== "GET") recorded.push(`${r.method()} ${new URL(r.url()).pathname}`);
  };
  const slug = `e2e-preview-${Date.now().toString(36)}`;
  await loginAs("js001");

  // A browser course for 入党积极分子 with one lesson, published.
  await page.goto("/teach/new");
  await fillNewCourse(page, { slug, title: "预览测试课程", summary: "用于整门课预览的测试课程。" });
  await addFirstLesson(page, slug);
  await expect(page.getByRole("heading", { level: 1, name: "编辑课时 lessons/01-xingzhi.md" })).toBeVisible();
  const source = page.getByLabel(/^文件内容/);
  const template = await source.inputValue();
  const front = template.slice(0, template.indexOf("\n---\n") + 5);
  await source.fill(`${front}\n中国共产党是中国工人阶级的先锋队。\n`);
  await page.getByRole("button", { name: "保存草稿" }).click();
  await expect(page.getByText("本文件校验通过。")).toBeVisible();
  await page.getByRole("link", { name: "返回课程" }).click();
  await page.getByRole("button", { name: "发布", exact: true }).click();
  await page.getByRole("dialog", { name: "发布课程？" }).getByRole("button", { name: "确认发布" }).click();
  await expect(page.getByText("已发布：学员现在可以看到最新内容。")).toBeVisible();

  // The lesson is edited in the browser editor and saved to the draft, not published.
  await page.goto(`/teach/${slug}/edit/lessons/01-xingzhi.md`);
  await source.fill(`${front}\n中国共产党是中国工人阶级的先锋队。\n\n## 草稿新增\n\n坚持党的全面领导（尚未发布的修改）。\n`);
  await page.getByRole("button", { name: "保存草稿" }).click();
  await expect(page.getByText(/已保存到草稿/)).toBeVisible();
  await page.getByRole("link", { name: "返回课程" }).click();
  await expect(page.getByText("草稿有未发布的修改")).toBeVisible();

  // The whole-course preview: the course page, then the lesson with the draft's text.
  page.on("request", watch);
  await page.getByRole("link", { name: /^预览整门课/ }).click();
  await expect(page).toHaveURL(`/teach/${slug}/trainee-preview`);
  await expect(page.getByText("预览 — 学员尚看不到此版本。")).toBeVisible();
  await expect(page.getByRole("heading", { level: 1, name: "预览测试课程" })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/1-course-phone.png`, fullPage: true });
  await page
    .getByRole("link", { name: /党的性质/ })
    .first()
    .click();
  await expect(page).toHaveURL(`/teach/${slug}/trainee-preview/lessons/01-xingzhi`);
  await expect(page.getByRole("heading", { name: "草稿新增" })).toBeVisible();
  await expect(page.locator(".prose")).toContainText("坚持党的全面领导（尚未发布的修改）。");
  await expect(page.getByTestId("lesson-progress")).toContainText("预览：不记录学习进度");
  await page.screenshot({ path: `${SHOTS}/2-lesson-phone.png`, fullPage: true });

  // A video lesson, an assignment and an exam of a course as trainees will get them, with nothing to submit.
  await page.goto(`/teach/${DEMO}/trainee-preview/lessons/01-dang-de-xingzhi-zongzhi`);
  await expect(page.getByTestId("lesson-player").locator(".video-js")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/3-video-lesson-phone.png` });
  await page.goto(`/teach/${DEMO}/trainee-preview`);
  await page
    .getByRole("link", { name: /思想汇报/ })
    .first()
    .click();
  await expect(page.getByText("题目要求")).toBeVisible();
  await expect(page.locator("main form, main textarea")).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/4-assignment-phone.png` });
  await page.goto(`/teach/${DEMO}/trainee-preview`);
  await page
    .getByRole("link", { name: /结业考试/ })
    .first()
    .click();
  await expect(page.getByText("限时（分钟）")).toBeVisible();
  await expect(page.getByRole("button", { name: "开始考试" })).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/5-exam-phone.png`, fullPage: true });
  page.off("request", watch);
  expect(recorded, "the preview sent no heartbeat, presence, answer or submission").toEqual([]);

  // A trainee reads the published lesson, without the draft's change, and cannot open the preview.
  await context.clearCookies();
  await loginAsNewTrainee("activist");
  await page.goto(`/courses/${slug}/lessons/01-xingzhi`);
  await expect(page.locator(".prose")).toContainText("中国共产党是中国工人阶级的先锋队。");
  await expect(page.locator(".prose")).not.toContainText("草稿新增");
  const refused = await page.goto(`/teach/${slug}/trainee-preview/lessons/01-xingzhi`);
  expect(refused?.status()).toBe(404);
  await expect(page.getByText("草稿新增")).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/6-trainee-404-phone.png`, fullPage: true });
});
