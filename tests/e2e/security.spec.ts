// Seen on a phone: an account someone is guessing is locked; its owner (signed in on the phone) sees it
// and clears it, an admin sees it on the user's page; a common new password is refused in Chinese.
import path from "node:path";
import { E2E_DATA_DIR } from "../../playwright.config.ts";
import { openDatabase } from "../../app/utils/db.server.ts";
import { ACCOUNT_LOCK_FAILURES, ACCOUNT_LOCK_SECONDS } from "../../app/models/throttle.server.ts";
import { expect, signInWithForm, test } from "./fixtures.ts";

const WECHAT = "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.47";
test.use({ userAgent: WECHAT });

/** The state 15 wrong passwords leave (the waits between them would take half an hour here). */
async function lock(username: string) {
  const db = openDatabase(path.join(E2E_DATA_DIR, "app.db"));
  const t = Math.floor(Date.now() / 1000);
  await db
    .insertInto("login_throttle")
    .values({ key: `account:${username}`, failures: ACCOUNT_LOCK_FAILURES, locked_until: t + ACCOUNT_LOCK_SECONDS, updated_at: t })
    .onConflict((oc) => oc.column("key").doUpdateSet({ failures: ACCOUNT_LOCK_FAILURES, locked_until: t + ACCOUNT_LOCK_SECONDS, updated_at: t }))
    .execute();
  const { id } = await db.selectFrom("users").select("id").where("username", "=", username).executeTakeFirstOrThrow();
  await db.destroy();
  return id;
}

test("a locked account: the owner sees it on the phone and clears it; an admin sees it too @phone", async ({
  page,
  browser,
  loginAsNewTrainee,
  loginAs,
}, info) => {
  const username = await loginAsNewTrainee();
  const id = await lock(username);
  await page.goto("/");
  const notice = page.getByRole("status").filter({ hasText: "连续的密码错误" });
  await expect(notice).toContainText(`您的账号最近有 ${ACCOUNT_LOCK_FAILURES} 次连续的密码错误`);
  await expect(notice).toContainText("已被锁定");
  await page.screenshot({ path: info.outputPath("owner-locked.png"), fullPage: true });
  await notice.getByRole("button", { name: "解除锁定" }).click();
  await expect(page.getByText("已解除锁定。")).toBeVisible();
  await expect(page.getByText("连续的密码错误")).toHaveCount(0);

  // Signing in from elsewhere works again; while locked it did not.
  await lock(username);
  const other = await browser.newContext({ userAgent: WECHAT });
  const elsewhere = await other.newPage();
  await signInWithForm(elsewhere, username, "e2e-pass-1234");
  await expect(elsewhere.getByRole("alert")).toContainText("该账号已被锁定（约 24 小时后自动解除）");
  await elsewhere.screenshot({ path: info.outputPath("signin-locked.png") });

  await loginAs("zzb001");
  await page.goto(`/admin/users/${id}`);
  await expect(page.getByText(`该账号最近有 ${ACCOUNT_LOCK_FAILURES} 次连续的密码错误`)).toBeVisible();
  await page.screenshot({ path: info.outputPath("admin-locked.png"), fullPage: true });
  await page.getByRole("button", { name: "解除锁定" }).click();
  await expect(page.getByText("已解除锁定")).toBeVisible();
  await signInWithForm(elsewhere, username, "e2e-pass-1234");
  await elsewhere.waitForURL((u) => u.pathname === "/");
  await other.close();
});

test("a common new password is refused with a Chinese reason @phone", async ({ page, loginAsNewTrainee }, info) => {
  await loginAsNewTrainee();
  await page.goto("/account/password");
  await page.getByLabel("当前密码").fill("e2e-pass-1234");
  await page.getByLabel(/^新密码/).fill("password1");
  await page.getByLabel("确认新密码").fill("password1");
  await page.getByRole("button", { name: "保存新密码" }).click();
  await expect(page.getByRole("alert")).toContainText("密码太容易被猜到：这是常见密码");
  await page.screenshot({ path: info.outputPath("weak-password.png"), fullPage: true });
});
