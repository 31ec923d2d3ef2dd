import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import {
  assertDraftSize,
  deleteDraftFile,
  draftMediaBase,
  errorsOf,
  failureOf,
  listDraftMedia,
  markdownBodyOf,
  readDraftFile,
  saveDraftFile,
  validateDraftOffThread,
} from "~/models/authoring.server.ts";
import type { Dirs } from "~/utils/env.server.ts";
import authoringCss from "~/styles/authoring.css?url";
import proseCss from "~/styles/prose.css?url";
import { requireBrowserCourse, requireCourseEditor } from "~/guards/auth.server.ts";
import { FieldError, fieldProps, FormAlert } from "~/components/FormErrors.tsx";
import { fail } from "~/utils/form-result.server.ts";
import { LESSON_WARN_BYTES } from "~/utils/course-format.server.ts";
import { MARKDOWN_LIMITS_TEXT, renderMarkdownOffThread } from "~/utils/markdown.server.ts";
import { readForm } from "~/utils/multipart.server.ts";
import { reviewLeakWarning } from "~/utils/exam-rules.ts";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: proseCss },
  { rel: "stylesheet", href: authoringCss },
];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.rel ?? "编辑"} · 课程编写 · 网上党校` }];

type Kind = "course" | "lesson" | "assignment" | "bank" | "exam";
const kindOf = (rel: string): Kind =>
  rel === "course.md"
    ? "course"
    : rel.startsWith("lessons/")
      ? "lesson"
      : rel.startsWith("assignments/")
        ? "assignment"
        : rel.startsWith("bank/")
          ? "bank"
          : "exam";

/** Errors of this file, how many the rest of the draft has, and for an exam a review that gives the answers away. */
async function checkDraft(dirs: Dirs, slug: string, rel: string) {
  const state = await validateDraftOffThread(dirs, slug);
  const all = errorsOf(state, slug);
  const mine = all.filter((e) => e.file === rel).map(({ line, message }) => ({ line, message }));
  const exam = state.course.exams.find((x) => `exams/${x.key}.md` === rel);
  // The parser's warnings for this file (options in bank order, …) by line, then the review-leak warning.
  const warnings = errorsOf({ errors: state.warnings }, slug)
    .filter((w) => w.file === rel)
    .map((w) => `第 ${w.line} 行：${w.message}`);
  const leak = exam ? reviewLeakWarning(exam.settings) : null;
  return { errors: mine, otherErrors: all.length - mine.length, warnings: leak ? [...warnings, leak] : warnings };
}

const preview = (slug: string, text: string) => renderMarkdownOffThread(markdownBodyOf(text), { mediaBase: draftMediaBase(slug) });

export async function loader(args: LoaderFunctionArgs) {
  const { course } = await requireCourseEditor(args, args.params.slug);
  requireBrowserCourse(course);
  const rel = args.params["*"] ?? "";
  const file = (() => {
    try {
      return readDraftFile(args.context.config, course.slug, rel);
    } catch (e) {
      if (failureOf(e)) return null;
      throw e;
    }
  })();
  if (!file) throw new Response("文件不存在", { status: 404 });
  return {
    slug: course.slug,
    courseTitle: course.title,
    rel,
    kind: kindOf(rel),
    text: file.text,
    version: file.version,
    // A large file's preview is asked for once the page is up (a page of several MB would be rendered
    // twice in one piece, holding every other request meanwhile).
    html: file.text.length > LESSON_WARN_BYTES ? null : await preview(course.slug, file.text),
    markdownLimits: MARKDOWN_LIMITS_TEXT,
    ...(await checkDraft(args.context.config, course.slug, rel)),
    media: listDraftMedia(args.context.config, course.slug).map((m) => ({ path: m.path, kind: m.kind })),
  };
}

type Result = {
  ok: true;
  message: string;
  version?: string;
  text?: string;
  html?: string;
  errors?: { line: number; message: string }[];
  otherErrors?: number;
  warnings?: string[];
};

export async function action(args: ActionFunctionArgs) {
  const { course } = await requireCourseEditor(args, args.params.slug);
  requireBrowserCourse(course);
  const rel = args.params["*"] ?? "";
  const form = await readForm(args.request);
  const intent = String(form.get("intent") ?? "save");
  const text = String(form.get("text") ?? "");
  try {
    if (intent === "delete") {
      deleteDraftFile(args.context.config, course.slug, rel);
      return redirect(`/teach/${course.slug}`);
    }
    if (intent === "preview") assertDraftSize(text);
    if (intent === "preview") return data<Result>({ ok: true, message: "预览已更新（尚未保存）", text, html: await preview(course.slug, text) });
    const version = String(form.get("version") ?? "") || null;
    const saved = saveDraftFile(args.context.config, course.slug, rel, text, version);
    const at = new Date().toLocaleTimeString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
    return data<Result>({ ok: true, message: `已保存到草稿 ${at}`, version: saved.version, ...(await checkDraft(args.context.config, course.slug, rel)) });
  } catch (e) {
    const failure = failureOf(e);
    if (!failure) throw e;
    // A refused text goes back into the page (a page without JavaScript would lose it), unless it is over
    // the size limit (it cannot be saved; the browser keeps it).
    const refused = fail(failure.message, intent === "delete" ? {} : { text: failure.message }, failure.status);
    return data({ ...refused.data, text: failure.status === 413 ? undefined : text }, refused.init ?? undefined);
  }
}

const TITLE: Record<Kind, string> = { course: "编辑课程信息", lesson: "编辑课时", assignment: "编辑作业", bank: "编辑题库", exam: "编辑考试" };

const HELP: Record<Kind, string> = {
  course:
    "title 课程名称 · audience 适用对象 [入党积极分子, 发展对象] · summary 简介 · hours 总学时 · instructors 授课教师工号 [js001] · cover 封面图（可选）· published 是否发布（用“发布/取消发布”按钮修改）。--- 之后是课程简介（Markdown）。",
  lesson:
    "title 标题 · chapter 所属章节 · hours 学时（0.5 为单位）· required 必修 true/false · video 视频 media/x.mp4 · captions 字幕 media/x.vtt · complete: read_minutes 阅读分钟 / watch_percent 观看比例 · order 顺序（由上移/下移按钮维护）。--- 之后是正文，图片写作 ![说明](../media/x.png)。",
  assignment:
    "title 标题 · kind 思想汇报/学习心得/读书报告 · due 截止 2026-12-31 23:59 · cutoff 最终截止 · max_score 满分 · pass_score 及格分 · hours 学时 · min_length 最少字数 · attachments 附件类型 [pdf, docx] · resubmit 允许重交。--- 之后是题目要求。",
  bank: "每道题以“## 题型 [分值] [难度] [知识点:…]”开头，题型：单选、多选、判断、填空、简答。选择题选项写作“- [ ] 选项”，正确项“- [x] 选项”；判断题写“答案：正确/错误”；填空题把答案写在 {{答案}} 中，多个可接受答案用 / 分隔；简答题写“参考答案：…”和可选的“关键词：a, b”；解析写作“> 解析：…”。",
  exam: "title 标题 · bank 题库 bank/x.md · duration_minutes 时长 · pass_score 及格分 · attempts 次数 · counts best/last · opens/closes 开放时间 · draw 抽题规则：- { type: 单选, count: 10, score: 2 }（每种题型一条，题库题目须足够）。--- 之后是考试说明。",
};

export default function EditFile() {
  const loaded = useLoaderData<typeof loader>();
  return <Editor key={loaded.rel} />;
}

function Editor() {
  const { slug, courseTitle, rel, kind, text: savedText, version, html, errors, otherErrors, warnings, media, markdownLimits } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const [text, setText] = useState(result?.text ?? savedText);
  const [previewHtml, setPreviewHtml] = useState((result?.ok ? result.html : undefined) ?? html ?? "");
  const [previewState, setPreviewState] = useState<"idle" | "pending" | "error">("idle");
  const [hydrated, setHydrated] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const form = useRef<HTMLFormElement>(null);
  const first = useRef(true);
  const dirty = text.replace(/\r\n?/g, "\n") !== savedText;
  const saved = result?.ok ? result : undefined;
  const shownErrors = saved?.errors ?? errors;
  const shownOther = saved?.otherErrors ?? otherErrors;
  const shownWarnings = (saved && "warnings" in saved ? saved.warnings : warnings) ?? [];
  const textField = fieldProps(result, "editor", "text");

  useEffect(() => setHydrated(true), []);

  // Live preview: the server renders with the same renderer as the lesson page, 300 ms after typing stops.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      if (html !== null) return;
    }
    const controller = new AbortController();
    setPreviewState("pending");
    const timer = setTimeout(async () => {
      try {
        const res = await fetch(`/teach/${slug}/preview`, { method: "POST", body: new URLSearchParams({ text }), signal: controller.signal });
        if (!res.ok) throw new Error(String(res.status));
        setPreviewHtml(((await res.json()) as { html: string }).html);
        setPreviewState("idle");
      } catch (e) {
        if ((e as Error).name !== "AbortError") setPreviewState("error");
      }
    }, 300);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
    // `html` only decides whether the first render already has its preview; a later one must not refetch.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text, slug]);

  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (dirty) e.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  useEffect(() => {
    const m = /^#L(\d+)$/.exec(window.location.hash);
    if (m) jumpTo(Number(m[1]));
  }, []);

  function jumpTo(line: number) {
    const el = area.current;
    if (!el) return;
    const lines = el.value.split("\n");
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    el.focus();
    el.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
    const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 24;
    el.scrollTop = Math.max(0, (line - 3) * lineHeight);
  }

  function insert(snippet: string) {
    const el = area.current;
    if (!el) return;
    const { selectionStart: a, selectionEnd: b } = el;
    const next = el.value.slice(0, a) + snippet + el.value.slice(b);
    setText(next);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(a + snippet.length, a + snippet.length);
    });
  }

  const saving = navigation.state === "submitting" && navigation.formData?.get("intent") === "save";
  const snippet = (m: { path: string; kind: string }) => {
    const rel = kind === "course" ? m.path : `../${m.path}`;
    return m.kind === "image" ? `![说明](${rel})` : m.kind === "video" ? `video: ${m.path}` : m.kind === "caption" ? `captions: ${m.path}` : m.path;
  };

  return (
    <div className="stack editor-page">
      <p className="crumbs">
        <Link to="/teach">课程编写</Link> / <Link to={`/teach/${slug}`}>{courseTitle}</Link>
      </p>
      <h1 className="file-title">
        {TITLE[kind]} <code>{rel}</code>
      </h1>
      <div className="editor-grid">
        <Form
          method="post"
          ref={form}
          className="card form editor-form"
          onKeyDown={(e) => {
            if ((e.ctrlKey || e.metaKey) && e.key === "s") {
              e.preventDefault();
              form.current?.requestSubmit(form.current.querySelector<HTMLButtonElement>('button[value="save"]'));
            }
          }}
        >
          <input type="hidden" name="version" value={saved?.version ?? version} />
          <label htmlFor="source">文件内容（--- 之间是文件头，之后是 Markdown 正文）</label>
          <textarea
            id="source"
            ref={area}
            {...textField}
            className="source"
            value={text}
            onChange={(e) => setText(e.target.value)}
            spellCheck={false}
            rows={24}
            aria-describedby={[textField["aria-describedby"], "file-errors"].filter(Boolean).join(" ")}
          />
          <FieldError result={result} form="editor" name="text" />
          <div className="row-actions">
            <button type="submit" name="intent" value="save" className="btn primary" disabled={saving}>
              {saving ? "保存中…" : "保存草稿"}
            </button>
            {hydrated ? null : (
              <button type="submit" name="intent" value="preview" className="btn">
                预览
              </button>
            )}
            <Link to={`/teach/${slug}`} className="btn">
              返回课程
            </Link>
            {kind !== "course" ? (
              <button
                type="submit"
                name="intent"
                value="delete"
                className="btn danger"
                onClick={(e) => {
                  if (!window.confirm(`确定从草稿中删除 ${rel}？`)) e.preventDefault();
                }}
              >
                删除此文件
              </button>
            ) : null}
          </div>
          <FormAlert result={result} />
          <p className="save-state" role="status" aria-live="polite">
            {saved ? <span className="ok-text">{saved.message}</span> : null} {dirty ? <span className="muted">有未保存的修改</span> : null}
          </p>
          <div id="file-errors">
            {shownWarnings.map((w) => (
              <p key={w} className="alert warn" role="alert">
                {w}
              </p>
            ))}
            {shownErrors.length ? (
              <div className="alert error">
                <strong>本文件有 {shownErrors.length} 处错误（保存后重新校验）：</strong>
                <ul className="problems">
                  {shownErrors.map((e) => (
                    <li key={`${e.line}:${e.message}`}>
                      <button type="button" className="btn-link" onClick={() => jumpTo(e.line)}>
                        第 {e.line} 行
                      </button>
                      ：{e.message}
                    </li>
                  ))}
                </ul>
              </div>
            ) : (
              <p className="alert ok">本文件校验通过。</p>
            )}
            {shownOther ? (
              <p className="alert warn">
                课程的其他文件还有 {shownOther} 处错误，见<Link to={`/teach/${slug}`}>课程页</Link>。
              </p>
            ) : null}
          </div>
          <details className="help">
            <summary>格式说明</summary>
            <p>{HELP[kind]}</p>
            <p className="muted">每个文件最多 1 MB；{markdownLimits}。</p>
            <p className="muted">完整说明见 courses/README.md；保存后才会校验，发布前必须没有错误。</p>
          </details>
          {media.length ? (
            <details className="help">
              <summary>插入媒体文件（{media.length}）</summary>
              <ul className="media-snippets">
                {media.map((m) => (
                  <li key={m.path}>
                    <code>{snippet(m)}</code>{" "}
                    {hydrated ? (
                      <button type="button" className="btn small" onClick={() => insert(snippet(m))}>
                        插入
                      </button>
                    ) : null}
                  </li>
                ))}
              </ul>
              <Link to={`/teach/${slug}/media`}>上传更多</Link>
            </details>
          ) : null}
        </Form>
        <section className="card preview" aria-label="预览">
          <p className="preview-head">
            预览（与学员看到的课时页排版一致）
            {previewState === "pending" ? (
              <span className="muted"> · 更新中…</span>
            ) : previewState === "error" ? (
              <span className="bad-text"> · 预览失败</span>
            ) : null}
          </p>
          <div className="prose" data-testid="preview" dangerouslySetInnerHTML={{ __html: previewHtml }} />
        </section>
      </div>
    </div>
  );
}
