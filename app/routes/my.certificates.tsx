// 我的证书: a trainee's 结业证书, each downloadable as a PDF (revoked ones are listed as such).
import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { certificatesOfUser, verifyPath } from "~/models/certificates.server.ts";
import classesCss from "~/styles/classes.css?url";
import { requireUser } from "~/guards/auth.server.ts";
import { formatDateTime } from "~/utils/cst.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: classesCss }];
export const meta: MetaFunction = () => [{ title: "我的证书 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const me = await requireUser(args);
  const certs = await certificatesOfUser(args.context.db, me.id);
  return {
    // WeChat's in-app browser on Android does not save files: say how to get them.
    inWeChat: /MicroMessenger/i.test(args.request.headers.get("user-agent") ?? ""),
    certificates: certs.map((c) => ({
      id: c.id,
      number: c.number,
      className: c.class_name,
      term: c.term,
      hours: c.hours,
      composite: c.composite,
      band: c.band,
      issuedAt: c.issued_at,
      revokedAt: c.revoked_at,
      verify: verifyPath(c.code),
    })),
  };
}

export default function MyCertificates() {
  const { certificates, inWeChat } = useLoaderData<typeof loader>();
  return (
    <div className="stack classes">
      <div className="page-head">
        <h1>我的证书</h1>
        <a href="/my/record.pdf" className="btn" download>
          下载我的培训档案（PDF）
        </a>
      </div>
      {inWeChat ? (
        <p className="alert warn" data-testid="wechat-hint">
          在微信中如无法下载，请点右上角“···”，选择“在浏览器打开”后再下载。
        </p>
      ) : null}
      {certificates.length === 0 ? <p className="card empty">还没有结业证书。培训班结业后，证书会出现在这里。</p> : null}
      <ul className="cards">
        {certificates.map((c) => (
          <li key={c.id} className={`card certificate ${c.revokedAt ? "dim" : ""}`}>
            <h2>{c.className}</h2>
            <p className="muted">
              第 {c.term} 期 · 证书编号 {c.number}
            </p>
            <p>
              {c.hours} 学时 · 综合成绩 {c.composite}（{c.band}）
            </p>
            <p className="muted">颁发于 {formatDateTime(c.issuedAt)}</p>
            {c.revokedAt ? <p className="alert error">已于 {formatDateTime(c.revokedAt)} 撤销</p> : null}
            <div className="row-actions">
              <a className="btn primary small" href={`/certificates/${c.id}.pdf`} download>
                下载 PDF
              </a>
              <a className="btn small" href={c.verify} target="_blank" rel="noreferrer">
                验证页面
              </a>
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
