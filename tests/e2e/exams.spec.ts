// The demo exam in a real browser: autosave, the offline queue (also across a reload), resume with the
// server's remaining time on a skewed browser clock, time-out auto-submit, and the no-JavaScript form.
import type { Page } from "@playwright/test";
import { expect, test, withDb } from "./fixtures.ts";

const EXAM = "/courses/jijifenzi-peixun/exams/jieye-kaoshi";
const OFFLINE = /网络已断开：\d+ 道题的答案保存在本机/;

const savedAnswers = (attemptId: number) =>
  withDb((db) => db.selectFrom("attempt_answers").select(["question_id", "answer", "seq"]).where("attempt_id", "=", attemptId).execute());

async function startExam(page: Page): Promise<number> {
  await page.goto(EXAM);
  await page.getByRole("button", { name: /开始考试|继续考试/ }).click();
  await page.waitForURL(/\/exam-attempts\/\d+$/);
  await expect(page.getByRole("navigation", { name: "题目导航" })).toBeVisible(); // hydrated: the one-page exam
  return Number(/\/exam-attempts\/(\d+)$/.exec(page.url())![1]);
}

/** Positions follow the draw rules: 15 单选, 5 多选, 10 判断, 5 填空, 2 简答. */
const question = (page: Page, position: number) => page.locator(`#q-${position}`);

test("autosave, offline queue kept across a reload, resume with the server's remaining time", async ({ page, context, loginAs }) => {
  // The browser's clock is three hours fast: the countdown must not care.
  await context.addInitScript(() => {
    const real = Date.now.bind(Date);
    Date.now = () => real() + 3 * 3600_000;
  });
  await loginAs("2023001");
  const id = await startExam(page);
  await expect(page.getByText("解析")).toHaveCount(0);

  await question(page, 1).getByRole("radio").first().check();
  await question(page, 21).getByRole("radio", { name: "正确" }).check();
  await expect(page.getByRole("status").filter({ hasText: /已保存 \d\d:\d\d:\d\d/ })).toBeVisible();
  await expect.poll(async () => (await savedAnswers(id)).length).toBe(2);
  await expect(page.locator("a.exam-nav-item.answered")).toHaveCount(2);

  // The network drops: answers queue in the browser and the page says so.
  await context.setOffline(true);
  await question(page, 2).getByRole("radio").nth(1).check();
  await question(page, 31).getByRole("textbox").first().fill("共产主义");
  await question(page, 36).getByRole("textbox").fill("坚持党和人民的利益高于一切。");
  await expect(page.getByText(OFFLINE)).toBeVisible({ timeout: 10_000 });
  const queued = () => page.evaluate((k) => JSON.parse(localStorage.getItem(k) ?? "[]").length, `dx-exam-queue-${id}`);
  await expect.poll(queued).toBe(3);
  expect(await savedAnswers(id)).toHaveLength(2);

  // Back online: the queue goes out in order and everything is in the database.
  await context.setOffline(false);
  await expect(page.getByText(OFFLINE)).toBeHidden({ timeout: 15_000 });
  await expect.poll(async () => (await savedAnswers(id)).length, { timeout: 15_000 }).toBe(5);
  const rows = await savedAnswers(id);
  expect(rows.map((r) => JSON.parse(r.answer)).some((a) => a.blanks?.[0] === "共产主义")).toBe(true);
  expect(rows.map((r) => JSON.parse(r.answer))).toContainEqual({ text: "坚持党和人民的利益高于一切。" });

  // Saves fail (server unreachable for them) and the page is reloaded: the queue survives in localStorage.
  await page.route("**/answers", (route) => route.abort("internetdisconnected"));
  await question(page, 22).getByRole("radio", { name: "错误" }).check();
  await expect(page.getByText(OFFLINE)).toBeVisible({ timeout: 10_000 });
  await page.reload();
  await expect(page.getByRole("navigation", { name: "题目导航" })).toBeVisible();
  await expect(question(page, 22).getByRole("radio", { name: "错误" })).toBeChecked();
  await expect(question(page, 31).getByRole("textbox").first()).toHaveValue("共产主义");
  await page.unroute("**/answers");
  await expect.poll(async () => (await savedAnswers(id)).length, { timeout: 15_000 }).toBe(6);

  // The countdown is the server's deadline minus the server's time, whatever the browser's clock says.
  const deadline = await withDb((db) => db.selectFrom("exam_attempts").select("deadline_at").where("id", "=", id).executeTakeFirstOrThrow());
  const shown = await page.getByTestId("countdown").textContent();
  const [m, s] = shown!.split(":").map(Number);
  const expected = (deadline.deadline_at * 1000 - Date.now()) / 1000;
  expect(Math.abs(m * 60 + s - expected)).toBeLessThan(5);
  expect(expected).toBeGreaterThan(35 * 60);
});

test("a short exam runs out of time and is submitted with its answers", async ({ page, loginAs }) => {
  await loginAs("2023002");
  const id = await startExam(page);
  await question(page, 1).getByRole("radio").first().check();
  await expect.poll(async () => (await savedAnswers(id)).length).toBe(1);
  // Shorten the deadline on the server (as an instructor's override could), then resume.
  await withDb((db) =>
    db
      .updateTable("exam_attempts")
      .set({ deadline_at: Math.floor(Date.now() / 1000) + 8 })
      .where("id", "=", id)
      .execute(),
  );
  await page.reload();
  await expect(page.getByText("距离考试结束还有 1 分钟")).toBeVisible();
  await question(page, 21).getByRole("radio", { name: "正确" }).check();
  await page.waitForURL(`**/exam-attempts/${id}/result`, { timeout: 30_000 });
  await expect(page.getByText("时间到自动交卷")).toBeVisible();
  const attempt = await withDb((db) => db.selectFrom("exam_attempts").select(["status", "finalized_by"]).where("id", "=", id).executeTakeFirstOrThrow());
  expect(attempt.status).not.toBe("in_progress");
  expect(attempt.finalized_by).toBe("deadline_read");
  expect(await savedAnswers(id)).toHaveLength(2);
});

test("submitting asks to confirm and lists unanswered questions", async ({ page, loginAs }) => {
  await loginAs("2021030"); // 预备党员: not the audience, so use a fresh activist session instead
  await page.goto(EXAM);
  await expect(page.getByText(/面向入党积极分子/)).toBeVisible();
  await loginAs("2023101");
  const id = await startExam(page);
  await question(page, 1).getByRole("radio").first().check();
  await expect.poll(async () => (await savedAnswers(id)).length).toBe(1);
  await page.getByRole("button", { name: "交卷" }).first().click();
  const dialog = page.getByRole("dialog", { name: "确认交卷" });
  await expect(dialog).toContainText("以下 36 道题尚未作答");
  await dialog.getByRole("button", { name: "返回检查" }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole("button", { name: "交卷" }).first().click();
  await dialog.getByRole("button", { name: "确认交卷" }).click();
  await page.waitForURL(`**/exam-attempts/${id}/result`);
  await expect(page.getByText("本人交卷")).toBeVisible();
  // after_last_attempt: the score now, 正确答案 and 解析 only once the second attempt is used.
  await expect(page.getByText("正确答案和解析将在您用完全部考试机会后公布")).toBeVisible();
  await expect(page.getByText("解析：")).toHaveCount(0);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });
  test("the exam works page by page with a 保存 button", async ({ page, loginAs }) => {
    await loginAs("2022015");
    await page.goto("/courses/fazhan-duixiang/exams/jieye-kaoshi");
    await page.getByRole("button", { name: "开始考试" }).click();
    await page.waitForURL(/\/exam-attempts\/\d+$/);
    const id = Number(/\/exam-attempts\/(\d+)$/.exec(page.url())![1]);
    await expect(page.locator(".exam-question")).toHaveCount(5);
    await question(page, 1).getByRole("radio").first().check();
    await page.getByRole("button", { name: "保存并下一页" }).click();
    await expect(page).toHaveURL(/page=2&saved=1/);
    await expect(page.getByRole("status")).toHaveText("已保存");
    await expect(question(page, 6)).toBeVisible();
    expect(await savedAnswers(id)).toHaveLength(1);
    await page.getByRole("button", { name: "保存并交卷" }).click();
    await expect(page.getByText(/尚未作答/)).toBeVisible();
    await page.getByRole("button", { name: "确认交卷" }).click();
    await page.waitForURL(`**/exam-attempts/${id}/result`);
    await expect(page.getByRole("heading", { name: "考试结果" })).toBeVisible();
  });
});
