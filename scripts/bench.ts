// `npm run bench [scenario …]`: each scenario runs against the production build and, in the same run,
// against a bare node:http + better-sqlite3 baseline doing the same database work. Prints a table of
// throughput, p50/p99, errors, app ÷ baseline and peak RSS, and writes bench-results/latest.json.
import autocannon from "autocannon";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { authScenarios } from "./bench/scenarios/auth.ts";
import { courseSync } from "./bench/scenarios/course-sync.ts";
import { certificateBatch } from "./bench/scenarios/certificates.ts";
import { ledgerExport } from "./bench/scenarios/ledger.ts";
import { examScenarios } from "./bench/scenarios/exams.ts";
import { learningScenarios } from "./bench/scenarios/learning.ts";
import { pageScenarios } from "./bench/scenarios/pages.ts";
import { similarity } from "./bench/scenarios/similarity.ts";
import { noticeFanout } from "./bench/scenarios/notice-fanout.ts";
import { phoneBudgets } from "./bench/scenarios/phone.ts";
import { growth } from "./bench/scenarios/growth.ts";
import type { Measurement, Request, Scenario } from "./bench/types.ts";
import { cpuSeconds, pct, peakRssMb, round, startServer, stopServer, type Server } from "./bench/servers.ts";
import { describePgRow, isPgScenario, type PgRow, ledgerOnPostgres, runOnPostgres, selectNames, withPostgresVariants } from "./bench/postgres.ts";
import { httpClient } from "./faults/load.ts";

const SCENARIOS: Scenario[] = [...authScenarios, ...pageScenarios, ...learningScenarios, ...examScenarios];
const MEASUREMENTS: Measurement[] = [courseSync, ledgerExport, certificateBatch, similarity, noticeFanout, phoneBudgets, growth];

/**
 * A fixed rate as independent users make it: arrivals at random (Poisson) moments, each request sent
 * when its moment comes whatever the earlier ones are doing, and its latency counted from that moment
 * (so a stalled server cannot hide its stall by delaying the next requests). autocannon's overallRate
 * instead sends each second's quota as a burst at the start of the second, which measures a burst of
 * `rate` requests, not `rate` requests per second.
 */
async function paced(t: Server, s: Scenario, requests: Request[]) {
  const client = httpClient(512);
  const latencies: number[] = [];
  let errors = 0;
  let i = 0;
  let lastDone = 0;
  const answered = (status: number) => (status >= 200 && status < 300) || (!!s.redirectsOk && status >= 300 && status < 400);
  const one = async (due: number) => {
    const template = requests[i++ % requests.length]!;
    const context: Record<string, unknown> = {};
    const r = template.setupRequest ? template.setupRequest(template, context) : template;
    try {
      const reply = await client.send(t.url, r.path, { method: r.method, headers: { origin: t.url, ...r.headers }, body: r.body });
      if (answered(reply.status)) latencies.push(performance.now() - due);
      else errors++;
      r.onResponse?.(reply.status, reply.body, context);
    } catch {
      errors++; // refused, reset, cut mid-answer or no answer in 30 s
    }
    lastDone = performance.now();
  };
  const pending: Promise<void>[] = [];
  const started = performance.now();
  const end = started + s.seconds * 1000;
  let due = started;
  while ((due += (-Math.log(1 - Math.random()) * 1000) / s.rate!) < end) {
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(one(due));
  }
  await Promise.all(pending);
  client.close();
  // Answers per second until the last one: a server that falls behind finishes its backlog late and
  // shows a lower rate than was offered. Latencies are of the successful answers; failures are errors.
  const rps = (latencies.length / (Math.max(end, lastDone) - started)) * 1000;
  return { rps: Math.round(rps), p50: round(pct(latencies, 50)), p99: round(pct(latencies, 99)), errors, requests: pending.length };
}

async function load(t: Server, s: Scenario, requests: Request[]) {
  const cpuBefore = cpuSeconds(t.proc.pid!);
  const started = performance.now();
  if (s.rate) {
    const result = await paced(t, s, requests);
    const wall = (performance.now() - started) / 1000;
    return { ...result, wallSeconds: Number(wall.toFixed(2)), cpuPercent: Math.round(((cpuSeconds(t.proc.pid!) - cpuBefore) / wall) * 100) };
  }
  const result = await autocannon({
    url: t.url,
    connections: s.connections,
    ...(s.amount ? { amount: s.amount } : { duration: s.seconds }),
    requests: requests.map((r) => ({ ...r, headers: { origin: t.url, ...r.headers } })),
  });
  const wall = (performance.now() - started) / 1000;
  // Redirects are the expected answer to a sign-in; anything else outside 2xx is an error.
  const expected3xx = requests[0]?.path === "/login" || s.redirectsOk ? (result["3xx"] ?? 0) : 0;
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + Math.max(0, result.non2xx - expected3xx),
    requests: result.requests.total,
    wallSeconds: Number(wall.toFixed(2)),
    cpuPercent: Math.round(((cpuSeconds(t.proc.pid!) - cpuBefore) / wall) * 100),
  };
}

/** The body of the first request's answer (for Scenario.sameContent). */
async function firstAnswer(t: Server, requests: Request[]): Promise<string> {
  const r = requests[0]!;
  const res = await fetch(`${t.url}${r.path}`, { method: r.method, headers: { origin: t.url, ...r.headers }, body: r.body, redirect: "manual" });
  if (res.status !== 200) throw new Error(`${t.kind}: ${r.path} answered ${res.status}`);
  return res.text();
}

async function runScenario(s: Scenario) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `dangxiao-bench-${s.name}-`));
  try {
    // The app creates, seeds and syncs the database; the baseline then works on the same file.
    const app = await startServer("app", dataDir, s.env);
    const appRequests = await s.requests(dataDir);
    const appPage = s.sameContent && (await firstAnswer(app, appRequests));
    const appResult = await load(app, s, appRequests);
    const appRss = peakRssMb(app.proc.pid!);
    await stopServer(app);
    const appChecks = await s.verify?.(dataDir);
    const base = await startServer("baseline", dataDir, s.env);
    const baseRequests = await s.requests(dataDir);
    if (s.sameContent) {
      const differs = s.sameContent(appPage!, await firstAnswer(base, baseRequests));
      if (differs) throw new Error(`${s.name}: the baseline's page is not the app's: ${differs}`);
    }
    const baseResult = await load(base, s, baseRequests);
    const baseRss = peakRssMb(base.proc.pid!);
    await stopServer(base);
    const baseChecks = await s.verify?.(dataDir);
    return {
      scenario: s.name,
      what: s.what,
      app: { ...appResult, peakRssMb: appRss, ...(appChecks ? { checks: appChecks } : {}) },
      baseline: { ...baseResult, peakRssMb: baseRss, ...(baseChecks ? { checks: baseChecks } : {}) },
      ratio: Number((appResult.rps / Math.max(1, baseResult.rps)).toFixed(2)),
    };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  // Plain names are SQLite rows, `name@pg1` / `name@pg3` PostgreSQL rows (scripts/bench/postgres.ts); none: all.
  const wanted = selectNames(
    process.argv.slice(2),
    [...SCENARIOS, ...MEASUREMENTS].map((s) => s.name),
  );
  const pick = <T extends { name: string }>(list: T[]) => list.filter((x) => wanted.includes(x.name));
  const scenarios = pick(withPostgresVariants(SCENARIOS, wanted));
  const measurements = [...MEASUREMENTS, ...wanted.flatMap((w) => ledgerOnPostgres(w) ?? [])].filter((x) => wanted.includes(x.name));
  if (!scenarios.length && !measurements.length) {
    throw new Error(`unknown scenario; choose from: ${[...SCENARIOS, ...MEASUREMENTS].map((s) => s.name).join(", ")} (add @pg1, @pg3 or @pg for PostgreSQL)`);
  }
  if (scenarios.length && !fs.existsSync(`${process.env.BUILD_DIR ?? "build"}/server/index.js`)) throw new Error("run `npm run build` first");
  const rows: (Awaited<ReturnType<typeof runScenario>> | PgRow<Awaited<ReturnType<typeof load>>>)[] = [];
  for (const s of scenarios) {
    console.error(`… ${s.name}`);
    rows.push(isPgScenario(s) ? await runOnPostgres(s, load, rows) : await runScenario(s));
  }
  const line = (c: (string | number)[]) => `| ${c.join(" | ")} |`;
  if (rows.length) {
    console.log(
      line([
        "scenario",
        "app req/s",
        "app p50 ms",
        "app p99 ms",
        "app errors",
        "app CPU %",
        "baseline req/s",
        "baseline p99 ms",
        "baseline CPU %",
        "app ÷ baseline",
        "app peak RSS MB",
      ]),
    );
    console.log(line(Array(11).fill("---")));
    for (const r of rows) {
      console.log(
        line([
          r.scenario,
          r.app.rps,
          r.app.p50,
          r.app.p99,
          r.app.errors,
          r.app.cpuPercent,
          r.baseline.rps,
          r.baseline.p99,
          r.baseline.cpuPercent,
          r.ratio,
          r.app.peakRssMb,
        ]),
      );
    }
  }
  for (const r of rows) {
    for (const side of ["app", "baseline"] as const) {
      const checks = (r[side] as { checks?: Record<string, number | string> }).checks;
      if (checks)
        console.log(
          `${r.scenario} ${side}: wall ${r[side].wallSeconds} s; ${Object.entries(checks)
            .map(([k, v]) => `${k} ${v}`)
            .join("; ")}`,
        );
    }
  }
  for (const r of rows) if ("engine" in r) console.log(describePgRow(r));
  const measured: Record<string, Record<string, number | string>> = {};
  for (const m of measurements) {
    console.error(`… ${m.name}`);
    measured[m.name] = await m.run();
    console.log(`\n${m.name}: ${m.what}`);
    for (const [k, v] of Object.entries(measured[m.name]!)) console.log(`  ${k}: ${v}`);
  }
  fs.mkdirSync("bench-results", { recursive: true });
  const report = {
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    rows,
    measurements: measured,
  };
  fs.writeFileSync("bench-results/latest.json", JSON.stringify(report, null, 2));
  console.log("\nwritten: bench-results/latest.json");
}

await main();
