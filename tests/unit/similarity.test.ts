import { describe, expect, it } from "vitest";
import {
  candidatePairs,
  candidatesFor,
  commonPassages,
  DEFAULT_THRESHOLD,
  fingerprint,
  jaccard,
  MIN_COMPARABLE_CHARS,
  normalizeForSimilarity,
  rowsPerBand,
  shingleSet,
  signatureFromBytes,
  signatureToBytes,
} from "../../app/utils/similarity.server.ts";
import { lightlyEdit, makeEssay, reorderParagraphs, rng } from "../fixtures/essays.ts";

const r = rng(20261127);
const base = makeEssay(r, 2400);
const others = Array.from({ length: 30 }, (_, i) => makeEssay(r, 1500 + i * 50));

/** What the system decides for a pair: flagged when the exact Jaccard reaches the threshold. */
function flagged(a: string, b: string, threshold = DEFAULT_THRESHOLD) {
  const fa = fingerprint(a);
  const fb = fingerprint(b);
  const candidate = candidatesFor(fa.signature!, [fb.signature!], threshold).length === 1;
  return { candidate, score: jaccard(fa.shingles, fb.shingles), flagged: candidate && jaccard(fa.shingles, fb.shingles) >= threshold };
}

describe("normalization", () => {
  it("drops whitespace, punctuation and Markdown, folds full-width forms and case", () => {
    expect(normalizeForSimilarity("## 第一部分\n\n我们 **坚持** 学习，ＡＢＣ１２３！“党章”。").norm).toBe("第一部分我们坚持学习abc123党章");
  });

  it("maps every normalized character back to its place in the original", () => {
    const text = "甲，乙 丙\n丁";
    const { norm, start, end } = normalizeForSimilarity(text);
    expect(norm).toBe("甲乙丙丁");
    expect([...norm].map((_, i) => text.slice(start[i], end[i]))).toEqual(["甲", "乙", "丙", "丁"]);
  });

  it("treats a copy with different spacing and punctuation as identical", () => {
    const spaced = base.replace(/，/g, ", ").replace(/。/g, ".\n");
    expect(flagged(base, spaced).score).toBe(1);
  });
});

describe("flags for realistic 思想汇报 texts", () => {
  it("identical texts are flagged with score 1", () => {
    expect(flagged(base, base)).toEqual({ candidate: true, score: 1, flagged: true });
  });

  it("a lightly edited copy is flagged", () => {
    const res = flagged(base, lightlyEdit(r, base, 0.15));
    expect(res.flagged).toBe(true);
    expect(res.score).toBeGreaterThan(0.8);
  });

  it("a copy with its paragraphs reordered is flagged", () => {
    const res = flagged(base, reorderParagraphs(r, base));
    expect(res.flagged).toBe(true);
    expect(res.score).toBeGreaterThan(0.9);
  });

  it("half copied, half own writing is flagged at 0.3 but not at 0.5", () => {
    const own = makeEssay(r, 2400);
    const half = base.slice(0, 1200) + own.slice(1200);
    expect(flagged(base, half, 0.3).flagged).toBe(true);
    expect(flagged(base, half, 0.5).flagged).toBe(false);
  });

  it("unrelated essays on the same topic are not flagged, though they share stock phrases", () => {
    const scores = others.map((o) => flagged(base, o));
    expect(scores.every((s) => !s.flagged)).toBe(true);
    expect(Math.max(...scores.map((s) => s.score))).toBeLessThan(0.3);
    expect(Math.min(...scores.map((s) => s.score))).toBeGreaterThan(0); // "党组织", "理想信念"…
  });

  it("texts too short to judge get no signature", () => {
    expect(fingerprint("见附件。").signature).toBeNull();
    expect(fingerprint(base).signature).toHaveLength(128);
  });

  it("judges length after normalization: punctuation, spaces and Markdown do not make a text long enough", () => {
    const words = base.replace(/[^\u4e00-\u9fff]/g, "");
    const padded = (n: number) => `## ${[...words.slice(0, n)].join("， ")}。\n\n**——**`;
    expect(normalizeForSimilarity(padded(MIN_COMPARABLE_CHARS - 1)).norm).toHaveLength(MIN_COMPARABLE_CHARS - 1);
    expect(padded(MIN_COMPARABLE_CHARS - 1).length).toBeGreaterThan(2 * MIN_COMPARABLE_CHARS);
    expect(fingerprint(padded(MIN_COMPARABLE_CHARS - 1)).signature).toBeNull();
    expect(fingerprint(padded(MIN_COMPARABLE_CHARS)).signature).toHaveLength(128);
  });
});

describe("MinHash and LSH", () => {
  it("estimates the Jaccard index within a few hundredths", () => {
    const edited = lightlyEdit(r, base, 0.5);
    const a = fingerprint(base);
    const b = fingerprint(edited);
    const estimate = a.signature!.filter((v, i) => v === b.signature![i]).length / 128;
    expect(Math.abs(estimate - jaccard(a.shingles, b.shingles))).toBeLessThan(0.12);
  });

  it("picks rows per band so a pair at the threshold is a candidate with ≥ 99 % probability", () => {
    expect(rowsPerBand(0.5)).toBe(3);
    expect(rowsPerBand(0.3)).toBe(2);
    for (const t of [0.3, 0.5, 0.7, 0.9]) {
      const rows = rowsPerBand(t);
      expect(1 - Math.pow(1 - Math.pow(t, rows), Math.floor(128 / rows))).toBeGreaterThanOrEqual(0.99);
    }
  });

  it("loses no pair just above the threshold (band match plus estimate filter), over ~190 pairs", () => {
    const rr = rng(99);
    let total = 0;
    let found = 0;
    for (let k = 0; k < 300; k++) {
      const a = makeEssay(rr, 2400);
      const own = makeEssay(rr, 2400);
      const cut = 1300 + Math.floor(rr() * 400);
      const fa = fingerprint(a);
      const fb = fingerprint(a.slice(0, cut) + own.slice(cut));
      const j = jaccard(fa.shingles, fb.shingles);
      if (j < 0.5 || j > 0.6) continue;
      total++;
      if (candidatesFor(fa.signature!, [fb.signature!], 0.5).length) found++;
    }
    expect(total).toBeGreaterThan(100);
    expect(found).toBe(total);
  });

  it("all-pairs banding finds the copies among many unrelated texts", () => {
    const texts = [...others, lightlyEdit(r, others[3]!, 0.1), reorderParagraphs(r, others[7]!), others[11]!];
    const sigs = texts.map((t) => fingerprint(t).signature!);
    const shingles = texts.map((t) => fingerprint(t).shingles);
    const pairs = candidatePairs(sigs, 0.5);
    expect(pairs.length).toBeLessThan(10); // 528 pairs in all; only those near the threshold remain
    const hits = pairs
      .filter(([i, j]) => jaccard(shingles[i]!, shingles[j]!) >= 0.5)
      .map(([i, j]) => `${i}-${j}`)
      .sort();
    expect(hits).toEqual(["11-32", "3-30", "7-31"].sort());
  });

  it("signatures survive a round trip through bytes", () => {
    const sig = fingerprint(base).signature!;
    expect(signatureFromBytes(signatureToBytes(sig))).toEqual(sig);
    expect(shingleSet("一二三四五六").length).toBe(2);
  });
});

describe("shared passages", () => {
  it("marks the copied passages in both texts and leaves the own writing unmarked", () => {
    const copied = "在党组织的关心和培养下，我认真学习了党章，深刻认识到理想信念是共产党人精神上的钙";
    const a = `我的开头完全不同。${copied}。这是甲自己写的结尾部分。`;
    const b = `乙从这里开始写起，篇幅不短。${copied.replace("，", ", ")}！乙的收尾。`;
    const cmp = commonPassages(a, b);
    expect(cmp.passages).toBe(1);
    const markedA = cmp.a
      .filter((s) => s.mark)
      .map((s) => s.text)
      .join("");
    const markedB = cmp.b
      .filter((s) => s.mark)
      .map((s) => s.text)
      .join("");
    expect(markedA).toBe(copied);
    expect(markedB).toBe(copied.replace("，", ", "));
    expect(cmp.a.map((s) => s.text).join("")).toBe(a); // nothing lost, nothing added
    expect(cmp.b.map((s) => s.text).join("")).toBe(b);
  });

  it("ignores common phrases shorter than 20 characters", () => {
    const cmp = commonPassages("我们要全心全意为人民服务，这是根本。", "他说全心全意为人民服务是宗旨。");
    expect(cmp.passages).toBe(0);
  });

  it("returns text segments, never HTML: markup in a submission stays text", () => {
    const evil = "<img src=x onerror=alert(1)>" + "在党组织的关心和培养下我认真学习了党章深刻认识到理想信念的重要";
    const cmp = commonPassages(evil, evil);
    expect(cmp.a.map((s) => s.text).join("")).toBe(evil);
    expect(cmp.passages).toBe(1);
  });

  it("finds the passages of a lightly edited essay", () => {
    const cmp = commonPassages(lightlyEdit(r, base, 0.1), base);
    expect(cmp.passages).toBeGreaterThan(1);
    expect(cmp.sharedChars).toBeGreaterThan(normalizeForSimilarity(base).norm.length * 0.8);
  });
});
