// 答疑 and 通知公告 on a phone: a trainee asks with an image, the instructor answers publicly, the trainee
// sees the bell, the notification and the answer; a secretary publishes a 需确认 notice, two trainees
// confirm it, and the read list says who has and who has not.
import { expect, test } from "./fixtures.ts";

const COURSE = "/courses/jijifenzi-peixun";
const shot = (name: string) => `test-results/interaction-${name}.png`;

test("@phone a trainee asks, the instructor answers, the trainee sees the answer and a notification", async ({ page, context, loginAs }) => {
  const question = `入党积极分子的考察期从什么时候算起？（${Date.now() % 100000}）`;
  await loginAs("2023002");
  await page.goto(COURSE);
  await page.getByRole("link", { name: "答疑：向授课教师提问" }).click();
  await expect(page.getByRole("heading", { name: "课程答疑" })).toBeVisible();
  await page.getByLabel("相关课时").selectOption({ index: 1 });
  await page.getByLabel(/问题（支持 Markdown/).fill(question);
  await page.getByLabel(/图片（可选/).setInputFiles("courses/jijifenzi-peixun/media/cover.png");
  await page.getByRole("button", { name: "提交问题" }).click();
  await expect(page.getByText("问题已提交，教师回复后会通知您。")).toBeVisible();
  const mine = page.getByTestId("question").filter({ hasText: question });
  await expect(mine.getByText(/等待回复，已等待/)).toBeVisible();
  await expect(mine.getByRole("img", { name: "提问附图" })).toBeVisible();
  await page.screenshot({ path: shot("1-asked"), fullPage: true });

  await context.clearCookies();
  await loginAs("js001");
  await page.goto("/teach/questions");
  const card = page.getByTestId("queue-question").filter({ hasText: question });
  await expect(card.getByText("陈思雨（2023002）", { exact: false })).toBeVisible();
  await card.getByLabel("回复（支持 Markdown）").fill("从党组织**确定为入党积极分子**之日起计算。");
  await card.getByLabel(/向本课程全体学员公开/).check();
  await card.getByRole("button", { name: "回复" }).click();
  await expect(page.getByText("回复已发送，提问者会收到通知")).toBeVisible();
  await page.screenshot({ path: shot("2-answered"), fullPage: true });

  await context.clearCookies();
  await loginAs("2023002");
  await page.goto("/");
  const bell = page.getByTestId("bell");
  await expect(bell).toHaveAttribute("aria-label", /条未读/);
  await page.screenshot({ path: shot("3-bell") });
  await bell.click();
  const note = page.getByTestId("inbox-item").filter({ hasText: "的提问已有回复" }).first();
  await expect(note).toBeVisible();
  await page.screenshot({ path: shot("4-inbox"), fullPage: true });
  await note.getByRole("button").click();
  await expect(page).toHaveURL(/\/courses\/jijifenzi-peixun\/questions#q\d+$/);
  const answered = page.getByTestId("question").filter({ hasText: question });
  await expect(answered.getByText("确定为入党积极分子")).toBeVisible();
  await expect(answered.getByText("已向全体学员公开（不显示您的姓名）")).toBeVisible();
  await page.screenshot({ path: shot("5-answer"), fullPage: true });

  // Another trainee of the course sees the public answer without the asker's name.
  await context.clearCookies();
  await loginAs("2023001");
  await page.goto(`${COURSE}/questions`);
  const seen = page.getByTestId("question").filter({ hasText: question });
  await expect(seen.getByText("同学的提问（已公开）", { exact: false })).toBeVisible();
  await expect(page.getByText("陈思雨")).toHaveCount(0);
});

test("@phone a secretary publishes a 需确认 notice, two trainees confirm it, the read list is right", async ({ page, context, loginAs }) => {
  const title = `关于参加支部集中学习的通知（${Date.now() % 100000}）`;
  await loginAs("sj001");
  await page.goto("/notices/new");
  await page.getByLabel("标题").fill(title);
  await page.getByLabel("正文（支持 Markdown）").fill("请于本周五 **19:00** 到党员活动室参加集中学习。");
  await page.getByLabel(/需确认/).check();
  await page.getByRole("button", { name: "发布" }).click();
  await expect(page.getByText(/已发布给 \d+ 人/)).toBeVisible();
  const readsUrl = new URL(page.url()).pathname;
  const noticeUrl = readsUrl.replace(/\/reads$/, "");

  for (const trainee of ["2023001", "2023002"]) {
    await context.clearCookies();
    await loginAs(trainee);
    await page.goto("/");
    const home = page.getByTestId("home-notices");
    await expect(home.getByRole("link", { name: title })).toBeVisible();
    if (trainee === "2023001") await page.screenshot({ path: shot("6-home"), fullPage: true });
    await home.getByRole("link", { name: title }).click();
    await expect(page.getByRole("heading", { name: title })).toBeVisible();
    await page.getByRole("button", { name: "已阅" }).click();
    await expect(page.getByText(/您已于 .* 确认阅读/)).toBeVisible();
    if (trainee === "2023001") await page.screenshot({ path: shot("7-acked"), fullPage: true });
  }

  await context.clearCookies();
  await loginAs("sj001");
  await page.goto(`${readsUrl}?show=all`);
  await expect(page.getByTestId("read-totals")).toContainText("已确认 2 人");
  const rows = page.getByTestId("read-people").locator("tbody tr");
  const rowOf = (name: string) => rows.filter({ hasText: name });
  await expect(rowOf("张晓明").locator("td").nth(4)).not.toHaveText("未确认");
  await expect(rowOf("陈思雨").locator("td").nth(4)).not.toHaveText("未确认");
  await expect(rowOf("李文静").locator("td").nth(3)).toHaveText("未读");
  await expect(rowOf("李文静").locator("td").nth(4)).toHaveText("未确认");
  await expect(rowOf("赵志强")).toHaveCount(0);
  await page.screenshot({ path: shot("8-reads"), fullPage: true });
  // The publisher's own view of the notice links to the read list.
  await page.goto(noticeUrl);
  await expect(page.getByRole("link", { name: "阅读情况" })).toBeVisible();
});
