// Test helpers: a real migrated database (in-memory SQLite, or a fresh PostgreSQL database under TEST_PG: see
// postgres.ts) and the load context routes expect.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrateToLatest } from "../../db/migrate.ts";
import { createStorage } from "../../app/utils/storage.server.ts";
import type { Role, Stage } from "../../db/types.ts";
import type { AppContext } from "../../app/load-context.ts";
import { createOrgUnit } from "../../app/models/org.server.ts";
import { createUser } from "../../app/models/users.server.ts";
import { openDatabase, type DB } from "../../app/utils/db.server.ts";
import { configOf, loadEnv } from "../../app/utils/env.server.ts";
import { createSession, SESSION_COOKIE } from "../../app/utils/session.server.ts";
import { createPostgresTestDb, reopenPostgresTestDb, testingOnPostgres } from "./postgres.ts";

export async function createTestDb(): Promise<DB> {
  if (testingOnPostgres()) return createPostgresTestDb();
  const db = openDatabase(":memory:");
  await migrateToLatest(db);
  return db;
}

/**
 * Another handle on the database of `db`, as another app instance has: on PostgreSQL a pool of its own (its
 * transactions really overlap with those of `db`). On SQLite `db` itself: better-sqlite3 waits for a busy
 * lock synchronously, so a second connection in the same process would block the event loop that the first
 * needs to finish; several SQLite processes are tested over HTTP (tests/integration/two-instances.test.ts).
 */
export function openAgain(db: DB): DB {
  return testingOnPostgres() ? reopenPostgresTestDb(db) : db;
}

let sharedStorage: ReturnType<typeof createStorage> | undefined;

export function testContext(db: DB, overrides: Partial<AppContext> = {}): AppContext {
  const storage = (sharedStorage ??= createStorage(fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-test-"))));
  return {
    db,
    cspNonce: "test-nonce",
    clientIp: "203.0.113.7",
    cookieSecure: true,
    schoolName: "测试大学党校",
    storage,
    // As server.ts builds it, from the environment of the test (a test file may point DATA_DIR or COURSES_DIR elsewhere first).
    config: { ...configOf(loadEnv()), schoolCode: "DXU" },
    ...overrides,
  };
}

/** 校党委 → two 二级党委 → one branch each: enough to test scope. */
export async function createTestTree(db: DB) {
  const actor = { actorId: null };
  const root = await createOrgUnit(db, { name: "校党委", parentId: null }, actor);
  const subA = await createOrgUnit(db, { name: "甲学院党委", parentId: root }, actor);
  const branchA = await createOrgUnit(db, { name: "甲学院第一党支部", parentId: subA }, actor);
  const subB = await createOrgUnit(db, { name: "乙学院党委", parentId: root }, actor);
  const branchB = await createOrgUnit(db, { name: "乙学院第一党支部", parentId: subB }, actor);
  return { root, subA, branchA, subB, branchB };
}

let seq = 0;
export const TEST_PASSWORD = "test1234abcd";

export async function createTestUser(db: DB, opts: { orgUnitId: number; roles?: Role[]; stage?: Stage; username?: string; name?: string }) {
  const username = opts.username ?? `u${++seq}${Date.now() % 100000}`;
  const { id } = await createUser(
    db,
    {
      username,
      name: opts.name ?? `测试${seq}`,
      gender: "男",
      orgUnitId: opts.orgUnitId,
      stage: opts.stage ?? "activist",
      roles: opts.roles ?? ["trainee"],
    },
    { actorId: null },
    TEST_PASSWORD,
  );
  const { token } = await createSession(db, id);
  return { id, username, token, cookie: `${SESSION_COOKIE}=${token}` };
}

/** A request as a browser on our own origin would send it. */
export function makeRequest(path: string, init: { cookie?: string; method?: string; form?: Record<string, string | string[]> } = {}) {
  const headers = new Headers({ Origin: "http://localhost" });
  if (init.cookie) headers.set("Cookie", init.cookie);
  let body: FormData | undefined;
  if (init.form) {
    body = new FormData();
    for (const [k, v] of Object.entries(init.form)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  }
  return new Request(`http://localhost${path}`, { method: init.method ?? (body ? "POST" : "GET"), headers, body });
}

/** Status and payload of whatever a loader/action produced: a Response, data(), or a plain value. */
export async function outcome(p: Promise<unknown> | unknown): Promise<{ status: number; data: any; location: string | null; headers: Headers }> {
  let v: unknown;
  try {
    v = await p;
  } catch (e) {
    v = e;
  }
  if (v instanceof Response) {
    const text = await v.text();
    let data: unknown = text;
    try {
      data = JSON.parse(text);
    } catch {
      /* plain text body */
    }
    return { status: v.status, data, location: v.headers.get("Location"), headers: v.headers };
  }
  if (v && typeof v === "object" && (v as { type?: string }).type === "DataWithResponseInit") {
    const d = v as { data: unknown; init: ResponseInit | null };
    return { status: d.init?.status ?? 200, data: d.data, location: null, headers: new Headers(d.init?.headers) };
  }
  if (v instanceof Error) throw v;
  return { status: 200, data: v, location: null, headers: new Headers() };
}
