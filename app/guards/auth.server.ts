// Guards called on the first line of every loader and action.
import { redirect } from "@remix-run/node";
import type { AppContext } from "~/load-context.ts";
import type { Role } from "../../db/types.ts";
import { audit } from "~/models/audit.server.ts";
import { getCourseRowForEditor } from "~/models/courses.server.ts";
import { seesEverything } from "~/models/visibility.server.ts";
import { governedPath } from "~/models/branch-scope.server.ts";
import { secretaryScope } from "~/models/ledger.server.ts";
import { getUserForLogin, getUserWithRoles, type UserWithRoles } from "~/models/users.server.ts";
import { createSession, invalidateSession, readSessionToken, validateSessionToken, type GuardedRequest } from "~/utils/session.server.ts";
import { checkPasswordGuess } from "~/models/throttle.server.ts";

type Args = { request: GuardedRequest; context: AppContext };
type CurrentUser = UserWithRoles & { sessionId: string };

const cache = new WeakMap<GuardedRequest, Promise<CurrentUser | null>>();

/** The signed-in, active user of this request, or null. Looked up once per request. */
export function getCurrentUser({ request, context }: Args): Promise<CurrentUser | null> {
  let pending = cache.get(request);
  if (!pending) {
    pending = (async () => {
      const token = readSessionToken(request, context.cookieSecure);
      if (!token) return null;
      const session = await validateSessionToken(context.db, token);
      if (!session) return null;
      const user = await getUserWithRoles(context.db, session.user_id);
      if (!user || !user.active) return null;
      return { ...user, sessionId: session.id };
    })();
    cache.set(request, pending);
  }
  return pending;
}

/** Signed-in user, or a redirect to the sign-in page; a user with a one-time password must change it first. */
export async function requireUser(args: Args): Promise<CurrentUser> {
  const user = await getCurrentUser(args);
  const url = new URL(args.request.url);
  if (!user) {
    const back = url.pathname + url.search;
    throw redirect(back === "/" ? "/login" : `/login?redirectTo=${encodeURIComponent(back)}`);
  }
  if (user.must_change_password && url.pathname !== "/account/password" && url.pathname !== "/logout") {
    throw redirect("/account/password");
  }
  return user;
}

export async function requireRole(args: Args, ...roles: Role[]): Promise<CurrentUser> {
  const user = await requireUser(args);
  if (!roles.some((r) => user.roles.includes(r))) {
    throw new Response("您没有权限访问此页面", { status: 403 });
  }
  return user;
}

type LoginResult = { ok: true; token: string; userId: number } | { ok: false; status: 401 | 429; message: string };

const GENERIC_FAILURE = "学号/工号或密码不正确";

/** Checks credentials with throttling; the message never says whether the account exists. */
export async function login(context: AppContext, username: string, password: string): Promise<LoginResult> {
  const { db, clientIp: ip } = context;
  const user = await getUserForLogin(db, username);
  const guess = await checkPasswordGuess(db, { username, passwordHash: user?.password_hash ?? null, password, ip, userId: user?.id ?? null, action: "login" });
  if (!guess.ok) return { ok: false, status: guess.status, message: guess.status === 429 ? guess.message : GENERIC_FAILURE };
  if (!user?.active) {
    await audit(db, { actorId: user?.id ?? null, action: "login.failure", detail: { username, reason: "disabled" }, ip });
    return { ok: false, status: 401, message: "账号已停用，请联系组织部" };
  }
  const { token } = await createSession(db, user.id);
  await audit(db, { actorId: user.id, action: "login.success", targetType: "user", targetId: user.id, ip });
  return { ok: true, token, userId: user.id };
}

export async function logout(args: Args): Promise<void> {
  const user = await getCurrentUser(args);
  if (!user) return;
  await invalidateSession(args.context.db, user.sessionId);
  await audit(args.context.db, { actorId: user.id, action: "logout", targetType: "user", targetId: user.id, ip: args.context.clientIp });
}

/**
 * An instructor named in the course, or an admin, working on one course (authoring, banks, exams,
 * grading). Anyone else gets 403 for a course that exists and 404 for one that does not.
 */
export async function requireCourseEditor(args: Args, slug: string | undefined) {
  const user = await requireRole(args, "instructor", "admin");
  const course = slug ? await getCourseRowForEditor(args.context.db, slug) : undefined;
  if (!course) throw new Response("课程不存在", { status: 404 });
  if (!seesEverything(course, user)) throw new Response("您不是该课程的授课教师", { status: 403 });
  return { user, course };
}

/**
 * The whole-course preview of a draft: the same people as `requireCourseEditor`, but anyone else gets 404,
 * so that a trainee or another instructor does not even learn that an unpublished draft exists.
 */
export async function requireCoursePreviewer(args: Args, slug: string | undefined) {
  try {
    return await requireCourseEditor(args, slug);
  } catch (e) {
    if (e instanceof Response && e.status === 403) throw new Response("页面不存在", { status: 404 });
    throw e;
  }
}

/** File courses are read-only in the browser until detached (409). */
export function requireBrowserCourse(course: { source: "files" | "browser" }) {
  if (course.source !== "browser") {
    throw new Response("该课程由 courses/ 文件夹同步，在浏览器中只读。请先在课程页点击“转为在线编辑”。", { status: 409 });
  }
}

/** A secretary (their unit's subtree) or an admin (everything) on a branch page: the user and the subtree's path. */
export async function requireGovernedScope(args: Args) {
  const user = await requireRole(args, "secretary", "admin");
  const path = await governedPath(args.context.db, user);
  if (!path) throw new Response("所属组织不存在", { status: 404 });
  return { user, path };
}

/** A secretary on a page of their own unit's subtree: the user and the ledger scope (404 when their unit is gone). */
export async function requireSecretaryScope(args: Args) {
  const user = await requireRole(args, "secretary");
  const scope = await secretaryScope(args.context.db, user.org_unit_id);
  if (!scope) throw new Response("所属组织不存在", { status: 404 });
  return { user, scope };
}
