// Lighthouse (mobile emulation, the system Chromium) on the trainee's home, a lesson and the exam page of
// a fresh demo server: accessibility and best-practices scores, each of which must be at least 95.
// `npm run build && npm run lighthouse`; writes test-results/lighthouse/summary.json. Not part of npm test
// (about a minute per page on a busy machine).
import fs from "node:fs";
import path from "node:path";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";
import { openDatabase } from "../app/utils/db.server.ts";
import { createSession, SESSION_COOKIE } from "../app/utils/session.server.ts";
import { startServer } from "../tests/setup/server.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const MIN = 95;
const OUT = path.join("test-results", "lighthouse");

const server = await startServer({ COURSES_DIR: "courses" });
const chrome = await chromeLauncher.launch({ chromePath: CHROMIUM, chromeFlags: ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"] });
let failed = false;
try {
  const db = openDatabase(path.join(server.dataDir, "app.db"));
  const user = await db.selectFrom("users").select("id").where("username", "=", "2023001").executeTakeFirstOrThrow();
  const cookie = `${SESSION_COOKIE}=${(await createSession(db, user.id)).token}`;
  await db.destroy();
  const start = await fetch(`${server.url}/courses/jijifenzi-peixun/exams/jieye-kaoshi`, {
    method: "POST",
    redirect: "manual",
    headers: { Cookie: cookie, Origin: server.url },
  });
  const attempt = start.headers.get("location");
  if (!attempt) throw new Error(`the exam did not start: ${start.status}`);
  const pages = { 首页: "/", 课时: "/courses/jijifenzi-peixun/lessons/01-dang-de-xingzhi-zongzhi", 考试: attempt };
  fs.mkdirSync(OUT, { recursive: true });
  const rows: { page: string; url: string; accessibility: number; bestPractices: number; failing: string[] }[] = [];
  for (const [page, url] of Object.entries(pages)) {
    const result = await lighthouse(
      server.url + url,
      { port: chrome.port, output: "html", logLevel: "error", onlyCategories: ["accessibility", "best-practices"], extraHeaders: { Cookie: cookie } },
      {
        extends: "lighthouse:default",
        settings: { formFactor: "mobile", screenEmulation: { mobile: true, width: 390, height: 844, deviceScaleFactor: 3, disabled: false } },
      },
    );
    if (!result) throw new Error(`no result for ${url}`);
    const { categories, audits } = result.lhr;
    const score = (c: string) => Math.round((categories[c]?.score ?? 0) * 100);
    const failing = Object.values(audits)
      .filter((a) => a.score !== null && a.score < 1 && a.scoreDisplayMode === "binary")
      .map((a) => a.id);
    rows.push({ page, url, accessibility: score("accessibility"), bestPractices: score("best-practices"), failing });
    fs.writeFileSync(path.join(OUT, `${encodeURIComponent(page)}.html`), result.report as string);
  }
  fs.writeFileSync(path.join(OUT, "summary.json"), JSON.stringify(rows, null, 2));
  for (const r of rows)
    console.log(
      `${r.page.padEnd(4, "　")} accessibility ${r.accessibility}  best practices ${r.bestPractices}${r.failing.length ? `  failing: ${r.failing.join(", ")}` : ""}`,
    );
  failed = rows.some((r) => r.accessibility < MIN || r.bestPractices < MIN);
  if (failed) console.error(`below ${MIN}: see ${OUT}/*.html`);
} finally {
  chrome.kill();
  await server.stop();
}
process.exit(failed ? 1 : 0);
