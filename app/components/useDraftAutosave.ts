// Autosave of a draft's title and text: a send after typing pauses, one request at a time, the unsent
// text kept in localStorage until the server acknowledges it (re-sent when the network returns or the
// page is opened again), and a status that is the queue's state (rules in utils/draft-queue.ts).
import { useCallback, useEffect, useRef, useState } from "react";
import { draftStatus, edited, initialDraftState, settleDraft, type Draft, type DraftOutcome, type DraftReply, type DraftState } from "~/utils/draft-queue.ts";

const DELAY_MS = 1500;
const RETRY_MS = 3000;
const SAVE_TIMEOUT_MS = 10_000;

type DraftAutosave = {
  title: string;
  text: string;
  change: (next: { title?: string; text?: string }) => void;
  status: ReturnType<typeof draftStatus>;
  /** The number the page's own 保存/提交 sends, so the server's copy counts as at least this new. */
  seq: number;
  /** The page's form carries the text now: stop sending; what is pending stays (and stays stored) until the loader shows it saved. */
  handOver: () => void;
};

function readStored(key: string): Draft | null {
  try {
    const d = JSON.parse(localStorage.getItem(key) ?? "null") as Draft | null;
    return d && typeof d.seq === "number" && typeof d.text === "string" && typeof d.title === "string" ? d : null;
  } catch {
    return null;
  }
}

/**
 * `server`: the draft as the loader gave it (`seq` its sequence number on the server). `url` takes a JSON
 * POST of { title, text, seq } and answers a DraftReply.
 */
export function useDraftAutosave(opts: { url: string; storageKey: string; server: Draft & { savedAt: number | null } }): DraftAutosave {
  const { url, storageKey, server } = opts;
  const [title, setTitle] = useState(server.title);
  const [text, setText] = useState(server.text);
  const state = useRef<DraftState>(initialDraftState(server.savedAt));
  const [view, setView] = useState<DraftState>(state.current);
  const seq = useRef(server.seq);
  const latest = useRef({ title: server.title, text: server.text });
  const generation = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const update = useCallback(
    (next: DraftState) => {
      state.current = next;
      try {
        if (next.pending) localStorage.setItem(storageKey, JSON.stringify(next.pending));
        else localStorage.removeItem(storageKey);
      } catch {
        /* storage full or disabled: the draft still lives in memory */
      }
      setView(next);
    },
    [storageKey],
  );

  const pump = useCallback(async () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    while (state.current.pending && !state.current.sending && !state.current.closed) {
      const sent = state.current.pending;
      const gen = generation.current;
      update({ ...state.current, sending: true });
      let outcome: DraftOutcome;
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(sent),
          signal: AbortSignal.timeout(SAVE_TIMEOUT_MS),
        });
        outcome = { kind: "reply", status: res.status, reply: (await res.json().catch(() => null)) as DraftReply | null };
      } catch {
        outcome = { kind: "network" };
      }
      if (gen !== generation.current) return; // the page's own form took over meanwhile
      const r = settleDraft(state.current, sent, outcome, { online: navigator.onLine });
      if (r.resend) seq.current = Math.max(seq.current, r.resend.seq);
      update(r.state);
      if (r.retry) {
        timer.current = setTimeout(() => void pump(), RETRY_MS);
        return;
      }
    }
  }, [url, update]);

  const change = useCallback(
    (next: { title?: string; text?: string }) => {
      latest.current = { ...latest.current, ...next };
      if (next.title !== undefined) setTitle(next.title);
      if (next.text !== undefined) setText(next.text);
      seq.current += 1;
      update(edited(state.current, { ...latest.current, seq: seq.current }));
      if (state.current.sending || state.current.failure) return; // goes out after the current send, or with the retry
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => void pump(), DELAY_MS);
    },
    [pump, update],
  );

  const handOver = useCallback(() => {
    generation.current += 1;
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    // The text stays pending (and stored) until the loader shows the server's copy at least as new.
    update({ ...state.current, sending: false });
  }, [update]);

  // Text left by an earlier visit (offline, or closed before it was sent) wins over the server's older copy.
  useEffect(() => {
    const stored = readStored(storageKey);
    if (stored && stored.seq > server.seq) {
      seq.current = stored.seq;
      latest.current = { title: stored.title, text: stored.text };
      setTitle(stored.title);
      setText(stored.text);
      update(edited(state.current, stored));
      void pump();
    } else if (stored) {
      try {
        localStorage.removeItem(storageKey);
      } catch {
        /* nothing to clean */
      }
    }
    // Once per page: later loader data (after the page's own save) is taken below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [storageKey]);

  // After the page's own 保存/提交 the loader's copy is the newest: nothing older may be re-sent.
  useEffect(() => {
    if (server.seq > seq.current) seq.current = server.seq;
    const pending = state.current.pending;
    if (pending && pending.seq > server.seq) return; // this page holds newer text than the server's copy
    latest.current = { title: server.title, text: server.text };
    setTitle(server.title);
    setText(server.text);
    update({ ...state.current, pending: null, savedAt: server.savedAt ?? state.current.savedAt, message: null, failure: null });
  }, [server.seq, server.title, server.text, server.savedAt, update]);

  useEffect(() => {
    const online = () => void pump();
    const offline = () => state.current.pending && update({ ...state.current, failure: "offline" });
    window.addEventListener("online", online);
    window.addEventListener("offline", offline);
    return () => {
      window.removeEventListener("online", online);
      window.removeEventListener("offline", offline);
      if (timer.current) clearTimeout(timer.current);
    };
  }, [pump, update]);

  return { title, text, change, status: draftStatus(view), seq: seq.current, handOver };
}
