// Notification e-mail against a real SMTP server (smtp-server) through the real nodemailer transport:
// what arrives (recipient, subject, link, Chinese text, one-click unsubscribe), retries with exponential
// backoff, the idempotency key, leases that expire after a crash, and two senders never sending twice.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrateToLatest } from "../../db/migrate.ts";
import { action as unsubscribeAction } from "../../app/routes/unsubscribe.tsx";
import { backoffSeconds, claimOutbox, getPrefs, notify, sendDueEmail, setPref, type NewNotification } from "../../app/models/notifications.server.ts";
import { takeLease } from "../../app/models/job-leases.server.ts";
import { smtpTransport } from "../../app/utils/mail.server.ts";
import { openDatabase, type DB } from "../../app/utils/db.server.ts";
import { createTestTree, createTestUser, outcome, testContext } from "../setup/db.ts";

type Received = { to: string[]; raw: string; subject: string; text: string; html: string; messageId: string };
let received: Received[] = [];
let refuseNext = 0;
let smtp: SMTPServer;
let port = 0;
let dir: string;
let db: DB;
let currentFile = "";
let users: { id: number; email: string }[] = [];
const T = 1_800_000_000;
/** E-mail configured (`context.config.email`), at time T. */
const MAIL = { t: T, email: true };

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onRcptTo(_address, _session, cb) {
      if (refuseNext > 0) {
        refuseNext--;
        return cb(Object.assign(new Error("mailbox busy, try later"), { responseCode: 451 }));
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", async () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const m = await simpleParser(raw);
        received.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          subject: m.subject ?? "",
          text: m.text ?? "",
          html: typeof m.html === "string" ? m.html : "",
          messageId: m.messageId ?? "",
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  port = (smtp.server.address() as { port: number }).port;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "outbox-"));
});

afterAll(async () => {
  for (const t of transports.values()) t.close?.();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

beforeEach(async () => {
  received = [];
  refuseNext = 0;
  currentFile = path.join(dir, `t${Date.now()}${Math.random()}.db`);
  db = openDatabase(currentFile);
  await migrateToLatest(db);
  const tree = await createTestTree(db);
  users = [];
  for (let i = 0; i < 3; i++) {
    const u = await createTestUser(db, { orgUnitId: tree.branchA, name: `收件人${i}` });
    const email = `user${i}@example.edu.cn`;
    await db.updateTable("users").set({ email }).where("id", "=", u.id).execute();
    users.push({ id: u.id, email });
  }
});

afterEach(async () => {
  await db.destroy();
});

const transports = new Map<string, ReturnType<typeof smtpTransport>>();
const sender = (owner: string) => ({
  owner,
  transport: transports.get(owner) ?? transports.set(owner, smtpTransport(`smtp://127.0.0.1:${port}`)).get(owner)!,
  origin: "https://dx.example.edu.cn",
  schoolName: "测试大学党校",
  from: "网上党校 <noreply@dx.example.edu.cn>",
});
const item = (userId: number, key = "notice:7"): NewNotification => ({
  userId,
  kind: "notice_published",
  title: "关于开展“两学一做”学习的通知",
  body: "请各位同志按时参加学习，并完成思想汇报。",
  link: "/notices/7",
  key,
});

describe("notification e-mail", () => {
  it("arrives with the right recipient, Chinese subject and text, a link back and a working one-click unsubscribe", async () => {
    await notify(db, [item(users[0]!.id)], MAIL);
    expect(await sendDueEmail(db, sender("a"), T)).toEqual({ sent: 1, failed: 0 });
    expect(received).toHaveLength(1);
    const m = received[0]!;
    expect(m.to).toEqual(["user0@example.edu.cn"]);
    expect(m.subject).toBe("【测试大学党校】关于开展“两学一做”学习的通知");
    // The subject travels as an RFC 2047 encoded word, the body as UTF-8.
    expect(m.raw).toMatch(/^Subject: =\?UTF-8\?[BQ]\?/im);
    expect(m.raw).toMatch(/charset=utf-8/i);
    expect(m.text).toContain("请各位同志按时参加学习，并完成思想汇报。");
    expect(m.text).toContain("查看详情：https://dx.example.edu.cn/notices/7");
    expect(m.html).toContain('href="https://dx.example.edu.cn/notices/7"');
    expect(m.messageId).toMatch(/^<n\d+\.notice-7@dx\.example\.edu\.cn>$/);
    const link = /https:\/\/dx\.example\.edu\.cn\/unsubscribe\?t=([^\s>]+)/.exec(m.text)![1]!;
    expect(m.raw.replace(/\r?\n[ \t]+/g, " ")).toContain(`List-Unsubscribe: <https://dx.example.edu.cn/unsubscribe?t=${link}>`);

    // The link works once clicked (a POST from its page), for that person and kind only.
    const post = (t: string) => {
      const body = new FormData();
      body.append("t", t);
      return {
        request: new Request("http://localhost/unsubscribe", { method: "POST", headers: { Origin: "http://localhost" }, body }),
        context: testContext(db),
        params: {},
      };
    };
    expect((await outcome(unsubscribeAction(post(link.replace(/.$/, (c) => (c === "A" ? "B" : "A")))))).status).toBe(404);
    expect((await getPrefs(db, users[0]!.id)).notice_published).toBe(true);
    expect((await outcome(unsubscribeAction(post(decodeURIComponent(link))))).status).toBe(200);
    const prefs = await getPrefs(db, users[0]!.id);
    expect(prefs.notice_published).toBe(false);
    expect(prefs.question_answered).toBe(true);
    await notify(db, [item(users[0]!.id, "notice:8")], MAIL);
    expect(await db.selectFrom("outbox").selectAll().execute()).toHaveLength(1);
  });

  it("the same event twice makes one notification and one e-mail; a sent one is never sent again", async () => {
    expect(await notify(db, [item(users[0]!.id), item(users[1]!.id)], MAIL)).toBe(2);
    expect(await notify(db, [item(users[0]!.id), item(users[1]!.id)], MAIL)).toBe(0);
    expect(await db.selectFrom("notifications").selectAll().execute()).toHaveLength(2);
    await sendDueEmail(db, sender("a"), T);
    await sendDueEmail(db, sender("a"), T + 10_000);
    expect(received.map((r) => r.to[0]).sort()).toEqual(["user0@example.edu.cn", "user1@example.edu.cn"]);
  });

  it("without e-mail configured, notifications reach the inbox alone and nothing is queued", async () => {
    expect(await notify(db, [item(users[0]!.id)], { t: T })).toBe(1);
    expect(await db.selectFrom("outbox").selectAll().execute()).toEqual([]);
  });

  it("people without an address or who turned e-mail off get the inbox only", async () => {
    await db.updateTable("users").set({ email: null }).where("id", "=", users[1]!.id).execute();
    await setPref(db, users[2]!.id, "notice_published", false);
    await notify(
      db,
      users.map((u) => item(u.id)),
      MAIL,
    );
    expect(await db.selectFrom("notifications").selectAll().execute()).toHaveLength(3);
    expect((await db.selectFrom("outbox").select("recipient").execute()).map((r) => r.recipient)).toEqual(["user0@example.edu.cn"]);
  });

  it("a refused delivery is retried with exponential backoff and then arrives once", async () => {
    await notify(db, [item(users[0]!.id)], MAIL);
    refuseNext = 2;
    expect(await sendDueEmail(db, sender("a"), T)).toEqual({ sent: 0, failed: 1 });
    let row = await db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "pending", attempts: 1, next_at: T + 30, lease_owner: null });
    expect(row.last_error).toContain("mailbox busy");
    expect(await sendDueEmail(db, sender("a"), T + 29)).toEqual({ sent: 0, failed: 0 });
    expect(await sendDueEmail(db, sender("a"), T + 30)).toEqual({ sent: 0, failed: 1 });
    row = await db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow();
    expect(row.next_at).toBe(T + 30 + 60);
    expect(await sendDueEmail(db, sender("a"), T + 90)).toEqual({ sent: 1, failed: 0 });
    expect(received).toHaveLength(1);
    expect((await db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow()).status).toBe("sent");
    expect([1, 2, 3, 4, 20].map(backoffSeconds)).toEqual([30, 60, 120, 240, 6 * 3600]);
  });

  it("a row leased by a sender that died is taken over once its lease expires, and the dead sender's late word changes nothing", async () => {
    await notify(db, [item(users[0]!.id)], MAIL);
    expect(await claimOutbox(db, "dead", 10, T)).toHaveLength(1);
    expect(await sendDueEmail(db, sender("live"), T + 60)).toEqual({ sent: 0, failed: 0 });
    expect(await sendDueEmail(db, sender("live"), T + 121)).toEqual({ sent: 1, failed: 0 });
    await db.updateTable("outbox").set({ status: "pending" }).where("lease_owner", "=", "dead").execute();
    expect((await db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow()).status).toBe("sent");
    expect(received).toHaveLength(1);
  });

  it("two senders on two connections at once never send the same notification twice", async () => {
    const many: NewNotification[] = [];
    for (let i = 0; i < 150; i++) for (const u of users) many.push(item(u.id, `notice:${i}`));
    await notify(db, many, MAIL);
    const run = async (database: DB, owner: string) => {
      for (;;) {
        const r = await sendDueEmail(database, sender(owner), T);
        if (r.sent + r.failed === 0) return;
      }
    };
    const dbB = openDatabase(currentFile);
    await Promise.all([run(db, "A"), run(dbB, "B")]);
    await dbB.destroy();
    expect(received).toHaveLength(450);
    expect(new Set(received.map((r) => r.messageId)).size).toBe(450);
    expect(await db.selectFrom("outbox").select("id").where("status", "!=", "sent").execute()).toHaveLength(0);
  }, 60_000);

  it("a job lease keeps a second instance out until it expires", async () => {
    expect(await takeLease(db, "reminders", "one", 60, T)).toBe(true);
    expect(await takeLease(db, "reminders", "two", 60, T + 30)).toBe(false);
    expect(await takeLease(db, "reminders", "one", 60, T + 30)).toBe(true);
    expect(await takeLease(db, "reminders", "two", 60, T + 91)).toBe(true);
  });
});
