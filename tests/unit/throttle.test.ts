import { beforeEach, describe, expect, it, vi, afterEach } from "vitest";
import { IP_LIMIT, LOCK_SECONDS, loginLockedFor, PAIR_LIMIT, recordLoginFailure, recordLoginSuccess } from "../../app/utils/throttle.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { createTestDb } from "../setup/db.ts";

let db: DB;
beforeEach(async () => {
  db = await createTestDb();
});
afterEach(() => vi.useRealTimers());

describe("login throttling", () => {
  it("locks an account+IP pair after the limit of consecutive failures, and only that pair", async () => {
    for (let i = 0; i < PAIR_LIMIT - 1; i++) await recordLoginFailure(db, "2023001", "1.1.1.1");
    expect(await loginLockedFor(db, "2023001", "1.1.1.1")).toBe(0);
    await recordLoginFailure(db, "2023001", "1.1.1.1");
    expect(await loginLockedFor(db, "2023001", "1.1.1.1")).toBeGreaterThan(LOCK_SECONDS - 5);
    expect(await loginLockedFor(db, "2023001", "2.2.2.2")).toBe(0);
    expect(await loginLockedFor(db, "2023002", "1.1.1.1")).toBe(0);
  });

  it("a success resets the consecutive count", async () => {
    for (let i = 0; i < PAIR_LIMIT - 1; i++) await recordLoginFailure(db, "a", "1.1.1.1");
    await recordLoginSuccess(db, "a", "1.1.1.1");
    for (let i = 0; i < PAIR_LIMIT - 1; i++) await recordLoginFailure(db, "a", "1.1.1.1");
    expect(await loginLockedFor(db, "a", "1.1.1.1")).toBe(0);
  });

  it("the lock runs out, then counting starts over", async () => {
    vi.useFakeTimers({ now: new Date("2026-11-01T00:00:00Z") });
    for (let i = 0; i < PAIR_LIMIT; i++) await recordLoginFailure(db, "a", "1.1.1.1");
    vi.setSystemTime(Date.now() + (LOCK_SECONDS + 1) * 1000);
    expect(await loginLockedFor(db, "a", "1.1.1.1")).toBe(0);
    await recordLoginFailure(db, "a", "1.1.1.1");
    expect(await loginLockedFor(db, "a", "1.1.1.1")).toBe(0);
  });

  it("locks an IP that guesses across many accounts", async () => {
    for (let i = 0; i < IP_LIMIT; i++) await recordLoginFailure(db, `user${i}`, "9.9.9.9");
    expect(await loginLockedFor(db, "someone-else", "9.9.9.9")).toBeGreaterThan(0);
    expect(await loginLockedFor(db, "someone-else", "8.8.8.8")).toBe(0);
  });
});
