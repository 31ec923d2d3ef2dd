// 支部证书包: for each class with members in the secretary's subtree, the certificates (zip) and the
// dossier sheet (XLSX).
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { listPackClasses } from "~/models/branch-pack.server.ts";
import { requireGovernedScope } from "~/guards/auth.server.ts";

export const meta: MetaFunction = () => [{ title: "支部证书包 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const { path } = await requireGovernedScope(args);
  return { classes: await listPackClasses(args.context.db, path) };
}

export default function BranchPack() {
  const { classes } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <h1>支部证书包</h1>
      <p className="muted">每个培训班下载本单位学员的结业证书（ZIP）和发展党员材料汇总表（XLSX）。</p>
      <ul className="cards">
        {classes.map((k) => (
          <li key={k.id} className="card stack">
            <strong>
              {k.name}（第 {k.term} 期）
            </strong>
            <span className="muted">
              {k.start_date} 至 {k.end_date} · 本单位学员 {k.members} 人 · 有效证书 {k.certificates} 份
            </span>
            <div className="row-actions">
              <a className="btn" href={`/branch/classes/${k.id}/pack.xlsx`} download>
                汇总表（XLSX）
              </a>
              <a className="btn secondary" href={`/branch/classes/${k.id}/certificates.zip`} download>
                证书（ZIP）
              </a>
            </div>
          </li>
        ))}
        {classes.length === 0 ? <li className="card empty">本单位学员没有参加培训班</li> : null}
      </ul>
    </div>
  );
}
