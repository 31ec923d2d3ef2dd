// Autosave of a text draft (a 思想汇报) as pure state, in the spirit of the exam's answer queue: what a
// save's outcome does, and what the page says about it. Only the newest version of the text matters, so
// the "queue" holds at most one pending draft; the page keeps it in localStorage until the server has
// acknowledged it, and the status line never claims more than the server has confirmed.
import { cstClock } from "./cst.ts";

/** A version of the draft; `seq` grows with each edit on this page and orders saves on the server. */
export type Draft = { title: string; text: string; seq: number };

export type DraftReply = { ok: true; savedAt: number; seq: number; applied: boolean } | { ok: false; message: string };

/** What came back for one send: nothing (no network, timeout) or a status with its JSON body (null when unreadable). */
export type DraftOutcome = { kind: "network" } | { kind: "reply"; status: number; reply: DraftReply | null };

export type DraftState = {
  /** The newest text not yet acknowledged by the server, or null. */
  pending: Draft | null;
  /** A save of `pending` is on its way. */
  sending: boolean;
  /** Why the last send did not go through: no network, or the server failed. Null once a save succeeds. */
  failure: "offline" | "error" | null;
  /** Server time (unix seconds) of the last acknowledged save. */
  savedAt: number | null;
  /** A refusal or failure to show as it is. */
  message: string | null;
  /** The report can no longer be changed (submitted elsewhere): nothing more is sent. */
  closed: boolean;
};

export const initialDraftState = (savedAt: number | null = null, pending: Draft | null = null): DraftState => ({
  pending,
  sending: false,
  failure: null,
  savedAt,
  message: null,
  closed: false,
});

/** A new version typed on the page replaces any unsent one. */
export function edited(s: DraftState, draft: Draft): DraftState {
  return { ...s, pending: draft };
}

/**
 * The state after one send of `sent`. `retry`: send `pending` again later. `resend`: send it again now —
 * the server held a version with a higher number (an explicit save elsewhere) but this page's text is
 * newer, so it goes again numbered past the server's.
 */
export function settleDraft(s: DraftState, sent: Draft, o: DraftOutcome, ctx: { online: boolean }): { state: DraftState; retry: boolean; resend?: Draft } {
  const base = { ...s, sending: false };
  if (o.kind === "network") return { state: { ...base, failure: "offline" }, retry: true };
  const { status, reply } = o;
  if (!reply || status >= 500 || status === 429) {
    const message = reply ? null : "保存失败（登录可能已失效），修改已暂存在本机";
    return { state: { ...base, failure: ctx.online ? "error" : "offline", message }, retry: true };
  }
  const newer = s.pending !== null && s.pending.seq > sent.seq;
  if (reply.ok) {
    if (!reply.applied && !newer) {
      const resend = { ...sent, seq: reply.seq + 1 };
      return { state: { ...base, pending: resend, failure: null, message: null }, retry: false, resend };
    }
    return { state: { ...base, pending: newer ? s.pending : null, failure: null, savedAt: reply.savedAt, message: null }, retry: false };
  }
  if (status === 409) return { state: { ...base, failure: null, message: reply.message, closed: true }, retry: false };
  return { state: { ...base, pending: newer ? s.pending : null, failure: null, message: reply.message }, retry: false };
}

type DraftStatus = { tone: "idle" | "busy" | "ok" | "warn"; text: string };

/** The status line: "已保存" only when nothing waits; otherwise where the text is and what happens next. */
export function draftStatus(s: DraftState): DraftStatus {
  if (s.closed) return { tone: "warn", text: `${s.message ?? "不能再修改"}；本页的修改未保存` };
  if (s.pending && s.failure === "offline") return { tone: "warn", text: "网络已断开：修改保存在本机，网络恢复后自动发送" };
  if (s.pending && s.failure === "error") return { tone: "warn", text: s.message ?? "保存失败：修改保存在本机，正在重试" };
  if (s.pending) return { tone: "busy", text: s.sending ? "正在保存…" : "有未保存的修改" };
  if (s.message) return { tone: "warn", text: s.message };
  if (s.savedAt !== null) return { tone: "ok", text: `已保存 ${cstClock(s.savedAt)}` };
  return { tone: "idle", text: "输入后自动保存" };
}
