// A published course's declared 学时 must add up: lessons + assignments (when passed) + offline_hours,
// electives giving a range. A mismatch is one Chinese message at course.md's `hours:` line.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatError, parseCourse, parseCourses } from "../../app/utils/course-format.server.ts";

const SAMPLE = path.resolve("tests/fixtures/courses/sample");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "declared-hours-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;

/** The sample course (lessons 1.5 + 2 required, 2 elective; an assignment of 2; offline_hours 0.5) with course.md edited. */
function errorsWith(edit: (courseMd: string) => string): string[] {
  const dir = path.join(tmp, String(++n), "sample");
  fs.cpSync(SAMPLE, dir, { recursive: true });
  const file = path.join(dir, "course.md");
  fs.writeFileSync(file, edit(fs.readFileSync(file, "utf8")));
  return parseCourse(dir, "courses/sample").errors.map(formatError);
}

describe("declared 学时", () => {
  it("accepts any total from the required part to everything, electives included", () => {
    for (const h of ["6", "7", "8"]) expect(errorsWith((t) => t.replace("hours: 8", `hours: ${h}`))).toEqual([]);
  });

  it("reports a total the course cannot give, or passes, at the hours: line in Chinese", () => {
    expect(errorsWith((t) => t.replace("hours: 8", "hours: 9"))).toEqual([
      "courses/sample/course.md:5: 学时（hours）写的是 9，但本课程能获得的学时合计 6–8（课时 3.5（另有选修 2） + 作业 2 + 线下 0.5）：请改正 hours，或用 offline_hours 写明线下学时",
    ]);
    expect(errorsWith((t) => t.replace("offline_hours: 0.5\n", "").replace("hours: 8", "hours: 5"))).toEqual([
      "courses/sample/course.md:5: 学时（hours）写的是 5，但本课程能获得的学时合计 5.5–7.5（课时 3.5（另有选修 2） + 作业 2 + 线下 0）：请改正 hours，或用 offline_hours 写明线下学时",
    ]);
  });

  it("counts offline_hours toward the total and checks its steps", () => {
    expect(errorsWith((t) => t.replace("offline_hours: 0.5", "offline_hours: 1.5").replace("hours: 8", "hours: 9"))).toEqual([]);
    expect(errorsWith((t) => t.replace("offline_hours: 0.5", "offline_hours: 0.3"))).toEqual([
      "courses/sample/course.md:11: 线下学时（offline_hours）必须以 0.5 为单位",
    ]);
  });

  it("leaves an unpublished draft alone, so a course can be written lesson by lesson", () => {
    expect(errorsWith((t) => t.replace("hours: 8", "hours: 30\npublished: false"))).toEqual([]);
  });

  it("the demo courses declare exactly what their lessons and assignments give", () => {
    expect(parseCourses("courses").errors.map(formatError)).toEqual([]);
  });
});
