// The page side of honest progress: collects played segments and visible time, beats every 12 s,
// keeps unacknowledged segments (also across a reload) and re-sends them when the network is back.
// A hidden or closed page gives its presence up with its last beat (a beacon on pagehide), and so does a
// page left inside the app (unmount), so the trainee's next lesson starts counting at once.
import { useCallback, useEffect, useRef, useState } from "react";
import { mergeIntervals, type Interval } from "~/utils/coverage.ts";

const BEAT_MS = 12_000;

type BeatState = {
  status: "idle" | "ok" | "offline" | "busy" | "check";
  coverage: number;
  readSeconds: number;
  furthest: number;
  completed: boolean;
  message?: string;
};

type AckReply = { ok: true; credited: number; coverage: number; readSeconds: number; furthest: number; completed: boolean; presenceCheck: boolean };
type Reply = AckReply | { ok: false; reason: string; message?: string };

/**
 * The last beat of a lesson page left inside the app. The next page's first beat waits for it: both come
 * from the same tab, and the server must see the old lesson's last seconds before the new lesson's clock
 * starts (a release arriving later would drop the new lesson's presence).
 */
let leaving: Promise<unknown> = Promise.resolve();

/** One id per browser tab that survives reloads (sessionStorage), so a reload is not "another tab". */
function tabId(): string {
  const key = "dx-tab-id";
  let id = sessionStorage.getItem(key);
  if (!id) {
    id = crypto.randomUUID();
    sessionStorage.setItem(key, id);
  }
  return id;
}

export function useHeartbeat(opts: {
  lessonId: number;
  initial: Omit<BeatState, "status">;
  /** Video lessons give the player's position, duration and the segments played since the last call. */
  takeSegments?: () => { segments: Interval[]; position: number; duration?: number };
  /** A beat was acknowledged; `position` is where the player was when it was sent. */
  onAck?: (reply: AckReply, position: number) => void;
}) {
  const { lessonId } = opts;
  const [state, setState] = useState<BeatState>({ status: "idle", ...opts.initial });
  const pending = useRef<Interval[]>([]);
  const takeover = useRef(false);
  const visibleSince = useRef(true);
  const storageKey = `dx-beat-${lessonId}`;
  const takeRef = useRef(opts.takeSegments);
  takeRef.current = opts.takeSegments;
  const ackRef = useRef(opts.onAck);
  ackRef.current = opts.onAck;

  /** The next beat's body; a beat sent while the page is hidden gives the presence up. */
  const body = useCallback(
    (visible: boolean, closing = false) => {
      const taken = takeRef.current?.();
      if (taken) pending.current = mergeIntervals([...pending.current, ...taken.segments]);
      localStorage.setItem(storageKey, JSON.stringify(pending.current));
      const release = closing || document.visibilityState === "hidden";
      return {
        sent: pending.current,
        position: taken?.position ?? 0,
        json: JSON.stringify({
          tabId: tabId(),
          segments: pending.current,
          position: taken?.position ?? 0,
          duration: taken?.duration,
          visible,
          takeover: takeover.current,
          release,
        }),
      };
    },
    [storageKey],
  );

  const send = useCallback(
    async (visible: boolean) => {
      const { sent, position, json } = body(visible);
      try {
        const res = await fetch(`/api/lessons/${lessonId}/beat`, {
          method: "POST",
          keepalive: true,
          headers: { "Content-Type": "application/json" },
          body: json,
        });
        if (!res.ok && res.status !== 409) throw new Error(String(res.status));
        const reply = (await res.json()) as Reply;
        takeover.current = false;
        if (reply.ok) {
          // Acknowledged: these segments are the server's now.
          pending.current = pending.current.filter((p) => !sent.includes(p));
          localStorage.setItem(storageKey, JSON.stringify(pending.current));
          setState({
            status: reply.presenceCheck ? "check" : "ok",
            coverage: reply.coverage,
            readSeconds: reply.readSeconds,
            furthest: reply.furthest,
            completed: reply.completed,
          });
          ackRef.current?.(reply, position);
        } else if (reply.reason === "busy") {
          setState((s) => ({ ...s, status: "busy", message: reply.message }));
        }
      } catch {
        setState((s) => ({ ...s, status: "offline" }));
      }
    },
    [lessonId, storageKey, body],
  );

  /** The last beat of a page that goes away while the tab stays open; what is not acknowledged stays queued. */
  const leave = useCallback(() => {
    const { sent, json } = body(true, true);
    return fetch(`/api/lessons/${lessonId}/beat`, { method: "POST", keepalive: true, headers: { "Content-Type": "application/json" }, body: json })
      .then(async (res) => {
        if (res.ok && ((await res.json()) as Reply).ok) localStorage.setItem(storageKey, JSON.stringify(pending.current.filter((p) => !sent.includes(p))));
      })
      .catch(() => undefined);
  }, [body, lessonId, storageKey]);

  useEffect(() => {
    try {
      pending.current = mergeIntervals(JSON.parse(localStorage.getItem(storageKey) ?? "[]"));
    } catch {
      pending.current = [];
    }
    // The first beat starts the server's clock; later ones are credited against it.
    void leaving.then(() => send(document.visibilityState === "visible"));
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") void send(true);
    }, BEAT_MS);
    const onVisibility = () => {
      const visible = document.visibilityState === "visible";
      // Going hidden: credit the visible time so far. Coming back: restart the clock without credit.
      void send(!visible ? visibleSince.current : false);
      visibleSince.current = visible;
    };
    const onOnline = () => void send(document.visibilityState === "visible");
    // Closing the tab: the last seconds and the release go out as a beacon, which outlives the page.
    const onPageHide = () => {
      const { json } = body(visibleSince.current, true);
      navigator.sendBeacon(`/api/lessons/${lessonId}/beat`, new Blob([json], { type: "application/json" }));
    };
    document.addEventListener("visibilitychange", onVisibility);
    window.addEventListener("online", onOnline);
    window.addEventListener("pagehide", onPageHide);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisibility);
      window.removeEventListener("online", onOnline);
      window.removeEventListener("pagehide", onPageHide);
      // Left inside the app (another lesson, the course page): the seconds since the last beat are sent
      // and the presence given up. A hidden page already did both when it was hidden.
      if (document.visibilityState === "visible") leaving = leave();
    };
  }, [send, body, leave, lessonId, storageKey]);

  const takeOver = useCallback(() => {
    takeover.current = true;
    void send(true);
  }, [send]);

  const confirmPresence = useCallback(async () => {
    await fetch(`/api/lessons/${lessonId}/presence`, { method: "POST" });
    setState((s) => ({ ...s, status: "ok" }));
  }, [lessonId]);

  return { state, takeOver, confirmPresence, beatNow: () => send(document.visibilityState === "visible") };
}
