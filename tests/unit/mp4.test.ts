import { describe, expect, it } from "vitest";
import { mp4Duration } from "../../app/utils/mp4.server.ts";

describe("mp4Duration", () => {
  it("reads the movie header of a real MP4", () => {
    expect(mp4Duration("tests/fixtures/media/tiny-8s.mp4")).toBeCloseTo(8, 0);
  });
  it("returns null for a file that is not an MP4", () => {
    expect(mp4Duration("package.json")).toBeNull();
  });
});
