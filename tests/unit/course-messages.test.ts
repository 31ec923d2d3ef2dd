// One Chinese catalogue for the course format, the sync and the zip import: every message reads as
// Chinese, and the modules that used to write their own messages now take them from the catalogue.
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { MSG, SYNC_MSG, SYNC_STATUS, ZIP_MSG } from "../../app/utils/course-messages.server.ts";

/** Every message of a group, functions called with a stand-in for each argument. */
function messages(group: Record<string, unknown>, prefix = ""): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(group)) {
    const at = `${prefix}${key}`;
    if (typeof value === "string") out.push([at, value]);
    else if (typeof value === "function") {
      const text: unknown = value(...Array.from({ length: value.length }, () => ["甲"]));
      if (typeof text === "string") out.push([at, text]);
    } else if (value && typeof value === "object") out.push(...messages(value as Record<string, unknown>, `${at}.`));
  }
  return out;
}

const CJK = /[\u4e00-\u9fff]/;
/** Three English words in a row: a sentence of a library or of old code, not a key or a file name. */
const ENGLISH = /\b[A-Za-z]{2,}\s+[A-Za-z]{2,}\s+[A-Za-z]{2,}\b/;

describe("the course message catalogue", () => {
  it.each([
    ["MSG", MSG],
    ["SYNC_MSG", SYNC_MSG],
    ["SYNC_STATUS", SYNC_STATUS],
    ["ZIP_MSG", ZIP_MSG],
  ] as const)("%s reads as Chinese", (_name, group) => {
    const all = messages(group as Record<string, unknown>);
    expect(all.length).toBeGreaterThan(5);
    for (const [key, text] of all) {
      expect(text, key).toMatch(CJK);
      expect(text.replace(/npm run [^）)]*/g, ""), key).not.toMatch(ENGLISH);
    }
  });

  it("names the archive entry first in every message about one entry", () => {
    const entry = "课程/media/a.mp4";
    for (const f of [
      ZIP_MSG.bomb,
      ZIP_MSG.encrypted,
      ZIP_MSG.method,
      ZIP_MSG.damaged,
      ZIP_MSG.sizeMismatch,
      ZIP_MSG.truncated,
      ZIP_MSG.inflate,
      ZIP_MSG.checksum,
      ZIP_MSG.entryRefused,
      ZIP_MSG.unsafePath,
      ZIP_MSG.notCourseFile,
      ZIP_MSG.twice,
    ]) {
      expect((f as (n: string, x: never) => string)(entry, "原因" as never)).toMatch(/^课程\/media\/a\.mp4: \S/);
    }
    expect(ZIP_MSG.noCourseMd("课程/")).toMatch(/^课程\/course\.md: /);
  });

  it("is the only place the zip import and the import lock write a message", () => {
    // Chinese outside comments in these files would be a message written past the catalogue.
    for (const file of ["app/utils/course-zip.server.ts", "app/models/import-locks.server.ts"]) {
      const code = fs
        .readFileSync(file, "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/\/\/.*$/gm, "");
      expect(
        code.split("\n").filter((l) => CJK.test(l)),
        file,
      ).toEqual([]);
    }
    // The import's action and the zip part of the authoring model.
    const route = fs.readFileSync("app/routes/teach.import.tsx", "utf8");
    expect(route.slice(route.indexOf("export async function action"), route.indexOf("export default")).replace(/\/\/.*$/gm, "")).not.toMatch(CJK);
    const model = fs.readFileSync("app/models/authoring.server.ts", "utf8");
    const zipPart = model.slice(model.indexOf("async function unpackCourseZip"), model.indexOf("// ------", model.indexOf("async function unpackCourseZip")));
    expect(
      zipPart
        .replace(/\/\/.*$/gm, "")
        .split("\n")
        .filter((l) => CJK.test(l)),
    ).toEqual([]);
  });
});
