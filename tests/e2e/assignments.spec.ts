// The demo 思想汇报 in a real browser: a trainee writes (autosaved draft that survives a reload), attaches
// a real PDF and submits; another trainee cannot fetch the file; the instructor grades it from the
// grading overview; the trainee sees the score.
import { makeEssay, rng } from "../fixtures/essays.ts";
import { expect, test } from "./fixtures.ts";

const PAGE = "/courses/jijifenzi-peixun/assignments/01-sixiang-huibao";

/** A minimal valid one-page PDF with a correct cross-reference table. */
function minimalPdf(): Buffer {
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    "<< /Length 44 >>\nstream\nBT /F1 18 Tf 40 100 Td (Si xiang hui bao) Tj ET\nendstream",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

test("a trainee writes, attaches a PDF and submits; the instructor grades; the trainee sees the score", async ({ page, loginAs }) => {
  await loginAs("2023001");
  await page.goto(PAGE);
  await expect(page.getByRole("heading", { name: "思想汇报：我对党的认识和入党动机" })).toBeVisible();
  await expect(page.getByText("2026-12-31 23:59")).toBeVisible();
  const editor = page.getByLabel("正文（支持 Markdown）");

  // A short text shows the count against the minimum, and submitting it is refused with the count.
  await editor.fill("敬爱的党组织：我志愿加入中国共产党。");
  await expect(page.getByText("当前 18 字，至少 1,500 字")).toBeVisible();
  await page.getByRole("button", { name: "提交", exact: true }).click();
  await expect(page.getByRole("alert")).toHaveText("字数不足：当前 18 字，至少 1,500 字");

  // The draft is autosaved and survives a reload.
  const essay = makeEssay(rng(2023001), 1800);
  await editor.fill(essay);
  await expect(page.getByText(/已保存 \d\d:\d\d:\d\d/)).toBeVisible({ timeout: 10_000 });
  await page.reload();
  await expect(page.getByLabel("正文（支持 Markdown）")).toHaveValue(essay);

  // Preview through the same renderer.
  await page.getByRole("button", { name: "预览" }).click();
  await expect(page.locator(".preview .prose p").first()).toHaveText("敬爱的党组织：");

  await page.locator('input[type="file"][name="files"]').setInputFiles({ name: "思想汇报.pdf", mimeType: "application/pdf", buffer: minimalPdf() });
  await page.getByRole("button", { name: "提交", exact: true }).click();
  await expect(page.getByText("已提交第 1 版")).toBeVisible();
  await expect(page.locator(".page-head .tag")).toHaveText("已提交");
  const link = page.locator(".version a", { hasText: "思想汇报.pdf" });
  const href = (await link.getAttribute("href"))!;
  expect(href).toMatch(/^\/submission-files\/\d+$/);

  const own = await page.request.get(href);
  expect(own.status()).toBe(200);
  expect(own.headers()["content-disposition"]).toBe(`attachment; filename="????.pdf"; filename*=UTF-8''${encodeURIComponent("思想汇报.pdf")}`);
  expect(own.headers()["x-content-type-options"]).toBe("nosniff");
  expect((await own.body()).subarray(0, 5).toString()).toBe("%PDF-");

  // Another trainee gets 404 for the same file.
  await loginAs("2023002");
  expect((await page.request.get(href)).status()).toBe(404);

  // The instructor grades it, starting from the overview.
  await loginAs("js001");
  await page.goto("/grading");
  const card = page.locator(".card", { hasText: "思想汇报：我对党的认识和入党动机" });
  await expect(card.locator(".stat", { hasText: "待批改" }).locator("strong")).toHaveText("1");
  await card.getByRole("link", { name: "思想汇报：我对党的认识和入党动机" }).click();
  await page
    .getByRole("row", { name: /张晓明/ })
    .getByRole("link", { name: "批改" })
    .click();
  await expect(page.getByRole("heading", { name: "张晓明（2023001）" })).toBeVisible();
  await expect(page.locator(".submission-text")).toContainText("敬爱的党组织");
  const inline = await page.request.get(`${href}?inline=1`);
  expect(inline.headers()["content-security-policy"]).toContain("sandbox");
  expect(inline.headers()["x-content-type-options"]).toBe("nosniff");
  expect(inline.headers()["content-disposition"]).toMatch(/^inline;/);
  await page.getByLabel(/分数/).fill("88");
  await page.getByLabel("评语（支持 Markdown）").fill("认识比较深刻，**联系实际**还可以更具体。");
  await page.getByRole("button", { name: "保存成绩" }).click();
  await expect(page.getByText("已评分：88 分")).toBeVisible();

  // The trainee sees the score and the feedback.
  await loginAs("2023001");
  await page.goto(PAGE);
  await expect(page.locator(".result .score strong")).toHaveText("88");
  await expect(page.getByText("合格", { exact: true })).toBeVisible();
  await expect(page.locator(".feedback strong")).toHaveText("联系实际");
  await expect(page.locator(".page-head .tag")).toHaveText("已评分");
});

test("the grader walks the queue with j/k and with plain links", async ({ page, loginAs }) => {
  for (const [i, trainee] of ["2023002", "2023101"].entries()) {
    await loginAs(trainee);
    await page.goto(PAGE);
    await page.getByLabel("正文（支持 Markdown）").fill(makeEssay(rng(500 + i), 1700));
    await page.getByRole("button", { name: "提交", exact: true }).click();
    await expect(page.getByText("已提交第 1 版")).toBeVisible();
  }
  await loginAs("js001");
  await page.goto("/teach/jijifenzi-peixun/assignments/01-sixiang-huibao?status=waiting");
  const rows = page.locator("table.queue tbody tr");
  await expect(rows).toHaveCount(2);
  await rows.first().getByRole("link", { name: "批改" }).click();
  await expect(page.getByText("第 1 / 2 份")).toBeVisible();
  const first = page.url();
  // Pressed until the page has hydrated (the key handler is JavaScript; the links work without it).
  await expect(async () => {
    await page.keyboard.press("j");
    await expect(page.getByText("第 2 / 2 份")).toBeVisible({ timeout: 500 });
  }).toPass();
  expect(page.url()).not.toBe(first);
  expect(page.url()).toContain("?status=waiting");
  await page.keyboard.press("ArrowLeft");
  await expect(page.getByText("第 1 / 2 份")).toBeVisible();
  // Typing in the feedback box does not navigate.
  await page.getByLabel("评语（支持 Markdown）").press("j");
  await expect(page.getByText("第 1 / 2 份")).toBeVisible();
  await page.getByRole("link", { name: /下一份/ }).click();
  await expect(page.getByText("第 2 / 2 份")).toBeVisible();
});
