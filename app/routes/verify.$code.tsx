// Public verification of a 结业证书 (no sign-in): the code in the URL is 128 random bits, so
// certificates cannot be found by trying numbers. Shows a masked name and whether it was revoked.
import type { HeadersFunction, LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { verifyCertificate } from "~/models/certificates.server.ts";
import classesCss from "~/styles/classes.css?url";
import { chineseDate, cstDate } from "~/utils/certificate-pdf.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: classesCss }];
export const meta: MetaFunction = () => [{ title: "证书验证 · 网上党校" }, { name: "robots", content: "noindex, nofollow" }];
export const headers: HeadersFunction = () => ({ "X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" });

export async function loader(args: LoaderFunctionArgs) {
  const cert = await verifyCertificate(args.context.db, args.params.code ?? "");
  if (!cert) throw new Response("证书不存在", { status: 404, headers: { "X-Robots-Tag": "noindex, nofollow", "Cache-Control": "no-store" } });
  return {
    schoolName: args.context.schoolName,
    number: cert.number,
    name: cert.maskedName,
    className: cert.className,
    term: cert.term,
    period: `${chineseDate(cert.startDate)}至${chineseDate(cert.endDate)}`,
    hours: cert.hours,
    band: cert.band,
    issued: chineseDate(cstDate(cert.issuedAt)),
    revoked: cert.revokedAt === null ? null : chineseDate(cstDate(cert.revokedAt)),
  };
}

export default function Verify() {
  const c = useLoaderData<typeof loader>();
  return (
    <div className="narrow stack verify">
      <h1>结业证书验证</h1>
      {c.revoked ? (
        <p className="alert error verdict">
          <strong>已撤销</strong>：该证书已于 {c.revoked} 撤销，不再有效。
        </p>
      ) : (
        <p className="alert ok verdict">
          <strong>有效</strong>：该证书由{c.schoolName}颁发，真实有效。
        </p>
      )}
      <dl className="card verify-fields">
        <dt>证书编号</dt>
        <dd>{c.number}</dd>
        <dt>姓名</dt>
        <dd>{c.name}</dd>
        <dt>培训班</dt>
        <dd>
          {c.className}（第 {c.term} 期）
        </dd>
        <dt>培训时间</dt>
        <dd>{c.period}</dd>
        <dt>总学时</dt>
        <dd>{c.hours} 学时</dd>
        <dt>考核结果</dt>
        <dd>{c.band}</dd>
        <dt>发证日期</dt>
        <dd>{c.issued}</dd>
      </dl>
      <p className="muted small-print">为保护个人信息，姓名已部分隐去。</p>
    </div>
  );
}
