import { redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { FieldError, fieldProps, FormAlert } from "~/components/FormErrors.tsx";
import { z } from "zod";
import { createCourse, failureOf, SLUG, STAGE_NAMES } from "~/models/authoring.server.ts";
import authoringCss from "~/styles/authoring.css?url";
import { requireRole } from "~/guards/auth.server.ts";
import { formatError } from "~/utils/course-format.server.ts";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { parseForm, text } from "~/utils/forms.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: authoringCss }];
export const meta: MetaFunction = () => [{ title: "新建课程 · 网上党校" }];

const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const NewCourseForm = z.object({
  slug: z
    .string({ required_error: "请填写课程标识" })
    .trim()
    .min(1, "请填写课程标识")
    .max(60, "课程标识不能超过 60 个字符")
    .regex(SLUG, "课程标识只能用小写字母、数字和 -（例如 dangshi-xuexi）"),
  title: text("课程名称", 60),
  audience: z.preprocess(list, z.array(z.enum(STAGE_NAMES as [string, ...string[]], { message: "适用对象无效" })).min(1, "请至少选择一个适用对象")),
  summary: text("课程简介", 200),
  hours: z.coerce.number({ invalid_type_error: "学时必须是数字" }).positive("学时必须大于 0").max(1000, "学时不能超过 1000"),
  instructors: z.string().max(300, "授课教师过多").optional().default(""),
});

export async function loader(args: LoaderFunctionArgs) {
  const user = await requireRole(args, "instructor", "admin");
  return { stages: STAGE_NAMES, me: user.username, isInstructor: user.roles.includes("instructor") };
}

export async function action(args: ActionFunctionArgs) {
  const user = await requireRole(args, "instructor", "admin");
  const form = parseForm(await args.request.formData(), NewCourseForm);
  if (!form.ok) return failParsed(form);
  const { instructors: typed, ...rest } = form.data;
  const instructors = [...new Set([...(user.roles.includes("instructor") ? [user.username] : []), ...typed.split(/[\s,，、]+/).filter(Boolean)])];
  if (!instructors.length) return fail("请填写至少一位授课教师的工号", { instructors: "请填写至少一位授课教师的工号" });
  try {
    const result = await createCourse(
      args.context.db,
      args.context.storage,
      args.context.config,
      { ...rest, instructors },
      { id: user.id, username: user.username, roles: user.roles, ip: args.context.clientIp },
    );
    if (!result.ok) return fail("课程信息未通过校验", {}, 400, result.errors.map(formatError));
  } catch (e) {
    const failure = failureOf(e);
    if (!failure) throw e;
    return fail(failure.message, { slug: failure.message }, failure.status);
  }
  return redirect(`/teach/${form.data.slug}`);
}

export default function NewCourse() {
  const { stages, me, isInstructor } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const f = (name: string) => fieldProps(result, "course", name);
  const err = (name: string) => <FieldError result={result} form="course" name={name} />;
  return (
    <section className="narrow stack">
      <p className="crumbs">
        <Link to="/teach">课程编写</Link> / 新建课程
      </p>
      <h1>新建课程</h1>
      <Form method="post" className="card form">
        <label>
          课程标识
          <input {...f("slug")} required maxLength={60} pattern="[a-z0-9]+(-[a-z0-9]+)*" placeholder="dangshi-xuexi" autoComplete="off" />
          <small>用于网址和导出的文件夹名：小写字母、数字和 -，创建后不能修改。</small>
          {err("slug")}
        </label>
        <label>
          课程名称
          <input {...f("title")} required maxLength={60} />
          {err("title")}
        </label>
        <fieldset className="inline">
          <legend>适用对象</legend>
          {stages.map((s) => (
            <label key={s} className="check">
              <input type="checkbox" {...f("audience")} value={s} /> {s}
            </label>
          ))}
          {err("audience")}
        </fieldset>
        <label>
          课程简介
          <textarea {...f("summary")} required maxLength={200} rows={3} />
          <small>显示在课程目录中，最多 200 字。</small>
          {err("summary")}
        </label>
        <label>
          总学时
          <input {...f("hours")} type="number" min={0.5} step={0.5} required inputMode="decimal" />
          {err("hours")}
        </label>
        <label>
          其他授课教师工号
          <input {...f("instructors")} placeholder="js002, js003" autoComplete="off" />
          <small>{isInstructor ? `您（${me}）自动列为授课教师。` : "组织部管理员可编辑全部课程；这里填写负责该课程的教师。"}</small>
          {err("instructors")}
        </label>
        <FormAlert result={result} />
        <button type="submit" className="btn primary" disabled={busy}>
          创建课程草稿
        </button>
        <p className="hint">新课程创建后处于未发布状态，学员看不到；编写完成后在课程页点击“发布”。</p>
      </Form>
    </section>
  );
}
