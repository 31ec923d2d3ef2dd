// Notification e-mail: the message (plain Chinese text and the same as HTML, a link back, a one-click
// link to stop that kind) and the nodemailer transport over SMTP_URL.
import nodemailer from "nodemailer";

export type MailMessage = { from: string; to: string; subject: string; text: string; html: string; messageId: string; headers: Record<string, string> };
export type MailTransport = { sendMail(m: MailMessage): Promise<unknown>; close?(): void };

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function notificationMail(input: {
  from: string;
  to: string;
  schoolName: string;
  title: string;
  body: string;
  link: string;
  unsubscribeLink: string;
  kindLabel: string;
  /** The notification's idempotency key, as the Message-ID: a resend after a crash is the same message. */
  key: string;
  host: string;
}): MailMessage {
  const lines = [
    input.title,
    "",
    input.body,
    "",
    `查看详情：${input.link}`,
    "",
    `——${input.schoolName}`,
    `不再通过邮件接收“${input.kindLabel}”：${input.unsubscribeLink}`,
  ];
  const html = [
    `<p><strong>${escapeHtml(input.title)}</strong></p>`,
    `<p>${escapeHtml(input.body).replace(/\n/g, "<br>")}</p>`,
    `<p><a href="${escapeHtml(input.link)}">查看详情</a></p>`,
    `<p style="color:#666;font-size:12px">——${escapeHtml(input.schoolName)}<br>`,
    `<a href="${escapeHtml(input.unsubscribeLink)}">不再通过邮件接收“${escapeHtml(input.kindLabel)}”</a></p>`,
  ].join("\n");
  return {
    from: input.from,
    to: input.to,
    subject: `【${input.schoolName}】${input.title}`,
    text: lines.join("\n"),
    html,
    messageId: `<${input.key.replace(/[^A-Za-z0-9.-]/g, "-")}@${input.host}>`,
    headers: { "List-Unsubscribe": `<${input.unsubscribeLink}>` },
  };
}

/** A pooled transport over SMTP_URL (connections reused across messages) with timeouts well inside the outbox lease. */
export function smtpTransport(url: string): MailTransport {
  const u = new URL(url);
  return nodemailer.createTransport({
    pool: true,
    maxConnections: 2,
    host: u.hostname,
    port: Number(u.port) || (u.protocol === "smtps:" ? 465 : 587),
    secure: u.protocol === "smtps:",
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 30_000,
  }) as unknown as MailTransport;
}
