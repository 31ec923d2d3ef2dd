// The exam page. Without JavaScript: page by page inside a form with 保存 buttons (the route's action
// saves). With JavaScript: one page with a question navigator, a countdown from the server's deadline
// (corrected for the browser's clock), autosave on change with sequence numbers, an offline queue in
// localStorage re-sent in order, leave-page counting and a confirmed, idempotent final submit.
import { Form, Link, useNavigate } from "@remix-run/react";
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import {
  confirmWarning,
  emptyQueue,
  enqueue as enqueueItem,
  saveStatus,
  settle,
  submitStatus,
  type Outcome,
  type Queue,
  type QueueItem,
  type SaveReply,
} from "~/utils/answer-queue.ts";
import { isAnswered, optionLetter, type ExamResponse } from "~/utils/exam-response.ts";
import type { QuestionType } from "~/utils/course-types.ts";
import { cstClock } from "~/utils/cst.ts";
import { Dialog } from "./Dialog.tsx";
import { FormAlert } from "./FormErrors.tsx";

export type PaperQuestion = {
  questionId: number;
  position: number;
  type: QuestionType;
  score: number;
  stemHtml: string;
  /** Option texts in this attempt's order; a choice is its position here (the server maps it). */
  options: string[] | null;
  blanks: number;
  response: ExamResponse | null;
  seq: number;
};

export type ExamAttemptProps = {
  attempt: { id: number; examTitle: string; courseSlug: string; examKey: string; attemptNo: number; deadlineMs: number; graceSeconds: number };
  serverNow: number;
  questions: PaperQuestion[];
  page: number;
  pageSize: number;
  confirm: boolean;
  saved: boolean;
  /** The action's answer: a refused save or submit is shown above the paper (see FormErrors). */
  result?: unknown;
};

export const DEBOUNCE_MS = 800;
const RETRY_MS = 3000;
const SAVE_TIMEOUT_MS = 10_000;

const emptyResponse = (q: PaperQuestion): ExamResponse =>
  q.type === "判断" ? { judge: null } : q.type === "填空" ? { blanks: Array(q.blanks).fill("") } : q.type === "简答" ? { text: "" } : { choices: [] };

function formatRemaining(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const p = (n: number) => String(n).padStart(2, "0");
  const h = Math.floor(s / 3600);
  return h ? `${h}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}` : `${p(Math.floor(s / 60))}:${p(s % 60)}`;
}

// ------------------------------------------------------------------------------------------ inputs

function QuestionInputs({ q, value, onChange }: { q: PaperQuestion; value: ExamResponse | null; onChange?: (r: ExamResponse) => void }) {
  const name = `q${q.questionId}`;
  const controlled = Boolean(onChange);
  const v = value ?? emptyResponse(q);
  if (q.type === "单选" || q.type === "多选") {
    const chosen = "choices" in v ? v.choices : [];
    return (
      <ol className="exam-options">
        {q.options!.map((text, i) => {
          const checked = chosen.includes(i);
          const toggle = () => {
            if (q.type === "单选") onChange?.({ choices: [i] });
            else onChange?.({ choices: checked ? chosen.filter((c) => c !== i) : [...chosen, i].sort((a, b) => a - b) });
          };
          return (
            <li key={i}>
              <label className="check exam-option">
                <input
                  type={q.type === "单选" ? "radio" : "checkbox"}
                  name={name}
                  value={i}
                  {...(controlled ? { checked, onChange: toggle } : { defaultChecked: checked })}
                />
                <span className="exam-letter">{optionLetter(i)}.</span> <span>{text}</span>
              </label>
            </li>
          );
        })}
      </ol>
    );
  }
  if (q.type === "判断") {
    const judge = "judge" in v ? v.judge : null;
    return (
      <div className="exam-options judge">
        {([true, false] as const).map((b) => (
          <label key={String(b)} className="check exam-option">
            <input
              type="radio"
              name={name}
              value={String(b)}
              {...(controlled ? { checked: judge === b, onChange: () => onChange?.({ judge: b }) } : { defaultChecked: judge === b })}
            />
            <span>{b ? "正确" : "错误"}</span>
          </label>
        ))}
      </div>
    );
  }
  if (q.type === "填空") {
    const blanks = "blanks" in v ? v.blanks : [];
    return (
      <div className="exam-blanks">
        {Array.from({ length: q.blanks }, (_, i) => (
          <label key={i}>
            <span className="muted">第 {i + 1} 空</span>
            <input
              name={`${name}_${i}`}
              maxLength={200}
              autoComplete="off"
              {...(controlled
                ? {
                    value: blanks[i] ?? "",
                    onChange: (e) => onChange?.({ blanks: Array.from({ length: q.blanks }, (_, j) => (j === i ? e.target.value : (blanks[j] ?? ""))) }),
                  }
                : { defaultValue: blanks[i] ?? "" })}
            />
          </label>
        ))}
      </div>
    );
  }
  const text = "text" in v ? v.text : "";
  return (
    <textarea
      name={name}
      rows={6}
      maxLength={5000}
      className="exam-essay"
      aria-label={`第 ${q.position} 题作答`}
      {...(controlled ? { value: text, onChange: (e) => onChange?.({ text: e.target.value }) } : { defaultValue: text })}
    />
  );
}

function QuestionCard({ q, children, flagged, onFlag }: { q: PaperQuestion; children: ReactNode; flagged?: boolean; onFlag?: () => void }) {
  return (
    <section className={`card exam-question${flagged ? " flagged" : ""}`} id={`q-${q.position}`} aria-labelledby={`q-${q.position}-title`}>
      <header className="exam-qhead">
        <h2 id={`q-${q.position}-title`}>
          第 {q.position} 题 <span className="tag">{q.type}</span> <span className="muted">{q.score} 分</span>
        </h2>
        {onFlag ? (
          <button type="button" className="btn small" aria-pressed={flagged} onClick={onFlag}>
            {flagged ? "取消标记" : "标记"}
          </button>
        ) : null}
      </header>
      <div className="prose exam-stem" dangerouslySetInnerHTML={{ __html: q.stemHtml }} />
      {children}
    </section>
  );
}

// ------------------------------------------------------------------------------------------ no JavaScript

function PagedExam(p: ExamAttemptProps) {
  const pages = Math.max(1, Math.ceil(p.questions.length / p.pageSize));
  const page = Math.min(Math.max(1, p.page), pages);
  const onPage = p.questions.slice((page - 1) * p.pageSize, page * p.pageSize);
  const remainingMin = Math.max(0, Math.ceil((p.attempt.deadlineMs - p.serverNow) / 60000));
  if (p.confirm) {
    const unanswered = p.questions.filter((q) => !isAnswered(q.response));
    return (
      <div className="stack">
        <section className="card">
          <h2>确认交卷</h2>
          {unanswered.length ? (
            <p className="alert warn">
              以下 {unanswered.length} 道题尚未作答：
              {unanswered.map((q, i) => (
                <span key={q.questionId}>
                  {i ? "、" : ""}
                  <a href={`?page=${Math.ceil(q.position / p.pageSize)}`}>第 {q.position} 题</a>
                </span>
              ))}
            </p>
          ) : (
            <p>全部题目均已作答。</p>
          )}
          <p>交卷后不能再修改答案。</p>
          <Form method="post" className="row-actions">
            <input type="hidden" name="intent" value="submit" />
            <button type="submit" className="btn primary">
              确认交卷
            </button>
            <a className="btn" href="?page=1">
              返回检查
            </a>
          </Form>
        </section>
      </div>
    );
  }
  return (
    <Form method="post" className="stack">
      <p className="alert warn exam-nojs-time">
        剩余时间约 {remainingMin} 分钟（截止 {cstClock(Math.floor(p.attempt.deadlineMs / 1000))}，以服务器时间为准）。请随时点“保存”。
      </p>
      {p.saved ? (
        <p className="alert ok" role="status">
          已保存
        </p>
      ) : null}
      <input type="hidden" name="page" value={page} />
      {onPage.map((q) => (
        <QuestionCard key={q.questionId} q={q}>
          <input type="hidden" name="qid" value={q.questionId} />
          <QuestionInputs q={q} value={q.response} />
        </QuestionCard>
      ))}
      <div className="card exam-pager">
        <span className="muted">
          第 {page} / {pages} 页
        </span>
        <div className="row-actions">
          {page > 1 ? (
            <button type="submit" name="goto" value={page - 1} className="btn">
              保存并上一页
            </button>
          ) : null}
          <button type="submit" name="goto" value={page} className="btn primary">
            保存
          </button>
          {page < pages ? (
            <button type="submit" name="goto" value={page + 1} className="btn">
              保存并下一页
            </button>
          ) : null}
          <button type="submit" name="goto" value="confirm" className="btn danger">
            保存并交卷
          </button>
        </div>
      </div>
    </Form>
  );
}

// ------------------------------------------------------------------------------------------ with JavaScript

/** The autosave queue: one request at a time, in order, kept in localStorage until acknowledged (rules in answer-queue). */
function useAutosave(attemptId: number, initialSeqs: Record<number, number>, onServerTime: (serverMs: number, rttMid: number) => void) {
  const storageKey = `dx-exam-queue-${attemptId}`;
  const q = useRef<Queue>(emptyQueue());
  const seqs = useRef<Record<number, number>>({ ...initialSeqs });
  const sending = useRef(false);
  const retry = useRef<ReturnType<typeof setTimeout> | null>(null);
  const [view, setView] = useState<Queue>(q.current);

  const update = useCallback(
    (next: Queue) => {
      q.current = next;
      try {
        localStorage.setItem(storageKey, JSON.stringify(next.items));
      } catch {
        /* storage full or disabled: the queue still lives in memory */
      }
      setView(next);
    },
    [storageKey],
  );

  const pump = useCallback(async () => {
    if (sending.current || q.current.closed) return;
    if (retry.current) clearTimeout(retry.current);
    retry.current = null;
    while (q.current.items.length && !q.current.closed) {
      const item = q.current.items[0];
      sending.current = true;
      const sentAt = Date.now();
      let outcome: Outcome;
      try {
        // A request that hangs (a network that connects but carries nothing) counts as no network.
        const res = await fetch(`/exam-attempts/${attemptId}/answers`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(item),
          signal: AbortSignal.timeout(SAVE_TIMEOUT_MS),
        });
        outcome = { kind: "reply", status: res.status, reply: (await res.json().catch(() => null)) as SaveReply | null };
      } catch {
        outcome = { kind: "network" };
      }
      const r = settle(q.current, item, outcome, { online: navigator.onLine, latestSeq: seqs.current[item.questionId] ?? 0 });
      if (r.requeued !== undefined) seqs.current[item.questionId] = r.requeued;
      if (outcome.kind === "reply" && outcome.reply?.ok) onServerTime(outcome.reply.serverTime, (sentAt + Date.now()) / 2);
      update(r.queue);
      sending.current = false;
      if (r.retry) {
        retry.current = setTimeout(() => void pump(), RETRY_MS);
        return;
      }
    }
  }, [attemptId, onServerTime, update]);

  const enqueue = useCallback(
    (questionId: number, answer: ExamResponse) => {
      const seq = (seqs.current[questionId] ?? 0) + 1;
      seqs.current[questionId] = seq;
      update(enqueueItem(q.current, { questionId, answer, seq }, sending.current));
      void pump();
    },
    [update, pump],
  );

  /** Answers left in this browser by an earlier visit (offline, or closed before they were sent). */
  const restore = useCallback((): QueueItem[] => {
    let stored: QueueItem[] = [];
    try {
      stored = JSON.parse(localStorage.getItem(storageKey) ?? "[]") as QueueItem[];
    } catch {
      stored = [];
    }
    const items = stored.filter((x) => x && typeof x.seq === "number" && x.seq > (seqs.current[x.questionId] ?? 0));
    for (const x of items) seqs.current[x.questionId] = Math.max(seqs.current[x.questionId] ?? 0, x.seq);
    update({ ...q.current, items });
    return items;
  }, [update, storageKey]);

  useEffect(() => {
    const online = () => void pump();
    window.addEventListener("online", online);
    return () => {
      window.removeEventListener("online", online);
      if (retry.current) clearTimeout(retry.current);
    };
  }, [pump]);

  return { enqueue, pump, restore, view, q };
}

function InteractiveExam(p: ExamAttemptProps) {
  const navigate = useNavigate();
  const id = p.attempt.id;
  const [responses, setResponses] = useState<Record<number, ExamResponse | null>>(() => Object.fromEntries(p.questions.map((q) => [q.questionId, q.response])));
  const [flags, setFlags] = useState<number[]>([]);
  const [offset, setOffset] = useState(() => p.serverNow - Date.now());
  const [remaining, setRemaining] = useState(p.attempt.deadlineMs - p.serverNow);
  const [warning, setWarning] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [submitting, setSubmitting] = useState<null | "user" | "timeout">(null);
  const [submitFailed, setSubmitFailed] = useState(false);
  /** Bumped by each submission and by 继续作答, so a cancelled submission's loop stops. */
  const submission = useRef(0);
  const debounces = useRef(new Map<number, { timer: ReturnType<typeof setTimeout>; answer: ExamResponse }>());
  const warned = useRef({ five: false, one: false, zero: false });

  const onServerTime = useCallback((serverMs: number, clientMid: number) => setOffset(serverMs - clientMid), []);
  const initialSeqs = useMemo(() => Object.fromEntries(p.questions.map((q) => [q.questionId, q.seq])), [p.questions]);
  const saver = useAutosave(id, initialSeqs, onServerTime);

  // Restore the local queue once: its answers are newer than what the server had.
  useEffect(() => {
    const restored = saver.restore();
    if (restored.length) setResponses((r) => ({ ...r, ...Object.fromEntries(restored.map((x) => [x.questionId, x.answer])) }));
    try {
      setFlags(JSON.parse(localStorage.getItem(`dx-exam-flags-${id}`) ?? "[]"));
    } catch {
      /* no flags */
    }
    void saver.pump();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const flush = useCallback(() => {
    for (const [qid, d] of debounces.current) {
      clearTimeout(d.timer);
      saver.enqueue(qid, d.answer);
    }
    debounces.current.clear();
  }, [saver]);

  const change = (qid: number, answer: ExamResponse) => {
    if (saver.q.current.closed || submitting) return;
    setResponses((r) => ({ ...r, [qid]: answer }));
    const old = debounces.current.get(qid);
    if (old) clearTimeout(old.timer);
    const timer = setTimeout(() => {
      debounces.current.delete(qid);
      saver.enqueue(qid, answer);
    }, DEBOUNCE_MS);
    debounces.current.set(qid, { timer, answer });
  };

  // Leaving the tab or window is counted once per absence; a reload keeps typed answers (pagehide flush)
  // and is not an absence: pagehide comes before the page turns hidden, so an unloading page counts nothing.
  useEffect(() => {
    let away = false;
    let unloading = false;
    const leave = () => {
      if (away || unloading) return;
      away = true;
      void fetch(`/exam-attempts/${id}/answers`, {
        method: "POST",
        keepalive: true,
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ type: "leave" }),
      }).catch(() => {});
    };
    const back = () => {
      away = false;
    };
    const visibility = () => (document.visibilityState === "hidden" ? leave() : back());
    document.addEventListener("visibilitychange", visibility);
    window.addEventListener("blur", leave);
    window.addEventListener("focus", back);
    const hide = () => {
      unloading = true;
      flush();
    };
    const show = () => {
      unloading = false;
    };
    window.addEventListener("pagehide", hide);
    window.addEventListener("pageshow", show);
    return () => {
      document.removeEventListener("visibilitychange", visibility);
      window.removeEventListener("blur", leave);
      window.removeEventListener("focus", back);
      window.removeEventListener("pagehide", hide);
      window.removeEventListener("pageshow", show);
    };
  }, [id, flush]);

  const submit = useCallback(
    async (why: "user" | "timeout") => {
      setSubmitting(why);
      setSubmitFailed(false);
      const run = ++submission.current;
      setConfirming(false);
      flush();
      // Every answer goes first; the server gives grace seconds after the deadline for this.
      const until = Date.now() + Math.max(5, p.attempt.graceSeconds - 5) * 1000;
      while (saver.q.current.items.length && !saver.q.current.closed && (why === "user" || Date.now() < until)) {
        if (submission.current !== run) return;
        void saver.pump();
        await new Promise((r) => setTimeout(r, 300));
      }
      for (;;) {
        if (submission.current !== run) return;
        try {
          const body = new URLSearchParams({ intent: "submit" });
          const res = await fetch(`/exam-attempts/${id}?index`, { method: "POST", body, redirect: "manual" });
          if (res.type === "opaqueredirect" || res.ok || res.status === 409) break;
        } catch {
          /* no network: said on the page, tried again below */
        }
        setSubmitFailed(true);
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
      try {
        localStorage.removeItem(`dx-exam-queue-${id}`);
        localStorage.removeItem(`dx-exam-flags-${id}`);
      } catch {
        /* nothing to clean */
      }
      navigate(`/exam-attempts/${id}/result`);
    },
    [flush, id, navigate, p.attempt.graceSeconds, saver],
  );

  // The countdown: the server's deadline against the server's clock (browser clock + measured offset).
  useEffect(() => {
    const tick = () => {
      const left = p.attempt.deadlineMs - (Date.now() + offset);
      setRemaining(left);
      if (left <= 60_000 && !warned.current.one) {
        warned.current.one = warned.current.five = true;
        setWarning("距离考试结束还有 1 分钟，时间到将自动交卷");
      } else if (left <= 300_000 && !warned.current.five) {
        warned.current.five = true;
        setWarning("距离考试结束还有 5 分钟");
      }
      if (left <= 0 && !warned.current.zero) {
        warned.current.zero = true;
        void submit("timeout");
      }
    };
    tick();
    const timer = setInterval(tick, 500);
    return () => clearInterval(timer);
  }, [offset, p.attempt.deadlineMs, submit]);

  useEffect(() => {
    if (saver.view.closed) {
      const t = setTimeout(() => navigate(`/exam-attempts/${id}/result`), 3000);
      return () => clearTimeout(t);
    }
  }, [saver.view.closed, id, navigate]);

  const toggleFlag = (qid: number) => {
    const next = flags.includes(qid) ? flags.filter((f) => f !== qid) : [...flags, qid];
    setFlags(next);
    try {
      localStorage.setItem(`dx-exam-flags-${id}`, JSON.stringify(next));
    } catch {
      /* flags are a convenience */
    }
  };

  const unanswered = p.questions.filter((q) => !isAnswered(responses[q.questionId]));
  const status = saveStatus(saver.view);
  const handing = submitting ? submitStatus(submitting, saver.view, submitFailed) : null;
  const warnConfirm = confirmWarning(saver.view);
  return (
    <div className="exam-layout">
      <div className="exam-bar card" role="region" aria-label="考试状态">
        <div className={`exam-clock${remaining <= 300_000 ? " urgent" : ""}`} aria-label="剩余时间">
          <span className="muted">剩余</span> <strong data-testid="countdown">{formatRemaining(remaining)}</strong>
        </div>
        <div className={`exam-save ${status.tone}`} role="status" aria-live="polite" data-testid="save-status">
          {status.text}
        </div>
        <button type="button" className="btn primary" onClick={() => setConfirming(true)} disabled={Boolean(submitting)}>
          交卷
        </button>
        {handing ? (
          <div className={`alert ${handing.waiting ? "warn" : "ok"}`} role="status" data-testid="submit-status">
            {handing.text}
            {handing.waiting && submitting === "user" ? (
              <button
                type="button"
                className="btn small"
                onClick={() => {
                  submission.current++;
                  setSubmitting(null);
                }}
              >
                继续作答
              </button>
            ) : null}
          </div>
        ) : null}
      </div>
      {saver.view.message ? (
        <p className="alert error" role="alert">
          {saver.view.message}
        </p>
      ) : null}
      {warning ? (
        <p className="alert warn" role="alert">
          {warning}
        </p>
      ) : null}
      <nav className="exam-nav card" aria-label="题目导航">
        {p.questions.map((q) => {
          const answered = isAnswered(responses[q.questionId]);
          const flagged = flags.includes(q.questionId);
          return (
            <a
              key={q.questionId}
              href={`#q-${q.position}`}
              className={`exam-nav-item${answered ? " answered" : ""}${flagged ? " flagged" : ""}`}
              title={`${answered ? "已答" : "未答"}${flagged ? "，已标记" : ""}`}
            >
              {q.position}
            </a>
          );
        })}
        <p className="exam-legend muted">
          <span className="exam-nav-item answered">已答</span> <span className="exam-nav-item">未答</span> <span className="exam-nav-item flagged">标记</span>
        </p>
      </nav>
      <div className="stack exam-questions">
        {p.questions.map((q) => (
          <QuestionCard key={q.questionId} q={q} flagged={flags.includes(q.questionId)} onFlag={() => toggleFlag(q.questionId)}>
            <QuestionInputs q={q} value={responses[q.questionId]} onChange={(r) => change(q.questionId, r)} />
          </QuestionCard>
        ))}
        <div className="card exam-pager">
          <span className="muted">
            已答 {p.questions.length - unanswered.length} / {p.questions.length} 题
          </span>
          <button type="button" className="btn primary" onClick={() => setConfirming(true)} disabled={Boolean(submitting)}>
            交卷
          </button>
        </div>
      </div>
      <Dialog open={confirming} onClose={() => setConfirming(false)} labelledBy="confirm-title" className="exam-dialog">
        <h2 id="confirm-title">确认交卷</h2>
        {unanswered.length ? (
          <p className="alert warn">
            以下 {unanswered.length} 道题尚未作答：{unanswered.map((q) => `第 ${q.position} 题`).join("、")}
          </p>
        ) : (
          <p>全部题目均已作答。</p>
        )}
        <p>交卷后不能再修改答案。</p>
        {warnConfirm ? <p className="alert warn">{warnConfirm}</p> : null}
        <div className="row-actions">
          <button type="button" className="btn primary" onClick={() => void submit("user")}>
            确认交卷
          </button>
          <button type="button" className="btn" onClick={() => setConfirming(false)} data-autofocus>
            返回检查
          </button>
        </div>
      </Dialog>
    </div>
  );
}

export function ExamAttempt(p: ExamAttemptProps) {
  // The server render (and a browser without JavaScript) gets the paged form; after hydration the
  // one-page exam takes over.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return (
    <div className="stack exam-page">
      <div className="page-head">
        <h1>{p.attempt.examTitle}</h1>
        <Link to={`/courses/${p.attempt.courseSlug}/exams/${p.attempt.examKey}`} className="muted">
          第 {p.attempt.attemptNo} 次作答
        </Link>
      </div>
      <a className="skip-link" href="#q-1">
        跳到第一题
      </a>
      <FormAlert result={p.result} />
      {hydrated ? <InteractiveExam {...p} /> : <PagedExam {...p} />}
    </div>
  );
}
