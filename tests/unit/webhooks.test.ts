// Group robots (企业微信 / 钉钉) for notices, against a local HTTP server standing in for both services:
// which addresses may be saved (SSRF), who may set a unit's robot, the exact bytes each service receives,
// 钉钉's 加签 signature, an errcode ≠ 0 answered with HTTP 200 retried with backoff, and no message twice.
import { createHmac } from "node:crypto";
import http from "node:http";
import { Migrator, type Kysely } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrations } from "../../db/migrations/index.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import { publishNotice } from "../../app/models/notices.server.ts";
import { OUTBOX } from "../../app/models/notifications.server.ts";
import { listUnitWebhooks, removeUnitWebhook, sendDueWebhooks, setUnitWebhook, WebhookError } from "../../app/models/webhooks.server.ts";
import { checkWebhookUrl, dingtalkSign, webhookBody } from "../../app/utils/webhook.server.ts";
import { openDatabase, type DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser } from "../setup/db.ts";

type Hit = { path: string; query: URLSearchParams; body: Buffer; contentType: string };
let hits: Hit[] = [];
/** What the receiver answers next (HTTP 200 with this JSON), oldest first; then errcode 0. */
let answers: object[] = [];
let server: http.Server;
let base = "";
let hosts: string[] = [];
const T = 1_800_000_000;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const u = new URL(req.url!, "http://x");
      hits.push({ path: u.pathname, query: u.searchParams, body: Buffer.concat(chunks), contentType: req.headers["content-type"] ?? "" });
      res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(answers.shift() ?? { errcode: 0, errmsg: "ok" }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  base = `http://127.0.0.1:${port}`;
  hosts = [`127.0.0.1:${port}`];
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  hits = [];
  answers = [];
});

describe("webhook addresses", () => {
  it("accept only the services' own https hosts, and a test host only when WEBHOOK_ALLOW_HOSTS names it", () => {
    const ok = (kind: "wecom" | "dingtalk", url: string, hosts: string[] = []) => checkWebhookUrl(kind, url, hosts).ok;
    expect(ok("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx")).toBe(true);
    expect(ok("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=abc123")).toBe(true);
    for (const bad of [
      "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", // not https
      "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send?key=k",
      "https://qyapi.weixin.qq.com@169.254.169.254/cgi-bin/webhook/send?key=k",
      "https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send?key=k",
      "https://qyapi.weixin.qq.com/cgi-bin/other?key=k",
      "https://qyapi.weixin.qq.com/cgi-bin/webhook/send",
      "https://oapi.dingtalk.com/robot/send?access_token=a", // the other service's host
      "https://127.0.0.1/cgi-bin/webhook/send?key=k",
      "https://[::1]/cgi-bin/webhook/send?key=k",
      "file:///etc/passwd",
      "不是网址",
    ])
      expect(ok("wecom", bad), bad).toBe(false);
    expect(ok("wecom", `http://127.0.0.1:9/x`)).toBe(false);
    expect(ok("wecom", `http://127.0.0.1:9/x`, ["127.0.0.1:9"])).toBe(true);
    expect(ok("wecom", `http://127.0.0.1:10/x`, ["127.0.0.1:9"])).toBe(false);
    expect(ok("wecom", `ftp://127.0.0.1:9/x`, ["127.0.0.1:9"])).toBe(false);
  });

  it("钉钉 加签 follows the documented recipe", () => {
    // HMAC-SHA256 with the secret as key over "timestamp\nsecret", then Base64.
    const secret = "SEC000000000000000000000000000000000000000000000000000000000000000";
    const expected = createHmac("sha256", secret).update(`1577262236757\n${secret}`).digest("base64");
    expect(dingtalkSign(secret, 1577262236757)).toBe(expected);
    expect(webhookBody("dingtalk", { title: "t", text: "x" })).toBe('{"msgtype":"markdown","markdown":{"title":"t","text":"x"}}');
    expect(webhookBody("wecom", { title: "t", text: "x" })).toBe('{"msgtype":"markdown","markdown":{"content":"x"}}');
  });
});

describe("group robots for notices", () => {
  let db: DB;
  let tree: Awaited<ReturnType<typeof createTestTree>>;
  type U = Awaited<ReturnType<typeof createTestUser>>;
  let admin: U, secA: U;
  const as = (u: U, unit: number, roles: ("admin" | "secretary")[]) => ({ id: u.id, org_unit_id: unit, roles });
  const actor = (u: U) => ({ actorId: u.id, ip: "203.0.113.9" });
  const sender = (owner: string) => ({ owner, origin: "https://dx.example.edu.cn/", schoolName: "测试大学党校", allowHosts: hosts });
  const SECRET = "SECb1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3";

  beforeAll(async () => {
    db = await createTestDb();
    tree = await createTestTree(db);
    admin = await createTestUser(db, { orgUnitId: tree.root, roles: ["admin"], stage: "full" });
    secA = await createTestUser(db, { orgUnitId: tree.subA, roles: ["secretary"], stage: "full" });
    await createTestUser(db, { orgUnitId: tree.branchA, name: "甲一" });
    await createTestUser(db, { orgUnitId: tree.branchB, name: "乙一" });
  });

  it("a secretary sets robots in their subtree only; a refused address changes nothing", async () => {
    const err = (p: Promise<unknown>) =>
      p.then(
        () => null,
        (e: unknown) => e as WebhookError,
      );
    expect(
      await err(
        setUnitWebhook(
          db,
          as(secA, tree.subA, ["secretary"]),
          { unitId: tree.branchB, kind: "wecom", url: `${base}/cgi-bin/webhook/send?key=b`, secret: "" },
          actor(secA),
          hosts,
        ),
      ),
    ).toMatchObject({ status: 404, message: "组织不存在" });
    expect(
      await err(
        setUnitWebhook(
          db,
          as(secA, tree.subA, ["secretary"]),
          { unitId: tree.branchA, kind: "wecom", url: "http://169.254.169.254/latest/meta-data", secret: "" },
          actor(secA),
          hosts,
        ),
      ),
    ).toMatchObject({ status: 400, message: "Webhook 地址必须以 https:// 开头" });
    expect(
      await err(
        setUnitWebhook(
          db,
          as(secA, tree.subA, ["secretary"]),
          { unitId: tree.branchA, kind: "wecom", url: `${base}/w?key=a`, secret: SECRET },
          actor(secA),
          hosts,
        ),
      ),
    ).toMatchObject({ status: 400, message: "只有钉钉群机器人有加签密钥" });
    expect(await db.selectFrom("org_webhooks").selectAll().execute()).toEqual([]);

    await setUnitWebhook(
      db,
      as(secA, tree.subA, ["secretary"]),
      { unitId: tree.branchA, kind: "wecom", url: `${base}/cgi-bin/webhook/send?key=branchA-key`, secret: "" },
      actor(secA),
      hosts,
    );
    await setUnitWebhook(
      db,
      as(secA, tree.subA, ["secretary"]),
      { unitId: tree.subA, kind: "dingtalk", url: `${base}/robot/send?access_token=subA-token`, secret: SECRET },
      actor(secA),
      hosts,
    );
    await setUnitWebhook(
      db,
      as(admin, tree.root, ["admin"]),
      { unitId: tree.branchB, kind: "wecom", url: `${base}/cgi-bin/webhook/send?key=branchB-key`, secret: "" },
      actor(admin),
      hosts,
    );
    // A secretary's list holds their subtree alone, with the key masked.
    const listed = await listUnitWebhooks(db, as(secA, tree.subA, ["secretary"]));
    expect(listed.map((u) => u.id)).toEqual([tree.subA, tree.branchA]);
    expect(listed[1]!.webhook).toMatchObject({ kind: "wecom", url: `${base}/cgi-bin/webhook/send?key=…-key`, signed: false });
    expect(listed[0]!.webhook).toMatchObject({ kind: "dingtalk", signed: true });
    const log = await db.selectFrom("audit_log").select(["action", "detail"]).where("action", "like", "webhook.%").execute();
    expect(log).toHaveLength(3);
    expect(JSON.stringify(log)).not.toContain("key=");
  });

  it("a notice to a subtree reaches each robot there once, in each service's format, signed where asked", async () => {
    const { id } = await publishNotice(
      db,
      {
        title: "关于开展“三会一课”的通知",
        bodyMd: "请各支部于**周五**前完成。\n\n- 第一项",
        audience: "org",
        orgUnitId: tree.subA,
        requiresAck: true,
        files: [],
      },
      as(admin, tree.root, ["admin"]),
      { t: T },
    );
    const queued = await db
      .selectFrom("outbox")
      .select(["channel", "recipient", "dedupe_key"])
      .where("notification_id", "is", null)
      .orderBy("recipient")
      .execute();
    expect(queued).toEqual(
      [
        { channel: "dingtalk", recipient: String(tree.subA), dedupe_key: `notice:${id}:webhook:${tree.subA}` },
        { channel: "wecom", recipient: String(tree.branchA), dedupe_key: `notice:${id}:webhook:${tree.branchA}` },
      ].sort((a, b) => a.recipient.localeCompare(b.recipient)),
    );

    const before = Date.now();
    expect(await sendDueWebhooks(db, sender("a"), T)).toEqual({ sent: 2, failed: 0 });
    expect(await sendDueWebhooks(db, sender("a"), T + 3600)).toEqual({ sent: 0, failed: 0 });
    expect(hits).toHaveLength(2);
    const text =
      "### 通知公告：【需确认】关于开展“三会一课”的通知\n\n请各支部于**周五**前完成。\n\n- 第一项\n\n" +
      `[查看全文并确认已阅](https://dx.example.edu.cn/notices/${id})\n\n——测试大学党校`;

    const wecom = hits.find((h) => h.path === "/cgi-bin/webhook/send")!;
    expect(wecom.query.get("key")).toBe("branchA-key");
    expect(wecom.contentType).toBe("application/json; charset=utf-8");
    expect(wecom.body.equals(Buffer.from(JSON.stringify({ msgtype: "markdown", markdown: { content: text } }), "utf8"))).toBe(true);
    expect(wecom.body.toString("utf8")).toContain("“三会一课”"); // UTF-8 as is, not \u escapes

    const ding = hits.find((h) => h.path === "/robot/send")!;
    expect(ding.query.get("access_token")).toBe("subA-token");
    expect(
      ding.body.equals(Buffer.from(JSON.stringify({ msgtype: "markdown", markdown: { title: "【需确认】关于开展“三会一课”的通知", text } }), "utf8")),
    ).toBe(true);
    const ts = Number(ding.query.get("timestamp"));
    expect(ts).toBeGreaterThanOrEqual(before);
    expect(ts).toBeLessThanOrEqual(Date.now());
    expect(ding.query.get("sign")).toBe(createHmac("sha256", SECRET).update(`${ts}\n${SECRET}`).digest("base64"));
  });

  it("an errcode ≠ 0 (with HTTP 200) is a failure, retried with backoff, and the message then arrives once", async () => {
    await db.deleteFrom("outbox").execute();
    const { id } = await publishNotice(
      db,
      { title: "乙学院通知", bodyMd: "正文", audience: "org", orgUnitId: tree.subB, requiresAck: false, files: [] },
      as(admin, tree.root, ["admin"]),
      { t: T },
    );
    answers = [
      { errcode: 93000, errmsg: "invalid webhook url" },
      { errcode: 45009, errmsg: "api freq out of limit" },
    ];
    expect(await sendDueWebhooks(db, sender("a"), T)).toEqual({ sent: 0, failed: 1 });
    let row = await db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "pending", attempts: 1, next_at: T + 30, lease_owner: null });
    expect(row.last_error).toBe("errcode 93000: invalid webhook url");
    expect(await sendDueWebhooks(db, sender("a"), T + 29)).toEqual({ sent: 0, failed: 0 });
    expect(await sendDueWebhooks(db, sender("a"), T + 30)).toEqual({ sent: 0, failed: 1 });
    expect((await db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow()).next_at).toBe(T + 90);
    expect(await sendDueWebhooks(db, sender("a"), T + 90)).toEqual({ sent: 1, failed: 0 });
    expect(hits).toHaveLength(3);
    expect(new Set(hits.map((h) => h.body.toString()))).toHaveProperty("size", 1);
    row = await db.selectFrom("outbox").selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "sent", attempts: 3, dedupe_key: `notice:${id}:webhook:${tree.branchB}` });
    // Nothing goes again: not in later rounds, and not by another sender.
    expect(await sendDueWebhooks(db, sender("b"), T + 100_000)).toEqual({ sent: 0, failed: 0 });
    expect(hits).toHaveLength(3);
  });

  it("two senders at once send each message once; a robot removed before sending fails at once without calling out", async () => {
    await db.deleteFrom("outbox").execute();
    for (let i = 0; i < 20; i++)
      await publishNotice(
        db,
        { title: `通知${i}`, bodyMd: "正文", audience: "org", orgUnitId: tree.root, requiresAck: false, files: [] },
        as(admin, tree.root, ["admin"]),
        { t: T },
      );
    expect(await db.selectFrom("outbox").select("id").execute()).toHaveLength(60);
    const run = async (owner: string) => {
      for (;;) if ((await sendDueWebhooks(db, sender(owner), T)).sent === 0) return;
    };
    await Promise.all([run("A"), run("B")]);
    expect(hits).toHaveLength(60);
    expect(new Set(hits.map((h) => `${h.path}?${h.query.get("key") ?? h.query.get("access_token")} ${h.body.toString()}`)).size).toBe(60);

    hits = [];
    await publishNotice(
      db,
      { title: "撤下前", bodyMd: "正文", audience: "org", orgUnitId: tree.subB, requiresAck: false, files: [] },
      as(admin, tree.root, ["admin"]),
      { t: T },
    );
    await removeUnitWebhook(db, as(admin, tree.root, ["admin"]), tree.branchB, actor(admin));
    expect(await sendDueWebhooks(db, sender("a"), T)).toEqual({ sent: 0, failed: 1 });
    expect(hits).toEqual([]);
    expect(await db.selectFrom("outbox").select(["status", "attempts", "last_error"]).where("status", "!=", "sent").execute()).toEqual([
      { status: "failed", attempts: OUTBOX.maxAttempts, last_error: "该组织已不再设置群机器人" },
    ]);
  });
});

describe("migration 0018", () => {
  it("keeps queued e-mail: each row gets its key, and a replayed notification still cannot queue twice", async () => {
    const old = openDatabase(":memory:");
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < "0018"));
    await new Migrator({ db: old, provider: { getMigrations: async () => before } }).migrateToLatest();
    const tree = await createTestTree(old);
    const u = await createTestUser(old, { orgUnitId: tree.branchA });
    const { id: nid } = await old
      .insertInto("notifications")
      .values({ user_id: u.id, kind: "notice_published", title: "t", body: "b", link: "/notices/1", dedupe_key: "notice:1", created_at: T })
      .returning("id")
      .executeTakeFirstOrThrow();
    await (old as unknown as Kysely<Record<string, Record<string, unknown>>>)
      .insertInto("outbox")
      .values({ notification_id: nid, channel: "email", recipient: "a@example.edu.cn", status: "pending", attempts: 2, next_at: T, created_at: T })
      .execute();
    await migrateToLatest(old);
    expect(await old.selectFrom("outbox").selectAll().execute()).toEqual([
      expect.objectContaining({
        notification_id: nid,
        dedupe_key: `email:${nid}`,
        channel: "email",
        recipient: "a@example.edu.cn",
        attempts: 2,
        payload: null,
      }),
    ]);
    await expect(
      old
        .insertInto("outbox")
        .values({
          notification_id: nid,
          dedupe_key: `email:${nid}`,
          channel: "email",
          recipient: "a@example.edu.cn",
          status: "pending",
          next_at: T,
          created_at: T,
        })
        .execute(),
    ).rejects.toThrow(/UNIQUE/);
    await old.destroy();
  });
});
