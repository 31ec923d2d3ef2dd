// Every form answers a refusal in the one shape ({ ok: false, message, errors }) and its page marks the
// field at fault: the real action refuses a bad post, then the real page renders that answer (with its
// real loader's data), and the field carries aria-invalid and aria-describedby pointing at its message.
import { createRemixStub } from "@remix-run/testing";
import { renderToString } from "react-dom/server";
import type { ComponentType } from "react";
import { beforeAll, describe, expect, it } from "vitest";
import * as home from "../../app/routes/_index.tsx";
import * as classes from "../../app/routes/admin.classes._index.tsx";
import * as completion from "../../app/routes/admin.classes.$id_.completion.tsx";
import * as interaction from "../../app/routes/admin.interaction.tsx";
import * as org from "../../app/routes/admin.org.tsx";
import * as person from "../../app/routes/branch.people.$userId.tsx";
import * as ask from "../../app/routes/courses.$slug.questions.tsx";
import * as inbox from "../../app/routes/inbox.tsx";
import * as noticeEdit from "../../app/routes/notices.$id.edit.tsx";
import * as notice from "../../app/routes/notices.$id._index.tsx";
import * as noticeNew from "../../app/routes/notices.new.tsx";
import * as progress from "../../app/routes/progress.$slug.tsx";
import * as teachImport from "../../app/routes/teach.import.tsx";
import * as teachNew from "../../app/routes/teach.new.tsx";
import * as answers from "../../app/routes/teach.questions.tsx";
import * as unsubscribe from "../../app/routes/unsubscribe.tsx";
import * as verify from "../../app/routes/verify._index.tsx";
import { publishNotice } from "../../app/models/notices.server.ts";
import { classWorld, SAMPLE_SLUG, type ClassWorld } from "../setup/classes.ts";
import { makeRequest, outcome } from "../setup/db.ts";
import { parseHtml } from "../setup/forms.ts";

let w: ClassWorld;
let noticeId: number;

beforeAll(async () => {
  // The stub router's useLayoutEffect warns once per server render; nothing here hydrates.
  const error = console.error;
  console.error = (...a: unknown[]) => (String(a[0]).includes("useLayoutEffect does nothing on the server") ? undefined : error(...a));
  w = await classWorld();
  const admin = { id: w.users.admin.id, org_unit_id: w.tree.root, roles: ["admin" as const] };
  noticeId = (await publishNotice(w.db, { title: "通知", bodyMd: "正文", audience: "org", orgUnitId: w.tree.root, requiresAck: false, files: [] }, admin)).id;
});

type Route = { loader?: (a: never) => unknown; action: (a: never) => unknown; default: ComponentType };
type Post = { route: Route; url: string; pattern?: string; params?: Record<string, string>; cookie?: string; form: Record<string, string | string[]> };

const call = (fn: (a: never) => unknown, url: string, p: Partial<Post>, form?: Post["form"]) =>
  outcome(fn({ request: makeRequest(url, { cookie: p.cookie ?? w.users.admin.cookie, form }), context: w.ctx, params: p.params ?? {} } as never));

/** Posts the form to the real action, then renders the real page with its loader's data and that answer. */
async function refuse(p: Post) {
  const answer = await call(p.route.action, p.url, p, p.form);
  const loaded = p.route.loader ? (await call(p.route.loader, p.url, p)).data : null;
  const Stub = createRemixStub([{ id: "page", path: p.pattern ?? p.url.split("?")[0], Component: p.route.default }]);
  const html = renderToString(
    <Stub initialEntries={[p.url]} hydrationData={{ loaderData: { page: JSON.parse(JSON.stringify(loaded)) }, actionData: { page: answer.data } }} />,
  );
  return { status: answer.status, data: answer.data, doc: parseHtml(html) };
}

/** The (first) field named `name` is marked invalid and described by an element that holds `message`. */
function expectMarked(doc: Document, name: string, message: string) {
  const field = doc.querySelector(`[name="${name}"]`);
  expect(field, `a field named ${name}`).not.toBeNull();
  expect(field!.getAttribute("aria-invalid"), name).toBe("true");
  const described = (field!.getAttribute("aria-describedby") ?? "").split(" ").map((id) => doc.getElementById(id)?.textContent ?? "");
  expect(described.join(" ")).toContain(message);
  expect(doc.querySelector('[role="alert"]')?.textContent).toBeTruthy();
}

describe("refusals in the one shape, marked on their field", () => {
  it("培养考察: an unknown 学号 as 培养联系人 is refused on that field", async () => {
    const id = String(w.users.traineeA.id);
    const r = await refuse({
      route: person,
      url: `/branch/people/${id}`,
      pattern: "/branch/people/:userId",
      params: { userId: id },
      form: { intent: "assign-liaison", liaison: "no-such-person", startOn: "2026-01-05" },
    });
    expect([r.status, r.data.ok, Object.keys(r.data.errors)]).toEqual([400, false, ["liaison"]]);
    expectMarked(r.doc, "liaison", "no-such-person");
  });

  it("组织架构: a unit under a 党支部 is refused for its 上级组织", async () => {
    const r = await refuse({ route: org, url: "/admin/org", form: { intent: "create", parentId: String(w.tree.branchA), name: "新支部" } });
    expect([r.status, r.data]).toEqual([400, { ok: false, message: "党支部下不能再建下级组织", errors: { parentId: "党支部下不能再建下级组织" } }]);
    expectMarked(r.doc, "parentId", "党支部下不能再建下级组织");
  });

  it("新建培训班: an end before the start is refused on 结束日期; a taken 期次 on 期次", async () => {
    const form = { name: "测试班", kind: "activist", term: "3", hostUnitId: String(w.tree.root), startDate: "2026-09-01", endDate: "2026-08-01" };
    const r = await refuse({ route: classes, url: "/admin/classes", form });
    expect([r.status, r.data.ok, r.data.errors]).toEqual([400, false, { endDate: "结束日期不能早于开始日期" }]);
    expectMarked(r.doc, "endDate", "结束日期不能早于开始日期");
    const taken = await refuse({ route: classes, url: "/admin/classes", form: { ...form, kind: w.cls.kind, term: String(w.cls.term), endDate: "2026-12-01" } });
    expect([taken.status, Object.keys(taken.data.errors)]).toEqual([409, ["term"]]);
    expectMarked(taken.doc, "term", "同期次");
  });

  it("结业审核: an exception without its reason is refused on 理由", async () => {
    const url = `/admin/classes/${w.cls.id}/completion`;
    const form = { intent: "exception", scope: "selected", userIds: String(w.users.traineeA.id), kind: "fail", reason: "" };
    const r = await refuse({ route: completion, url, pattern: "/admin/classes/:id/completion", params: { id: String(w.cls.id) }, form });
    expect([r.status, r.data]).toEqual([400, { ok: false, message: "请填写例外处理的理由", errors: { reason: "请填写例外处理的理由" } }]);
    expectMarked(r.doc, "reason", "请填写例外处理的理由");
  });

  it("线下学时: a count that is not a number is refused on 学时", async () => {
    const url = `/progress/${SAMPLE_SLUG}`;
    const form = { intent: "credit", userIds: String(w.users.traineeA.id), kind: "分组研讨", hours: "abc", activityDate: "2026-10-01", reason: "研讨" };
    const r = await refuse({ route: progress, url, pattern: "/progress/:slug", params: { slug: SAMPLE_SLUG }, form });
    expect([r.status, r.data.ok, Object.keys(r.data.errors)]).toEqual([400, false, ["hours"]]);
    expectMarked(r.doc, "hours", "学时必须是数字");
  });

  it("证书查验: an empty name is refused on 姓名, a miss on both fields alike", async () => {
    const r = await refuse({ route: verify, url: "/verify", form: { number: "DXU-2026-12-0001", name: " " } });
    expect([r.status, r.data]).toEqual([400, { ok: false, message: "请填写证书编号和持证人姓名", errors: { name: "请填写证书编号和持证人姓名" } }]);
    expectMarked(r.doc, "name", "请填写证书编号和持证人姓名");
    const miss = await refuse({ route: verify, url: "/verify", form: { number: "DXU-2026-12-0001", name: "某某" } });
    expect([miss.status, Object.keys(miss.data.errors)]).toEqual([404, ["number", "name"]]);
    expectMarked(miss.doc, "number", "请核对证书编号");
    expectMarked(miss.doc, "name", "请核对持证人姓名");
    expect(miss.doc.querySelector('[role="alert"]')?.textContent).toBe("没有找到编号与姓名相符的证书，请核对后再试");
  });

  it("课程答疑: an empty question is refused on 问题", async () => {
    const url = `/courses/${SAMPLE_SLUG}/questions`;
    const p = { route: ask, url, pattern: "/courses/:slug/questions", params: { slug: SAMPLE_SLUG }, cookie: w.users.traineeA.cookie };
    const r = await refuse({ ...p, form: { body: "   ", lesson: "" } });
    expect([r.status, r.data.ok, Object.keys(r.data.errors)]).toEqual([400, false, ["body"]]);
    expectMarked(r.doc, "body", "请填写问题");
  });

  it("答疑回复: an empty answer is refused on 回复 (the card's fetcher shows it)", async () => {
    const r = await call(answers.action, "/teach/questions", { cookie: w.users.instructor.cookie }, { intent: "answer", id: "1", answer: " " });
    expect([r.status, r.data]).toEqual([400, { ok: false, message: "请填写回复", errors: { answer: "请填写回复" } }]);
  });

  it("发布通知 and 修改通知: a missing title is refused on 标题", async () => {
    const form = { title: "", body: "正文", audience: "org", orgUnitId: String(w.tree.root) };
    const r = await refuse({ route: noticeNew, url: "/notices/new", form });
    expect([r.status, r.data.ok, Object.keys(r.data.errors)]).toEqual([400, false, ["title"]]);
    expectMarked(r.doc, "title", "请填写标题");
    const edit = await refuse({ route: noticeEdit, url: `/notices/${noticeId}/edit`, pattern: "/notices/:id/edit", params: { id: String(noticeId) }, form });
    expect([edit.status, Object.keys(edit.data.errors)]).toEqual([400, ["title"]]);
    expectMarked(edit.doc, "title", "请填写标题");
  });

  it("发布通知: a class audience without a class is refused on 培训班", async () => {
    const r = await refuse({ route: noticeNew, url: "/notices/new", form: { title: "题", body: "正文", audience: "class", classId: "" } });
    expect([r.status, r.data.errors]).toEqual([400, { classId: "请选择培训班" }]);
    expectMarked(r.doc, "classId", "请选择培训班");
  });

  it("新建课程: a bad 课程标识 is refused on its field", async () => {
    const form = { slug: "Bad Slug", title: "课程", audience: "发展对象", summary: "简介", hours: "2", instructors: "js001" };
    const r = await refuse({ route: teachNew, url: "/teach/new", form });
    expect([r.status, r.data.ok, Object.keys(r.data.errors)]).toEqual([400, false, ["slug"]]);
    expectMarked(r.doc, "slug", "课程标识只能用小写字母");
  });

  it("导入课程: a post without a zip is refused on the zip field, its problems listed", async () => {
    const r = await refuse({ route: teachImport, url: "/teach/import", form: { slug: "x" } });
    expect([r.status, r.data.ok, Object.keys(r.data.errors), r.data.details.length]).toEqual([400, false, ["zip"], 1]);
    expectMarked(r.doc, "zip", r.data.details[0]);
  });

  it("消息 and 答疑时限: a value outside the choices is refused on its field", async () => {
    const prefs = await refuse({ route: inbox, url: "/inbox", cookie: w.users.traineeA.cookie, form: { intent: "prefs", email: "nonsense" } });
    expect([prefs.status, prefs.data.ok, Object.keys(prefs.data.errors)]).toEqual([400, false, ["email"]]);
    expectMarked(prefs.doc, "email", "选项无效");
    const limit = await refuse({ route: interaction, url: "/admin/interaction", form: { limitHours: "0" } });
    expect([limit.status, limit.data]).toEqual([400, { ok: false, message: "至少 1 小时", errors: { limitHours: "至少 1 小时" } }]);
    expectMarked(limit.doc, "limitHours", "至少 1 小时");
  });

  it("forms without fields refuse in the same shape and show it as an alert", async () => {
    const unknown = await refuse({ route: home, url: "/", form: { intent: "explode" } });
    expect([unknown.status, unknown.data]).toEqual([400, { ok: false, message: "未知操作", errors: {} }]);
    expect(unknown.doc.querySelector('[role="alert"]')?.textContent).toBe("未知操作");
    const ack = await call(notice.action, `/notices/${noticeId}`, { params: { id: String(noticeId) } }, { intent: "x" });
    expect([ack.status, ack.data]).toEqual([400, { ok: false, message: "未知操作", errors: {} }]);
    const unsub = await call(unsubscribe.action, "/unsubscribe", {}, { t: "broken" });
    expect([unsub.status, unsub.data]).toEqual([404, { ok: false, message: "退订链接无效或已损坏", errors: {} }]);
  });
});
