// Who may see a course: the one home of that rule. Every model that shows a course, a lesson, an exam,
// an assignment or a class by its courses asks here, in JavaScript for a row it already holds or in SQL
// for a list.
//
// - A trainee sees a course that is published, not archived, and whose audience names their stage.
// - An instructor sees (and edits) every course that names their 工号 — only while they hold the
//   instructor role; an admin sees every course, drafts and archived ones included.
// - A secretary follows (progress, results) every published, current course, scoped to their subtree
//   by the caller (inSubtree in app/utils/db.server.ts).
import { sql, type Expression, type RawBuilder, type SqlBool } from "kysely";
import type { Role, Stage } from "../../db/types.ts";
import { jsonArrayHas, type DB } from "~/utils/db.server.ts";

/** Who is looking. */
export type Viewer = { username: string; stage: Stage; roles: readonly Role[] };

type Named = { instructors: readonly string[] };
type Listed = { published: boolean; archived: boolean; audience: readonly Stage[] };

/** An instructor named in the course (holding the instructor role). */
function teaches(course: Named, viewer: Pick<Viewer, "username" | "roles">): boolean {
  return viewer.roles.includes("instructor") && course.instructors.includes(viewer.username);
}

/** Admins, and instructors of the course, see (and edit) it in any state. */
export function seesEverything(course: Named, viewer: Pick<Viewer, "username" | "roles">): boolean {
  return viewer.roles.includes("admin") || teaches(course, viewer);
}

/** A trainee of this stage may learn the course: published, current, and for their stage. */
export function openToStage(course: Listed, stage: Stage): boolean {
  return course.published && !course.archived && course.audience.includes(stage);
}

/** May this viewer open the course at all (reader pages, media, exams, assignments)? */
export function canSeeCourse(course: Named & Listed, viewer: Viewer): boolean {
  return seesEverything(course, viewer) || openToStage(course, viewer.stage);
}

/** May this staff member follow the course's trainees (all of them, or a secretary their subtree)? */
export function followsCourse(course: Named & Listed, viewer: Pick<Viewer, "username" | "roles">): boolean {
  return seesEverything(course, viewer) || (viewer.roles.includes("secretary") && course.published && !course.archived);
}

/** A raw courses row (JSON text, 0/1 flags) in the shape the rules above take. */
export function courseFromRow(row: { published: number; archived: number; audience: string; instructors: string }): Named & Listed {
  return {
    published: row.published === 1,
    archived: row.archived === 1,
    audience: JSON.parse(row.audience) as Stage[],
    instructors: JSON.parse(row.instructors) as string[],
  };
}

// ------------------------------------------------------------------------------------------ SQL

/** SQL: the course_audiences rows of the course in column `courseId` include `stage` (a value or a column). */
function audienceHas(courseId: string, stage: RawBuilder<unknown>): RawBuilder<SqlBool> {
  return sql<SqlBool>`exists (select 1 from course_audiences ca where ca.course_id = ${sql.ref(courseId)} and ca.stage = ${stage})`;
}

const openSql = (alias: string, stage: RawBuilder<unknown>) =>
  sql<SqlBool>`(${sql.ref(`${alias}.published`)} = 1 and ${sql.ref(`${alias}.archived`)} = 0 and ${audienceHas(`${alias}.id`, stage)})`;

/** SQL: the course aliased `alias` is open to trainees of `stage` (published, current, for the stage). */
export function openToStageSql(alias: string, stage: Stage): Expression<SqlBool> {
  return openSql(alias, sql.val(stage));
}

/**
 * SQL: the course aliased `courseAlias` is open to the person aliased `userAlias` as a trainee — published,
 * current, and for their stage (`openToStage` with the stage read from the row). Class membership grants
 * nothing here: a class lists courses, it does not open them to another stage.
 */
export function openToUserSql(courseAlias: string, userAlias: string): Expression<SqlBool> {
  return openSql(courseAlias, sql.ref(`${userAlias}.stage`));
}

/** SQL: the course's JSON instructors column (e.g. "c.instructors") names `username` exactly. */
export function namesInstructor(db: DB, instructors: string, username: string): RawBuilder<SqlBool> {
  return jsonArrayHas(db, instructors, username);
}

/** SQL for "courses this staff member teaches": every course for an admin, named ones for an instructor, none otherwise. */
export function taughtBySql(db: DB, instructors: string, viewer: Pick<Viewer, "username" | "roles">): Expression<SqlBool> {
  if (viewer.roles.includes("admin")) return sql<SqlBool>`1 = 1`;
  if (!viewer.roles.includes("instructor")) return sql<SqlBool>`1 = 0`;
  return namesInstructor(db, instructors, viewer.username);
}

// ------------------------------------------------------------------------------------------ writing

/**
 * The one writer of a course's audience: the JSON copy on the row (what pages show) and the
 * course_audiences rows (what queries match) change together, inside the caller's transaction.
 */
export async function setCourseAudience(trx: DB, courseId: number, stages: readonly Stage[]): Promise<void> {
  const unique = [...new Set(stages)];
  await trx
    .updateTable("courses")
    .set({ audience: JSON.stringify(unique) })
    .where("id", "=", courseId)
    .execute();
  await trx.deleteFrom("course_audiences").where("course_id", "=", courseId).execute();
  if (unique.length)
    await trx
      .insertInto("course_audiences")
      .values(unique.map((stage) => ({ course_id: courseId, stage })))
      .execute();
}
