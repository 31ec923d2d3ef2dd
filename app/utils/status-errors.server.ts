/** An error a model throws with the HTTP status and Chinese message the person should get. */
type StatusError = abstract new (...args: never[]) => Error & { status: number };

/** Awaits `p`; a model error of one of `kinds` becomes the Response a loader throws (404, 403 …). */
export async function orStatus<T>(p: Promise<T>, ...kinds: StatusError[]): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (kinds.some((k) => e instanceof k)) throw new Response((e as Error).message, { status: (e as { status: number }).status });
    throw e;
  }
}
