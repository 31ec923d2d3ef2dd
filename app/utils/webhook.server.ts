// Group-robot webhooks of 企业微信 and 钉钉: which addresses may be called (SSRF), the JSON each expects
// for a Markdown message, 钉钉's 加签 signature, and one POST whose JSON answer says whether it worked.
//
// Only the two services' own hosts over https are accepted; WEBHOOK_ALLOW_HOSTS (host or host:port,
// comma-separated) adds hosts for a test receiver, which may then use http. The check runs when a URL is
// saved and again before every send, and redirects are never followed.
import { createHmac } from "node:crypto";
import type { WebhookKind } from "../../db/types.ts";

const WEBHOOK_HOSTS: Record<WebhookKind, { host: string; path: string; param: string }> = {
  wecom: { host: "qyapi.weixin.qq.com", path: "/cgi-bin/webhook/send", param: "key" },
  dingtalk: { host: "oapi.dingtalk.com", path: "/robot/send", param: "access_token" },
};

/** WEBHOOK_ALLOW_HOSTS as a list of lower-case host[:port]. */
export function allowedTestHosts(value = ""): string[] {
  return value
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
}

/** The URL when it may be called for this kind of robot, or the reason (in Chinese) why not. */
export function checkWebhookUrl(kind: WebhookKind, raw: string, testHosts: readonly string[] = []): { ok: true; url: URL } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, message: "Webhook 地址格式不正确" };
  }
  if (url.username || url.password) return { ok: false, message: "Webhook 地址不能包含用户名或密码" };
  if (testHosts.includes(url.host.toLowerCase())) {
    return url.protocol === "https:" || url.protocol === "http:" ? { ok: true, url } : { ok: false, message: "Webhook 地址必须以 https:// 开头" };
  }
  const expected = WEBHOOK_HOSTS[kind];
  const name = kind === "wecom" ? "企业微信" : "钉钉";
  if (url.protocol !== "https:") return { ok: false, message: "Webhook 地址必须以 https:// 开头" };
  if (url.host.toLowerCase() !== expected.host)
    return { ok: false, message: `${name}群机器人的地址必须是 https://${expected.host}${expected.path}?${expected.param}=…` };
  if (url.pathname !== expected.path || !url.searchParams.get(expected.param)) {
    return { ok: false, message: `${name}群机器人的地址必须是 https://${expected.host}${expected.path}?${expected.param}=…` };
  }
  return { ok: true, url };
}

/** 钉钉 加签: base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`)), as their documentation gives it. */
export function dingtalkSign(secret: string, timestamp: number): string {
  return createHmac("sha256", secret).update(`${timestamp}\n${secret}`, "utf8").digest("base64");
}

/** The address to POST to: for a signing 钉钉 robot, with timestamp and sign added. */
export function webhookTarget(url: URL, secret: string | null, timestamp: number): string {
  if (!secret) return url.toString();
  const signed = new URL(url);
  signed.searchParams.set("timestamp", String(timestamp));
  signed.searchParams.set("sign", dingtalkSign(secret, timestamp));
  return signed.toString();
}

type WebhookMessage = { title: string; text: string };

const WEBHOOK_EXCERPT_CHARS = 500;

/**
 * A notice as a robot message in Markdown: a heading with the title (【需确认】 first where asked), the
 * start of the body, and a link to the whole notice. Both services cap a message (企业微信 at 4,096 bytes),
 * which a 100-character title and a 500-character excerpt stay well inside.
 */
export function noticeWebhookText(n: { title: string; bodyMd: string; requiresAck: boolean; link: string; schoolName: string }): WebhookMessage {
  const title = `${n.requiresAck ? "【需确认】" : ""}${n.title}`;
  const body = n.bodyMd.trim();
  const excerpt = body.length > WEBHOOK_EXCERPT_CHARS ? `${body.slice(0, WEBHOOK_EXCERPT_CHARS)}…` : body;
  return { title, text: `### 通知公告：${title}\n\n${excerpt}\n\n[查看全文${n.requiresAck ? "并确认已阅" : ""}](${n.link})\n\n——${n.schoolName}` };
}

/** The documented Markdown message of each service. */
export function webhookBody(kind: WebhookKind, m: WebhookMessage): string {
  return kind === "wecom"
    ? JSON.stringify({ msgtype: "markdown", markdown: { content: m.text } })
    : JSON.stringify({ msgtype: "markdown", markdown: { title: m.title, text: m.text } });
}

export type WebhookPoster = (url: string, body: string) => Promise<void>;

/**
 * One POST with a timeout; success is a 2xx whose JSON says errcode 0 (both services answer 200 with
 * `{"errcode":…,"errmsg":…}`, an error included). Anything else throws with what the receiver said.
 */
export const postWebhook: WebhookPoster = async (url, body) => {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json; charset=utf-8" },
    body,
    redirect: "manual",
    signal: AbortSignal.timeout(15_000),
  });
  const text = (await res.text()).slice(0, 2000);
  if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status} ${text.slice(0, 200)}`);
  let answer: { errcode?: unknown; errmsg?: unknown };
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    throw new Error(`答复不是 JSON：${text.slice(0, 200)}`);
  }
  if (answer.errcode !== 0) throw new Error(`errcode ${String(answer.errcode)}: ${String(answer.errmsg ?? "")}`.slice(0, 300));
};
