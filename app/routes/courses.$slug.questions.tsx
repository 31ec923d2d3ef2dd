import { redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { getCourseBySlug, whyCourseHidden } from "~/models/courses.server.ts";
import { askQuestion, durationText, QUESTION_LIMITS, QuestionError, questionsForLearner } from "~/models/questions.server.ts";
import proseCss from "~/styles/prose.css?url";
import { requireUser } from "~/guards/auth.server.ts";
import { FieldError, fieldProps, FormAlert } from "~/components/FormErrors.tsx";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { formatDateTime } from "~/utils/cst.ts";
import { now } from "~/utils/db.server.ts";
import { parseForm } from "~/utils/forms.server.ts";
import { renderMarkdown } from "~/utils/markdown.server.ts";
import { parseUploadForm, UploadRefused, type AcceptedFile } from "~/utils/uploads.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: proseCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `答疑 · ${data?.course.title ?? "课程"} · 网上党校` }];

async function visibleCourse(args: LoaderFunctionArgs) {
  const user = await requireUser(args);
  const slug = args.params.slug ?? "";
  const course = await getCourseBySlug(args.context.db, slug, user);
  if (!course) {
    const why = await whyCourseHidden(args.context.db, slug, user);
    throw new Response(why?.message ?? "课程不存在", { status: why?.status ?? 404 });
  }
  return { user, course };
}

export async function loader(args: LoaderFunctionArgs) {
  const { user, course } = await visibleCourse(args);
  const t = now();
  const rows = await questionsForLearner(args.context.db, course.id, user.id);
  return {
    course: { slug: course.slug, title: course.title },
    lessons: course.chapters.flatMap((c) => c.lessons.map((l) => ({ key: l.key, title: l.title }))),
    questions: rows.map((q) => ({
      id: q.id,
      mine: q.mine,
      lesson: q.lesson_title,
      bodyHtml: renderMarkdown(q.body_md),
      image: q.image_sha256 ? `/questions/${q.id}/image` : null,
      askedAt: formatDateTime(q.created_at),
      waiting: q.answered_at === null ? durationText(t - q.created_at) : null,
      answerHtml: q.answer_md ? renderMarkdown(q.answer_md) : null,
      answeredAt: q.answered_at ? formatDateTime(q.answered_at) : null,
      public: q.public === 1,
    })),
    limits: QUESTION_LIMITS,
  };
}

const AskForm = z.object({
  body: z.string().trim().min(1, "请填写问题").max(QUESTION_LIMITS.bodyChars, `问题不能超过 ${QUESTION_LIMITS.bodyChars} 个字`),
  lesson: z.string().max(200).optional(),
});

export async function action(args: ActionFunctionArgs) {
  const { user, course } = await visibleCourse(args);
  const { db, storage } = args.context;
  let form: FormData;
  let files: AcceptedFile[] = [];
  try {
    ({ form, files } = await parseUploadForm(args.request, {
      storage,
      allowed: new Set(["jpg", "png"]),
      maxBytes: QUESTION_LIMITS.imageBytes,
      maxFiles: 1,
      maxTextBytes: 64 * 1024,
    }));
  } catch (e) {
    if (e instanceof UploadRefused) return fail(e.message, { image: e.message }, e.status);
    throw e;
  }
  const parsed = parseForm(form, AskForm);
  if (!parsed.ok) return failParsed(parsed);
  const image = files[0] ? { sha256: files[0].sha256, type: files[0].type as "jpg" | "png" } : null;
  try {
    const id = await askQuestion(db, { course, lessonKey: parsed.data.lesson || null, userId: user.id, bodyMd: parsed.data.body, image });
    return redirect(`/courses/${course.slug}/questions?asked=1#q${id}`);
  } catch (e) {
    if (e instanceof QuestionError) return fail(e.message, e.field ? { [e.field]: e.message } : {}, e.status);
    throw e;
  }
}

export default function CourseQuestions() {
  const { course, lessons, questions, limits } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  return (
    <div className="stack">
      <p className="muted">
        <Link to={`/courses/${course.slug}`}>{course.title}</Link> / 答疑
      </p>
      <h1>课程答疑</h1>
      <section className="card">
        <h2>向授课教师提问</h2>
        {params.get("asked") ? (
          <p className="alert ok" role="status">
            问题已提交，教师回复后会通知您。
          </p>
        ) : null}
        <FormAlert result={result} />
        <Form method="post" encType="multipart/form-data" className="form">
          <label>
            相关课时
            <select {...fieldProps(result, "ask", "lesson")} defaultValue={params.get("lesson") ?? ""}>
              <option value="">整门课程</option>
              {lessons.map((l) => (
                <option key={l.key} value={l.key}>
                  {l.title}
                </option>
              ))}
            </select>
            <FieldError result={result} form="ask" name="lesson" />
          </label>
          <label>
            问题（支持 Markdown，最多 {limits.bodyChars} 字）
            <textarea {...fieldProps(result, "ask", "body")} rows={5} required maxLength={limits.bodyChars} />
            <FieldError result={result} form="ask" name="body" />
          </label>
          <label>
            图片（可选，JPG 或 PNG，最大 5 MB）
            <input type="file" {...fieldProps(result, "ask", "image")} accept="image/png,image/jpeg" />
            <FieldError result={result} form="ask" name="image" />
          </label>
          <button type="submit" className="btn primary">
            提交问题
          </button>
        </Form>
      </section>
      <section className="stack" aria-label="问题列表">
        {questions.length === 0 ? <p className="muted">还没有问题。</p> : null}
        {questions.map((q) => (
          <article key={q.id} id={`q${q.id}`} className="card" data-testid="question">
            <p className="muted">
              {q.mine ? "我的提问" : "同学的提问（已公开）"}
              {q.lesson ? ` · ${q.lesson}` : ""} · {q.askedAt}
            </p>
            <div className="prose" dangerouslySetInnerHTML={{ __html: q.bodyHtml }} />
            {q.image ? <img src={q.image} alt="提问附图" style={{ maxWidth: "100%" }} /> : null}
            {q.answerHtml ? (
              <div className="answer">
                <p>
                  <strong>教师回复</strong> <span className="muted">{q.answeredAt}</span>
                  {q.mine && q.public ? <span className="tag">已向全体学员公开（不显示您的姓名）</span> : null}
                </p>
                <div className="prose" dangerouslySetInnerHTML={{ __html: q.answerHtml }} />
              </div>
            ) : (
              <p className="muted">等待回复，已等待 {q.waiting}</p>
            )}
          </article>
        ))}
      </section>
    </div>
  );
}
