// Chinese labels for stored codes; safe for the browser.
import type { OrgKind, Role, Stage } from "../../db/types.ts";

export const ROLE_LABEL: Record<Role, string> = {
  trainee: "学员",
  instructor: "教师",
  secretary: "支部书记",
  admin: "组织部管理员",
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

export function formatDateTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  // Shown in China Standard Time regardless of the server's zone.
  const cst = new Date(d.getTime() + 8 * 3600 * 1000);
  return `${cst.getUTCFullYear()}-${p(cst.getUTCMonth() + 1)}-${p(cst.getUTCDate())} ${p(cst.getUTCHours())}:${p(cst.getUTCMinutes())}`;
}
