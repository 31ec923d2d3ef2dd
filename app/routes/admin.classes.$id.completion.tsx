// 结业审核: the organization department reviews every trainee's computed result, marks exceptions with a
// reason (force complete / force not complete, audited), and confirms completion, which records the
// outcomes and issues the certificates in one transaction.
import { data, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { GlyphWarnings, MemberTable, StatGrid, type MemberRowView } from "~/components/ClassMembers.tsx";
import { certificateEnv, confirmCompletion } from "~/models/certificates.server.ts";
import { ClassError, classResults, classStatus, getClassRow, memberView, setException } from "~/models/classes.server.ts";
import classesCss from "~/styles/classes.css?url";
import { requireRole } from "~/utils/auth.server.ts";
import { cstDate, glyphWarnings } from "~/utils/certificate-pdf.server.ts";
import { now } from "~/utils/db.server.ts";
import { idParam, optionalText, parseForm } from "~/utils/forms.server.ts";
import { formatDateTime } from "~/utils/labels.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: classesCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `结业审核 · ${data?.cls.name ?? "培训班"} · 网上党校` }];

async function load(args: LoaderFunctionArgs | ActionFunctionArgs) {
  const me = await requireRole(args, "admin");
  const id = idParam.safeParse(args.params.id);
  const cls = id.success ? await getClassRow(args.context.db, id.data) : undefined;
  if (!cls) throw new Response("培训班不存在", { status: 404 });
  return { me, cls };
}

export async function loader(args: LoaderFunctionArgs) {
  const { cls } = await load(args);
  const members = (await classResults(args.context.db, cls)).map(memberView);
  const today = cstDate(now());
  return {
    cls: { id: cls.id, name: cls.name, term: cls.term, endDate: cls.end_date, status: classStatus(cls), completedAt: cls.completed_at, manualUsual: cls.rules.usualSource === "manual" },
    ended: today > cls.end_date,
    members,
    toIssue: members.filter((m) => m.passed && !m.certificate).length,
    warnings: members.filter((m) => m.passed && !m.certificate).flatMap((m) => glyphWarnings({ [`${m.username} 的姓名`]: m.name })),
  };
}

const ExceptionForm = z.object({
  userId: idParam,
  kind: z.enum(["complete", "fail", "none"], { errorMap: () => ({ message: "请选择例外处理方式" }) }),
  reason: optionalText("理由", 200),
});

type ActionData = { error?: string; ok?: string };

export async function action(args: ActionFunctionArgs) {
  const { me, cls } = await load(args);
  const { db, clientIp } = args.context;
  const actor = { actorId: me.id, ip: clientIp };
  const form = await args.request.formData();
  try {
    if (form.get("intent") === "exception") {
      const p = parseForm(form, ExceptionForm);
      if (!p.ok) return data<ActionData>({ error: p.message }, { status: 400 });
      await setException(db, { classId: cls.id, userId: p.data.userId, kind: p.data.kind === "none" ? null : p.data.kind, reason: p.data.reason ?? null }, actor);
      return { ok: p.data.kind === "none" ? "已取消例外处理" : "例外处理已记录" } satisfies ActionData;
    }
    if (form.get("intent") === "confirm") {
      const r = await confirmCompletion(db, { classId: cls.id, schoolCode: certificateEnv().schoolCode }, actor);
      return { ok: `已确认结业：结业 ${r.completed} 人，未结业 ${r.notCompleted} 人；本次颁发证书 ${r.issued.length} 份${r.issued.length ? `（${r.issued[0]!.number} 起）` : ""}` } satisfies ActionData;
    }
  } catch (e) {
    if (e instanceof ClassError) return data<ActionData>({ error: e.message }, { status: e.status });
    throw e;
  }
  return data<ActionData>({ error: "未知操作" }, { status: 400 });
}

export default function Completion() {
  const { cls, ended, members, toIssue, warnings } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionData | undefined;
  const busy = useNavigation().state === "submitting";
  const passing = members.filter((m) => m.passed).length;
  return (
    <div className="stack classes">
      <div className="page-head">
        <div>
          <p className="muted crumbs">
            <Link to="/admin/classes">培训班</Link> / <Link to={`/admin/classes/${cls.id}`}>{cls.name}</Link>
          </p>
          <h1>结业审核</h1>
        </div>
      </div>
      {result?.error ? <p className="alert error">{result.error}</p> : null}
      {result?.ok ? <p className="alert ok">{result.ok}</p> : null}
      {!ended && !cls.completedAt ? <p className="alert warn">培训班尚未结束（结束日期 {cls.endDate}），现在确认将按目前的学习情况结业。</p> : null}
      {cls.completedAt ? <p className="alert ok">已于 {formatDateTime(cls.completedAt)} 确认结业。之后达到结业条件的学员可以再次确认补发证书，已颁发的证书编号不变。</p> : null}
      <GlyphWarnings title="以下学员姓名含有证书字体缺少的字符，证书上该字将显示为空白方框：" warnings={warnings} />
      <section className="card">
        <StatGrid
          items={[
            [members.length, "学员"],
            [passing, "准予结业"],
            [members.length - passing, "不予结业"],
            [toIssue, "待颁发证书"],
          ]}
        />
        <Form method="post" className="confirm">
          <input type="hidden" name="intent" value="confirm" />
          <button type="submit" className="btn primary" disabled={busy || !members.length}>
            确认结业并颁发证书（{toIssue} 份）
          </button>
        </Form>
      </section>
      <section className="card table-wrap">
        <MemberTable members={members} manualUsual={cls.manualUsual} canGrade={false} canRemove={false} extra={{ header: "例外处理", cell: (m) => <ExceptionCell m={m} /> }} />
      </section>
    </div>
  );
}

function ExceptionCell({ m }: { m: MemberRowView }) {
  if (m.certificate) return <span className="muted">已颁发</span>;
  return (
    <details className="row-more">
      <summary>{m.exception ? (m.exception.kind === "complete" ? "已设：准予结业" : "已设：不予结业") : "设置"}</summary>
      <Form method="post" className="form">
        <input type="hidden" name="intent" value="exception" />
        <input type="hidden" name="userId" value={m.userId} />
        <select name="kind" defaultValue={m.exception?.kind ?? "complete"} aria-label={`${m.name} 的例外处理`}>
          <option value="complete">准予结业（例外）</option>
          <option value="fail">不予结业</option>
          <option value="none">取消例外，按规则计算</option>
        </select>
        <input name="reason" maxLength={200} placeholder="理由（必填）" defaultValue={m.exception?.reason ?? ""} aria-label={`${m.name} 的例外理由`} />
        <button type="submit" className="btn small">
          保存
        </button>
      </Form>
    </details>
  );
}
