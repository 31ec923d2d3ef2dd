import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { ExamAttempt } from "~/components/ExamAttempt.tsx";
import { ExamError } from "~/models/exams/common.server.ts";
import { getAttemptPaper } from "~/models/exams/attempts.server.ts";
import { recordLeave, saveAnswersFromForm, submitAttempt } from "~/models/exams/autosave.server.ts";
import { requireUser } from "~/guards/auth.server.ts";
import { fail } from "~/utils/form-result.server.ts";
import { isAnswered, type ExamResponse } from "~/utils/exam-response.ts";
import { idParam } from "~/utils/forms.server.ts";
import { renderMarkdown } from "~/utils/markdown.server.ts";
import styles from "~/styles/exams.css?url";
import prose from "~/styles/prose.css?url";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: prose },
  { rel: "stylesheet", href: styles },
];
export const meta: MetaFunction<typeof loader> = ({ data: d }) => [{ title: `${d?.attempt.examTitle ?? "考试"} · 网上党校` }];

/** Questions per page when the browser runs no JavaScript. */
const PAGE_SIZE = 5;

async function paperFor(args: LoaderFunctionArgs | ActionFunctionArgs) {
  const user = await requireUser(args);
  const id = idParam.safeParse(args.params.id);
  const paper = id.success ? await getAttemptPaper(args.context.db, { attemptId: id.data, userId: user.id }) : undefined;
  if (!paper) throw new Response("考试记录不存在", { status: 404 });
  return { user, paper };
}

/**
 * The stored paper for its trainee, with NO answers and NO 解析: stems, options in this attempt's
 * order and the trainee's own saved responses. A finished (or overdue, finalized here) attempt goes
 * to its result page.
 */
export async function loader(args: LoaderFunctionArgs) {
  const { paper } = await paperFor(args);
  const { attempt } = paper;
  if (paper.finished) throw redirect(`/exam-attempts/${attempt.id}/result`);
  const url = new URL(args.request.url);
  const mediaBase = `/media/courses/${attempt.course_slug}/`;
  return data(
    {
      attempt: {
        id: attempt.id,
        examTitle: attempt.exam_title,
        courseSlug: attempt.course_slug,
        examKey: attempt.exam_key,
        attemptNo: attempt.attempt_no,
        deadlineMs: attempt.deadline_at * 1000,
        graceSeconds: attempt.grace_seconds,
      },
      serverNow: Date.now(),
      questions: paper.questions.map((q) => {
        let blank = 0;
        const html = renderMarkdown(q.stem_md, { mediaBase }).replace(/\{\{\}\}/g, () => `<span class="exam-blank">（${++blank}）</span>`);
        return {
          questionId: q.questionId,
          position: q.position,
          type: q.type,
          score: q.score,
          stemHtml: html,
          options: q.options,
          blanks: q.blanks,
          response: q.response,
          seq: q.seq,
        };
      }),
      page: Number(url.searchParams.get("page")) || 1,
      pageSize: PAGE_SIZE,
      confirm: url.searchParams.get("confirm") === "1",
      saved: url.searchParams.get("saved") === "1",
    },
    { headers: { "Cache-Control": "no-store" } },
  );
}

type PaperQ = Awaited<ReturnType<typeof paperFor>>["paper"]["questions"][number];

/** A form field set (no-JS page) → the response of one question; the model checks its shape. */
function fromForm(form: FormData, q: PaperQ): ExamResponse {
  const name = `q${q.questionId}`;
  switch (q.type) {
    case "单选":
    case "多选":
      return {
        choices: form
          .getAll(name)
          .map((v) => Number(v))
          .sort((a, b) => a - b),
      };
    case "判断": {
      const v = form.get(name);
      return { judge: v === "true" ? true : v === "false" ? false : null };
    }
    case "填空":
      return { blanks: Array.from({ length: q.blanks }, (_, i) => String(form.get(`${name}_${i}`) ?? "")) };
    case "简答":
      return { text: String(form.get(name) ?? "") };
  }
}

/** intent=submit (final, idempotent), leave (counted), or the no-JS 保存 of one page's answers. */
export async function action(args: ActionFunctionArgs) {
  const { user, paper } = await paperFor(args);
  const attemptId = paper.attempt.id;
  const form = await args.request.formData();
  const intent = String(form.get("intent") ?? "save");
  const result = `/exam-attempts/${attemptId}/result`;
  if (paper.finished) return redirect(result);
  const onPage = new Set(form.getAll("qid").map(Number));
  // Only what changed: an untouched question stays unanswered (no empty rows), a cleared one is saved.
  const answers = paper.questions
    .filter((q) => onPage.has(q.questionId))
    .map((q) => ({ q, answer: fromForm(form, q) }))
    .filter(({ q, answer }) => JSON.stringify(answer) !== JSON.stringify(q.response) && (isAnswered(answer) || q.response !== null))
    .map(({ q, answer }) => ({ questionId: q.questionId, answer }));
  if (intent === "leave") {
    await recordLeave(args.context.db, { attemptId, userId: user.id });
    return { ok: true as const };
  }
  if (intent === "submit") {
    try {
      await submitAttempt(args.context.db, { attemptId, userId: user.id, answers });
    } catch (e) {
      if (e instanceof ExamError) return fail(e.message, {}, e.status);
      throw e;
    }
    return redirect(result);
  }
  const saved = await saveAnswersFromForm(args.context.db, { attemptId, userId: user.id, answers });
  if (!saved.ok) {
    if (saved.reason === "deadline" || saved.reason === "finished") return redirect(result);
    return fail(saved.message, {}, saved.status);
  }
  const goto = String(form.get("goto") ?? form.get("page") ?? "1");
  return redirect(goto === "confirm" ? `/exam-attempts/${attemptId}?confirm=1` : `/exam-attempts/${attemptId}?page=${Number(goto) || 1}&saved=1`);
}

export default function ExamAttemptPage() {
  const d = useLoaderData<typeof loader>();
  const a = useActionData<typeof action>();
  return <ExamAttempt {...d} result={a} />;
}
