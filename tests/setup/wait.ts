/**
 * Waits for a condition instead of a fixed time: polls every `everyMs` until it holds, and fails with
 * `what` only after `timeoutMs` — a limit meant for a stalled run, not a speed the test expects.
 */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, { timeoutMs = 60_000, everyMs = 20 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
