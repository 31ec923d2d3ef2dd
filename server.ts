// The HTTP server: central CSRF and security headers, static files, /healthz, then Remix.
// `tsx server.ts` serves the production build; `tsx server.ts --dev` runs Vite in middleware mode.
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import compression from "compression";
import express from "express";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { sql } from "kysely";
import { migrateToLatest } from "./db/migrate.ts";
import { openConfiguredDatabase } from "./app/utils/db.server.ts";
import { answeringOutages, DATABASE_UNAVAILABLE } from "./app/utils/db-outage.server.ts";
import { configOf, loadEnv } from "./app/utils/env.server.ts";
import { enforceBodyLimits } from "./app/utils/body-limits.server.ts";
import { mountEndpoints } from "./app/utils/endpoint.server.ts";
import { HOT_WRITES } from "./app/endpoints/hot-writes.server.ts";
import type { AppContext } from "./app/load-context.ts";
import { isAllowedOrigin, newNonce, securityHeaders, securityTxt } from "./app/utils/http.server.ts";
import { setUpOnce } from "./app/models/startup.server.ts";
import { usableSeal } from "./app/models/certificates.server.ts";
import { runSweepRound } from "./app/models/exams/finalize.server.ts";
import { displayPath, formatError } from "./app/utils/course-format.server.ts";
import { SYNC_MSG } from "./app/utils/course-messages.server.ts";
import { createStorage } from "./app/utils/storage.server.ts";
import { sendDueEmail, startSender } from "./app/models/notifications.server.ts";
import { sendDueWebhooks } from "./app/models/webhooks.server.ts";
import { runReminderRound } from "./app/models/reminders.server.ts";
import { smtpTransport } from "./app/utils/mail.server.ts";
import os from "node:os";

const dev = process.argv.includes("--dev");
let env;
try {
  env = loadEnv();
} catch (e) {
  console.error((e as Error).message);
  process.exit(1);
}
const production = env.NODE_ENV === "production";

fs.mkdirSync(env.dataDir, { recursive: true });
const db = openConfiguredDatabase(env);
// Several instances may share the database and DATA_DIR: this one's name in job leases and outbox claims.
const instanceId = `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
await migrateToLatest(db);
const storage = createStorage(env.dataDir);
const config = configOf(env, usableSeal(env.CERT_SEAL_PATH));
const swept = storage.sweepScratch();
if (swept) console.log(`removed ${swept} upload scratch files left by an earlier stop`);
// The demo data (into a new database) and the bundled courses (unchanged ones are skipped by their hash),
// one instance at a time.
const started = performance.now();
const { seeded, synced } = await setUpOnce(db, { owner: instanceId, seed: env.SEED_DEMO === "1", courseRoots: env.courseRoots, storage });
if (seeded) console.log("已载入演示数据 (demo data loaded into a new database)");
if (synced) {
  if (!synced.ok) {
    for (const e of synced.errors) console.error(formatError(e));
    console.error("课程同步失败，服务未启动：请修正以上文件");
    process.exit(1);
  }
  for (const w of synced.warnings) console.warn(SYNC_MSG.warning(formatError(w)));
  for (const c of synced.courses.filter((x) => x.status === "owned_elsewhere")) console.warn(SYNC_MSG.ownedByBrowser(c.slug));
  const gone = synced.courses.filter((x) => x.status === "gone").map((x) => x.slug);
  if (gone.length) console.warn(SYNC_MSG.gone(env.courseRoots.map(displayPath).join("、"), gone));
  console.log(SYNC_MSG.done(synced.summary, Math.round(performance.now() - started)));
}

const vite = dev ? await import("vite").then((v) => v.createServer({ server: { middlewareMode: true } })) : undefined;

const app = express();
app.disable("x-powered-by");
if (env.TRUST_PROXY) app.set("trust proxy", /^\d+$/.test(env.TRUST_PROXY) ? Number(env.TRUST_PROXY) : env.TRUST_PROXY);

// Set on SIGTERM: every answer from then on closes its connection, so a client that keeps a keep-alive
// connection busy cannot hold the stop open (server.close() waits for every connection to end).
let stopping = false;

app.use((req, res, next) => {
  if (stopping) res.set("Connection", "close");
  const nonce = newNonce();
  res.locals.cspNonce = nonce;
  res.set(securityHeaders(nonce, { production: production && !dev, secure: env.cookieSecure }));
  const expectedOrigin = env.ORIGIN ?? `${req.protocol}://${req.get("host")}`;
  if (!isAllowedOrigin({ method: req.method, origin: req.get("origin"), secFetchSite: req.get("sec-fetch-site"), expectedOrigin })) {
    res.status(403).type("text/plain; charset=utf-8").send("跨站请求已被拒绝 (cross-origin request refused)");
    return;
  }
  next();
});
// Every body's size and field count, by route, before the app reads it.
app.use(enforceBodyLimits);

/** What every loader and action receives (and the hot writes below). */
const loadContext = (req: express.Request, res: express.Response): AppContext => ({
  db,
  cspNonce: res.locals.cspNonce as string,
  clientIp: req.ip ?? "unknown",
  cookieSecure: env.cookieSecure,
  schoolName: env.SCHOOL_NAME,
  storage,
  config,
});

// The writes every trainee's page makes every few seconds (heartbeats, presence, answer autosave), after
// the checks above and before Remix, with the same guards and models as their Remix routes: see
// app/utils/endpoint.server.ts. Their answers are a few hundred bytes, under compression's threshold.
mountEndpoints(app, HOT_WRITES, loadContext);

app.use(compression());

app.get("/healthz", async (_req, res) => {
  try {
    await sql`select 1`.execute(db);
    res.set("Cache-Control", "no-store").json({ ok: true, db: "ok" });
  } catch {
    res.status(503).set("Cache-Control", "no-store").json({ ok: false, db: "down", message: DATABASE_UNAVAILABLE });
  }
});

app.get("/.well-known/security.txt", (req, res) => {
  if (!env.SECURITY_CONTACT) return void res.status(404).type("text/plain; charset=utf-8").send("未配置 (SECURITY_CONTACT is not set)");
  res
    .type("text/plain; charset=utf-8")
    .set("Cache-Control", "max-age=86400")
    .send(securityTxt(env.SECURITY_CONTACT, env.ORIGIN ?? `${req.protocol}://${req.get("host")}`));
});

if (vite) {
  app.use(vite.middlewares);
} else {
  app.use("/assets", express.static(`${env.BUILD_DIR}/client/assets`, { immutable: true, maxAge: "1y", index: false }));
  app.use(express.static(`${env.BUILD_DIR}/client`, { maxAge: "1h", index: false }));
}

// Every loader and action answers 503 in Chinese while the database is away (app/utils/db-outage.server.ts).
const build = vite
  ? () => (vite.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>).then(answeringOutages)
  : answeringOutages((await import(path.resolve(env.BUILD_DIR, "server/index.js"))) as ServerBuild);

app.all(
  "*",
  createRequestHandler({
    build,
    mode: production ? "production" : "development",
    getLoadContext: loadContext,
  }),
);

// Overdue exam attempts are finalized with their saved answers on every read as well; this sweep
// covers attempts nobody looks at. Every instance ticks; the one holding the `exam-sweep` lease sweeps.
const SWEEP_INTERVAL_S = 30;
const sweep = setInterval(() => {
  runSweepRound(db, instanceId, SWEEP_INTERVAL_S).catch((e) => console.error("exam sweep failed", e));
}, SWEEP_INTERVAL_S * 1000);
sweep.unref();

// Notification e-mail and group-robot messages: the outbox rows are written with their events; this
// sends them (leases keep several instances apart). Without SMTP_URL no e-mail is queued and the inbox
// alone works; robot messages exist only for units that set a robot.
const OUTBOX_INTERVAL_MS = 5000;
const publicOrigin = env.ORIGIN ?? `http://localhost:${env.PORT}`;
const mailOptions = env.SMTP_URL
  ? {
      owner: instanceId,
      transport: smtpTransport(env.SMTP_URL),
      origin: publicOrigin,
      schoolName: env.SCHOOL_NAME,
      from: env.MAIL_FROM,
      leaseSeconds: env.OUTBOX_LEASE_SECONDS,
    }
  : undefined;
const sender = startSender(
  [
    ...(mailOptions ? [() => sendDueEmail(db, mailOptions)] : []),
    () =>
      sendDueWebhooks(db, {
        owner: instanceId,
        origin: publicOrigin,
        schoolName: env.SCHOOL_NAME,
        leaseSeconds: env.OUTBOX_LEASE_SECONDS,
        allowHosts: config.webhookTestHosts,
      }),
  ],
  OUTBOX_INTERVAL_MS,
);
// Reminders (assignment due, exam window): every instance ticks, the one holding the lease runs.
const REMINDER_INTERVAL_S = 600;
const reminders = setInterval(() => {
  runReminderRound(db, instanceId, REMINDER_INTERVAL_S, { email: config.email }).catch((e) => console.error("reminders failed", e));
}, REMINDER_INTERVAL_S * 1000);
reminders.unref();
if (env.SMTP_URL && !env.ORIGIN) console.warn("SMTP_URL is set without ORIGIN: links in e-mail point to localhost");

const server = app.listen(env.PORT, env.HOST, () => {
  console.log(`网上党校已启动: http://localhost:${env.PORT} (data: ${env.dataDir})`);
});

// Graceful stop: finish in-flight requests, then close the database.
function shutdown(signal: string) {
  console.log(`${signal}: 正在停止…`);
  stopping = true;
  clearInterval(sweep);
  clearInterval(reminders);
  server.close(async () => {
    await sender.stop();
    await db.destroy();
    process.exit(0);
  });
  // Connections whose answer was already under way at the signal still said keep-alive: close each as
  // soon as it goes idle, not after keepAliveTimeout.
  server.closeIdleConnections();
  setInterval(() => server.closeIdleConnections(), 100).unref();
  setTimeout(() => {
    console.error("10 s after the signal requests were still open; stopping anyway");
    process.exit(1);
  }, 10_000).unref();
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
