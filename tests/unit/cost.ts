// Cost comparisons for the pathological-input tests: the same input at n and 4n characters. Linear work
// gives a ratio near 4, quadratic near 16. Cost is the CPU time of this process (process.cpuUsage), not
// the wall clock: on a busy machine the wall clock also counts the time other processes held the CPU,
// which once made a linear renderer look quadratic; CPU time does not grow with the machine's load. Each
// size is measured several times, small and large in turns (so both see the same moment), and the lowest
// of each counts; an input whose larger size still takes under `floorMs` of CPU is too quick to tell
// anything (and cannot stall a request).
const LINEAR_RATIO = 8;

/** CPU milliseconds this process has used (user and system, every thread). */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU milliseconds of one run. */
export function cpuCost(run: () => void): number {
  const t = cpuMs();
  run();
  return cpuMs() - t;
}

/** `make(chars)` builds an input of about `chars` characters; `run(input, i)` does the work once. */
export function costRatio<T>(make: (chars: number) => T, run: (input: T, i: number) => void, n: number, floorMs = 25, times = 5) {
  const small = make(n);
  const large = make(4 * n);
  run(small, -1); // warm up
  run(large, -2);
  // Measured again (up to three times) when the ratio looks super-linear: a quadratic cost repeats, a
  // moment of contention (cache, memory bandwidth, a garbage collection) does not.
  let best = { small: 0, large: 0, ratio: Infinity, linear: false };
  let i = 0;
  for (let attempt = 0; attempt < 3 && !best.linear; attempt++) {
    let a = Infinity;
    let b = Infinity;
    for (let k = 0; k < times; k++) {
      a = Math.min(
        a,
        cpuCost(() => run(small, i++)),
      );
      b = Math.min(
        b,
        cpuCost(() => run(large, i++)),
      );
    }
    const ratio = b / Math.max(a, 0.05);
    if (ratio < best.ratio || b <= floorMs) best = { small: a, large: b, ratio, linear: b <= floorMs || ratio <= LINEAR_RATIO };
  }
  return best;
}
