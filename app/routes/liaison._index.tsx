// A 培养联系人's page: their current trainees and the 思想汇报 waiting to be read.
import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { listTraineesOfLiaison } from "~/models/branch-liaisons.server.ts";
import { listReportsToRead } from "~/models/branch-reports.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { formatDateTime } from "~/utils/cst.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";

export const meta: MetaFunction = () => [{ title: "培养联系 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const me = await requireRole(args, "liaison");
  const { db } = args.context;
  // Only as 培养联系人: a secretary's subtree is on /branch/reports.
  const asLiaison = { ...me, roles: me.roles.filter((r) => r === "liaison") };
  return { trainees: await listTraineesOfLiaison(db, me.id), toRead: await listReportsToRead(db, asLiaison) };
}

export default function Liaison() {
  const { trainees, toRead } = useLoaderData<typeof loader>();
  return (
    <div className="stack">
      <h1>我联系的学员</h1>
      <ul className="cards">
        {trainees.map((t) => (
          <li key={t.id} className="card person">
            <Link to={`/branch/people/${t.id}`}>
              <strong>{t.name}</strong>
            </Link>
            <span className="muted">{t.username}</span>
            <span className="tag">{STAGE_LABEL[t.stage]}</span>
            <span className="muted">{t.start_on} 起</span>
          </li>
        ))}
        {trainees.length === 0 ? <li className="card empty">目前没有联系的学员</li> : null}
      </ul>
      <h2>待阅思想汇报</h2>
      <ul className="cards">
        {toRead.map((r) => (
          <li key={r.id} className="card">
            <Link to={`/reports/${r.id}`}>
              {r.name}：{r.title}
            </Link>{" "}
            <span className="muted">{r.submitted_at ? formatDateTime(r.submitted_at) : ""}</span>
          </li>
        ))}
        {toRead.length === 0 ? <li className="card empty">没有待阅的思想汇报</li> : null}
      </ul>
    </div>
  );
}
