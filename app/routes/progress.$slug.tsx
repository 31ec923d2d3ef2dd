import { type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { OFFLINE_KINDS } from "../../db/types.ts";
import { getCourseRowForEditor } from "~/models/courses.server.ts";
import { followsCourse, seesEverything } from "~/models/visibility.server.ts";
import { getOrgUnit } from "~/models/org.server.ts";
import { courseRoster, creditOfflineHours } from "~/models/progress.server.ts";
import learnCss from "~/styles/learn.css?url";
import { requireRole } from "~/guards/auth.server.ts";
import { FieldError, FormOutcome, fieldProps } from "~/components/FormErrors.tsx";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { idParam, parseForm, text } from "~/utils/forms.server.ts";
import { formatDateTime } from "~/utils/cst.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: learnCss }];
export const meta: MetaFunction = () => [{ title: "课程学习情况 · 网上党校" }];

/** Instructors of the course and admins see every trainee of its audience; a secretary only their subtree. */
async function scoped(args: LoaderFunctionArgs | ActionFunctionArgs) {
  const user = await requireRole(args, "instructor", "secretary", "admin");
  const course = await getCourseRowForEditor(args.context.db, args.params.slug ?? "");
  if (!course || course.archived) throw new Response("课程不存在", { status: 404 });
  if (seesEverything(course, user)) return { user, course, scope: {} };
  if (followsCourse(course, user)) {
    const unit = await getOrgUnit(args.context.db, user.org_unit_id);
    if (unit) return { user, course, scope: { unitPath: unit.path } };
  }
  throw new Response("您没有权限查看该课程的学习情况", { status: 403 });
}

export async function loader(args: LoaderFunctionArgs) {
  const { course, scope } = await scoped(args);
  const roster = await courseRoster(args.context.db, course, scope);
  return { course: { slug: course.slug, title: course.title, hours: course.hours }, scoped: !!scope.unitPath, ...roster };
}

const Credit = z.object({
  intent: z.literal("credit"),
  userIds: z.preprocess((v) => (Array.isArray(v) ? v : v === undefined ? [] : [v]), z.array(idParam).min(1, "请至少选择一名学员")),
  kind: z.enum(OFFLINE_KINDS, { errorMap: () => ({ message: "请选择活动类型" }) }),
  hours: z.coerce
    .number({ invalid_type_error: "学时必须是数字" })
    .positive("学时必须大于 0")
    .max(40, "单次登记不超过 40 学时")
    .refine((h) => Number.isInteger(h * 2), "学时以 0.5 为单位"),
  activityDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "请填写活动日期"),
  reason: text("事由", 200),
});

export async function action(args: ActionFunctionArgs) {
  const { user, course, scope } = await scoped(args);
  const form = parseForm(await args.request.formData(), Credit);
  if (!form.ok) return failParsed(form);
  // Only trainees this actor can see may be credited.
  const roster = await courseRoster(args.context.db, course, scope);
  const allowed = new Set(roster.rows.map((r) => r.id));
  if (form.data.userIds.some((id) => !allowed.has(id))) {
    const message = "所选学员不在您的管理范围内";
    return fail(message, { userIds: message }, 403);
  }
  for (const userId of form.data.userIds) {
    const { userIds: _ids, intent: _intent, ...rest } = form.data;
    await creditOfflineHours(args.context.db, { ...rest, userId, courseId: course.id }, { actorId: user.id, ip: args.context.clientIp });
  }
  return { ok: true as const, message: `已为 ${form.data.userIds.length} 名学员登记 ${form.data.hours} 线下学时` };
}

export default function CourseProgress() {
  const { course, lessons, rows, scoped } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const videos = lessons.filter((l) => l.video);
  const stuck = rows.filter((r) => r.stuck).length;
  return (
    <div className="stack">
      <p className="muted">
        <Link to="/progress">学习进度</Link> / {scoped ? "本支部" : "全部学员"}
      </p>
      <h1>{course.title} · 学习情况</h1>
      <div className="stat-grid">
        <div className="stat">
          <strong>{rows.length}</strong>
          <span>学员</span>
        </div>
        <div className="stat">
          <strong>{rows.filter((r) => r.lessonsDone === r.lessonsTotal && r.lessonsTotal > 0).length}</strong>
          <span>已学完</span>
        </div>
        <div className="stat">
          <strong>{stuck}</strong>
          <span>7 天未学习</span>
        </div>
      </div>
      <FormOutcome result={result} />
      <FieldError result={result} form="credit" name="userIds" />
      <Form method="post" className="stack">
        <div className="table-wrap card" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th>选择</th>
                <th>学号</th>
                <th>姓名</th>
                <th>支部</th>
                <th>课时</th>
                <th>学时</th>
                {videos.map((v) => (
                  <th key={v.id} title={v.title}>
                    视频：{v.title.slice(0, 8)}
                  </th>
                ))}
                <th>最近学习</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} className={r.stuck ? "stuck" : ""}>
                  <td>
                    <input type="checkbox" {...fieldProps(result, "credit", "userIds")} value={r.id} aria-label={`选择 ${r.name}`} />
                  </td>
                  <td>{r.username}</td>
                  <td>
                    {r.name}
                    {r.stuck ? <span className="tag">需关注</span> : null}
                  </td>
                  <td>{r.unit_name}</td>
                  <td>
                    {r.lessonsDone}/{r.lessonsTotal}
                  </td>
                  <td>
                    {r.hoursEarned}/{course.hours}
                    {r.offlineHours ? <small className="muted">（线下 {r.offlineHours}）</small> : null}
                  </td>
                  {videos.map((v) => (
                    <td key={v.id}>{Math.round(r.coverage[v.id] ?? 0)}%</td>
                  ))}
                  <td className="nowrap">{r.lastActive ? formatDateTime(r.lastActive) : "未开始"}</td>
                </tr>
              ))}
              {rows.length === 0 ? (
                <tr>
                  <td colSpan={7 + videos.length} className="empty">
                    没有学员
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </div>
        <fieldset className="card form">
          <legend>登记线下学时（分组研讨、社会实践、现场党课）</legend>
          <input type="hidden" name="intent" value="credit" />
          <label>
            活动类型
            <select {...fieldProps(result, "credit", "kind")} required defaultValue="">
              <option value="">请选择</option>
              {OFFLINE_KINDS.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
            <FieldError result={result} form="credit" name="kind" />
          </label>
          <label>
            学时
            <input {...fieldProps(result, "credit", "hours")} type="number" min="0.5" max="40" step="0.5" required />
            <FieldError result={result} form="credit" name="hours" />
          </label>
          <label>
            活动日期
            <input {...fieldProps(result, "credit", "activityDate")} type="date" required />
            <FieldError result={result} form="credit" name="activityDate" />
          </label>
          <label>
            事由
            <input {...fieldProps(result, "credit", "reason")} required maxLength={200} placeholder="如：第三小组学习党章专题研讨" />
            <FieldError result={result} form="credit" name="reason" />
          </label>
          <button type="submit" className="btn primary">
            为所选学员登记
          </button>
        </fieldset>
      </Form>
    </div>
  );
}
