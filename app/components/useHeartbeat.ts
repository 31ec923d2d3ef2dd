// The page side of honest progress: collects played segments and visible time, beats every 12 s,
// keeps unacknowledged segments (also across a reload) and re-sends them when the network is back.
import { useCallback, useEffect, useRef, useState } from "react";
import { mergeIntervals, type Interval } from "~/utils/coverage.ts";

export const BEAT_MS = 12_000;

export type BeatState = {
  status: "idle" | "ok" | "offline" | "busy" | "check";
  coverage: number;
  readSeconds: number;
  furthest: number;
  completed: boolean;
  message?: string;
};

type Reply =
  | { ok: true; credited: number; coverage: number; readSeconds: number; furthest: number; completed: boolean; presenceCheck: boolean }
  | { ok: false; reason: string; message?: string };

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
}) {
  const { lessonId } = opts;
  const [state, setState] = useState<BeatState>({ status: "idle", ...opts.initial });
  const pending = useRef<Interval[]>([]);
  const takeover = useRef(false);
  const visibleSince = useRef(true);
  const storageKey = `dx-beat-${lessonId}`;
  const takeRef = useRef(opts.takeSegments);
  takeRef.current = opts.takeSegments;

  const send = useCallback(
    async (visible: boolean) => {
      const taken = takeRef.current?.();
      if (taken) pending.current = mergeIntervals([...pending.current, ...taken.segments]);
      localStorage.setItem(storageKey, JSON.stringify(pending.current));
      const sent = pending.current;
      try {
        const res = await fetch(`/api/lessons/${lessonId}/beat`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ tabId: tabId(), segments: sent, position: taken?.position ?? 0, duration: taken?.duration, visible, takeover: takeover.current }),
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
        } else if (reply.reason === "busy") {
          setState((s) => ({ ...s, status: "busy", message: reply.message }));
        }
      } catch {
        setState((s) => ({ ...s, status: "offline" }));
      }
    },
    [lessonId, storageKey],
  );

  useEffect(() => {
    try {
      pending.current = mergeIntervals(JSON.parse(localStorage.getItem(storageKey) ?? "[]"));
    } catch {
      pending.current = [];
    }
    // The first beat starts the server's clock; later ones are credited against it.
    void send(document.visibilityState === "visible");
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
    document.addEventListener("visibilitychange", onVisibility);
    window.addEventListener("online", onOnline);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisibility);
      window.removeEventListener("online", onOnline);
    };
  }, [send, storageKey]);

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
