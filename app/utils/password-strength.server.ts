// zxcvbn's estimate of a chosen password (with its common-password, name and keyboard lists). On a long,
// patterned input it spends up to a few hundred milliseconds of CPU, so it runs in a worker thread
// (app/utils/worker-tasks.server.ts) and no other request waits for it.
import { runTask } from "./workers.server.ts";
export type { Strength } from "./worker-tasks.server.ts";

/** zxcvbn's score (0–4) and the patterns it found, computed off the event loop. */
export const estimateStrength = (password: string, inputs: string[]) => runTask("strength", { password, inputs });
