// The exam page's answer queue as pure state: what a save's outcome does to the queue, and what the page
// says about it. The page keeps the queue in localStorage and sends the head item; these functions decide
// the rest, so every branch (saved, overtaken by another device, closed, refused, server error, no
// network) is tested without a browser, and the status on screen never claims more than the server has.
import type { ExamResponse } from "./exam-response.ts";
import { cstClock } from "~/utils/cst.ts";

export type QueueItem = { questionId: number; answer: ExamResponse; seq: number };
export type SaveReply =
  { ok: true; savedAt: number; seq: number; applied: boolean; now: number; serverTime: number } | { ok: false; reason: string; message: string };

export type Queue = {
  items: QueueItem[];
  /** Why the head item did not go out the last time: no network, or the server failed. Null once a save succeeds. */
  failure: "offline" | "error" | null;
  /** Server time of the last acknowledged save (unix seconds). */
  savedAt: number | null;
  /** A refusal or failure to show as it is. */
  message: string | null;
  /** The attempt is over (submitted elsewhere, timed out): nothing more is sent. */
  closed: boolean;
};

export const emptyQueue = (items: QueueItem[] = []): Queue => ({ items, failure: null, savedAt: null, message: null, closed: false });

/** A new value for a question: an older unsent value of the same question is replaced (the one in flight stays). */
export function enqueue(q: Queue, item: QueueItem, inFlight: boolean): Queue {
  const items = q.items.filter((x, i) => x.questionId !== item.questionId || (i === 0 && inFlight));
  return { ...q, items: [...items, item] };
}

/** What came back for one send: nothing (no network, timeout) or a status with its JSON body (null when unreadable). */
export type Outcome = { kind: "network" } | { kind: "reply"; status: number; reply: SaveReply | null };

/**
 * The queue after the head item's send. `retry`: it stays at the head and goes again later.
 * `latestSeq` is the page's newest sequence number for the item's question; `requeued` is the sequence
 * number of a re-sent copy (another device saved this question meanwhile, but this page's choice is newer).
 */
export function settle(
  q: Queue,
  item: QueueItem,
  o: Outcome,
  ctx: { online: boolean; latestSeq: number },
): { queue: Queue; retry: boolean; requeued?: number } {
  if (o.kind === "network") return { queue: { ...q, failure: "offline" }, retry: true };
  const { status, reply } = o;
  if (!reply || status >= 500 || status === 429) {
    return { queue: { ...q, failure: ctx.online ? "error" : "offline", message: reply ? null : "保存失败（登录可能已失效），答案已暂存在本机" }, retry: true };
  }
  const rest = q.items.filter((x) => x !== item);
  if (reply.ok) {
    const overtaken = !reply.applied && reply.seq > item.seq && ctx.latestSeq === item.seq;
    const items = overtaken ? [...rest, { ...item, seq: reply.seq + 1 }] : rest;
    return { queue: { ...q, items, failure: null, savedAt: reply.savedAt, message: null }, retry: false, ...(overtaken ? { requeued: reply.seq + 1 } : {}) };
  }
  if (status === 409 || status === 410) return { queue: { ...q, items: [], failure: null, message: reply.message, closed: true }, retry: false };
  return { queue: { ...q, items: rest, failure: null, message: reply.message }, retry: false };
}

type SaveStatus = { tone: "idle" | "busy" | "ok" | "warn"; text: string };

/** The save status line: green "已保存" only when nothing waits; from the first failed save, how many wait and where. */
export function saveStatus(q: Queue): SaveStatus {
  const n = q.items.length;
  if (q.closed) return { tone: "warn", text: "本次作答已结束，不能再保存" };
  if (n && q.failure === "offline") return { tone: "warn", text: `网络已断开：${n} 道题的答案保存在本机，网络恢复后自动发送` };
  if (n && q.failure === "error") return { tone: "warn", text: `保存失败：${n} 道题的答案保存在本机，正在重试` };
  if (n) return { tone: "busy", text: n > 1 ? `正在保存 ${n} 道题…` : "正在保存…" };
  if (q.savedAt !== null) return { tone: "ok", text: `已保存 ${cstClock(q.savedAt)}` };
  return { tone: "idle", text: "作答后自动保存" };
}

/**
 * What the page says while a submission is under way: "正在交卷…" only while it can actually go out; with
 * answers stuck on this phone or the submission itself failing, it says that the paper is not yet
 * handed in and what will happen.
 */
export function submitStatus(why: "user" | "timeout", q: Queue, submitFailed: boolean): { waiting: boolean; text: string } {
  const n = q.items.length;
  if (n && q.failure) {
    return {
      waiting: true,
      text: `尚未交卷：${n} 道题的答案还在本机，网络恢复后先发送答案、再自动交卷，请不要关闭本页。若到考试截止仍未联网，按服务器已收到的答案评分。`,
    };
  }
  if (submitFailed) return { waiting: true, text: "尚未交卷：网络已断开，网络恢复后自动交卷，请不要关闭本页。" };
  return { waiting: false, text: why === "timeout" ? "考试时间到，正在自动交卷…" : "正在交卷…" };
}

/** The confirm dialog's plain warning when answers have not reached the server, or null. */
export function confirmWarning(q: Queue): string | null {
  const n = q.items.length;
  if (!n || !q.failure) return null;
  return `网络未连接：${n} 道题的答案还没有送达服务器。确认交卷后，本页会在网络恢复时先发送这些答案再交卷；在此之前请不要关闭本页。`;
}
