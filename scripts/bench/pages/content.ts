// The honest-comparison check for pages: the app's page and the fair baseline's page must show the
// same thing — the same <title> and the same rendered shell and page (from <div class="shell"> to
// </footer>) once what only differs by framework is set aside: the attribute React Router adds to links
// for lazy route discovery, and per-request nonces.
function keyContent(html: string): { title: string; body: string } {
  const title = /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? "";
  const from = html.indexOf('<div class="shell">');
  const to = html.indexOf("</footer>");
  const body = from >= 0 && to > from ? html.slice(from, to) : "";
  return { title, body: body.replaceAll(' data-discover="true"', "").replace(/ nonce="[^"]*"/g, "") };
}

/** Null when both pages carry the same content, else where they first differ. */
export function sameContent(app: string, baseline: string): string | null {
  const a = keyContent(app);
  const b = keyContent(baseline);
  if (!a.body) return "the app's page has no shell";
  if (a.title !== b.title) return `title: app "${a.title}", baseline "${b.title}"`;
  if (a.body === b.body) return null;
  let i = 0;
  while (a.body[i] === b.body[i]) i++;
  return `body differs at ${i}: app …${a.body.slice(Math.max(0, i - 80), i + 120)}… baseline …${b.body.slice(Math.max(0, i - 80), i + 120)}…`;
}
