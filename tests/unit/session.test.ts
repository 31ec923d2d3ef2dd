import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  ABSOLUTE_TIMEOUT,
  createSession,
  INACTIVITY_TIMEOUT,
  invalidateAllSessions,
  invalidateSession,
  readSessionToken,
  sessionCookie,
  signInHeaders,
  validateSessionToken,
} from "../../app/utils/session.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { createTestDb, createTestTree, createTestUser } from "../setup/db.ts";

let db: DB;
let userId: number;
beforeEach(async () => {
  db = await createTestDb();
  const t = await createTestTree(db);
  userId = (await createTestUser(db, { orgUnitId: t.branchA })).id;
});
afterEach(() => vi.useRealTimers());

describe("sessions", () => {
  it("stores only a hash of the secret and validates the full token", async () => {
    const { token, session } = await createSession(db, userId);
    const [id, secret] = token.split(".");
    expect(id).toBe(session.id);
    const row = await db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    expect(row.secret_hash).not.toContain(secret);
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await validateSessionToken(db, token))?.user_id).toBe(userId);
  });

  it("refuses a wrong secret, a missing secret and malformed tokens", async () => {
    const { token } = await createSession(db, userId);
    const [id] = token.split(".");
    for (const bad of [`${id}.wrongsecretwrongsecretxx`, id, `${token}.x`, "", ".", `x.${token.split(".")[1]}`]) {
      expect(await validateSessionToken(db, bad!)).toBeNull();
    }
  });

  it("gives a new token for every sign-in", async () => {
    const a = await createSession(db, userId);
    const b = await createSession(db, userId);
    expect(a.token).not.toBe(b.token);
  });

  it("ends a session after the inactivity timeout", async () => {
    vi.useFakeTimers({ now: new Date("2026-11-01T00:00:00Z") });
    const { token } = await createSession(db, userId);
    vi.setSystemTime(Date.now() + (INACTIVITY_TIMEOUT - 60) * 1000);
    expect(await validateSessionToken(db, token)).not.toBeNull();
    vi.setSystemTime(Date.now() + (INACTIVITY_TIMEOUT + 1) * 1000);
    expect(await validateSessionToken(db, token)).toBeNull();
    const id = token.split(".")[0]!;
    expect(await db.selectFrom("sessions").selectAll().where("id", "=", id).execute()).toHaveLength(0);
  });

  it("ends a session at the absolute timeout even when used every day", async () => {
    vi.useFakeTimers({ now: new Date("2026-11-01T00:00:00Z") });
    const { token } = await createSession(db, userId);
    const days = Math.floor(ABSOLUTE_TIMEOUT / 86400);
    for (let d = 1; d < days; d++) {
      vi.setSystemTime(Date.now() + 86400 * 1000);
      expect(await validateSessionToken(db, token)).not.toBeNull();
    }
    vi.setSystemTime(Date.now() + 86400 * 1000);
    expect(await validateSessionToken(db, token)).toBeNull();
  });

  it("invalidates one session or all of a user's", async () => {
    const a = await createSession(db, userId);
    const b = await createSession(db, userId);
    await invalidateSession(db, a.session.id);
    expect(await validateSessionToken(db, a.token)).toBeNull();
    expect(await validateSessionToken(db, b.token)).not.toBeNull();
    await invalidateAllSessions(db, userId);
    expect(await validateSessionToken(db, b.token)).toBeNull();
  });

  it("sets HttpOnly, SameSite=Lax and Secure when asked, and reads the cookie back", () => {
    const c = sessionCookie("abc.def", true);
    expect(c).toMatch(/HttpOnly/);
    expect(c).toMatch(/SameSite=Lax/);
    expect(c).toMatch(/Secure/);
    expect(sessionCookie("abc.def", false)).not.toMatch(/Secure/);
    const req = new Request("http://x/", { headers: { Cookie: "a=1; dx_session=abc.def; b=2" } });
    expect(readSessionToken(req, false)).toBe("abc.def");
  });

  it("over HTTPS the cookie is __Host-dx_session and the plain name (plantable by a subdomain) is ignored", () => {
    expect(sessionCookie("abc.def", true)).toMatch(/^__Host-dx_session=abc\.def; Path=\/; /);
    expect(sessionCookie("abc.def", true)).not.toMatch(/Domain/i);
    expect(sessionCookie("abc.def", false)).toMatch(/^dx_session=abc\.def; /);
    const both = new Request("http://x/", { headers: { Cookie: "dx_session=planted.one; __Host-dx_session=real.one" } });
    expect(readSessionToken(both, true)).toBe("real.one");
    expect(readSessionToken(new Request("http://x/", { headers: { Cookie: "dx_session=old.one" } }), true)).toBeNull();
    // Signing in expires the old name's cookie once.
    expect(signInHeaders("abc.def", true).getSetCookie()).toEqual([
      sessionCookie("abc.def", true),
      "dx_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure",
    ]);
    expect(signInHeaders("abc.def", false).getSetCookie()).toEqual([sessionCookie("abc.def", false)]);
  });
});
