// `npx tsx scripts/faults/graceful.ts [rounds] [--postgres [--instances N]]` (after `npm run build`): SIGTERM
// during mixed write load. With several instances (three with `--postgres`) the load goes through the proxy,
// the stopped instance (one per round, in turn) is taken out of the proxy at the signal as a load balancer
// drains it, and is started again and put back after it exited. Requests already in the server when the signal comes — proven by slow requests whose body is
// still arriving — must finish with their answer; the process must exit 0 within its 10 s grace; no
// acknowledged write may be missing and no request the server applied may have lost its answer
// (found by looking up the unique value of every failed request), and no answer may be cut once begun.
// Failures of requests the server never took (connection refused after the listener closed, a
// keep-alive connection it closed while idle) are counted, not failed: a client may retry those.
import http from "node:http";
import { randomInt } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ASSIGNMENT_PATH, httpClient, MIXED, newLedger, prepareWorld, runLoad, totalLost, verifyLedger, type Ledger, type World } from "./load.ts";
import { startProxy, type Proxy } from "./proxy.ts";
import { checkDatabase, faultArgs, launch, requireBuild, sleep, type App, type Store } from "./server.ts";

type GracefulSummary = {
  rounds: number;
  exitCodes: (number | null)[];
  exitMs: { avg: number; max: number };
  inFlight: { sent: number; answered: number; failures: string[] };
  acknowledged: number;
  lost: number;
  lostExamples: string[];
  appliedButFailed: number;
  /** Why requests failed after the signal, by error code and whether the connection was a reused keep-alive one. */
  refused: Record<string, number>;
  errorsBeforeStop: Ledger["unexpected"];
  integrity: string[];
  ok: boolean;
};

/**
 * A request whose body arrives in two halves with a pause between, on a connection the server has
 * already answered once (so it was accepted, not waiting in the listen backlog): it is inside the server
 * during the pause.
 */
async function slowPost(base: string, p: string, headers: Record<string, string>, body: Buffer, pauseMs: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  await new Promise<void>((resolve, reject) => http.get(new URL("/healthz", base), { agent }, (res) => res.resume().on("end", resolve)).on("error", reject));
  let started!: () => void;
  const inside = new Promise<void>((r) => (started = r));
  const done = new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
    const req = http.request(new URL(p, base), { method: "POST", agent, headers: { ...headers, "Content-Length": String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (e) => resolve({ error: String((e as NodeJS.ErrnoException).code ?? e.message) }));
    });
    req.on("error", (e) => resolve({ error: String((e as NodeJS.ErrnoException).code ?? e.message) }));
    const half = Math.floor(body.length / 2);
    req.write(body.subarray(0, half), () => {
      started();
      setTimeout(() => req.end(body.subarray(half)), pauseMs);
    });
  }).finally(() => agent.destroy());
  return { inside, done };
}

export async function runGraceful(opts: {
  rounds: number;
  log?: (line: string) => void;
  /** An empty PostgreSQL database for the run; without it, DATA_DIR/app.db. */
  databaseUrl?: string;
  /** App instances on the one store, behind the proxy when more than one (default 1). */
  instances?: number;
}): Promise<GracefulSummary> {
  requireBuild();
  const log = opts.log ?? (() => {});
  const n = opts.instances ?? 1;
  const store: Store = { dataDir: fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-graceful-")), databaseUrl: opts.databaseUrl };
  const apps: (App | undefined)[] = [];
  let proxy: Proxy | undefined;
  let world: World | undefined;
  const ledger = newLedger();
  const summary: GracefulSummary = {
    rounds: opts.rounds,
    exitCodes: [],
    exitMs: { avg: 0, max: 0 },
    inFlight: { sent: 0, answered: 0, failures: [] },
    acknowledged: 0,
    lost: 0,
    lostExamples: [],
    appliedButFailed: 0,
    refused: {},
    errorsBeforeStop: [],
    integrity: [],
    ok: false,
  };
  const exitTimes: number[] = [];
  try {
    for (let round = 1; round <= opts.rounds; round++) {
      // Every instance that is not running is started (one after the other, as a rolling start does).
      for (let i = 0; i < n; i++) {
        if (apps[i]) continue;
        apps[i] = await launch(store);
        proxy?.replace(i, apps[i]!.url);
      }
      if (n > 1) proxy ??= await startProxy(apps.map((a) => a!.url));
      const victim = (round - 1) % n;
      const app = apps[victim]!;
      const front = proxy?.url ?? app.url;
      world ??= await prepareWorld(front, store, { prefix: "gs" });
      const w = world;
      let stop = false;
      let stopping = false;
      const failedBefore = ledger.failed.length;
      const client = httpClient(16);
      const load = runLoad({
        target: () => front,
        world: w,
        ledger,
        workers: 16,
        mix: MIXED,
        stop: () => stop,
        down: (upstream) => stopping && (!proxy || upstream === String(victim)),
        client,
      });
      await sleep(300 + randomInt(700));
      // Slow requests: an answer and a draft each, their bodies half sent when the signal comes.
      const slow: { kind: "answer" | "draft"; key: string; seq: number; text: string; req: Awaited<ReturnType<typeof slowPost>> }[] = [];
      for (let i = 0; i < 3; i++) {
        const slot = w.slots[randomInt(w.slots.length)]!;
        const seq = 900_000_000 + round * 10 + i; // above every seq the load uses
        const answer = slot.type === "判断" ? { judge: true } : { text: `慢请求 ${seq}` };
        const body = Buffer.from(JSON.stringify({ questionId: slot.questionId, seq, answer }));
        slow.push({
          kind: "answer",
          key: `${slot.attemptId}:${slot.questionId}`,
          seq,
          text: JSON.stringify(answer),
          req: await slowPost(
            app.url,
            `/exam-attempts/${slot.attemptId}/answers`,
            { Cookie: slot.cookie, Origin: app.url, "Content-Type": "application/json" },
            body,
            1500,
          ),
        });
        const d = w.drafters[i % w.drafters.length]!;
        const text = `慢草稿 ${d.username} ${seq}`;
        const form = Buffer.from(new URLSearchParams({ intent: "autosave", text, seq: String(seq) }).toString());
        slow.push({
          kind: "draft",
          key: String(d.userId),
          seq,
          text,
          req: await slowPost(
            app.url,
            `${ASSIGNMENT_PATH}.data`,
            { Cookie: d.cookie, Origin: app.url, "Content-Type": "application/x-www-form-urlencoded" },
            form,
            1500,
          ),
        });
      }
      await Promise.all(slow.map((s) => s.req.inside));
      await sleep(400); // time for a busy server to read the headers it has been sent

      stopping = true;
      const t = performance.now();
      proxy?.replace(victim, null);
      app.proc.kill("SIGTERM");
      const code = await app.exited;
      apps[victim] = undefined;
      exitTimes.push(performance.now() - t);
      summary.exitCodes.push(code);
      stop = true;
      await load;
      client.close();
      for (const s of slow) {
        summary.inFlight.sent++;
        const r = await s.req.done;
        const ok = "status" in r && r.status === 200 && (s.kind === "answer" ? (JSON.parse(r.body) as { ok: boolean }).ok : r.body.includes('"ok",true'));
        if (!ok) {
          summary.inFlight.failures.push(`${s.kind} ${s.key}: ${"error" in r ? r.error : `${r.status} ${r.body.slice(0, 120)}`}`);
          continue;
        }
        summary.inFlight.answered++;
        // Acknowledged: into the ledger with the rest.
        if (s.kind === "answer") {
          const prev = ledger.answers.get(s.key);
          if (!prev || prev.seq < s.seq) ledger.answers.set(s.key, { seq: s.seq, value: s.text });
        } else {
          const prev = ledger.drafts.get(Number(s.key));
          if (!prev || prev.seq < s.seq) ledger.drafts.set(Number(s.key), { seq: s.seq, text: s.text });
        }
      }
      for (const f of ledger.failed.slice(failedBefore)) {
        const k = `${f.code}${f.reusedSocket ? " (reused keep-alive connection)" : ""}${f.answered ? " (after the answer began)" : ""}`;
        summary.refused[k] = (summary.refused[k] ?? 0) + 1;
      }
      const integrity = checkDatabase(store);
      if (integrity !== "ok") summary.integrity.push(`round ${round}: ${integrity}`);
      const v = await verifyLedger(store, w, ledger);
      log(
        `stop ${round}${proxy ? ` (instance ${victim})` : ""}: exit ${code} after ${Math.round(exitTimes.at(-1)!)} ms; in-flight answered ${summary.inFlight.answered}/${summary.inFlight.sent}; lost ${totalLost(v)}; applied but unanswered ${v.appliedButFailed}; integrity ${integrity}`,
      );
    }
    const v = await verifyLedger(store, world!, ledger);
    summary.acknowledged = Object.values(ledger.counts).reduce((a, c) => a + c.acked, 0) + summary.inFlight.answered;
    summary.lost = totalLost(v);
    summary.lostExamples = v.examples;
    summary.appliedButFailed = v.appliedButFailed;
    summary.errorsBeforeStop = ledger.unexpected;
    summary.exitMs = { avg: Math.round(exitTimes.reduce((a, b) => a + b, 0) / exitTimes.length), max: Math.round(Math.max(...exitTimes)) };
    summary.ok =
      summary.exitCodes.every((c) => c === 0) &&
      summary.inFlight.answered === summary.inFlight.sent &&
      summary.lost === 0 &&
      summary.appliedButFailed === 0 &&
      !summary.errorsBeforeStop.length &&
      !summary.integrity.length &&
      // A request may fail only before its answer began, and (appliedButFailed) only if the server never applied it.
      Object.keys(summary.refused).every((k) => !k.includes("(after the answer began)"));
    return summary;
  } finally {
    await proxy?.close();
    await Promise.all(apps.map((a) => a?.signal("SIGTERM")));
    fs.rmSync(store.dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = await faultArgs(10);
  const s = await runGraceful({ rounds: args.count, databaseUrl: args.databaseUrl, instances: args.instances, log: console.log }).finally(() =>
    args.cluster?.stop(),
  );
  console.log("\nsummary");
  console.log(
    `  SIGTERM under load ${s.rounds} times: exit codes ${[...new Set(s.exitCodes)].join(", ")}, exit after avg ${s.exitMs.avg} ms, max ${s.exitMs.max} ms`,
  );
  console.log(`  requests inside the server at the signal: ${s.inFlight.answered}/${s.inFlight.sent} answered ${s.inFlight.failures.join("; ")}`);
  console.log(`  acknowledged writes: ${s.acknowledged}, missing: ${s.lost}; applied but unanswered: ${s.appliedButFailed}`);
  console.log(`  requests refused after the signal: ${JSON.stringify(s.refused)}`);
  console.log(`  errors before the signal: ${s.errorsBeforeStop.length}; integrity: ${s.integrity.length ? s.integrity.join("; ") : "ok"}`);
  process.exit(s.ok ? 0 : 1);
}
