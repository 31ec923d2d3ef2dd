import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { STAGES } from "../../db/types.ts";
import { getOrgUnit } from "~/models/org.server.ts";
import { listUsers } from "~/models/users.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";

export const meta: MetaFunction = () => [{ title: "本支部学员 · 网上党校" }];

const Filter = z.object({
  q: z.string().trim().max(50).optional().catch(undefined),
  stage: z.enum(STAGES).optional().catch(undefined),
});

/** A secretary sees the trainees of their own unit's subtree, and no one else. */
export async function loader(args: LoaderFunctionArgs) {
  const me = await requireRole(args, "secretary");
  const { db } = args.context;
  const unit = await getOrgUnit(db, me.org_unit_id);
  if (!unit) throw new Response("所属组织不存在", { status: 404 });
  const f = Filter.parse(Object.fromEntries(new URL(args.request.url).searchParams));
  const trainees = await listUsers(db, { unitPath: unit.path, role: "trainee", stage: f.stage, q: f.q || undefined, limit: 500 });
  return { unit: unit.name, trainees };
}

export default function Branch() {
  const { unit, trainees } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  return (
    <div className="stack">
      <h1>{unit} · 学员</h1>
      <Form method="get" className="card filters">
        <input name="q" placeholder="学号或姓名" defaultValue={params.get("q") ?? ""} aria-label="搜索" />
        <select name="stage" defaultValue={params.get("stage") ?? ""} aria-label="发展阶段">
          <option value="">全部阶段</option>
          {STAGES.map((s) => (
            <option key={s} value={s}>
              {STAGE_LABEL[s]}
            </option>
          ))}
        </select>
        <button type="submit" className="btn">
          筛选
        </button>
      </Form>
      <ul className="cards">
        {trainees.map((t) => (
          <li key={t.id} className={`card person ${t.active ? "" : "dim"}`}>
            <Link to={`/branch/people/${t.id}`}>
              <strong>{t.name}</strong>
            </Link>
            <span className="muted">{t.username}</span>
            <span className="tag">{STAGE_LABEL[t.stage]}</span>
            <span className="muted">{t.unit_name}</span>
          </li>
        ))}
        {trainees.length === 0 ? <li className="card empty">没有符合条件的学员</li> : null}
      </ul>
    </div>
  );
}
