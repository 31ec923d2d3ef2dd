// How every form shows a refusal in the shared shape (utils/form-result.ts): the form-level message in
// a role="alert" region, and each field's own message next to it, tied to the field with
// aria-invalid and aria-describedby.
import { fieldError, isFailure } from "~/utils/form-result.ts";

/** The id of a field's message; `form` tells apart fields of the same name in several forms on a page. */
const errorId = (form: string, name: string) => `${form}-${name}-error`;

/**
 * Props for a field: its name, and when the answer blames it, aria-invalid and aria-describedby pointing
 * at its message (render `<FieldError>` with the same form and name next to it).
 */
export function fieldProps(result: unknown, form: string, name: string) {
  const message = fieldError(result, name);
  return { name, "aria-invalid": message ? (true as const) : undefined, "aria-describedby": message ? errorId(form, name) : undefined };
}

/** The field's message, if the answer blames it. */
export function FieldError({ result, form, name }: { result: unknown; form: string; name: string }) {
  const message = fieldError(result, name);
  return message ? (
    <small className="field-error" id={errorId(form, name)}>
      {message}
    </small>
  ) : null;
}

/** The form-level message of a refusal (with its list of problems, if any), announced by screen readers. */
export function FormAlert({ result }: { result: unknown }) {
  if (!isFailure(result)) return null;
  if (!result.details?.length)
    return (
      <p className="alert error" role="alert">
        {result.message}
      </p>
    );
  return (
    <div className="alert error" role="alert">
      <p>{result.message}</p>
      <ul>
        {result.details.map((d) => (
          <li key={d}>{d}</li>
        ))}
      </ul>
    </div>
  );
}

/** An action's answer: a refusal as FormAlert does, a success's message (`{ ok: true, message }`) as a status. */
export function FormOutcome({ result }: { result: unknown }) {
  if (isFailure(result)) return <FormAlert result={result} />;
  const message = (result as { ok?: unknown; message?: unknown } | undefined)?.ok === true ? (result as { message?: unknown }).message : null;
  return typeof message === "string" ? (
    <p className="alert ok" role="status">
      {message}
    </p>
  ) : null;
}
