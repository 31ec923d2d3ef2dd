// 培训班: the list (admins all, instructors the classes with their courses, secretaries the classes with
// members in their subtree) and, for the organization department, the form that opens a new class.
import { redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { ClassKindSelect } from "~/components/ClassMembers.tsx";
import { FieldError, fieldProps, FormAlert } from "~/components/FormErrors.tsx";
import { OrgUnitSelect } from "~/components/UserFields.tsx";
import { ClassError, ClassFieldsSchema, createClass, listClassesFor } from "~/models/classes.server.ts";
import { listOrgUnits, withLabels } from "~/models/org.server.ts";
import classesCss from "~/styles/classes.css?url";
import { STAGE_LABEL } from "~/utils/labels.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { parseForm } from "~/utils/forms.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: classesCss }];
export const meta: MetaFunction = () => [{ title: "培训班 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const me = await requireRole(args, "admin", "instructor", "secretary");
  const { db } = args.context;
  const isAdmin = me.roles.includes("admin");
  const classes = await listClassesFor(db, me);
  const hosts = isAdmin ? withLabels(await listOrgUnits(db)).filter((u) => u.kind !== "branch") : [];
  return { classes, isAdmin, hosts };
}

export async function action(args: ActionFunctionArgs) {
  const me = await requireRole(args, "admin");
  const parsed = parseForm(await args.request.formData(), ClassFieldsSchema);
  if (!parsed.ok) return failParsed(parsed);
  try {
    const id = await createClass(args.context.db, parsed.data, { actorId: me.id, ip: args.context.clientIp });
    return redirect(`/admin/classes/${id}`);
  } catch (e) {
    if (e instanceof ClassError) return fail(e.message, e.field ? { [e.field]: e.message } : {}, e.status);
    throw e;
  }
}

export default function Classes() {
  const { classes, isAdmin, hosts } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const year = new Date().getFullYear();
  const f = (name: string) => fieldProps(result, "new-class", name);
  const err = (name: string) => <FieldError result={result} form="new-class" name={name} />;
  return (
    <div className="stack classes">
      <div className="page-head">
        <h1>培训班</h1>
      </div>
      <div className="table-wrap card" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th>培训班</th>
              <th>类别</th>
              <th>期次</th>
              <th>主办单位</th>
              <th>培训时间</th>
              <th>学员</th>
              <th>证书</th>
              <th>状态</th>
            </tr>
          </thead>
          <tbody>
            {classes.map((c) => (
              <tr key={c.id}>
                <td>
                  <Link to={`/admin/classes/${c.id}`}>{c.name}</Link>
                </td>
                <td>{STAGE_LABEL[c.kind]}</td>
                <td>第 {c.term} 期</td>
                <td>{c.hostUnit}</td>
                <td className="nowrap">
                  {c.startDate} 至 {c.endDate}
                </td>
                <td>{c.members}</td>
                <td>{c.certificates}</td>
                <td>
                  <span className={`tag ${c.status === "已结业" ? "ok" : ""}`}>{c.status}</span>
                </td>
              </tr>
            ))}
            {classes.length === 0 ? (
              <tr>
                <td colSpan={8} className="empty">
                  还没有培训班
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {isAdmin ? (
        <section className="card">
          <h2>新建培训班</h2>
          <FormAlert result={result} />
          <Form method="post" className="form class-form">
            <label>
              培训班名称
              <input {...f("name")} required maxLength={80} placeholder={`${year}年秋季第12期入党积极分子培训班`} />
              {err("name")}
            </label>
            <div className="grid-2">
              <label>
                类别
                <ClassKindSelect {...f("kind")} />
                {err("kind")}
              </label>
              <label>
                期次
                <input {...f("term")} type="number" min={1} max={9999} required inputMode="numeric" />
                {err("term")}
              </label>
            </div>
            <label>
              主办单位
              <OrgUnitSelect units={hosts} {...f("hostUnitId")} required />
              <small>校党委，或二级党委（分党校）</small>
              {err("hostUnitId")}
            </label>
            <div className="grid-2">
              <label>
                开始日期
                <input {...f("startDate")} type="date" required />
                {err("startDate")}
              </label>
              <label>
                结束日期
                <input {...f("endDate")} type="date" required />
                {err("endDate")}
              </label>
            </div>
            <p className="muted small-print">创建后在培训班页面设置课程、结业条件并报名学员。</p>
            <button type="submit" className="btn primary">
              创建培训班
            </button>
          </Form>
        </section>
      ) : null}
    </div>
  );
}
