/**
 * Text similarity for Chinese essays (思想汇报, 心得): character 5-gram shingles over a normalized
 * text, MinHash signatures (128 hash functions) kept per submitted version, LSH banding to find
 * candidate pairs without comparing everything with everything, then the exact Jaccard index of the
 * two shingle sets for each candidate. Passages two texts share are found by anchored extension and
 * returned as plain segments, so the page renders them with <mark> and escapes everything else.
 *
 * Pure functions only; the model (app/models/assignments.server.ts) stores signatures and flags.
 */

const SHINGLE = 5;
const PERMUTATIONS = 128;
/** Normalized texts shorter than this are not compared (an attachment-only submission, a title). */
export const MIN_COMPARABLE_CHARS = 100;
export const DEFAULT_THRESHOLD = 0.5;
/** Shared passages shorter than this (in normalized characters) are not highlighted. */
const MIN_PASSAGE = 20;

// ------------------------------------------------------------------------------------ normalization

const KEEP_ASCII = /[0-9a-z]/;
const DROP = /[\s\p{P}\p{S}\p{C}]/u;

/**
 * Removes whitespace, punctuation and symbols (Markdown markers included), folds full-width forms to
 * half-width (NFKC) and case. `start[i]`/`end[i]` give the span in `text` (UTF-16 offsets) of the
 * original character that produced normalized character i, so matches can be shown in the original.
 */
export function normalizeForSimilarity(text: string): { norm: string; start: number[]; end: number[] } {
  const out: string[] = [];
  const start: number[] = [];
  const end: number[] = [];
  const keep = (c: string, from: number, to: number) => {
    out.push(c);
    start.push(from);
    end.push(to);
  };
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    if (cp >= 0x4e00 && cp <= 0x9fff)
      keep(text[i]!, i, i + 1); // CJK unified ideographs: the common case
    else if (cp < 0x80) {
      const c = text[i]!.toLowerCase();
      if (KEEP_ASCII.test(c)) keep(c, i, i + 1);
    } else {
      for (const c of text
        .slice(i, i + width)
        .normalize("NFKC")
        .toLowerCase()) {
        if (c.length === 1 && c.charCodeAt(0) < 0x80 ? !KEEP_ASCII.test(c) : DROP.test(c)) continue;
        for (const unit of c.length === 1 ? [c] : [c[0]!, c[1]!]) keep(unit, i, i + width);
      }
    }
    i += width;
  }
  return { norm: out.join(""), start, end };
}

// ------------------------------------------------------------------------------------ shingles

/** 32-bit FNV-1a hashes of every SHINGLE-character window, sorted and unique. */
export function shingleSet(norm: string): Uint32Array {
  const n = norm.length - SHINGLE + 1;
  if (n <= 0) return new Uint32Array(0);
  const hashes = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let h = 0x811c9dc5;
    for (let k = 0; k < SHINGLE; k++) {
      h ^= norm.charCodeAt(i + k);
      h = Math.imul(h, 0x01000193);
    }
    hashes[i] = h >>> 0;
  }
  hashes.sort();
  let w = 0;
  for (let i = 0; i < n; i++) if (i === 0 || hashes[i] !== hashes[i - 1]) hashes[w++] = hashes[i]!;
  return hashes.slice(0, w);
}

/** Jaccard index |A ∩ B| / |A ∪ B| of two sorted unique shingle sets (merge, linear time). */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length === 0 && b.length === 0) return 0;
  let i = 0;
  let j = 0;
  let both = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      both++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return both / (a.length + b.length - both);
}

// ------------------------------------------------------------------------------------ MinHash

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Fixed seeds: signatures stored today must stay comparable with those computed next year. */
const SEEDS = (() => {
  const s = new Uint32Array(PERMUTATIONS);
  let x = 0x9e3779b9;
  for (let k = 0; k < PERMUTATIONS; k++) {
    x = fmix32((x + 0x6d2b79f5) >>> 0);
    s[k] = x;
  }
  return s;
})();

/** MinHash signature: for each of the 128 hash functions, the minimum over the shingles. */
function minhash(shingles: Uint32Array): Uint32Array {
  const sig = new Uint32Array(PERMUTATIONS).fill(0xffffffff);
  for (let i = 0; i < shingles.length; i++) {
    const h = shingles[i]!;
    for (let k = 0; k < PERMUTATIONS; k++) {
      const v = fmix32((h ^ SEEDS[k]!) >>> 0);
      if (v < sig[k]!) sig[k] = v;
    }
  }
  return sig;
}

/** The shingle set of a text (no signature): what the exact Jaccard of a candidate pair needs. */
export function shinglesOf(text: string): Uint32Array {
  return shingleSet(normalizeForSimilarity(text).norm);
}

/** Everything the comparison needs from one text; `signature` is null when the text is too short. */
export function fingerprint(text: string): { shingles: Uint32Array; signature: Uint32Array | null } {
  const { norm } = normalizeForSimilarity(text);
  const shingles = shingleSet(norm);
  return { shingles, signature: norm.length >= MIN_COMPARABLE_CHARS ? minhash(shingles) : null };
}

export function signatureToBytes(sig: Uint32Array): Uint8Array {
  const bytes = new Uint8Array(sig.length * 4);
  const view = new DataView(bytes.buffer);
  sig.forEach((v, i) => view.setUint32(i * 4, v, true));
  return bytes;
}

export function signatureFromBytes(bytes: Uint8Array): Uint32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sig = new Uint32Array(bytes.byteLength / 4);
  for (let i = 0; i < sig.length; i++) sig[i] = view.getUint32(i * 4, true);
  return sig;
}

// ------------------------------------------------------------------------------------ LSH banding

/**
 * Rows per band for a threshold: the most rows (fewest candidates) for which a pair exactly at the
 * threshold still becomes a candidate with probability ≥ 99 % (b = 128 / r bands: 1 − (1 − t^r)^b).
 * t = 0.5 gives r = 3 (42 bands); t = 0.3 gives r = 2; t = 0.8 gives r = 8.
 */
export function rowsPerBand(threshold: number): number {
  let best = 1;
  for (let r = 1; r <= 16; r++) {
    const b = Math.floor(PERMUTATIONS / r);
    if (1 - Math.pow(1 - Math.pow(threshold, r), b) >= 0.99) best = r;
    else break;
  }
  return best;
}

function bandKeys(sig: Uint32Array, r: number): number[] {
  const bands = Math.floor(PERMUTATIONS / r);
  const keys = new Array<number>(bands);
  for (let band = 0; band < bands; band++) {
    let h = 0x811c9dc5;
    for (let k = band * r; k < band * r + r; k++) h = Math.imul(h ^ sig[k]!, 0x01000193);
    keys[band] = band * 0x100000000 + (h >>> 0); // band number in the high bits: one map for all bands
  }
  return keys;
}

/** Share of equal MinHash values: an unbiased estimate of the Jaccard index (σ ≈ 0.044 at 0.5). */
function estimatedJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let k = 0; k < PERMUTATIONS; k++) if (a[k] === b[k]) same++;
  return same / PERMUTATIONS;
}

/**
 * How far below the threshold a signature estimate may fall and still go to the exact check: 0.15 is
 * more than three standard deviations of a 128-value estimate, so a pair truly at the threshold is
 * dropped here with probability well under 0.1 %, while the many weakly similar pairs (same topic,
 * same stock phrases) that share a band by chance never cost an exact comparison.
 */
const ESTIMATE_MARGIN = 0.15;

/** Indexes of `others` that share at least one whole band with `sig` and whose estimate is near the threshold. */
export function candidatesFor(sig: Uint32Array, others: readonly Uint32Array[], threshold: number): number[] {
  const r = rowsPerBand(threshold);
  const bands = Math.floor(PERMUTATIONS / r);
  const out: number[] = [];
  for (let o = 0; o < others.length; o++) {
    const other = others[o]!;
    for (let band = 0; band < bands; band++) {
      let same = true;
      for (let k = band * r; k < band * r + r; k++) {
        if (sig[k] !== other[k]) {
          same = false;
          break;
        }
      }
      if (same) {
        if (estimatedJaccard(sig, other) >= threshold - ESTIMATE_MARGIN) out.push(o);
        break;
      }
    }
  }
  return out;
}

/**
 * All pairs [i, j] (i < j) of `sigs` that share at least one band (bucket per band, never all pairs)
 * and whose estimate is near the threshold.
 */
export function candidatePairs(sigs: readonly Uint32Array[], threshold: number): [number, number][] {
  const r = rowsPerBand(threshold);
  const buckets = new Map<number, number[]>();
  sigs.forEach((sig, i) => {
    for (const key of bandKeys(sig, r)) {
      const list = buckets.get(key);
      if (list) list.push(i);
      else buckets.set(key, [i]);
    }
  });
  const seen = new Set<number>();
  const pairs: [number, number][] = [];
  const n = sigs.length;
  for (const list of buckets.values()) {
    if (list.length < 2) continue;
    for (let x = 0; x < list.length; x++) {
      for (let y = x + 1; y < list.length; y++) {
        const i = list[x]!;
        const j = list[y]!;
        const id = i * n + j;
        if (seen.has(id)) continue;
        seen.add(id);
        if (estimatedJaccard(sigs[i]!, sigs[j]!) >= threshold - ESTIMATE_MARGIN) pairs.push([i, j]);
      }
    }
  }
  return pairs;
}

// ------------------------------------------------------------------------------------ passages

type Segment = { text: string; mark: number | null };
type PassageComparison = { a: Segment[]; b: Segment[]; passages: number; sharedChars: number };

const ANCHOR = 8;

/**
 * Maximal common passages (≥ `minLen` normalized characters) of two texts, as segments of the
 * original texts: `mark` is the passage number (1-based, shared by both sides) or null. Found by
 * indexing every ANCHOR-gram of `b`, then extending each anchor hit of `a` backwards and forwards as
 * far as the normalized texts agree, keeping the longest extension.
 */
export function commonPassages(aText: string, bText: string, minLen = MIN_PASSAGE): PassageComparison {
  const A = normalizeForSimilarity(aText);
  const B = normalizeForSimilarity(bText);
  const a = A.norm;
  const b = B.norm;
  const index = new Map<string, number[]>();
  for (let j = 0; j + ANCHOR <= b.length; j++) {
    const g = b.slice(j, j + ANCHOR);
    const list = index.get(g);
    if (!list) index.set(g, [j]);
    else if (list.length < 32) list.push(j);
  }
  const matches: { ai: number; bj: number; len: number }[] = [];
  let floor = 0; // a-positions before this are already inside a match
  for (let i = 0; i + ANCHOR <= a.length;) {
    const hits = index.get(a.slice(i, i + ANCHOR));
    let best: { ai: number; bj: number; len: number } | null = null;
    for (const j of hits ?? []) {
      let s = 0;
      while (i - s - 1 >= floor && j - s - 1 >= 0 && a[i - s - 1] === b[j - s - 1]) s++;
      let e = ANCHOR;
      while (i + e < a.length && j + e < b.length && a[i + e] === b[j + e]) e++;
      const len = s + e;
      if (!best || len > best.len) best = { ai: i - s, bj: j - s, len };
    }
    if (best && best.len >= minLen) {
      matches.push(best);
      i = floor = best.ai + best.len;
    } else i++;
  }
  const toRanges = (side: typeof A, pick: (m: (typeof matches)[number]) => number) =>
    matches.map((m, n) => ({ from: side.start[pick(m)]!, to: side.end[pick(m) + m.len - 1]!, mark: n + 1 }));
  return {
    a: segments(
      aText,
      toRanges(A, (m) => m.ai),
    ),
    b: segments(
      bText,
      toRanges(B, (m) => m.bj),
    ),
    passages: matches.length,
    sharedChars: matches.reduce((n, m) => n + m.len, 0),
  };
}

/** Cuts `text` into marked and unmarked segments; overlapping ranges merge (the first number wins). */
function segments(text: string, ranges: { from: number; to: number; mark: number }[]): Segment[] {
  const sorted = [...ranges].sort((x, y) => x.from - y.from);
  const merged: typeof sorted = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r.from <= last.to) last.to = Math.max(last.to, r.to);
    else merged.push({ ...r });
  }
  const out: Segment[] = [];
  let at = 0;
  for (const r of merged) {
    if (r.from > at) out.push({ text: text.slice(at, r.from), mark: null });
    out.push({ text: text.slice(r.from, r.to), mark: r.mark });
    at = r.to;
  }
  if (at < text.length) out.push({ text: text.slice(at), mark: null });
  return out;
}
