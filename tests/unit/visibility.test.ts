// Who may see a course, over roles × member stages × course states, through every model entry point
// that decides it (reader, catalog, heartbeats, exams, staff lists, authoring list), against a truth
// table written out here — not computed by the module under test. Also: the audience join table is
// back-filled by its migration and kept in step by the sync.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Migrator } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrations } from "../../db/migrations/index.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import type { Role, Stage } from "../../db/types.ts";
import { listAuthorableCourses } from "../../app/models/authoring.server.ts";
import { getCourseBySlug, listCatalogForStage, listCoursesForStaff, syncCourses } from "../../app/models/courses.server.ts";
import { getExamForTrainee } from "../../app/models/exams/attempts.server.ts";
import { recordBeat } from "../../app/models/progress.server.ts";
import { followsCourse } from "../../app/models/visibility.server.ts";
import { openDatabase, type DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser } from "../setup/db.ts";

const SAMPLE = path.resolve("tests/fixtures/courses/sample"); // audience 入党积极分子, 发展对象; instructor js001
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "visibility-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Person = { label: string; username: string; stage: Stage; roles: Role[] };
const STAGES: Stage[] = ["applicant", "activist", "candidate", "probationary", "full"];
const PEOPLE: Person[] = [
  ...STAGES.map((stage) => ({ label: `trainee/${stage}`, username: `t-${stage}`, stage, roles: ["trainee"] as Role[] })),
  { label: "named instructor", username: "js001", stage: "full", roles: ["instructor"] },
  { label: "other instructor", username: "js002", stage: "full", roles: ["instructor"] },
  { label: "named, no instructor role", username: "js001", stage: "full", roles: ["secretary"] },
  { label: "admin", username: "admin1", stage: "full", roles: ["admin"] },
  { label: "secretary", username: "sj001", stage: "full", roles: ["secretary"] },
];
const STATES = [
  { label: "published", published: 1, archived: 0 },
  { label: "draft", published: 0, archived: 0 },
  { label: "archived", published: 1, archived: 1 },
] as const;

/** The rule, written out: staff of the course always; a trainee only a published, current course for their stage. */
function expectedSees(p: Person, state: (typeof STATES)[number]): boolean {
  if (p.roles.includes("admin") || (p.roles.includes("instructor") && p.username === "js001")) return true;
  return state.published === 1 && state.archived === 0 && (p.stage === "activist" || p.stage === "candidate");
}

let db: DB;
let lessonId: number;
const ids = new Map<string, number>();

beforeAll(async () => {
  const root = fs.mkdtempSync(path.join(tmp, "root-"));
  fs.cpSync(SAMPLE, path.join(root, "sample"), { recursive: true });
  db = await createTestDb();
  const tree = await createTestTree(db);
  const synced = await syncCourses(db, { root, label: "courses" });
  expect(synced.ok).toBe(true);
  lessonId = (await db.selectFrom("lessons").select("id").orderBy("position").executeTakeFirstOrThrow()).id;
  for (const p of PEOPLE) {
    if (ids.has(p.username)) continue;
    ids.set(p.username, (await createTestUser(db, { orgUnitId: tree.branchA, username: p.username, stage: p.stage, roles: p.roles })).id);
  }
});

describe("who may see a course", () => {
  for (const state of STATES) {
    describe(`a ${state.label} course`, () => {
      beforeAll(async () => {
        await db.updateTable("courses").set({ published: state.published, archived: state.archived }).execute();
        await db.deleteFrom("learning_presence").execute();
      });
      for (const p of PEOPLE) {
        const sees = expectedSees(p, state);
        it(`${p.label}: ${sees ? "sees it" : "does not see it"} on the course page, the exam page and the staff list`, async () => {
          const viewer = { id: ids.get(p.username)!, username: p.username, stage: p.stage, roles: p.roles };
          expect(!!(await getCourseBySlug(db, "sample", viewer))).toBe(sees);
          expect(!!(await getExamForTrainee(db, { slug: "sample", key: "jieye", viewer }))).toBe(sees);
          const staff = p.roles.includes("trainee") ? [] : await listCoursesForStaff(db, viewer);
          const follows = state.archived === 0 && (sees || (p.roles.includes("secretary") && state.published === 1));
          if (!p.roles.includes("trainee")) expect(staff.map((c) => c.slug)).toEqual(follows ? ["sample"] : []);
        });
        if (p.roles.includes("trainee")) {
          it(`${p.label}: the catalog and the lesson heartbeat agree with the course page`, async () => {
            expect((await listCatalogForStage(db, p.stage)).map((c) => c.slug)).toEqual(sees ? ["sample"] : []);
            const beat = await recordBeat(db, {
              userId: ids.get(p.username)!,
              stage: p.stage,
              lessonId,
              beat: { tabId: "t", segments: [], position: 0, visible: true },
            });
            expect(beat.ok || beat.reason !== "not_found").toBe(sees);
          });
        }
      }
    });
  }

  it("a secretary follows only published, current courses", () => {
    const course = { instructors: ["js001"], audience: ["activist"] as Stage[] };
    const sj = { username: "sj001", roles: ["secretary"] as Role[] };
    expect(followsCourse({ ...course, published: true, archived: false }, sj)).toBe(true);
    expect(followsCourse({ ...course, published: false, archived: false }, sj)).toBe(false);
    expect(followsCourse({ ...course, published: true, archived: true }, sj)).toBe(false);
  });
});

describe("the authoring list", () => {
  it("lists a course for its named instructor, and not for someone named in it who lost the instructor role", async () => {
    await db.updateTable("courses").set({ published: 1, archived: 0 }).execute();
    expect((await listAuthorableCourses(db, { username: "js001", roles: ["instructor"] })).map((c) => c.slug)).toEqual(["sample"]);
    expect(await listAuthorableCourses(db, { username: "js001", roles: ["secretary"] })).toEqual([]);
    expect(await listAuthorableCourses(db, { username: "js002", roles: ["instructor"] })).toEqual([]);
    expect((await listAuthorableCourses(db, { username: "admin1", roles: ["admin"] })).map((c) => c.slug)).toEqual(["sample"]);
  });
});

describe("the audience table", () => {
  it("is back-filled from the JSON audience of courses that existed before migration 0014", async () => {
    const old = openDatabase(":memory:");
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < "0014"));
    await new Migrator({ db: old, provider: { getMigrations: async () => before } }).migrateToLatest();
    await old
      .insertInto("courses")
      .values({
        slug: "old",
        title: "旧课程",
        summary: "",
        audience: '["activist","candidate"]',
        hours: 1,
        instructors: "[]",
        cover: null,
        progress: "{}",
        intro_md: "",
        content_hash: "h",
        created_at: 1,
        updated_at: 1,
      })
      .execute();
    await migrateToLatest(old);
    expect((await old.selectFrom("course_audiences").select("stage").orderBy("stage").execute()).map((r) => r.stage)).toEqual(["activist", "candidate"]);
    expect((await listCatalogForStage(old, "candidate")).map((c) => c.slug)).toEqual(["old"]);
    expect(await listCatalogForStage(old, "full")).toEqual([]);
  });

  it("follows a changed audience on the next sync", async () => {
    const root = fs.mkdtempSync(path.join(tmp, "root-"));
    fs.cpSync(SAMPLE, path.join(root, "sample"), { recursive: true });
    const fresh = openDatabase(":memory:");
    await migrateToLatest(fresh);
    expect((await syncCourses(fresh, { root, label: "courses" })).ok).toBe(true);
    expect((await listCatalogForStage(fresh, "candidate")).map((c) => c.slug)).toEqual(["sample"]);
    const md = path.join(root, "sample", "course.md");
    fs.writeFileSync(md, fs.readFileSync(md, "utf8").replace("audience: [入党积极分子, 发展对象]", "audience: [预备党员]"));
    expect((await syncCourses(fresh, { root, label: "courses" })).ok).toBe(true);
    expect(await listCatalogForStage(fresh, "candidate")).toEqual([]);
    expect((await listCatalogForStage(fresh, "probationary")).map((c) => c.audience)).toEqual([["probationary"]]);
    expect(await fresh.selectFrom("course_audiences").selectAll().execute()).toEqual([{ course_id: 1, stage: "probationary" }]);
  });
});
