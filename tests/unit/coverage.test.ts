import { describe, expect, it } from "vitest";
import { coveragePercent, creditSegments, mergeIntervals, subtract, totalSeconds, type Interval } from "../../app/utils/coverage.ts";

describe("mergeIntervals", () => {
  it.each<[Interval[], Interval[]]>([
    [[], []],
    [[[0, 10]], [[0, 10]]],
    [
      [
        [10, 20],
        [0, 5],
      ],
      [
        [0, 5],
        [10, 20],
      ],
    ],
    [
      [
        [0, 10],
        [5, 15],
      ],
      [[0, 15]],
    ],
    [
      [
        [0, 10],
        [10, 20],
      ],
      [[0, 20]],
    ],
    [
      [
        [0, 10],
        [10.3, 20],
      ],
      [[0, 20]],
    ],
    [
      [
        [0, 10],
        [11, 20],
      ],
      [
        [0, 10],
        [11, 20],
      ],
    ],
    [
      [
        [0, 10],
        [2, 3],
      ],
      [[0, 10]],
    ],
    [
      [
        [5, 5],
        [7, 6],
        [-3, 2],
      ],
      [[0, 2]],
    ],
    [
      [
        [0, 10],
        [0, 10],
        [0, 10],
      ],
      [[0, 10]],
    ],
    [
      [
        [0, NaN],
        [1, Infinity],
        [2, 4],
      ],
      [[2, 4]],
    ],
  ])("%j → %j", (input, out) => expect(mergeIntervals(input)).toEqual(out));
});

describe("subtract and totals", () => {
  it("finds the new parts only", () => {
    expect(
      subtract(
        [[0, 30]],
        [
          [5, 10],
          [20, 25],
        ],
      ),
    ).toEqual([
      [0, 5],
      [10, 20],
      [25, 30],
    ]);
    expect(subtract([[5, 10]], [[0, 30]])).toEqual([]);
    expect(
      totalSeconds([
        [0, 5],
        [10, 12],
      ]),
    ).toBe(7);
    expect(
      coveragePercent(
        [
          [0, 45],
          [40, 90],
        ],
        100,
      ),
    ).toBe(90);
  });
});

const base = { covered: [] as Interval[], furthest: 0, budget: 1000, tolerance: 5, lockSeek: true, duration: 600 };

describe("creditSegments", () => {
  it("credits continuous play", () => {
    const r = creditSegments({ ...base, segments: [[0, 12]] });
    expect(r).toEqual({ covered: [[0, 12]], furthest: 12, credited: 12 });
  });

  it("never credits more than the wall-time budget: 10 minutes claimed in 30 s gives 30 s", () => {
    const r = creditSegments({ ...base, segments: [[0, 600]], budget: 30 });
    expect(r.credited).toBe(30);
    expect(r.furthest).toBe(30);
  });

  it("is idempotent: the same beat again credits nothing", () => {
    const first = creditSegments({ ...base, segments: [[0, 12]] });
    const again = creditSegments({ ...base, ...first, segments: [[0, 12]] });
    expect(again.credited).toBe(0);
    expect(again.covered).toEqual([[0, 12]]);
  });

  it("handles out-of-order and duplicate segments", () => {
    const r = creditSegments({
      ...base,
      segments: [
        [10, 20],
        [0, 10],
        [5, 15],
        [0, 10],
      ],
    });
    expect(r).toMatchObject({ covered: [[0, 20]], credited: 20, furthest: 20 });
  });

  it("does not credit a seek beyond the furthest point while locked", () => {
    const r = creditSegments({ ...base, covered: [[0, 60]], furthest: 60, segments: [[300, 320]] });
    expect(r.credited).toBe(0);
    expect(r.furthest).toBe(60);
  });

  it("allows a small tolerance past the furthest point", () => {
    const r = creditSegments({ ...base, covered: [[0, 60]], furthest: 60, segments: [[63, 70]] });
    expect(r.credited).toBe(7);
    expect(r.furthest).toBe(70);
  });

  it("credits gaps filled after seeking back", () => {
    const r = creditSegments({
      ...base,
      covered: [
        [0, 10],
        [20, 60],
      ],
      furthest: 60,
      segments: [[8, 22]],
    });
    expect(r.credited).toBe(10);
    expect(r.covered).toEqual([[0, 60]]);
  });

  it("credits anywhere once seeking is free (lesson complete or unlocked course)", () => {
    const r = creditSegments({ ...base, lockSeek: false, segments: [[300, 320]] });
    expect(r.credited).toBe(20);
  });

  it("stops at the video's end", () => {
    const r = creditSegments({ ...base, covered: [[0, 590]], furthest: 590, segments: [[590, 700]] });
    expect(r.credited).toBe(10);
    expect(r.furthest).toBe(600);
  });

  it("spends the budget in time order across several segments", () => {
    const r = creditSegments({
      ...base,
      segments: [
        [0, 10],
        [10, 30],
      ],
      budget: 15,
    });
    expect(r.credited).toBe(15);
    expect(r.covered).toEqual([[0, 15]]);
  });

  it("a chain of segments can walk forward past the old furthest point within one beat", () => {
    const r = creditSegments({
      ...base,
      covered: [[0, 10]],
      furthest: 10,
      segments: [
        [10, 20],
        [20, 30],
      ],
    });
    expect(r.furthest).toBe(30);
    expect(r.credited).toBe(20);
  });
});
