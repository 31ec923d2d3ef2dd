// `npx tsx scripts/faults/stall-sweep.ts [--short] [--only <label substring>]… [--verbose]` (after `npm run build`; BUILD_DIR is honoured): the
// stall sweep. Every route that takes a body gets the pathological inputs that once froze the server,
// scaled to that route's body limit — more fields than it allows (urlencoded and multipart), a body over
// its limit, Markdown that costs marked quadratic time or overflows its stack, a `{{` bank file, a zip bomb
// — sent signed out and as each role, while /healthz is probed every 20 ms. It prints the worst /healthz
// wait per route and exits non-zero when any is over 200 ms (twice in a row) or any answer is a 5xx. `--short` sends as the
// route's own role and signed out only, with smaller bodies (tests/integration/stall.test.ts). `--items`
// measures the six stalls of the issue one by one at the issue's sizes.
import { Zip, ZipDeflate, ZipPassThrough, strToU8 } from "fflate";
import http from "node:http";
import { pathToFileURL } from "node:url";
import { bodyLimitFor } from "../../app/utils/body-limits.server.ts";
import { ROUTES, type Body } from "../../tests/setup/route-table.ts";
import { appRoutes } from "../../tests/setup/routes.ts";
import { ACTORS, DEMO, DEMO_ASSIGNMENT, seedScenario, type Actor, type Scenario } from "../../tests/setup/scenario.ts";
import { launch, requireBuild, rssMb, sleep } from "./server.ts";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const STALL_LIMIT_MS = 200;
const PROBE_EVERY_MS = 20;

/** Inputs that cost marked, the course parser or the form parser more than linear time (issue figures). */
const PATTERNS: Record<string, string> = {
  star: "*a ",
  underscore: "_a ",
  nestedB: "<b>",
  strongUnder: "**_",
  quote: "> ",
  linkOpen: "[a](",
  backtick: "`a",
  escapes: "\\*",
  blankOpen: "{{",
  list: "- ",
};
const repeatTo = (unit: string, chars: number) => unit.repeat(Math.max(1, Math.floor(chars / unit.length)));

type StallResult = {
  /** Worst /healthz wait while the route's requests were in flight, per route label. */
  worstMs: Record<string, number>;
  requests: number;
  /** 5xx answers and requests that got no answer. */
  failures: string[];
  idleMs: number;
};

type Payload = { label: string; body: Buffer; type: string; declared?: number };

function urlencoded(fields: [string, string][]): Payload["body"] {
  return Buffer.from(new URLSearchParams(fields).toString());
}

function multipart(fields: [string, string | { name: string; data: Uint8Array }][]): { body: Buffer; type: string } {
  const boundary = `----stall${Date.now().toString(16)}`;
  const parts: Buffer[] = [];
  for (const [name, v] of fields) {
    const file = typeof v === "string" ? null : v;
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file ? `; filename="${file.name}"\r\nContent-Type: application/octet-stream` : ""}\r\n\r\n`,
      ),
    );
    parts.push(file ? Buffer.from(file.data) : Buffer.from(v as string));
    parts.push(Buffer.from("\r\n"));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
}

/** A course zip whose media/zeros.mp4 inflates to `zeros` bytes (built as a stream: nothing that large is held). */
export function zipBomb(zeros: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  const zip = new Zip((err, chunk) => {
    if (err) throw err;
    chunks.push(chunk);
  });
  const course = new ZipPassThrough("bomb/course.md");
  zip.add(course);
  course.push(strToU8("---\ntitle: 炸弹\naudience: [入党积极分子]\nsummary: x\nhours: 1\n---\n"), true);
  const media = new ZipDeflate("bomb/media/zeros.mp4", { level: 9 });
  zip.add(media);
  const block = new Uint8Array(1024 * 1024);
  for (let left = zeros; left > 0; left -= block.length) media.push(left > block.length ? block : block.subarray(0, left), left <= block.length);
  zip.end();
  return Buffer.concat(chunks);
}

/** The body-taking routes and where to post: from the route table (every route with an action has a row). */
async function bodyRoutes(s: Scenario): Promise<{ id: string; url: string; as: Actor; fields: [string, string][] }[]> {
  const out: { id: string; url: string; as: Actor; fields: [string, string][] }[] = [];
  for (const r of (await appRoutes()).filter((x) => x.hasAction)) {
    const row = ROUTES[r.id];
    if (!row) continue;
    const cases = row.cases(s);
    const sweep = row.sweep?.(s);
    const url = sweep?.url ?? cases[0]?.url;
    if (!url) continue;
    const sample: Body | undefined = cases.find((c) => c.postBody)?.postBody?.();
    const fields: [string, string][] =
      sample?.body instanceof URLSearchParams ? [...sample.body.entries()] : sweep?.form ? Object.entries(sweep.form) : [["text", ""]];
    out.push({ id: r.id, url, as: sweep?.as ?? "anon", fields });
  }
  return out;
}

/** The pathological payloads for one route, each within (or, for "oversize", just over) its limits. */
function payloadsFor(pathname: string, fields: [string, string][], maxBytes: number): Payload[] {
  const limit = bodyLimitFor(pathname);
  const size = Math.min(limit.bytes, maxBytes);
  const out: Payload[] = [];
  // Many fields: the form parser once spent 18 s on 50,000 of them.
  const many = Math.floor(size / 4);
  out.push({ label: `${many} fields`, body: Buffer.from(`${"a=1&".repeat(many - 1)}a=1`), type: "application/x-www-form-urlencoded" });
  const mp = multipart(Array.from({ length: Math.min(many, Math.floor(size / 90)) }, () => ["a", "1"] as [string, string]));
  out.push({ label: "multipart fields", body: mp.body, type: mp.type });
  // Over the limit: announced, so it must be refused before it is read.
  out.push({ label: "over the limit", body: Buffer.alloc(64 * 1024, 0x61), type: "application/x-www-form-urlencoded", declared: limit.bytes + 1 });
  // Each pattern in every text field of the route's own form, sized to what the limit leaves.
  const texts = fields.filter(([k]) => !["intent", "version", "sha256", "id", "qid", "seq"].includes(k)).map(([k]) => k);
  if (!texts.length) texts.push("text");
  const perField = Math.floor(size / 3 / texts.length);
  for (const [name, unit] of Object.entries(PATTERNS)) {
    const value = repeatTo(unit, perField);
    const set = fields.map(([k, v]) => [k, texts.includes(k) ? value : v] as [string, string]);
    if (!fields.some(([k]) => texts.includes(k))) set.push([texts[0]!, value]);
    out.push({ label: `${name} × ${Math.floor(perField / unit.length)}`, body: urlencoded(set), type: "application/x-www-form-urlencoded" });
    const m = multipart(set);
    out.push({ label: `${name} (multipart)`, body: m.body, type: m.type });
  }
  return out;
}

type Sent = { status: number };

function send(base: string, url: string, cookie: string, p: Payload): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { Origin: base, "Content-Type": p.type, "Content-Length": p.declared ?? p.body.length };
    if (cookie) headers.Cookie = cookie;
    const req = http.request(base + url, { method: "POST", headers, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
      res.on("error", () => resolve({ status: res.statusCode ?? 0 }));
    });
    req.setTimeout(120_000, () => req.destroy(new Error("no answer in 120 s")));
    // Cut off while still sending (the server answered early and closed): not a failure of the server;
    // a server that is gone shows as refused connections on the requests after.
    req.on("error", (e: NodeJS.ErrnoException) => (p.declared || e.code === "EPIPE" || e.code === "ECONNRESET" ? resolve({ status: 413 }) : reject(e)));
    if (p.declared) req.write(p.body);
    else req.end(p.body);
  });
}

/**
 * Sends `declared` bytes of `a=1&…` as fast as the server takes them and stops once it answers; resolves
 * with the status (0: cut off before the answer could be read) and the megabytes sent by then (a server
 * that buffers the body answers only at the end).
 */
export function sendStreamed(base: string, url: string, declared: number): Promise<{ status: number; body: string; sentMb: number }> {
  return new Promise((resolve) => {
    let sent = 0;
    let answered = false;
    const req = http.request(base + url, {
      method: "POST",
      agent: false,
      headers: { Origin: base, "Content-Type": "application/x-www-form-urlencoded", "Content-Length": declared },
    });
    const chunk = Buffer.from("a=1&".repeat(16 * 1024));
    req.on("response", (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString(), sentMb: Math.round(sent / 1024 / 1024) }));
    });
    // Cut off while still sending, before the answer could be read: status 0.
    req.on("error", (e: NodeJS.ErrnoException) =>
      answered ? undefined : resolve({ status: 0, body: e.code ?? e.message, sentMb: Math.round(sent / 1024 / 1024) }),
    );
    const pump = () => {
      while (!answered && sent < declared) {
        const part = chunk.subarray(0, Math.min(chunk.length, declared - sent));
        sent += part.length;
        if (!req.write(part)) return void req.once("drain", pump);
      }
      if (sent >= declared) req.end();
    };
    pump();
  });
}

/** Probes /healthz every 20 ms on one keep-alive connection; the worst wait is booked to the current label. */
function startProbe(base: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const worst: Record<string, number> = {};
  let label = "idle";
  let running = true;
  const waiting: (() => void)[] = [];
  const once = () =>
    new Promise<void>((resolve) => {
      const req = http.get(`${base}/healthz`, { agent }, (res) => {
        res.resume();
        res.on("end", resolve);
      });
      req.on("error", () => resolve());
    });
  const loop = (async () => {
    while (running) {
      const at = label;
      const t = performance.now();
      await once();
      const ms = performance.now() - t;
      worst[at] = Math.max(worst[at] ?? 0, ms);
      // Probes run one after another: once one started after the label changed is back, all are.
      if (at === "between") for (const resolve of waiting.splice(0)) resolve();
      await sleep(Math.max(0, PROBE_EVERY_MS - ms));
    }
  })();
  return {
    worst,
    setLabel: (l: string) => (label = l),
    /**
     * The worst wait booked to a label since it was last taken (a probe still in flight is waited for).
     * Taking clears it: the same label swept again is measured afresh, so a spike does not repeat itself.
     */
    take: async (l: string) => {
      label = "between";
      await new Promise<void>((resolve) => waiting.push(resolve));
      const ms = worst[l] ?? 0;
      delete worst[l];
      return ms;
    },
    stop: async () => {
      running = false;
      await loop;
      agent.destroy();
    },
  };
}

/**
 * `only`: label substrings (`--only <substring>`, repeatable); a route or deeper path runs when its label
 * contains one of them. STALL_ONLY=<regex> does the same with a pattern. `verbose` (`--verbose`) prints
 * each payload's worst wait and the server's CPU time for it.
 */
export async function runStallSweep(opts: { short: boolean; only?: string[]; verbose?: boolean; log?: (line: string) => void }): Promise<StallResult> {
  requireBuild();
  const log = opts.log ?? (() => {});
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-stall-"));
  const app = await launch(dataDir);
  try {
    const s = await seedScenario(app);
    const routes = await bodyRoutes(s);
    const failures: string[] = [];
    let requests = 0;
    const pattern = new RegExp(process.env.STALL_ONLY ?? "");
    const wanted = (label: string) => pattern.test(label) && (!opts.only?.length || opts.only.some((o) => label.includes(o)));
    // Built before probing starts: deflating the bomb is the client's work, not the server's.
    const bomb = wanted("zip bomb") ? zipBomb(opts.short ? 200 * 1024 * 1024 : 1_000_000_000) : null;
    const probe = startProbe(app.url);
    await sleep(300);
    const worstMs: Record<string, number> = {};
    const cookieOf = (a: Actor) => (a === "anon" ? "" : s.cookies[a]);
    // The server's CPU time (every thread, 10 ms ticks): unlike the /healthz wait, it does not grow when
    // other processes load the machine, so `--verbose` shows which payload costs the server work.
    const serverCpuMs = () => {
      const fields = fs.readFileSync(`/proc/${app.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    };
    const maxBytes = opts.short ? 256 * 1024 : 16 * 1024 * 1024;
    const run = async (label: string, url: string, actors: Actor[], payloads: Payload[], retry = false): Promise<void> => {
      if (!wanted(label)) return;
      let worst = 0;
      let worstPayload = "";
      for (const p of payloads) {
        probe.setLabel(`${label} [${p.label}]`);
        const cpuBefore = serverCpuMs();
        for (const a of actors) {
          requests++;
          // Routes that end sessions get a fresh one each time.
          const cookie = a !== "anon" && label.includes("logout") ? await s.newCookie(a) : cookieOf(a);
          const got = await send(app.url, url, cookie, p).catch((e: Error) => ({ status: 0, error: e.message }));
          if (got.status >= 500 || got.status === 0) failures.push(`${label} [${p.label}] as ${a}: ${got.status || (got as { error?: string }).error}`);
        }
        const ms = await probe.take(`${label} [${p.label}]`);
        if (opts.verbose) log(`  ${p.label}: worst /healthz ${Math.round(ms)} ms, server CPU ${Math.round(serverCpuMs() - cpuBefore)} ms`);
        if (ms >= worst) [worst, worstPayload] = [ms, p.label];
      }
      probe.setLabel("idle");
      // A wait over the limit is measured once more and counts only if it repeats: a stall does, a
      // moment when other processes held the CPU does not.
      if (worst > STALL_LIMIT_MS && !retry) {
        await run(label, url, actors, payloads, true);
        worst = Math.min(worst, worstMs[label]!);
      }
      worstMs[label] = worst;
      log(`${label}: worst /healthz ${Math.round(worst)} ms (${worstPayload})`);
    };
    for (const r of routes) {
      if (!wanted(`${r.id} ${r.url}`)) continue;
      const actors: Actor[] = opts.short ? [...new Set<Actor>(["anon", r.as])] : [...ACTORS];
      await run(`${r.id} ${r.url}`, r.url, actors, payloadsFor(new URL(r.url, app.url).pathname, r.fields, maxBytes));
    }
    // Deeper paths, each as the role that reaches them.
    const text = (unit: string, chars: number) => repeatTo(unit, chars);
    const assignment = `/courses/${DEMO}/assignments/${DEMO_ASSIGNMENT}`;
    const big = opts.short ? 40_000 : 200_000;
    for (const [name, unit] of Object.entries(PATTERNS)) {
      const m = multipart([
        ["intent", "preview"],
        ["text", text(unit, big)],
      ]);
      await run(`assignment preview ${name}`, assignment, ["traineeA"], [{ label: name, body: m.body, type: m.type }]);
    }
    const bankFile = `/teach/${s.ids.draftSlug}/edit/bank/stall.md`;
    const bank = `---\ntitle: 题库\n---\n\n## 填空 [2分]\n\n${text("{{", opts.short ? 80_000 : 1_000_000 / 3)}\n`;
    await run(
      "bank file {{ saved in the editor",
      bankFile,
      ["instructorOther"],
      [
        {
          label: "{{",
          body: urlencoded([
            ["intent", "save"],
            ["text", bank],
          ]),
          type: "application/x-www-form-urlencoded",
        },
      ],
    );
    if (bomb) {
      const z = multipart([["zip", { name: "bomb.zip", data: bomb }]]);
      await run(`zip bomb (${bomb.length} bytes)`, "/teach/import", ["instructorOther"], [{ label: "bomb", body: z.body, type: z.type }]);
    }
    await probe.stop();
    return { worstMs, requests, failures, idleMs: Math.round(probe.worst.idle ?? 0) };
  } finally {
    await app.signal("SIGTERM");
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The six stalls of the issue at the issue's sizes, one at a time: how long the request took, the worst
 * /healthz wait meanwhile, the server's RSS growth, the answer's status (`--items`: the before/after
 * figures in README).
 */
async function measureIssueStalls(log: (line: string) => void) {
  requireBuild();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-stall-items-"));
  const app = await launch(dataDir);
  try {
    const s = await seedScenario(app);
    const bomb = zipBomb(1_000_000_000);
    const probe = startProbe(app.url);
    const assignment = `/courses/${DEMO}/assignments/${DEMO_ASSIGNMENT}`;
    const measure = async (label: string, go: () => Promise<string>) => {
      probe.setLabel(label);
      const rssNow = () => {
        try {
          return rssMb(app.pid);
        } catch {
          return NaN; // the process is gone
        }
      };
      const rss = rssNow();
      let peak = rss;
      const sampler = setInterval(() => (peak = Math.max(peak, rssNow())), 100);
      const t = performance.now();
      const answer = await go().catch((e: Error) => `error ${e.message}`);
      const ms = performance.now() - t;
      clearInterval(sampler);
      const worst = Number.isNaN(rssNow()) ? NaN : await probe.take(label);
      log(
        `${label}: ${Math.round(ms)} ms, answer ${answer}; /healthz worst ${Math.round(worst)} ms; RSS ${Math.round(rss)} → peak ${Math.round(peak)} MB${Number.isNaN(rssNow()) ? "; the server process is gone" : ""}`,
      );
    };
    const form = (url: string, cookie: string, body: string) =>
      send(app.url, url, cookie, { label: "", body: Buffer.from(body), type: "application/x-www-form-urlencoded" }).then((r) => String(r.status));
    const parts = (url: string, cookie: string, fields: Parameters<typeof multipart>[0]) => {
      const m = multipart(fields);
      return send(app.url, url, cookie, { label: "", body: m.body, type: m.type }).then((r) => String(r.status));
    };
    await measure("1. 50,000 fields to /login (439 KB)", () => form("/login", "", Array.from({ length: 50_000 }, (_, i) => `f${i}=1`).join("&")));
    await measure('2. assignment preview "*a " × 13,334', () =>
      parts(assignment, s.cookies.traineeA, [
        ["intent", "preview"],
        ["text", "*a ".repeat(13_334)],
      ]),
    );
    await measure('4. submission of "> " × 3,000, then the trainee page and the grading page', async () => {
      const sent = await parts(assignment, s.cookies.traineeA, [
        ["intent", "submit"],
        ["text", "> ".repeat(3000)],
      ]);
      const row = await s.db.selectFrom("submissions").select("id").where("user_id", "=", s.users.traineeA.id).executeTakeFirst();
      const own = await fetch(app.url + assignment, { headers: { Cookie: s.cookies.traineeA } });
      const grading = await fetch(`${app.url}/teach/${DEMO}/assignments/${DEMO_ASSIGNMENT}/${row?.id ?? 0}`, { headers: { Cookie: s.cookies.instructor } });
      return `${sent}, pages ${own.status} and ${grading.status}`;
    });
    await measure("5. bank file {{ × 40,000 saved in the editor", () =>
      form(
        `/teach/${s.ids.draftSlug}/edit/bank/stall.md`,
        s.cookies.instructorOther,
        new URLSearchParams({ intent: "save", text: `---\ntitle: 题库\n---\n\n## 填空\n\n${"{{".repeat(40_000)}\n` }).toString(),
      ),
    );
    await measure(`6. zip bomb: media/zeros.mp4 of 10⁹ zero bytes (${(bomb.length / 1024 / 1024).toFixed(1)} MB upload)`, () =>
      parts("/teach/import", s.cookies.instructorOther, [["zip", { name: "bomb.zip", data: bomb }]]),
    );
    // Last: before the fix this took the server down.
    await measure("3. six 300 MB form POSTs to /login at once", async () => {
      const answers = await Promise.all(Array.from({ length: 6 }, () => sendStreamed(app.url, "/login", 300 * 1024 * 1024)));
      return answers.map((a) => `${a.status || `cut (${a.body})`} after ${a.sentMb} MB`).join(", ");
    });
    await probe.stop();
  } finally {
    await app.signal("SIGTERM");
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href && process.argv.includes("--items")) {
  await measureIssueStalls((l) => console.log(l));
  process.exit(0);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href && !process.argv.includes("--items")) {
  const short = process.argv.includes("--short");
  const only = process.argv.flatMap((a, i) => (a === "--only" && process.argv[i + 1] ? [process.argv[i + 1]!] : []));
  const r = await runStallSweep({ short, only, verbose: process.argv.includes("--verbose"), log: (l) => console.log(l) });
  const over = Object.entries(r.worstMs).filter(([, ms]) => ms > STALL_LIMIT_MS);
  console.log(`\n${r.requests} requests; idle /healthz worst ${r.idleMs} ms; worst overall ${Math.round(Math.max(0, ...Object.values(r.worstMs)))} ms`);
  for (const f of r.failures) console.log(`FAIL ${f}`);
  for (const [label, ms] of over) console.log(`STALL ${Math.round(ms)} ms: ${label}`);
  process.exit(r.failures.length || over.length ? 1 : 0);
}
