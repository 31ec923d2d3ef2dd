// Charts rendered on the server as inline SVG (no chart needs JavaScript): a stacked horizontal bar
// chart and a histogram. Each is a <figure> with an SVG that scales to the width of a phone (viewBox,
// width 100%), is announced as one image with a title and a description (role="img"), and is followed
// by the same numbers as a table; its text inherits the page's font. Written with createElement so it
// stays a .ts file that the browser can load too; text goes through React, so labels (class and unit
// names) are always escaped.
import { createElement as h, useId, type ReactElement } from "react";

export type Series = { key: string; label: string; color: string };
type BarDatum = { label: string; values: Record<string, number> };
/** A bin [from, to); `open` for a last bin without an upper edge (to = Infinity, which JSON turns into null). */
type Bin = { from: number; to: number; label: string; count: number; open?: boolean };

const W = 400;
const INK = "#333333";
const MUTED = "#777777";

const fmt = (n: number) => String(Math.round(n * 10) / 10);

/** Bins [edge0, edge1), [edge1, edge2) … the last bin includes its upper edge; values outside are clamped into the end bins. */
export function histogramBins(
  values: number[],
  edges: number[],
  label: (from: number, to: number, last: boolean) => string = (a, b) => `${fmt(a)}–${fmt(b)}`,
): Bin[] {
  if (edges.length < 2) throw new Error("histogramBins needs at least two edges");
  const bins: Bin[] = edges.slice(0, -1).map((from, i) => ({ from, to: edges[i + 1]!, label: label(from, edges[i + 1]!, i === edges.length - 2), count: 0 }));
  if (!Number.isFinite(edges[edges.length - 1]!)) bins[bins.length - 1]!.open = true;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    let i = bins.findIndex((b) => v < b.to);
    if (i === -1) i = bins.length - 1;
    bins[i]!.count++;
  }
  return bins;
}

/** Evenly spaced edges from 0 to `max` in `count` bins (e.g. 0, 10, … 100). */
export function evenEdges(max: number, count: number): number[] {
  return Array.from({ length: count + 1 }, (_, i) => Math.round(((max * i) / count) * 100) / 100);
}

/** The chart's numbers as a table, folded away (without JavaScript, by <details>) when it is long. */
function NumbersTable({ caption, head, rows }: { caption: string; head: string[]; rows: (string | number)[][] }) {
  return h(
    "details",
    { className: "chart-table", open: rows.length <= 12 },
    h("summary", null, `数据表（${rows.length} 行）`),
    h(
      "div",
      { className: "table-wrap", tabIndex: 0 },
      h(
        "table",
        null,
        h("caption", { className: "sr-only" }, caption),
        h("thead", null, h("tr", null, ...head.map((c, i) => h("th", { key: i, scope: "col" }, c)))),
        h(
          "tbody",
          null,
          ...rows.map((r, i) => h("tr", { key: i }, ...r.map((c, j) => (j === 0 ? h("th", { key: j, scope: "row" }, c) : h("td", { key: j }, c))))),
        ),
      ),
    ),
  );
}

function svgFrame(id: string, title: string, desc: string, height: number, children: ReactElement[]) {
  return h(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      viewBox: `0 0 ${W} ${height}`,
      width: "100%",
      role: "img",
      "aria-labelledby": `${id}-t ${id}-d`,
      preserveAspectRatio: "xMinYMin meet",
    },
    h("title", { id: `${id}-t` }, title),
    h("desc", { id: `${id}-d` }, desc),
    ...children,
  );
}

/**
 * One horizontal bar per datum, its series stacked left to right, the label above the bar (long
 * Chinese class names fit a phone that way) and the total at its end. Zero segments are not drawn.
 */
export function BarChart({
  title,
  rowHeading,
  series,
  data,
  unit = "人",
  empty = "暂无数据",
}: {
  title: string;
  /** What each bar is (培训班, 单位): the heading of the numbers table's first column. */
  rowHeading: string;
  series: Series[];
  data: BarDatum[];
  unit?: string;
  empty?: string;
}): ReactElement {
  const id = useId().replace(/:/g, "");
  const totals = data.map((d) => series.reduce((n, s) => n + (d.values[s.key] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const legendH = 26;
  const rowH = 44;
  const barH = 16;
  const left = 4;
  const right = 48;
  const height = legendH + Math.max(1, data.length) * rowH + 6;
  const children: ReactElement[] = [];
  let x = left;
  series.forEach((s) => {
    children.push(h("rect", { key: `lg-${s.key}`, x, y: 6, width: 11, height: 11, rx: 2, fill: s.color }));
    children.push(h("text", { key: `lt-${s.key}`, x: x + 15, y: 16, fontSize: 11, fill: INK }, s.label));
    x += 15 + s.label.length * 11 + 14;
  });
  if (!data.length) {
    children.push(h("text", { key: "empty", x: W / 2, y: legendH + 26, fontSize: 13, fill: MUTED, textAnchor: "middle" }, empty));
  }
  data.forEach((d, i) => {
    const y = legendH + i * rowH;
    children.push(h("text", { key: `l${i}`, x: left, y: y + 14, fontSize: 12, fill: INK }, d.label));
    let at = left;
    const scale = (W - left - right) / max;
    for (const s of series) {
      const v = d.values[s.key] ?? 0;
      if (v <= 0) continue;
      const w = v * scale;
      children.push(
        h(
          "rect",
          { key: `b${i}-${s.key}`, x: at, y: y + 20, width: w, height: barH, fill: s.color },
          h("title", null, `${d.label} · ${s.label}：${fmt(v)} ${unit}`),
        ),
      );
      at += w;
    }
    children.push(h("text", { key: `v${i}`, x: at + 4, y: y + 32, fontSize: 11, fill: MUTED }, `${fmt(totals[i]!)} ${unit}`));
  });
  const desc = data.length
    ? data.map((d, i) => `${d.label}：共 ${fmt(totals[i]!)} ${unit}，${series.map((s) => `${s.label} ${fmt(d.values[s.key] ?? 0)}`).join("，")}`).join("；")
    : empty;
  return h(
    "figure",
    { className: "chart" },
    h("figcaption", null, title),
    svgFrame(id, title, desc, height, children),
    NumbersTable({
      caption: title,
      head: [rowHeading, ...series.map((s) => s.label), "合计"],
      rows: data.map((d, i) => [d.label, ...series.map((s) => fmt(d.values[s.key] ?? 0)), fmt(totals[i]!)]),
    }),
  );
}

/**
 * Vertical bars for consecutive bins with the count above each bar and the bin edges on the axis.
 * `xLabel` names what was binned (e.g. 已修学时占应修学时 %).
 */
export function Histogram({
  title,
  bins,
  xLabel,
  unit = "人",
  color = "#c8161d",
  empty = "暂无数据",
}: {
  title: string;
  bins: Bin[];
  xLabel: string;
  unit?: string;
  color?: string;
  empty?: string;
}): ReactElement {
  const id = useId().replace(/:/g, "");
  const height = 200;
  const top = 18;
  const bottom = 40;
  const left = 10;
  const right = 10;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...bins.map((b) => b.count));
  const bw = (W - left - right) / Math.max(1, bins.length);
  const total = bins.reduce((n, b) => n + b.count, 0);
  const children: ReactElement[] = [h("line", { key: "axis", x1: left, x2: W - right, y1: top + plotH, y2: top + plotH, stroke: MUTED, strokeWidth: 1 })];
  bins.forEach((b, i) => {
    const bh = (b.count / max) * plotH;
    const x = left + i * bw;
    if (b.count > 0)
      children.push(
        h(
          "rect",
          { key: `r${i}`, x: x + 1.5, y: top + plotH - bh, width: bw - 3, height: bh, fill: color },
          h("title", null, `${b.label}：${b.count} ${unit}`),
        ),
      );
    children.push(h("text", { key: `c${i}`, x: x + bw / 2, y: top + plotH - bh - 4, fontSize: 10, fill: INK, textAnchor: "middle" }, String(b.count)));
    children.push(h("text", { key: `e${i}`, x, y: top + plotH + 13, fontSize: 9, fill: MUTED, textAnchor: i === 0 ? "start" : "middle" }, fmt(b.from)));
  });
  const lastBin = bins[bins.length - 1];
  // An open last bin (e.g. "≥ 100%") has no right edge to label.
  if (lastBin && !lastBin.open)
    children.push(h("text", { key: "end", x: W - right, y: top + plotH + 13, fontSize: 9, fill: MUTED, textAnchor: "end" }, fmt(lastBin.to)));
  children.push(h("text", { key: "xl", x: W / 2, y: height - 6, fontSize: 11, fill: INK, textAnchor: "middle" }, xLabel));
  if (!total) children.push(h("text", { key: "empty", x: W / 2, y: top + plotH / 2, fontSize: 13, fill: MUTED, textAnchor: "middle" }, empty));
  const desc = total ? `${xLabel}，共 ${total} ${unit}：${bins.map((b) => `${b.label} ${b.count}`).join("，")}` : empty;
  return h(
    "figure",
    { className: "chart" },
    h("figcaption", null, title),
    svgFrame(id, title, desc, height, children),
    NumbersTable({ caption: title, head: [xLabel, `人数（${unit}）`], rows: bins.map((b) => [b.label, b.count]) }),
  );
}
