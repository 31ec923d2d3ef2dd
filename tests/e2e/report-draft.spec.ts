// A 思想汇报 on a phone when the network is unreliable: the draft autosaves and says 已保存 only once the
// server has it, survives a reload, tells the truth offline (and sends itself when the network returns),
// and text the server never acknowledged comes back from the phone after a reload. Then the secretary
// writes a 考察意见 with a PDF attached, and the trainee sees and downloads it.
import fs from "node:fs";
import path from "node:path";
import { createUser } from "../../app/models/users.server.ts";
import { expect, test, withDb } from "./fixtures.ts";

const SHOTS = "test-results/report-draft";
const OPENING = "敬爱的党组织：本季度我认真学习了党章，";
const BODY = "参加支部组织的理论学习和志愿服务，对照党员标准查找差距，努力在学习和工作中发挥积极作用。".repeat(5);
const PDF = Buffer.from("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");

test("a 思想汇报 draft autosaves truthfully offline and online, and a 考察意见 carries an attachment @phone", async ({ page, context, loginAs }, testInfo) => {
  test.skip(testInfo.project.name !== "phone", "phone journey");
  const tag = `${process.pid}${Date.now() % 100000}`;
  const username = `rd${tag}`;
  await withDb(async (db) => {
    const unit = (await db.selectFrom("org_units").select("id").where("name", "=", "计算机学院本科生第一党支部").executeTakeFirstOrThrow()).id;
    await createUser(
      db,
      { username, name: `吴草稿${tag.slice(-4)}`, gender: "女", orgUnitId: unit, stage: "activist", roles: ["trainee"] },
      { actorId: null },
      "e2e-pass-1234",
    );
  });
  await loginAs(username);
  await page.goto("/my/reports");
  await page.getByRole("button", { name: "写思想汇报" }).click();
  await expect(page).toHaveURL(/\/my\/reports\/\d+$/);
  const reportUrl = page.url();
  const status = page.getByTestId("draft-status");
  const text = page.getByLabel(/正文/);
  await expect(status).toHaveText("输入后自动保存");

  // 1. Typing autosaves; 已保存 comes with the server's answer, and the text survives a reload.
  await text.fill(OPENING);
  await expect(status).toHaveText(/^已保存 \d\d:\d\d:\d\d$/);
  await page.screenshot({ path: `${SHOTS}/1-autosaved.png`, fullPage: true });
  await page.reload();
  await expect(text).toHaveValue(OPENING);

  // 2. Offline: the status says the text is on this phone; back online, it goes out by itself.
  await context.setOffline(true);
  await text.fill(OPENING + BODY);
  await expect(status).toHaveText("网络已断开：修改保存在本机，网络恢复后自动发送");
  await page.screenshot({ path: `${SHOTS}/2-offline.png`, fullPage: true });
  await context.setOffline(false);
  await expect(status).toHaveText(/^已保存/);
  await page.reload();
  await expect(text).toHaveValue(OPENING + BODY);

  // 3. Saves that never reach the server (a network that drops the request): after a reload the text
  // comes back from the phone, and is sent once saves get through again.
  await page.route("**/draft", (route) => route.abort("internetdisconnected"));
  await text.fill(OPENING + BODY + "汇报人：吴草稿");
  await expect(status).toHaveText("网络已断开：修改保存在本机，网络恢复后自动发送");
  await page.reload();
  await expect(text).toHaveValue(OPENING + BODY + "汇报人：吴草稿");
  await expect(status).not.toHaveText(/已保存/);
  await page.screenshot({ path: `${SHOTS}/3-restored-after-reload.png`, fullPage: true });
  await page.unroute("**/draft");
  await page.evaluate(() => window.dispatchEvent(new Event("online")));
  await expect(status).toHaveText(/^已保存/);
  await page.goto("/my/reports");
  await page.goto(reportUrl);
  await expect(text).toHaveValue(OPENING + BODY + "汇报人：吴草稿");

  // 4. Submit; the secretary writes a 考察意见 with a PDF; the trainee sees it and downloads it.
  await page.getByLabel("标题").fill("第四季度思想汇报");
  await page.getByRole("button", { name: "提交" }).click();
  await expect(page.getByRole("status")).toContainText("已提交");
  await context.clearCookies();
  await loginAs("sj001");
  await page.goto(reportUrl.replace("/my/reports/", "/reports/"));
  await page.getByLabel("意见").fill("能结合学习和志愿服务谈认识，谈话记录见附件。");
  await page.getByLabel(/附件/).setInputFiles({ name: "谈话记录.pdf", mimeType: "application/pdf", buffer: PDF });
  await page.getByRole("button", { name: "保存考察意见" }).click();
  await expect(page.getByRole("status")).toHaveText("考察意见已保存");
  await expect(page.getByRole("link", { name: "谈话记录.pdf" })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/4-secretary-opinion-attachment.png`, fullPage: true });
  // A file that is not what its name says is refused under its field.
  await page.getByLabel("意见").fill("再补充一份。");
  await page.getByLabel(/附件/).setInputFiles({ name: "补充.pdf", mimeType: "application/pdf", buffer: Buffer.from("<html>not a pdf</html>") });
  await page.getByRole("button", { name: "保存考察意见" }).click();
  await expect(page.getByRole("alert")).toContainText("补充.pdf");
  await page.screenshot({ path: `${SHOTS}/5-secretary-bad-file.png`, fullPage: true });

  await context.clearCookies();
  await loginAs(username);
  await page.goto(reportUrl);
  await expect(page.getByText(/考察意见 · /)).toBeVisible();
  const link = page.getByRole("link", { name: "谈话记录.pdf" });
  await expect(link).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/6-trainee-sees-attachment.png`, fullPage: true });
  const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
  const file = path.join(SHOTS, "download.pdf");
  await download.saveAs(file);
  expect(fs.readFileSync(file).equals(PDF)).toBe(true);
});
