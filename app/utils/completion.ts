// What a completion decision says, in one place for the review page, the certificate, the public
// verification page and the ledger: the bases an exception may rest on, the sentence a certificate
// prints for each kind of decision, the certificate layouts, and the 细则's minimum for 发展对象.
// Browser-safe (no server imports).

/** What an exception (准予结业 outside the rules) rests on. */
export const EXCEPTION_BASES = {
  offline: "线下培训已完成",
  makeup: "因公缺课，已补学",
  transfer: "已在其他党校（培训班）结业",
  other: "其他（见理由）",
} as const;
export type ExceptionBasis = keyof typeof EXCEPTION_BASES;
export const EXCEPTION_BASIS_KEYS = Object.keys(EXCEPTION_BASES) as ExceptionBasis[];

export const basisLabel = (basis: string | null | undefined) => (basis && basis in EXCEPTION_BASES ? EXCEPTION_BASES[basis as ExceptionBasis] : null);

export type Decision = "rules" | "exception";

/** The sentence a certificate ends with: only what was decided. */
export function decisionSentence(decision: Decision): string {
  return decision === "exception" ? "经党校认定，准予结业，特发此证。" : "经考核合格，准予结业，特发此证。";
}

/** 考核结果 as the verification page and the ledger state it. */
export function decisionResult(c: { decision: Decision; band: string; exceptionBasis: string | null }): string {
  if (c.decision === "rules") return c.band;
  const basis = basisLabel(c.exceptionBasis);
  return `经党校认定准予结业${basis ? `（${basis}）` : ""}`;
}

export const CERTIFICATE_LAYOUTS = {
  narrative: "叙述式（XX同志于…参加…培训班学习，经考核合格，准予结业）",
  labels: "表格式（姓名、学号、培训班等逐项列出）",
} as const;
export type CertificateLayout = keyof typeof CERTIFICATE_LAYOUTS;
export type CertificateTemplate = { layout: CertificateLayout; showUsername: boolean; showScore: boolean };
/** The usual narrative wording; 学号 printed, 成绩 printed. */
export const DEFAULT_TEMPLATE: CertificateTemplate = { layout: "narrative", showUsername: true, showScore: true };

/** 《中国共产党发展党员工作细则》 Art. 17: a 发展对象's training is no less than 3 days or 24 学时. */
const CANDIDATE_MIN_HOURS = 24;
const CANDIDATE_MIN_DAYS = 3;

/**
 * The 细则's warning for an exception in a 发展对象 class, or null: the 学时 recorded for the trainee are
 * below 24, so only 3 days of concentrated training would meet the rule, which the system cannot see.
 * The reviewer must confirm it before the exception is saved.
 */
export function candidateRuleWarning(kind: string, hours: number): string | null {
  if (kind !== "candidate" || hours >= CANDIDATE_MIN_HOURS) return null;
  return `按《中国共产党发展党员工作细则》第十七条，发展对象须经不少于${CANDIDATE_MIN_DAYS}天或${CANDIDATE_MIN_HOURS}学时的集中培训；系统记录该学员 ${hours} 学时，请核实其参加集中培训已满${CANDIDATE_MIN_DAYS}天后勾选确认`;
}

/** The class name with its 期次, unless the name already says it: "…培训班（第12期）". */
export const withTerm = (className: string, term: number) => (className.includes(`第${term}期`) ? className : `${className}（第${term}期）`);
