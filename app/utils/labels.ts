// Chinese labels for stored codes; safe for the browser.
import type { OrgKind, Role, Stage } from "../../db/types.ts";

export const ROLE_LABEL: Record<Role, string> = {
  trainee: "学员",
  instructor: "教师",
  secretary: "支部书记",
  admin: "组织部管理员",
  liaison: "培养联系人",
};

export const STAGE_LABEL: Record<Stage, string> = {
  applicant: "入党申请人",
  activist: "入党积极分子",
  candidate: "发展对象",
  probationary: "预备党员",
  full: "正式党员",
};

export const ORG_KIND_LABEL: Record<OrgKind, string> = {
  committee: "校党委",
  subcommittee: "二级党委/党总支",
  branch: "党支部",
};

export const LEDGER_STATUSES = ["completed", "not_completed", "undecided"] as const;
export type LedgerStatus = (typeof LEDGER_STATUSES)[number];
/** 是否结业 as the ledger prints it. */
export const LEDGER_STATUS_LABEL: Record<LedgerStatus, string> = { completed: "是", not_completed: "否", undecided: "未认定" };
