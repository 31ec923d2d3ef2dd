// zxcvbn's estimate of a chosen password (with its common-password, name and keyboard lists). On a long,
// patterned input it spends up to a few hundred milliseconds of CPU, so it runs in a worker thread of its
// own and no other request waits for it.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

export type Strength = { score: number; patterns: { pattern: string; length: number; dictionaryName: string | null }[] };

// Only the first 64 characters are estimated, and l33t substitutions are bounded: both keep one estimate
// well under a second even for inputs made to be slow.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { zxcvbn, zxcvbnOptions } = require(workerData.core);
const common = require(workerData.common);
zxcvbnOptions.setOptions({ dictionary: common.dictionary, graphs: common.adjacencyGraphs, maxLength: 64, l33tMaxSubstitutions: 10 });
parentPort.on("message", ({ id, password, inputs }) => {
  const r = zxcvbn(password, inputs);
  parentPort.postMessage({ id, score: r.score, patterns: r.sequence.map((m) => ({ pattern: m.pattern, length: m.token.length, dictionaryName: m.dictionaryName || null })) });
});
`;

let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, { resolve: (s: Strength) => void; reject: (e: Error) => void }>();

function getWorker(): Worker {
  if (worker) return worker;
  const require = createRequire(import.meta.url);
  const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { core: require.resolve("@zxcvbn-ts/core"), common: require.resolve("@zxcvbn-ts/language-common") } });
  w.unref(); // an idle estimator never keeps the process alive
  w.on("message", (m: Strength & { id: number }) => {
    waiting.get(m.id)?.resolve({ score: m.score, patterns: m.patterns });
    waiting.delete(m.id);
  });
  const fail = (e: Error) => {
    worker = undefined;
    for (const p of waiting.values()) p.reject(e);
    waiting.clear();
  };
  w.on("error", fail);
  w.on("exit", () => fail(new Error("password strength worker stopped")));
  return (worker = w);
}

/** zxcvbn's score (0–4) and the patterns it found, computed off the event loop. */
export function estimateStrength(password: string, inputs: string[]): Promise<Strength> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    getWorker().postMessage({ id, password, inputs });
  });
}
