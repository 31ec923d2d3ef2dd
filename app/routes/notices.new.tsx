import { redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { STAGES } from "../../db/types.ts";
import { NOTICE_LIMITS, NoticeError, publishChoices, publishNotice } from "~/models/notices.server.ts";
import { requireRole } from "~/guards/auth.server.ts";
import { FieldError, fieldProps, FormAlert } from "~/components/FormErrors.tsx";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { parseForm } from "~/utils/forms.server.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";
import { orStatus } from "~/utils/status-errors.server.ts";
import { allowedTypes, parseUploadForm, UploadRefused, type AcceptedFile } from "~/utils/uploads.server.ts";

export const meta: MetaFunction = () => [{ title: "发布通知 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const user = await requireRole(args, "admin", "secretary");
  return {
    ...(await orStatus(publishChoices(args.context.db, user), NoticeError)),
    stages: STAGES.map((s) => ({ value: s, label: STAGE_LABEL[s] })),
    limits: NOTICE_LIMITS,
  };
}

const optionalId = z.preprocess((v) => (v === "" ? undefined : v), z.coerce.number({ invalid_type_error: "编号无效" }).int().positive("编号无效").optional());

const NoticeForm = z.object({
  title: z.string().trim().min(1, "请填写标题").max(NOTICE_LIMITS.titleChars),
  body: z.string().trim().min(1, "请填写正文").max(NOTICE_LIMITS.bodyChars),
  audience: z.enum(["org", "class", "stage"], { errorMap: () => ({ message: "请选择接收范围" }) }),
  orgUnitId: optionalId,
  classId: optionalId,
  stage: z.preprocess((v) => (v === "" ? undefined : v), z.enum(STAGES).optional()),
  requiresAck: z.literal("1").optional(),
});

export async function action(args: ActionFunctionArgs) {
  const user = await requireRole(args, "admin", "secretary");
  let form: FormData;
  let files: AcceptedFile[] = [];
  try {
    ({ form, files } = await parseUploadForm(args.request, {
      storage: args.context.storage,
      allowed: allowedTypes(["pdf", "docx", "doc", "jpg", "png"]),
      maxBytes: NOTICE_LIMITS.fileBytes,
      maxFiles: NOTICE_LIMITS.files,
      maxTextBytes: 256 * 1024,
    }));
  } catch (e) {
    if (e instanceof UploadRefused) return fail(e.message, { files: e.message }, e.status);
    throw e;
  }
  const parsed = parseForm(form, NoticeForm);
  if (!parsed.ok) return failParsed(parsed);
  const d = parsed.data;
  try {
    const res = await publishNotice(
      args.context.db,
      {
        title: d.title,
        bodyMd: d.body,
        audience: d.audience,
        orgUnitId: d.orgUnitId ?? null,
        classId: d.classId ?? null,
        stage: d.stage ?? null,
        requiresAck: d.requiresAck === "1",
        files,
      },
      user,
      { ip: args.context.clientIp, email: args.context.config.email },
    );
    return redirect(`/notices/${res.id}/reads?published=${res.recipients}`);
  } catch (e) {
    if (e instanceof NoticeError) return fail(e.message, e.field ? { [e.field]: e.message } : {}, e.status);
    throw e;
  }
}

export default function NewNotice() {
  const { units, classes, stages, limits } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const f = (name: string) => fieldProps(result, "notice", name);
  const err = (name: string) => <FieldError result={result} form="notice" name={name} />;
  return (
    <div className="stack narrow">
      <p className="muted">
        <Link to="/notices">通知公告</Link> / 发布通知
      </p>
      <h1>发布通知</h1>
      <FormAlert result={result} />
      <Form method="post" encType="multipart/form-data" className="form card">
        <label>
          标题
          <input {...f("title")} required maxLength={limits.titleChars} />
          {err("title")}
        </label>
        <label>
          正文（支持 Markdown）
          <textarea {...f("body")} rows={8} required maxLength={limits.bodyChars} />
          {err("body")}
        </label>
        <fieldset className="stack">
          <legend>接收范围</legend>
          <label className="check">
            <input type="radio" {...f("audience")} value="org" defaultChecked /> 组织（含下级组织的全部人员）
          </label>
          <select {...f("orgUnitId")} aria-label="接收的组织" defaultValue={units[0]?.id}>
            {units.map((u) => (
              <option key={u.id} value={u.id}>
                {u.label}
              </option>
            ))}
          </select>
          <label className="check">
            <input type="radio" {...f("audience")} value="class" /> 培训班学员
          </label>
          <select {...f("classId")} aria-label="培训班" defaultValue="">
            <option value="">（选择培训班）</option>
            {classes.map((c) => (
              <option key={c.id} value={c.id}>
                {c.label}
              </option>
            ))}
          </select>
          <label className="check">
            <input type="radio" {...f("audience")} value="stage" /> 上面所选组织中某一发展阶段的人员
          </label>
          <select {...f("stage")} aria-label="发展阶段" defaultValue="">
            <option value="">（选择发展阶段）</option>
            {stages.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
          {["audience", "orgUnitId", "classId", "stage"].map((name) => (
            <FieldError key={name} result={result} form="notice" name={name} />
          ))}
        </fieldset>
        <label className="check">
          <input type="checkbox" name="requiresAck" value="1" /> 需确认（接收人须点击“已阅”）
        </label>
        <label>
          附件（可选，最多 {limits.files} 个，每个不超过 20 MB；PDF、Word、JPG、PNG）
          <input type="file" {...f("files")} multiple />
          {err("files")}
        </label>
        <button type="submit" className="btn primary">
          发布
        </button>
      </Form>
    </div>
  );
}
