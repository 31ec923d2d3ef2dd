// One training class: its trainees' standing (学时, required lessons, exam and assignment results,
// composite, band, blockers) for admins, the class's instructors and secretaries (their subtree);
// settings, courses, enrollment and certificates for the organization department; 平时 and cheating
// marks for the instructors.
import {
  data,
  MaxPartSizeExceededError,
  unstable_createMemoryUploadHandler,
  type ActionFunctionArgs,
  type LinksFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { parseMultipartForm } from "~/utils/multipart.server.ts";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { OrgUnitSelect } from "~/components/UserFields.tsx";
import { certificatesOfClass, certificateTemplate, revokeCertificate, saveCertificateTemplate } from "~/models/certificates.server.ts";
import { memberTable, parseMemberQuery } from "~/models/member-table.server.ts";
import { CERTIFICATE_LAYOUTS } from "~/utils/completion.ts";
import {
  carryOver,
  carryOverCandidates,
  ClassError,
  ClassFieldsSchema,
 
  classCourses,
  classResults,
  classScopeFor,
  classStatus,
  enrollByUnit,
  enrollUsernames,
  getClassRow,
  MAX_LIST_BYTES,
  readUsernameList,
  removeMember,
  searchEnrollable,
  setCheating,
  setMemberNote,
  setClassCourses,
  setUsualScore,
  updateClassSettings,
  type EnrollPlan,
} from "~/models/classes.server.ts";
import { listCoursesForStaff } from "~/models/courses.server.ts";
import { listOrgUnits, withLabels } from "~/models/org.server.ts";
import classesCss from "~/styles/classes.css?url";
import { requireRole, type CurrentUser } from "~/guards/auth.server.ts";
import { glyphWarnings } from "~/utils/certificate-pdf.server.ts";
import { ClassRulesSchema } from "~/utils/class-rules.ts";
import { idParam, parseForm, text } from "~/utils/forms.server.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";
import { ClassKindSelect, GlyphWarnings, MemberFilters, MemberPager, MemberTable, StatGrid } from "~/components/ClassMembers.tsx";
import { formatDateTime } from "~/utils/cst.ts";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: classesCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.cls.name ?? "培训班"} · 网上党校` }];

type Args = LoaderFunctionArgs | ActionFunctionArgs;

/** The class and what this viewer may do with it; 404 for a class they may not see. */
async function load(args: Args) {
  const me = await requireRole(args, "admin", "instructor", "secretary");
  const id = idParam.safeParse(args.params.id);
  const cls = id.success ? await getClassRow(args.context.db, id.data) : undefined;
  const scope = cls && (await classScopeFor(args.context.db, cls.id, me));
  if (!cls || !scope) throw new Response("培训班不存在", { status: 404 });
  return { me, cls, scope };
}

export async function loader(args: LoaderFunctionArgs) {
  const { me, cls, scope } = await load(args);
  const { db } = args.context;
  const params = new URL(args.request.url).searchParams;
  const q = (params.get("q") ?? "").trim().slice(0, 40);
  const [rows, courses] = await Promise.all([classResults(db, cls, scope.kind === "subtree" ? { unitPath: scope.unitPath } : {}), classCourses(db, cls.id)]);
  const table = await memberTable(db, cls.id, rows, parseMemberQuery(params));
  const offeredHours = courses.reduce((n, c) => n + c.hours, 0);
  const admin = scope.canEdit
    ? {
        allCourses: (await listCoursesForStaff(db, me)).map((c) => ({ id: c.id, title: c.title, slug: c.slug, published: c.published })),
        units: withLabels(await listOrgUnits(db)),
        found: q ? await searchEnrollable(db, cls.id, q) : [],
        carry: await carryOverCandidates(db, cls.id),
        certificates: (await certificatesOfClass(db, cls.id)).map((c) => ({
          id: c.id,
          number: c.number,
          name: c.holder_name,
          username: c.holder_username,
          issuedAt: c.issued_at,
          revokedAt: c.revoked_at,
          revokeReason: c.revoke_reason,
        })),
        warnings: [...glyphWarnings({ 培训班名称: cls.name }), ...rows.flatMap((r) => glyphWarnings({ [`${r.username} 的姓名`]: r.name }))],
        template: await certificateTemplate(db, cls.kind),
      }
    : null;
  return {
    cls: {
      id: cls.id,
      name: cls.name,
      kind: cls.kind,
      term: cls.term,
      hostUnitId: cls.host_unit_id,
      hostUnit: cls.host_unit_name,
      startDate: cls.start_date,
      endDate: cls.end_date,
      rules: cls.rules,
      numberFormat: cls.number_format,
      finalExamId: cls.final_exam_id,
      status: classStatus(cls),
      completedAt: cls.completed_at,
    },
    scope: { kind: scope.kind, canEdit: scope.canEdit, canGrade: scope.canGrade },
    courses,
    members: table.members,
    table: { ...table, members: undefined },
    completed: rows.filter((r) => r.result.passed).length,
    hoursWarning: courses.length && offeredHours < cls.rules.requiredHours ? `应修学时为 ${cls.rules.requiredHours}，而本班课程合计只有 ${offeredHours} 学时：学员无法仅靠课程达到，请调整应修学时或增加课程` : null,
    admin,
    q,
  };
}

// ------------------------------------------------------------------------------------------ actions

type ActionData = { error?: string; ok?: string; plan?: EnrollPlan };
const fail = (error: string, status = 400) => data<ActionData>({ error }, { status });

const num = (v: FormDataEntryValue | null) => (typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN);
const on = (form: FormData, name: string) => form.get(name) === "on";

/** The rules part of the settings form, nested and checked by the rules schema. */
function rulesFromForm(form: FormData) {
  return ClassRulesSchema.safeParse({
    requiredHours: num(form.get("requiredHours")),
    requireAllLessons: on(form, "requireAllLessons"),
    weights: { exam: num(form.get("wExam")), assignment: num(form.get("wAssignment")), usual: num(form.get("wUsual")) },
    usualSource: form.get("usualSource"),
    passLine: num(form.get("passLine")),
    bands: { excellent: num(form.get("bandExcellent")), good: num(form.get("bandGood")), pass: num(form.get("bandPass")) },
    gates: { examPassed: on(form, "gateExam"), assignmentsPassed: on(form, "gateAssignments"), noCheating: on(form, "gateCheating") },
  });
}

const Member = z.object({ userId: idParam });
const Note = Member.extend({ note: z.string().max(400).optional() });
const Template = z.object({ layout: z.enum(["narrative", "labels"], { errorMap: () => ({ message: "请选择证书版式" }) }), showUsername: z.literal("on").optional(), showScore: z.literal("on").optional() });
const Usual = Member.extend({ score: z.string().trim().max(10).optional() });
const Cheating = Member.extend({ cheating: z.enum(["on", "off"]), note: z.string().trim().max(200).optional() });
const Revoke = z.object({ certificateId: idParam, reason: text("撤销理由", 200), reissuable: z.literal("on").optional() });
const Confirm = z.object({ usernames: z.array(z.string().trim().min(1).max(40)).max(5000).or(z.string().trim().min(1).max(40).transform((v) => [v])) });

async function readForm(request: Request) {
  if (!(request.headers.get("Content-Type") ?? "").startsWith("multipart/form-data")) return request.formData();
  return parseMultipartForm(request, unstable_createMemoryUploadHandler({ maxPartSize: MAX_LIST_BYTES }));
}

export async function action(args: ActionFunctionArgs) {
  const { me, cls, scope } = await load(args);
  const { db, clientIp } = args.context;
  const actor = { actorId: me.id, ip: clientIp };
  let form: FormData;
  try {
    form = await readForm(args.request);
  } catch (e) {
    if (e instanceof MaxPartSizeExceededError) return fail("文件超过大小限制（最大 2 MB）", 413);
    throw e;
  }
  const intent = String(form.get("intent") ?? "");
  const adminOnly = !["usual", "cheating"].includes(intent);
  if (adminOnly ? !scope.canEdit : !scope.canGrade) return fail("您没有权限进行此操作", 403);
  try {
    return await runIntent(intent, form, { me, cls, db, actor });
  } catch (e) {
    if (e instanceof ClassError) return fail(e.message, e.status);
    throw e;
  }
}

async function runIntent(
  intent: string,
  form: FormData,
  { me, cls, db, actor }: { me: CurrentUser; cls: NonNullable<Awaited<ReturnType<typeof getClassRow>>>; db: ActionFunctionArgs["context"]["db"]; actor: { actorId: number; ip: string } },
): Promise<ActionData | ReturnType<typeof fail>> {
  switch (intent) {
    case "settings": {
      const fields = parseForm(form, ClassFieldsSchema);
      if (!fields.ok) return fail(fields.message);
      const rules = rulesFromForm(form);
      if (!rules.success) return fail(rules.error.issues[0]?.message ?? "结业条件有误");
      const finalExam = String(form.get("finalExamId") ?? "");
      await updateClassSettings(
        db,
        cls.id,
        { ...fields.data, rules: rules.data, numberFormat: String(form.get("numberFormat") ?? "").trim(), finalExamId: finalExam ? Number(finalExam) : null },
        actor,
      );
      return { ok: "设置已保存" };
    }
    case "courses": {
      const all = await listCoursesForStaff(db, me);
      const chosen = all.flatMap((c) => {
        const v = form.get(`course-${c.id}`);
        return v === "required" || v === "elective" ? [{ courseId: c.id, required: v === "required" }] : [];
      });
      await setClassCourses(db, cls.id, chosen, actor);
      return { ok: `已保存课程（${chosen.length} 门）` };
    }
    case "enroll-pick":
    case "enroll-confirm": {
      const parsed = parseForm(form, Confirm);
      if (!parsed.ok) return fail("请至少选择一名学员");
      const r = await enrollUsernames(
        db,
        { classId: cls.id, entries: parsed.data.usernames.map((username) => ({ username })), source: intent === "enroll-pick" ? "pick" : "upload", skipProblems: true },
        actor,
      );
      return { ok: `已加入 ${r.added} 人${r.plan.problems.length ? `，跳过 ${r.plan.problems.length} 人` : ""}` };
    }
    case "enroll-upload":
    case "enroll-paste": {
      // A file, or 学号 pasted from a spreadsheet column (one a line, or separated by spaces or commas).
      const file = form.get("file");
      const pasted = String(form.get("usernames") ?? "");
      if (intent === "enroll-paste" && pasted.length > MAX_LIST_BYTES) return fail("名单太长，请改用上传文件");
      const list =
        intent === "enroll-paste"
          ? await readUsernameList(new TextEncoder().encode(pasted.replace(/[\s,，;；、]+/g, "\n")), "名单.txt")
          : file instanceof File && file.size > 0
            ? await readUsernameList(new Uint8Array(await file.arrayBuffer()), file.name)
            : { ok: false as const, message: "请选择学号名单文件" };
      if (!list.ok) return fail(intent === "enroll-paste" ? "没有粘贴学号" : list.message);
      const r = await enrollUsernames(db, { classId: cls.id, entries: list.entries, source: "upload", skipProblems: false }, actor);
      if (!r.applied) return { plan: r.plan };
      return { ok: `已加入 ${r.added} 人${r.plan.already.length ? `（${r.plan.already.length} 人已在班中）` : ""}` };
    }
    case "enroll-unit": {
      const unitId = idParam.safeParse(form.get("unitId"));
      if (!unitId.success) return fail("请选择组织");
      const r = await enrollByUnit(db, { classId: cls.id, unitId: unitId.data }, actor);
      return { ok: `该组织下符合条件的学员 ${r.matched} 人，新加入 ${r.added} 人` };
    }
    case "carryover": {
      const r = await carryOver(db, cls.id, actor);
      return { ok: `已转入上一期未结业学员 ${r.added} 人${r.skipped ? `；${r.skipped} 人发展阶段已不符或账号停用，未转入` : ""}` };
    }
    case "note": {
      const p = parseForm(form, Note);
      if (!p.ok) return fail(p.message);
      await setMemberNote(db, { classId: cls.id, userId: p.data.userId, note: p.data.note ?? "" }, actor);
      return { ok: "备注已保存" };
    }
    case "template": {
      const p = parseForm(form, Template);
      if (!p.ok) return fail(p.message);
      await saveCertificateTemplate(db, cls.kind, { layout: p.data.layout, showUsername: !!p.data.showUsername, showScore: !!p.data.showScore }, actor);
      return { ok: `已保存${STAGE_LABEL[cls.kind]}培训班的证书版式（此后颁发的证书适用）` };
    }
    case "remove": {
      const p = parseForm(form, Member);
      if (!p.ok) return fail(p.message);
      await removeMember(db, { classId: cls.id, userId: p.data.userId }, actor);
      return { ok: "已移出" };
    }
    case "usual": {
      const p = parseForm(form, Usual);
      if (!p.ok) return fail(p.message);
      const score = p.data.score ? Number(p.data.score) : null;
      if (score !== null && Number.isNaN(score)) return fail("平时成绩必须是数字");
      await setUsualScore(db, { classId: cls.id, userId: p.data.userId, score }, actor);
      return { ok: "平时成绩已保存" };
    }
    case "cheating": {
      const p = parseForm(form, Cheating);
      if (!p.ok) return fail(p.message);
      await setCheating(db, { classId: cls.id, userId: p.data.userId, cheating: p.data.cheating === "on", note: p.data.note || null }, actor);
      return { ok: p.data.cheating === "on" ? "已记录违纪" : "已清除违纪记录" };
    }
    case "revoke": {
      const p = parseForm(form, Revoke);
      if (!p.ok) return fail(p.message);
      await revokeCertificate(db, { classId: cls.id, certificateId: p.data.certificateId, reason: p.data.reason, reissuable: !!p.data.reissuable }, actor);
      return { ok: "证书已撤销" };
    }
    default:
      return fail("未知操作");
  }
}

// ------------------------------------------------------------------------------------------ page

export default function ClassPage() {
  const { cls, scope, courses, members, table, completed, hoursWarning, admin, q } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionData | undefined;
  const busy = useNavigation().state === "submitting";
  return (
    <div className="stack classes">
      <div className="page-head">
        <div>
          <p className="muted crumbs">
            <Link to="/admin/classes">培训班</Link> / 第 {cls.term} 期
          </p>
          <h1>{cls.name}</h1>
          <p className="muted sub">
            {STAGE_LABEL[cls.kind]} · {cls.hostUnit} · {cls.startDate} 至 {cls.endDate} <span className={`tag ${cls.completedAt ? "ok" : ""}`}>{cls.status}</span>
          </p>
        </div>
        {scope.canEdit ? (
          <div className="row-actions">
            <Link to={`/admin/classes/${cls.id}/completion`} className="btn primary">
              结业审核
            </Link>
          </div>
        ) : null}
      </div>
      {result?.error ? <p className="alert error">{result.error}</p> : null}
      {result?.ok ? <p className="alert ok">{result.ok}</p> : null}
      {result?.plan ? <UploadPreview plan={result.plan} busy={busy} /> : null}
      <GlyphWarnings title="以下文字含有证书字体缺少的字符：" warnings={admin?.warnings ?? []} />
      {hoursWarning ? <p className="alert warn">{hoursWarning}</p> : null}

      <section className="card">
        <StatGrid
          items={[
            [table.total, scope.kind === "subtree" ? "本组织学员" : "学员"],
            [completed, "符合结业条件"],
            [cls.rules.requiredHours, "应修学时"],
            [cls.rules.passLine, "及格线"],
          ]}
        />
        <p className="muted rules-line">
          综合成绩 = 考试 {cls.rules.weights.exam}% + 作业 {cls.rules.weights.assignment}% + 平时 {cls.rules.weights.usual}%（平时
          {cls.rules.usualSource === "progress" ? "按必修课完成率" : "由教师录入"}）；优秀 ≥ {cls.rules.bands.excellent}，良好 ≥ {cls.rules.bands.good}，合格 ≥{" "}
          {cls.rules.bands.pass}。课程：{courses.length ? courses.map((c) => `《${c.title}》${c.required ? "" : "（选修）"}`).join("、") : "尚未设置"}
        </p>
      </section>

      <section className="card stack">
        <h2>学员学习情况</h2>
        <MemberFilters t={table} path={`/admin/classes/${cls.id}`} />
        <div className="table-wrap">
          <MemberTable members={members} manualUsual={cls.rules.usualSource === "manual"} canGrade={scope.canGrade} canRemove={scope.canEdit} />
        </div>
        <MemberPager page={table.page} pages={table.pages} />
      </section>

      {admin ? (
        <>
          <AdminCertificates certificates={admin.certificates} classId={cls.id} />
          <details className="card" open={!table.total}>
            <summary>报名学员</summary>
            <div className="stack enroll">
              <Form method="get" className="filters" preventScrollReset>
                <input name="q" defaultValue={q} placeholder="按学号或姓名查找学员" aria-label="查找学员" />
                <button type="submit" className="btn">
                  查找
                </button>
              </Form>
              {q ? (
                admin.found.length ? (
                  <Form method="post" className="stack">
                    <input type="hidden" name="intent" value="enroll-pick" />
                    <ul className="pick-list">
                      {admin.found.map((u) => (
                        <li key={u.id}>
                          <label className="check">
                            <input type="checkbox" name="usernames" value={u.username} defaultChecked={admin.found.length === 1} /> {u.username} {u.name}{" "}
                            <span className="muted">{u.unit_name}</span>
                          </label>
                        </li>
                      ))}
                    </ul>
                    <button type="submit" className="btn primary" disabled={busy}>
                      加入所选学员
                    </button>
                  </Form>
                ) : (
                  <p className="muted">没有找到可以报名的{STAGE_LABEL[cls.kind]}（已在本班的不再列出）。</p>
                )
              ) : null}
              <Form method="post" className="filters">
                <input type="hidden" name="intent" value="enroll-unit" />
                <OrgUnitSelect units={admin.units} name="unitId" required />
                <button type="submit" className="btn" disabled={busy}>
                  按组织加入（该组织及下级的全部{STAGE_LABEL[cls.kind]}）
                </button>
              </Form>
              <Form method="post" encType="multipart/form-data" className="filters">
                <input type="hidden" name="intent" value="enroll-upload" />
                <input type="file" name="file" accept=".xlsx,.csv,.txt" required aria-label="学号名单" />
                <button type="submit" className="btn" disabled={busy}>
                  上传学号名单
                </button>
              </Form>
              <Form method="post" className="filters">
                <input type="hidden" name="intent" value="enroll-paste" />
                <textarea name="usernames" rows={3} required placeholder="粘贴学号（每行一个，或用空格、逗号分隔）" aria-label="粘贴学号" />
                <button type="submit" className="btn" disabled={busy}>
                  按学号批量加入
                </button>
              </Form>
              <p className="muted small-print">名单为 Excel（.xlsx）或 CSV（UTF-8 / GBK），一列学号，表头可写“学号”；也可以从表格中复制一列学号粘贴。有问题的行会逐行列出，确认后才跳过。</p>
              {admin.carry.previous ? (
                <div className="carry">
                  <p>
                    上一期：{admin.carry.previous.name}（第 {admin.carry.previous.term} 期），未结业且未在本班的学员 {admin.carry.trainees.length} 人
                    {admin.carry.trainees.length ? `：${admin.carry.trainees.map((t) => `${t.name}${t.fits ? "" : "（阶段不符）"}`).join("、")}` : ""}
                  </p>
                  {admin.carry.trainees.some((t) => t.fits) ? (
                    <Form method="post">
                      <input type="hidden" name="intent" value="carryover" />
                      <button type="submit" className="btn" disabled={busy}>
                        转入上一期未结业学员
                      </button>
                    </Form>
                  ) : null}
                </div>
              ) : null}
            </div>
          </details>
          <CourseSettings classId={cls.id} allCourses={admin.allCourses} courses={courses} busy={busy} />
          <ClassSettings cls={cls} units={admin.units} courses={courses} busy={busy} />
          <TemplateSettings kind={cls.kind} template={admin.template} busy={busy} />
        </>
      ) : null}
    </div>
  );
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;

function UploadPreview({ plan, busy }: { plan: EnrollPlan; busy: boolean }) {
  return (
    <div className="alert warn upload-preview">
      <p>
        名单中有 {plan.problems.length} 行有问题，尚未加入任何人。可加入 {plan.ok.length} 人{plan.already.length ? `，另有 ${plan.already.length} 人已在班中` : ""}。
      </p>
      <ul className="issues">
        {plan.problems.map((p, i) => (
          <li key={i}>
            {p.line ? `第 ${p.line} 行` : ""}（{p.username}）：{p.message}
          </li>
        ))}
      </ul>
      {plan.ok.length ? (
        <Form method="post">
          <input type="hidden" name="intent" value="enroll-confirm" />
          {plan.ok.map((c) => (
            <input key={c.userId} type="hidden" name="usernames" value={c.username} />
          ))}
          <button type="submit" className="btn primary" disabled={busy}>
            跳过有问题的行，加入其余 {plan.ok.length} 人
          </button>
        </Form>
      ) : null}
    </div>
  );
}

function AdminCertificates({ certificates, classId }: { certificates: NonNullable<LoaderData["admin"]>["certificates"]; classId: number }) {
  if (!certificates.length) return null;
  const valid = certificates.filter((c) => !c.revokedAt).length;
  return (
    <details className="card" open>
      <summary>
        结业证书（有效 {valid} 份{certificates.length > valid ? `，已撤销 ${certificates.length - valid} 份` : ""}）
      </summary>
      <p>
        <a className="btn small" href={`/admin/classes/${classId}/certificates.zip`} download>
          下载全部证书（zip）
        </a>{" "}
        <a className="btn small" href={`/admin/classes/${classId}/results.xlsx`} download>
          导出成绩表（Excel）
        </a>
      </p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>证书编号</th>
              <th>学号</th>
              <th>姓名</th>
              <th>颁发时间</th>
              <th>状态</th>
              <th>操作</th>
            </tr>
          </thead>
          <tbody>
            {certificates.map((c) => (
              <tr key={c.id} className={c.revokedAt ? "dim" : ""}>
                <td className="nowrap">{c.number}</td>
                <td>{c.username}</td>
                <td>{c.name}</td>
                <td className="nowrap">{formatDateTime(c.issuedAt)}</td>
                <td>{c.revokedAt ? <span className="tag">已撤销 {formatDateTime(c.revokedAt)}：{c.revokeReason}</span> : <span className="tag ok">有效</span>}</td>
                <td>
                  <a href={`/certificates/${c.id}.pdf`} download>
                    下载
                  </a>
                  {c.revokedAt ? null : (
                    <details className="revoke">
                      <summary>撤销</summary>
                      <Form method="post" className="form">
                        <input type="hidden" name="intent" value="revoke" />
                        <input type="hidden" name="certificateId" value={c.id} />
                        <label>
                          撤销理由
                          <input name="reason" required maxLength={200} />
                        </label>
                        <label className="check">
                          <input type="checkbox" name="reissuable" /> 信息有误，更正后可重新颁发（不标记为不予结业）
                        </label>
                        <button type="submit" className="btn danger small">
                          确认撤销
                        </button>
                      </Form>
                    </details>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

function CourseSettings({ classId, allCourses, courses, busy }: { classId: number; allCourses: NonNullable<LoaderData["admin"]>["allCourses"]; courses: LoaderData["courses"]; busy: boolean }) {
  const chosen = new Map(courses.map((c) => [c.id, c.required ? "required" : "elective"]));
  return (
    <details className="card" open={!courses.length}>
      <summary>课程</summary>
      <Form method="post" className="form" key={`courses-${classId}-${courses.length}`}>
        <input type="hidden" name="intent" value="courses" />
        <ul className="course-picks">
          {allCourses.map((c) => (
            <li key={c.id}>
              <label>
                <span>
                  {c.title} {c.published ? null : <span className="tag">未发布</span>}
                </span>
                <select name={`course-${c.id}`} defaultValue={chosen.get(c.id) ?? ""} aria-label={`${c.title} 在本班`}>
                  <option value="">不在本班</option>
                  <option value="required">必修</option>
                  <option value="elective">选修</option>
                </select>
              </label>
            </li>
          ))}
        </ul>
        <button type="submit" className="btn primary" disabled={busy}>
          保存课程
        </button>
      </Form>
    </details>
  );
}

function ClassSettings({ cls, units, courses, busy }: { cls: LoaderData["cls"]; units: NonNullable<LoaderData["admin"]>["units"]; courses: LoaderData["courses"]; busy: boolean }) {
  const r = cls.rules;
  const exams = courses.flatMap((c) => c.exams.map((e) => ({ ...e, course: c.title })));
  return (
    <details className="card">
      <summary>设置与结业条件</summary>
      <Form method="post" className="form class-form" key={`settings-${cls.id}-${JSON.stringify(cls)}`}>
        <input type="hidden" name="intent" value="settings" />
        <label>
          培训班名称
          <input name="name" required maxLength={80} defaultValue={cls.name} />
        </label>
        <div className="grid-3">
          <label>
            类别
            <ClassKindSelect value={cls.kind} />
          </label>
          <label>
            期次
            <input name="term" type="number" min={1} max={9999} required defaultValue={cls.term} />
          </label>
          <label>
            主办单位
            <OrgUnitSelect units={units.filter((u) => u.kind !== "branch")} name="hostUnitId" value={cls.hostUnitId} required />
          </label>
        </div>
        <div className="grid-2">
          <label>
            开始日期
            <input name="startDate" type="date" required defaultValue={cls.startDate} />
          </label>
          <label>
            结束日期
            <input name="endDate" type="date" required defaultValue={cls.endDate} />
          </label>
        </div>
        <fieldset>
          <legend>学时</legend>
          <div className="grid-2">
            <label>
              应修总学时
              <input name="requiredHours" type="number" step="0.5" min={0} max={1000} required defaultValue={r.requiredHours} />
            </label>
            <label className="check">
              <input type="checkbox" name="requireAllLessons" defaultChecked={r.requireAllLessons} /> 必修课的必修课时须全部学完
            </label>
          </div>
          <small>学时 = 已完成课时的学时 + 记入本班课程的线下学时 + 合格作业的学时。</small>
        </fieldset>
        <fieldset>
          <legend>综合成绩（权重合计 100%）</legend>
          <div className="grid-3">
            <label>
              考试 %
              <input name="wExam" type="number" min={0} max={100} step="any" required defaultValue={r.weights.exam} />
            </label>
            <label>
              作业 %
              <input name="wAssignment" type="number" min={0} max={100} step="any" required defaultValue={r.weights.assignment} />
            </label>
            <label>
              平时 %
              <input name="wUsual" type="number" min={0} max={100} step="any" required defaultValue={r.weights.usual} />
            </label>
          </div>
          <label>
            平时成绩来源
            <select name="usualSource" defaultValue={r.usualSource}>
              <option value="progress">学习进度（必修课完成率 × 100）</option>
              <option value="manual">教师逐人录入</option>
            </select>
          </label>
          <label>
            结业考试
            <select name="finalExamId" defaultValue={cls.finalExamId ?? ""}>
              <option value="">必修课程中的全部考试</option>
              {exams.map((e) => (
                <option key={e.id} value={e.id}>
                  《{e.course}》{e.title}
                </option>
              ))}
            </select>
          </label>
        </fieldset>
        <fieldset>
          <legend>及格线与等级</legend>
          <div className="grid-4">
            <label>
              及格线
              <input name="passLine" type="number" min={0} max={100} step="any" required defaultValue={r.passLine} />
            </label>
            <label>
              优秀 ≥
              <input name="bandExcellent" type="number" min={0} max={100} step="any" required defaultValue={r.bands.excellent} />
            </label>
            <label>
              良好 ≥
              <input name="bandGood" type="number" min={0} max={100} step="any" required defaultValue={r.bands.good} />
            </label>
            <label>
              合格 ≥
              <input name="bandPass" type="number" min={0} max={100} step="any" required defaultValue={r.bands.pass} />
            </label>
          </div>
        </fieldset>
        <fieldset className="inline">
          <legend>结业门槛</legend>
          <label className="check">
            <input type="checkbox" name="gateExam" defaultChecked={r.gates.examPassed} /> 结业考试通过
          </label>
          <label className="check">
            <input type="checkbox" name="gateAssignments" defaultChecked={r.gates.assignmentsPassed} /> 必修作业提交并合格
          </label>
          <label className="check">
            <input type="checkbox" name="gateCheating" defaultChecked={r.gates.noCheating} /> 无违纪（作弊）记录
          </label>
        </fieldset>
        <label>
          证书编号格式
          <input name="numberFormat" required maxLength={60} defaultValue={cls.numberFormat} />
          <small>可用 {"{school}"}（学校代码）、{"{year}"}（开班年份）、{"{term}"}（期次）、{"{seq}"}（序号，4 位）。</small>
        </label>
        <button type="submit" className="btn primary" disabled={busy}>
          保存设置
        </button>
      </Form>
    </details>
  );
}

function TemplateSettings({ kind, template, busy }: { kind: LoaderData["cls"]["kind"]; template: NonNullable<LoaderData["admin"]>["template"]; busy: boolean }) {
  return (
    <details className="card">
      <summary>证书版式（{STAGE_LABEL[kind]}培训班）</summary>
      <Form method="post" className="form" key={JSON.stringify(template)}>
        <input type="hidden" name="intent" value="template" />
        {Object.entries(CERTIFICATE_LAYOUTS).map(([k, label]) => (
          <label key={k} className="check">
            <input type="radio" name="layout" value={k} defaultChecked={template.layout === k} /> {label}
          </label>
        ))}
        <label className="check">
          <input type="checkbox" name="showUsername" defaultChecked={template.showUsername} /> 证书上印学号/工号
        </label>
        <label className="check">
          <input type="checkbox" name="showScore" defaultChecked={template.showScore} /> 证书上印综合成绩和等级
        </label>
        <small>适用于所有{STAGE_LABEL[kind]}培训班此后颁发的证书；已颁发的证书保持原样。经认定准予结业的证书写“经党校认定，准予结业”，不印成绩。</small>
        <button type="submit" className="btn primary" disabled={busy}>
          保存证书版式
        </button>
      </Form>
    </details>
  );
}
