// The exam page's offline answer queue, branch by branch: what each save outcome does to the queue and
// what the page then says (never "已保存" while an answer waits).
import { describe, expect, it } from "vitest";
import { confirmWarning, emptyQueue, enqueue, saveStatus, settle, submitStatus, type Queue, type QueueItem } from "../../app/utils/answer-queue.ts";

const item = (questionId: number, seq = 1, choice = 1): QueueItem => ({ questionId, answer: { choices: [choice] }, seq });
const ok = (seq: number, applied = true, savedAt = 1_800_000_000) => ({
  kind: "reply" as const,
  status: 200,
  reply: { ok: true as const, savedAt, seq, applied, now: savedAt, serverTime: savedAt * 1000 },
});
const online = { online: true, latestSeq: 1 };

describe("enqueue", () => {
  it("replaces an older unsent value of the same question, keeps the one in flight, keeps order", () => {
    let q = enqueue(emptyQueue(), item(1, 1, 1), false);
    q = enqueue(q, item(2, 1), false);
    q = enqueue(q, item(1, 2, 3), false);
    expect(q.items.map((x) => [x.questionId, x.seq])).toEqual([
      [2, 1],
      [1, 2],
    ]);
    const inFlight = enqueue(q, item(2, 2), true);
    expect(inFlight.items.map((x) => [x.questionId, x.seq])).toEqual([
      [2, 1],
      [1, 2],
      [2, 2],
    ]);
  });

  it("with a send in flight, only the head is protected: an unsent copy further back is still replaced", () => {
    const q = enqueue(enqueue(emptyQueue([item(2, 1), item(1, 1)]), item(1, 2), true), item(1, 3), true);
    expect(q.items.map((x) => [x.questionId, x.seq])).toEqual([
      [2, 1],
      [1, 3],
    ]);
    // Nothing in flight: the head is an ordinary unsent value and is replaced too.
    expect(enqueue(emptyQueue([item(2, 1)]), item(2, 2), false).items).toEqual([item(2, 2)]);
  });

  it("keeps the failure, message and save time of the queue it adds to", () => {
    const q: Queue = { ...emptyQueue(), failure: "offline", savedAt: 5, message: "m" };
    expect(enqueue(q, item(1), false)).toEqual({ ...q, items: [item(1)] });
  });
});

describe("settle", () => {
  const start: Queue = { ...emptyQueue([item(1), item(2)]), failure: "offline" };

  it("an acknowledged save leaves the queue, clears the failure and records the server's time", () => {
    const r = settle(start, start.items[0], ok(1), online);
    expect(r).toMatchObject({ retry: false, queue: { failure: null, savedAt: 1_800_000_000, message: null } });
    expect(r.queue.items).toEqual([item(2)]);
  });

  it("a save overtaken by another device is sent again with a newer number when this page's value is the latest", () => {
    const r = settle(start, start.items[0], ok(5, false), online);
    expect(r.requeued).toBe(6);
    expect(r.queue.items).toEqual([item(2), { ...item(1), seq: 6 }]);
    // Changed here again meanwhile: the newer local value is already queued, nothing is re-sent.
    expect(settle(start, start.items[0], ok(5, false), { online: true, latestSeq: 2 }).requeued).toBeUndefined();
  });

  it("no network (or a timeout): the item stays at the head and the failure says offline", () => {
    const r = settle(emptyQueue([item(1)]), item(1), { kind: "network" }, online);
    expect(r).toMatchObject({ retry: true, queue: { failure: "offline", items: [item(1)] } });
  });

  it("a server error or throttling keeps the item; offline when the browser says so", () => {
    expect(settle(emptyQueue([item(1)]), item(1), { kind: "reply", status: 503, reply: { ok: false, reason: "x", message: "忙" } }, online)).toMatchObject({
      retry: true,
      queue: { failure: "error", items: [item(1)] },
    });
    expect(
      settle(emptyQueue([item(1)]), item(1), { kind: "reply", status: 429, reply: { ok: false, reason: "x", message: "慢" } }, { online: false, latestSeq: 1 })
        .queue.failure,
    ).toBe("offline");
  });

  it("an unreadable reply (a login page instead of JSON) keeps the item and says why", () => {
    const r = settle(emptyQueue([item(1)]), item(1), { kind: "reply", status: 200, reply: null }, online);
    expect(r).toMatchObject({ retry: true, queue: { failure: "error", message: "保存失败（登录可能已失效），答案已暂存在本机" } });
  });

  it("a closed attempt (409/410) empties the queue and stops", () => {
    for (const status of [409, 410]) {
      const r = settle(start, start.items[0]!, { kind: "reply", status, reply: { ok: false, reason: "closed", message: "考试已结束" } }, online);
      expect(r).toEqual({ retry: false, queue: { items: [], failure: null, savedAt: null, message: "考试已结束", closed: true } });
    }
  });

  it("a save the server did not apply because it already had a newer one from this page is simply done", () => {
    // applied: false with a server seq not above ours (a re-sent duplicate): nothing to send again.
    const r = settle(start, start.items[0]!, ok(1, false), online);
    expect(r.requeued).toBeUndefined();
    expect(r.queue.items).toEqual([item(2)]);
  });

  it("an acknowledged save removes exactly the item that was sent, even when an equal value waits behind it", () => {
    const head = item(1, 1);
    const twin = item(1, 1);
    const r = settle(emptyQueue([head, twin]), head, ok(1), online);
    expect(r.queue.items).toHaveLength(1);
    expect(r.queue.items[0]).toBe(twin);
  });

  it("seq ordering: a queue settled head by head sends questions in the order they were answered, each newest value once", () => {
    let q = emptyQueue();
    for (const [qid, seq] of [
      [3, 1],
      [1, 1],
      [3, 2],
      [2, 1],
      [1, 2],
    ] as const)
      q = enqueue(q, item(qid, seq), false);
    const sent: [number, number][] = [];
    while (q.items.length) {
      const head = q.items[0]!;
      sent.push([head.questionId, head.seq]);
      q = settle(q, head, ok(head.seq), { online: true, latestSeq: head.seq }).queue;
    }
    // 3 was answered again after 1, so its newest value goes where the newest answer stands, and so on.
    expect(sent).toEqual([
      [3, 2],
      [2, 1],
      [1, 2],
    ]);
  });

  it("seq ordering with a send in flight: the value in flight goes first, the newer value of the same question after it", () => {
    let q = enqueue(emptyQueue(), item(1, 1), false); // sending (1,1)…
    q = enqueue(q, item(1, 2), true); // …changed again while it is in flight
    q = enqueue(q, item(1, 3), true);
    expect(q.items.map((x) => x.seq)).toEqual([1, 3]);
    q = settle(q, q.items[0]!, ok(1), { online: true, latestSeq: 3 }).queue;
    expect(q.items).toEqual([item(1, 3)]);
  });

  it("a refused answer (400) is dropped with its message; the rest goes on", () => {
    const r = settle(start, start.items[0], { kind: "reply", status: 400, reply: { ok: false, reason: "bad", message: "答案格式不正确" } }, online);
    expect(r).toMatchObject({ retry: false, queue: { items: [item(2)], failure: null, message: "答案格式不正确" } });
  });
});

describe("what the page says", () => {
  const saved = { ...emptyQueue(), savedAt: 1_800_000_000 };

  it("says 已保存 only when nothing waits, and how many wait from the first failed save", () => {
    expect(saveStatus(emptyQueue())).toEqual({ tone: "idle", text: "作答后自动保存" });
    expect(saveStatus(saved)).toEqual({ tone: "ok", text: "已保存 16:00:00" }); // 1_800_000_000 s is 08:00 UTC, 16:00 in Beijing
    expect(saveStatus({ ...saved, items: [item(1)] })).toEqual({ tone: "busy", text: "正在保存…" });
    expect(saveStatus({ ...saved, items: [item(1), item(2)] })).toEqual({ tone: "busy", text: "正在保存 2 道题…" });
    expect(saveStatus({ ...emptyQueue(), failure: "offline" })).toEqual({ tone: "idle", text: "作答后自动保存" }); // a failure with nothing waiting is over
    expect(saveStatus({ ...saved, items: [item(1), item(2), item(3)], failure: "offline" })).toEqual({
      tone: "warn",
      text: "网络已断开：3 道题的答案保存在本机，网络恢复后自动发送",
    });
    expect(saveStatus({ ...saved, items: [item(1)], failure: "error" }).text).toBe("保存失败：1 道题的答案保存在本机，正在重试");
    expect(saveStatus({ ...saved, closed: true })).toEqual({ tone: "warn", text: "本次作答已结束，不能再保存" });
    expect(saveStatus({ ...saved, items: [item(1)], failure: "offline", closed: true }).text).toBe("本次作答已结束，不能再保存");
  });

  it("交卷 while answers wait on the phone says the paper is not handed in yet, and what will happen", () => {
    const stuck = { ...saved, items: [item(1), item(2)], failure: "offline" as const };
    expect(confirmWarning(saved)).toBeNull();
    expect(confirmWarning(stuck)).toContain("2 道题的答案还没有送达服务器");
    expect(submitStatus("user", stuck, false)).toMatchObject({ waiting: true, text: expect.stringContaining("尚未交卷：2 道题的答案还在本机") });
    expect(submitStatus("user", saved, true)).toMatchObject({ waiting: true, text: expect.stringContaining("尚未交卷") });
    expect(submitStatus("user", saved, false)).toEqual({ waiting: false, text: "正在交卷…" });
    expect(submitStatus("timeout", saved, false).text).toBe("考试时间到，正在自动交卷…");
  });

  it("answers still going out normally (no failure) do not hold up 交卷 or warn", () => {
    const sending = { ...saved, items: [item(1)] };
    expect(confirmWarning(sending)).toBeNull();
    expect(confirmWarning({ ...emptyQueue(), failure: "error" })).toBeNull();
    expect(submitStatus("user", sending, false)).toEqual({ waiting: false, text: "正在交卷…" });
    expect(confirmWarning({ ...sending, failure: "error" })).toContain("1 道题的答案还没有送达服务器");
  });
});
