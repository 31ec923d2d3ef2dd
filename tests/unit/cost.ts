// Cost comparisons for the pathological-input tests: the same input at n and 4n characters. Linear work
// gives a ratio near 4, quadratic near 16; timings are the best of several runs, and an input whose
// larger size still takes under `floorMs` is too quick to tell anything (and cannot stall a request).
const LINEAR_RATIO = 8;

function bestMs(run: (i: number) => void, times = 5): number {
  let best = Infinity;
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    run(i);
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

/** `make(chars)` builds an input of about `chars` characters; `run(input, i)` does the work once. */
export function costRatio<T>(make: (chars: number) => T, run: (input: T, i: number) => void, n: number, floorMs = 25) {
  const small = make(n);
  const large = make(4 * n);
  run(small, -1); // warm up
  // Measured again (up to three times) when the ratio looks super-linear: a quadratic cost repeats, a
  // moment when other processes held the CPU does not.
  let best = { small: 0, large: 0, ratio: Infinity, linear: false };
  for (let attempt = 0; attempt < 3 && !best.linear; attempt++) {
    const a = bestMs((i) => run(small, i));
    const b = bestMs((i) => run(large, i));
    const ratio = b / Math.max(a, 0.05);
    if (ratio < best.ratio || b <= floorMs) best = { small: a, large: b, ratio, linear: b <= floorMs || ratio <= LINEAR_RATIO };
  }
  return best;
}
