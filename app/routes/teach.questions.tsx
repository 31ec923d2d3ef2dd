import { type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useFetcher, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { answerQuestion, durationText, hideQuestion, QUESTION_LIMITS, QuestionError, questionQueue } from "~/models/questions.server.ts";
import proseCss from "~/styles/prose.css?url";
import { requireRole } from "~/guards/auth.server.ts";
import { FieldError, FormAlert, FormOutcome, fieldProps } from "~/components/FormErrors.tsx";
import { fail, failParsed } from "~/utils/form-result.server.ts";
import { formatDateTime } from "~/utils/cst.ts";
import { now } from "~/utils/db.server.ts";
import { idParam, parseForm } from "~/utils/forms.server.ts";
import { renderMarkdown } from "~/utils/markdown.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: proseCss }];
export const meta: MetaFunction = () => [{ title: "答疑 · 网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const user = await requireRole(args, "instructor", "admin");
  const t = now();
  const queue = await questionQueue(args.context.db, user, {}, t);
  const view = (q: (typeof queue.waiting)[number]) => ({
    id: q.id,
    course: q.course_title,
    slug: q.slug,
    lesson: q.lesson_title,
    asker: `${q.asker}（${q.asker_username}）`,
    bodyHtml: renderMarkdown(q.body_md),
    image: q.image_sha256 ? `/questions/${q.id}/image` : null,
    askedAt: formatDateTime(q.created_at),
    waited: durationText(q.waitingSeconds),
    overdue: q.overdue,
    answerMd: q.answer_md ?? "",
    public: q.public === 1,
  });
  return {
    limitHours: queue.limitHours,
    waiting: queue.waiting.map(view),
    answered: queue.answered.map(view),
    overdue: queue.waiting.filter((q) => q.overdue).length,
  };
}

const ActionForm = z.discriminatedUnion("intent", [
  z.object({
    intent: z.literal("answer"),
    id: idParam,
    answer: z.string().trim().min(1, "请填写回复").max(QUESTION_LIMITS.answerChars),
    public: z.literal("1").optional(),
  }),
  z.object({ intent: z.literal("hide"), id: idParam }),
]);

export async function action(args: ActionFunctionArgs) {
  const user = await requireRole(args, "instructor", "admin");
  const parsed = parseForm(await args.request.formData(), ActionForm);
  if (!parsed.ok) return failParsed(parsed);
  try {
    if (parsed.data.intent === "answer") {
      await answerQuestion(args.context.db, { id: parsed.data.id, answerMd: parsed.data.answer, public: parsed.data.public === "1" }, user, {
        email: args.context.config.email,
      });
      return { ok: true as const, message: "回复已发送，提问者会收到通知" };
    }
    await hideQuestion(args.context.db, { id: parsed.data.id, hidden: true }, user, args.context.clientIp);
    return { ok: true as const, message: "问题已隐藏" };
  } catch (e) {
    if (e instanceof QuestionError) return fail(e.message, e.field ? { [e.field]: e.message } : {}, e.status);
    throw e;
  }
}

type Item = ReturnType<typeof useLoaderData<typeof loader>>["waiting"][number];

const answerFetcher = (id: number) => `question-${id}`;

/**
 * A sent answer's confirmation, above the lists. It is rendered from a list that does not move, so the
 * keyed fetcher it shares with the card outlives the card moving from 待回复 to 最近已回复.
 */
function AnswerSent({ id }: { id: number }) {
  const r = useFetcher<typeof action>({ key: answerFetcher(id) }).data;
  return r?.ok ? (
    <p className="alert ok" role="status">
      {r.message}
    </p>
  ) : null;
}

/**
 * One question with its answer form, which posts through a fetcher so that a refused answer is marked on
 * this card; hiding posts as a page (its own form, the button sits beside 回复), its outcome above the list.
 */
function QuestionCard({ q }: { q: Item }) {
  const fetcher = useFetcher<typeof action>({ key: answerFetcher(q.id) });
  const r = fetcher.data;
  const form = `question-${q.id}`;
  return (
    <article className="card stack" id={`q${q.id}`} data-testid="queue-question">
      <p className="muted">
        <Link to={`/courses/${q.slug}/questions`}>{q.course}</Link>
        {q.lesson ? ` · ${q.lesson}` : ""} · {q.asker} · {q.askedAt} · {q.answerMd ? `用时 ${q.waited}` : `已等待 ${q.waited}`}
        {q.overdue ? (
          <span className="tag" style={{ background: "#fdecec", color: "#8a1020" }}>
            已超时
          </span>
        ) : null}
      </p>
      <div className="prose" dangerouslySetInnerHTML={{ __html: q.bodyHtml }} />
      {q.image ? <img src={q.image} alt="提问附图" style={{ maxWidth: "100%" }} /> : null}
      <fetcher.Form method="post" className="form">
        <input type="hidden" name="id" value={q.id} />
        <label>
          回复（支持 Markdown）
          <textarea {...fieldProps(r, form, "answer")} rows={4} required defaultValue={q.answerMd} />
          <FieldError result={r} form={form} name="answer" />
        </label>
        <label className="check">
          <input type="checkbox" name="public" value="1" defaultChecked={q.public} /> 向本课程全体学员公开（不显示提问者姓名）
        </label>
        <div className="inline-form">
          <button type="submit" name="intent" value="answer" className="btn primary">
            {q.answerMd ? "修改回复" : "回复"}
          </button>
          <button type="submit" form={`hide-${q.id}`} className="btn danger">
            隐藏此问题
          </button>
        </div>
        <FormAlert result={r} />
      </fetcher.Form>
      <Form method="post" id={`hide-${q.id}`} hidden>
        <input type="hidden" name="intent" value="hide" />
        <input type="hidden" name="id" value={q.id} />
      </Form>
    </article>
  );
}

export default function TeachQuestions() {
  const { limitHours, waiting, answered, overdue } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <div className="stack">
      <h1>答疑</h1>
      <p className="muted">
        待回复 {waiting.length} 个{overdue ? `，其中 ${overdue} 个已超过 ${limitHours} 小时` : ""}。超过 {limitHours} 小时未回复的问题标为“已超时”。
      </p>
      {/* Without JavaScript a card's form posts as a page: its answer shows here. */}
      <FormOutcome result={result} />
      {[...waiting, ...answered].map((q) => (
        <AnswerSent key={q.id} id={q.id} />
      ))}
      <section className="stack" aria-label="待回复">
        {waiting.length === 0 ? <p className="muted">没有待回复的问题。</p> : waiting.map((q) => <QuestionCard key={q.id} q={q} />)}
      </section>
      {answered.length ? (
        <section className="stack" aria-label="最近已回复">
          <h2>最近已回复</h2>
          {answered.map((q) => (
            <QuestionCard key={q.id} q={q} />
          ))}
        </section>
      ) : null}
    </div>
  );
}
