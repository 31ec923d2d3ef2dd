// @vitest-environment jsdom
// The 思想汇报 editor's autosave (app/components/useDraftAutosave.ts around app/utils/draft-queue.ts):
// one save at a time after typing pauses, the text kept in localStorage until the server acknowledges it,
// "已保存" only when nothing waits, the truth when offline (and a send as soon as the network returns), a
// newer server copy overtaken by this page's newer text, a report submitted elsewhere, text restored after a
// reload, and the page's own 保存/提交 taking over. Fetch is a fake the test answers; the clock is Vitest's.
import { act, cleanup, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useDraftAutosave } from "../../app/components/useDraftAutosave.ts";

const KEY = "dx-report-draft-9";
const URL = "/my/reports/9/draft";
type Call = { url: string; body: { title: string; text: string; seq: number }; answer: (r: { status: number; body?: unknown } | "network") => void };
let calls: Call[] = [];

function fakeFetch(url: string, init: RequestInit = {}) {
  return new Promise((resolve, reject) => {
    calls.push({
      url,
      body: JSON.parse(String(init.body)),
      answer: (r) => (r === "network" ? reject(new TypeError("Failed to fetch")) : resolve({ status: r.status, json: async () => r.body ?? null })),
    });
  });
}
const SAVED_AT = 1_800_000_000; // 16:00:00 in Beijing
const ok = (seq: number, applied = true) => ({ status: 200, body: { ok: true, savedAt: SAVED_AT, seq, applied } });
const tick = (ms = 0) => act(() => vi.advanceTimersByTimeAsync(ms));

function open(server = { title: "思想汇报", text: "", seq: 0, savedAt: null as number | null }) {
  return renderHook((props: { server: typeof server }) => useDraftAutosave({ url: URL, storageKey: KEY, server: props.server }), { initialProps: { server } });
}
type Hook = ReturnType<typeof open>;
const type = (h: Hook, text: string) => act(() => h.result.current.change({ text }));
const stored = () => JSON.parse(localStorage.getItem(KEY) ?? "null") as { text: string; seq: number } | null;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  calls = [];
  vi.stubGlobal("fetch", vi.fn(fakeFetch));
  localStorage.clear();
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("思想汇报 draft autosave", () => {
  it("saves after typing pauses, one request at a time, and says 已保存 only when the server has the newest text", async () => {
    const h = open();
    expect(h.result.current.status.text).toBe("输入后自动保存");
    await type(h, "敬爱的党组织");
    expect(h.result.current.status.text).toBe("有未保存的修改");
    expect(stored()).toMatchObject({ text: "敬爱的党组织", seq: 1 });
    await tick(1499);
    expect(calls).toHaveLength(0);
    await tick(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ url: URL, body: { title: "思想汇报", text: "敬爱的党组织", seq: 1 } });
    expect(h.result.current.status.text).toBe("正在保存…");
    await type(h, "敬爱的党组织：本季度"); // typed while the first save is on its way
    calls[0]!.answer(ok(1));
    await tick();
    expect(h.result.current.status.text).not.toMatch(/已保存/);
    expect(calls).toHaveLength(2); // the newer text goes right after
    expect(calls[1]!.body).toMatchObject({ text: "敬爱的党组织：本季度", seq: 2 });
    calls[1]!.answer(ok(2));
    await tick();
    expect(h.result.current.status).toEqual({ tone: "ok", text: "已保存 16:00:00" });
    expect(stored()).toBeNull();
  });

  it("offline: says the text is kept on this phone, retries, and sends at once when the network returns", async () => {
    const h = open();
    await type(h, "草稿");
    await tick(1500);
    calls[0]!.answer("network");
    await tick();
    expect(h.result.current.status).toEqual({ tone: "warn", text: "网络已断开：修改保存在本机，网络恢复后自动发送" });
    expect(stored()).toMatchObject({ text: "草稿" });
    await type(h, "草稿二"); // still offline: waits for the retry, no extra request
    await tick(2999);
    expect(calls).toHaveLength(1);
    await tick(1);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.body.text).toBe("草稿二");
    calls[1]!.answer({ status: 503, body: { ok: false, message: "忙" } });
    await tick();
    expect(h.result.current.status.text).toBe("保存失败：修改保存在本机，正在重试");
    window.dispatchEvent(new Event("online"));
    await tick();
    expect(calls).toHaveLength(3);
    calls[2]!.answer(ok(2));
    await tick();
    expect(h.result.current.status.text).toBe("已保存 16:00:00");
    expect(stored()).toBeNull();
  });

  it("an unreadable answer (signed out: a login page) is not a save", async () => {
    const h = open();
    await type(h, "正文");
    await tick(1500);
    calls[0]!.answer({ status: 200, body: null });
    await tick();
    expect(h.result.current.status.text).toBe("保存失败（登录可能已失效），修改已暂存在本机");
    expect(stored()).toMatchObject({ text: "正文" });
  });

  it("a newer copy on the server (saved with a button elsewhere) is overtaken by this page's newer text", async () => {
    const h = open();
    await type(h, "本页的最新文字");
    await tick(1500);
    calls[0]!.answer(ok(40, false));
    await tick();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.body).toMatchObject({ text: "本页的最新文字", seq: 41 });
    calls[1]!.answer(ok(41));
    await tick();
    expect(h.result.current.status.text).toBe("已保存 16:00:00");
    await type(h, "再改");
    expect(stored()?.seq).toBe(42);
  });

  it("a report submitted elsewhere stops the saves and says the change was not saved", async () => {
    const h = open();
    await type(h, "改动");
    await tick(1500);
    calls[0]!.answer({ status: 409, body: { ok: false, message: "已提交的思想汇报不能修改；被退回后可修改再提交" } });
    await tick();
    expect(h.result.current.status).toEqual({ tone: "warn", text: "已提交的思想汇报不能修改；被退回后可修改再提交；本页的修改未保存" });
    await type(h, "再改");
    await tick(10_000);
    expect(calls).toHaveLength(1);
  });

  it("after a reload, text left on the phone that is newer than the server's comes back and is sent; older is dropped", async () => {
    localStorage.setItem(KEY, JSON.stringify({ title: "第三季度", text: "断网时写的", seq: 3 }));
    const h = open({ title: "思想汇报", text: "服务器上的", seq: 2, savedAt: SAVED_AT });
    await tick();
    expect(h.result.current.text).toBe("断网时写的");
    expect(h.result.current.title).toBe("第三季度");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toMatchObject({ text: "断网时写的", seq: 3 });
    cleanup();
    calls = [];
    localStorage.setItem(KEY, JSON.stringify({ title: "旧", text: "旧的", seq: 2 }));
    const h2 = open({ title: "思想汇报", text: "服务器上的", seq: 2, savedAt: SAVED_AT });
    await tick();
    expect(h2.result.current.text).toBe("服务器上的");
    expect(h2.result.current.status.text).toBe("已保存 16:00:00");
    expect(stored()).toBeNull();
    expect(calls).toHaveLength(0);
  });

  it("the page's own 保存 takes over: a save in flight is ignored, and the loader's newer copy ends what was stored", async () => {
    const h = open();
    await type(h, "一");
    await tick(1500);
    await type(h, "一二");
    act(() => h.result.current.handOver());
    expect(h.result.current.seq).toBe(2); // the form sends this number with the text
    calls[0]!.answer(ok(1));
    await tick(5000);
    expect(calls).toHaveLength(1);
    expect(stored()).toMatchObject({ text: "一二" }); // until the server's copy is known to be newer
    expect(h.result.current.status.text).toBe("有未保存的修改"); // not 已保存: the form's answer has not come back
    h.rerender({ server: { title: "思想汇报", text: "一二", seq: 3, savedAt: SAVED_AT + 5 } });
    await tick();
    expect(stored()).toBeNull();
    expect(h.result.current.status.text).toBe("已保存 16:00:05");
  });
});
