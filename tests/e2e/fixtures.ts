// Playwright fixtures: sign in by creating a session row and setting the cookie, not by clicking.
import { test as base, expect, type Page } from "@playwright/test";
import path from "node:path";
import { browserMissing, E2E_DATA_DIR } from "../../playwright.config.ts";
import type { Stage } from "../../db/types.ts";
import { createUser } from "../../app/models/users.server.ts";
import { openDatabase } from "../../app/utils/db.server.ts";
import { createSession, SESSION_COOKIE } from "../../app/utils/session.server.ts";

type Fixtures = {
  loginAs: (username: string) => Promise<void>;
  /** A trainee no other test uses (own progress, own presence), signed in; returns the 学号. */
  loginAsNewTrainee: (stage?: Stage) => Promise<string>;
};

let fresh = 0;

export const test = base.extend<Fixtures>({
  loginAs: async ({ context, baseURL }, use) => {
    const db = openDatabase(path.join(E2E_DATA_DIR, "app.db"));
    await use(async (username) => {
      const user = await db.selectFrom("users").select("id").where("username", "=", username).executeTakeFirstOrThrow();
      const { token } = await createSession(db, user.id);
      // A __Host- cookie is host-only with Path=/ (Chromium refuses it when given as a url).
      await context.addCookies([
        { name: SESSION_COOKIE, value: token, domain: new URL(baseURL!).hostname, path: "/", httpOnly: true, sameSite: "Lax", secure: true },
      ]);
    });
    await db.destroy();
  },
  loginAsNewTrainee: async ({ loginAs }, use) => {
    const db = openDatabase(path.join(E2E_DATA_DIR, "app.db"));
    await use(async (stage = "activist") => {
      const unit = await db.selectFrom("org_units").select("id").where("kind", "=", "branch").orderBy("id").executeTakeFirstOrThrow();
      const username = `e2e${process.pid}${++fresh}${Date.now() % 100000}`;
      await createUser(
        db,
        { username, name: `测试学员${fresh}`, gender: "女", orgUnitId: unit.id, stage, roles: ["trainee"] },
        { actorId: null },
        "e2e-pass-1234",
      );
      await loginAs(username);
      return username;
    });
    await db.destroy();
  },
});

test.skip(browserMissing, "Chromium is missing: browser tests skipped (see the warning above)");

export { expect };

/** Runs `fn` with a connection to the e2e server's database, closed afterwards. */
export async function withDb<T>(fn: (db: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T> {
  const db = openDatabase(path.join(E2E_DATA_DIR, "app.db"));
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

export async function signInWithForm(page: Page, username: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("学号/工号").fill(username);
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录" }).click();
}

/** Fills and sends 新建课程 (already open) for a browser course for 入党积极分子 of 1 学时; lands on its page. */
export async function fillNewCourse(page: Page, course: { slug: string; title: string; summary: string }) {
  await page.getByLabel("课程标识").fill(course.slug);
  await page.getByLabel("课程名称").fill(course.title);
  await page.getByLabel("入党积极分子").check();
  await page.getByLabel("课程简介").fill(course.summary);
  await page.getByLabel("总学时").fill("1");
  await page.getByRole("button", { name: "创建课程草稿" }).click();
  await expect(page).toHaveURL(`/teach/${course.slug}`);
}

/** On a new course's page: adds the lesson 党的性质 (1 学时, file 01-xingzhi.md) through 添加课时; lands in the editor. */
export async function addFirstLesson(page: Page, slug: string) {
  await page.getByText("添加课时").click();
  await page.getByLabel("课时标题").fill("党的性质");
  await page.getByLabel("所属章节").fill("第一章 党的基本理论");
  await page.getByLabel("学时", { exact: true }).fill("1");
  await page.getByPlaceholder("dang-de-xingzhi").fill("xingzhi");
  await page.getByRole("button", { name: "创建并编辑" }).first().click();
  await expect(page).toHaveURL(`/teach/${slug}/edit/lessons/01-xingzhi.md`);
}
