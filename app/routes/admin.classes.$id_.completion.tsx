// 结业审核: the organization department reviews the trainees' computed results (searched, filtered by
// 支部 and standing, sorted, paged), records exceptions with their basis and reason for one trainee or
// many (audited), confirms completion in rounds — those who meet the rules or hold a 准予结业 exception
// get certificates, everyone else stays 学习中 — and closes the class when training is over.
import { type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useLocation, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { GlyphWarnings, MemberFilters, MemberPager, MemberTable, StatGrid, type MemberRowView } from "~/components/ClassMembers.tsx";
import { confirmCompletion } from "~/models/certificates.server.ts";
import { ClassError, classResults, classStatus, getClassRow, setException } from "~/models/classes.server.ts";
import { filterMembers, memberTable, parseMemberQuery } from "~/models/member-table.server.ts";
import classesCss from "~/styles/classes.css?url";
import { requireRole } from "~/guards/auth.server.ts";
import { FieldError, FormOutcome, fieldProps } from "~/components/FormErrors.tsx";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { glyphWarnings } from "~/utils/certificate-pdf.server.ts";
import { basisLabel, EXCEPTION_BASES, EXCEPTION_BASIS_KEYS } from "~/utils/completion.ts";
import { now } from "~/utils/db.server.ts";
import { idParam, optionalText, parseForm } from "~/utils/forms.server.ts";
import { cstDate, formatDateTime } from "~/utils/cst.ts";

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
  const { db } = args.context;
  const rows = await classResults(db, cls);
  const table = await memberTable(db, cls.id, rows, parseMemberQuery(new URL(args.request.url).searchParams));
  const toIssue = rows.filter((r) => r.result.passed && !r.certificate);
  return {
    cls: {
      id: cls.id,
      name: cls.name,
      kind: cls.kind,
      term: cls.term,
      endDate: cls.end_date,
      status: classStatus(cls),
      completedAt: cls.completed_at,
      manualUsual: cls.rules.usualSource === "manual",
    },
    ended: cstDate(now()) > cls.end_date,
    members: table.members,
    table: { ...table, members: undefined },
    total: rows.length,
    passing: rows.filter((r) => r.result.passed).length,
    studying: rows.filter((r) => !r.result.passed && !r.certificate && r.result.forced !== "fail" && r.outcome !== "not_completed").length,
    toIssue: toIssue.length,
    warnings: toIssue.flatMap((r) => glyphWarnings({ [`${r.username} 的姓名`]: r.name })),
  };
}

const ExceptionForm = z.object({
  userIds: z
    .array(idParam)
    .max(5000)
    .or(idParam.transform((v) => [v]))
    .optional(),
  scope: z.enum(["selected", "filtered"]).optional(),
  kind: z.enum(["complete", "fail", "none"], { errorMap: () => ({ message: "请选择例外处理方式" }) }),
  basis: z
    .enum(EXCEPTION_BASIS_KEYS as [string, ...string[]])
    .optional()
    .or(z.literal("")),
  reason: optionalText("理由", 200),
  acknowledged: z.literal("on").optional(),
});
const CloseForm = z.object({ early: z.literal("on").optional() });

export async function action(args: ActionFunctionArgs) {
  const { me, cls } = await load(args);
  const { db, clientIp } = args.context;
  const actor = { actorId: me.id, ip: clientIp };
  const form = await args.request.formData();
  try {
    const intent = form.get("intent");
    if (intent === "exception") {
      const p = parseForm(form, ExceptionForm);
      if (!p.ok) return failParsed(p);
      // "filtered": every row the table's current filter keeps (the query string of this page).
      const userIds =
        p.data.scope === "filtered"
          ? (await filterMembers(db, await classResults(db, cls), parseMemberQuery(new URL(args.request.url).searchParams)))
              .filter((r) => !r.certificate)
              .map((r) => r.userId)
          : (p.data.userIds ?? []);
      const kind = p.data.kind === "none" ? null : p.data.kind;
      const r = await setException(
        db,
        { classId: cls.id, userIds, kind, basis: (p.data.basis || null) as never, reason: p.data.reason ?? null, acknowledged: !!p.data.acknowledged },
        actor,
      );
      const what = kind === null ? "已取消例外处理" : kind === "complete" ? `已设为经认定准予结业（${basisLabel(p.data.basis)}）` : "已设为不予结业";
      return { ok: true as const, message: `${what}：${r.changed} 人${r.skipped ? `；${r.skipped} 人已有证书，未改动` : ""}` };
    }
    if (intent === "confirm" || intent === "close") {
      const p = parseForm(form, CloseForm);
      if (!p.ok) return failParsed(p);
      const r = await confirmCompletion(
        db,
        { classId: cls.id, schoolCode: args.context.config.schoolCode, close: intent === "close", early: !!p.data.early, email: args.context.config.email },
        actor,
      );
      const issued = `本次颁发证书 ${r.issued.length} 份${r.issued.length ? `（${r.issued[0]!.number} 起）` : ""}`;
      return {
        ok: true as const,
        message: r.closed
          ? `已结班：结业 ${r.completed} 人，未结业 ${r.notCompleted} 人；${issued}`
          : `已确认本轮结业：结业 ${r.completed} 人，不予结业 ${r.notCompleted} 人，其余 ${r.studying} 人仍在学习中；${issued}`,
      };
    }
  } catch (e) {
    if (e instanceof ClassError) return fail(e.message, e.field ? { [e.field]: e.message } : {}, e.status);
    throw e;
  }
  return fail("未知操作");
}

export default function Completion() {
  const { cls, ended, members, table, total, passing, studying, toIssue, warnings } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const f = (name: string) => fieldProps(result, "completion", name);
  const err = (name: string) => <FieldError result={result} form="completion" name={name} />;
  const busy = useNavigation().state === "submitting";
  const here = useLocation();
  const path = `/admin/classes/${cls.id}/completion`;
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
      <FormOutcome result={result} />
      {cls.completedAt ? (
        <p className="alert ok">已于 {formatDateTime(cls.completedAt)} 结班。之后达到结业条件的学员仍可确认补发证书，已颁发的证书编号不变。</p>
      ) : (
        <p className="alert">
          确认结业可以分轮进行：每次确认只为符合结业条件或经认定准予结业的学员颁发证书，其余学员仍为“学习中”。培训结束后由组织部结班，结班时未结业的学员记为未结业。
          {ended ? null : ` 培训班尚未结束（结束日期 ${cls.endDate}），提前颁发的证书培训时间截至颁发当日。`}
        </p>
      )}
      <GlyphWarnings title="以下学员姓名含有证书字体缺少的字符，证书上该字将显示为空白方框：" warnings={warnings} />
      <section className="card">
        <StatGrid
          items={[
            [total, "学员"],
            [passing, "准予结业"],
            [studying, "学习中"],
            [toIssue, "待颁发证书"],
          ]}
        />
        <div className="row-actions">
          <Form method="post" className="confirm">
            <input type="hidden" name="intent" value="confirm" />
            <button type="submit" className="btn primary" disabled={busy || !toIssue}>
              确认本轮结业并颁发证书（{toIssue} 份）
            </button>
          </Form>
          {cls.completedAt ? null : (
            <Form method="post" className="confirm">
              <input type="hidden" name="intent" value="close" />
              {ended ? null : (
                <label className="check">
                  <input type="checkbox" {...f("early")} required /> 培训班尚未结束，确认提前结班
                  {err("early")}
                </label>
              )}
              <button type="submit" className="btn danger" disabled={busy || !total}>
                结班（其余 {studying} 人记为未结业）
              </button>
            </Form>
          )}
        </div>
      </section>
      <section className="card stack">
        <MemberFilters t={table} path={path} />
        <Form method="post" id="bulk" className="bulk" action={`${path}${here.search}`}>
          <input type="hidden" name="intent" value="exception" />
          <strong>例外处理：</strong>
          {/* No trainee chosen is a refusal of the choice of trainees. */}
          <select {...f("userIds")} name="scope" defaultValue="selected" aria-label="对哪些学员">
            <option value="selected">勾选的学员</option>
            <option value="filtered">筛选出的全部 {table.matched} 人（不含已发证）</option>
          </select>
          <select {...f("kind")} defaultValue="complete" aria-label="例外处理方式">
            <option value="complete">经认定准予结业</option>
            <option value="fail">不予结业</option>
            <option value="none">取消例外，按规则计算</option>
          </select>
          <select {...f("basis")} defaultValue="" aria-label="认定依据">
            <option value="">认定依据（准予结业时必选）</option>
            {Object.entries(EXCEPTION_BASES).map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
          <input {...f("reason")} maxLength={200} placeholder="理由（必填，如：已参加线下集中培训 3 天）" aria-label="例外理由" />
          {cls.kind === "candidate" ? (
            <label className="check">
              <input type="checkbox" {...f("acknowledged")} /> 已核实：发展对象参加集中培训不少于3天或24学时
            </label>
          ) : null}
          <button type="submit" className="btn" disabled={busy}>
            应用
          </button>
          {["userIds", "kind", "basis", "reason", "acknowledged"].map((name) => (
            <FieldError key={name} result={result} form="completion" name={name} />
          ))}
        </Form>
        <div className="table-wrap" tabIndex={0}>
          <MemberTable
            members={members}
            manualUsual={cls.manualUsual}
            canGrade={false}
            canRemove={false}
            selectForm="bulk"
            extra={{ header: "例外处理", cell: (m) => <ExceptionCell m={m} /> }}
          />
        </div>
        <MemberPager page={table.page} pages={table.pages} />
      </section>
    </div>
  );
}

function ExceptionCell({ m }: { m: MemberRowView }) {
  if (m.certificate) return <span className="muted">已颁发</span>;
  if (!m.exception) return <span className="muted">—</span>;
  return <span>{m.exception.kind === "complete" ? `准予结业：${basisLabel(m.exceptionBasis) ?? ""}` : "不予结业"}</span>;
}
