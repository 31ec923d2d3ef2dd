// 批量导入用户: upload an .xlsx or CSV roster → preview (new, changed, bad rows with row numbers) →
// confirm. Nothing is written before confirm; confirm reads the stored upload again. New accounts'
// one-time passwords are shown once and can be downloaded as a sheet (they are not stored).
import { redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import type { ReactNode } from "react";
import { z } from "zod";
import { createPendingRoster, dropPendingRoster, getPendingRoster, readPendingRoster } from "~/models/roster.server.ts";
import { importRoster, planRosterImport } from "~/models/users.server.ts";
import rosterCss from "~/styles/roster.css?url";
import { requireRole } from "~/guards/auth.server.ts";
import { FormAlert } from "~/components/FormErrors.tsx";
import { fail } from "~/utils/form-result.server.ts";
import type { FormFailure } from "~/utils/form-result.ts";
import { parseForm } from "~/utils/forms.server.ts";
import { ROLE_LABEL, STAGE_LABEL } from "~/utils/labels.ts";
import { STAGE_EVENT_LABEL } from "~/utils/stage-rules.ts";
import { formatRosterIssue, MAX_ROSTER_BYTES, type IssuedPassword, type RosterPlan } from "~/utils/roster-import.server.ts";
import { parseFormWithOneFile } from "~/utils/uploads.server.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: rosterCss }];
export const meta: MetaFunction = () => [{ title: "批量导入用户 · 网上党校" }];

const BASE = "/admin/users/import";
const LISTED_CREATES = 300;
const LISTED_UPDATES = 500;
const LISTED_ERRORS = 1000;

/** What the preview shows, trimmed so a 5,000-row file does not become a huge page. */
function previewView(plan: RosterPlan) {
  return {
    counts: { rows: plan.rows, creates: plan.creates.length, updates: plan.updates.length, unchanged: plan.unchanged.length, errors: plan.errors.length },
    creates: plan.creates.slice(0, LISTED_CREATES).map((e) => ({
      line: e.line,
      username: e.username,
      name: e.name,
      gender: e.gender,
      unit: e.unitLabel,
      stage: STAGE_LABEL[e.stage],
      roles: e.roles.map((r) => ROLE_LABEL[r]).join("、"),
      branch: [
        ...e.stageEvents.map((d) => `${STAGE_EVENT_LABEL[d.stage]} ${d.decidedOn}`),
        ...(e.liaisons.length ? [`培养联系人 ${e.liaisons.map((l) => l.name).join("、")}`] : []),
      ].join("；"),
    })),
    updates: plan.updates
      .slice(0, LISTED_UPDATES)
      .map((u) => ({ line: u.entry.line, username: u.entry.username, name: u.entry.name, changes: u.changes, inactive: u.inactive })),
    errors: plan.errors.slice(0, LISTED_ERRORS).map(formatRosterIssue),
  };
}

export async function loader(args: LoaderFunctionArgs) {
  const admin = await requireRole(args, "admin");
  const { db, storage } = args.context;
  const sha256 = new URL(args.request.url).searchParams.get("file");
  if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256)) return { upload: null };
  const pending = await getPendingRoster(db, { userId: admin.id, sha256 });
  if (!pending) return { upload: { sha256, missing: true as const } };
  const file = await readPendingRoster(storage, pending);
  const upload = { sha256, fileName: pending.fileName, missing: false as const };
  if (!file.ok) return { upload: { ...upload, fileError: file.message, preview: null, format: null } };
  const plan = await planRosterImport(db, file.rows, admin.id);
  const format = file.format === "xlsx" ? "Excel（.xlsx）" : `CSV（${file.encoding} 编码）`;
  return { upload: { ...upload, fileError: null, preview: previewView(plan), format } };
}

const Confirm = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "导入编号无效"),
  skipErrors: z.literal("on").optional(),
});

type ActionData = FormFailure | { done: { fileName: string; created: IssuedPassword[]; updated: number; unchanged: number; skipped: string[] } };

export async function action(args: ActionFunctionArgs) {
  const admin = await requireRole(args, "admin");
  const { db, storage, clientIp } = args.context;

  const parsed = await parseFormWithOneFile(args.request, { storage, field: "file", maxBytes: MAX_ROSTER_BYTES });
  if (!parsed.ok) return fail(parsed.message, {}, parsed.status);
  const { form, file: upload } = parsed;

  const intent = form.get("intent");
  if (intent === "upload") {
    if (!upload || upload.size === 0) return fail("请选择要导入的文件");
    await createPendingRoster(db, { userId: admin.id, sha256: upload.sha256, fileName: upload.name });
    return redirect(`${BASE}?file=${upload.sha256}`);
  }
  if (intent === "cancel") {
    await dropPendingRoster(db, { userId: admin.id, sha256: String(form.get("sha256") ?? "") });
    return redirect(BASE);
  }
  if (intent !== "confirm") return fail("未知操作");
  const confirm = parseForm(form, Confirm);
  if (!confirm.ok) return fail(confirm.message);
  const pending = await getPendingRoster(db, { userId: admin.id, sha256: confirm.data.sha256 });
  if (!pending) return fail("找不到这次导入（已过期，或不是您上传的文件），请重新上传", {}, 404);
  const file = await readPendingRoster(storage, pending);
  if (!file.ok) return fail(file.message);
  const result = await importRoster(db, file.rows, {
    skipErrors: !!confirm.data.skipErrors,
    actor: { actorId: admin.id, ip: clientIp },
    source: { fileName: pending.fileName, sha256: pending.sha256 },
  });
  if (!result.ok) {
    const n = result.plan.errors.length;
    return fail(
      `文件中有 ${n} 行有问题，未导入任何数据。请修改后重新上传，或勾选“跳过错误行”只导入没有问题的行。`,
      {},
      400,
      result.plan.errors.slice(0, 20).map(formatRosterIssue),
    );
  }
  await dropPendingRoster(db, { userId: admin.id, sha256: pending.sha256 });
  return {
    done: {
      fileName: pending.fileName,
      created: result.created,
      updated: result.updated,
      unchanged: result.plan.unchanged.length,
      skipped: result.plan.errors.map(formatRosterIssue),
    },
  } satisfies ActionData;
}

export default function ImportUsers() {
  const { upload } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>() as ActionData | undefined;
  const busy = useNavigation().state === "submitting";
  if (actionData && "done" in actionData) return <ImportDone done={actionData.done} />;
  const preview = upload && !upload.missing ? upload.preview : null;
  return (
    <div className="stack roster">
      <div className="page-head">
        <div>
          <p className="muted crumbs">
            <Link to="/admin/users">用户管理</Link> / 批量导入
          </p>
          <h1>批量导入用户</h1>
        </div>
        <a href={`${BASE}/template.xlsx`} className="btn" download>
          下载导入模板
        </a>
      </div>
      <FormAlert result={actionData} />

      {!upload || upload.missing ? (
        <section className="card">
          {upload?.missing ? <p className="alert warn">找不到这次上传（已过期或已导入），请重新上传。</p> : null}
          <Form method="post" encType="multipart/form-data" action={BASE} className="form">
            <input type="hidden" name="intent" value="upload" />
            <label>
              名单文件（Excel .xlsx 或 CSV）
              <input type="file" name="file" accept=".xlsx,.csv,text/csv" required />
            </label>
            <p className="hint muted">
              列：学号/工号、姓名、性别、二级党委、党支部、发展阶段、角色，以及选填的手机、邮箱、阶段日期（列为积极分子日期、列为发展对象日期、接收预备党员日期、转正日期）和培养联系人（学号/工号）。表头按名称识别，列的顺序可以调整。CSV
              可以是 UTF-8（带或不带 BOM）或 GBK 编码（Excel“另存为 CSV”的默认格式）。上传后先预览，确认后才写入。
            </p>
            <button type="submit" className="btn primary" disabled={busy}>
              {busy ? "正在上传…" : "上传并预览"}
            </button>
          </Form>
        </section>
      ) : null}

      {upload && !upload.missing ? (
        <section className="card stack import-preview">
          <h2>预览：{upload.fileName}</h2>
          {upload.fileError ? (
            <p className="alert error" role="alert">
              {upload.fileError}
            </p>
          ) : null}
          {preview ? (
            <>
              <p className="muted">格式：{upload.format}。以下是确认后将要发生的变化，现在还没有写入任何数据。</p>
              <div className="stat-grid">
                <div className="stat">
                  <strong>{preview.counts.rows}</strong> 行
                </div>
                <div className="stat">
                  <strong data-testid="count-creates">{preview.counts.creates}</strong> 新建
                </div>
                <div className="stat">
                  <strong data-testid="count-updates">{preview.counts.updates}</strong> 更新
                </div>
                <div className="stat">
                  <strong>{preview.counts.unchanged}</strong> 无变化
                </div>
                <div className={preview.counts.errors ? "stat bad" : "stat"}>
                  <strong data-testid="count-errors">{preview.counts.errors}</strong> 有问题
                </div>
              </div>
              {preview.errors.length ? (
                <div className="alert error">
                  <p>以下行有问题（行号即表格中的行号，表头为第 1 行）：</p>
                  <ul className="issues">
                    {preview.errors.map((e) => (
                      <li key={e}>{e}</li>
                    ))}
                  </ul>
                  {preview.counts.errors > preview.errors.length ? <p>……另有 {preview.counts.errors - preview.errors.length} 行未列出</p> : null}
                </div>
              ) : null}
              {preview.updates.length ? (
                <Listing
                  summary={`将更新 ${preview.counts.updates} 个已有用户`}
                  open={preview.updates.length <= 50}
                  headers={["行", "学号/工号", "姓名", "变化"]}
                >
                  {preview.updates.map((u) => (
                    <tr key={u.line}>
                      <td>{u.line}</td>
                      <td>{u.username}</td>
                      <td>
                        {u.name}
                        {u.inactive ? <span className="tag">已停用</span> : null}
                      </td>
                      <td>
                        <ul className="changes">
                          {u.changes.map((c) => (
                            <li key={c.field}>
                              {c.field}：<del>{c.from || "（空）"}</del> → <ins>{c.to || "（空）"}</ins>
                            </li>
                          ))}
                        </ul>
                      </td>
                    </tr>
                  ))}
                </Listing>
              ) : null}
              {preview.creates.length ? (
                <Listing
                  summary={`将新建 ${preview.counts.creates} 个用户${preview.counts.creates > preview.creates.length ? `（列出前 ${preview.creates.length} 个）` : ""}`}
                  open={preview.creates.length <= 50}
                  headers={["行", "学号/工号", "姓名", "性别", "所属组织", "发展阶段", "角色", "阶段时间、培养联系人"]}
                >
                  {preview.creates.map((c) => (
                    <tr key={c.line}>
                      <td>{c.line}</td>
                      <td>{c.username}</td>
                      <td>{c.name}</td>
                      <td>{c.gender}</td>
                      <td>{c.unit}</td>
                      <td>{c.stage}</td>
                      <td>{c.roles}</td>
                      <td>{c.branch}</td>
                    </tr>
                  ))}
                </Listing>
              ) : null}
              <Form method="post" action={`${BASE}?file=${upload.sha256}`} className="form confirm-form">
                <input type="hidden" name="sha256" value={upload.sha256} />
                {preview.counts.errors ? (
                  <label className="check">
                    <input type="checkbox" name="skipErrors" /> 跳过错误行，只导入没有问题的 {preview.counts.creates + preview.counts.updates} 行
                  </label>
                ) : null}
                <div className="row-actions">
                  <button
                    type="submit"
                    name="intent"
                    value="confirm"
                    className="btn primary"
                    disabled={busy || preview.counts.creates + preview.counts.updates === 0}
                  >
                    {busy ? "正在导入…" : "确认导入"}
                  </button>
                  <button type="submit" name="intent" value="cancel" className="btn" formNoValidate>
                    取消
                  </button>
                </div>
              </Form>
            </>
          ) : (
            <Link to={BASE} className="btn">
              重新上传
            </Link>
          )}
        </section>
      ) : null}
    </div>
  );
}

/** A collapsible table of preview rows. */
function Listing({ summary, open, headers, children }: { summary: string; open: boolean; headers: string[]; children: ReactNode }) {
  return (
    <details open={open}>
      <summary>{summary}</summary>
      <div className="table-wrap" tabIndex={0}>
        <table>
          <thead>
            <tr>
              {headers.map((h) => (
                <th key={h}>{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>{children}</tbody>
        </table>
      </div>
    </details>
  );
}

function ImportDone({ done }: { done: { fileName: string; created: IssuedPassword[]; updated: number; unchanged: number; skipped: string[] } }) {
  return (
    <div className="stack roster">
      <h1>导入完成</h1>
      <p className="alert ok" role="status">
        {done.fileName}：新建 {done.created.length} 人，更新 {done.updated} 人，无变化 {done.unchanged} 人
        {done.skipped.length ? `，跳过 ${done.skipped.length} 行有问题的数据` : ""}。
      </p>
      {done.created.length ? (
        <section className="card stack">
          <h2>新用户的一次性密码</h2>
          <p className="alert warn">这些密码只显示这一次，服务器不保存明文。请现在下载或打印，并通过安全渠道交给本人；首次登录后必须修改。</p>
          <form method="post" action={`${BASE}/passwords`}>
            <input type="hidden" name="rows" value={JSON.stringify(done.created)} />
            <button type="submit" className="btn primary">
              下载密码表（Excel）
            </button>
          </form>
          <div className="table-wrap" tabIndex={0}>
            <table data-testid="issued-passwords">
              <thead>
                <tr>
                  <th>学号/工号</th>
                  <th>姓名</th>
                  <th>一次性密码</th>
                </tr>
              </thead>
              <tbody>
                {done.created.map((p) => (
                  <tr key={p.学号}>
                    <td>{p.学号}</td>
                    <td>{p.姓名}</td>
                    <td>
                      <code>{p.一次性密码}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
      {done.skipped.length ? (
        <details className="card">
          <summary>跳过的行（{done.skipped.length}）</summary>
          <ul className="issues">
            {done.skipped.slice(0, LISTED_ERRORS).map((s) => (
              <li key={s}>{s}</li>
            ))}
          </ul>
        </details>
      ) : null}
      <div className="row-actions">
        <Link to="/admin/users" className="btn">
          返回用户管理
        </Link>
        <Link to={BASE} reloadDocument className="btn">
          继续导入
        </Link>
      </div>
    </div>
  );
}
