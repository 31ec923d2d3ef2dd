// The one shape every form action answers a refusal with, shared by the server helper
// (form-result.server.ts) and the components that show it (components/FormErrors.tsx).

/**
 * A refused form: `message` for the whole form, `errors` per field name (only the fields at fault), and
 * `details` for a list of problems behind the message (the bad rows of an import, a draft's file:line).
 */
export type FormFailure = { ok: false; message: string; errors: Record<string, string>; details?: string[] };

/** True when an action's answer is a refusal in the shared shape. */
export function isFailure(result: unknown): result is FormFailure {
  return (
    typeof result === "object" && result !== null && (result as { ok?: unknown }).ok === false && typeof (result as { message?: unknown }).message === "string"
  );
}

/** The message for one field, if the answer blames it. */
export function fieldError(result: unknown, name: string): string | undefined {
  return isFailure(result) ? result.errors?.[name] : undefined;
}
