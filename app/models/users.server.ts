import { ROLES, type Role, type Stage, type User } from "../../db/types.ts";
import { likeContains, now, writeTransaction, inSubtree, type DB } from "~/utils/db.server.ts";
import { generateOneTimePassword, hashOneTimePassword, hashPassword, passwordProblem } from "~/utils/password.server.ts";
import { checkPasswordGuess, clearAccountLock } from "~/models/throttle.server.ts";
import {
  liaisonUsernames,
  planRoster,
  type IssuedPassword,
  type RosterBranchContext,
  type RosterExisting,
  type RosterLiaison,
  type RosterPerson,
  type RosterPlan,
  type RosterRow,
} from "~/utils/roster-import.server.ts";
import { cstToday } from "~/utils/cst.ts";
import { formStageChange, type TimelineEvent } from "~/utils/stage-rules.ts";
import { insertLiaison } from "./branch-liaisons.server.ts";
import { insertStageEvents, timelineOf } from "./branch-stages.server.ts";
import { invalidateAllSessions } from "~/utils/session.server.ts";
import { audit } from "./audit.server.ts";
import { getOrgUnit, listOrgUnits } from "./org.server.ts";

export type UserWithRoles = Omit<User, "password_hash"> & { roles: Role[] };

export class UserError extends Error {
  /** `field`: the form field at fault, when there is one. */
  constructor(
    message: string,
    readonly status: 400 | 429 = 400,
    readonly field?: string,
  ) {
    super(message);
  }
}

type Actor = { actorId: number | null; ip?: string | null };

const PUBLIC_COLUMNS = [
  "id",
  "username",
  "name",
  "gender",
  "org_unit_id",
  "stage",
  "phone",
  "email",
  "must_change_password",
  "active",
  "created_at",
  "updated_at",
] as const;

async function rolesOf(db: DB, userId: number): Promise<Role[]> {
  return (await rolesOfEach(db, [userId])).get(userId)!;
}

export async function getUserWithRoles(db: DB, id: number): Promise<UserWithRoles | undefined> {
  const user = await db.selectFrom("users").select(PUBLIC_COLUMNS).where("id", "=", id).executeTakeFirst();
  return user && { ...user, roles: await rolesOf(db, id) };
}

/** For sign-in only: the one place the password hash leaves this module. */
export async function getUserForLogin(db: DB, username: string) {
  return db.selectFrom("users").select(["id", "password_hash", "active"]).where("username", "=", username).executeTakeFirst();
}

type UserFilter = { q?: string; unitPath?: string; stage?: Stage; role?: Role; active?: boolean; limit?: number; offset?: number };

/** Users with their unit name; scoped to a subtree when unitPath is given. */
export async function listUsers(db: DB, f: UserFilter = {}) {
  let q = db
    .selectFrom("users as u")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .select(["u.id", "u.username", "u.name", "u.gender", "u.stage", "u.active", "u.org_unit_id", "o.name as unit_name"]);
  if (f.unitPath) q = q.where(inSubtree("o.path", f.unitPath));
  if (f.stage) q = q.where("u.stage", "=", f.stage);
  if (f.active !== undefined) q = q.where("u.active", "=", f.active ? 1 : 0);
  if (f.role) q = q.where("u.id", "in", db.selectFrom("user_roles").select("user_id").where("role", "=", f.role));
  const text = f.q;
  if (text) {
    q = q.where((eb) => eb.or([likeContains("u.username", text), likeContains("u.name", text)]));
  }
  const rows = await q
    .orderBy("u.username")
    .limit(f.limit ?? 50)
    .offset(f.offset ?? 0)
    .execute();
  const roles = await rolesOfEach(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({ ...r, roles: roles.get(r.id) ?? [] }));
}

/** The roles of these accounts, each list in the order of ROLES. */
async function rolesOfEach(db: DB, ids: number[]): Promise<Map<number, Role[]>> {
  const rows = ids.length ? await db.selectFrom("user_roles").select(["user_id", "role"]).where("user_id", "in", ids).execute() : [];
  return new Map(ids.map((id) => [id, ROLES.filter((role) => rows.some((x) => x.user_id === id && x.role === role))]));
}

type UserInput = {
  username: string;
  name: string;
  gender: "男" | "女";
  orgUnitId: number;
  stage: Stage;
  roles: Role[];
  phone?: string | null;
  email?: string | null;
  /**
   * The admin's form: the day the branch decided the stage ("" when left empty). Given, the stage goes
   * through the stage rules (a move up needs its day and becomes a stage event); absent (scripts, demo
   * data, tests), the stage is written as entered.
   */
  stageDecidedOn?: string;
};

/** The stage events the admin's form adds, or a UserError naming the field (rules in stage-rules.ts). */
async function formStageEvents(
  trx: DB,
  user: { id: number; stage: Stage } | null,
  input: Pick<UserInput, "stage" | "stageDecidedOn">,
): Promise<TimelineEvent[]> {
  if (input.stageDecidedOn === undefined) return [];
  const events = user ? await timelineOf(trx, user.id) : [];
  const change = formStageChange(events, user?.stage ?? null, input.stage, input.stageDecidedOn || undefined, cstToday());
  if ("problem" in change) throw new UserError(change.problem, 400, change.field);
  return change.added;
}

async function assertUnitUsable(db: DB, unitId: number) {
  const unit = await getOrgUnit(db, unitId);
  if (!unit) throw new UserError("所属组织不存在", 400, "orgUnitId");
  if (!unit.active) throw new UserError("所属组织已停用", 400, "orgUnitId");
}

/** The columns of `users` an admin sets (create, edit, import). */
const userColumns = (input: Omit<UserInput, "username" | "roles" | "stageDecidedOn">) => ({
  name: input.name,
  gender: input.gender,
  org_unit_id: input.orgUnitId,
  stage: input.stage,
  phone: input.phone ?? null,
  email: input.email ?? null,
});

/** Inserts the account row and its roles; the caller has checked the unit and the 学号 and audits. */
async function insertUser(trx: DB, input: UserInput, passwordHash: string, mustChangePassword: boolean): Promise<number> {
  const [id] = await insertUsers(trx, [{ input, passwordHash, mustChangePassword }]);
  return id!;
}

type NewAccount = { input: UserInput; passwordHash: string; mustChangePassword: boolean };

/**
 * Inserts accounts and their roles a few hundred rows per statement (a roster of thousands would otherwise cost
 * two round trips per row, which a database server makes slow); returns their ids in the order given.
 */
async function insertUsers(trx: DB, accounts: NewAccount[]): Promise<number[]> {
  const t = now();
  const ids: number[] = [];
  for (let i = 0; i < accounts.length; i += INSERT_CHUNK) {
    const chunk = accounts.slice(i, i + INSERT_CHUNK);
    const rows = await trx
      .insertInto("users")
      .values(
        chunk.map(({ input, passwordHash, mustChangePassword }) => ({
          username: input.username,
          ...userColumns(input),
          password_hash: passwordHash,
          must_change_password: mustChangePassword ? 1 : 0,
          created_at: t,
          updated_at: t,
        })),
      )
      .returning(["id", "username"])
      .execute();
    const idOf = new Map(rows.map((r) => [r.username, r.id]));
    const chunkIds = chunk.map((a) => idOf.get(a.input.username)!);
    const roles = chunk.flatMap((a, k) => a.input.roles.map((role) => ({ user_id: chunkIds[k]!, role })));
    if (roles.length) await trx.insertInto("user_roles").values(roles).execute();
    ids.push(...chunkIds);
  }
  return ids;
}
const INSERT_CHUNK = 500;

/**
 * Creates an account. Without `password` it gets a one-time password that must be changed at first
 * sign-in (stored as a fast salted hash: see password.server.ts); a given password is argon2id.
 */
export async function createUser(db: DB, input: UserInput, actor: Actor, password?: string) {
  const oneTimePassword = password ?? generateOneTimePassword();
  const passwordHash = password ? await hashPassword(password) : hashOneTimePassword(oneTimePassword);
  return writeTransaction(db, async (trx) => {
    await assertUnitUsable(trx, input.orgUnitId);
    const taken = await trx.selectFrom("users").select("id").where("username", "=", input.username).executeTakeFirst();
    if (taken) throw new UserError(`学号/工号 ${input.username} 已存在`, 400, "username");
    const events = await formStageEvents(trx, null, input);
    const id = await insertUser(trx, input, passwordHash, !password);
    await audit(trx, { ...actor, action: "user.create", targetType: "user", targetId: id, detail: { username: input.username, roles: input.roles } });
    await insertStageEvents(trx, id, events, actor);
    return { id, oneTimePassword };
  });
}

type UserBefore = Pick<UserWithRoles, "id" | "name" | "gender" | "org_unit_id" | "stage" | "phone" | "email" | "roles">;

/** Writes the fields and roles that differ from `before`, auditing each kind of change with from/to. */
async function writeUserChanges(trx: DB, before: UserBefore, input: Omit<UserInput, "username" | "stageDecidedOn">, actor: Actor) {
  const id = before.id;
  const fields = userColumns(input);
  const changes = Object.fromEntries(
    Object.entries(fields)
      .filter(([k, v]) => before[k as keyof typeof fields] !== v)
      .map(([k, v]) => [k, { from: before[k as keyof typeof fields], to: v }]),
  );
  if (Object.keys(changes).length) {
    await trx
      .updateTable("users")
      .set({ ...fields, updated_at: now() })
      .where("id", "=", id)
      .execute();
    await audit(trx, { ...actor, action: "user.update", targetType: "user", targetId: id, detail: changes });
  }
  const roles = ROLES.filter((r) => input.roles.includes(r));
  if (roles.join() !== before.roles.join()) {
    if (actor.actorId === id && before.roles.includes("admin") && !roles.includes("admin")) {
      throw new UserError("不能取消自己的组织部管理员角色", 400, "roles");
    }
    await trx.deleteFrom("user_roles").where("user_id", "=", id).execute();
    if (roles.length)
      await trx
        .insertInto("user_roles")
        .values(roles.map((role) => ({ user_id: id, role })))
        .execute();
    await audit(trx, { ...actor, action: "user.roles", targetType: "user", targetId: id, detail: { from: before.roles, to: roles } });
  }
}

export async function updateUser(db: DB, id: number, input: Omit<UserInput, "username">, actor: Actor) {
  await writeTransaction(db, async (trx) => {
    const before = await getUserWithRoles(trx, id);
    if (!before) throw new UserError("用户不存在");
    if (input.orgUnitId !== before.org_unit_id) await assertUnitUsable(trx, input.orgUnitId);
    // A stage decided with a day is written by its event (syncStage), not as a field.
    const events = await formStageEvents(trx, before, input);
    await writeUserChanges(trx, before, events.length ? { ...input, stage: before.stage } : input, actor);
    await insertStageEvents(trx, id, events, actor);
  });
}

/** Disabling an account ends all of its sessions at once. */
export async function setUserActive(db: DB, id: number, active: boolean, actor: Actor) {
  await writeTransaction(db, async (trx) => {
    if (!active && actor.actorId === id) throw new UserError("不能停用自己的账号");
    const res = await trx
      .updateTable("users")
      .set({ active: active ? 1 : 0, updated_at: now() })
      .where("id", "=", id)
      .executeTakeFirst();
    if (!res.numUpdatedRows) throw new UserError("用户不存在");
    if (!active) await invalidateAllSessions(trx, id);
    await audit(trx, { ...actor, action: active ? "user.enable" : "user.disable", targetType: "user", targetId: id });
  });
}

/**
 * Clears the failed sign-ins and lock of an account, by its owner (signed in elsewhere) or an admin;
 * audited when there was something to clear.
 */
export async function unlockAccount(db: DB, id: number, actor: Actor): Promise<boolean> {
  const user = await db.selectFrom("users").select("username").where("id", "=", id).executeTakeFirst();
  if (!user) throw new UserError("用户不存在");
  const cleared = await clearAccountLock(db, user.username);
  if (cleared) await audit(db, { ...actor, action: "account.unlock", targetType: "user", targetId: id, detail: { username: user.username } });
  return cleared;
}

/** Sets a one-time password that must be changed at next sign-in; ends the user's sessions. */
export async function resetPassword(db: DB, id: number, actor: Actor): Promise<string> {
  const oneTimePassword = generateOneTimePassword();
  const passwordHash = hashOneTimePassword(oneTimePassword);
  await writeTransaction(db, async (trx) => {
    const res = await trx
      .updateTable("users")
      .set({ password_hash: passwordHash, must_change_password: 1, updated_at: now() })
      .where("id", "=", id)
      .executeTakeFirst();
    if (!res.numUpdatedRows) throw new UserError("用户不存在");
    await invalidateAllSessions(trx, id);
    await audit(trx, { ...actor, action: "user.password_reset", targetType: "user", targetId: id });
  });
  return oneTimePassword;
}

/**
 * Changes one's own password; every existing session of the user ends (the caller signs in anew). The
 * current password is a guess like a sign-in: throttled per account and address, and audited.
 */
export async function changePassword(db: DB, userId: number, current: string, next: string, ip: string | null) {
  const row = await db.selectFrom("users").select(["username", "name", "phone", "email", "password_hash"]).where("id", "=", userId).executeTakeFirst();
  if (!row) throw new UserError("用户不存在");
  const guess = await checkPasswordGuess(db, {
    username: row.username,
    passwordHash: row.password_hash,
    password: current,
    ip: ip ?? "unknown",
    userId,
    action: "password",
  });
  if (!guess.ok) throw guess.status === 429 ? new UserError(guess.message, 429) : new UserError("当前密码不正确", 400, "current");
  const problem = await passwordProblem(next, [row.username, row.name, row.phone, row.email]);
  if (problem) throw new UserError(problem, 400, "next");
  if (current === next) throw new UserError("新密码不能与当前密码相同", 400, "next");
  const passwordHash = await hashPassword(next);
  await writeTransaction(db, async (trx) => {
    await trx.updateTable("users").set({ password_hash: passwordHash, must_change_password: 0, updated_at: now() }).where("id", "=", userId).execute();
    await invalidateAllSessions(trx, userId);
    await audit(trx, { actorId: userId, action: "user.password_change", targetType: "user", targetId: userId, ip });
  });
}

// ---- Roster import (the rows come from app/utils/roster-import.server.ts readRosterFile).

const CHUNK = 500;

/** Existing accounts among the file's 学号, with their roles. */
async function existingForRoster(db: DB, rows: RosterRow[]): Promise<Map<string, RosterExisting>> {
  const usernames = [...new Set(rows.map((r) => r.cells.username.normalize("NFKC").trim()).filter(Boolean))];
  const out = new Map<string, RosterExisting>();
  for (let i = 0; i < usernames.length; i += CHUNK) {
    const users = await db
      .selectFrom("users")
      .select(["id", "username", "name", "gender", "org_unit_id", "stage", "phone", "email", "active"])
      .where("username", "in", usernames.slice(i, i + CHUNK))
      .execute();
    const roles = await rolesOfEach(
      db,
      users.map((u) => u.id),
    );
    for (const u of users) out.set(u.username, { ...u, roles: roles.get(u.id) ?? [] });
  }
  return out;
}

/** The timelines and current 培养联系人 of the file's existing accounts, and the accounts its 培养联系人 column names. */
async function branchContextForRoster(db: DB, rows: RosterRow[], existing: Map<string, RosterExisting>): Promise<RosterBranchContext> {
  const ids = [...existing.values()].map((u) => u.id);
  const timelines = new Map<number, TimelineEvent[]>();
  const currentLiaisons = new Map<number, RosterLiaison[]>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const slice = ids.slice(i, i + CHUNK);
    const events = await db
      .selectFrom("stage_events")
      .select(["user_id", "stage", "decided_on"])
      .where("user_id", "in", slice)
      .where("withdrawn_at", "is", null)
      .execute();
    for (const e of events)
      timelines.set(e.user_id, [...(timelines.get(e.user_id) ?? []), { stage: e.stage as TimelineEvent["stage"], decidedOn: e.decided_on }]);
    const current = await db
      .selectFrom("liaison_assignments as a")
      .innerJoin("users as l", "l.id", "a.liaison_id")
      .select(["a.trainee_id", "l.id", "l.username", "l.name"])
      .where("a.trainee_id", "in", slice)
      .where("a.end_on", "is", null)
      .orderBy("a.id")
      .execute();
    for (const c of current)
      currentLiaisons.set(c.trainee_id, [...(currentLiaisons.get(c.trainee_id) ?? []), { id: c.id, username: c.username, name: c.name }]);
  }
  const named = [...new Set(rows.flatMap((r) => liaisonUsernames(r.cells.liaisons)))];
  const people = new Map<string, RosterPerson>();
  for (let i = 0; i < named.length; i += CHUNK) {
    const found = await db
      .selectFrom("users")
      .select(["id", "username", "name", "stage", "active"])
      .where("username", "in", named.slice(i, i + CHUNK))
      .execute();
    for (const p of found) people.set(p.username, p);
  }
  return { today: cstToday(), timelines, currentLiaisons, people };
}

/** Everything a roster's rows are checked against, read in the given transaction or connection. */
async function rosterContext(db: DB, rows: RosterRow[], actorId: number | null) {
  const existing = await existingForRoster(db, rows);
  return { units: await listOrgUnits(db), existing, actorId, ...(await branchContextForRoster(db, rows, existing)) };
}

/** What importing these rows would do, checked against the tree and the accounts as they are now. */
export async function planRosterImport(db: DB, rows: RosterRow[], actorId: number | null): Promise<RosterPlan> {
  return planRoster(rows, await rosterContext(db, rows, actorId));
}

type RosterImportResult = { ok: false; plan: RosterPlan } | { ok: true; plan: RosterPlan; created: IssuedPassword[]; updated: number };

/**
 * Applies a roster in one write transaction: the rows are checked again inside it, so what is written
 * is what the accounts look like at that moment. With bad rows nothing is written unless
 * `skipErrors`. New accounts get one-time passwords (returned once, never stored in clear); existing
 * 学号 are updated, never duplicated. Audited as one `user.import` entry with the counts and the 学号,
 * plus `user.update`/`user.roles` entries (the same shapes as updateUser) for each changed account and
 * `user.roles` for new accounts given more than 学员.
 */
export async function importRoster(
  db: DB,
  rows: RosterRow[],
  opts: { skipErrors: boolean; actor: Actor; source: { fileName: string; sha256: string } },
): Promise<RosterImportResult> {
  return writeTransaction(db, async (trx) => {
    const ctx = await rosterContext(trx, rows, opts.actor.actorId);
    const existing = ctx.existing;
    const plan = planRoster(rows, ctx);
    if (plan.errors.length && !opts.skipErrors) return { ok: false as const, plan };
    const assigned: { traineeId: number; liaisons: RosterLiaison[] }[] = [];
    const created: IssuedPassword[] = [];
    const accounts: NewAccount[] = plan.creates.map((e) => {
      const oneTimePassword = generateOneTimePassword();
      created.push({ 学号: e.username, 姓名: e.name, 一次性密码: oneTimePassword });
      const input = {
        username: e.username,
        name: e.name,
        gender: e.gender,
        orgUnitId: e.orgUnitId,
        stage: e.stage,
        roles: e.roles,
        phone: e.phone,
        email: e.email,
      };
      return { input, passwordHash: hashOneTimePassword(oneTimePassword), mustChangePassword: true };
    });
    const ids = await insertUsers(trx, accounts);
    for (const [k, e] of plan.creates.entries()) {
      if (e.roles.some((r) => r !== "trainee")) {
        await audit(trx, { ...opts.actor, action: "user.roles", targetType: "user", targetId: ids[k]!, detail: { from: [], to: e.roles } });
      }
      await insertStageEvents(trx, ids[k]!, e.stageEvents, opts.actor);
      assigned.push({ traineeId: ids[k]!, liaisons: e.liaisons });
    }
    for (const u of plan.updates) {
      const before = existing.get(u.entry.username)!;
      const e = u.entry;
      await writeUserChanges(
        trx,
        before,
        {
          name: e.name,
          gender: e.gender,
          orgUnitId: e.orgUnitId,
          // A stage the row decides with a day is written by its event (syncStage).
          stage: e.stageEvents.length ? before.stage : e.stage,
          roles: e.roles,
          phone: e.phone ?? before.phone,
          email: e.email ?? before.email,
        },
        opts.actor,
      );
      await insertStageEvents(trx, before.id, e.stageEvents, opts.actor);
      assigned.push({ traineeId: before.id, liaisons: e.liaisons });
    }
    // After every account is written, so a row that changes a 培养联系人's own roles cannot undo the role.
    const startOn = cstToday();
    for (const a of assigned) {
      for (const l of a.liaisons) {
        if (opts.actor.actorId === null) throw new Error("assigning 培养联系人 needs the acting admin");
        await insertLiaison(trx, { traineeId: a.traineeId, liaisonId: l.id, startOn }, { actorId: opts.actor.actorId, ip: opts.actor.ip });
      }
    }
    await audit(trx, {
      ...opts.actor,
      action: "user.import",
      detail: {
        file: opts.source.fileName,
        sha256: opts.source.sha256,
        rows: plan.rows,
        created: plan.creates.length,
        updated: plan.updates.length,
        unchanged: plan.unchanged.length,
        skipped: plan.errors.length,
        createdUsernames: plan.creates.map((e) => e.username),
        updatedUsernames: plan.updates.map((u) => u.entry.username),
      },
    });
    return { ok: true as const, plan, created, updated: plan.updates.length };
  });
}
