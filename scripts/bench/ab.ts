// `npx tsx scripts/bench/ab.ts <path> <rounds> <variant> <variant> …` (after `npm run build`): a
// before/after measurement of one page under the same conditions. Each variant is a set of environment
// variables for the production server (`-` for none, `A=1,B=2` for several); the variants run in turn,
// round after round, each on a fresh start of the server against the same data (200 trainees with a
// session), 2 s warm-up then 8 s of autocannon with 10 connections. Prints req/s and CPU ms per
// request of each run with `uptime`, then the medians — CPU per request is the steadier figure on a
// machine that others load.
import autocannon from "autocannon";
import { execSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { makeTrainees } from "./fixtures.ts";
import { startServer, stopServer } from "./servers.ts";

const [pagePath, rounds, ...variants] = process.argv.slice(2);
if (!pagePath || !variants.length) throw new Error("usage: ab.ts <path> <rounds> <variant> <variant> …");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-bench-ab-"));
await stopServer(await startServer("app", dir)); // creates, seeds and syncs the school
const requests = makeTrainees(dir, 200, { prefix: "ab" }).map((cookie) => ({ path: pagePath, headers: { cookie } }));
const cpuSeconds = (pid: number) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
};
const runs: Record<string, { rps: number[]; cpuMs: number[] }> = {};
for (let r = 0; r < Number(rounds); r++) {
  for (const v of variants) {
    const env = v === "-" ? {} : Object.fromEntries(v.split(",").map((x) => x.split("=") as [string, string]));
    const s = await startServer("app", dir, env);
    await autocannon({ url: s.url, connections: 10, duration: 2, requests });
    const before = cpuSeconds(s.proc.pid!);
    const out = await autocannon({ url: s.url, connections: 10, duration: 8, requests });
    const cpuMs = ((cpuSeconds(s.proc.pid!) - before) * 1000) / out.requests.total;
    await stopServer(s);
    if (out.non2xx || out.errors) throw new Error(`${v}: ${out.non2xx} answers outside 2xx, ${out.errors} errors`);
    (runs[v] ??= { rps: [], cpuMs: [] }).rps.push(out.requests.average);
    runs[v].cpuMs.push(cpuMs);
    console.log(`round ${r + 1} ${v}: ${out.requests.average} req/s, ${cpuMs.toFixed(2)} ms CPU per request; ${execSync("uptime").toString().trim()}`);
  }
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
for (const [v, x] of Object.entries(runs)) console.log(`${v}: median ${median(x.rps)} req/s, ${median(x.cpuMs).toFixed(2)} ms CPU per request`);
fs.rmSync(dir, { recursive: true, force: true });
