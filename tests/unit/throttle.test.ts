// Password guessing: per account across all addresses (slowing, then a lock its owner and admins see and
// clear, audited), per address with a high ceiling that slows and never locks; the current password on
// /account/password counts like a sign-in.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as home from "../../app/routes/_index.tsx";
import * as password from "../../app/routes/account.password.tsx";
import * as adminUser from "../../app/routes/admin.users.$userId.tsx";
import { login } from "../../app/guards/auth.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import {
  ACCOUNT_FIRST_WAIT_SECONDS,
  ACCOUNT_FREE_FAILURES,
  ACCOUNT_LOCK_FAILURES,
  ACCOUNT_LOCK_SECONDS,
  ADDRESS_CEILING,
  ADDRESS_SLOW_SECONDS,
  loginWait,
  recordLoginFailure,
  recordVerifyMiss,
  VERIFY_LOCK_SECONDS,
  VERIFY_MISS_LIMIT,
  verifyLockedFor,
} from "../../app/models/throttle.server.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, TEST_PASSWORD, testContext } from "../setup/db.ts";

let db: DB;
let tree: Awaited<ReturnType<typeof createTestTree>>;
beforeEach(async () => {
  db = await createTestDb();
  tree = await createTestTree(db);
});
afterEach(() => vi.useRealTimers());

const from = (ip: string) => testContext(db, { clientIp: ip });
const auditOf = (action: string) => db.selectFrom("audit_log").selectAll().where("action", "=", action).execute();
const T = 1_800_000_000;

describe("per account, across all addresses", () => {
  it("guesses spread over many addresses are limited per account", async () => {
    const u = await createTestUser(db, { orgUnitId: tree.branchA });
    for (let i = 0; i < ACCOUNT_FREE_FAILURES; i++)
      expect(await login(from(`198.51.100.${i}`), u.username, `wrong-${i}`)).toMatchObject({ ok: false, status: 401 });
    const next = await login(from("203.0.113.99"), u.username, TEST_PASSWORD);
    expect(next).toMatchObject({ ok: false, status: 429 });
    // The username is compared as typed, without case or surrounding space.
    expect(await login(from("203.0.113.98"), ` ${u.username.toUpperCase()} `, TEST_PASSWORD)).toMatchObject({ status: 429 });
  });

  it("slows with doubling waits, then locks; an unknown username is treated the same", async () => {
    for (const name of ["2023001", "no-such-user"]) {
      let t = T;
      for (let f = 1; f <= ACCOUNT_LOCK_FAILURES; f++) {
        await recordLoginFailure(db, name, `192.0.2.${f}`, t);
        const wait = await loginWait(db, name, "192.0.2.200", t);
        if (f < ACCOUNT_FREE_FAILURES) expect(wait, `after ${f}`).toBeNull();
        else if (f < ACCOUNT_LOCK_FAILURES)
          expect(wait).toEqual({ reason: "account_slowed", until: t + ACCOUNT_FIRST_WAIT_SECONDS * 2 ** (f - ACCOUNT_FREE_FAILURES) });
        else expect(wait).toEqual({ reason: "account_locked", until: t + ACCOUNT_LOCK_SECONDS });
        t = wait ? wait.until : t + 1;
      }
    }
  });

  it("a lock is audited, shown to admins and to the owner signed in elsewhere, and either can clear it (audited)", async () => {
    const owner = await createTestUser(db, { orgUnitId: tree.branchA, name: "被猜者" });
    const admin = await createTestUser(db, { orgUnitId: tree.branchA, roles: ["admin"], stage: "full" });
    vi.useFakeTimers({ now: Date.now(), toFake: ["Date"] }); // sessions were made at the real time
    for (let f = 1; f <= ACCOUNT_LOCK_FAILURES; f++) {
      expect(await login(from(`198.51.100.${f}`), owner.username, "guess")).toMatchObject({ status: 401 });
      const wait = await loginWait(db, owner.username, "x");
      if (wait && f < ACCOUNT_LOCK_FAILURES) vi.setSystemTime(wait.until * 1000 + 1000); // waits out each slowing
    }
    vi.setSystemTime(Date.now() + 3600_000); // an hour into the lock
    expect(await login(from("203.0.113.1"), owner.username, TEST_PASSWORD)).toMatchObject({
      status: 429,
      message: expect.stringMatching(/尝试次数过多.*已被锁定/),
    });
    const locked = await auditOf("account.locked");
    expect(locked).toHaveLength(1);
    expect(locked[0]).toMatchObject({ target_type: "user", target_id: String(owner.id), ip: `198.51.100.${ACCOUNT_LOCK_FAILURES}` });
    expect(JSON.parse(locked[0].detail!)).toMatchObject({ username: owner.username, failures: ACCOUNT_LOCK_FAILURES });

    // The admin sees it on the user's page…
    const p = { userId: String(owner.id) };
    const page = await outcome(
      adminUser.loader({ request: makeRequest(`/admin/users/${owner.id}`, { cookie: admin.cookie }), context: testContext(db), params: p }),
    );
    expect(page.data.lock).toMatchObject({ locked: true, failures: ACCOUNT_LOCK_FAILURES });
    // …and so does the owner, signed in on another device.
    const ownerHome = await outcome(home.loader({ request: makeRequest("/", { cookie: owner.cookie }), context: testContext(db), params: {} }));
    expect(ownerHome.data.lock).toMatchObject({ locked: true });
    const cleared = await outcome(
      home.action({ request: makeRequest("/?index", { cookie: owner.cookie, form: { intent: "unlock" } }), context: testContext(db), params: {} }),
    );
    expect(cleared.data.message).toMatch(/已解除锁定/);
    expect(
      (await outcome(adminUser.loader({ request: makeRequest(`/admin/users/${owner.id}`, { cookie: admin.cookie }), context: testContext(db), params: p })))
        .data.lock,
    ).toBeNull();
    expect(await login(from("203.0.113.1"), owner.username, TEST_PASSWORD)).toMatchObject({ ok: true });

    // Locked again; this time the admin clears it with 解除锁定.
    for (let f = 1; f <= ACCOUNT_LOCK_FAILURES; f++) {
      await login(from("198.51.100.7"), owner.username, "guess");
      const wait = await loginWait(db, owner.username, "x");
      if (wait && f < ACCOUNT_LOCK_FAILURES) vi.setSystemTime(wait.until * 1000 + 1000);
    }
    const done = await outcome(
      adminUser.action({
        request: makeRequest(`/admin/users/${owner.id}`, { cookie: admin.cookie, form: { intent: "unlock" } }),
        context: testContext(db),
        params: p,
      }),
    );
    expect(done.data).toMatchObject({ ok: true, message: "已解除锁定" });
    expect(await login(from("203.0.113.1"), owner.username, TEST_PASSWORD)).toMatchObject({ ok: true });
    const unlocks = await auditOf("account.unlock");
    expect(unlocks.map((a) => a.actor_id)).toEqual([owner.id, admin.id]);
    expect(await auditOf("account.locked")).toHaveLength(2);
    // A trainee cannot clear someone else's lock: the admin page is closed to them.
    expect(
      (
        await outcome(
          adminUser.action({
            request: makeRequest(`/admin/users/${admin.id}`, { cookie: owner.cookie, form: { intent: "unlock" } }),
            context: testContext(db),
            params: { userId: String(admin.id) },
          }),
        )
      ).status,
    ).toBe(403);
  });
});

describe("per address: a high ceiling that slows, never locks", () => {
  it("a dormitory behind one address keeps signing in after many failures across its accounts", async () => {
    const nat = "198.51.100.1";
    const users = await Promise.all(Array.from({ length: 13 }, () => createTestUser(db, { orgUnitId: tree.branchA })));
    for (const u of users.slice(0, 12)) for (let i = 0; i < 5; i++) expect(await login(from(nat), u.username, `typo-${i}`)).toMatchObject({ status: 401 });
    expect(await login(from(nat), users[12].username, TEST_PASSWORD)).toMatchObject({ ok: true });
  });

  it(`past ${ADDRESS_CEILING} failures within the hour the address waits ${ADDRESS_SLOW_SECONDS} s between guesses, then may guess again`, async () => {
    const ip = "203.0.113.50";
    for (let i = 0; i < ADDRESS_CEILING - 1; i++) await recordLoginFailure(db, `spray${i}`, ip, T + Math.floor(i / 10));
    const t = T + 30;
    expect(await loginWait(db, "anyone", ip, t)).toBeNull();
    await recordLoginFailure(db, "spray-last", ip, t);
    expect(await loginWait(db, "anyone", ip, t)).toEqual({ reason: "address_slowed", until: t + ADDRESS_SLOW_SECONDS });
    expect(await loginWait(db, "anyone", ip, t + ADDRESS_SLOW_SECONDS)).toBeNull();
    expect(await loginWait(db, "anyone", "203.0.113.51", t)).toBeNull();
    // An hour without failures and the address starts afresh.
    await recordLoginFailure(db, "later", ip, t + 3601);
    expect(await loginWait(db, "anyone", ip, t + 3601)).toBeNull();
  });
});

describe("current-password checks on /account/password", () => {
  const change = (cookie: string, current: string, next = "Tiger-lamp-cloud-9", ip = "198.51.100.20") =>
    outcome(
      password.action({
        request: makeRequest("/account/password", { cookie, form: { current, next, confirm: next } }),
        context: testContext(db, { clientIp: ip }),
        params: {},
      }),
    );

  it("are throttled and audited like sign-in, sharing the account's budget", async () => {
    const u = await createTestUser(db, { orgUnitId: tree.branchA });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await change(u.cookie, `wrong-${i}`)).status);
    expect(statuses.slice(0, ACCOUNT_FREE_FAILURES)).toEqual(Array(ACCOUNT_FREE_FAILURES).fill(400));
    expect(statuses.slice(ACCOUNT_FREE_FAILURES)).toEqual(Array(30 - ACCOUNT_FREE_FAILURES).fill(429));
    const refused = await change(u.cookie, TEST_PASSWORD);
    expect(refused).toMatchObject({ status: 429, data: { ok: false, message: expect.stringMatching(/尝试次数过多/) } });
    const failures = await auditOf("password.failure");
    expect(failures).toHaveLength(ACCOUNT_FREE_FAILURES);
    expect(failures[0]).toMatchObject({ actor_id: u.id, ip: "198.51.100.20" });
    expect((await auditOf("password.throttled")).length).toBe(30 - ACCOUNT_FREE_FAILURES + 1);
    // The same budget as sign-in: the account cannot sign in from elsewhere either.
    expect(await login(from("203.0.113.3"), u.username, TEST_PASSWORD)).toMatchObject({ status: 429 });
  });

  it("refuse a common password with a Chinese reason, also at the forced first change", async () => {
    const u = await createTestUser(db, { orgUnitId: tree.branchA });
    await db.updateTable("users").set({ must_change_password: 1 }).where("id", "=", u.id).execute();
    for (const weak of ["password1", "newpass123", "abcd1234", "qwertyuiop12", `${u.username}abc`]) {
      const r = await change(u.cookie, TEST_PASSWORD, weak);
      expect(r.status, weak).toBe(400);
      expect(r.data.message, weak).toMatch(/^密码太容易被猜到：[\u4e00-\u9fff]/);
      expect(r.data.errors, weak).toEqual({ next: r.data.message });
    }
    expect((await db.selectFrom("users").select("must_change_password").where("id", "=", u.id).executeTakeFirstOrThrow()).must_change_password).toBe(1);
    const wrong = await change(u.cookie, "not-my-password");
    expect(wrong.data).toEqual({ ok: false, message: "当前密码不正确", errors: { current: "当前密码不正确" } });
    expect((await change(u.cookie, TEST_PASSWORD, "Tiger-lamp-cloud-9")).status).toBe(302);
  });
});

describe("certificate lookups by number and name: their own rule per address", () => {
  it(`the ${VERIFY_MISS_LIMIT}th miss in a run makes the address wait, then it starts afresh; an hour without a miss forgets the run`, async () => {
    const ip = "192.0.2.7";
    for (let i = 0; i < VERIFY_MISS_LIMIT - 1; i++) await recordVerifyMiss(db, ip, T + i);
    expect(await verifyLockedFor(db, ip, T + 20)).toBe(0);
    await recordVerifyMiss(db, ip, T + 20);
    expect(await verifyLockedFor(db, ip, T + 20)).toBe(VERIFY_LOCK_SECONDS);
    expect(await verifyLockedFor(db, "192.0.2.8", T + 20)).toBe(0); // another address is not touched
    const after = T + 20 + VERIFY_LOCK_SECONDS;
    expect(await verifyLockedFor(db, ip, after)).toBe(0);
    await recordVerifyMiss(db, ip, after); // a fresh run: one miss, no wait
    expect(await verifyLockedFor(db, ip, after)).toBe(0);
    // Misses more than an hour apart never add up to a wait (they did: the count had no memory).
    for (let i = 1; i < 2 * VERIFY_MISS_LIMIT; i++) await recordVerifyMiss(db, ip, after + i * 3601);
    expect(await verifyLockedFor(db, ip, after + 2 * VERIFY_MISS_LIMIT * 3601)).toBe(0);
    // The sign-in counters of the address are not the lookup's.
    expect(await loginWait(db, "anyone", ip, after)).toBeNull();
  });
});
