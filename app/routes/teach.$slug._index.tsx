import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";
import { ConfirmSubmit } from "~/components/Dialog.tsx";
import { ProblemList } from "~/components/ProblemList.tsx";
import { z } from "zod";
import { ASSIGNMENT_KINDS, groupByChapter } from "~/utils/course-types.ts";
import { formatError, parseCourse } from "~/utils/course-format.server.ts";
import {
  addAssignment,
  addBank,
  addExam,
  addLesson,
  courseFolder,
  deleteDraftFile,
  detachCourse,
  draftDiffersFromLive,
  errorsOf,
  failureOf,
  listDraftMedia,
  moveChapter,
  moveLesson,
  publishDraft,
} from "~/models/authoring.server.ts";
import authoringCss from "~/styles/authoring.css?url";
import { requireBrowserCourse, requireCourseEditor } from "~/guards/auth.server.ts";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { parseForm, text } from "~/utils/forms.server.ts";
import { parseCstTime } from "~/utils/cst.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: authoringCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.course.title ?? "课程"} · 课程编写 · 网上党校` }];

export async function loader(args: LoaderFunctionArgs) {
  const { course } = await requireCourseEditor(args, args.params.slug);
  const { config } = args.context;
  const dir = courseFolder(config, course);
  const parsed = dir ? parseCourse(dir, course.slug) : null;
  const draft = parsed && {
    title: parsed.course.title,
    published: parsed.course.published,
    hours: parsed.course.hours,
    lessons: parsed.course.lessons.map((l) => ({
      key: l.key,
      title: l.title,
      chapter: l.chapter,
      hours: l.hours,
      required: l.required,
      video: l.video !== null,
    })),
    assignments: parsed.course.assignments.map((a) => ({ key: a.key, title: a.title, kind: a.kind, hours: a.hours })),
    banks: parsed.course.banks.map((b) => ({ key: b.key, title: b.title, questions: b.questions.length })),
    exams: parsed.course.exams.map((e) => ({ key: e.key, title: e.title, total: e.settings.total_score, minutes: e.settings.duration_minutes })),
  };
  const browser = course.source === "browser";
  return {
    course: { slug: course.slug, title: course.title, source: course.source, published: course.published, archived: course.archived },
    draft,
    errors: parsed ? errorsOf(parsed, course.slug) : [],
    warnings: parsed ? errorsOf({ errors: parsed.warnings }, course.slug) : [],
    differs: browser && parsed ? await draftDiffersFromLive(args.context.db, course.slug, parsed.course.hash) : false,
    mediaCount: browser && dir ? listDraftMedia(config, course.slug).length : 0,
    kinds: ASSIGNMENT_KINDS,
  };
}

const Move = z.object({ key: z.string().min(1).max(200), dir: z.enum(["up", "down"]) });
const MoveChapter = z.object({ chapter: z.string().min(1).max(200), dir: z.enum(["up", "down"]) });
const name = z.string().max(60, "文件名过长").optional().default("");
const hours = (label: string, min: number) =>
  z.coerce
    .number({ invalid_type_error: `${label}必须是数字` })
    .min(min, `${label}不能小于 ${min}`)
    .max(1000)
    .refine((n) => Number.isInteger(n * 2), `${label}以 0.5 为单位`);
const NewLesson = z.object({
  title: text("课时标题", 100),
  chapter: text("所属章节", 100),
  hours: hours("学时", 0.5),
  required: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
  name,
});
const NewAssignment = z.object({
  title: text("作业标题", 100),
  kind: z.enum(ASSIGNMENT_KINDS, { message: "请选择作业类型" }),
  hours: hours("学时", 0),
  due: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v.replace("T", " ") : null))
    .refine((v) => v === null || parseCstTime(v) !== null, "截止时间格式应为 YYYY-MM-DD HH:mm"),
  name,
});
const NewBank = z.object({ title: text("题库名称", 100), name });
const NewExam = z.object({
  title: text("考试名称", 100),
  bank: z.string().regex(/^bank\/[^/]+\.md$/, "请选择题库"),
  duration: z.coerce.number({ invalid_type_error: "考试时长必须是数字" }).int("考试时长须为整数分钟").min(1).max(600),
  name,
});
const FileRef = z.object({ file: z.string().min(1).max(300) });

type Result = { ok: true; message: string };

export async function action(args: ActionFunctionArgs) {
  const { user, course } = await requireCourseEditor(args, args.params.slug);
  const { db, storage, clientIp, config } = args.context;
  const actor = { id: user.id, username: user.username, roles: user.roles, ip: clientIp };
  const formData = await args.request.formData();
  const intent = String(formData.get("intent") ?? "");
  const slug = course.slug;
  const editor = (rel: string) => redirect(`/teach/${slug}/edit/${rel}`);
  try {
    if (intent === "detach") {
      await detachCourse(db, { slug, storage, dirs: config, actor });
      return data<Result>({ ok: true, message: "已转为在线编辑：此后 courses/ 中的同名文件夹不再同步到该课程。" });
    }
    requireBrowserCourse(course);
    switch (intent) {
      case "publish":
      case "unpublish":
      case "update": {
        const result = await publishDraft(db, { slug, storage, dirs: config, actor, published: intent === "update" ? undefined : intent === "publish" });
        if (!result.ok) {
          const message = result.offlineOnly ? "课程已下线，但草稿有错误，草稿的修改没有发布：" : "草稿有错误，未发布（学员看到的仍是上次发布的内容）：";
          return fail(message, {}, 400, result.errors.map(formatError));
        }
        return data<Result>({
          ok: true,
          message: intent === "publish" ? "已发布：学员现在可以看到最新内容。" : intent === "unpublish" ? "已取消发布：学员看不到该课程。" : "已发布更新。",
        });
      }
      case "move":
      case "move_chapter": {
        const delta = formData.get("dir") === "up" ? -1 : 1;
        if (intent === "move") {
          const form = parseForm(formData, Move);
          if (!form.ok) return failParsed(form);
          moveLesson(config, slug, form.data.key, delta);
        } else {
          const form = parseForm(formData, MoveChapter);
          if (!form.ok) return failParsed(form);
          moveChapter(config, slug, form.data.chapter, delta);
        }
        return data<Result>({ ok: true, message: "顺序已保存到草稿（课时的标识不变，学员进度不受影响）。" });
      }
      case "add_lesson": {
        const form = parseForm(formData, NewLesson);
        return form.ok ? editor(addLesson(config, slug, form.data)) : failParsed(form);
      }
      case "add_assignment": {
        const form = parseForm(formData, NewAssignment);
        return form.ok ? editor(addAssignment(config, slug, form.data)) : failParsed(form);
      }
      case "add_bank": {
        const form = parseForm(formData, NewBank);
        return form.ok ? editor(addBank(config, slug, form.data)) : failParsed(form);
      }
      case "add_exam": {
        const form = parseForm(formData, NewExam);
        return form.ok ? editor(addExam(config, slug, form.data)) : failParsed(form);
      }
      case "delete": {
        const form = parseForm(formData, FileRef);
        if (!form.ok) return failParsed(form);
        deleteDraftFile(config, slug, form.data.file);
        return data<Result>({ ok: true, message: `已从草稿中删除 ${form.data.file}（发布后生效；已学进度会保留在归档记录中）。` });
      }
      default:
        return fail("未知操作");
    }
  } catch (e) {
    const failure = failureOf(e);
    if (!failure) throw e;
    return fail(failure.message, {}, failure.status);
  }
}

export default function CourseOverview() {
  const { course, draft, errors, warnings, differs, mediaCount, kinds } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const browser = course.source === "browser";
  const base = `/teach/${course.slug}`;
  const chapters = groupByChapter(draft?.lessons ?? []);
  const fileErrors = (rel: string) => errors.filter((e) => e.file === rel).length;
  const editLink = (rel: string, children: ReactNode) => (browser ? <Link to={`${base}/edit/${rel}`}>{children}</Link> : <span>{children}</span>);
  const errorCount = (rel: string) => (fileErrors(rel) ? <span className="tag bad">{fileErrors(rel)} 处错误</span> : null);
  const moveButtons = (intent: string, field: string, value: string, label: string) =>
    browser ? (
      <Form method="post" className="move">
        <input type="hidden" name="intent" value={intent} />
        <input type="hidden" name={field} value={value} />
        <button type="submit" name="dir" value="up" className="btn small" aria-label={`${label}上移`} disabled={busy}>
          ↑
        </button>
        <button type="submit" name="dir" value="down" className="btn small" aria-label={`${label}下移`} disabled={busy}>
          ↓
        </button>
      </Form>
    ) : null;

  return (
    <div className="stack teach">
      <p className="crumbs">
        <Link to="/teach">课程编写</Link> / {course.title}
      </p>
      <div className="page-head">
        <h1>{course.title}</h1>
        <p className="tags">
          <span className="tag">{browser ? "在线编辑" : "文件同步（只读）"}</span>
          {course.archived ? (
            <span className="tag">已归档</span>
          ) : course.published ? (
            <span className="tag ok">已发布</span>
          ) : (
            <span className="tag">未发布</span>
          )}
          {browser && differs ? <span className="tag warn">草稿有未发布的修改</span> : null}
        </p>
      </div>

      {result ? <ProblemList ok={result.ok} message={result.message} problems={result.ok ? [] : result.details} /> : null}

      <section className="card row-actions toolbar">
        {browser ? (
          <>
            <Form method="post">
              <input type="hidden" name="intent" value={course.published ? "update" : "publish"} />
              <ConfirmSubmit
                label={course.published ? "发布更新" : "发布"}
                title={course.published ? "发布更新？" : "发布课程？"}
                confirmLabel={course.published ? "确认发布更新" : "确认发布"}
                className="btn primary"
                disabled={busy}
              >
                <p>发布后，学员立即看到草稿的当前内容（有错误时不会发布）。</p>
              </ConfirmSubmit>
            </Form>
            {course.published ? (
              <Form method="post">
                <input type="hidden" name="intent" value="unpublish" />
                <button type="submit" className="btn danger" disabled={busy}>
                  取消发布
                </button>
              </Form>
            ) : null}
            <Link to={`${base}/edit/course.md`} className="btn">
              编辑课程信息
            </Link>
            {course.published ? (
              <Link to={`/courses/${course.slug}`} className="btn">
                学员视角（已发布内容）
              </Link>
            ) : null}
            <Link to={`${base}/media`} className="btn">
              媒体文件（{mediaCount}）
            </Link>
          </>
        ) : null}
        {draft ? (
          <Link to={`${base}/trainee-preview`} className="btn">
            预览整门课（学员视角{browser ? "，含未发布的修改" : ""}）
          </Link>
        ) : null}
        {draft ? (
          <a href={`${base}/export`} className="btn" download>
            导出 zip
          </a>
        ) : null}
        {course ? (
          <Link to={`/progress/${course.slug}`} className="btn">
            学习情况
          </Link>
        ) : null}
      </section>

      {!browser ? (
        <section className="card stack">
          <p>
            该课程由 <code>courses/{course.slug}</code> 文件夹同步而来，在浏览器中只读：修改请编辑文件后运行 <code>npm run courses:sync</code>。
          </p>
          {draft ? (
            <Form method="post" className="stack">
              <input type="hidden" name="intent" value="detach" />
              <p className="muted">
                “转为在线编辑”会把课程文件复制为在线草稿，此后只能在浏览器中编辑；文件同步将拒绝覆盖该课程（courses/
                中的同名文件夹应删除或改名）。此操作会记入审计日志。
              </p>
              <button type="submit" className="btn" disabled={busy}>
                转为在线编辑
              </button>
            </Form>
          ) : (
            <p className="alert warn">找不到课程源文件夹，无法导出或转为在线编辑。</p>
          )}
        </section>
      ) : null}

      {errors.length ? (
        <section className="card stack" aria-labelledby="errors-title">
          <h2 id="errors-title">校验错误（{errors.length}）</h2>
          <p className="muted">有错误时不能发布；学员看到的仍是上次发布的版本。</p>
          <ul className="problems">
            {errors.map((e) => (
              <li key={e.text}>
                {browser && /\.md$/.test(e.file) ? <Link to={`${base}/edit/${e.file}#L${e.line}`}>{`${e.file}:${e.line}`}</Link> : `${e.file}:${e.line}`}:{" "}
                {e.message}
              </li>
            ))}
          </ul>
        </section>
      ) : draft ? (
        <p className="alert ok">草稿校验通过。</p>
      ) : null}
      {warnings.length ? (
        <section className="alert warn" aria-label="提醒">
          <p>提醒（不影响发布）：</p>
          <ul className="problems">
            {warnings.map((w) => (
              <li key={w.text}>{`${w.file}:${w.line}: ${w.message}`}</li>
            ))}
          </ul>
        </section>
      ) : null}

      {draft ? (
        <>
          <section className="card stack">
            <div className="page-head">
              <h2>课时（{draft.lessons.length}）</h2>
            </div>
            {chapters.map((ch) => (
              <div key={ch.title} className="chapter">
                <div className="chapter-head">
                  <h3>{ch.title}</h3>
                  {moveButtons("move_chapter", "chapter", ch.title, `章节“${ch.title}”`)}
                </div>
                <ol className="lesson-list">
                  {ch.lessons.map((l) => (
                    <li key={l.key}>
                      <span className="lesson-title">
                        {editLink(`lessons/${l.key}.md`, l.title)} {errorCount(`lessons/${l.key}.md`)}
                        <small className="muted">
                          {" "}
                          {l.hours} 学时{l.required ? "" : " · 选修"}
                          {l.video ? " · 视频" : ""} · <code>{l.key}</code>
                        </small>
                      </span>
                      {moveButtons("move", "key", l.key, `课时“${l.title}”`)}
                    </li>
                  ))}
                </ol>
              </div>
            ))}
            {browser ? (
              <AddForm label="添加课时" intent="add_lesson" busy={busy}>
                <label>
                  课时标题
                  <input name="title" required maxLength={100} />
                </label>
                <label>
                  所属章节
                  <input name="chapter" required maxLength={100} list="chapters" defaultValue={chapters[chapters.length - 1]?.title ?? "第一章"} />
                  <datalist id="chapters">
                    {chapters.map((c) => (
                      <option key={c.title} value={c.title} />
                    ))}
                  </datalist>
                </label>
                <label>
                  学时
                  <input name="hours" type="number" min={0.5} step={0.5} defaultValue={1} required />
                </label>
                <label>
                  类型
                  <select name="required" defaultValue="true">
                    <option value="true">必修</option>
                    <option value="false">选修</option>
                  </select>
                </label>
                <NameField placeholder="dang-de-xingzhi" note="课时以文件名为标识：创建后不要改名，否则会成为新课时。" />
              </AddForm>
            ) : null}
          </section>

          <section className="card stack">
            <h2>作业（{draft.assignments.length}）</h2>
            <ul className="file-list">
              {draft.assignments.map((a) => (
                <li key={a.key}>
                  {editLink(`assignments/${a.key}.md`, a.title)} <span className="tag">{a.kind}</span> {errorCount(`assignments/${a.key}.md`)}{" "}
                  <Link to={`${base}/assignments/${a.key}`} className="btn small">
                    批改
                  </Link>
                </li>
              ))}
            </ul>
            {browser ? (
              <AddForm label="添加作业" intent="add_assignment" busy={busy}>
                <label>
                  作业标题
                  <input name="title" required maxLength={100} />
                </label>
                <label>
                  作业类型
                  <select name="kind">
                    {kinds.map((k) => (
                      <option key={k}>{k}</option>
                    ))}
                  </select>
                </label>
                <label>
                  通过后计入学时
                  <input name="hours" type="number" min={0} step={0.5} defaultValue={0} />
                </label>
                <label>
                  截止时间（可选，北京时间）
                  <input name="due" type="datetime-local" />
                </label>
                <NameField placeholder="sixiang-huibao" />
              </AddForm>
            ) : null}
          </section>

          <section className="card stack">
            <div className="page-head">
              <h2>题库（{draft.banks.length}）</h2>
              <Link to={`${base}/bank`} className="btn small">
                导入 / 导出题目
              </Link>
            </div>
            <ul className="file-list">
              {draft.banks.map((b) => (
                <li key={b.key}>
                  {editLink(`bank/${b.key}.md`, b.title || b.key)} <small className="muted">{b.questions} 题</small> {errorCount(`bank/${b.key}.md`)}
                </li>
              ))}
            </ul>
            {browser ? (
              <AddForm label="添加题库" intent="add_bank" busy={busy}>
                <label>
                  题库名称
                  <input name="title" required maxLength={100} />
                </label>
                <NameField placeholder="jiben-zhishi" />
              </AddForm>
            ) : null}
          </section>

          <section className="card stack">
            <h2>考试（{draft.exams.length}）</h2>
            <ul className="file-list">
              {draft.exams.map((e) => (
                <li key={e.key}>
                  {editLink(`exams/${e.key}.md`, e.title)}{" "}
                  <small className="muted">
                    {e.minutes} 分钟 · 满分 {e.total}
                  </small>{" "}
                  {errorCount(`exams/${e.key}.md`)}{" "}
                  <Link to={`${base}/exams/${e.key}`} className="btn small">
                    成绩与分析
                  </Link>
                </li>
              ))}
            </ul>
            {browser && draft.banks.length ? (
              <AddForm label="添加考试" intent="add_exam" busy={busy}>
                <label>
                  考试名称
                  <input name="title" required maxLength={100} defaultValue="结业考试" />
                </label>
                <label>
                  题库
                  <select name="bank">
                    {draft.banks.map((b) => (
                      <option key={b.key} value={`bank/${b.key}.md`}>
                        {b.title || b.key}
                      </option>
                    ))}
                  </select>
                </label>
                <label>
                  考试时长（分钟）
                  <input name="duration" type="number" min={1} max={600} defaultValue={40} />
                </label>
                <NameField placeholder="jieye-kaoshi" />
                <small className="muted">抽题规则按题库现有题目生成，可在编辑页调整每种题型的数量和分值。</small>
              </AddForm>
            ) : null}
          </section>
        </>
      ) : null}
    </div>
  );
}

/** A collapsed "添加…" form that creates a file in the draft and opens it in the editor. */
function AddForm({ label, intent, busy, children }: { label: string; intent: string; busy: boolean; children: ReactNode }) {
  return (
    <details className="add">
      <summary className="btn">{label}</summary>
      <Form method="post" className="form">
        <input type="hidden" name="intent" value={intent} />
        {children}
        <button type="submit" className="btn primary" disabled={busy}>
          创建并编辑
        </button>
      </Form>
    </details>
  );
}

function NameField({ placeholder, note }: { placeholder: string; note?: string }) {
  return (
    <label>
      文件名（可选，英文字母、数字和 -）
      <input name="name" maxLength={60} placeholder={placeholder} pattern="[A-Za-z0-9\-]*" />
      {note ? <small>{note}</small> : null}
    </label>
  );
}
