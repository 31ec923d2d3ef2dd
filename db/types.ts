// The one Database interface. Conventions: unix seconds for times, 0/1 for booleans,
// `T | null` for optional columns, Generated<> for columns the database fills.
import type { Generated, Insertable, Selectable, Updateable } from "kysely";

export const ROLES = ["trainee", "instructor", "secretary", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const STAGES = ["applicant", "activist", "candidate", "probationary", "full"] as const;
export type Stage = (typeof STAGES)[number];

export const ORG_KINDS = ["committee", "subcommittee", "branch"] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

export interface OrgUnitTable {
  id: Generated<number>;
  name: string;
  kind: OrgKind;
  parent_id: number | null;
  /** Materialized path of ids, e.g. "/1/4/9/", so a subtree is `path LIKE '/1/4/%'`. */
  path: string;
  active: Generated<number>;
  created_at: number;
}

export interface UserTable {
  id: Generated<number>;
  /** 学号/工号 */
  username: string;
  name: string;
  gender: "男" | "女";
  org_unit_id: number;
  stage: Stage;
  phone: string | null;
  email: string | null;
  password_hash: string;
  must_change_password: Generated<number>;
  active: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface UserRoleTable {
  user_id: number;
  role: Role;
}

export interface SessionTable {
  id: string;
  secret_hash: string;
  user_id: number;
  created_at: number;
  last_verified_at: number;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  locked_until: number;
  updated_at: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor_id: number | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  detail: string | null;
  ip: string | null;
}

export interface Database {
  org_units: OrgUnitTable;
  users: UserTable;
  user_roles: UserRoleTable;
  sessions: SessionTable;
  login_throttle: LoginThrottleTable;
  audit_log: AuditLogTable;
}

export type OrgUnit = Selectable<OrgUnitTable>;
export type User = Selectable<UserTable>;
export type NewUser = Insertable<UserTable>;
export type UserUpdate = Updateable<UserTable>;
export type Session = Selectable<SessionTable>;
export type AuditEntry = Selectable<AuditLogTable>;
