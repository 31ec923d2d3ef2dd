import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useFetcher, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { FieldError, FormOutcome, fieldProps } from "~/components/FormErrors.tsx";
import { OrgUnitSelect } from "~/components/UserFields.tsx";
import { createOrgUnit, deleteOrgUnit, listOrgUnits, moveOrgUnit, OrgError, renameOrgUnit, setOrgUnitActive, withLabels } from "~/models/org.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import type { DB } from "~/utils/db.server.ts";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { idParam, parseForm, text } from "~/utils/forms.server.ts";
import { ORG_KIND_LABEL } from "~/utils/labels.ts";

export const meta: MetaFunction = () => [{ title: "组织架构 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  await requireRole(args, "admin");
  const { db } = args.context;
  const units = withLabels(await listOrgUnits(db));
  const counts = await db
    .selectFrom("users")
    .select(["org_unit_id", (eb) => eb.fn.countAll<number>().as("n")])
    .groupBy("org_unit_id")
    .execute();
  const members = Object.fromEntries(counts.map((c) => [c.org_unit_id, Number(c.n)]));
  return { units: units.map((u) => ({ ...u, members: members[u.id] ?? 0 })) };
}

const Intent = z.discriminatedUnion(
  "intent",
  [
    z.object({ intent: z.literal("create"), name: text("组织名称", 60), parentId: idParam }),
    z.object({ intent: z.literal("rename"), id: idParam, name: text("组织名称", 60) }),
    z.object({ intent: z.literal("move"), id: idParam, parentId: idParam }),
    z.object({ intent: z.literal("deactivate"), id: idParam }),
    z.object({ intent: z.literal("activate"), id: idParam }),
    z.object({ intent: z.literal("delete"), id: idParam }),
  ],
  { errorMap: () => ({ message: "未知操作" }) },
);

async function run(db: DB, f: z.infer<typeof Intent>, actor: { actorId: number; ip: string }) {
  switch (f.intent) {
    case "create":
      return createOrgUnit(db, { name: f.name, parentId: f.parentId }, actor).then(() => "已新建组织");
    case "rename":
      return renameOrgUnit(db, f.id, f.name, actor).then(() => "已重命名");
    case "move":
      return moveOrgUnit(db, f.id, f.parentId, actor).then(() => "已移动");
    case "deactivate":
      return setOrgUnitActive(db, f.id, false, actor).then(() => "已停用（含下级组织）");
    case "activate":
      return setOrgUnitActive(db, f.id, true, actor).then(() => "已启用");
    case "delete":
      return deleteOrgUnit(db, f.id, actor).then(() => "已删除");
  }
}

/** Creating and moving are refused for the chosen 上级组织 (missing, inactive, wrong kind, own subtree). */
const REFUSED_FIELD: Partial<Record<z.infer<typeof Intent>["intent"], string>> = { create: "parentId", move: "parentId" };

export async function action(args: ActionFunctionArgs) {
  const admin = await requireRole(args, "admin");
  const form = parseForm(await args.request.formData(), Intent);
  if (!form.ok) return failParsed(form);
  try {
    return { ok: true as const, message: await run(args.context.db, form.data, { actorId: admin.id, ip: args.context.clientIp }) };
  } catch (e) {
    const field = REFUSED_FIELD[form.data.intent];
    if (e instanceof OrgError) return fail(e.message, field ? { [field]: e.message } : {});
    throw e;
  }
}

type Unit = ReturnType<typeof useLoaderData<typeof loader>>["units"][number];

/** One unit's forms; each row posts through its own fetcher so that a refusal shows beside the row it concerns. */
function UnitActions({ u, parents }: { u: Unit; parents: Unit[] }) {
  const fetcher = useFetcher<typeof action>();
  const r = fetcher.data;
  const form = `unit-${u.id}`;
  return (
    <div className="tree-actions">
      <fetcher.Form method="post" className="inline-form">
        <input type="hidden" name="intent" value="rename" />
        <input type="hidden" name="id" value={u.id} />
        <input {...fieldProps(r, form, "name")} defaultValue={u.name} required maxLength={60} aria-label="名称" />
        <button className="btn small">重命名</button>
        <FieldError result={r} form={form} name="name" />
      </fetcher.Form>
      {u.parent_id !== null ? (
        <fetcher.Form method="post" className="inline-form">
          <input type="hidden" name="intent" value="move" />
          <input type="hidden" name="id" value={u.id} />
          <OrgUnitSelect units={parents.filter((p) => p.id !== u.id)} {...fieldProps(r, form, "parentId")} value={u.parent_id} required label="上级组织" />
          <button className="btn small">移动</button>
          <FieldError result={r} form={form} name="parentId" />
        </fetcher.Form>
      ) : null}
      {u.parent_id !== null ? (
        <fetcher.Form method="post" className="inline-form">
          <input type="hidden" name="intent" value={u.active ? "deactivate" : "activate"} />
          <input type="hidden" name="id" value={u.id} />
          <button className="btn small">{u.active ? "停用" : "启用"}</button>
        </fetcher.Form>
      ) : null}
      {u.members === 0 && u.parent_id !== null ? (
        <fetcher.Form method="post" className="inline-form">
          <input type="hidden" name="intent" value="delete" />
          <input type="hidden" name="id" value={u.id} />
          <button className="btn small danger">删除</button>
        </fetcher.Form>
      ) : null}
      <FormOutcome result={r} />
    </div>
  );
}

export default function OrgTree() {
  const { units } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const parents = units.filter((u) => u.kind !== "branch");
  return (
    <div className="stack">
      <h1>组织架构</h1>
      <FormOutcome result={result} />
      <Form method="post" className="card filters">
        <input type="hidden" name="intent" value="create" />
        <OrgUnitSelect units={parents} {...fieldProps(result, "create", "parentId")} required label="上级组织" />
        <FieldError result={result} form="create" name="parentId" />
        <input {...fieldProps(result, "create", "name")} placeholder="新组织名称" required maxLength={60} aria-label="新组织名称" />
        <FieldError result={result} form="create" name="name" />
        <button type="submit" className="btn primary">
          新建下级组织
        </button>
      </Form>
      <ul className="tree card">
        {units.map((u) => (
          <li key={u.id} style={{ paddingLeft: `${u.depth * 1.25}rem` }} className={u.active ? "" : "dim"}>
            <details>
              <summary>
                <span className="tree-name">{u.name}</span>
                <span className="tag">{ORG_KIND_LABEL[u.kind]}</span>
                <span className="muted">{u.members} 人</span>
                {u.active ? null : <span className="tag">已停用</span>}
              </summary>
              <UnitActions u={u} parents={parents} />
            </details>
          </li>
        ))}
      </ul>
    </div>
  );
}
