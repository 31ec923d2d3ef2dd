// axe-core on every page each role can reach (the authorization matrix's route table, with the ids of a
// seeded scenario), at phone and desktop width: no serious or critical violation. The findings of the run
// are written to test-results/axe/report.{json,md} and their summary is printed to the log.
// Run: E2E_PORT=… npx playwright test tests/e2e/a11y.spec.ts --project=a11y --no-deps
// AXE_PAGES=<regular expression> scans only the URLs it matches (e.g. AXE_PAGES=trainee-preview for one new page).
import AxeBuilder from "@axe-core/playwright";
import fs from "node:fs";
import path from "node:path";
import { E2E_DATA_DIR } from "../../playwright.config.ts";
import { ROUTES, allows } from "../setup/route-table.ts";
import { ACTORS, DEMO, DEMO_ASSIGNMENT, DEMO_EXAM, seedScenario, type Actor, type Scenario } from "../setup/scenario.ts";
import { appRoutes } from "../setup/routes.ts";
import type { TestServer } from "../setup/server.ts";
import { expect, test } from "./fixtures.ts";

const SIZES = [
  { name: "phone", width: 390, height: 844 },
  { name: "desktop", width: 1280, height: 800 },
] as const;

/** The GET URLs each actor is shown (status 200), plus the trainee pages the table only lists for others. */
function pagesOf(actor: Actor, s: Scenario): string[] {
  const urls = new Set<string>();
  for (const [id, row] of Object.entries(ROUTES)) {
    if (!pageIds.has(id)) continue; // files, downloads and JSON endpoints are not pages
    for (const c of row.cases(s)) {
      const status = typeof c.status === "function" ? c.status(actor) : (c.status ?? 200);
      if (allows(c.view, actor) && status === 200) urls.add(c.url);
    }
  }
  if (actor === "traineeA") {
    // Trainee A is an 积极分子: the demo course is theirs (the table's course pages probe the other one).
    for (const u of [
      `/courses/${DEMO}`,
      `/courses/${DEMO}/lessons/01-dang-de-xingzhi-zongzhi`,
      `/courses/${DEMO}/exams/${DEMO_EXAM}`,
      `/courses/${DEMO}/assignments/${DEMO_ASSIGNMENT}`,
      `/exam-attempts/${s.ids.attemptA}`,
    ])
      urls.add(u);
  }
  const only = process.env.AXE_PAGES ? new RegExp(process.env.AXE_PAGES) : null;
  return [...urls].filter((u) => !only || only.test(u));
}

type Finding = { actor: Actor; size: string; url: string; id: string; impact: string; help: string; targets: string[] };

// One scenario per worker, one test (and one browser context) per role. Each role's findings are kept
// in test-results/axe/report.json (by role, so a failing role does not lose the others) and the summary
// of all roles is rewritten to report.md and printed after each role.
test.use({ trace: "off" });
let s: Scenario;
const REPORT_DIR = path.join("test-results", "axe");
type RoleReport = { pages: number; seconds: number; at: string; findings: Finding[] };

let pageIds: Set<string>;

test.beforeAll(async ({ baseURL }) => {
  pageIds = new Set((await appRoutes()).filter((r) => r.hasDefault).map((r) => r.id));
  s = await seedScenario({ url: baseURL!, dataDir: E2E_DATA_DIR } as TestServer);
});

test.afterAll(async () => {
  await s?.db.destroy();
});

function report(actor: Actor, entry: RoleReport) {
  fs.mkdirSync(REPORT_DIR, { recursive: true });
  const file = path.join(REPORT_DIR, "report.json");
  const all: Partial<Record<Actor, RoleReport>> = actor === ACTORS[0] || !fs.existsSync(file) ? {} : JSON.parse(fs.readFileSync(file, "utf8"));
  all[actor] = entry;
  fs.writeFileSync(file, JSON.stringify(all, null, 2));
  const roles = Object.entries(all) as [Actor, RoleReport][];
  const findings = roles.flatMap(([, r]) => r.findings);
  const byRule = new Map<string, Finding[]>();
  for (const f of findings) byRule.set(`${f.impact} ${f.id}`, [...(byRule.get(`${f.impact} ${f.id}`) ?? []), f]);
  const lines = [
    `# axe-core report`,
    ``,
    `${roles.reduce((n, [, r]) => n + r.pages, 0)} scans (phone 390×844 and desktop 1280×800) in ${roles.reduce((n, [, r]) => n + r.seconds, 0)} s: ${roles.map(([a, r]) => `${a} ${r.pages} pages/${r.seconds} s`).join(", ")}.`,
    `Serious or critical: ${findings.filter(isBad).length}; all findings: ${findings.length}.`,
    ``,
    ...[...byRule].map(
      ([rule, fs]) => `- ${rule} (${fs[0]!.help}): ${fs.length}× — e.g. ${fs[0]!.actor} ${fs[0]!.size} ${fs[0]!.url} ${fs[0]!.targets.join(", ")}`,
    ),
  ];
  fs.writeFileSync(path.join(REPORT_DIR, "report.md"), `${lines.join("\n")}\n`);
  console.log(lines.join("\n"));
}

const isBad = (f: Finding) => f.impact === "serious" || f.impact === "critical";

for (const actor of ACTORS) {
  test(`axe: every page ${actor} can open has no serious or critical violation, at phone and desktop width`, async ({ browser, baseURL }) => {
    test.setTimeout(300_000);
    const started = Date.now();
    const context = await browser.newContext({ baseURL, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    if (actor !== "anon") {
      const [name, value] = s.cookies[actor].split("=") as [string, string];
      await context.addCookies([{ name, value, domain: new URL(baseURL!).hostname, path: "/", httpOnly: true, sameSite: "Lax", secure: true }]);
    }
    const page = await context.newPage();
    const mine: Finding[] = [];
    let pages = 0;
    for (const size of SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height });
      for (const url of pagesOf(actor, s)) {
        const res = await page.goto(url);
        expect(res?.status(), `${actor} ${url}`).toBe(200);
        const { violations } = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]).analyze();
        pages++;
        for (const v of violations)
          mine.push({
            actor,
            size: size.name,
            url,
            id: v.id,
            impact: v.impact ?? "",
            help: v.help,
            targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
          });
      }
    }
    await context.close();
    report(actor, { pages, seconds: Math.round((Date.now() - started) / 1000), at: new Date().toISOString(), findings: mine });
    expect(mine.filter(isBad).map((f) => `${f.impact} ${f.id}: ${f.size} ${f.url} ${f.targets.join(", ")}`)).toEqual([]);
  });
}
