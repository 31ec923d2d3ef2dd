// `npm run bench [scenario …]`: each scenario runs against the production build and, in the same run,
// against a bare node:http + better-sqlite3 baseline doing the same database work. Prints a table of
// throughput, p50/p99, errors, app ÷ baseline and peak RSS, and writes bench-results/latest.json.
import autocannon from "autocannon";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase } from "../app/utils/db.server.ts";
import { createSession } from "../app/utils/session.server.ts";
import { DEMO_PASSWORD } from "./seed.ts";

type Target = { url: string; proc: ChildProcess };
type Request = { method?: "GET" | "POST"; path: string; headers?: Record<string, string>; body?: string };
type Scenario = {
  name: string;
  what: string;
  connections: number;
  seconds: number;
  /** Requests for one run; called separately for app and baseline so each gets fresh state. */
  requests: (dataDir: string) => Promise<Request[]>;
};

const SCENARIOS: Scenario[] = [
  {
    name: "signin",
    what: "POST /login with the right password (argon2id verify + session insert)",
    connections: 4,
    seconds: 10,
    requests: async () => [
      { method: "POST", path: "/login", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `username=2023001&password=${DEMO_PASSWORD}` },
    ],
  },
  {
    name: "home",
    what: "GET / as a signed-in trainee (session check + user, roles, unit + render)",
    connections: 10,
    seconds: 10,
    requests: async (dataDir) => {
      const db = openDatabase(path.join(dataDir, "app.db"));
      const ids = await db.selectFrom("users").select("id").where("username", "like", "2%").execute();
      const cookies = await Promise.all(ids.map(async (u) => `dx_session=${(await createSession(db, u.id)).token}`));
      await db.destroy();
      return cookies.map((c) => ({ path: "/", headers: { cookie: c } }));
    },
  },
];

async function waitReady(url: string, proc: ChildProcess, out: () => string) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`process exited:\n${out()}`);
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready in 30 s:\n${out()}`);
}

async function start(kind: "app" | "baseline", dataDir: string, port: number): Promise<Target> {
  const args = kind === "app" ? ["--import", "tsx", "server.ts"] : ["--import", "tsx", "scripts/bench/baseline.ts"];
  let out = "";
  const proc = spawn(process.execPath, args, {
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  await waitReady(kind === "app" ? `${url}/healthz` : `${url}/`, proc, () => out);
  return { url, proc };
}

function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function stop(t: Target) {
  if (t.proc.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    t.proc.once("exit", () => resolve());
    t.proc.kill("SIGTERM");
  });
}

async function load(t: Target, s: Scenario, requests: Request[]) {
  const origin = { origin: t.url };
  const result = await autocannon({
    url: t.url,
    connections: s.connections,
    duration: s.seconds,
    requests: requests.map((r) => ({ ...r, headers: { ...origin, ...r.headers } })),
  });
  const non2xx = result.non2xx - (requests[0]?.method === "POST" ? result["3xx"] ?? 0 : 0);
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + Math.max(0, non2xx),
    requests: result.requests.total,
  };
}

async function main() {
  const wanted = process.argv.slice(2);
  const scenarios = wanted.length ? SCENARIOS.filter((s) => wanted.includes(s.name)) : SCENARIOS;
  if (!scenarios.length) throw new Error(`unknown scenario; choose from: ${SCENARIOS.map((s) => s.name).join(", ")}`);
  if (!fs.existsSync(`${process.env.BUILD_DIR ?? "build"}/server/index.js`)) throw new Error("run `npm run build` first");
  const rows = [];
  for (const s of scenarios) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `dangxiao-bench-${s.name}-`));
    // The app creates and seeds the database; the baseline then works on the same file.
    const app = await start("app", dataDir, 3400);
    const appResult = await load(app, s, await s.requests(dataDir));
    const appRss = peakRssMb(app.proc.pid!);
    await stop(app);
    const base = await start("baseline", dataDir, 3401);
    const baseResult = await load(base, s, await s.requests(dataDir));
    const baseRss = peakRssMb(base.proc.pid!);
    await stop(base);
    fs.rmSync(dataDir, { recursive: true, force: true });
    rows.push({
      scenario: s.name,
      what: s.what,
      app: { ...appResult, peakRssMb: appRss },
      baseline: { ...baseResult, peakRssMb: baseRss },
      ratio: Number((appResult.rps / Math.max(1, baseResult.rps)).toFixed(2)),
    });
  }
  const line = (c: string[]) => `| ${c.join(" | ")} |`;
  console.log(line(["scenario", "app req/s", "app p50 ms", "app p99 ms", "app errors", "baseline req/s", "baseline p99 ms", "app ÷ baseline", "app peak RSS MB"]));
  console.log(line(Array(9).fill("---")));
  for (const r of rows) {
    console.log(line([r.scenario, String(r.app.rps), String(r.app.p50), String(r.app.p99), String(r.app.errors), String(r.baseline.rps), String(r.baseline.p99), String(r.ratio), String(r.app.peakRssMb)]));
  }
  fs.mkdirSync("bench-results", { recursive: true });
  const report = { at: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGb: Math.round(os.totalmem() / 2 ** 30), node: process.version }, rows };
  fs.writeFileSync("bench-results/latest.json", JSON.stringify(report, null, 2));
  console.log("\nwritten: bench-results/latest.json");
}

await main();
