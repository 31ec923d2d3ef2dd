// A certificate as the public verification page shows it: valid or revoked (with its date),
// the masked name and what was decided. The reason for a revocation stays in the ledger.
import type { VerificationFields } from "~/models/certificates.server.ts";
import { withTerm } from "~/utils/completion.ts";

export function VerifyResult({ c, schoolName }: { c: VerificationFields; schoolName: string }) {
  return (
    <>
      {c.revoked ? (
        <p className="alert error verdict">
          <strong>已撤销</strong>：该证书已于 {c.revoked} 撤销，不再有效。
        </p>
      ) : (
        <p className="alert ok verdict">
          <strong>有效</strong>：该证书由{schoolName}颁发，真实有效。
        </p>
      )}
      <dl className="card verify-fields">
        <dt>证书编号</dt>
        <dd>{c.number}</dd>
        <dt>验证码</dt>
        <dd className="code">{c.code}</dd>
        <dt>姓名</dt>
        <dd>{c.name}</dd>
        <dt>培训班</dt>
        <dd>{withTerm(c.className, c.term)}</dd>
        <dt>培训时间</dt>
        <dd>{c.period}</dd>
        <dt>总学时</dt>
        <dd>{c.hours} 学时</dd>
        <dt>考核结果</dt>
        <dd>{c.result}</dd>
        <dt>发证日期</dt>
        <dd>{c.issued}</dd>
      </dl>
      <p className="muted small-print">为保护个人信息，姓名已部分隐去。</p>
    </>
  );
}
