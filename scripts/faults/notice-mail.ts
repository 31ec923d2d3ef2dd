// `npm run test:crash-mail [-- recipients kills]` (default 2,000 and 10; after `npm run build`): a notice
// is published to `recipients` trainees with e-mail on, and the production server is SIGKILLed again and
// again while its outbox sends to a local SMTP sink, then restarted on the same data, until the outbox is
// empty. Then every notification must have arrived at least once, under one Message-ID only (the
// idempotency key), and the database must be intact. SMTP cannot be exactly-once across a kill between
// the sink's 250 and our "sent" mark: such a message is sent again after the lease, with the same
// Message-ID, which receiving systems use to drop the copy; the script reports how many were sent again.
import Database from "better-sqlite3";
import { randomInt } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { makeTrainees, sessionCookie } from "../bench/fixtures.ts";
import { checkDatabase, launch, requireBuild, sleep, type App } from "./server.ts";
import { startSink, type SinkMessage } from "./smtp-sink.ts";

export type MailCrashSummary = {
  recipients: number;
  kills: number;
  /** How many messages the sink had accepted at each kill. */
  killedAt: number[];
  arrivals: number;
  distinctMessageIds: number;
  /** Arrivals beyond the first of a Message-ID: sent again after a kill between the 250 and our mark. */
  resent: number;
  /** Notifications (with an outbox row) whose Message-ID never arrived. */
  missing: string[];
  /** Recipients that got this notice under more than one Message-ID, or a Message-ID that went to someone else. */
  duplicates: string[];
  notSent: number;
  integrity: string;
  drainMs: number;
  ok: boolean;
};

/** Trainees in one new branch, each with an address; returns the branch id. */
export function makeRecipients(dataDir: string, count: number, prefix: string): number {
  makeTrainees(dataDir, count, { prefix });
  const db = new Database(path.join(dataDir, "app.db"));
  try {
    db.pragma("busy_timeout = 5000");
    const parent = db.prepare("select id, path from org_units where kind = 'subcommittee' order by id limit 1").get() as { id: number; path: string };
    const t = Math.floor(Date.now() / 1000);
    const id = Number(
      db.prepare("insert into org_units (name, kind, parent_id, path, created_at) values (?, 'branch', ?, '', ?)").run("故障测试党支部", parent.id, t)
        .lastInsertRowid,
    );
    db.prepare("update org_units set path = ? where id = ?").run(`${parent.path}${id}/`, id);
    db.prepare("update users set org_unit_id = ?, email = username || '@example.edu.cn' where username like ?").run(id, `${prefix}%`);
    return id;
  } finally {
    db.close();
  }
}

function outboxState(dataDir: string, noticeId: number) {
  const db = new Database(path.join(dataDir, "app.db"), { readonly: true });
  try {
    db.pragma("busy_timeout = 5000");
    const rows = db
      .prepare(
        "select x.status, x.recipient, n.id as nid, n.dedupe_key from outbox x join notifications n on n.id = x.notification_id where n.dedupe_key = ? and x.channel = 'email'",
      )
      .all(`notice:${noticeId}`) as { status: string; recipient: string; nid: number; dedupe_key: string }[];
    return rows;
  } finally {
    db.close();
  }
}

/** Polls `check` every 50 ms until true or `ms` passed. */
async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await sleep(50);
  }
  return check();
}

export async function runNoticeMailCrash(opts: { recipients: number; kills: number; log?: (line: string) => void }): Promise<MailCrashSummary> {
  requireBuild();
  const log = opts.log ?? (() => {});
  const sink = await startSink();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-mailcrash-"));
  // A short lease, so rows a killed server had claimed are taken over within seconds, not two minutes.
  const env = { SMTP_URL: `smtp://127.0.0.1:${sink.port}`, OUTBOX_LEASE_SECONDS: "3" };
  let app: App = await launch(dataDir);
  try {
    // The recipients and the notice are written while no sender runs; the kills begin with the first send.
    await app.signal("SIGTERM");
    const unit = makeRecipients(dataDir, opts.recipients, "ml");
    const db = new Database(path.join(dataDir, "app.db"));
    const admin = (db.prepare("select id from users where username = 'zzb001'").get() as { id: number }).id;
    const cookie = sessionCookie(db, admin);
    db.close();
    app = await launch(dataDir, env);
    const started = performance.now();
    const res = await fetch(`${app.url}/notices/new`, {
      method: "POST",
      redirect: "manual",
      headers: { Cookie: cookie, Origin: app.url, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ title: "关于参加集中学习的通知（故障测试）", body: "请按时参加学习。", audience: "org", orgUnitId: String(unit) }),
    });
    const noticeId = Number(/\/notices\/(\d+)\//.exec(res.headers.get("location") ?? "")?.[1]);
    if (res.status !== 302 || !noticeId) throw new Error(`publishing failed: ${res.status} ${await res.text()}`);
    const expected = outboxState(dataDir, noticeId);
    log(`notice ${noticeId} published to ${expected.length} addresses`);

    const killedAt: number[] = [];
    for (let k = 1; k <= opts.kills; k++) {
      // Kill somewhere inside the k-th slice of the sending, at a random count.
      const slice = expected.length / (opts.kills + 1);
      const target = Math.floor(slice * k + randomInt(Math.max(1, Math.floor(slice / 2))));
      await until(() => sink.received.length >= target || app.proc.exitCode !== null, 120_000);
      killedAt.push(sink.received.length);
      await app.signal("SIGKILL");
      log(`kill ${k}: the sink had accepted ${sink.received.length}`);
      app = await launch(dataDir, env);
    }
    const drained = await until(() => outboxState(dataDir, noticeId).every((r) => r.status !== "pending"), 600_000);
    const drainMs = Math.round(performance.now() - started);
    await app.signal("SIGTERM");
    if (!drained) log("the outbox did not drain within 10 minutes");

    // What arrived, against what was due.
    const final = outboxState(dataDir, noticeId);
    const byId = new Map<string, SinkMessage[]>();
    for (const m of sink.received) byId.set(m.messageId, [...(byId.get(m.messageId) ?? []), m]);
    const idsByRecipient = new Map<string, Set<string>>();
    for (const m of sink.received) for (const to of m.to) idsByRecipient.set(to, (idsByRecipient.get(to) ?? new Set()).add(m.messageId));
    const missing: string[] = [];
    const duplicates: string[] = [];
    for (const r of final) {
      const id = `<n${r.nid}.${r.dedupe_key.replace(/[^A-Za-z0-9.-]/g, "-")}@localhost>`;
      const got = byId.get(id) ?? [];
      if (!got.length) missing.push(`${r.recipient} ${id}`);
      if (got.some((m) => m.to.join(",") !== r.recipient)) duplicates.push(`${id} went to ${got.map((m) => m.to.join(",")).join(" ")}`);
      const ids = idsByRecipient.get(r.recipient) ?? new Set();
      if (ids.size > 1) duplicates.push(`${r.recipient} got ${[...ids].join(" ")}`);
    }
    const summary: MailCrashSummary = {
      recipients: final.length,
      kills: opts.kills,
      killedAt,
      arrivals: sink.received.length,
      distinctMessageIds: byId.size,
      resent: sink.received.length - byId.size,
      missing,
      duplicates,
      notSent: final.filter((r) => r.status !== "sent").length,
      integrity: checkDatabase({ dataDir }),
      drainMs,
      ok: false,
    };
    summary.ok = drained && !missing.length && !duplicates.length && summary.notSent === 0 && summary.integrity === "ok" && final.length === opts.recipients;
    return summary;
  } finally {
    if (app.proc.exitCode === null && app.proc.signalCode === null) await app.signal("SIGKILL");
    await sink.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const recipients = Number(process.argv[2] ?? 2000);
  const kills = Number(process.argv[3] ?? 10);
  const s = await runNoticeMailCrash({ recipients, kills, log: console.log });
  console.log("\nsummary");
  console.log(`  notice to ${s.recipients} addresses; ${s.kills} SIGKILLs while sending, at ${s.killedAt.join(", ")} messages accepted by the sink`);
  console.log(`  arrivals ${s.arrivals}, distinct Message-IDs ${s.distinctMessageIds}, sent again (same Message-ID) ${s.resent}`);
  console.log(`  never arrived: ${s.missing.length}${s.missing.length ? ` (${s.missing.slice(0, 5).join("; ")})` : ""}`);
  console.log(
    `  under two Message-IDs or to the wrong person: ${s.duplicates.length}${s.duplicates.length ? ` (${s.duplicates.slice(0, 5).join("; ")})` : ""}`,
  );
  console.log(`  outbox rows not sent: ${s.notSent}; integrity ${s.integrity}; publish to empty outbox ${s.drainMs} ms`);
  process.exit(s.ok ? 0 : 1);
}
