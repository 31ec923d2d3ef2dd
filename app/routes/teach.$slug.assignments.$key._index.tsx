import { redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import {
  anonymousLabel,
  AssignmentError,
  findUserByUsername,
  getAssignmentForEditor,
  grantExtension,
  listExtensions,
  listQueue,
  listQueueClasses,
  listQueueUnits,
  namesHidden,
  queueFilterFrom,
  recomputeSimilarity,
  setReleased,
  STATUS_LABEL,
  updateSettings,
} from "~/models/assignments.server.ts";
import { ExtensionFields } from "~/components/ExtensionFields.tsx";
import assignmentsCss from "~/styles/assignments.css?url";
import { requireCourseEditor } from "~/guards/auth.server.ts";
import { FormOutcome } from "~/components/FormErrors.tsx";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { idParam, parseForm, text } from "~/utils/forms.server.ts";
import { safeRedirect } from "~/utils/safe-redirect.ts";
import { formatDateTime } from "~/utils/cst.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: assignmentsCss }];
export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.assignment.title ?? "作业"} · 批改 · 网上党校` }];

async function assignmentFor(args: LoaderFunctionArgs | ActionFunctionArgs) {
  const { user, course } = await requireCourseEditor(args, args.params.slug);
  const found = await getAssignmentForEditor(args.context.db, course, args.params.key ?? "");
  if (!found) throw new Response("作业不存在", { status: 404 });
  return { user, course, ...found };
}

/** The grading queue of one assignment with its settings, filters and the extensions granted. */
export async function loader(args: LoaderFunctionArgs) {
  const { course, assignment, settings } = await assignmentFor(args);
  const { db } = args.context;
  const hide = namesHidden(settings);
  const [rows, units, extensions, classes] = await Promise.all([
    listQueue(db, assignment.id, queueFilterFrom(new URL(args.request.url).searchParams, settings)),
    listQueueUnits(db, assignment.id),
    listExtensions(db, assignment.id),
    listQueueClasses(db, course.id),
  ]);
  return {
    course: { slug: course.slug, title: course.title },
    assignment: {
      key: assignment.key,
      title: assignment.title,
      kind: assignment.kind,
      dueAt: assignment.due_at,
      cutoffAt: assignment.cutoff_at,
      maxScore: assignment.max_score,
      archived: assignment.archived,
    },
    settings,
    hide,
    statuses: (["submitted", "late", "returned", "graded"] as const).map((value) => ({ value, label: STATUS_LABEL[value] })),
    units: hide ? [] : units,
    classes,
    rows: rows.map((r) => ({
      id: r.id,
      who: hide ? anonymousLabel(r.id) : r.name,
      username: hide ? "" : r.username,
      unit: hide ? "" : r.unit_name,
      status: r.status,
      statusLabel: STATUS_LABEL[r.status],
      version: r.current_version,
      submittedAt: r.submitted_at,
      late: r.late,
      length: r.text_length,
      similarity: r.similarity,
      score: r.score,
    })),
    extensions: extensions.map((e) => ({ ...e, who: hide ? "（盲评中隐藏）" : `${e.name}（${e.username}）` })),
  };
}

const checkbox = z.preprocess((v) => v === "on" || v === "1", z.boolean());
const Settings = z.object({
  blind: checkbox,
  late_penalty: z.coerce.number({ invalid_type_error: "迟交扣分须为数字" }).min(0, "迟交扣分不能为负").max(100, "迟交扣分最多 100%"),
  threshold: z.coerce.number({ invalid_type_error: "阈值须为数字" }).min(0.1, "阈值至少 0.1").max(0.95, "阈值最多 0.95"),
});
/** `YYYY-MM-DDTHH:mm` from a datetime-local input, read as China Standard Time. */
const cstDateTime = (label: string) =>
  z
    .string({ required_error: `请填写${label}` })
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, `${label}格式不正确`)
    .transform((v) => Math.floor(Date.parse(`${v.length === 16 ? `${v}:00` : v}+08:00`) / 1000))
    .refine((t) => Number.isFinite(t), `${label}不是有效的日期`);
const Extension = z.object({
  username: z.string().trim().max(40).optional(),
  submission: idParam.optional(),
  due: cstDateTime("新的截止时间"),
  cutoff: z.preprocess((v) => (v === "" ? undefined : v), cstDateTime("最终截止时间").optional()),
  reason: text("延期原因", 200),
  returnTo: z.string().optional(),
});

export async function action(args: ActionFunctionArgs) {
  const { user, assignment } = await assignmentFor(args);
  const { db, clientIp: ip } = args.context;
  const form = await args.request.formData();
  try {
    switch (form.get("intent")) {
      case "settings": {
        const p = parseForm(form, Settings);
        if (!p.ok) return failParsed(p);
        await updateSettings(
          db,
          {
            assignmentId: assignment.id,
            blind: p.data.blind,
            latePenaltyPercent: p.data.late_penalty,
            similarityThreshold: p.data.threshold,
            actorId: user.id,
          },
          { ip },
        );
        return { ok: true as const, message: "设置已保存" };
      }
      case "release":
      case "unrelease": {
        const released = form.get("intent") === "release";
        await setReleased(db, { assignmentId: assignment.id, released, actorId: user.id }, { ip, email: args.context.config.email });
        return { ok: true as const, message: released ? "成绩已发布：学员可以看到成绩，评阅人可以看到姓名" : "已撤回发布" };
      }
      case "recompute": {
        const n = await recomputeSimilarity(db, assignment.id);
        return { ok: true as const, message: `相似度已重新计算：${n} 对超过阈值` };
      }
      case "extension": {
        const p = parseForm(form, Extension);
        if (!p.ok) return failParsed(p);
        const f = p.data;
        let userId: number | undefined;
        if (f.submission) {
          userId = (
            await db.selectFrom("submissions").select("user_id").where("id", "=", f.submission).where("assignment_id", "=", assignment.id).executeTakeFirst()
          )?.user_id;
        } else if (f.username) {
          userId = (await findUserByUsername(db, f.username))?.id;
        }
        if (!userId) return fail("找不到该学员（请检查学号）", {}, 404);
        await grantExtension(db, { assignment, userId, dueAt: f.due, cutoffAt: f.cutoff, reason: f.reason, grantedBy: user.id }, { ip });
        if (f.returnTo) throw redirect(safeRedirect(f.returnTo, "/grading"));
        return { ok: true as const, message: `已延期至 ${formatDateTime(f.due)}` };
      }
      default:
        return fail("未知操作");
    }
  } catch (e) {
    if (e instanceof AssignmentError) return fail(e.message, {}, e.status);
    throw e;
  }
}

export default function AssignmentQueue() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const query = params.toString();
  const base = `/teach/${d.course.slug}/assignments/${d.assignment.key}`;
  return (
    <div className="stack grading">
      <p className="crumbs muted">
        <Link to="/grading">批改</Link> / {d.course.title}
      </p>
      <div className="page-head">
        <h1>
          {d.assignment.title} <span className="tag">{d.assignment.kind}</span>
        </h1>
        <a className="btn" href={`${base}/download.zip${params.get("class") ? `?class=${params.get("class")}` : ""}`} download>
          下载全部（zip）
        </a>
      </div>
      <p className="muted">
        截止 {d.assignment.dueAt ? formatDateTime(d.assignment.dueAt) : "不限"} · 最终截止{" "}
        {d.assignment.cutoffAt ? formatDateTime(d.assignment.cutoffAt) : "不限"} · 满分 {d.assignment.maxScore}
        {d.assignment.archived ? <span className="tag">已归档</span> : null}
      </p>
      <FormOutcome result={result} />
      {d.hide ? <p className="alert warn">盲评中：发布成绩前不显示学员姓名、学号和支部。</p> : null}

      <Form method="get" className="card filters">
        <select name="status" defaultValue={params.get("status") ?? ""} aria-label="状态">
          <option value="">全部状态</option>
          <option value="waiting">待批改</option>
          {d.statuses.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
        {d.units.length ? (
          <select name="unit" defaultValue={params.get("unit") ?? ""} aria-label="支部">
            <option value="">全部支部</option>
            {d.units.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        ) : null}
        <label className="check">
          <input type="checkbox" name="late" value="1" defaultChecked={params.get("late") === "1"} /> 仅迟交
        </label>
        <button type="submit" className="btn">
          筛选
        </button>
        {d.classes.length ? (
          <select name="class" defaultValue={params.get("class") ?? ""} aria-label="培训班">
            <option value="">全部培训班</option>
            {d.classes.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        ) : null}
      </Form>

      <section className="card table-wrap" tabIndex={0}>
        <table className="queue">
          <thead>
            <tr>
              <th>学员</th>
              <th>支部</th>
              <th>状态</th>
              <th>提交时间</th>
              <th>字数</th>
              <th>相似度</th>
              <th>成绩</th>
              <th>
                <span className="sr-only">操作</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {d.rows.map((r) => (
              <tr key={r.id}>
                <td>
                  {r.who} <small className="muted">{r.username}</small>
                </td>
                <td>{r.unit}</td>
                <td>
                  <span className={`tag status-${r.status}`}>{r.statusLabel}</span>
                  {r.late ? <span className="tag late">迟交</span> : null}
                </td>
                <td className="nowrap">
                  {formatDateTime(r.submittedAt)} <small className="muted">第 {r.version} 版</small>
                </td>
                <td>{r.length.toLocaleString("en-US")}</td>
                <td>{r.similarity !== null ? <span className="tag warn">{Math.round(r.similarity * 100)}%</span> : ""}</td>
                <td>{r.score ?? ""}</td>
                <td>
                  <Link to={`${base}/${r.id}${query ? `?${query}` : ""}`} className="btn small">
                    {r.status === "submitted" || r.status === "late" ? "批改" : "查看"}
                  </Link>
                </td>
              </tr>
            ))}
            {d.rows.length === 0 ? (
              <tr>
                <td colSpan={8} className="empty">
                  没有符合条件的提交
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </section>

      <section className="card stack">
        <h2>设置</h2>
        <Form method="post" className="form settings">
          <input type="hidden" name="intent" value="settings" />
          <label className="check">
            <input type="checkbox" name="blind" defaultChecked={d.settings.blind} /> 盲评（发布成绩前隐藏学员姓名；学员在发布后才能看到成绩）
          </label>
          <label>
            迟交扣分（%）
            <input type="number" name="late_penalty" min={0} max={100} step={1} defaultValue={d.settings.latePenaltyPercent} />
            <small>迟交版本的得分按此比例扣减，评分时确定</small>
          </label>
          <label>
            相似度阈值
            <input type="number" name="threshold" min={0.1} max={0.95} step={0.05} defaultValue={d.settings.similarityThreshold} />
            <small>两份作业中相同的 5 字片段占比（相似度，0–1）达到此值即标记；修改后重新比对全部提交</small>
          </label>
          <button type="submit" className="btn primary">
            保存设置
          </button>
        </Form>
        <div className="row-actions">
          {d.settings.blind || d.settings.releasedAt ? (
            <Form method="post">
              <input type="hidden" name="intent" value={d.settings.releasedAt ? "unrelease" : "release"} />
              <button type="submit" className="btn">
                {d.settings.releasedAt ? `撤回发布（发布于 ${formatDateTime(d.settings.releasedAt)}）` : "发布成绩"}
              </button>
            </Form>
          ) : null}
          <Form method="post">
            <input type="hidden" name="intent" value="recompute" />
            <button type="submit" className="btn">
              重新比对相似度
            </button>
          </Form>
        </div>
      </section>

      <section className="card stack" id="extension">
        <h2>个别延期</h2>
        <Form method="post" className="form">
          <input type="hidden" name="intent" value="extension" />
          <label>
            学号
            <input name="username" required maxLength={40} />
          </label>
          <ExtensionFields />
          <button type="submit" className="btn">
            延期
          </button>
        </Form>
        {d.extensions.length ? (
          <ul className="extensions">
            {d.extensions.map((e) => (
              <li key={e.id}>
                {e.who}：截止 {formatDateTime(e.due_at)}，最终截止 {formatDateTime(e.cutoff_at)} · {e.reason}{" "}
                <small className="muted">
                  {e.granted_by_name} 于 {formatDateTime(e.created_at)}
                </small>
              </li>
            ))}
          </ul>
        ) : null}
      </section>
    </div>
  );
}
