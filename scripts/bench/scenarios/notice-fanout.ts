// A notice published to 10,000 trainees (NOTICE_FANOUT, default 10,000) with e-mail on, through the
// running production server and its outbox, to a local SMTP sink: the time to publish (the POST that
// writes the notice, its recipients, their notifications and their outbox rows in one transaction), the
// time until the outbox is empty (every message accepted by the sink), and /healthz every 20 ms on a
// keep-alive connection meanwhile — against /healthz on the same idle server just before.
//
// The bare floor, in this process on a copy of the same data: the same rows written by better-sqlite3
// in one transaction, and the same 10,000 messages (built by the app's own notificationMail) sent by
// nodemailer over one pooled transport to the same sink, each followed by the same UPDATE marking it
// sent. The ratios app ÷ floor are the app's own share (Kysely, the lease, the per-message lookups).
//
//   npm run bench notice-fanout          (needs a build: BUILD_DIR, default build)
import Database from "better-sqlite3";
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { notificationMail, smtpTransport } from "../../../app/utils/mail.server.ts";
import { makeRecipients } from "../../faults/notice-mail.ts";
import { startSink } from "../../faults/smtp-sink.ts";
import { cloneDataDir, sessionCookie } from "../fixtures.ts";
import { pct, round, startServer, stopServer } from "../servers.ts";
import type { Measurement } from "../types.ts";

const COUNT = Number(process.env.NOTICE_FANOUT ?? 10_000);
const TITLE = "关于开展主题教育集中学习的通知（压测）";
const BODY = "请各位同志按时参加学习，完成后在系统中确认。";

/** Probes /healthz every 20 ms on one keep-alive connection until stopped; returns each wait in ms. */
function probeHealthz(base: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const waits: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        http
          .get(`${base}/healthz`, { agent }, (res) => {
            res.resume();
            res.on("end", () => resolve());
          })
          .on("error", () => resolve());
      });
      waits.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      agent.destroy();
      return waits;
    },
  };
}

const summary = (w: number[]) => `p50 ${round(pct(w, 50))} ms, p99 ${round(pct(w, 99))} ms, max ${round(Math.max(...w))} ms (${w.length} probes)`;

async function until(check: () => boolean, ms: number) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The floor: the publishing rows by hand in one transaction, then every message sent and marked, on `dataDir`. */
async function bareFloor(dataDir: string, unitId: number, smtpUrl: string, sink: { received: unknown[] }) {
  const db = new Database(path.join(dataDir, "app.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  const admin = (db.prepare("select id from users where username = 'zzb001'").get() as { id: number }).id;
  const t = Math.floor(Date.now() / 1000);
  const p0 = performance.now();
  const outbox = db.transaction(() => {
    const ids = (
      db
        .prepare(
          "select u.id, u.email from users u join org_units o on o.id = u.org_unit_id where u.active = 1 and o.path like (select path from org_units where id = ?) || '%'",
        )
        .all(unitId) as { id: number; email: string }[]
    ).filter((u) => u.id !== admin);
    const notice = Number(
      db
        .prepare(
          "insert into notices (title, body_md, audience_kind, org_unit_id, requires_ack, published_by, published_at, updated_at) values (?, ?, 'org', ?, 0, ?, ?, ?)",
        )
        .run(TITLE, BODY, unitId, admin, t, t).lastInsertRowid,
    );
    db.prepare("insert into notice_versions (notice_id, version, title, body_md, edited_by, edited_at) values (?, 1, ?, ?, ?, ?)").run(
      notice,
      TITLE,
      BODY,
      admin,
      t,
    );
    const recipient = db.prepare("insert into notice_recipients (notice_id, user_id) values (?, ?)");
    const notification = db.prepare(
      "insert into notifications (user_id, kind, title, body, link, dedupe_key, created_at) values (?, 'notice_published', ?, ?, ?, ?, ?) returning id",
    );
    const row = db.prepare(
      "insert into outbox (notification_id, dedupe_key, channel, recipient, status, next_at, created_at) values (?, ?, 'email', ?, 'pending', ?, ?) returning id",
    );
    return ids.map((u) => {
      recipient.run(notice, u.id);
      const n = (notification.get(u.id, TITLE, BODY, `/notices/${notice}`, `notice:${notice}`, t) as { id: number }).id;
      return { id: (row.get(n, `email:${n}`, u.email, t, t) as { id: number }).id, nid: n, email: u.email, key: `notice:${notice}` };
    });
  })();
  const publishMs = performance.now() - p0;
  const transport = smtpTransport(smtpUrl);
  const mark = db.prepare("update outbox set status = 'sent', sent_at = ?, attempts = 1 where id = ?");
  const before = sink.received.length;
  const s0 = performance.now();
  for (const m of outbox) {
    await transport.sendMail(
      notificationMail({
        from: "网上党校 <noreply@localhost>",
        to: m.email,
        schoolName: "中共示范大学委员会党校",
        title: TITLE,
        body: BODY,
        link: "http://localhost/notices/1",
        unsubscribeLink: "http://localhost/unsubscribe?t=x",
        kindLabel: "新的通知公告",
        key: `n${m.nid}.${m.key}`,
        host: "localhost",
      }),
    );
    mark.run(Math.floor(Date.now() / 1000), m.id);
  }
  const sendMs = performance.now() - s0;
  transport.close?.();
  db.close();
  return { publishMs, sendMs, sent: sink.received.length - before };
}

export const noticeFanout: Measurement = {
  name: "notice-fanout",
  what: `a notice to ${COUNT.toLocaleString("en")} trainees with e-mail: publish, outbox drained to a local SMTP sink, /healthz meanwhile`,
  run: async () => {
    const sink = await startSink();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-bench-fanout-"));
    let copy: string | undefined;
    try {
      // The database is created (seeded, synced) by a first start, then the recipients are added.
      await stopServer(await startServer("app", dir));
      const unit = makeRecipients(dir, COUNT, "nf");
      const db = new Database(path.join(dir, "app.db"));
      const cookie = sessionCookie(db, (db.prepare("select id from users where username = 'zzb001'").get() as { id: number }).id);
      db.close();
      copy = cloneDataDir(dir, "fanout-baseline");

      const smtpUrl = `smtp://127.0.0.1:${sink.port}`;
      const app = await startServer("app", dir, { SMTP_URL: smtpUrl });
      let idle: number[];
      let during: number[];
      let publishMs: number;
      let drainMs: number;
      try {
        const quiet = probeHealthz(app.url);
        await new Promise((r) => setTimeout(r, 5000));
        idle = await quiet.stop();
        const probe = probeHealthz(app.url);
        const t0 = performance.now();
        const res = await fetch(`${app.url}/notices/new`, {
          method: "POST",
          redirect: "manual",
          headers: { cookie, origin: app.url, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ title: TITLE, body: BODY, audience: "org", orgUnitId: String(unit) }),
        });
        await res.arrayBuffer();
        publishMs = performance.now() - t0;
        if (res.status !== 302) throw new Error(`publish answered ${res.status}`);
        await until(() => sink.received.length >= COUNT, 30 * 60_000);
        drainMs = performance.now() - t0;
        during = await probe.stop();
      } finally {
        await stopServer(app);
      }
      const appArrived = sink.received.length;
      const floor = await bareFloor(copy, unit, smtpUrl, sink);
      return {
        "app: publish (POST /notices/new, one transaction) ms": Math.round(publishMs),
        "app: publish → outbox empty (every message accepted by the sink) s": round(drainMs / 1000, 1),
        "app: messages per second": Math.round((COUNT / drainMs) * 1000),
        "app: messages accepted by the sink": appArrived,
        "/healthz idle, same server, 5 s before": summary(idle),
        "/healthz from publish to outbox empty": summary(during),
        "floor (better-sqlite3 + nodemailer, no framework): publish ms": Math.round(floor.publishMs),
        "floor: send and mark every message s": round(floor.sendMs / 1000, 1),
        "app ÷ floor, publish": round(publishMs / floor.publishMs, 2),
        "app ÷ floor, publish → outbox empty vs publish + send": round(drainMs / (floor.publishMs + floor.sendMs), 2),
        "machine load average at the end (1 min)": round(os.loadavg()[0]!, 1),
      };
    } finally {
      await sink.close();
      for (const d of [dir, copy]) if (d) fs.rmSync(d, { recursive: true, force: true });
    }
  },
};
