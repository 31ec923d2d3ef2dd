// The one check for redirect targets that come from a request (?redirectTo=, a form's returnTo …).

const ORIGIN = "http://same-origin.invalid";

/**
 * A same-origin path ("/courses?x=1#y") to redirect to, or `fallback`. The target is resolved the way a
 * browser resolves a Location header (the WHATWG URL parser: tabs and newlines dropped, "\" read as "/",
 * percent-encoding kept) against a placeholder origin, and kept only when it stays on that origin. Anything
 * a browser would clean up first (control characters, leading or trailing spaces) is refused outright, and
 * so is a path whose decoded form starts with two slashes (tabs and newlines dropped), in case some layer
 * decodes it before redirecting.
 * The result is the parser's own serialization, so the Location header says exactly what was checked.
 */
export function safeRedirect(to: unknown, fallback = "/"): string {
  if (typeof to !== "string" || to.length === 0 || to.length > 2048) return fallback;
  if (!to.startsWith("/") || /[\u0000-\u001f\u007f]/.test(to)) return fallback;
  let url: URL;
  try {
    url = new URL(to, ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== ORIGIN || url.username || url.password) return fallback;
  if (/^[/\\]{2}/.test(decodeFully(url.pathname).replace(/[\t\n\r]/g, ""))) return fallback;
  return url.pathname + url.search + url.hash;
}

/** Percent-decoding repeated until nothing changes (bounded), "%2f%2f" and "%252f" alike. */
function decodeFully(s: string): string {
  for (let i = 0; i < 4; i++) {
    let next: string;
    try {
      next = decodeURIComponent(s);
    } catch {
      return s;
    }
    if (next === s) return s;
    s = next;
  }
  return s;
}
