// The one way an action refuses a form: `fail(message, errors?, status?)` answers
// `{ ok: false, message, errors }` (see form-result.ts), so every page shows it the same way.
import { data } from "@remix-run/node";
import type { FormFailure } from "./form-result.ts";

/** A refusal (400 unless said): the form-level message and, when known, the fields at fault and the problems behind it. */
export function fail(message: string, errors: Record<string, string> = {}, status = 400, details?: string[]) {
  return data<FormFailure>(details?.length ? { ok: false, message, errors, details } : { ok: false, message, errors }, { status });
}

/** A refusal of a failed `parseForm`: its first message for the form, every field's own message. */
export function failParsed(parsed: { message: string; errors: Record<string, string> }, status = 400) {
  return fail(parsed.message, parsed.errors, status);
}

/** A refusal from a model's error that may name the field at fault (`field`) and its status. */
export function failWith(e: { message: string; field?: string; status?: number }) {
  return fail(e.message, e.field ? { [e.field]: e.message } : {}, e.status);
}
