// The 结业证书 as an A4 landscape PDF: real Chinese text in Noto Serif SC (pdfkit embeds only the
// glyphs used, so a certificate stays small), a seal (a PNG from CERT_SEAL_PATH, or one drawn as
// vector shapes with the school's name set along the rim as glyph outlines, so it is not text that
// pdftotext would mix into the page) and a QR code drawn as vector squares that opens the public
// verification page. Generated on demand from the certificate row: nothing is stored.
import fs from "node:fs";
import { createRequire } from "node:module";
import PDFDocument from "pdfkit";
import QRCode from "qrcode";
import { basisLabel, decisionSentence, withTerm, type CertificateLayout, type Decision } from "./completion.ts";
import { cstDate } from "./cst.ts";

const require = createRequire(import.meta.url);
const FONT_FILES = {
  regular: "@expo-google-fonts/noto-serif-sc/400Regular/NotoSerifSC_400Regular.ttf",
  bold: "@expo-google-fonts/noto-serif-sc/700Bold/NotoSerifSC_700Bold.ttf",
} as const;

/** The TTF bytes, read once per process (each is ≈ 15 MB; reading them per certificate would dominate). */
let fonts: { regular: Buffer; bold: Buffer } | undefined;
function fontBytes() {
  return (fonts ??= {
    regular: fs.readFileSync(require.resolve(FONT_FILES.regular)),
    bold: fs.readFileSync(require.resolve(FONT_FILES.bold)),
  });
}

type GlyphFont = {
  hasGlyphForCodePoint(cp: number): boolean;
  unitsPerEm: number;
  glyphForCodePoint(cp: number): { path: { toSVG(): string }; advanceWidth: number };
};

/** fontkit's view of the regular face (through pdfkit), for glyph coverage and the seal's outlines. */
let glyphFont: GlyphFont | undefined;
function fontkitFont(): GlyphFont {
  if (!glyphFont) {
    const doc = new PDFDocument({ autoFirstPage: false });
    doc.registerFont("serif", fontBytes().regular);
    doc.font("serif");
    glyphFont = (doc as unknown as { _font: { font: GlyphFont } })._font.font;
  }
  return glyphFont;
}

/** Characters of `text` the certificate font cannot draw (each once, in order). */
function missingGlyphs(text: string): string[] {
  const font = fontkitFont();
  const missing: string[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (/\s/.test(ch) || missing.includes(ch)) continue;
    if (!font.hasGlyphForCodePoint(cp)) missing.push(ch);
  }
  return missing;
}

const codePoint = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;

/** A warning per field with characters the font lacks; empty when everything can be printed. */
export function glyphWarnings(fields: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [label, value] of Object.entries(fields)) {
    const missing = missingGlyphs(value);
    if (missing.length) {
      out.push(
        `${label}「${value}」中的 ${missing.map((c) => `「${c}」(${codePoint(c)})`).join("、")} 证书字体中没有，证书上将显示为空白方框；请核对或手工补写`,
      );
    }
  }
  return out;
}

export type CertificateData = {
  number: string;
  holderName: string;
  holderUsername: string;
  subcommitteeName: string;
  branchName: string;
  className: string;
  term: number;
  /** YYYY-MM-DD */
  startDate: string;
  endDate: string;
  hours: number;
  composite: number;
  band: string;
  issuedAt: number;
  revokedAt: number | null;
  /** Issuing body, e.g. 中共示范大学委员会党校 */
  schoolName: string;
  verifyUrl: string;
  /** The verification code, printed under the QR code for typing in by hand. */
  code: string;
  /** What was decided: by the rules (经考核合格) or by the Party school (经党校认定, no score printed). */
  decision: Decision;
  exceptionBasis: string | null;
  layout: CertificateLayout;
  showUsername: boolean;
  showScore: boolean;
};

/** What the PDF will warn about: the holder's and class's text the font cannot draw. */
function certificateWarnings(c: Pick<CertificateData, "holderName" | "subcommitteeName" | "branchName" | "className">): string[] {
  return glyphWarnings({ 姓名: c.holderName, 二级党委: c.subcommitteeName, 党支部: c.branchName, 培训班: c.className });
}

/** 2026年9月1日, from YYYY-MM-DD. */
export function chineseDate(ymd: string): string {
  const [y, m, d] = ymd.split("-").map(Number);
  return `${y}年${m}月${d}日`;
}

const RED = "#c8161d";
const GOLD = "#b8913a";
const INK = "#1f1f1f";
const fmtNumber = (n: number) => String(Math.round(n * 10) / 10);

/** Renders one certificate. `warnings` lists characters that could not be drawn. */
export async function renderCertificatePdf(c: CertificateData, opts: { sealPath?: string } = {}): Promise<{ bytes: Buffer; warnings: string[] }> {
  const warnings = certificateWarnings(c);
  const issued = new Date(c.issuedAt * 1000);
  const doc = new PDFDocument({
    size: "A4",
    layout: "landscape",
    margin: 0,
    info: { Title: `结业证书 ${c.number}`, Author: c.schoolName, Subject: c.className, CreationDate: issued, ModDate: issued },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (b: Buffer) => chunks.push(b));
  const done = new Promise<void>((resolve, reject) => {
    doc.on("end", resolve);
    doc.on("error", reject);
  });
  const { regular, bold } = fontBytes();
  doc.registerFont("serif", regular);
  doc.registerFont("serif-bold", bold);
  const W = doc.page.width;
  const H = doc.page.height;

  // Frame: a red outer rule and a thin gold inner one.
  doc
    .lineWidth(4)
    .strokeColor(RED)
    .rect(22, 22, W - 44, H - 44)
    .stroke();
  doc
    .lineWidth(1)
    .strokeColor(GOLD)
    .rect(32, 32, W - 64, H - 64)
    .stroke();

  /** One line of text that never wraps: shrunk to fit maxWidth when it is too long. */
  const line = (
    text: string,
    x: number,
    y: number,
    o: { size: number; bold?: boolean; maxWidth?: number; color?: string; align?: "left" | "center" | "right"; spacing?: number },
  ) => {
    doc.font(o.bold ? "serif-bold" : "serif").fillColor(o.color ?? INK);
    let size = o.size;
    doc.fontSize(size);
    const spacing = o.spacing ?? 0;
    let width = doc.widthOfString(text, { characterSpacing: spacing });
    if (o.maxWidth && width > o.maxWidth) {
      size = (size * o.maxWidth) / width;
      doc.fontSize(size);
      width = doc.widthOfString(text, { characterSpacing: spacing });
    }
    const left = o.align === "center" ? x - width / 2 : o.align === "right" ? x - width : x;
    doc.text(text, left, y, { lineBreak: false, characterSpacing: spacing });
  };

  line(`证书编号：${c.number}`, W - 60, 48, { size: 11, align: "right" });
  line("结业证书", W / 2, 70, { size: 40, bold: true, color: RED, align: "center", spacing: 14 });
  if (c.layout === "narrative") drawNarrative(doc, c, line, W);
  else drawLabels(c, line, W);

  // Issuing body and date, bottom right, under the seal.
  const sealX = W - 205;
  const sealY = 478;
  line(c.schoolName, sealX, 458, { size: 15, align: "center", maxWidth: 300 });
  line(chineseDate(cstDate(c.issuedAt)), sealX, 490, { size: 14, align: "center" });
  if (opts.sealPath) {
    doc.image(opts.sealPath, sealX - 60, sealY - 60, { fit: [120, 120], align: "center", valign: "center" });
  } else {
    drawSeal(doc, sealX, sealY, 58, c.schoolName);
  }

  // QR code to the verification page, bottom left.
  const qrSize = 92;
  drawQr(doc, c.verifyUrl, 70, H - 70 - qrSize - 24, qrSize);
  line("扫码或凭证书编号验证真伪", 70 + qrSize / 2, H - 70 - 18, { size: 9, align: "center", color: "#555555" });
  line(`验证码 ${c.code.toUpperCase()}`, 70 + qrSize / 2, H - 70 - 5, { size: 7.5, align: "center", color: "#555555", maxWidth: 170 });

  if (c.revokedAt !== null) {
    // A large diagonal mark in outlines (as text it would split the page's lines in pdftotext).
    doc.save();
    doc.rotate(-20, { origin: [W / 2, H / 2] });
    doc.fillOpacity(0.22);
    const size = 120;
    const chars = [..."已撤销"];
    chars.forEach((ch, i) => drawGlyph(doc, ch, W / 2 + (i - (chars.length - 1) / 2) * size * 1.25, H / 2, size, 0));
    doc.restore();
    line(`本证书已于 ${chineseDate(cstDate(c.revokedAt))} 撤销，不再有效`, W / 2, H - 58, { size: 12, color: RED, align: "center" });
  }

  doc.end();
  await done;
  return { bytes: Buffer.concat(chunks), warnings };
}

type LineFn = (
  text: string,
  x: number,
  y: number,
  o: { size: number; bold?: boolean; maxWidth?: number; color?: string; align?: "left" | "center" | "right"; spacing?: number },
) => void;

/** The exception's basis as printed (认定依据), or nothing. */
const basisLine = (c: CertificateData) => (c.decision === "exception" && basisLabel(c.exceptionBasis) ? `认定依据：${basisLabel(c.exceptionBasis)}` : null);

/**
 * The usual wording: "XX同志（学号…），…党支部，于…至…参加…培训班学习，共完成 N 学时，综合成绩…，经考核合格，
 * 准予结业，特发此证。" set as a paragraph that wraps inside the frame. An exception says 经党校认定 and
 * prints no score.
 */
function drawNarrative(doc: PDFKit.PDFDocument, c: CertificateData, line: LineFn, W: number) {
  const who = `${c.holderName}同志${c.showUsername ? `（学号/工号：${c.holderUsername}）` : ""}`;
  // The branch's name carries its college ("计算机学院本科生第一党支部"); without a branch, the 二级党委.
  const unit = c.branchName && c.branchName !== "—" ? c.branchName : c.subcommitteeName;
  const score = c.showScore && c.decision === "rules" ? `，综合成绩${fmtNumber(c.composite)}分（${c.band}）` : "";
  const text =
    `${who}${unit ? `，${unit}` : ""}，于${chineseDate(c.startDate)}至${chineseDate(c.endDate)}参加${withTerm(c.className, c.term)}学习，` +
    `共完成${fmtNumber(c.hours)}学时${score}，${decisionSentence(c.decision)}`;
  const left = 110;
  const width = W - 2 * left;
  let size = 19;
  doc.font("serif").fillColor(INK);
  // Shrink until the paragraph fits in the space between the title and the seal.
  for (; size > 12; size -= 0.5) {
    doc.fontSize(size);
    if (doc.heightOfString(text, { width, lineGap: size * 0.75, indent: size * 2 }) <= 210) break;
  }
  doc.fontSize(size).text(text, left, 160, { width, lineGap: size * 0.75, indent: size * 2, align: "justify" });
  const basis = basisLine(c);
  if (basis) line(basis, left + size * 2, 385, { size: 13, color: "#444444", maxWidth: width });
}

/** The label layout: each field on its line, then the sentence. */
function drawLabels(c: CertificateData, line: LineFn, W: number) {
  const left = 120;
  const right = 470;
  const fieldWidth = W - left - 120;
  let y = 165;
  const step = 36;
  line(`姓　　名：${c.holderName}`, left, y, { size: 16, maxWidth: right - left - 20 });
  if (c.showUsername) line(`学号/工号：${c.holderUsername}`, right, y, { size: 16, maxWidth: W - right - 80 });
  y += step;
  line(`二级党委：${c.subcommitteeName}`, left, y, { size: 16, maxWidth: fieldWidth });
  y += step;
  line(`党 支 部：${c.branchName}`, left, y, { size: 16, maxWidth: fieldWidth });
  y += step;
  line(`培 训 班：${withTerm(c.className, c.term)}`, left, y, { size: 16, maxWidth: fieldWidth });
  y += step;
  line(`培训时间：${chineseDate(c.startDate)}至${chineseDate(c.endDate)}`, left, y, { size: 16, maxWidth: fieldWidth });
  y += step;
  line(`总 学 时：${fmtNumber(c.hours)} 学时`, left, y, { size: 16 });
  if (c.showScore && c.decision === "rules") line(`综合成绩：${fmtNumber(c.composite)} 分（${c.band}）`, right, y, { size: 16 });
  const basis = basisLine(c);
  if (basis) line(basis, right, y, { size: 16, maxWidth: W - right - 80 });
  line(decisionSentence(c.decision), W / 2, 385, { size: 22, bold: true, align: "center", spacing: 2 });
}

/**
 * A red round seal: a double ring, a five-pointed star, and the issuing body set along the top of the
 * rim. The characters are glyph outlines (paths), so the seal reads as a picture, not page text.
 */
function drawSeal(doc: PDFKit.PDFDocument, cx: number, cy: number, r: number, text: string) {
  doc.save();
  doc.fillOpacity(0.82).strokeOpacity(0.82);
  doc.lineWidth(3).strokeColor(RED).circle(cx, cy, r).stroke();
  doc
    .lineWidth(0.8)
    .circle(cx, cy, r - 5)
    .stroke();
  // Star
  const star: [number, number][] = [];
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const rr = i % 2 === 0 ? r * 0.3 : r * 0.12;
    star.push([cx + rr * Math.cos(a), cy + rr * Math.sin(a)]);
  }
  doc
    .polygon(...star)
    .fillColor(RED)
    .fill();
  // Characters along the rim, 250° at most, centered on the top.
  const chars = [...text];
  const n = chars.length;
  const span = Math.min(250, n * 24);
  const glyphSize = Math.min(15, (((span / 360) * 2 * Math.PI * (r - 17)) / n) * 0.95);
  chars.forEach((ch, i) => {
    const deg = -90 - span / 2 + (span * (i + 0.5)) / n;
    const a = (deg * Math.PI) / 180;
    const rr = r - 9 - glyphSize / 2;
    drawGlyph(doc, ch, cx + rr * Math.cos(a), cy + rr * Math.sin(a), glyphSize, deg + 90);
  });
  doc.restore();
}

/** One character as its glyph outline (a filled path in the current fill), centered on (x, y), turned by `deg`. */
function drawGlyph(doc: PDFKit.PDFDocument, ch: string, x: number, y: number, size: number, deg: number) {
  const font = fontkitFont();
  const cp = ch.codePointAt(0)!;
  if (!font.hasGlyphForCodePoint(cp)) return;
  const scale = size / font.unitsPerEm;
  doc.save();
  doc.translate(x, y);
  doc.rotate(deg);
  // Glyph units have y up and the baseline at 0: center the em box on the point.
  doc.translate(-size / 2, size * 0.38);
  doc.scale(scale, -scale);
  doc.path(font.glyphForCodePoint(cp).path.toSVG()).fillColor(RED).fill();
  doc.restore();
}

/** The QR code's modules as filled squares (runs of a row merged), on a white quiet zone of 4 modules. */
function drawQr(doc: PDFKit.PDFDocument, url: string, x: number, y: number, size: number) {
  const qr = QRCode.create(url, { errorCorrectionLevel: "M" });
  const n = qr.modules.size;
  const cell = size / (n + 8);
  doc.save();
  doc.rect(x, y, size, size).fillColor("#ffffff").fill();
  const ox = x + 4 * cell;
  const oy = y + 4 * cell;
  for (let row = 0; row < n; row++) {
    let col = 0;
    while (col < n) {
      if (!qr.modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < n && qr.modules.get(row, col)) col++;
      // A hair of overlap so anti-aliased renderers leave no seams between squares.
      doc.rect(ox + start * cell, oy + row * cell, (col - start) * cell + 0.05, cell + 0.05);
    }
  }
  doc.fillColor("#000000").fill();
  doc.restore();
}
