// A small pool of worker threads for the tasks in worker-tasks.server.ts: the one place where CPU-heavy
// work leaves the event loop. Workers start on first use, idle ones never keep the process alive, and a
// worker that dies fails only the task it held and is replaced on the next call.
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { TaskAnswer, TaskMessage, Tasks } from "./worker-tasks.server.ts";

/** Two workers: on the 2-core machine one core stays with the event loop whatever the tasks do. */
const POOL_SIZE = Math.max(1, Math.min(2, os.availableParallelism() - 1));

type Job = { message: TaskMessage; resolve: (v: unknown) => void; reject: (e: Error) => void };
type Slot = { worker: Worker; job: Job | null };

const slots: Slot[] = [];
const queue: Job[] = [];
let nextId = 0;

/**
 * What a worker runs: the file next to the server bundle once built (build/server/worker.js), else this
 * folder's source through tsx's require hook (tests, dev server; Node 20 does not apply `--import` hooks
 * to a worker's entry file).
 */
function workerCode(): { code: string; eval: boolean } {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith(".ts")) return { code: path.join(path.dirname(here), "worker.js"), eval: false };
  const tsx = createRequire(import.meta.url).resolve("tsx/cjs/api");
  const file = path.join(path.dirname(here), "worker-tasks.server.ts");
  return { code: `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`, eval: true };
}

function start(): Slot {
  const { code, eval: isSource } = workerCode();
  const slot: Slot = { worker: new Worker(code, { eval: isSource, workerData: { role: "tasks" } }), job: null };
  slot.worker.unref();
  slot.worker.on("message", (answer: TaskAnswer) => {
    const job = slot.job;
    slot.job = null;
    slot.worker.unref();
    if (job) {
      if (answer.ok) job.resolve(answer.value);
      else job.reject(new Error(answer.message));
    }
    next();
  });
  const fail = (e: Error) => {
    slots.splice(slots.indexOf(slot) >>> 0, 1);
    slot.job?.reject(e);
    slot.job = null;
    next();
  };
  slot.worker.on("error", fail);
  slot.worker.on("exit", (code) => fail(new Error(`worker stopped (${code})`)));
  slots.push(slot);
  return slot;
}

function next() {
  while (queue.length) {
    const slot = slots.find((s) => !s.job) ?? (slots.length < POOL_SIZE ? start() : null);
    if (!slot) return;
    const job = queue.shift()!;
    slot.job = job;
    slot.worker.ref(); // a task in flight keeps the process alive until it is answered
    slot.worker.postMessage(job.message);
  }
}

/** Runs one task off the event loop; its argument and result are copied (structured clone). */
export function runTask<K extends keyof Tasks>(task: K, arg: Parameters<Tasks[K]>[0]): Promise<Awaited<ReturnType<Tasks[K]>>> {
  return new Promise((resolve, reject) => {
    queue.push({ message: { id: nextId++, task, arg }, resolve: resolve as (v: unknown) => void, reject });
    next();
  });
}
