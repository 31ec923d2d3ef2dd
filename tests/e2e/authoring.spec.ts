import path from "node:path";
import { addFirstLesson, expect, fillNewCourse, test } from "./fixtures.ts";

const FIGURE = path.resolve("tests/fixtures/courses/sample/media/figure.png");
/** Whether an <img> really loaded (a broken image has naturalWidth 0). */
const loaded = (img: import("@playwright/test").Locator) =>
  img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0);

test("an instructor writes a lesson with live preview and publishes it; a trainee reads the change", async ({ page, context, loginAs }) => {
  const slug = `e2e-${Date.now().toString(36)}`;
  await loginAs("js001");

  // A new browser course for 入党积极分子.
  await page.goto("/teach");
  await page.getByRole("link", { name: "新建课程" }).click();
  await fillNewCourse(page, { slug, title: "端到端测试课程", summary: "用于浏览器测试的课程。" });
  await expect(page.getByText("未发布", { exact: true })).toBeVisible();

  // Upload an image into the draft: its type is read from its content, its name made safe.
  await page.getByRole("link", { name: /^媒体文件/ }).click();
  await page.getByLabel(/^选择文件/).setInputFiles(FIGURE);
  await page.getByRole("button", { name: "上传到草稿" }).click();
  await expect(page.getByText("已上传：media/figure.png")).toBeVisible();
  await expect(page.getByText("![说明](../media/figure.png)")).toBeVisible();
  await page.getByRole("link", { name: "端到端测试课程" }).click();

  // Add a lesson through the form; it opens in the editor.
  await addFirstLesson(page, slug);

  // Typing updates the preview (server-rendered with the lesson page's renderer) before anything is saved.
  const source = page.getByLabel(/^文件内容/);
  const preview = page.getByTestId("preview");
  await expect(preview).toContainText("在这里用 Markdown 写正文");
  await expect(page.getByRole("button", { name: "预览", exact: true })).toHaveCount(0); // hydrated: the no-JS preview button is gone
  const template = await source.inputValue();
  const front = template.slice(0, template.indexOf("\n---\n") + 5);
  await source.fill(`${front}\n## 先锋队\n\n中国共产党是中国工人阶级的先锋队，同时是中国人民和中华民族的先锋队。\n\n![示意图](../media/figure.png)\n`);
  await expect(preview.getByRole("heading", { name: "先锋队" })).toBeVisible();
  await expect.poll(() => loaded(preview.getByRole("img", { name: "示意图" }))).toBe(true); // the unpublished image, from the draft
  await expect(preview).not.toContainText("在这里用 Markdown 写正文");
  await source.press("End");
  await source.pressSequentially("\n> 见《中国共产党章程》总纲。");
  await expect(preview.locator("blockquote")).toContainText("见《中国共产党章程》总纲。");

  // A mistake shows its line number; fixing it and saving leaves the file valid.
  await source.fill((await source.inputValue()).replace("hours: 1", "hours: 0"));
  await page.getByRole("button", { name: "保存草稿" }).click();
  await expect(page.getByRole("button", { name: "第 4 行" })).toBeVisible();
  await expect(page.getByText("学时（hours）必须是大于 0 的数")).toBeVisible();
  await source.fill((await source.inputValue()).replace("hours: 0", "hours: 1"));
  await page.getByRole("button", { name: "保存草稿" }).click();
  await expect(page.getByText("本文件校验通过。")).toBeVisible();
  await expect(page.getByText(/已保存到草稿/)).toBeVisible();

  // Publish from the course page.
  await page.getByRole("link", { name: "返回课程" }).click();
  await expect(page).toHaveURL(`/teach/${slug}`);
  await page.getByRole("button", { name: "发布", exact: true }).click();
  // 发布 asks first; Escape (or 取消) leaves the course unpublished.
  const ask = page.getByRole("dialog", { name: "发布课程？" });
  await expect(ask.getByRole("button", { name: "取消" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(ask).toBeHidden();
  await expect(page.getByRole("button", { name: "发布", exact: true })).toBeFocused();
  await page.getByRole("button", { name: "发布", exact: true }).click();
  await ask.getByRole("button", { name: "确认发布" }).click();
  await expect(page.getByText("已发布：学员现在可以看到最新内容。")).toBeVisible();

  // The trainee (入党积极分子) opens the lesson and reads what was published.
  await context.clearCookies();
  await loginAs("2023001");
  await page.goto(`/courses/${slug}/lessons/01-xingzhi`);
  const prose = page.locator(".prose");
  await expect(prose.getByRole("heading", { name: "先锋队" })).toBeVisible();
  await expect(prose).toContainText("同时是中国人民和中华民族的先锋队");
  await expect(prose.locator("blockquote")).toContainText("见《中国共产党章程》总纲。");
  await expect.poll(() => loaded(prose.getByRole("img", { name: "示意图" }))).toBe(true); // published with the course
});
