// China Standard Time (UTC+8, no daylight saving): the one home for turning instants into the school's
// days and clock times and back. Pure, so the browser uses the same rules as the server.

const OFFSET = 8 * 3600;
const pad = (n: number) => String(n).padStart(2, "0");
/** A Date whose UTC fields read as Beijing wall-clock time. */
const wall = (unixSeconds: number) => new Date((unixSeconds + OFFSET) * 1000);

/** YYYY-MM-DD in China Standard Time. */
export function cstDate(unixSeconds: number): string {
  return wall(unixSeconds).toISOString().slice(0, 10);
}

/** hh:mm:ss of a unix time in China Standard Time, whatever the browser's zone or clock. */
export function cstClock(unixSeconds: number): string {
  const d = wall(unixSeconds);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** `YYYY-MM-DD HH:mm` in China Standard Time. */
export function formatDateTime(unixSeconds: number): string {
  const d = wall(unixSeconds);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** An opening window in words: "不限时间", "2026-05-01 08:00 起", "至 2026-05-31 18:00" or "… 至 …". */
export function formatWindow(opensAt: number | null, closesAt: number | null): string {
  if (opensAt === null && closesAt === null) return "不限时间";
  if (closesAt === null) return `${formatDateTime(opensAt!)} 起`;
  if (opensAt === null) return `至 ${formatDateTime(closesAt)}`;
  return `${formatDateTime(opensAt)} 至 ${formatDateTime(closesAt)}`;
}

/** `YYYY-MM-DD HH:mm:ss` in China Standard Time (exports written as text). */
export function cstDateTimeText(unixSeconds: number): string {
  return wall(unixSeconds).toISOString().slice(0, 19).replace("T", " ");
}

/** A Date whose UTC fields are the Beijing wall-clock time (what a spreadsheet cell should show). */
export const cstWallDate = wall;

/** Unix seconds of 00:00 China Standard Time on a YYYY-MM-DD day. */
export function cstMidnight(day: string): number {
  return Date.parse(`${day}T00:00:00+08:00`) / 1000;
}

/** `YYYY-MM-DD HH:mm` in China Standard Time → unix seconds, or null when malformed or not a real date. */
export function parseCstTime(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h - 8, mi);
  const check = new Date(ms + OFFSET * 1000);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59) return null;
  return ms / 1000;
}

/** Today's YYYY-MM-DD in China Standard Time. */
export function cstToday(nowSeconds = Math.floor(Date.now() / 1000)): string {
  return cstDate(nowSeconds);
}

/** True for a real calendar day written YYYY-MM-DD (a day a branch decided something on). */
export function isCstDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const t = cstMidnight(text);
  return Number.isFinite(t) && cstDate(t) === text;
}

/** The same day `months` calendar months later (Jan 31 + 1 month = the last day of February). */
export function addMonthsToDay(day: string, months: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const first = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return first.toISOString().slice(0, 10);
}
