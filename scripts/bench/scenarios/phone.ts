// What a trainee's phone waits for: each trainee page loaded cold (new browser context, empty cache) in the
// system Chromium at phone size, with Lighthouse's slow-4G profile applied through the DevTools protocol
// (562.5 ms round trip, 1.44 Mbit/s down, 675 kbit/s up, CPU slowed 4×). Per page: the JavaScript, CSS
// and all bytes that crossed the network (compressed, as sent), the first contentful paint, and the time
// to a usable page — the page's content painted and React hydrated (the top bar gets its `js` class in an
// effect, which React runs only once the page is interactive). Each figure is the median of RUNS loads.
// The budgets below are checked: a page over budget is reported and the bench exits non-zero.
//
//   npm run bench phone          (needs a build: BUILD_DIR, default build)
import { chromium, devices, type CDPSession } from "@playwright/test";
import path from "node:path";
import { openDatabase } from "../../../app/utils/db.server.ts";
import { createSession, SESSION_COOKIE } from "../../../app/utils/session.server.ts";
import { startServer } from "../../../tests/setup/server.ts";
import { pct, round } from "../servers.ts";
import type { Measurement } from "../types.ts";

const RUNS = Number(process.env.PHONE_RUNS ?? 5);

/** Lighthouse's "slow 4G" (mobileSlow4G, DevTools throttling): 150 ms RTT × 3.75, 1.6 Mbit/s × 0.9, 750 kbit/s × 0.9, CPU 4×. */
const SLOW_4G = {
  latency: 150 * 3.75,
  downloadThroughput: (1.6 * 1024 * 1024 * 0.9) / 8,
  uploadThroughput: (750 * 1024 * 0.9) / 8,
  cpu: Number(process.env.PHONE_CPU ?? 4),
};

/**
 * The budgets (see README "Phone budgets"). JavaScript is counted compressed, as it crosses the network:
 * React, React DOM and Remix are about 85 KB of it and our shared code about 27 KB, on every page (both
 * cached after the first), so 130 KB leaves a page about 18 KB of its own; the video lesson adds video.js
 * (about 210 KB, loaded only there, after the page is usable). PHONE_CPU=1 turns the CPU slowdown off, to
 * tell the network's share from the CPU's.
 */
const PHONE_BUDGETS = { usableMs: 3000, jsKb: 130, videoJsKb: 340 };

type Load = { js: number; css: number; bytes: number; requests: number; fcp: number; usable: number; videoJs: boolean };

async function loadOnce(browser: import("@playwright/test").Browser, url: string, cookie: string): Promise<Load> {
  // The session cookie as a header, as Lighthouse sends it (a `__Host-` cookie cannot be planted over plain HTTP).
  const context = await browser.newContext({ ...devices["Pixel 7"], locale: "zh-CN", timezoneId: "Asia/Shanghai", extraHTTPHeaders: { Cookie: cookie } });
  const page = await context.newPage();
  const cdp: CDPSession = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: SLOW_4G.latency,
    downloadThroughput: SLOW_4G.downloadThroughput,
    uploadThroughput: SLOW_4G.uploadThroughput,
  });
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: SLOW_4G.cpu });
  const kinds = new Map<string, { type: string; url: string }>();
  const sizes = { js: 0, css: 0, bytes: 0, requests: 0 };
  let videoJs = false;
  cdp.on("Network.responseReceived", (e) => kinds.set(e.requestId, { type: e.type, url: e.response.url }));
  cdp.on("Network.loadingFinished", (e) => {
    const kind = kinds.get(e.requestId);
    sizes.bytes += e.encodedDataLength;
    sizes.requests++;
    if (kind?.type === "Script") sizes.js += e.encodedDataLength;
    if (kind?.type === "Stylesheet") sizes.css += e.encodedDataLength;
    if (kind && /\/video(\.es|-js)-/.test(kind.url)) videoJs = true;
    if (process.env.PHONE_VERBOSE) console.error(`  ${kind?.type} ${kind?.url.replace(/^https?:\/\/[^/]+/, "")} ${e.encodedDataLength}`);
  });
  const started = Date.now();
  await page.goto(url, { waitUntil: "commit" });
  await page.locator(".topbar.js").waitFor({ state: "attached", timeout: 60_000 });
  const usable = Date.now() - started;
  // Scripts the page loads after it is usable (video.js) still count toward what it downloads.
  await page.waitForLoadState("networkidle");
  const fcp = await page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN);
  await context.close();
  return { ...sizes, fcp, usable, videoJs };
}

async function measure(): Promise<Record<string, number | string>> {
  const server = await startServer({ COURSES_DIR: "courses" });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const db = openDatabase(path.join(server.dataDir, "app.db"));
    const user = await db.selectFrom("users").select("id").where("username", "=", "2023001").executeTakeFirstOrThrow();
    const token = (await createSession(db, user.id)).token;
    await db.destroy();
    const cookie = `${SESSION_COOKIE}=${token}`;
    const start = await fetch(`${server.url}/courses/jijifenzi-peixun/exams/jieye-kaoshi`, {
      method: "POST",
      redirect: "manual",
      headers: { Cookie: cookie, Origin: server.url },
    });
    const attempt = start.headers.get("location");
    if (!attempt) throw new Error(`the exam did not start: ${start.status}`);
    const pages: [string, string, boolean][] = [
      ["trainee home", "/", false],
      ["course page", "/courses/jijifenzi-peixun", false],
      ["text lesson", "/courses/jijifenzi-peixun/lessons/02-zhidao-sixiang", false],
      ["video lesson", "/courses/jijifenzi-peixun/lessons/01-dang-de-xingzhi-zongzhi", true],
      ["exam page", attempt, false],
    ];
    const out: Record<string, number | string> = {
      profile: `slow 4G (${SLOW_4G.latency} ms RTT, ${round((SLOW_4G.downloadThroughput * 8) / 1024 / 1024, 2)} Mbit/s down, CPU ${SLOW_4G.cpu}×), Pixel 7, cold cache, median of ${RUNS}`,
      budgets: `usable ≤ ${PHONE_BUDGETS.usableMs} ms; JS ≤ ${PHONE_BUDGETS.jsKb} KB gzip (video lesson ≤ ${PHONE_BUDGETS.videoJsKb} KB with video.js)`,
    };
    const over: string[] = [];
    for (const [name, url, video] of pages) {
      const loads: Load[] = [];
      for (let i = 0; i < RUNS; i++) loads.push(await loadOnce(browser, server.url + url, cookie));
      const med = (k: "js" | "css" | "bytes" | "usable" | "fcp") =>
        pct(
          loads.map((l) => l[k]),
          50,
        );
      const jsKb = round(med("js") / 1024);
      const usable = Math.round(med("usable"));
      const loadsVideoJs = loads.every((l) => l.videoJs);
      if (loads.some((l) => l.videoJs !== video)) over.push(`${name}: video.js ${video ? "not loaded" : "loaded"}`);
      if (usable > PHONE_BUDGETS.usableMs) over.push(`${name}: usable ${usable} ms`);
      if (jsKb > (video ? PHONE_BUDGETS.videoJsKb : PHONE_BUDGETS.jsKb)) over.push(`${name}: JS ${jsKb} KB`);
      out[name] =
        `JS ${jsKb} KB, CSS ${round(med("css") / 1024)} KB, all ${round(med("bytes") / 1024)} KB in ${loads[0]!.requests} requests; ` +
        `first paint ${Math.round(med("fcp"))} ms, usable ${usable} ms (runs: ${loads.map((l) => l.usable).join(", ")}); video.js ${loadsVideoJs ? "loaded" : "not loaded"}`;
    }
    out["over budget"] = over.length ? over.join("; ") : "none";
    if (over.length) process.exitCode = 1;
    return out;
  } finally {
    await browser.close();
    await server.stop();
  }
}

export const phoneBudgets: Measurement = {
  name: "phone",
  what: "trainee pages on a phone over slow 4G: JavaScript and bytes per page, first paint and time to a usable page, against the budgets",
  run: measure,
};
