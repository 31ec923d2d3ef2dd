// PostgreSQL only (TEST_PG=1): three production servers started at the same moment on one new database and
// one DATA_DIR, as a deployment of several machines starts. Each migrates (Kysely's advisory lock) and then
// seeds and syncs the bundled courses in turn (the `setup` lease): all three come up, the demo data and the
// courses exist once, and a session or a throttle counter made on one instance holds on the others.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "../../app/models/demo.server.ts";
import { openPostgres, type DB } from "../../app/utils/db.server.ts";
import { withDatabase } from "../../scripts/pg-cluster.ts";
import { testingOnPostgres } from "../setup/postgres.ts";
import { startServer, type TestServer } from "../setup/server.ts";

const onPostgres = testingOnPostgres();
let servers: TestServer[] = [];
let db: DB;

beforeAll(async () => {
  if (!onPostgres) return;
  const server = process.env.TEST_PG_SERVER!;
  const name = `three_${process.pid}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(server, name);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-three-"));
  servers = await Promise.all([0, 1, 2].map(() => startServer({ DATABASE_URL: url, COOKIE_SECURE: "0" }, dataDir)));
  db = openPostgres(url, { max: 2 });
}, 180_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await db?.destroy();
});

const signIn = (base: string, username: string, password = DEMO_PASSWORD) =>
  fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { Origin: base, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ username, password }),
  });

describe.skipIf(!onPostgres)("three instances started together on one new PostgreSQL database", () => {
  it("all three come up; the demo accounts and the bundled courses exist once; the setup lease was released", async () => {
    expect(servers).toHaveLength(3);
    const seededBy = servers.filter((s) => s.output().includes("已载入演示数据"));
    expect(seededBy).toHaveLength(1);
    const users = await db.selectFrom("users").select("username").execute();
    expect(users.map((u) => u.username).sort()).toEqual(["2021030", "2022015", "2023001", "2023002", "2023101", "js001", "pl001", "sj001", "zzb001"]);
    const courses = await db.selectFrom("courses").select("slug").execute();
    expect(courses.map((c) => c.slug).sort()).toEqual(["fazhan-duixiang", "jijifenzi-peixun", "yubei-dangyuan"]);
    const lease = await db.selectFrom("job_leases").select("until").where("name", "=", "setup").executeTakeFirstOrThrow();
    expect(lease.until).toBe(0);
  });

  it("a sign-in on one instance is a session on the others; failed sign-ins count across all three", async () => {
    const res = await signIn(servers[0]!.url, "2023002");
    expect(res.status).toBe(302);
    const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
    for (const s of servers.slice(1)) {
      const home = await fetch(`${s.url}/`, { headers: { Cookie: cookie } });
      expect(home.status).toBe(200);
      expect(await home.text()).toContain("陈思雨");
    }
    for (let i = 0; i < 10; i++) expect((await signIn(servers[i % 3]!.url, "2021030", `wrong-${i}`)).status, `attempt ${i + 1}`).toBe(401);
    for (const s of servers) {
      const locked = await signIn(s.url, "2021030"); // the right password, on every instance
      expect(locked.status).toBe(429);
      expect(await locked.text()).toContain("尝试次数过多");
    }
  });
});
