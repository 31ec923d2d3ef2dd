// Static name → module map: Vitest cannot load .ts migrations through FileMigrationProvider.
import type { Migration } from "kysely";
import * as m0001 from "./0001_foundation.ts";
import * as m0002 from "./0002_courses.ts";
import * as m0003 from "./0003_progress.ts";
import * as m0004 from "./0004_exams.ts";
import * as m0005 from "./0005_assignments.ts";
import * as m0007 from "./0007_pending_imports.ts";
import * as m0008 from "./0008_desk.ts";
import * as m0009 from "./0009_classes.ts";
import * as m0010 from "./0010_security.ts";
import * as m0011 from "./0011_import_locks.ts";
import * as m0012 from "./0012_completion_desk.ts";
import * as m0013 from "./0013_course_roots.ts";
import * as m0016 from "./0016_interaction.ts";

export const migrations: Record<string, Migration> = {
  "0001_foundation": m0001,
  "0002_courses": m0002,
  "0003_progress": m0003,
  "0004_exams": m0004,
  "0005_assignments": m0005,
  "0007_pending_imports": m0007,
  "0008_desk": m0008,
  "0009_classes": m0009,
  "0010_security": m0010,
  "0011_import_locks": m0011,
  "0012_completion_desk": m0012,
  "0013_course_roots": m0013,
  "0016_interaction": m0016,
};
