// A trainee's training record (培训档案) as a one-page A4 PDF: who they are, totals, then tables of
// training classes, courses with 学时, exams, offline 学时, assignments and certificates, in Noto Serif
// SC (pdfkit embeds only the glyphs used). Everything is drawn at fixed positions without line breaks,
// so the document never runs onto a second page: the font shrinks to fit, and when even the smallest
// size cannot hold every row, the longest tables are cut with a line saying how many rows the Excel
// export has beyond it.
import fs from "node:fs";
import { createRequire } from "node:module";
import PDFDocument from "pdfkit";
import { chineseDate } from "~/utils/certificate-pdf.server.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";
import type { TrainingRecord } from "./record.server.ts";
import { LEDGER_STATUS_LABEL } from "~/utils/labels.ts";
import { DECIDED_STAGES, STAGE_EVENT_LABEL } from "~/utils/stage-rules.ts";
import { cstClock, cstDate } from "~/utils/cst.ts";

const require = createRequire(import.meta.url);
const FACES = {
  regular: "@expo-google-fonts/noto-serif-sc/400Regular/NotoSerifSC_400Regular.ttf",
  bold: "@expo-google-fonts/noto-serif-sc/700Bold/NotoSerifSC_700Bold.ttf",
} as const;
const faceCache = new Map<keyof typeof FACES, Buffer>();
/** The font files (≈ 15 MB each), read once per process. */
const face = (k: keyof typeof FACES) => faceCache.get(k) ?? faceCache.set(k, fs.readFileSync(require.resolve(FACES[k]))).get(k)!;

const PAGE = { w: 595.28, h: 841.89 };
const MARGIN = 40;
const INK = "#1f1f1f";
const MUTED = "#666666";
const RED = "#c8161d";
const RULE = "#cccccc";

type Column = { header: string; width: number; align?: "left" | "right" | "center" };
/** `nameLine`: a first cell too long for its column (a class's full name) gets a line of its own above the rest. */
type Table = { title: string; columns: Column[]; rows: string[][]; always?: boolean; nameLine?: boolean };

/** Whether a row's first cell takes its own line: wider than its column even at the 60 % shrink (CJK ≈ 1 em). */
const ownLine = (t: Table, row: string[], size: number) => !!t.nameLine && [...row[0]!].length * size * 0.6 > t.columns[0]!.width - 4;

const num = (n: number | null | undefined) => (n === null || n === undefined ? "—" : String(Math.round(n * 10) / 10));
const day = (t: number | null) => (t === null ? "—" : cstDate(t));

/** Column widths: fixed ones as given, `0` shares what is left equally. */
function layout(columns: Column[]): Column[] {
  const inner = PAGE.w - 2 * MARGIN;
  const fixed = columns.reduce((n, c) => n + c.width, 0);
  const flex = columns.filter((c) => c.width === 0).length;
  return columns.map((c) => (c.width === 0 ? { ...c, width: (inner - fixed) / Math.max(1, flex) } : c));
}

function tablesOf(r: TrainingRecord): Table[] {
  return [
    {
      title: "培训班",
      always: true,
      nameLine: true,
      columns: layout([
        { header: "培训班", width: 0 },
        { header: "期次", width: 28, align: "center" },
        { header: "培训时间", width: 112 },
        { header: "已修/应修学时", width: 62, align: "right" },
        { header: "综合", width: 32, align: "right" },
        { header: "等级", width: 34, align: "center" },
        { header: "结业", width: 34, align: "center" },
        { header: "证书编号", width: 96 },
      ]),
      rows: r.classes.map((c) => [
        c.className,
        String(c.term),
        `${c.startDate}至${c.endDate}`,
        `${num(c.hours)}/${num(c.requiredHours)}`,
        num(c.composite),
        c.band,
        LEDGER_STATUS_LABEL[c.status],
        c.certificateNumber ?? "—",
      ]),
    },
    {
      title: "课程与学时",
      always: true,
      columns: layout([
        { header: "课程", width: 0 },
        { header: "已学课时", width: 56, align: "center" },
        { header: "线上学时", width: 52, align: "right" },
        { header: "线下学时", width: 52, align: "right" },
        { header: "作业学时", width: 52, align: "right" },
        { header: "合计", width: 44, align: "right" },
      ]),
      rows: r.courses.map((c) => [
        c.title,
        `${c.lessonsDone}/${c.lessonsTotal}`,
        num(c.onlineHours),
        num(c.offlineHours),
        num(c.assignmentHours),
        num(c.hours),
      ]),
    },
    {
      title: "考试",
      columns: layout([
        { header: "考试", width: 0 },
        { header: "课程", width: 0 },
        { header: "次数", width: 30, align: "center" },
        { header: "成绩", width: 58, align: "right" },
        { header: "结果", width: 58, align: "center" },
        { header: "日期", width: 64 },
      ]),
      rows: r.exams.map((e) => [e.title, e.course, String(e.attempts), e.score === null ? "—" : `${num(e.score)}/${num(e.maxScore)}`, e.result, day(e.at)]),
    },
    {
      title: "线下学时",
      columns: layout([
        { header: "日期", width: 64 },
        { header: "类型", width: 52 },
        { header: "学时", width: 34, align: "right" },
        { header: "课程", width: 130 },
        { header: "事由（认定人）", width: 0 },
      ]),
      rows: r.offline.map((o) => [o.date, o.kind, num(o.hours), o.course || "—", `${o.reason}（${o.creditedBy}）`]),
    },
    {
      title: "作业",
      columns: layout([
        { header: "作业", width: 0 },
        { header: "课程", width: 0 },
        { header: "状态", width: 62, align: "center" },
        { header: "成绩", width: 58, align: "right" },
        { header: "日期", width: 64 },
      ]),
      rows: r.assignments.map((a) => [
        a.title,
        a.course,
        a.passed === null ? a.status : a.passed ? "合格" : "不合格",
        a.score === null ? "—" : `${num(a.score)}/${num(a.maxScore)}`,
        day(a.at),
      ]),
    },
    {
      title: "结业证书",
      always: true,
      columns: layout([
        { header: "证书编号", width: 104 },
        { header: "培训班", width: 0 },
        { header: "学时", width: 34, align: "right" },
        { header: "成绩", width: 34, align: "right" },
        { header: "等级", width: 34, align: "center" },
        { header: "发证日期", width: 64 },
        { header: "状态", width: 44, align: "center" },
      ]),
      rows: r.certificates.map((c) => [
        c.number,
        `${c.className}（第${c.term}期）`,
        num(c.hours),
        num(c.composite),
        c.band,
        day(c.issuedAt),
        c.revokedAt === null ? "有效" : "已撤销",
      ]),
    },
  ].filter((t) => t.always || t.rows.length > 0);
}

const SIZES = [9, 8.5, 8, 7.5, 7, 6.5];
const LINE = 1.6; // line height in font sizes
const SECTION = 2.2; // a table's title above its header row

/**
 * How many rows of each table fit: all of them at the largest size that fits, else at the smallest
 * size the longest tables give up rows (one line is kept to say how many were left out).
 */
function fit(tables: Table[], height: number): { size: number; shown: number[] } {
  const rowLines = (t: Table, n: number, size: number) => t.rows.slice(0, n).reduce((k, row) => k + (ownLine(t, row, size) ? 2 : 1), 0);
  const lines = (shown: number[], size: number) =>
    tables.reduce((n, t, i) => n + SECTION + 1 + Math.max(1, rowLines(t, shown[i]!, size)) + (shown[i]! < t.rows.length ? 1 : 0), 0);
  const all = tables.map((t) => t.rows.length);
  for (const size of SIZES) if (lines(all, size) * size * LINE <= height) return { size, shown: all };
  const size = SIZES[SIZES.length - 1]!;
  const shown = [...all];
  while (lines(shown, size) * size * LINE > height) {
    const i = shown.indexOf(Math.max(...shown));
    if (shown[i]! <= 1) break;
    shown[i]!--;
  }
  return { size, shown };
}

export async function renderRecordPdf(r: TrainingRecord, opts: { schoolName: string }): Promise<Buffer> {
  const generated = new Date(r.generatedAt * 1000);
  const doc = new PDFDocument({
    size: "A4",
    margin: 0,
    info: { Title: `培训档案 ${r.person.name}（${r.person.username}）`, Author: opts.schoolName, CreationDate: generated, ModDate: generated },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (b: Buffer) => chunks.push(b));
  const done = new Promise<void>((resolve, reject) => {
    doc.on("end", resolve);
    doc.on("error", reject);
  });
  doc.registerFont("serif", face("regular"));
  doc.registerFont("serif-bold", face("bold"));

  /**
   * One line at (x, y), never wrapped. Too wide for `width`: with `shrink`, set smaller (down to 60 %)
   * so a long class name still reads in full; only beyond that cut with ….
   */
  const text = (
    s: string,
    x: number,
    y: number,
    o: { size: number; bold?: boolean; color?: string; width?: number; align?: "left" | "right" | "center"; shrink?: boolean },
  ) => {
    doc
      .font(o.bold ? "serif-bold" : "serif")
      .fontSize(o.size)
      .fillColor(o.color ?? INK);
    if (o.shrink && o.width !== undefined && doc.widthOfString(s) > o.width) doc.fontSize(Math.max(o.size * 0.6, (o.size * o.width) / doc.widthOfString(s)));
    let out = s;
    if (o.width !== undefined && doc.widthOfString(out) > o.width) {
      const chars = [...out];
      while (chars.length > 1 && doc.widthOfString(`${chars.join("")}…`) > o.width) chars.pop();
      out = `${chars.join("")}…`;
    }
    const w = doc.widthOfString(out);
    const left = o.width === undefined ? x : o.align === "right" ? x + o.width - w : o.align === "center" ? x + (o.width - w) / 2 : x;
    doc.text(out, left, y, { lineBreak: false });
  };

  // Heading and the person.
  text("学员培训档案", MARGIN, MARGIN - 6, { size: 20, bold: true, color: RED, width: PAGE.w - 2 * MARGIN, align: "center" });
  text(opts.schoolName, MARGIN, MARGIN + 24, { size: 10, color: MUTED, width: PAGE.w - 2 * MARGIN, align: "center" });
  let y = MARGIN + 48;
  const half = (PAGE.w - 2 * MARGIN) / 2;
  const pairs: [string, string][] = [
    ["姓　　名", r.person.name],
    ["学号/工号", r.person.username],
    ["性　　别", r.person.gender],
    ["发展阶段", STAGE_LABEL[r.person.stage]],
    ["二级党委", r.person.subcommittee || "—"],
    ["党 支 部", r.person.branch || "—"],
    ...DECIDED_STAGES.filter((st) => r.person.stageDays[st]).map((st): [string, string] => [STAGE_EVENT_LABEL[st], r.person.stageDays[st]!]),
    ...(r.person.liaisons ? [["培养联系人", r.person.liaisons] as [string, string]] : []),
  ];
  pairs.forEach(([k, v], i) => text(`${k}：${v}`, MARGIN + (i % 2) * half, y + Math.floor(i / 2) * 16, { size: 10.5, width: half - 10 }));
  y += Math.ceil(pairs.length / 2) * 16 + 6;
  const t = r.totals;
  text(
    `累计学时 ${num(t.hours)}（线上 ${num(t.online)}，线下 ${num(t.offline)}，作业 ${num(t.assignments)}）　参加培训班 ${t.classes} 个，结业 ${t.completed} 个　有效结业证书 ${t.certificates} 张`,
    MARGIN,
    y,
    { size: 10, bold: true, width: PAGE.w - 2 * MARGIN },
  );
  y += 20;
  doc
    .moveTo(MARGIN, y)
    .lineTo(PAGE.w - MARGIN, y)
    .lineWidth(1)
    .strokeColor(RED)
    .stroke();
  y += 8;

  const footerY = PAGE.h - MARGIN + 8;
  const tables = tablesOf(r);
  const { size, shown } = fit(tables, footerY - 10 - y);
  const lh = size * LINE;
  tables.forEach((table, ti) => {
    text(table.title, MARGIN, y + lh * (SECTION - 1.6), { size: size + 1.5, bold: true, color: RED });
    y += lh * SECTION;
    let x = MARGIN;
    for (const c of table.columns) {
      text(c.header, x + 2, y, { size, bold: true, width: c.width - 4, align: c.align });
      x += c.width;
    }
    y += lh;
    doc
      .moveTo(MARGIN, y - lh * 0.3)
      .lineTo(PAGE.w - MARGIN, y - lh * 0.3)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke();
    const rows = table.rows.slice(0, shown[ti]);
    if (!rows.length) {
      text("无", MARGIN + 2, y, { size, color: MUTED });
      y += lh;
    }
    for (const row of rows) {
      x = MARGIN;
      const alone = ownLine(table, row, size);
      if (alone) {
        text(row[0]!, MARGIN + 2, y, { size, width: PAGE.w - 2 * MARGIN - 4, shrink: true });
        y += lh;
      }
      row.forEach((cell, i) => {
        const c = table.columns[i]!;
        if (!(alone && i === 0)) text(cell, x + 2, y, { size, width: c.width - 4, align: c.align, shrink: true });
        x += c.width;
      });
      y += lh;
    }
    if (rows.length < table.rows.length) {
      text(`……另有 ${table.rows.length - rows.length} 项未列出，完整记录见 Excel 导出`, MARGIN + 2, y, { size, color: MUTED });
      y += lh;
    }
  });

  doc
    .moveTo(MARGIN, footerY - 6)
    .lineTo(PAGE.w - MARGIN, footerY - 6)
    .lineWidth(0.5)
    .strokeColor(RULE)
    .stroke();
  const when = cstClock(r.generatedAt).slice(0, 5);
  text(`本档案根据网上党校的学习记录生成于 ${chineseDate(cstDate(r.generatedAt))} ${when}（北京时间）。`, MARGIN, footerY, {
    size: 8,
    color: MUTED,
    width: PAGE.w - 2 * MARGIN,
  });
  doc.end();
  await done;
  return Buffer.concat(chunks);
}
