// @vitest-environment jsdom
// The exam page's autosave as the browser runs it (app/components/ExamAttempt.tsx around the rules in
// app/utils/answer-queue.ts): one request at a time in the order answered, kept in localStorage until
// acknowledged, re-sent after a failed save and when the browser comes back online, restored after a reload
// (only what is newer than the server's copy), and flushed before 交卷. Fetch is a fake the test answers;
// the clock is Vitest's, so no test waits for real time.
import { createRemixStub } from "@remix-run/testing";
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DEBOUNCE_MS, ExamAttempt, type ExamAttemptProps } from "../../app/components/ExamAttempt.tsx";

const RETRY_MS = 3000;
const ID = 7;
const QUEUE_KEY = `dx-exam-queue-${ID}`;

type Call = { url: string; body: string; answer: (r: { status: number; body?: unknown } | "network") => void };
let calls: Call[] = [];

function fakeFetch(url: string, init: RequestInit = {}) {
  return new Promise((resolve, reject) => {
    calls.push({
      url,
      body: String(init.body ?? ""),
      answer: (r) =>
        r === "network"
          ? reject(new TypeError("Failed to fetch"))
          : resolve({ status: r.status, ok: r.status < 300, type: "basic", json: async () => r.body ?? null }),
    });
  });
}

const saves = () => calls.filter((c) => c.url === `/exam-attempts/${ID}/answers` && !c.body.includes('"leave"'));
const sent = (c: Call) => JSON.parse(c.body) as { questionId: number; seq: number; answer: { choices: number[] } };
const saved = (seq: number) => ({ status: 200, body: { ok: true, savedAt: 1_800_000_000, seq, applied: true, now: 1_800_000_000, serverTime: Date.now() } });
const tick = (ms = 0) => act(() => vi.advanceTimersByTimeAsync(ms));

function props(deadlineInMs = 3_600_000): ExamAttemptProps {
  const now = Date.now();
  const q = (questionId: number, position: number, seq = 0) => ({
    questionId,
    position,
    type: "单选" as const,
    score: 5,
    stemHtml: `<p>第${position}题</p>`,
    options: [`甲${position}`, `乙${position}`],
    blanks: 0,
    response: null,
    seq,
  });
  return {
    attempt: { id: ID, examTitle: "测试考试", courseSlug: "c", examKey: "e", attemptNo: 1, deadlineMs: now + deadlineInMs, graceSeconds: 10 },
    serverNow: now,
    questions: [q(11, 1), q(12, 2, 3)],
    page: 1,
    pageSize: 10,
    confirm: false,
    saved: false,
    result: undefined,
  };
}

async function open(deadlineInMs?: number) {
  const p = props(deadlineInMs);
  const Stub = createRemixStub([
    { path: "/exam", Component: () => <ExamAttempt {...p} /> },
    { path: "/exam-attempts/:id/result", Component: () => <p>成绩页</p> },
  ]);
  render(<Stub initialEntries={["/exam"]} />);
  await tick();
  expect(screen.getByTestId("save-status")).toBeInTheDocument(); // the interactive exam has taken over
}

const choose = (text: string) => fireEvent.click(screen.getByLabelText(new RegExp(text)));
const status = () => screen.getByTestId("save-status").textContent;
const stored = () => JSON.parse(localStorage.getItem(QUEUE_KEY) ?? "[]") as { questionId: number; seq: number }[];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  calls = [];
  vi.stubGlobal("fetch", vi.fn(fakeFetch));
  localStorage.clear();
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("exam autosave in the page", () => {
  it("sends one answer at a time, in the order answered, and says 已保存 only when nothing waits", async () => {
    await open();
    choose("甲1");
    choose("乙2");
    await tick(DEBOUNCE_MS);
    expect(saves()).toHaveLength(1); // the second waits for the first's answer
    expect(sent(saves()[0]!)).toMatchObject({ questionId: 11, seq: 1, answer: { choices: [0] } });
    expect(status()).toBe("正在保存 2 道题…");
    expect(stored().map((x) => x.questionId)).toEqual([11, 12]);
    saves()[0]!.answer(saved(1));
    await tick();
    expect(saves()).toHaveLength(2);
    expect(sent(saves()[1]!)).toMatchObject({ questionId: 12, seq: 4 }); // the server had seq 3 for it
    saves()[1]!.answer(saved(4));
    await tick();
    expect(status()).toBe("已保存 16:00:00");
    expect(stored()).toEqual([]);
  });

  it("keeps the answer after a failed save, retries later, and sends at once when the browser is back online", async () => {
    await open();
    choose("甲1");
    await tick(DEBOUNCE_MS);
    saves()[0]!.answer("network");
    await tick();
    expect(status()).toBe("网络已断开：1 道题的答案保存在本机，网络恢复后自动发送");
    expect(stored()).toHaveLength(1);
    await tick(RETRY_MS - 10);
    expect(saves()).toHaveLength(1); // not before the retry time
    await tick(10);
    expect(saves()).toHaveLength(2);
    saves()[1]!.answer({ status: 503, body: { ok: false, reason: "busy", message: "忙" } });
    await tick();
    expect(status()).toBe("保存失败：1 道题的答案保存在本机，正在重试");
    window.dispatchEvent(new Event("online"));
    await tick();
    expect(saves()).toHaveLength(3); // the online event does not wait for the retry timer
    saves()[2]!.answer(saved(1));
    await tick();
    expect(status()).toMatch(/^已保存/);
    await tick(RETRY_MS);
    expect(saves()).toHaveLength(3); // the cancelled retry sends nothing more
  });

  it("after a reload, sends the answers left in this browser that are newer than the server's, and shows them", async () => {
    localStorage.setItem(
      QUEUE_KEY,
      JSON.stringify([
        { questionId: 11, seq: 2, answer: { choices: [1] } },
        { questionId: 12, seq: 3, answer: { choices: [0] } }, // the server already has seq 3
      ]),
    );
    await open();
    expect(saves()).toHaveLength(1);
    expect(sent(saves()[0]!)).toMatchObject({ questionId: 11, seq: 2 });
    expect(screen.getByLabelText(/乙1/)).toBeChecked();
    expect(screen.getByLabelText(/甲2/)).not.toBeChecked();
    expect(stored().map((x) => x.questionId)).toEqual([11]);
  });

  it("a closed attempt (409) stops saving and says so", async () => {
    await open();
    choose("甲1");
    await tick(DEBOUNCE_MS);
    saves()[0]!.answer({ status: 409, body: { ok: false, reason: "closed", message: "本次考试已提交" } });
    await tick();
    expect(status()).toBe("本次作答已结束，不能再保存");
    expect(screen.getByRole("alert")).toHaveTextContent("本次考试已提交");
    choose("乙1");
    await tick(DEBOUNCE_MS + RETRY_MS);
    expect(saves()).toHaveLength(1);
  });

  it("交卷 flushes an answer still inside its debounce and submits only after the server has it", async () => {
    await open();
    choose("乙2");
    fireEvent.click(screen.getAllByRole("button", { name: "交卷" })[0]!);
    fireEvent.click(screen.getByRole("button", { name: "确认交卷" }));
    await tick();
    expect(saves()).toHaveLength(1); // sent at once, without waiting for the debounce
    expect(sent(saves()[0]!)).toMatchObject({ questionId: 12, answer: { choices: [1] } });
    const submits = () => calls.filter((c) => c.url === `/exam-attempts/${ID}?index`);
    await tick(1000);
    expect(submits()).toHaveLength(0); // the answer has not been acknowledged yet
    saves()[0]!.answer(saved(4));
    await tick(300);
    expect(submits()).toHaveLength(1);
    expect(submits()[0]!.body).toBe("intent=submit");
    // The submission itself fails: the page says it is not handed in and tries again.
    submits()[0]!.answer("network");
    await tick();
    expect(screen.getByTestId("submit-status")).toHaveTextContent("尚未交卷：网络已断开，网络恢复后自动交卷");
    await tick(RETRY_MS);
    expect(submits()).toHaveLength(2);
    localStorage.setItem(`dx-exam-flags-${ID}`, "[12]");
    submits()[1]!.answer({ status: 200 });
    await tick();
    expect(screen.getByText("成绩页")).toBeInTheDocument();
    expect(localStorage.getItem(QUEUE_KEY)).toBeNull();
    expect(localStorage.getItem(`dx-exam-flags-${ID}`)).toBeNull();
  });

  it("继续作答 stops a submission that waits for answers stuck on the phone; nothing is submitted", async () => {
    await open();
    choose("甲1");
    await tick(DEBOUNCE_MS);
    saves()[0]!.answer("network");
    await tick();
    fireEvent.click(screen.getAllByRole("button", { name: "交卷" })[0]!);
    expect(screen.getByRole("dialog")).toHaveTextContent("1 道题的答案还没有送达服务器");
    fireEvent.click(screen.getByRole("button", { name: "确认交卷" }));
    await tick();
    expect(screen.getByTestId("submit-status")).toHaveTextContent("尚未交卷：1 道题的答案还在本机");
    fireEvent.click(screen.getByRole("button", { name: "继续作答" }));
    await tick(RETRY_MS);
    saves().at(-1)!.answer(saved(1));
    await tick(1000);
    expect(calls.filter((c) => c.url === `/exam-attempts/${ID}?index`)).toHaveLength(0);
    expect(screen.queryByTestId("submit-status")).toBeNull();
  });

  it("at the deadline, answers stuck on the phone are waited for only within the grace time, then the paper is submitted", async () => {
    await open(2000);
    choose("甲1");
    await tick(DEBOUNCE_MS);
    const failAll = () => saves().forEach((c) => c.answer("network"));
    failAll();
    await tick(1200);
    expect(screen.getByTestId("submit-status")).toHaveTextContent("尚未交卷：1 道题的答案还在本机");
    const submits = () => calls.filter((c) => c.url === `/exam-attempts/${ID}?index`);
    for (let t = 0; t < 4500; t += 300) {
      failAll();
      await tick(300);
    }
    expect(submits()).toHaveLength(0); // inside the grace time (10 s − 5 s) it still waits for the answer
    for (let t = 0; t < 1500; t += 300) {
      failAll();
      await tick(300);
    }
    expect(submits()).toHaveLength(1); // then it submits what the server has
  });

  it("a save overtaken by another device is sent again with a newer number when this page's value is the latest", async () => {
    await open();
    choose("甲1");
    await tick(DEBOUNCE_MS);
    saves()[0]!.answer({ status: 200, body: { ok: true, savedAt: 1_800_000_000, seq: 5, applied: false, now: 1_800_000_000, serverTime: Date.now() } });
    await tick();
    expect(saves()).toHaveLength(2);
    expect(sent(saves()[1]!)).toMatchObject({ questionId: 11, seq: 6, answer: { choices: [0] } });
    saves()[1]!.answer(saved(6));
    await tick();
    choose("乙1");
    await tick(DEBOUNCE_MS);
    expect(sent(saves()[2]!)).toMatchObject({ questionId: 11, seq: 7 }); // numbering goes on from the re-sent copy
  });

  it("works on when the browser's storage is full or holds something unreadable", async () => {
    localStorage.setItem(QUEUE_KEY, "{not json");
    localStorage.setItem(`dx-exam-flags-${ID}`, "{not json");
    const setItem = vi.spyOn(Storage.prototype, "setItem").mockImplementation(() => {
      throw new DOMException("full", "QuotaExceededError");
    });
    try {
      await open();
      expect(saves()).toHaveLength(0);
      choose("甲1");
      await tick(DEBOUNCE_MS);
      expect(saves()).toHaveLength(1); // the queue lives in memory
      expect(status()).toBe("正在保存…");
      saves()[0]!.answer(saved(1));
      await tick();
      expect(status()).toMatch(/^已保存/);
    } finally {
      setItem.mockRestore();
    }
  });
});
