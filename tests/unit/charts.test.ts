// @vitest-environment jsdom
// The server-rendered SVG charts: well-formed SVG (parsed as XML), announced as one image with a title
// and description, scaled by viewBox to the width available, the numbers in the drawing and again in
// the table below, hostile labels escaped, and the binning behind the histograms.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { BarChart, evenEdges, Histogram, histogramBins } from "../../app/utils/charts.ts";

/** The <svg> of a figure parsed as a standalone XML document (throws on anything malformed). */
function svgOf(html: string): Document {
  const svg = /<svg[\s\S]*<\/svg>/.exec(html)?.[0];
  if (!svg) throw new Error("no svg");
  const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
  const error = doc.getElementsByTagName("parsererror")[0];
  if (error) throw new Error(`invalid SVG: ${error.textContent}`);
  return doc;
}

const figureOf = (html: string) => {
  const div = document.createElement("div");
  div.innerHTML = html;
  return div.querySelector("figure")!;
};

const SERIES = [
  { key: "progress", label: "学习中", color: "#d9a200" },
  { key: "completed", label: "已结业", color: "#2e7d32" },
  { key: "failed", label: "未通过", color: "#c8161d" },
];

describe("BarChart", () => {
  const html = renderToStaticMarkup(
    createElement(BarChart, {
      title: "各培训班学员状态",
      rowHeading: "培训班",
      series: SERIES,
      data: [
        { label: "第12期入党积极分子培训班", values: { progress: 30, completed: 12, failed: 3 } },
        { label: '<script>alert("x")</script>&班', values: { progress: 0, completed: 7, failed: 0 } },
      ],
    }),
  );

  it("is a well-formed, accessible SVG that scales to its container", () => {
    const doc = svgOf(html);
    const svg = doc.documentElement;
    expect(svg.getAttribute("role")).toBe("img");
    expect(svg.getAttribute("viewBox")).toMatch(/^0 0 400 \d+$/);
    expect(svg.getAttribute("width")).toBe("100%");
    const [titleId, descId] = svg.getAttribute("aria-labelledby")!.split(" ");
    expect(doc.getElementById(titleId!)?.textContent).toBe("各培训班学员状态");
    expect(doc.getElementById(descId!)?.textContent).toContain("第12期入党积极分子培训班：共 45 人，学习中 30，已结业 12，未通过 3");
  });

  it("draws bars proportional to the numbers, skipping zero segments, with totals", () => {
    const doc = svgOf(html);
    const bars = [...doc.querySelectorAll("rect")].filter((r) => r.querySelector("title"));
    expect(bars.map((b) => b.querySelector("title")!.textContent)).toEqual([
      "第12期入党积极分子培训班 · 学习中：30 人",
      "第12期入党积极分子培训班 · 已结业：12 人",
      "第12期入党积极分子培训班 · 未通过：3 人",
      '<script>alert("x")</script>&班 · 已结业：7 人',
    ]);
    const width = (i: number) => Number(bars[i]!.getAttribute("width"));
    expect(width(0) / width(1)).toBeCloseTo(30 / 12, 5);
    expect(width(3) / width(1)).toBeCloseTo(7 / 12, 5);
    const texts = [...doc.querySelectorAll("text")].map((t) => t.textContent);
    expect(texts).toContain("45 人");
    expect(texts).toContain("7 人");
  });

  it("escapes labels and repeats the numbers in a table", () => {
    expect(html).not.toContain("<script>");
    const table = figureOf(html).querySelector("table")!;
    const rows = [...table.querySelectorAll("tr")].map((tr) => [...tr.children].map((c) => c.textContent));
    expect(rows).toEqual([
      ["培训班", "学习中", "已结业", "未通过", "合计"],
      ["第12期入党积极分子培训班", "30", "12", "3", "45"],
      ['<script>alert("x")</script>&班', "0", "7", "0", "7"],
    ]);
  });

  it("says so when there is nothing to draw", () => {
    const empty = renderToStaticMarkup(createElement(BarChart, { title: "空", rowHeading: "培训班", series: SERIES, data: [] }));
    expect([...svgOf(empty).querySelectorAll("text")].map((t) => t.textContent)).toContain("暂无数据");
  });
});

describe("Histogram", () => {
  const bins = histogramBins([0, 5, 10, 59.9, 60, 99, 100, 100, 120, -3], evenEdges(100, 10));

  it("bins half-open intervals, the last one closed, out-of-range values clamped", () => {
    expect(bins.map((b) => b.count)).toEqual([3, 1, 0, 0, 0, 1, 1, 0, 0, 4]);
    expect(bins[0]).toMatchObject({ from: 0, to: 10, label: "0–10" });
    expect(evenEdges(24, 4)).toEqual([0, 6, 12, 18, 24]);
    expect(() => histogramBins([1], [0])).toThrow();
  });

  it("renders a valid SVG with the counts and edges, and a table", () => {
    const html = renderToStaticMarkup(createElement(Histogram, { title: "考试成绩分布", bins, xLabel: "考试成绩（分）" }));
    const doc = svgOf(html);
    expect(doc.documentElement.getAttribute("role")).toBe("img");
    expect(doc.querySelector("title")!.textContent).toBe("考试成绩分布");
    expect(doc.querySelector("desc")!.textContent).toContain("共 10 人");
    const bars = [...doc.querySelectorAll("rect")];
    expect(bars).toHaveLength(5); // empty bins draw no bar
    const tallest = bars.find((b) => b.querySelector("title")!.textContent === "90–100：4 人")!;
    const one = bars.find((b) => b.querySelector("title")!.textContent === "10–20：1 人")!;
    expect(Number(tallest.getAttribute("height")) / Number(one.getAttribute("height"))).toBeCloseTo(4, 5);
    const texts = [...doc.querySelectorAll("text")].map((t) => t.textContent);
    expect(texts).toEqual(expect.arrayContaining(["0", "50", "100", "4", "3", "考试成绩（分）"]));
    const rows = [...figureOf(html).querySelectorAll("tbody tr")].map((tr) => [...tr.children].map((c) => c.textContent));
    expect(rows[0]).toEqual(["0–10", "3"]);
    expect(rows[9]).toEqual(["90–100", "4"]);
  });
});
