// Growth curves: the same requests at 1×, 10× and 100× the data (2,000 → 200,000 trainees; see
// scripts/bench/growth-data.ts), each size generated into a temporary data directory, served by the production
// server and deleted afterwards. Per size: p50/p99 of the pages (trainee home, course page, lesson, the admin's
// and a 二级党委 secretary's dashboards, roster, ledger), exam starts (200 trainees), autosave (1,000 saves),
// one ledger CSV export, and the slowest queries the server logged (DB_SLOW_QUERY_MS) with their plans.
// Prints a growth table; the figures go to bench-results/latest.json under "growth".
//
//   npm run bench growth                       (sizes 1, 10, 100)
//   GROWTH_SIZES=1,10,30 npx tsx scripts/bench.ts growth     (after `npm run build`)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execSync } from "node:child_process";
import Database from "better-sqlite3";
import { httpClient } from "../../faults/load.ts";
import { generateGrowth, type GrowthData } from "../growth-data.ts";
import { pct, round, startServer, stopServer, type Server } from "../servers.ts";
import type { Measurement } from "../types.ts";

const SLOW_MS = Number(process.env.GROWTH_SLOW_MS ?? 20);

type Sample = { p50: number; p99: number; n: number; errors: number };

/** `count` requests (cookies rotating) over `connections` at a time, each timed to its last byte. Stops early after `maxSeconds`. */
async function sample(
  s: Server,
  paths: { path: string; cookie: string; method?: string; body?: string; type?: string }[],
  count: number,
  connections: number,
  maxSeconds = 60,
) {
  const client = httpClient(connections);
  const lat: number[] = [];
  let errors = 0;
  let next = 0;
  const stopAt = performance.now() + maxSeconds * 1000;
  const worker = async () => {
    while (next < count && (performance.now() < stopAt || lat.length < 3)) {
      const r = paths[next++ % paths.length]!;
      const t0 = performance.now();
      try {
        const headers: Record<string, string> = { cookie: r.cookie, origin: s.url };
        if (r.type) headers["content-type"] = r.type;
        const reply = await client.send(s.url, r.path, { method: r.method ?? "GET", headers, body: r.body });
        if (reply.status >= 400) errors++;
        else lat.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  client.close();
  return { p50: round(pct(lat, 50)), p99: round(pct(lat, 99)), n: lat.length, errors } satisfies Sample;
}

type SizeResult = {
  scale: number;
  uptime: string;
  generateS: number;
  dbMb: number;
  rows: Record<string, number>;
  startS: number;
  pages: Record<string, Sample>;
  examStart: Sample;
  autosave: Sample;
  exportMs: number;
  exportRows: number;
  slow: Slow[];
};

const load = () =>
  execSync("uptime")
    .toString()
    .trim()
    .replace(/^.*load average: /, "load ");

async function oneSize(scale: number): Promise<SizeResult> {
  const dir = fs.mkdtempSync(path.join(process.env.GROWTH_TMP ?? os.tmpdir(), `dangxiao-growth-${scale}x-`));
  try {
    console.error(`… growth ${scale}×: generating (${load()})`);
    const g0 = performance.now();
    const d: GrowthData = await generateGrowth(dir, scale);
    const generateS = round((performance.now() - g0) / 1000);
    const dbMb = Math.round(fs.statSync(path.join(dir, "app.db")).size / 2 ** 20);
    console.error(`  ${generateS} s, ${dbMb} MB, ${JSON.stringify(d.rows)}`);
    const s0 = performance.now();
    const s = await startServer("app", dir, { DB_SLOW_QUERY_MS: String(SLOW_MS) });
    const startS = round((performance.now() - s0) / 1000);
    let measured;
    try {
      measured = await measure(s, d, dir);
    } finally {
      await stopServer(s);
    }
    return { scale, uptime: load(), generateS, dbMb, rows: d.rows, startS, ...measured, slow: slowQueries(s.output(), path.join(dir, "app.db")) };
  } finally {
    // GROWTH_KEEP=1 keeps the data directory (for looking at plans by hand); it is printed.
    if (process.env.GROWTH_KEEP) console.error(`  kept: ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(s: Server, d: GrowthData, dir: string) {
  const trainee = (p: string) => d.readerCookies.map((cookie) => ({ path: p, cookie }));
  const staff = (p: string, cookie: string) => [{ path: p, cookie }];
  const list: [string, { path: string; cookie: string }[], number][] = [
    ["trainee home /", trainee("/"), 150],
    ["course page", trainee(d.examPath.replace(/\/exams\/.*/, "")), 150],
    ["lesson page", trainee(d.lessonPath), 150],
    ["admin dashboard", staff("/admin/dashboard", d.adminCookie), 30],
    ["secretary dashboard (二级党委)", staff("/branch/dashboard", d.secretaryCookie), 30],
    ["roster /admin/users", staff("/admin/users", d.adminCookie), 60],
    ["ledger /admin/ledger", staff("/admin/ledger", d.adminCookie), 60],
    ["branch ledger (二级党委)", staff("/branch/ledger", d.secretaryCookie), 60],
  ];
  const pages: Record<string, Sample> = {};
  for (const [label, paths, count] of list) {
    await sample(s, paths, 3, 1); // warm up (Markdown cache, statement cache)
    pages[label] = await sample(s, paths, count, 2);
    console.error(`  ${label}: ${JSON.stringify(pages[label])}`);
  }
  const examStart = await sample(
    s,
    d.starterCookies.map((cookie) => ({ path: d.examPath, cookie, method: "POST", body: "", type: "application/x-www-form-urlencoded" })),
    d.starterCookies.length,
    4,
    120,
  );
  console.error(`  exam start: ${JSON.stringify(examStart)}`);
  const autosave = await sample(s, saves(dir, d), 1000, 4, 120);
  console.error(`  autosave: ${JSON.stringify(autosave)}`);
  const e0 = performance.now();
  const reply = await httpClient(1).send(s.url, "/admin/ledger/export.csv", { headers: { cookie: d.adminCookie } });
  if (reply.status !== 200) throw new Error(`ledger export: ${reply.status}`);
  const exportMs = Math.round(performance.now() - e0);
  const exportRows = reply.body.split("\r\n").filter(Boolean).length - 1;
  console.error(`  ledger CSV: ${exportMs} ms, ${exportRows} rows`);
  return { pages, examStart, autosave, exportMs, exportRows };
}

/** A save to one 判断 question of each started attempt, with rising seq numbers. */
function saves(dir: string, d: GrowthData) {
  const db = new Database(path.join(dir, "app.db"), { readonly: true });
  const rows = db
    .prepare(
      `select a.id as attempt, aq.question_id as question, s.id || '.' as sid from exam_attempts a
       join attempt_questions aq on aq.attempt_id = a.id join questions q on q.id = aq.question_id and q.type = '判断'
       join sessions s on s.user_id = a.user_id where a.status = 'in_progress'`,
    )
    .all() as { attempt: number; question: number; sid: string }[];
  db.close();
  const cookieOf = new Map(d.starterCookies.map((c) => [c.split("=")[1]!.split(".")[0]! + ".", c]));
  return rows.map((r, i) => ({
    path: `/exam-attempts/${r.attempt}/answers`,
    cookie: cookieOf.get(r.sid)!,
    method: "POST",
    type: "application/json",
    body: JSON.stringify({ questionId: r.question, seq: 1_000_000 + i, answer: { judge: i % 2 === 0 } }),
  }));
}

type Slow = { ms: number; count: number; sql: string; parameters: unknown[]; plan: string[]; replayMs?: number };

/**
 * The server's slow-query lines grouped by SQL (worst time, count, plan). A time logged by a server that shares
 * two cores with other work includes waits for the CPU, so each read is also run again here, alone, on the same
 * data with its logged parameters (median of 3): the list is ordered by that replay time.
 */
function slowQueries(output: string, file: string) {
  const by = new Map<string, Slow>();
  for (const line of output.split("\n")) {
    if (!line.startsWith('{"slowQuery"')) continue;
    const q = JSON.parse(line) as { slowQuery: number; sql: string; parameters: unknown[]; plan: string[] };
    const e = by.get(q.sql) ?? { ms: 0, count: 0, sql: q.sql, parameters: q.parameters, plan: q.plan };
    if (q.slowQuery > e.ms) Object.assign(e, { ms: q.slowQuery, parameters: q.parameters });
    e.count++;
    by.set(q.sql, e);
  }
  const db = new Database(file, { readonly: true });
  for (const e of by.values()) {
    if (!/^\s*select/i.test(e.sql)) continue;
    const times = [0, 1, 2].map(() => {
      const t0 = performance.now();
      db.prepare(e.sql).all(...(e.parameters as unknown[]));
      return performance.now() - t0;
    });
    e.replayMs = round(times.sort((a, b) => a - b)[1]!);
  }
  db.close();
  return [...by.values()].sort((a, b) => (b.replayMs ?? -1) - (a.replayMs ?? -1) || b.ms - a.ms).slice(0, 15);
}

function table(results: SizeResult[]) {
  const first = results[0]!;
  const last = results[results.length - 1]!;
  const head = ["figure", ...results.map((r) => `${r.scale}×`), `${last.scale}× ÷ ${first.scale}×`];
  const lines = [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`];
  const figures: Record<string, string> = {};
  const row = (label: string, f: (r: SizeResult) => number) => {
    const cells = [...results.map(f), round(f(last) / Math.max(0.001, f(first)), 2)];
    lines.push(`| ${[label, ...cells].join(" | ")} |`);
    figures[label] = head
      .slice(1)
      .map((h, i) => `${h} ${cells[i]}`)
      .join("; ");
  };
  row("trainees", (r) => r.rows.users!);
  row("progress + answer rows", (r) => r.rows.lesson_progress! + r.rows.attempt_answers!);
  row("database MB", (r) => r.dbMb);
  row("generation s", (r) => r.generateS);
  row("server start s", (r) => r.startS);
  for (const k of Object.keys(first.pages)) {
    row(`${k} p50 ms`, (r) => r.pages[k]!.p50);
    row(`${k} p99 ms`, (r) => r.pages[k]!.p99);
  }
  row("exam start p50 ms", (r) => r.examStart.p50);
  row("exam start p99 ms", (r) => r.examStart.p99);
  row("autosave p50 ms", (r) => r.autosave.p50);
  row("autosave p99 ms", (r) => r.autosave.p99);
  row("ledger CSV export ms", (r) => r.exportMs);
  row("ledger CSV rows", (r) => r.exportRows);
  row("errors", (r) => Object.values(r.pages).reduce((a, p) => a + p.errors, 0) + r.examStart.errors + r.autosave.errors);
  return { text: lines.join("\n"), figures };
}

export const growth: Measurement = {
  name: "growth",
  what: "the same pages and writes at 1×, 10× and 100× the data (2,000 → 200,000 trainees; GROWTH_SIZES), production server, slow queries logged with their plans",
  run: async () => {
    const sizes = (process.env.GROWTH_SIZES ?? "1,10,100").split(",").map(Number);
    const results: SizeResult[] = [];
    for (const scale of sizes) {
      results.push(await oneSize(scale));
      // Written after each size, so a long run that is stopped keeps what it measured.
      fs.mkdirSync("bench-results", { recursive: true });
      fs.writeFileSync("bench-results/growth-partial.json", JSON.stringify(results, null, 2));
    }
    const { text, figures } = table(results);
    console.log(`\n${text}\n`);
    for (const r of results) console.log(`${r.scale}×: ${r.uptime}`);
    const last = results[results.length - 1]!;
    console.log(`\nslowest queries at ${last.scale}× (≥ ${SLOW_MS} ms, worst time, count, plan):`);
    for (const q of last.slow)
      console.log(`- replay ${q.replayMs ?? "—"} ms, logged ${q.ms} ms ×${q.count}: ${q.sql.slice(0, 400)}\n    ${q.plan.join("\n    ")}`);
    return {
      ...figures,
      "load average per size (uptime)": results.map((r) => `${r.scale}×: ${r.uptime}`).join("; "),
      [`slowest queries at ${last.scale}× (replayed alone, median of 3)`]: JSON.stringify(
        last.slow.map((q) => ({ replayMs: q.replayMs ?? null, loggedMs: q.ms, count: q.count, sql: q.sql.slice(0, 600), plan: q.plan })),
      ),
    };
  },
};
