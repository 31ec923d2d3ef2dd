// What every instance does at start after the migrations: the demo data into a new database and the sync
// of the COURSES_DIR roots. Several instances starting together (or `npm run courses:sync` beside running
// servers) would seed twice or apply the same course twice; the `setup` lease makes them take turns, and
// the next one finds the work done (the seed skips a database with users, the sync skips unchanged courses).
import { seedDemo } from "~/models/demo.server.ts";
import { syncCourses, type SyncResult } from "~/models/courses.server.ts";
import { withLease } from "~/models/job-leases.server.ts";
import type { DB } from "~/utils/db.server.ts";
import type { Storage } from "~/utils/storage.server.ts";

/** The lease held while seeding or syncing courses; two minutes, renewed while the work runs. */
const SETUP_LEASE = { name: "setup", seconds: 120 } as const;

export const whileSettingUp = <T>(db: DB, owner: string, fn: () => Promise<T>) => withLease(db, SETUP_LEASE.name, owner, SETUP_LEASE.seconds, fn);

export async function setUpOnce(
  db: DB,
  opts: { owner: string; seed: boolean; courseRoots: string[]; storage: Storage },
): Promise<{ seeded: boolean; synced: SyncResult | null }> {
  return whileSettingUp(db, opts.owner, async () => ({
    seeded: opts.seed ? await seedDemo(db) : false,
    // A start never archives a course: that takes `npm run courses:sync -- --prune`.
    synced: opts.courseRoots.length ? await syncCourses(db, { root: opts.courseRoots, storage: opts.storage, leaveOthers: true }) : null,
  }));
}
