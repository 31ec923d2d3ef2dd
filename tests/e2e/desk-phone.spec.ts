// The 组织部's completion journey on a phone (390×844): one trainee completed by exception, a first round
// confirmed before the class ends (the one still studying stays 学习中), the exception's certificate PDF
// read back with pdftotext (what was decided and the 学时 actually recorded, never 经考核合格), and a
// stranger verifying by the code printed in upper case and by number and name. Screenshots go to
// test-results/desk-phone/.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { E2E_DATA_DIR } from "../../playwright.config.ts";
import { enrollUsernames } from "../../app/models/classes.server.ts";
import { createUser } from "../../app/models/users.server.ts";
import { openDatabase } from "../../app/utils/db.server.ts";
import { lessonsOnlyClass } from "./desk-class.ts";
import { expect, test } from "./fixtures.ts";

const SHOTS = "test-results/desk-phone";

function pdftotext(bytes: Buffer): string {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `cert-${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(file, bytes);
  return execFileSync("pdftotext", ["-layout", file, "-"]).toString("utf8").replace(/\s+/g, "");
}

test("@phone confirm a first round with one exception, read the exception's certificate back, verify by upper-case code and by number and name", async ({
  page,
  loginAs,
}) => {
  test.setTimeout(120_000);
  const tag = `${process.pid % 1000}${Date.now() % 100000}`;
  const names = { done: "周晓雯", exception: "钱立新", studying: "孙一鸣" };
  const db = openDatabase(path.join(E2E_DATA_DIR, "app.db"));
  const admin = await db.selectFrom("users").select("id").where("username", "=", "zzb001").executeTakeFirstOrThrow();
  const actor = { actorId: admin.id };
  const unit = await db.selectFrom("org_units").select("id").where("kind", "=", "branch").orderBy("id").executeTakeFirstOrThrow();
  const root = await db.selectFrom("org_units").select("id").where("parent_id", "is", null).executeTakeFirstOrThrow();
  const ids: Record<string, number> = {};
  for (const [k, name] of Object.entries(names)) {
    ids[k] = (await createUser(db, { username: `P${tag}${k[0]}`, name, gender: "女", orgUnitId: unit.id, stage: "activist", roles: ["trainee"] }, actor)).id;
  }
  // The desktop project runs this @phone journey too (one worker, one test at a time): each run takes the next 期次
  // above 9000, clear of the small fixed ones other journeys type in (classes.spec's 31 and 32 come later in a run).
  const last = await db
    .selectFrom("training_classes")
    .select((eb) => eb.fn.max("term").as("t"))
    .executeTakeFirst();
  const term = Math.max(Number(last?.t ?? 0), 9000) + 1;
  const { classId, required, requiredHours } = await lessonsOnlyClass(db, { name: `手机结业测试班${tag}`, term, hostUnitId: root.id }, actor);
  await enrollUsernames(db, { classId, entries: Object.keys(names).map((k) => ({ username: `P${tag}${k[0]}` })), source: "pick", skipProblems: false }, actor);
  // One trainee has done every required lesson; the exception has done two of them (their 学时 as recorded).
  const t = Math.floor(Date.now() / 1000);
  const done = (userId: number, ls: typeof required) =>
    db
      .insertInto("lesson_progress")
      .values(ls.map((l) => ({ user_id: userId, lesson_id: l.id, completed_at: t, updated_at: t, seconds_credited: 600 })))
      .execute();
  await done(ids.done!, required);
  await done(ids.exception!, required.slice(0, 2));
  const exceptionHours = required.slice(0, 2).reduce((n, l) => n + l.hours, 0);
  await db.destroy();

  await page.setViewportSize({ width: 390, height: 844 });
  await loginAs("zzb001");
  await page.goto(`/admin/classes/${classId}/completion`);
  await expect(page.getByTestId("member-count")).toContainText("3");
  await page.locator("table.members tbody tr", { hasText: names.exception }).locator('input[name="userIds"]').check();
  await page.getByLabel("例外处理方式").selectOption("complete");
  await page.getByLabel("认定依据").selectOption({ label: "因公缺课，已补学" });
  await page.getByLabel("例外理由").fill("因公外出，已按党校安排集中补学");
  await page.getByRole("button", { name: "应用" }).click();
  await expect(page.getByText("已设为经认定准予结业（因公缺课，已补学）：1 人")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/1-exception-set.png` });

  // A first round before the end date: the one still studying stays 学习中.
  await page.getByRole("button", { name: "确认本轮结业并颁发证书（2 份）" }).click();
  await expect(page.getByText("已确认本轮结业：结业 2 人，不予结业 0 人，其余 1 人仍在学习中")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/2-first-round.png` });

  const db2 = openDatabase(path.join(E2E_DATA_DIR, "app.db"));
  const certs = await db2.selectFrom("certificates").select(["id", "user_id", "number", "code", "decision"]).where("class_id", "=", classId).execute();
  const member = await db2.selectFrom("class_members").select(["user_id", "outcome"]).where("class_id", "=", classId).execute();
  await db2.destroy();
  expect(certs.map((c) => c.user_id).sort()).toEqual([ids.done, ids.exception].sort());
  expect(member.find((m) => m.user_id === ids.studying)!.outcome).toBeNull();
  const exception = certs.find((c) => c.user_id === ids.exception)!;
  const normal = certs.find((c) => c.user_id === ids.done)!;
  expect(exception.decision).toBe("exception");

  // The certificates read back as their holder's dossier would keep them.
  const ex = pdftotext(await (await page.request.get(`/certificates/${exception.id}.pdf`)).body());
  expect(ex).toContain(`${names.exception}同志`);
  expect(ex).toContain("经党校认定，准予结业，特发此证。");
  expect(ex).toContain(`共完成${exceptionHours}学时`);
  expect(ex).toContain("认定依据：因公缺课，已补学");
  expect(ex).not.toContain("经考核合格");
  const ok = pdftotext(await (await page.request.get(`/certificates/${normal.id}.pdf`)).body());
  expect(ok).toContain(`${names.done}同志`);
  expect(ok).toContain("经考核合格，准予结业，特发此证。");
  expect(ok).toContain(`共完成${requiredHours}学时`);

  // A stranger on a phone: the code as printed under the QR code (upper case), then number and name.
  await page.context().clearCookies();
  await page.goto(`/verify/${exception.code.toUpperCase()}`);
  await expect(page.getByText("有效", { exact: true })).toBeVisible();
  await expect(page.locator("body")).toContainText("经党校认定");
  await expect(page.locator("body")).not.toContainText("经考核合格");
  await page.screenshot({ path: `${SHOTS}/3-verify-upper-case-code.png`, fullPage: true });
  await page.goto("/verify");
  await page.getByLabel("证书编号").fill(normal.number);
  await page.getByLabel("持证人姓名（全名）").fill(names.done);
  await page.getByRole("button", { name: "查验" }).first().click();
  await expect(page.getByText("有效", { exact: true })).toBeVisible();
  await expect(page.locator(".verify-fields")).toContainText(normal.number);
  await page.screenshot({ path: `${SHOTS}/4-verify-by-number-and-name.png`, fullPage: true });
});
