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

/** Kinds of notification a person can receive, and what the inbox and the preferences call them. */
export const NOTIFICATION_KINDS = [
  "report_returned",
  "report_graded",
  "question_answered",
  "notice_published",
  "certificate_issued",
  "certificate_revoked",
  "assignment_due",
  "exam_window",
  "thought_report_opinion",
  "thought_report_returned",
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
export const NOTIFICATION_KIND_LABEL: Record<NotificationKind, string> = {
  report_returned: "作业被退回修改",
  report_graded: "作业已评分",
  question_answered: "答疑已回复",
  notice_published: "新的通知公告",
  certificate_issued: "结业证书已颁发",
  certificate_revoked: "结业证书被撤销",
  assignment_due: "作业即将截止",
  exam_window: "考试即将开始或结束",
  thought_report_opinion: "思想汇报有新的考察意见",
  thought_report_returned: "思想汇报被退回修改",
};
