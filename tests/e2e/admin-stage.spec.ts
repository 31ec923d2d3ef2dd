// The 组织部 on a phone: changing a member's stage on the user form needs the branch's day and is checked
// with the 细则's rules (a too-early 列为发展对象 is refused under the date field); the page then shows the
// stage days. A roster with stage days and 培养联系人 previews every bad row by its number, imports the
// good ones on confirm, and the imported trainee's page shows the day and the 培养联系人.
import fs from "node:fs";
import path from "node:path";
import { recordStageEvent } from "../../app/models/branch-stages.server.ts";
import { createUser } from "../../app/models/users.server.ts";
import { expect, test, withDb } from "./fixtures.ts";

const SHOTS = "test-results/admin-stage";

test("the user form records stage days by the rules, and a roster carries stage days and 培养联系人 @phone", async ({ page, loginAs }, testInfo) => {
  test.skip(testInfo.project.name !== "phone", "phone journey");
  const tag = `${process.pid}${Date.now() % 100000}`;
  const username = `as${tag}`;
  const userId = await withDb(async (db) => {
    const unit = (await db.selectFrom("org_units").select("id").where("name", "=", "计算机学院本科生第一党支部").executeTakeFirstOrThrow()).id;
    const { id } = await createUser(
      db,
      { username, name: `郑阶段${tag.slice(-4)}`, gender: "男", orgUnitId: unit, stage: "activist", roles: ["trainee"] },
      { actorId: null },
      "e2e-pass-1234",
    );
    await recordStageEvent(db, { userId: id, stage: "activist", decidedOn: "2025-03-01" }, null);
    return id;
  });
  await loginAs("zzb001");

  // 1. 发展对象 six months after 积极分子: refused with the 细则's reason under the date; a year later: recorded.
  await page.goto(`/admin/users/${userId}`);
  await page.getByLabel("发展阶段").selectOption("candidate");
  await page.getByLabel(/支部决定日期/).fill("2025-09-01");
  await page.getByRole("button", { name: "保存", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText("一年以上培养教育和考察");
  await expect(page.getByLabel(/支部决定日期/)).toHaveAttribute("aria-invalid", "true");
  await page.screenshot({ path: `${SHOTS}/1-too-early.png`, fullPage: true });
  await page.getByLabel("发展阶段").selectOption("candidate");
  await page.getByLabel(/支部决定日期/).fill("2026-03-02");
  await page.getByRole("button", { name: "保存", exact: true }).click();
  await expect(page.getByRole("status")).toHaveText("已保存");
  await expect(page.locator("td[data-stage=candidate]")).toHaveText("2026-03-02");
  await expect(page.getByLabel("发展阶段")).toHaveValue("candidate");
  await page.screenshot({ path: `${SHOTS}/2-recorded.png`, fullPage: true });

  // 2. A roster: one good row (a day and 孙丽华 as 培养联系人), two bad ones.
  const csv = [
    "学号/工号,姓名,性别,二级党委,党支部,发展阶段,角色,列为积极分子日期,培养联系人（学号/工号）",
    `im${tag},冯导入,女,计算机学院党委,计算机学院本科生第一党支部,入党积极分子,学员,2026-06-01,pl001`,
    `ib${tag},错日期,女,计算机学院党委,计算机学院本科生第一党支部,入党积极分子,学员,2026-02-30,`,
    `ic${tag},错联系人,女,计算机学院党委,计算机学院本科生第一党支部,入党积极分子,学员,2026-06-01,nobody${tag}`,
  ].join("\r\n");
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, "名单.csv");
  fs.writeFileSync(file, `\uFEFF${csv}\r\n`);
  await page.goto("/admin/users/import");
  await page.getByLabel(/名单文件/).setInputFiles(file);
  await page.getByRole("button", { name: "上传并预览" }).click();
  await expect(page.getByText("第 3 行")).toBeVisible();
  await expect(page.getByText(/第 3 行.*列为积极分子日期「2026-02-30」不是有效日期/)).toBeVisible();
  await expect(page.getByText(/第 4 行.*培养联系人「nobody/)).toBeVisible();
  await expect(page.getByText("列为入党积极分子的时间 2026-06-01；培养联系人 孙丽华")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/3-roster-preview.png`, fullPage: true });
  await page.getByLabel(/跳过错误行/).check();
  await page.getByRole("button", { name: "确认导入" }).click();
  await expect(page.getByRole("status")).toContainText("新建 1 人，更新 0 人，无变化 0 人，跳过 2 行");

  const imported = await withDb((db) => db.selectFrom("users").select("id").where("username", "=", `im${tag}`).executeTakeFirstOrThrow());
  await page.goto(`/admin/users/${imported.id}`);
  await expect(page.locator("td[data-stage=activist]")).toHaveText("2026-06-01");
  await expect(page.getByTestId("branch-record")).toContainText("孙丽华（pl001");
  await page.screenshot({ path: `${SHOTS}/4-imported-user.png`, fullPage: true });
});
