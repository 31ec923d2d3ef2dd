// 题库: the course's question banks with counts, Excel export and template, and imports
// (upload → preview with every bad row and duplicate → confirm). Nothing is written before confirm.
import { redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useState } from "react";
import { z } from "zod";
import { failureOf } from "~/models/authoring.server.ts";
import {
  BANK_KEY,
  confirmImport,
  createPendingImport,
  dropPendingImport,
  getPendingImport,
  listCourseBanks,
  previewImport,
  type ImportPreview,
} from "~/models/banks.server.ts";
import banksCss from "~/styles/banks.css?url";
import { requireCourseEditor } from "~/guards/auth.server.ts";
import { DIFFICULTIES, QUESTION_TYPES } from "~/utils/course-types.ts";
import { FORMAT_LABEL, formatIssue, MAX_IMPORT_BYTES } from "~/utils/bank-import/common.server.ts";
import { describeDuplicate } from "~/utils/bank-import/duplicates.server.ts";
import { answerText } from "~/utils/bank-import/xlsx.server.ts";
import { FormAlert } from "~/components/FormErrors.tsx";
import { fail } from "~/utils/form-result.server.ts";
import type { FormFailure } from "~/utils/form-result.ts";
import { parseForm, text } from "~/utils/forms.server.ts";
import { parseFormWithOneFile } from "~/utils/uploads.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: banksCss }];
export const meta: MetaFunction = () => [{ title: "题库 · 网上党校" }];

const NEW_BANK = "__new__";
const PREVIEW_ROWS = 300;
const LISTED_ISSUES = 500;
const excerpt = (s: string, n = 80) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** What the preview page needs, trimmed so a 5,000-question file does not become a huge page. */
function previewView(p: ImportPreview, pending: { sha256: string; fileName: string }) {
  const dup = new Map(p.duplicates.map((d) => [d.line, describeDuplicate(d)]));
  const { result } = p;
  return {
    sha256: pending.sha256,
    fileName: pending.fileName,
    format: result.format ? FORMAT_LABEL[result.format] : null,
    bank: p.bank,
    counts: {
      questions: result.questions.length,
      errors: result.errors.length,
      duplicates: p.duplicates.length,
      importable: result.questions.length - p.duplicates.length,
    },
    rows: result.questions.slice(0, PREVIEW_ROWS).map((q) => ({
      line: q.line,
      type: q.type,
      stem: excerpt(q.stem_md.replace(/\{\{\}\}/g, "____"), 120),
      options: q.options?.length ?? 0,
      answer: excerpt(answerText(q.answer), 40),
      score: q.score,
      difficulty: q.difficulty,
      knowledge: q.knowledge,
      duplicate: dup.get(q.line) ?? null,
    })),
    errors: result.errors.slice(0, LISTED_ISSUES).map((e) => ({ line: e.line, message: e.message, text: formatIssue(e) })),
    warnings: result.warnings.slice(0, LISTED_ISSUES).map((e) => ({ line: e.line, message: e.message })),
    duplicates: p.duplicates.slice(0, LISTED_ISSUES).map((d) => ({ line: d.line, stem: excerpt(d.stem), reason: describeDuplicate(d) })),
  };
}

export async function loader(args: LoaderFunctionArgs) {
  const { user, course } = await requireCourseEditor(args, args.params.slug);
  const { db, storage, config } = args.context;
  const url = new URL(args.request.url);
  const banks = await listCourseBanks(db, config, course);
  const sha256 = url.searchParams.get("import");
  let preview: ReturnType<typeof previewView> | null = null;
  let previewMissing = false;
  if (sha256) {
    const pending = await getPendingImport(db, { userId: user.id, slug: course.slug, sha256 });
    if (pending) preview = previewView(await previewImport(db, storage, config, course, pending), pending);
    else previewMissing = true;
  }
  const imported = Number(url.searchParams.get("imported")) || 0;
  return {
    course: { slug: course.slug, title: course.title, source: course.source },
    banks,
    types: QUESTION_TYPES,
    difficulties: DIFFICULTIES,
    preview,
    previewMissing,
    notice: imported > 0 ? `已导入 ${imported} 道题到 bank/${url.searchParams.get("into") ?? ""}.md（课程草稿），发布更新后学员可见。` : null,
  };
}

const Target = z.object({ bank: z.string({ required_error: "请选择目标题库" }).min(1, "请选择目标题库") });
const NewBank = z.object({
  newKey: z
    .string({ required_error: "请填写新题库的文件名" })
    .trim()
    .regex(BANK_KEY, "文件名只能用小写字母、数字和 -，如 dangshi-tiku")
    .max(50, "文件名不能超过 50 个字符"),
  newTitle: text("题库名称", 60),
});

const Confirm = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "导入编号无效"),
  skipErrors: z.literal("on").optional(),
  skipDuplicates: z.literal("on").optional(),
});

type ActionData = FormFailure;

export async function action(args: ActionFunctionArgs) {
  const { user, course } = await requireCourseEditor(args, args.params.slug);
  const { db, storage, clientIp, config } = args.context;
  const base = `/teach/${course.slug}/bank`;

  // Only multipart bodies carry a file; it streams into the store with the size limit.
  const body = await parseFormWithOneFile(args.request, { storage, field: "file", maxBytes: MAX_IMPORT_BYTES });
  if (!body.ok) return fail(body.message, {}, body.status);
  const { form, file: stored } = body;
  const fileName = stored?.name ?? "";

  if (form.get("intent") === "upload") {
    const file = stored;
    if (!file || file.size === 0) return fail("请选择要导入的文件");
    const target = parseForm(form, Target);
    if (!target.ok) return fail(target.message);
    const keys = (await listCourseBanks(db, config, course)).map((b) => b.key);
    let bankKey = target.data.bank;
    let bankTitle: string | null = null;
    if (bankKey === NEW_BANK) {
      const named = parseForm(form, NewBank);
      if (!named.ok) return fail(named.message);
      if (keys.includes(named.data.newKey)) return fail(`题库 bank/${named.data.newKey}.md 已存在，请直接选择它作为目标题库`);
      [bankKey, bankTitle] = [named.data.newKey, named.data.newTitle];
    } else if (!keys.includes(bankKey)) return fail("目标题库不存在");
    await createPendingImport(db, { userId: user.id, slug: course.slug, sha256: file.sha256, fileName, bankKey, bankTitle });
    return redirect(`${base}?import=${file.sha256}`);
  }

  const intent = form.get("intent");
  if (intent === "cancel") {
    const sha256 = String(form.get("sha256") ?? "");
    await dropPendingImport(db, { userId: user.id, slug: course.slug, sha256 });
    return redirect(base);
  }
  if (intent !== "confirm") return fail("未知操作");
  const parsed = parseForm(form, Confirm);
  if (!parsed.ok) return fail(parsed.message);
  const pending = await getPendingImport(db, { userId: user.id, slug: course.slug, sha256: parsed.data.sha256 });
  if (!pending) return fail("找不到这次导入（已过期，或不是您上传的文件），请重新上传", {}, 404);
  let outcome;
  try {
    outcome = await confirmImport(db, storage, config, course, pending, {
      skipErrors: !!parsed.data.skipErrors,
      skipDuplicates: !!parsed.data.skipDuplicates,
      actor: { id: user.id, ip: clientIp },
    });
  } catch (e) {
    const f = failureOf(e);
    if (f) return fail(f.message, {}, f.status);
    throw e;
  }
  if (!outcome.ok) return fail(outcome.message, {}, 400, outcome.details);
  if (outcome.mode === "draft") return redirect(`${base}?imported=${outcome.added}&into=${encodeURIComponent(outcome.bankKey)}`);
  // A course kept in courses/: the browser follows this to the merged bank file and downloads it.
  const flags = new URLSearchParams();
  if (parsed.data.skipErrors) flags.set("skipErrors", "1");
  if (parsed.data.skipDuplicates) flags.set("skipDuplicates", "1");
  return redirect(`${base}/import/${pending.sha256}/download${flags.size ? `?${flags}` : ""}`);
}

export default function Banks() {
  const { course, banks, types, difficulties, preview, previewMissing, notice } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const busy = useNavigation().state === "submitting";
  const base = `/teach/${course.slug}/bank`;
  return (
    <div className="stack banks">
      <div className="page-head">
        <div>
          <p className="muted crumbs">
            <Link to={`/teach/${course.slug}`}>{course.title}</Link> / 题库
          </p>
          <h1>题库</h1>
        </div>
        <a href={`${base}/template.xlsx`} className="btn" download>
          下载 Excel 导入模板
        </a>
      </div>
      {notice ? <p className="alert ok">{notice}</p> : null}
      <FormAlert result={actionData} />

      <section className="card">
        <h2>本课程的题库</h2>
        {course.source === "browser" ? <p className="muted">显示的是课程草稿中的题库；发布更新后学员和考试使用。</p> : null}
        {banks.length ? (
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th>题库</th>
                  <th>题数</th>
                  {types.map((t) => (
                    <th key={t}>{t}</th>
                  ))}
                  {difficulties.map((d) => (
                    <th key={d}>{d}</th>
                  ))}
                  <th>导出</th>
                </tr>
              </thead>
              <tbody>
                {banks.map((b) => (
                  <tr key={b.key}>
                    <td>
                      <strong>{b.title}</strong>
                      <br />
                      <code className="muted">bank/{b.key}.md</code>
                      {b.errors ? <span className="tag warn-tag"> {b.errors} 处错误</span> : null}
                    </td>
                    <td>{b.total}</td>
                    {types.map((t) => (
                      <td key={t}>{b.byType[t]}</td>
                    ))}
                    {difficulties.map((d) => (
                      <td key={d}>{b.byDifficulty[d]}</td>
                    ))}
                    <td>
                      <a href={`${base}/${encodeURIComponent(b.key)}/export.xlsx`} download>
                        Excel
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="empty">还没有题库。可以导入文件新建一个题库。</p>
        )}
      </section>

      {previewMissing ? <p className="alert warn">这次导入已过期或不存在，请重新上传文件。</p> : null}
      {preview ? <Preview preview={preview} source={course.source} busy={busy} /> : <UploadForm banks={banks} busy={busy} />}
    </div>
  );
}

function UploadForm({ banks, busy }: { banks: { key: string; title: string }[]; busy: boolean }) {
  return (
    <section className="card">
      <h2>导入题目</h2>
      <p className="muted">支持 Excel 模板（.xlsx）、Moodle GIFT 和 Aiken 文本（.txt）、题库 Markdown（.md），最大 10 MB。上传后先预览，确认后才导入。</p>
      <Form method="post" encType="multipart/form-data" className="form">
        <input type="hidden" name="intent" value="upload" />
        <label>
          选择文件
          <input type="file" name="file" required accept=".xlsx,.txt,.gift,.md" />
        </label>
        <fieldset className="bank-target">
          <legend>导入到</legend>
          {banks.map((b, i) => (
            <label key={b.key} className="check">
              <input type="radio" name="bank" value={b.key} defaultChecked={i === 0} />
              {b.title}（bank/{b.key}.md）
            </label>
          ))}
          <label className="check">
            <input type="radio" name="bank" value={NEW_BANK} defaultChecked={!banks.length} />
            新建题库
          </label>
          <div className="new-bank">
            <label>
              题库名称
              <input name="newTitle" maxLength={60} placeholder="如：党史知识题库" />
            </label>
            <label>
              文件名
              <input name="newKey" maxLength={50} pattern="[a-z0-9]+(-[a-z0-9]+)*" placeholder="如：dangshi" />
              <small>小写字母、数字和 -，保存为 bank/文件名.md</small>
            </label>
          </div>
        </fieldset>
        <button type="submit" className="btn primary" disabled={busy}>
          上传并预览
        </button>
      </Form>
    </section>
  );
}

function Preview({
  preview: p,
  source,
  busy,
}: {
  preview: NonNullable<ReturnType<typeof useLoaderData<typeof loader>>["preview"]>;
  source: string;
  busy: boolean;
}) {
  const hidden = p.counts.questions - p.rows.length;
  return (
    <section className="card stack import-preview">
      <h2>导入预览</h2>
      <p>
        文件 <strong>{p.fileName}</strong>
        {p.format ? `（${p.format}）` : ""} → 题库《{p.bank.title}》<code>bank/{p.bank.key}.md</code>
        {p.bank.exists ? `，现有 ${p.bank.total} 道题` : "（新建）"}
      </p>
      <div className="stat-grid">
        <div className="stat">
          <strong>{p.counts.questions}</strong>
          <span>可识别的题目</span>
        </div>
        <div className="stat">
          <strong>{p.counts.errors}</strong>
          <span>有错误的行</span>
        </div>
        <div className="stat">
          <strong>{p.counts.duplicates}</strong>
          <span>重复的题目</span>
        </div>
        <div className="stat">
          <strong>{p.counts.importable}</strong>
          <span>将导入</span>
        </div>
      </div>

      {p.errors.length ? (
        <div className="alert error">
          <p>以下行有错误，不会导入：</p>
          <ul className="issues">
            {p.errors.map((e, i) => (
              <li key={i}>{e.text}</li>
            ))}
          </ul>
          {p.counts.errors > p.errors.length ? <p>……另有 {p.counts.errors - p.errors.length} 处错误</p> : null}
        </div>
      ) : null}
      {p.warnings.length ? (
        <div className="alert warn">
          <ul className="issues">
            {p.warnings.map((w, i) => (
              <li key={i}>
                {w.line ? `第 ${w.line} 行：` : ""}
                {w.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {p.duplicates.length ? (
        <div className="alert warn">
          <p>以下题目的题干与已有题目相同：</p>
          <ul className="issues">
            {p.duplicates.map((d) => (
              <li key={d.line}>
                第 {d.line} 行「{d.stem}」：{d.reason}
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      {p.rows.length ? (
        <div className="table-wrap" tabIndex={0}>
          <table className="preview-table">
            <thead>
              <tr>
                <th>行</th>
                <th>题型</th>
                <th>题干</th>
                <th>答案</th>
                <th>分值</th>
                <th>难度</th>
                <th>知识点</th>
              </tr>
            </thead>
            <tbody>
              {p.rows.map((r) => (
                <tr key={r.line} className={r.duplicate ? "dim" : ""}>
                  <td>{r.line}</td>
                  <td>{r.type}</td>
                  <td>
                    {r.stem}
                    {r.options ? <span className="muted">（{r.options} 个选项）</span> : null}
                    {r.duplicate ? <span className="tag">重复</span> : null}
                  </td>
                  <td>{r.answer}</td>
                  <td>{r.score}</td>
                  <td>{r.difficulty}</td>
                  <td>{r.knowledge ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {hidden > 0 ? <p className="muted">……另有 {hidden} 道题未在预览中列出</p> : null}
        </div>
      ) : null}

      {p.format && p.counts.importable > 0 ? (
        <ConfirmImport preview={p} source={source} busy={busy} />
      ) : (
        <p className="alert warn">没有可导入的题目。请修改文件后重新上传。</p>
      )}
      <Form method="post" reloadDocument>
        <input type="hidden" name="intent" value="cancel" />
        <input type="hidden" name="sha256" value={p.sha256} />
        <button type="submit" className="btn small">
          取消，重新上传
        </button>
      </Form>
    </section>
  );
}

/**
 * The confirm form. Bad rows and duplicates are decisions the instructor must take first: each has a
 * required checkbox, and the button says what is still undecided instead of sending a request the server
 * would refuse (without JavaScript the browser's own check of the required boxes says it).
 */
function ConfirmImport({
  preview: p,
  source,
  busy,
}: {
  preview: NonNullable<ReturnType<typeof useLoaderData<typeof loader>>["preview"]>;
  source: string;
  busy: boolean;
}) {
  const [skipErrors, setSkipErrors] = useState(false);
  const [skipDuplicates, setSkipDuplicates] = useState(false);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const undecided = [
    p.counts.errors && !skipErrors ? `有 ${p.counts.errors} 处错误：勾选“跳过有错误的行”` : null,
    p.counts.duplicates && !skipDuplicates ? `有 ${p.counts.duplicates} 道重复题：勾选“跳过重复的题目”` : null,
  ].filter((x): x is string => x !== null);
  const label = source === "browser" ? `确认导入 ${p.counts.importable} 道题` : "生成并下载题库文件";
  return (
    <Form method="post" reloadDocument className="form confirm-form">
      <input type="hidden" name="intent" value="confirm" />
      <input type="hidden" name="sha256" value={p.sha256} />
      {p.counts.errors || p.counts.duplicates ? <p>导入前请先决定：跳过下列内容，或修改文件后重新上传。</p> : null}
      {p.counts.errors ? (
        <label className="check">
          <input type="checkbox" name="skipErrors" required checked={skipErrors} onChange={(e) => setSkipErrors(e.target.checked)} />{" "}
          跳过有错误的行，只导入其余题目
        </label>
      ) : null}
      {p.counts.duplicates ? (
        <label className="check">
          <input type="checkbox" name="skipDuplicates" required checked={skipDuplicates} onChange={(e) => setSkipDuplicates(e.target.checked)} /> 跳过重复的题目
        </label>
      ) : null}
      <p className="muted">
        {source === "browser"
          ? `确认后写入课程草稿的 bank/${p.bank.key}.md，在课程编辑页“发布更新”后生效。`
          : `本课程由 courses/ 文件夹同步：确认后将下载合并好的 bank/${p.bank.key}.md，请用它替换课程文件夹中的同名文件并提交，同步后生效。`}
      </p>
      <div className="row-actions">
        <button type="submit" className="btn primary" disabled={busy || (hydrated && undecided.length > 0)}>
          {undecided.length ? `请先决定：${undecided.join("；")}` : label}
        </button>
      </div>
    </Form>
  );
}
