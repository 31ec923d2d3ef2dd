// Sessions the way the Lucia guide teaches: token "<id>.<secret>", only a SHA-256 of the secret is
// stored, compared in constant time; inactivity and absolute expiry are enforced on the server.
import { sha256 } from "@oslojs/crypto/sha2";
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { randomBytes } from "node:crypto";
import type { Session } from "../../db/types.ts";
import { now, type DB } from "./db.server.ts";

/**
 * The session cookie's name over HTTPS. The __Host- prefix makes browsers accept it only with Secure,
 * Path=/ and no Domain, so neither a sibling subdomain nor a plain-HTTP page can plant or overwrite it.
 */
export const SESSION_COOKIE = "__Host-dx_session";
/**
 * Browsers refuse a __Host- cookie without Secure, and a Secure cookie over plain HTTP except on
 * localhost: with COOKIE_SECURE=0 (the Vite dev server, a plain-HTTP intranet trial) the plain name is
 * used. It was also the HTTPS name before, and is then ignored (and expired at sign-in): such users sign in once more.
 */
const PLAIN_SESSION_COOKIE = "dx_session";
const sessionCookieName = (secure: boolean) => (secure ? SESSION_COOKIE : PLAIN_SESSION_COOKIE);
/** A session unused for this long ends. */
export const INACTIVITY_TIMEOUT = 7 * 24 * 3600;
/** A session ends this long after sign-in, however active. */
export const ABSOLUTE_TIMEOUT = 30 * 24 * 3600;
/** last_verified_at is written at most this often, to keep reads cheap. */
const ACTIVITY_CHECK_INTERVAL = 3600;

const ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";

/** 24 characters from a 32-letter alphabet: 120 bits of entropy. */
function randomString(): string {
  const bytes = randomBytes(24);
  let out = "";
  for (const b of bytes) out += ALPHABET[b >> 3];
  return out;
}

function hashSecret(secret: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(secret)));
}

export async function createSession(db: DB, userId: number): Promise<{ token: string; session: Session }> {
  const id = randomString();
  const secret = randomString();
  const t = now();
  const session: Session = { id, secret_hash: hashSecret(secret), user_id: userId, created_at: t, last_verified_at: t };
  await db.insertInto("sessions").values(session).execute();
  return { token: `${id}.${secret}`, session };
}

/** Returns the live session for a token, or null; expired sessions are deleted on sight. */
export async function validateSessionToken(db: DB, token: string): Promise<Session | null> {
  const [id, secret, extra] = token.split(".");
  if (!id || !secret || extra !== undefined) return null;
  const session = await db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirst();
  if (!session) return null;
  const expected = new TextEncoder().encode(session.secret_hash);
  const given = new TextEncoder().encode(hashSecret(secret));
  if (!constantTimeEqual(expected, given)) return null;
  const t = now();
  if (t - session.last_verified_at >= INACTIVITY_TIMEOUT || t - session.created_at >= ABSOLUTE_TIMEOUT) {
    await invalidateSession(db, id);
    return null;
  }
  if (t - session.last_verified_at >= ACTIVITY_CHECK_INTERVAL) {
    session.last_verified_at = t;
    await db.updateTable("sessions").set({ last_verified_at: t }).where("id", "=", id).execute();
  }
  return session;
}

export async function invalidateSession(db: DB, sessionId: string): Promise<void> {
  await db.deleteFrom("sessions").where("id", "=", sessionId).execute();
}

export async function invalidateAllSessions(db: DB, userId: number): Promise<void> {
  await db.deleteFrom("sessions").where("user_id", "=", userId).execute();
}

const attributes = (secure: boolean, maxAge: number) => ["Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${maxAge}`, ...(secure ? ["Secure"] : [])];

export function sessionCookie(token: string, secure: boolean): string {
  return [`${sessionCookieName(secure)}=${token}`, ...attributes(secure, ABSOLUTE_TIMEOUT)].join("; ");
}

export function clearSessionCookie(secure: boolean): string {
  return [`${sessionCookieName(secure)}=`, ...attributes(secure, 0)].join("; ");
}

/** Set-Cookie headers of a sign-in: the session, and over HTTPS the expiry of the cookie's former name. */
export function signInHeaders(token: string, secure: boolean): Headers {
  const headers = new Headers();
  headers.append("Set-Cookie", sessionCookie(token, secure));
  if (secure) headers.append("Set-Cookie", [`${PLAIN_SESSION_COOKIE}=`, ...attributes(true, 0)].join("; "));
  return headers;
}

/** What the guards read of a request: its URL and headers (a Fetch Request, or server.ts's view of a Node one). */
export type GuardedRequest = { url: string; headers: { get(name: string): string | null } };

/** The session token from this mode's cookie only: over HTTPS a plain `dx_session` (plantable) is ignored. */
export function readSessionToken(request: GuardedRequest, secure: boolean): string | null {
  const header = request.headers.get("Cookie");
  if (!header) return null;
  const wanted = sessionCookieName(secure);
  for (const part of header.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === wanted) return rest.join("=") || null;
  }
  return null;
}
