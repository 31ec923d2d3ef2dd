// A trainee's branch record (培养考察): stage decisions with their days, 培养联系人 with history, and
// 思想汇报. The secretary of the subtree (or the 组织部) edits; the trainee's 培养联系人 reads.
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { assignLiaison, endLiaison, listLiaisonHistory } from "~/models/branch-liaisons.server.ts";
import { listReportsOfTrainee } from "~/models/branch-reports.server.ts";
import { accessTo, BranchError, getPerson } from "~/models/branch-scope.server.ts";
import { listStageEvents, recordStageEvent, withdrawLatestStageEvent } from "~/models/branch-stages.server.ts";
import { requireRole, requireUser } from "~/guards/auth.server.ts";
import { cstToday, formatDateTime } from "~/utils/cst.ts";
import { idParam, parseForm } from "~/utils/forms.server.ts";
import { fail, failParsed, failWith } from "~/utils/form-result.server.ts";
import { FieldError, fieldProps, FormOutcome } from "~/components/FormErrors.tsx";
import { STAGE_LABEL } from "~/utils/labels.ts";
import { DECIDED_STAGES, STAGE_EVENT_LABEL } from "~/utils/stage-rules.ts";
import { REPORT_STATUS_LABEL } from "~/utils/report-rhythm.ts";

export const meta: MetaFunction = () => [{ title: "培养考察 · 网上党校" }];

async function personFor(args: LoaderFunctionArgs, me: Parameters<typeof accessTo>[1]) {
  const id = idParam.safeParse(args.params.userId);
  const person = id.success ? await getPerson(args.context.db, id.data) : undefined;
  const access = person ? await accessTo(args.context.db, me, person) : null;
  if (!person || (access !== "governs" && access !== "liaison")) throw new Response("学员不存在", { status: 404 });
  return { person, access };
}

export async function loader(args: LoaderFunctionArgs) {
  const me = await requireUser(args);
  const { person, access } = await personFor(args, me);
  const { db } = args.context;
  const [events, liaisons, reports] = await Promise.all([
    listStageEvents(db, person.id),
    listLiaisonHistory(db, person.id),
    listReportsOfTrainee(db, person.id),
  ]);
  return { person, canEdit: access === "governs", events, liaisons, reports, today: cstToday() };
}

const Day = z.string().trim().max(10);
const Forms = {
  "assign-liaison": z.object({ liaison: z.string().trim().min(1, "请填写培养联系人的学号/工号").max(30), startOn: Day }),
  "end-liaison": z.object({ assignmentId: idParam, endOn: Day }),
  "stage-event": z.object({
    stage: z.enum(DECIDED_STAGES, { errorMap: () => ({ message: "请选择发展阶段" }) }),
    decidedOn: Day,
    note: z.string().trim().max(200).optional(),
  }),
  "withdraw-stage": z.object({}),
};

export async function action(args: ActionFunctionArgs) {
  const me = await requireRole(args, "secretary", "admin");
  const { person, access } = await personFor(args, me);
  if (access !== "governs") throw new Response("学员不存在", { status: 404 });
  const { db, clientIp: ip } = args.context;
  const form = await args.request.formData();
  const intent = String(form.get("intent") ?? "");
  if (!(intent in Forms)) return fail("未知操作");
  try {
    switch (intent) {
      case "assign-liaison": {
        const p = parseForm(form, Forms["assign-liaison"]);
        if (!p.ok) return failParsed(p);
        await assignLiaison(db, { traineeId: person.id, liaisonUsername: p.data.liaison, startOn: p.data.startOn }, me, { ip });
        return { ok: true as const, message: "已指定培养联系人" };
      }
      case "end-liaison": {
        const p = parseForm(form, Forms["end-liaison"]);
        if (!p.ok) return failParsed(p);
        const mine = (await listLiaisonHistory(db, person.id)).some((l) => l.id === p.data.assignmentId);
        if (!mine) return fail("该培养联系人记录不存在");
        await endLiaison(db, { assignmentId: p.data.assignmentId, endOn: p.data.endOn }, me, { ip });
        return { ok: true as const, message: "已结束该培养联系人" };
      }
      case "stage-event": {
        const p = parseForm(form, Forms["stage-event"]);
        if (!p.ok) return failParsed(p);
        await recordStageEvent(db, { userId: person.id, ...p.data }, me, { ip });
        return { ok: true as const, message: `已录入${STAGE_EVENT_LABEL[p.data.stage]}` };
      }
      default:
        await withdrawLatestStageEvent(db, { userId: person.id }, me, { ip });
        return { ok: true as const, message: "已撤销最近一条记录" };
    }
  } catch (e) {
    if (e instanceof BranchError) return failWith(e);
    throw e;
  }
}

export default function BranchPerson() {
  const { person, canEdit, events, liaisons, reports, today } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const current = liaisons.filter((l) => l.end_on === null);
  return (
    <section className="narrow stack">
      <p>
        <Link to={canEdit ? "/branch" : "/liaison"}>← 返回</Link>
      </p>
      <h1>
        {person.name} <small className="muted">{person.username}</small>
      </h1>
      <p className="muted">
        {person.unit_name} · 当前阶段：<span className="tag">{STAGE_LABEL[person.stage]}</span>
      </p>
      <FormOutcome result={result} />

      <div className="card stack">
        <h2>发展阶段时间</h2>
        <table className="table">
          <tbody>
            {DECIDED_STAGES.map((s) => (
              <tr key={s}>
                <th scope="row">{STAGE_EVENT_LABEL[s]}</th>
                <td data-stage={s}>{events.find((e) => e.stage === s)?.decided_on ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {canEdit ? (
          <>
            <Form method="post" className="form inline-form">
              <input type="hidden" name="intent" value="stage-event" />
              <label>
                决定事项
                <select {...fieldProps(result, "stage-event", "stage")} required defaultValue="">
                  <option value="" disabled>
                    请选择
                  </option>
                  {DECIDED_STAGES.map((s) => (
                    <option key={s} value={s}>
                      {STAGE_EVENT_LABEL[s]}
                    </option>
                  ))}
                </select>
                <FieldError result={result} form="stage-event" name="stage" />
              </label>
              <label>
                支部决定日期
                <input type="date" {...fieldProps(result, "stage-event", "decidedOn")} required max={today} />
                <FieldError result={result} form="stage-event" name="decidedOn" />
              </label>
              <label>
                备注
                <input {...fieldProps(result, "stage-event", "note")} maxLength={200} />
                <FieldError result={result} form="stage-event" name="note" />
              </label>
              <button className="btn" type="submit">
                录入
              </button>
            </Form>
            {events.length ? (
              <Form method="post">
                <input type="hidden" name="intent" value="withdraw-stage" />
                <button className="btn secondary" type="submit">
                  撤销最近一条（{STAGE_EVENT_LABEL[events.at(-1)!.stage as (typeof DECIDED_STAGES)[number]]}）
                </button>
              </Form>
            ) : null}
          </>
        ) : null}
      </div>

      <div className="card stack">
        <h2>培养联系人</h2>
        <ul className="plain">
          {liaisons.map((l) => (
            <li key={l.id} className={l.end_on ? "dim" : ""}>
              <strong>{l.name}</strong> <span className="muted">{l.username}</span> · {l.start_on} 起{l.end_on ? `，${l.end_on} 止` : "（现任）"}
              {canEdit && !l.end_on ? (
                <Form method="post" className="inline-form">
                  <input type="hidden" name="intent" value="end-liaison" />
                  <input type="hidden" name="assignmentId" value={l.id} />
                  <label>
                    结束日期 <input type="date" name="endOn" required max={today} defaultValue={today} />
                  </label>
                  <button className="btn secondary" type="submit">
                    结束
                  </button>
                </Form>
              ) : null}
            </li>
          ))}
          {liaisons.length === 0 ? <li className="muted">尚未指定培养联系人</li> : null}
        </ul>
        {canEdit && current.length < 2 ? (
          <Form method="post" className="form inline-form">
            <input type="hidden" name="intent" value="assign-liaison" />
            <label>
              培养联系人学号/工号
              <input {...fieldProps(result, "assign-liaison", "liaison")} required maxLength={30} />
              <FieldError result={result} form="assign-liaison" name="liaison" />
            </label>
            <label>
              开始日期
              <input type="date" {...fieldProps(result, "assign-liaison", "startOn")} required max={today} defaultValue={today} />
              <FieldError result={result} form="assign-liaison" name="startOn" />
            </label>
            <button className="btn" type="submit">
              指定
            </button>
          </Form>
        ) : null}
        <p className="muted small">培养联系人须为本组织的正式党员，每名学员一至两名。</p>
      </div>

      <div className="card stack">
        <h2>思想汇报</h2>
        <ul className="plain">
          {reports.map((r) => (
            <li key={r.id}>
              <Link to={`/reports/${r.id}`}>{r.title}</Link> <span className="tag">{REPORT_STATUS_LABEL[r.status]}</span>{" "}
              <span className="muted">{r.submitted_at ? formatDateTime(r.submitted_at) : ""}</span>
            </li>
          ))}
          {reports.length === 0 ? <li className="muted">尚未提交思想汇报</li> : null}
        </ul>
      </div>
    </section>
  );
}
