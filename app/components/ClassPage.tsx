// The page of one training class (see routes/admin.classes.$id.tsx for what it shows to whom). Its
// data comes from the layout route's loader; every form posts to the child route of its concern, which
// renders this page again with its answer.
import { Form, Link, useActionData, useNavigation, useRouteLoaderData } from "@remix-run/react";
import { ClassKindSelect, GlyphWarnings, MemberFilters, MemberPager, MemberTable, StatGrid } from "~/components/ClassMembers.tsx";
import { FieldError, fieldProps, FormAlert } from "~/components/FormErrors.tsx";
import { OrgUnitSelect } from "~/components/UserFields.tsx";
import type { EnrollPlan } from "~/models/classes.server.ts";
import type { loader } from "~/routes/admin.classes.$id.tsx";
import { CERTIFICATE_LAYOUTS } from "~/utils/completion.ts";
import { formatDateTime } from "~/utils/cst.ts";
import { isFailure, type FormFailure } from "~/utils/form-result.ts";
import { STAGE_LABEL } from "~/utils/labels.ts";

/** What a class action answers: a refusal, a done message, or an enrollment list to confirm. */
type ClassActionResult = FormFailure | { ok: true; message: string } | { ok: true; plan: EnrollPlan };

type LoaderData = ReturnType<typeof useClassData>;

function useClassData() {
  const data = useRouteLoaderData<typeof loader>("routes/admin.classes.$id");
  if (!data) throw new Error("the class page renders below its layout route");
  return data;
}

/**
 * The default export of the index route and of every action route: the page with the answer of the
 * route that took the form. One component for all of them, so that moving from one to another after a
 * post updates the page instead of building it anew (a class of 1,000 trainees takes seconds to mount).
 */
export function ClassRouteView() {
  return <ClassPage result={useActionData() as ClassActionResult | undefined} />;
}

/** Where the forms of one concern post: /admin/classes/:id/<concern>. */
const classAction = (classId: number, concern: "settings" | "courses" | "enroll" | "members" | "grades" | "certificates") =>
  `/admin/classes/${classId}/${concern}`;

function ClassPage({ result }: { result?: ClassActionResult }) {
  const { cls, scope, courses, members, table, completed, hoursWarning, admin, q } = useClassData();
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
            {STAGE_LABEL[cls.kind]} · {cls.hostUnit} · {cls.startDate} 至 {cls.endDate}{" "}
            <span className={`tag ${cls.completedAt ? "ok" : ""}`}>{cls.status}</span>
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
      <FormAlert result={result} />
      {result?.ok && "message" in result ? (
        <p className="alert ok" role="status">
          {result.message}
        </p>
      ) : null}
      {result?.ok && "plan" in result ? <UploadPreview classId={cls.id} plan={result.plan} busy={busy} /> : null}
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
        <div className="table-wrap" tabIndex={0}>
          <MemberTable
            members={members}
            manualUsual={cls.rules.usualSource === "manual"}
            canGrade={scope.canGrade}
            canRemove={scope.canEdit}
            actionBase={`/admin/classes/${cls.id}`}
          />
        </div>
        <MemberPager page={table.page} pages={table.pages} />
      </section>

      {admin ? (
        <>
          <AdminCertificates certificates={admin.certificates} classId={cls.id} />
          <details className="card" open={!table.total}>
            <summary>报名学员</summary>
            <div className="stack enroll">
              <Form method="get" action={`/admin/classes/${cls.id}`} className="filters" preventScrollReset>
                <input name="q" defaultValue={q} placeholder="按学号或姓名查找学员" aria-label="查找学员" />
                <button type="submit" className="btn">
                  查找
                </button>
              </Form>
              {q ? (
                admin.found.length ? (
                  <Form method="post" action={classAction(cls.id, "enroll")} className="stack">
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
              <Form method="post" action={classAction(cls.id, "enroll")} className="filters">
                <input type="hidden" name="intent" value="enroll-unit" />
                <OrgUnitSelect units={admin.units} name="unitId" required />
                <button type="submit" className="btn" disabled={busy}>
                  按组织加入（该组织及下级的全部{STAGE_LABEL[cls.kind]}）
                </button>
              </Form>
              <Form method="post" action={classAction(cls.id, "enroll")} encType="multipart/form-data" className="filters">
                <input type="hidden" name="intent" value="enroll-upload" />
                <input type="file" name="file" accept=".xlsx,.csv,.txt" required aria-label="学号名单" />
                <button type="submit" className="btn" disabled={busy}>
                  上传学号名单
                </button>
              </Form>
              <Form method="post" action={classAction(cls.id, "enroll")} className="filters">
                <input type="hidden" name="intent" value="enroll-paste" />
                <textarea name="usernames" rows={3} required placeholder="粘贴学号（每行一个，或用空格、逗号分隔）" aria-label="粘贴学号" />
                <button type="submit" className="btn" disabled={busy}>
                  按学号批量加入
                </button>
              </Form>
              <p className="muted small-print">
                名单为 Excel（.xlsx）或 CSV（UTF-8 / GBK），一列学号，表头可写“学号”；也可以从表格中复制一列学号粘贴。有问题的行会逐行列出，确认后才跳过。
              </p>
              {admin.carry.previous ? (
                <div className="carry">
                  <p>
                    上一期：{admin.carry.previous.name}（第 {admin.carry.previous.term} 期），未结业且未在本班的学员 {admin.carry.trainees.length} 人
                    {admin.carry.trainees.length ? `：${admin.carry.trainees.map((t) => `${t.name}${t.fits ? "" : "（阶段不符）"}`).join("、")}` : ""}
                  </p>
                  {admin.carry.trainees.some((t) => t.fits) ? (
                    <Form method="post" action={classAction(cls.id, "enroll")}>
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
          <ClassSettings cls={cls} units={admin.units} courses={courses} busy={busy} result={result} />
          <TemplateSettings classId={cls.id} kind={cls.kind} template={admin.template} busy={busy} />
        </>
      ) : null}
    </div>
  );
}

function UploadPreview({ classId, plan, busy }: { classId: number; plan: EnrollPlan; busy: boolean }) {
  return (
    <div className="alert warn upload-preview">
      <p>
        名单中有 {plan.problems.length} 行有问题，尚未加入任何人。可加入 {plan.ok.length} 人
        {plan.already.length ? `，另有 ${plan.already.length} 人已在班中` : ""}。
      </p>
      <ul className="issues">
        {plan.problems.map((p, i) => (
          <li key={i}>
            {p.line ? `第 ${p.line} 行` : ""}（{p.username}）：{p.message}
          </li>
        ))}
      </ul>
      {plan.ok.length ? (
        <Form method="post" action={classAction(classId, "enroll")}>
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
      <div className="table-wrap" tabIndex={0}>
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
                <td>
                  {c.revokedAt ? (
                    <span className="tag">
                      已撤销 {formatDateTime(c.revokedAt)}：{c.revokeReason}
                    </span>
                  ) : (
                    <span className="tag ok">有效</span>
                  )}
                </td>
                <td>
                  <a href={`/certificates/${c.id}.pdf`} download>
                    下载
                  </a>
                  {c.revokedAt ? null : (
                    <details className="revoke">
                      <summary>撤销</summary>
                      <Form method="post" action={classAction(classId, "certificates")} className="form">
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

function CourseSettings({
  classId,
  allCourses,
  courses,
  busy,
}: {
  classId: number;
  allCourses: NonNullable<LoaderData["admin"]>["allCourses"];
  courses: LoaderData["courses"];
  busy: boolean;
}) {
  const chosen = new Map(courses.map((c) => [c.id, c.required ? "required" : "elective"]));
  return (
    <details className="card" open={!courses.length}>
      <summary>课程</summary>
      <Form method="post" action={classAction(classId, "courses")} className="form" key={`courses-${classId}-${courses.length}`}>
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

function ClassSettings({
  cls,
  units,
  courses,
  busy,
  result,
}: {
  cls: LoaderData["cls"];
  units: NonNullable<LoaderData["admin"]>["units"];
  courses: LoaderData["courses"];
  busy: boolean;
  result?: ClassActionResult;
}) {
  const f = (name: string) => fieldProps(result, "settings", name);
  const err = (name: string) => <FieldError result={result} form="settings" name={name} />;
  const r = cls.rules;
  const exams = courses.flatMap((c) => c.exams.map((e) => ({ ...e, course: c.title })));
  return (
    <details className="card" open={isFailure(result) && Object.keys(result.errors).length > 0}>
      <summary>设置与结业条件</summary>
      <Form method="post" action={classAction(cls.id, "settings")} className="form class-form" key={`settings-${cls.id}-${JSON.stringify(cls)}`}>
        <label>
          培训班名称
          <input {...f("name")} required maxLength={80} defaultValue={cls.name} />
          {err("name")}
        </label>
        <div className="grid-3">
          <label>
            类别
            <ClassKindSelect value={cls.kind} {...f("kind")} />
            {err("kind")}
          </label>
          <label>
            期次
            <input {...f("term")} type="number" min={1} max={9999} required defaultValue={cls.term} />
            {err("term")}
          </label>
          <label>
            主办单位
            <OrgUnitSelect units={units.filter((u) => u.kind !== "branch")} {...f("hostUnitId")} value={cls.hostUnitId} required />
            {err("hostUnitId")}
          </label>
        </div>
        <div className="grid-2">
          <label>
            开始日期
            <input {...f("startDate")} type="date" required defaultValue={cls.startDate} />
            {err("startDate")}
          </label>
          <label>
            结束日期
            <input {...f("endDate")} type="date" required defaultValue={cls.endDate} />
            {err("endDate")}
          </label>
        </div>
        <fieldset>
          <legend>学时</legend>
          <div className="grid-2">
            <label>
              应修总学时
              <input {...f("requiredHours")} type="number" step="0.5" min={0} max={1000} required defaultValue={r.requiredHours} />
              {err("requiredHours")}
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
              <input {...f("wExam")} type="number" min={0} max={100} step="any" required defaultValue={r.weights.exam} />
              {err("wExam")}
            </label>
            <label>
              作业 %
              <input {...f("wAssignment")} type="number" min={0} max={100} step="any" required defaultValue={r.weights.assignment} />
              {err("wAssignment")}
            </label>
            <label>
              平时 %
              <input {...f("wUsual")} type="number" min={0} max={100} step="any" required defaultValue={r.weights.usual} />
              {err("wUsual")}
            </label>
          </div>
          <label>
            平时成绩来源
            <select {...f("usualSource")} defaultValue={r.usualSource}>
              <option value="progress">学习进度（必修课完成率 × 100）</option>
              <option value="manual">教师逐人录入</option>
            </select>
            {err("usualSource")}
          </label>
          <label>
            结业考试
            <select {...f("finalExamId")} defaultValue={cls.finalExamId ?? ""}>
              <option value="">必修课程中的全部考试</option>
              {exams.map((e) => (
                <option key={e.id} value={e.id}>
                  《{e.course}》{e.title}
                </option>
              ))}
            </select>
            {err("finalExamId")}
          </label>
        </fieldset>
        <fieldset>
          <legend>及格线与等级</legend>
          <div className="grid-4">
            <label>
              及格线
              <input {...f("passLine")} type="number" min={0} max={100} step="any" required defaultValue={r.passLine} />
              {err("passLine")}
            </label>
            <label>
              优秀 ≥
              <input {...f("bandExcellent")} type="number" min={0} max={100} step="any" required defaultValue={r.bands.excellent} />
              {err("bandExcellent")}
            </label>
            <label>
              良好 ≥
              <input {...f("bandGood")} type="number" min={0} max={100} step="any" required defaultValue={r.bands.good} />
              {err("bandGood")}
            </label>
            <label>
              合格 ≥
              <input {...f("bandPass")} type="number" min={0} max={100} step="any" required defaultValue={r.bands.pass} />
              {err("bandPass")}
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
          <input {...f("numberFormat")} required maxLength={60} defaultValue={cls.numberFormat} />
          {err("numberFormat")}
          <small>
            可用 {"{school}"}（学校代码）、{"{year}"}（开班年份）、{"{term}"}（期次）、{"{seq}"}（序号，4 位）。
          </small>
        </label>
        <button type="submit" className="btn primary" disabled={busy}>
          保存设置
        </button>
      </Form>
    </details>
  );
}

function TemplateSettings({
  classId,
  kind,
  template,
  busy,
}: {
  classId: number;
  kind: LoaderData["cls"]["kind"];
  template: NonNullable<LoaderData["admin"]>["template"];
  busy: boolean;
}) {
  return (
    <details className="card">
      <summary>证书版式（{STAGE_LABEL[kind]}培训班）</summary>
      <Form method="post" action={classAction(classId, "certificates")} className="form" key={JSON.stringify(template)}>
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
