// The CPU-heavy tasks that run in worker threads (app/utils/workers.server.ts), so that no request waits
// while another one's large form is decoded, its course parsed or its Markdown rendered. This module is
// also the workers' entry file: under `npm run build` it is built on its own into build/server/worker.js
// (see vite.config.ts), in tests and the dev server it is loaded from source through tsx.
import { parentPort, workerData } from "node:worker_threads";
import { parseBankFile } from "./bank-import/detect.server.ts";
import { parseCourse } from "./course-format.server.ts";
import { renderMarkdown, type RenderMarkdownOptions } from "./markdown.server.ts";
import { readRosterFile } from "./roster-import.server.ts";

export type Strength = { score: number; patterns: { pattern: string; length: number; dictionaryName: string | null }[] };

let zxcvbn: typeof import("@zxcvbn-ts/core").zxcvbn | undefined;

export const TASKS = {
  /** The entries of a urlencoded body (URLSearchParams spends about 40 ms per MB). */
  formEntries: (text: string): [string, string][] => [...new URLSearchParams(text)],
  markdown: ({ md, opts }: { md: string; opts?: RenderMarkdownOptions }) => renderMarkdown(md, opts),
  /** A course folder through the course parser (a 1 MB bank file takes about half a second). */
  parseCourse: ({ dir, label }: { dir: string; label?: string }) => parseCourse(dir, label),
  /** A question-bank file (Excel, GIFT, Aiken, Markdown) read for an import's preview and confirm. */
  bankFile: ({ bytes, fileName, media }: { bytes: Uint8Array; fileName: string; media?: string[] }) => parseBankFile(bytes, fileName, { media }),
  /** A roster file (Excel or CSV, up to 10 MB) read for an import's preview and confirm. */
  rosterFile: ({ bytes, fileName }: { bytes: Uint8Array; fileName: string }) => readRosterFile(bytes, fileName),
  /**
   * zxcvbn's estimate with its common-password, name and keyboard lists, loaded on first use. Only the
   * first 64 characters are estimated and l33t substitutions are bounded: an input made to be slow still
   * takes well under a second.
   */
  strength: async ({ password, inputs }: { password: string; inputs: string[] }): Promise<Strength> => {
    if (!zxcvbn) {
      const [core, common] = await Promise.all([import("@zxcvbn-ts/core"), import("@zxcvbn-ts/language-common")]);
      core.zxcvbnOptions.setOptions({ dictionary: common.dictionary, graphs: common.adjacencyGraphs, maxLength: 64, l33tMaxSubstitutions: 10 });
      zxcvbn = core.zxcvbn;
    }
    const r = zxcvbn(password, inputs);
    return {
      score: r.score,
      patterns: r.sequence.map((m) => ({
        pattern: m.pattern,
        length: m.token.length,
        dictionaryName: (m as { dictionaryName?: string }).dictionaryName || null,
      })),
    };
  },
};

export type Tasks = typeof TASKS;
export type TaskMessage = { id: number; task: keyof Tasks; arg: unknown };
export type TaskAnswer = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

// Inert in the main thread: only a worker started by workers.server.ts answers messages.
if (parentPort && (workerData as { role?: string } | null)?.role === "tasks") {
  const port = parentPort;
  port.on("message", async ({ id, task, arg }: TaskMessage) => {
    try {
      const run = TASKS[task] as (a: unknown) => unknown;
      port.postMessage({ id, ok: true, value: await run(arg) } satisfies TaskAnswer);
    } catch (e) {
      port.postMessage({ id, ok: false, message: e instanceof Error ? e.message : String(e) } satisfies TaskAnswer);
    }
  });
}
