// The member table's standing filter and orders, as the filter form offers them (browser-safe).
export const MEMBER_STATUSES = {
  ready: "符合结业条件、未发证",
  studying: "未达结业条件",
  exception: "有例外处理",
  certified: "已颁发证书",
  failed: "已认定未结业",
} as const;
export type MemberStatus = keyof typeof MEMBER_STATUSES;
export const MEMBER_SORTS = { unit: "按组织、学号", name: "按姓名", hours: "按学时（少的在前）", composite: "按综合成绩（低的在前）" } as const;
export type MemberSort = keyof typeof MEMBER_SORTS;
