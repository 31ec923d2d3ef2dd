import { redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { parseMultipartForm } from "~/utils/multipart.server.ts";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { FieldError, fieldProps, FormAlert } from "~/components/FormErrors.tsx";
import { AuthoringError, failureOf, importCourseZip, IMPORT_LIMITS, readSmallField, type ImportResult } from "~/models/authoring.server.ts";
import authoringCss from "~/styles/authoring.css?url";
import { requireRole } from "~/guards/auth.server.ts";
import { ZIP_MSG } from "~/utils/course-messages.server.ts";
import { fail } from "~/utils/form-result.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: authoringCss }];
export const meta: MetaFunction = () => [{ title: "导入课程 · 课程编写 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  await requireRole(args, "instructor", "admin");
  return { maxMb: Math.round(IMPORT_LIMITS.maxZipBytes / 1024 / 1024) };
}

/** Nothing was imported: the problems as a list, the field at fault marked (the zip unless the course id is the problem). */
const refuse = (problems: string[], status = 400, field = "zip") =>
  fail("未导入，发现以下问题：", { [field]: problems.length === 1 ? problems[0]! : `发现 ${problems.length} 处问题` }, status, problems);

export async function action(args: ActionFunctionArgs) {
  const user = await requireRole(args, "instructor", "admin");
  const { db, storage, clientIp, config } = args.context;
  const fields: Record<string, string> = {};
  let result: ImportResult | null = null;
  if (!(args.request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data")) return refuse([ZIP_MSG.chooseZip]);
  try {
    // The zip is checked and unpacked while it streams in; the slug field comes before it in the form.
    await parseMultipartForm(args.request, async (part) => {
      if (part.filename === undefined) return (fields[part.name] = await readSmallField(part.data, 200));
      if (part.name !== "zip" || result) throw new AuthoringError(ZIP_MSG.oneZip);
      if (!part.filename) return undefined;
      const actor = { id: user.id, username: user.username, roles: user.roles, ip: clientIp };
      result = await importCourseZip(db, { storage, dirs: config, data: part.data, slug: fields.slug?.trim() || undefined, actor });
      return undefined;
    });
  } catch (e) {
    const failure = failureOf(e);
    if (!failure) throw e;
    return refuse([failure.message], failure.status);
  }
  const done = result as ImportResult | null;
  if (!done) return refuse([ZIP_MSG.chooseZip]);
  if (!done.ok) return refuse(done.errors, 400, done.field);
  return redirect(`/teach/${done.slug}`);
}

export default function ImportCourse() {
  const { maxMb } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  return (
    <section className="narrow stack">
      <p className="crumbs">
        <Link to="/teach">课程编写</Link> / 导入课程
      </p>
      <h1>导入课程 zip</h1>
      <p className="muted">
        压缩包内是 courses/ 格式的一个课程文件夹（course.md、lessons/、assignments/、bank/、exams/、media/），例如从“导出
        zip”得到的文件。导入后成为一门新的在线编辑课程，处于未发布状态。
      </p>
      <Form method="post" encType="multipart/form-data" className="card form">
        <label>
          课程标识（可选）
          <input
            {...fieldProps(result, "import", "slug")}
            maxLength={60}
            pattern="[a-z0-9]+(-[a-z0-9]+)*"
            placeholder="默认使用压缩包中的文件夹名"
            autoComplete="off"
          />
          <small>已被占用时请填写一个新的标识；导入从不覆盖已有课程。</small>
          <FieldError result={result} form="import" name="slug" />
        </label>
        <label>
          zip 文件
          <input type="file" {...fieldProps(result, "import", "zip")} accept=".zip,application/zip" required />
          <small>最大 {maxMb} MB。</small>
          <FieldError result={result} form="import" name="zip" />
        </label>
        <FormAlert result={result} />
        <button type="submit" className="btn primary" disabled={busy}>
          {busy ? "导入中…" : "导入"}
        </button>
      </Form>
    </section>
  );
}
