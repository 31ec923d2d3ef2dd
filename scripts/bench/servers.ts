// Helpers for the measurements (scripts/bench/scenarios/*.ts that are not HTTP loads): start the
// production server or the bare baseline on a data directory, sample a process's memory, time one
// request to its last byte, and format the app ÷ baseline lines the same way everywhere.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../tests/setup/server.ts";
import { cloneDataDir } from "./fixtures.ts";

export type Server = { kind: "app" | "baseline"; url: string; proc: ChildProcess; kill: () => void; output: () => string };

/** `app`: server.ts from BUILD_DIR (default build); `baseline`: scripts/bench/baseline.ts (node:http + better-sqlite3). */
export async function startServer(kind: Server["kind"], dataDir: string, extraEnv: Record<string, string> = {}): Promise<Server> {
  if (kind === "app" && !fs.existsSync(`${process.env.BUILD_DIR ?? "build"}/server/index.js`)) throw new Error("run `npm run build` first");
  const port = await freePort();
  let out = "";
  // BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each app run there (open it in Chrome DevTools).
  const prof = kind === "app" && process.env.BENCH_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROF] : [];
  const proc = spawn(process.execPath, [...prof, "--import", "tsx", kind === "app" ? "server.ts" : "scripts/bench/baseline.ts"], {
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir, COURSES_DIR: "courses", ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  // A crashed run must not leave a server behind.
  const kill = () => proc.kill("SIGKILL");
  process.once("exit", kill);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${kind} exited:\n${out}`);
    try {
      const r = await fetch(kind === "app" ? `${url}/healthz` : url, { redirect: "manual" });
      await r.arrayBuffer();
      if (r.status < 500) return { kind, url, proc, kill, output: () => out };
    } catch {
      /* starting */
    }
    if (Date.now() > deadline) throw new Error(`${kind} not ready in 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stopServer(s: Server) {
  process.off("exit", s.kill);
  if (s.proc.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    s.proc.once("exit", () => resolve());
    s.proc.kill("SIGTERM");
  });
}

/** Starts the server, runs `fn`, and stops it whatever happens. */
async function withServer<T>(kind: Server["kind"], dataDir: string, fn: (s: Server) => Promise<T>): Promise<T> {
  const s = await startServer(kind, dataDir);
  try {
    return await fn(s);
  } finally {
    await stopServer(s);
  }
}

/**
 * The app and the baseline from the same starting data: `generate` writes it into a temporary data
 * directory, which is copied for the baseline; `fn` runs against the app on the original, then
 * against the baseline on the copy. Both directories are removed afterwards.
 */
export async function onBothServers<D, R>(label: string, generate: (dataDir: string) => Promise<D>, fn: (s: Server, dataDir: string, data: D) => Promise<R>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `dangxiao-bench-${label}-`));
  let copy: string | undefined;
  try {
    const data = await generate(dir);
    copy = cloneDataDir(dir, `${label}-baseline`);
    const app = await withServer("app", dir, (s) => fn(s, dir, data));
    const baseline = await withServer("baseline", copy, (s) => fn(s, copy!, data));
    return { data, app, baseline };
  } finally {
    for (const d of [dir, copy]) if (d) fs.rmSync(d, { recursive: true, force: true });
  }
}

export const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

/** The highest RSS a process has had (MB). */
export function peakRssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Samples a process's RSS every 20 ms until `stop()`, which returns the RSS before and the peak (MB). */
function sampleRss(pid: number) {
  const before = rssMb(pid);
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 20);
  return {
    stop: () => {
      clearInterval(timer);
      return { before: Math.round(before), peak: Math.round(Math.max(peak, rssMb(pid))) };
    },
  };
}

export type Timed = { ms: number; ttfb: number; bytes: number; status: number; rss: { before: number; peak: number } };

/**
 * One request from a client, timed to its last byte (and its first), with the server's RSS sampled
 * meanwhile. The body goes to `file` when given (read back by the caller), else it is kept in `body`.
 */
export async function timedRequest(s: Server, path: string, init: RequestInit & { file?: string } = {}): Promise<Timed & { body: Buffer | null }> {
  const rss = sampleRss(s.proc.pid!);
  const t0 = performance.now();
  const headers = { origin: s.url, "accept-encoding": "identity", ...(init.headers as Record<string, string>) };
  const res = await fetch(`${s.url}${path}`, { ...init, headers, redirect: "manual" });
  const ttfb = performance.now() - t0;
  const out = init.file ? fs.createWriteStream(init.file) : null;
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of (res.body ?? []) as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    if (!out) chunks.push(Buffer.from(chunk));
    else if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  if (out) await new Promise<void>((r) => out.end(() => r()));
  const ms = performance.now() - t0;
  return { ms, ttfb, bytes, status: res.status, rss: rss.stop(), body: out ? null : Buffer.concat(chunks) };
}

/** A form POST as the page's <Form> sends it with JavaScript (Remix single fetch: `<path>.data`). */
export function formPost(cookie: string, fields: Record<string, string>): RequestInit {
  return {
    method: "POST",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded;charset=UTF-8" },
    body: new URLSearchParams(fields).toString(),
  };
}

export const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : 0;
};

/** "12.3 s; first byte 40 ms; 9.4 MB; server RSS 180 → 330 MB" */
export function describe(t: Timed, opts: { size?: boolean } = {}): string {
  const time = t.ms >= 1000 ? `${round(t.ms / 1000, 2)} s` : `${Math.round(t.ms)} ms`;
  const size = opts.size === false ? "" : `; first byte ${Math.round(t.ttfb)} ms; ${round(t.bytes / 2 ** 20)} MB`;
  return `${time}${size}; server RSS ${t.rss.before} → ${t.rss.peak} MB`;
}

/**
 * The lines of one figure: what was measured, the app's figures, the baseline's, and app time ÷
 * baseline time (above 1: the app takes that many times as long).
 */
export function compared(
  label: string,
  what: string,
  app: { ms: number; text: string },
  baseline: { ms: number; text: string },
): Record<string, string | number> {
  return {
    [label]: what,
    [`${label} — app`]: app.text,
    [`${label} — baseline`]: baseline.text,
    [`${label} — app time ÷ baseline time`]: round(app.ms / Math.max(0.001, baseline.ms), 2),
  };
}
