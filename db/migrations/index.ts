// Static name → module map: Vitest cannot load .ts migrations through FileMigrationProvider.
//
// There is no 0006, on purpose. No file of that number was ever committed (`git log --all -- 'db/migrations/0006*'`
// is empty): numbers are handed out per engineer before parallel work, 0006 was reserved in the round that
// added 0007_pending_imports (commit e2360c9), and the branch holding it merged without a migration. No
// database has a 0006 row; Kysely applies migrations in name order, so the gap is harmless. A number is
// never reused, so that a database which ran one can never meet a different migration of the same name.
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
import * as m0014 from "./0014_course_audiences.ts";
import * as m0015 from "./0015_branch_side.ts";
import * as m0016 from "./0016_interaction.ts";
import * as m0017 from "./0017_report_drafts_review_files.ts";
import * as m0018 from "./0018_org_webhooks.ts";
import * as m0019 from "./0019_growth_indexes.ts";

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
  "0014_course_audiences": m0014,
  "0015_branch_side": m0015,
  "0016_interaction": m0016,
  "0017_report_drafts_review_files": m0017,
  "0018_org_webhooks": m0018,
  "0019_growth_indexes": m0019,
};
