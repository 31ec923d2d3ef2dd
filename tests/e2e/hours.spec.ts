// 学时 a trainee can trust, walked on a phone: a closed tab does not cost the next lesson its time, a
// page told "busy" does not play on uncounted, locks say why, and the course page adds up like the
// training record.
import path from "node:path";
import type { Page } from "@playwright/test";
import { E2E_DATA_DIR } from "../../playwright.config.ts";
import { coveragePercent } from "../../app/utils/coverage.ts";
import { openDatabase } from "../../app/utils/db.server.ts";
import { expect, test } from "./fixtures.ts";

const VIDEO = "/courses/test-progress/lessons/01-video";
const READING = "/courses/test-progress/lessons/02-reading";
const shot = (name: string) => path.join("test-results", "hours", `${name}.png`);

/** What the server holds of one of this trainee's test-progress lessons (what every view reads). */
async function serverProgress(username: string, key: string) {
  const db = openDatabase(path.join(E2E_DATA_DIR, "app.db"));
  try {
    const row = await db
      .selectFrom("lesson_progress as p")
      .innerJoin("lessons as l", "l.id", "p.lesson_id")
      .innerJoin("users as u", "u.id", "p.user_id")
      .select(["p.covered", "p.read_seconds", "l.video_duration"])
      .where("u.username", "=", username)
      .where("l.key", "=", key)
      .executeTakeFirst();
    const covered = row ? (JSON.parse(row.covered) as [number, number][]) : [];
    return { covered, duration: row?.video_duration ?? null, readSeconds: row?.read_seconds ?? 0 };
  } finally {
    await db.destroy();
  }
}

/** Coverage of a video lesson (the fixture video unless named) the server holds for this trainee. */
async function serverCoverage(username: string, key = "01-video"): Promise<number> {
  const p = await serverProgress(username, key);
  return p.duration ? coveragePercent(p.covered, p.duration) : 0;
}

/** Whether the server holds a presence (a lesson counting time) for this trainee. */
async function holdsPresence(username: string): Promise<boolean> {
  const db = openDatabase(path.join(E2E_DATA_DIR, "app.db"));
  try {
    const row = await db
      .selectFrom("learning_presence as p")
      .innerJoin("users as u", "u.id", "p.user_id")
      .select("p.tab_id")
      .where("u.username", "=", username)
      .executeTakeFirst();
    return row !== undefined;
  } finally {
    await db.destroy();
  }
}

const video = (page: Page) => page.locator(".video-js video");

/** Presses the player's big play button (muted, as autoplay rules want). */
async function pressPlay(page: Page) {
  await expect(page.getByTestId("lesson-player").locator(".video-js")).toBeVisible();
  await video(page).evaluate((v: HTMLVideoElement) => {
    v.muted = true;
  });
  await page.getByTestId("lesson-player").locator(".vjs-big-play-button").click();
}

async function playToEnd(page: Page) {
  await pressPlay(page);
  await page.waitForFunction(() => document.querySelector<HTMLVideoElement>(".video-js video")!.ended, null, { timeout: 30_000 });
}

test("@phone problem 1: close a tab, open a video lesson at once, watch it once → ≥ 90 % credited", async ({ context, loginAsNewTrainee }) => {
  const username = await loginAsNewTrainee();
  const first = await context.newPage();
  await first.goto(READING);
  await expect(first.getByTestId("lesson-progress")).toContainText("已阅读");
  // The reading page holds the trainee's presence; closing its tab must give it up at once.
  await first.close({ runBeforeUnload: true });

  const page = await context.newPage();
  await page.goto(VIDEO);
  await playToEnd(page);
  await expect.poll(() => serverCoverage(username), { timeout: 20_000 }).toBeGreaterThanOrEqual(90);
  await expect(page.getByText("您正在其他页面或设备上学习")).toHaveCount(0);
  await expect(page.getByTestId("lesson-progress")).toContainText("本课已完成");
  await page.screenshot({ path: shot("1-closed-tab-then-video"), fullPage: true });
});

test("@phone the demo course as reported: a closed lesson tab gives its presence up by its pagehide beacon, the next video counts from its first second", async ({
  context,
  loginAsNewTrainee,
}) => {
  test.setTimeout(180_000); // the demo lecture plays for 57 s
  const username = await loginAsNewTrainee();
  const first = await context.newPage();
  await first.goto("/courses/jijifenzi-peixun/lessons/02-zhidao-sixiang");
  await expect.poll(() => holdsPresence(username)).toBe(true);
  await first.close({ runBeforeUnload: true });
  // Released by the closing page itself: well before the server would let an unanswered presence lapse (40 s).
  await expect.poll(() => holdsPresence(username), { timeout: 5_000 }).toBe(false);

  const page = await context.newPage();
  // Any moment of "busy" on the new page is remembered, however short.
  await page.addInitScript(() => {
    new MutationObserver(() => {
      if (document.body?.textContent?.includes("您正在其他页面或设备上学习")) (window as unknown as { sawBusy: boolean }).sawBusy = true;
    }).observe(document, { childList: true, subtree: true, characterData: true });
  });
  await page.goto("/courses/jijifenzi-peixun/lessons/01-dang-de-xingzhi-zongzhi");
  await pressPlay(page);
  await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>(".video-js video")?.currentTime ?? 0) > 20, null, { timeout: 60_000 });
  await page.screenshot({ path: shot("6-demo-video-counting") });
  await page.waitForFunction(() => document.querySelector<HTMLVideoElement>(".video-js video")!.ended, null, { timeout: 120_000 });
  await expect.poll(() => serverCoverage(username, "01-dang-de-xingzhi-zongzhi"), { timeout: 20_000 }).toBeGreaterThanOrEqual(90);
  await expect(page.getByTestId("lesson-progress")).toContainText("本课已完成");
  expect(await page.evaluate(() => (window as unknown as { sawBusy?: boolean }).sawBusy ?? false)).toBe(false);
  await page.getByTestId("lesson-player").scrollIntoViewIfNeeded();
  await page.screenshot({ path: shot("6-demo-video-credited") });
});

test("@phone a page told 'busy' pauses its video, says why, and counts after 在此继续学习", async ({ context, loginAsNewTrainee }) => {
  const username = await loginAsNewTrainee();
  const reading = await context.newPage();
  await reading.goto(READING);
  await expect(reading.getByTestId("lesson-progress")).toContainText("已阅读");

  const page = await context.newPage();
  await page.goto(VIDEO);
  await expect(page.getByText("您正在其他页面或设备上学习")).toBeVisible({ timeout: 20_000 });
  await pressPlay(page);
  // It does not play on uncounted: paused at the start, with the reason on the player.
  await expect(page.getByTestId("player-note")).toHaveText("另一页面正在计时，本页已暂停播放");
  await page.waitForFunction(() => document.querySelector<HTMLVideoElement>(".video-js video")!.paused);
  expect(await video(page).evaluate((v: HTMLVideoElement) => v.currentTime)).toBeLessThan(1.5);
  await page.screenshot({ path: shot("2-busy-paused"), fullPage: true });

  await page.getByRole("button", { name: "在此继续学习" }).click();
  await expect(page.getByText("您正在其他页面或设备上学习")).toHaveCount(0);
  await expect(page.getByTestId("player-note")).toHaveCount(0);
  await video(page).evaluate((v: HTMLVideoElement) => {
    v.currentTime = 0;
    return v.play();
  });
  await page.waitForFunction(() => document.querySelector<HTMLVideoElement>(".video-js video")!.ended, null, { timeout: 30_000 });
  await expect.poll(() => serverCoverage(username), { timeout: 20_000 }).toBeGreaterThanOrEqual(90);
  // The reading page is now the one that waits.
  await expect(reading.getByText("您正在其他页面或设备上学习")).toBeVisible({ timeout: 20_000 });
});

test("@phone moving to the next lesson inside the app credits the last seconds of the one left, and the next counts at once", async ({
  page,
  loginAsNewTrainee,
}) => {
  const username = await loginAsNewTrainee();
  await page.goto(VIDEO);
  await pressPlay(page);
  // Past the lesson's 50 % (of 8 s), well within one beat period: no periodic beat has carried it yet.
  await page.waitForFunction(() => document.querySelector<HTMLVideoElement>(".video-js video")!.currentTime > 5);
  const left = await video(page).evaluate((v: HTMLVideoElement) => v.currentTime);
  await page.screenshot({ path: shot("5-before-next"), fullPage: true });
  await page.getByRole("link", { name: "阅读课 →" }).click();
  await expect(page.getByRole("heading", { name: "阅读课" })).toBeVisible();
  // The lesson left behind is credited up to where it was left (the last segment ends at the last timeupdate).
  await expect.poll(async () => Math.max(0, ...(await serverProgress(username, "01-video")).covered.map(([, e]) => e))).toBeGreaterThanOrEqual(left - 0.5);
  // The next lesson is never told "busy", and its clock started with its first beat: one beat period later
  // that whole period is credited.
  await expect.poll(async () => (await serverProgress(username, "02-reading")).readSeconds, { timeout: 30_000 }).toBeGreaterThanOrEqual(10);
  await expect(page.getByText("您正在其他页面或设备上学习")).toHaveCount(0);
  await expect(page.getByTestId("lesson-progress")).toContainText(/已阅读 0 分 (1\d|[2-5]\d) 秒/);
  await page.screenshot({ path: shot("5-next-lesson-counting"), fullPage: true });
  // Back to the video lesson: the last seconds completed it (more than 4 of its 8 s were credited).
  await page.getByRole("link", { name: "← 短视频课" }).click();
  await expect(page.getByTestId("lesson-progress")).toContainText("本课已完成");
});

test("@phone the seek and speed locks explain themselves on the player", async ({ page, loginAsNewTrainee }) => {
  await loginAsNewTrainee();
  await page.goto(VIDEO);
  await expect(page.getByTestId("lesson-player").locator(".video-js")).toBeVisible();
  await page.waitForFunction(() => (document.querySelector<HTMLVideoElement>(".video-js video")?.readyState ?? 0) >= 1);
  await expect(page.getByTestId("player-note")).toHaveCount(0);
  await video(page).evaluate((v: HTMLVideoElement) => {
    v.currentTime = 7;
  });
  await expect(page.getByTestId("player-note")).toHaveText(/完成本课前不能快进/);
  expect(await video(page).evaluate((v: HTMLVideoElement) => v.currentTime)).toBeLessThan(3);
  await page.screenshot({ path: shot("4-seek-lock"), fullPage: true });

  await video(page).evaluate((v: HTMLVideoElement) => {
    v.playbackRate = 2;
  });
  await expect(page.getByTestId("player-note")).toHaveText("完成本课前只能以正常速度（1×）播放");
  expect(await video(page).evaluate((v: HTMLVideoElement) => v.playbackRate)).toBe(1);
  await page.screenshot({ path: shot("4-rate-lock"), fullPage: true });
});

test("@phone when the server credited less than was played, the player goes back to where credit stops and says why", async ({ page, loginAsNewTrainee }) => {
  const username = await loginAsNewTrainee();
  await page.goto(VIDEO);
  await pressPlay(page);
  await page.waitForFunction(() => document.querySelector<HTMLVideoElement>(".video-js video")!.currentTime > 2.5);
  await video(page).evaluate((v: HTMLVideoElement) => v.pause());
  await expect.poll(() => serverCoverage(username)).toBeGreaterThan(25);
  // The server loses its clock for this trainee (as after a gap longer than a beat may bridge):
  // the next beat starts the clock again and credits none of what was played meanwhile.
  const db = openDatabase(path.join(E2E_DATA_DIR, "app.db"));
  await db
    .updateTable("lesson_progress")
    .set({ last_beat_at: null })
    .where("user_id", "=", db.selectFrom("users").select("id").where("username", "=", username))
    .execute();
  await db.destroy();
  await video(page).evaluate((v: HTMLVideoElement) => v.play());
  await expect(page.getByTestId("player-note")).toHaveText(/之前的观看计入了学时.*已回到该处继续/, { timeout: 20_000 });
  const at = await video(page).evaluate((v: HTMLVideoElement) => v.currentTime);
  expect(at).toBeLessThan(5);
  await page.screenshot({ path: shot("1b-rewound"), fullPage: true });
  // From there, playing on counts again and the lesson completes.
  await video(page).evaluate((v: HTMLVideoElement) => v.play());
  await expect(page.getByTestId("lesson-progress")).toContainText("本课已完成", { timeout: 30_000 });
});

test("@phone problem 3: offline answers → the save status tells the truth → 交卷 waits plainly → online → all saved and handed in", async ({
  page,
  context,
  loginAsNewTrainee,
}) => {
  await loginAsNewTrainee();
  await page.goto("/courses/jijifenzi-peixun/exams/jieye-kaoshi");
  await page.getByRole("button", { name: /开始考试|继续考试/ }).click();
  await page.waitForURL(/\/exam-attempts\/\d+$/);
  const id = Number(/\/exam-attempts\/(\d+)$/.exec(page.url())![1]);
  await expect(page.getByRole("navigation", { name: "题目导航" })).toBeVisible();
  const status = page.getByTestId("save-status");
  const q = (n: number) => page.locator(`#q-${n}`);
  const answers = async () => {
    const db = openDatabase(path.join(E2E_DATA_DIR, "app.db"));
    try {
      return (await db.selectFrom("attempt_answers").select("question_id").where("attempt_id", "=", id).execute()).length;
    } finally {
      await db.destroy();
    }
  };

  await q(1).getByRole("radio").first().check();
  await expect(status).toHaveText(/^已保存 \d\d:\d\d:\d\d$/);

  await context.setOffline(true);
  await q(2).getByRole("radio").nth(1).check();
  // From the first failed save, not "已保存".
  await expect(status).toHaveText("网络已断开：1 道题的答案保存在本机，网络恢复后自动发送");
  await q(21).getByRole("radio", { name: "正确" }).check();
  await q(22).getByRole("radio", { name: "错误" }).check();
  await expect(status).toHaveText("网络已断开：3 道题的答案保存在本机，网络恢复后自动发送");
  await page.screenshot({ path: shot("3-offline-status") });

  await page.getByRole("button", { name: "交卷" }).first().click();
  const dialog = page.getByRole("dialog", { name: "确认交卷" });
  await expect(dialog).toContainText("网络未连接：3 道题的答案还没有送达服务器");
  await page.screenshot({ path: shot("3-offline-confirm") });
  await dialog.getByRole("button", { name: "确认交卷" }).click();
  await expect(page.getByTestId("submit-status")).toContainText("尚未交卷：3 道题的答案还在本机");
  await expect(page.getByText("正在交卷…")).toHaveCount(0);
  await page.screenshot({ path: shot("3-offline-submit") });
  expect(await answers()).toBe(1);

  await context.setOffline(false);
  await page.waitForURL(`**/exam-attempts/${id}/result`, { timeout: 30_000 });
  expect(await answers()).toBe(4);
});

test("@phone problem 2: a passed 思想汇报 counts the same on the course page, /progress and the training record; the course page shows each assignment's and exam's status", async ({
  page,
  loginAs,
  loginAsNewTrainee,
}) => {
  const username = await loginAsNewTrainee();
  // Two lessons done (3 + 3 学时) and the 思想汇报 graded 80 (合格后计 2 学时), as the grader and the heartbeats would leave them.
  const db = openDatabase(path.join(E2E_DATA_DIR, "app.db"));
  const user = await db.selectFrom("users").select("id").where("username", "=", username).executeTakeFirstOrThrow();
  const course = await db.selectFrom("courses").select("id").where("slug", "=", "jijifenzi-peixun").executeTakeFirstOrThrow();
  const lessons = await db.selectFrom("lessons").select("id").where("course_id", "=", course.id).orderBy("position").limit(2).execute();
  const t = Math.floor(Date.now() / 1000);
  for (const l of lessons)
    await db.insertInto("lesson_progress").values({ user_id: user.id, lesson_id: l.id, completed_at: t, updated_at: t, seconds_credited: 600 }).execute();
  const a = await db.selectFrom("assignments").select("id").where("course_id", "=", course.id).executeTakeFirstOrThrow();
  await db
    .insertInto("submissions")
    .values({
      assignment_id: a.id,
      user_id: user.id,
      status: "graded",
      current_version: 1,
      graded_version: 1,
      raw_score: 80,
      score: 80,
      created_at: t,
      updated_at: t,
    })
    .execute();
  await db.destroy();

  await page.goto("/courses/jijifenzi-peixun");
  await expect(page.getByTestId("hours-by-source")).toHaveText(/课时 6\s*作业 2\s*线下 0\s*合计 8 学时/);
  await expect(page.locator(".stat").filter({ hasText: "学时" }).first()).toContainText("8/24");
  await expect(page.getByRole("main").getByRole("link", { name: /思想汇报/ })).toContainText("合格（80 分），2 学时已计入");
  await expect(page.getByRole("link", { name: /结业考试/ })).toContainText("未参加");
  await page.screenshot({ path: shot("2-course-page"), fullPage: true });

  await page.goto("/progress");
  await expect(page.getByTestId("total-hours")).toHaveText("8");
  await expect(page.locator("section", { hasText: "入党积极分子培训" })).toContainText("学时 8/24");
  await page.screenshot({ path: shot("2-progress"), fullPage: true });

  await loginAs("zzb001");
  await page.goto(`/admin/users/${user.id}/record`);
  await expect(page.locator(".stat", { hasText: "累计学时" })).toContainText("8");
  await expect(page.locator(".stat", { hasText: "作业学时" })).toContainText("2");
  await page.screenshot({ path: shot("2-record"), fullPage: true });
});

test("@phone a blind grade not released yet: the trainee sees 成绩待公布 and its 学时 pending until the instructor releases the grades", async ({
  page,
  loginAs,
  loginAsNewTrainee,
}) => {
  const username = await loginAsNewTrainee();
  const db = openDatabase(path.join(E2E_DATA_DIR, "app.db"));
  const user = await db.selectFrom("users").select("id").where("username", "=", username).executeTakeFirstOrThrow();
  const course = await db.selectFrom("courses").select("id").where("slug", "=", "jijifenzi-peixun").executeTakeFirstOrThrow();
  const a = await db.selectFrom("assignments").select(["id", "key"]).where("course_id", "=", course.id).executeTakeFirstOrThrow();
  const before = await db.selectFrom("assignment_settings").selectAll().where("assignment_id", "=", a.id).executeTakeFirst();
  const t = Math.floor(Date.now() / 1000);
  await db
    .insertInto("assignment_settings")
    .values({ assignment_id: a.id, blind: 1, late_penalty_percent: 0, similarity_threshold: 0.8, released_at: null, updated_at: t })
    .onConflict((oc) => oc.column("assignment_id").doUpdateSet({ blind: 1, released_at: null }))
    .execute();
  await db
    .insertInto("submissions")
    .values({
      assignment_id: a.id,
      user_id: user.id,
      status: "graded",
      current_version: 1,
      graded_version: 1,
      raw_score: 80,
      score: 80,
      created_at: t,
      updated_at: t,
    })
    .execute();
  try {
    await page.goto("/courses/jijifenzi-peixun");
    await expect(page.getByRole("main").getByRole("link", { name: /思想汇报/ })).toContainText("已评分，成绩待公布（2 学时随成绩公布）");
    await expect(page.getByTestId("hours-by-source")).toHaveText(/课时 0\s*作业 0\s*线下 0\s*合计 0 学时/);
    await page.screenshot({ path: shot("6-blind-pending"), fullPage: true });
    await page.goto("/progress");
    await expect(page.getByTestId("total-hours")).toHaveText("0");

    // The instructor releases the grades: the 学时 count everywhere the trainee looks.
    await loginAs("js001");
    await page.goto(`/teach/jijifenzi-peixun/assignments/${a.key}`);
    await page.getByRole("button", { name: "发布成绩" }).click();
    await expect(page.getByText("成绩已发布")).toBeVisible();
    await loginAs(username);
    await page.goto("/courses/jijifenzi-peixun");
    await expect(page.getByRole("main").getByRole("link", { name: /思想汇报/ })).toContainText("合格（80 分），2 学时已计入");
    await expect(page.getByTestId("hours-by-source")).toHaveText(/课时 0\s*作业 2\s*线下 0\s*合计 2 学时/);
    await page.screenshot({ path: shot("6-blind-released"), fullPage: true });
    await page.goto("/progress");
    await expect(page.getByTestId("total-hours")).toHaveText("2");
  } finally {
    // Other journeys use this assignment as the demo leaves it.
    if (before) await db.updateTable("assignment_settings").set(before).where("assignment_id", "=", a.id).execute();
    else await db.deleteFrom("assignment_settings").where("assignment_id", "=", a.id).execute();
    await db.destroy();
  }
});
