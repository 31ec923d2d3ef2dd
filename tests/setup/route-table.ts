// The expectations for every route of the app: which URL (with ids that belong to someone else) to
// request, who may see it, who may post to it, and which role's session the bad-input sweep uses.
// tests/integration/authz-matrix.test.ts fails for a route of the build that has no row here, so a new
// route cannot be missed: add its row when you add the route.
import { DEMO, DEMO_ASSIGNMENT, DEMO_BANK, DEMO_EXAM, OTHER_COURSE, type Actor, type Scenario, type SecretKind, type SignedIn } from "./scenario.ts";

/** Who: listed actors, every signed-in actor, everyone including anonymous, or nobody. */
export type Who = readonly SignedIn[] | "signed-in" | "public" | "nobody";

export type Body = { body: string | URLSearchParams | FormData; type?: string };

export type Case = {
  url: string;
  /** Who gets the page: 2xx (or `status`). Everyone else is refused: 403/404/405, or anonymous sent to /login. */
  view: Who;
  /** Status the viewers get when it is not 200 (e.g. a redirect that is the right answer). */
  status?: number | ((a: Actor) => number);
  /** Who may post; default: the viewers. Everyone else's POST (with a same-origin `postBody`) is refused. */
  post?: Who;
  /** A body that would be valid for an allowed actor, so a refusal is the guard's doing, not validation's. */
  postBody?: () => Body;
  /** Kinds of B's data this URL rightly shows to each of its viewers (e.g. the public verification page). */
  reveals?: SecretKind[];
};

type Sweep = {
  /** Whose session the bad-input sweep uses (the input must reach validation); "anon" for none. */
  as: Actor;
  /** A session other than the actor's own (e.g. of an account no other test uses). */
  cookie?: string;
  /** A new session of `as` for every request (the route ends sessions). */
  fresh?: boolean;
  /** Where to post (default: the first case's URL); a page's forms are discovered from its HTML. */
  url?: string;
  /** For resource routes: a valid JSON body whose fields get the hostile values. */
  json?: Record<string, unknown>;
  /** For resource routes: valid form fields that get the hostile values. */
  form?: Record<string, string>;
};

type Row = { cases: (s: Scenario) => Case[]; sweep?: (s: Scenario) => Sweep; note?: string };

const INSTRUCTORS: Who = ["instructor", "instructorOther", "admin"];
const DEMO_EDITORS: Who = ["instructor", "admin"];
const DRAFT_EDITORS: Who = ["instructorOther", "admin"];
const form =
  (fields: Record<string, string>): (() => Body) =>
  () => ({ body: new URLSearchParams(fields) });
const json =
  (value: unknown): (() => Body) =>
  () => ({ body: JSON.stringify(value), type: "application/json" });
const unknownIntent = form({ intent: "authz-probe" });

/**
 * A row for the action route /admin/classes/:id/<concern>: the class page (with the answer) for its
 * viewers; posting for `post` only (with a body that is valid for them); the sweep reads the page's
 * forms that post there, as an admin.
 */
function classAction(concern: string, post: SignedIn[], body: (s: Scenario) => Record<string, string>): Record<string, Row> {
  return {
    [`routes/admin.classes.$id.${concern}`]: {
      cases: (s) => [
        {
          url: `/admin/classes/${s.ids.classId}/${concern}`,
          view: ["admin", "instructor", "secretaryA", "secretaryB"],
          post,
          postBody: () => ({ body: new URLSearchParams(body(s)) }),
        },
      ],
      sweep: (s) => ({ as: "admin", url: `/admin/classes/${s.ids.classId}/${concern}` }),
    },
  };
}

export const ROUTES: Record<string, Row> = {
  root: { cases: () => [], note: "the layout: its loader runs with every page below" },
  "routes/$": {
    cases: () => [{ url: "/admin/no-such-page", view: "nobody", post: "nobody", postBody: form({ intent: "x" }) }],
    sweep: () => ({ as: "anon", form: { intent: "x" } }),
    note: "every address no other route claims: a Chinese 404 for everyone, for GET and POST alike",
  },
  "routes/_index": {
    // Its one action clears the signed-in user's own account lock.
    cases: () => [{ url: "/?index", view: "signed-in", postBody: form({ intent: "unlock" }) }],
    sweep: () => ({ as: "traineeA", form: { intent: "unlock" } }),
  },
  "routes/login": {
    cases: () => [{ url: "/login", view: "public", status: (a) => (a === "anon" ? 200 : 302), post: "public" }],
    sweep: () => ({ as: "anon" }),
  },
  "routes/logout": {
    cases: () => [{ url: "/logout", view: "public", status: 302, post: "public" }],
    sweep: () => ({ as: "traineeA", form: {}, fresh: true }),
  },
  "routes/account.password": {
    cases: () => [{ url: "/account/password", view: "signed-in", postBody: form({ current: "x", next: "y", confirm: "y" }) }],
    sweep: () => ({ as: "traineeA" }),
  },

  // ---------------------------------------------------------------- 组织部 (admin)
  "routes/admin.users._index": { cases: () => [{ url: "/admin/users", view: ["admin"] }] },
  "routes/admin.users.new": { cases: () => [{ url: "/admin/users/new", view: ["admin"], postBody: unknownIntent }], sweep: () => ({ as: "admin" }) },
  "routes/admin.users.$userId": {
    cases: (s) => [{ url: `/admin/users/${s.users.traineeB.id}`, view: ["admin"], postBody: form({ intent: "disable" }) }],
    sweep: (s) => ({ as: "admin", url: `/admin/users/${s.extra.spare.id}` }),
  },
  "routes/admin.users.import": {
    cases: () => [{ url: "/admin/users/import", view: ["admin"], postBody: form({ intent: "cancel", sha256: "0".repeat(64) }) }],
    sweep: () => ({ as: "admin" }),
  },
  "routes/admin.users.import.passwords": {
    cases: () => [
      {
        url: "/admin/users/import/passwords",
        view: "nobody",
        post: ["admin"],
        postBody: form({ rows: JSON.stringify([{ 学号: "x1", 姓名: "某", 一次性密码: "abcdef12" }]) }),
      },
    ],
    sweep: () => ({ as: "admin", form: { rows: JSON.stringify([{ 学号: "x1", 姓名: "某", 一次性密码: "abcdef12" }]) } }),
    note: "action only: a GET is a 400 for everyone",
  },
  "routes/admin.users.import.template[.]xlsx": { cases: () => [{ url: "/admin/users/import/template.xlsx", view: ["admin"] }] },
  "routes/admin.org": {
    cases: () => [{ url: "/admin/org", view: ["admin"], postBody: form({ intent: "deactivate", id: "2" }) }],
    sweep: () => ({ as: "admin" }),
  },
  "routes/admin.audit": { cases: () => [{ url: "/admin/audit", view: ["admin"] }] },
  "routes/admin.audit.export[.]csv": { cases: () => [{ url: "/admin/audit/export.csv", view: ["admin"] }] },
  "routes/admin.audit.export[.]xlsx": { cases: () => [{ url: "/admin/audit/export.xlsx", view: ["admin"] }] },

  // ---------------------------------------------------------------- training classes and certificates
  "routes/admin.classes._index": {
    cases: () => [
      { url: "/admin/classes", view: ["admin", "instructor", "instructorOther", "secretaryA", "secretaryB"], post: ["admin"], postBody: form({ name: "x" }) },
    ],
    sweep: () => ({ as: "admin" }),
  },
  "routes/admin.classes.$id": {
    cases: (s) => [{ url: `/admin/classes/${s.ids.classId}`, view: ["admin", "instructor", "secretaryA", "secretaryB"] }],
    note: "the class page's layout: it loads the page for the index and for each action route below",
  },
  "routes/admin.classes.$id._index": { cases: (s) => [{ url: `/admin/classes/${s.ids.classId}`, view: ["admin", "instructor", "secretaryA", "secretaryB"] }] },
  // The class page's actions, one route per concern; each renders the page again with its answer.
  ...classAction("settings", ["admin"], (s) => ({ name: "x", term: "1", hostUnitId: String(s.ids.classId) })),
  ...classAction("courses", ["admin"], () => ({})),
  ...classAction("enroll", ["admin"], () => ({ intent: "carryover" })),
  ...classAction("members", ["admin"], (s) => ({ intent: "note", userId: String(s.users.traineeB.id), note: "x" })),
  ...classAction("grades", ["admin", "instructor"], (s) => ({ intent: "usual", userId: String(s.users.traineeB.id), score: "80" })),
  ...classAction("certificates", ["admin"], () => ({ intent: "template", layout: "narrative" })),
  "routes/admin.classes.$id_.completion": {
    cases: (s) => [{ url: `/admin/classes/${s.ids.classId}/completion`, view: ["admin"], postBody: form({ intent: "confirm" }) }],
    sweep: (s) => ({ as: "admin", url: `/admin/classes/${s.ids.classId}/completion` }),
  },
  "routes/admin.classes.$id.certificates[.]zip": { cases: (s) => [{ url: `/admin/classes/${s.ids.classId}/certificates.zip`, view: ["admin"] }] },
  "routes/certificates.$id[.]pdf": { cases: (s) => [{ url: `/certificates/${s.ids.certificate}.pdf`, view: ["traineeB", "secretaryB", "admin"] }] },
  "routes/my.certificates": { cases: () => [{ url: "/my/certificates", view: "signed-in" }] },
  "routes/my.classes": { cases: () => [{ url: "/my/classes", view: "signed-in" }] },
  "routes/verify.$code": {
    cases: (s) => [
      { url: `/verify/${s.ids.certificateCode}`, view: "public", reveals: ["certificateB"] },
      { url: `/verify/${s.ids.certificateCode.replace(/.$/, (c) => (c === "0" ? "1" : "0"))}`, view: "nobody" },
    ],
    note: "public by design: the code is 128 random bits and the page shows a masked name",
  },
  "routes/verify._index": {
    cases: () => [{ url: "/verify", view: "public", post: "public", postBody: form({ number: "NONE-0000", name: "某某" }) }],
    sweep: () => ({ as: "anon" }),
    note: "public by design: a lookup needs the certificate number and the holder's full name; misses are throttled per address",
  },

  // ---------------------------------------------------------------- secretaries
  "routes/branch._index": { cases: () => [{ url: "/branch", view: ["secretaryA", "secretaryB"] }] },

  // ---------------------------------------------------------------- ledger, training records, xAPI, dashboards
  "routes/admin.ledger": { cases: () => [{ url: "/admin/ledger", view: ["admin"] }] },
  "routes/admin.ledger.export[.]xlsx": { cases: () => [{ url: "/admin/ledger/export.xlsx", view: ["admin"] }] },
  "routes/admin.ledger.export[.]csv": { cases: () => [{ url: "/admin/ledger/export.csv", view: ["admin"] }] },
  "routes/branch.ledger": {
    cases: () => [{ url: "/branch/ledger", view: ["secretaryA", "secretaryB"] }],
    note: "secretary A's page lists their subtree only: B is not in it",
  },
  "routes/branch.ledger.export[.]xlsx": { cases: () => [{ url: "/branch/ledger/export.xlsx", view: ["secretaryA", "secretaryB"] }] },
  "routes/branch.ledger.export[.]csv": { cases: () => [{ url: "/branch/ledger/export.csv", view: ["secretaryA", "secretaryB"] }] },
  "routes/admin.classes.$id.results[.]xlsx": {
    cases: (s) => [{ url: `/admin/classes/${s.ids.classId}/results.xlsx`, view: ["admin", "instructor", "secretaryA", "secretaryB"] }],
    note: "as the class page: secretary A gets the sheet of their subtree, which holds no row of B",
  },
  "routes/admin.users.$userId_.record": { cases: (s) => [{ url: `/admin/users/${s.users.traineeB.id}/record`, view: ["admin", "secretaryB"] }] },
  "routes/admin.users.$userId_.record[.]pdf": { cases: (s) => [{ url: `/admin/users/${s.users.traineeB.id}/record.pdf`, view: ["admin", "secretaryB"] }] },
  "routes/admin.users.$userId_.record[.]xlsx": { cases: (s) => [{ url: `/admin/users/${s.users.traineeB.id}/record.xlsx`, view: ["admin", "secretaryB"] }] },
  "routes/admin.users.$userId_.record[.]csv": { cases: (s) => [{ url: `/admin/users/${s.users.traineeB.id}/record.csv`, view: ["admin", "secretaryB"] }] },
  "routes/my.record[.]pdf": { cases: () => [{ url: "/my/record.pdf", view: "signed-in" }] },
  "routes/admin.xapi": { cases: () => [{ url: "/admin/xapi", view: ["admin"] }] },
  "routes/admin.dashboard": { cases: () => [{ url: "/admin/dashboard", view: ["admin"] }] },
  "routes/branch.people.$userId": {
    cases: (s) => [
      { url: `/branch/people/${s.users.traineeB.id}`, view: ["secretaryB", "admin"], postBody: unknownIntent },
      // Secretary A is trainee A's 培养联系人 as well as their secretary.
      { url: `/branch/people/${s.users.traineeA.id}`, view: ["secretaryA", "admin"], post: ["secretaryA", "admin"], postBody: unknownIntent },
    ],
    sweep: (s) => ({ as: "secretaryB", url: `/branch/people/${s.users.traineeB.id}` }),
  },
  "routes/branch.reports": {
    cases: () => [
      {
        url: "/branch/reports",
        view: ["secretaryA", "secretaryB", "admin"],
        postBody: form({ unitId: "1", stage: "activist", periodMonths: "3", minCount: "1" }),
      },
    ],
    sweep: () => ({ as: "secretaryB" }),
  },
  "routes/reports.$id": {
    cases: (s) => [
      {
        url: `/reports/${s.ids.thoughtReport}`,
        view: ["secretaryB", "admin"],
        postBody: form({ intent: "opinion", body: "x", reviewedOn: "2026-01-01" }),
        reveals: ["reportB"],
      },
    ],
    sweep: (s) => ({ as: "secretaryB", url: `/reports/${s.ids.thoughtReport}` }),
  },
  "routes/report-files.$id": {
    cases: (s) => [
      { url: `/report-files/${s.ids.thoughtReportFile}`, view: ["traineeB", "secretaryB", "admin"], reveals: ["reportB"] },
      // A 考察意见's attachment: the report's author and readers, no one else.
      { url: `/report-files/${s.ids.thoughtReviewFile}`, view: ["traineeB", "secretaryB", "admin"] },
    ],
  },
  "routes/liaison._index": { cases: () => [{ url: "/liaison", view: ["secretaryA"] }] },
  "routes/my.reports._index": {
    cases: () => [{ url: "/my/reports", view: ["traineeA", "traineeB"], postBody: form({ intent: "new" }) }],
    sweep: () => ({ as: "traineeA" }),
  },
  "routes/my.reports.$id": {
    cases: (s) => [
      { url: `/my/reports/${s.ids.thoughtReport}`, view: ["traineeB"], postBody: form({ intent: "save", title: "x", text: "x" }), reveals: ["reportB"] },
      { url: `/my/reports/${s.ids.thoughtReportA}`, view: ["traineeA"], postBody: form({ intent: "save", title: "x", text: "x" }) },
    ],
    sweep: (s) => ({ as: "traineeA", url: `/my/reports/${s.ids.thoughtReportA}` }),
  },
  "routes/my.reports.$id.draft": {
    cases: (s) => [
      // B's report is submitted: B's autosave is refused (409) like anyone else's; A's own draft takes it.
      { url: `/my/reports/${s.ids.thoughtReport}/draft`, view: "nobody", post: ["traineeB"], postBody: json({ title: "x", text: "x", seq: 5 }) },
      { url: `/my/reports/${s.ids.thoughtReportA}/draft`, view: "nobody", post: ["traineeA"], postBody: json({ title: "x", text: "x", seq: 5 }) },
    ],
    sweep: (s) => ({ as: "traineeA", url: `/my/reports/${s.ids.thoughtReportA}/draft`, json: { title: "标题", text: "正文", seq: 7 } }),
  },
  "routes/branch.pack": { cases: () => [{ url: "/branch/pack", view: ["secretaryA", "secretaryB", "admin"] }] },
  "routes/branch.classes.$id.pack[.]xlsx": {
    cases: (s) => [{ url: `/branch/classes/${s.ids.classId}/pack.xlsx`, view: ["secretaryB", "admin"] }],
    note: "only B is in the class: secretary A's subtree has no member there, so the class is not found for them",
  },
  "routes/branch.classes.$id.certificates[.]zip": {
    cases: (s) => [{ url: `/branch/classes/${s.ids.classId}/certificates.zip`, view: ["secretaryB", "admin"] }],
  },
  "routes/branch.dashboard": { cases: () => [{ url: "/branch/dashboard", view: ["secretaryA", "secretaryB"] }] },

  // ---------------------------------------------------------------- learning (trainees)
  "routes/courses._index": { cases: () => [{ url: "/courses", view: "signed-in" }] },
  "routes/courses.$slug._index": {
    cases: (s) => [
      { url: `/courses/${OTHER_COURSE}`, view: DEMO_EDITORS },
      { url: `/courses/${s.ids.draftSlug}`, view: DRAFT_EDITORS, reveals: ["draftOther"] },
    ],
  },
  "routes/courses.$slug.lessons.$key": { cases: () => [{ url: `/courses/${OTHER_COURSE}/lessons/01-dangzhang-zonggang`, view: DEMO_EDITORS }] },
  "routes/media.courses.$slug.$": { cases: () => [{ url: `/media/courses/${OTHER_COURSE}/cover.png`, view: DEMO_EDITORS }] },
  "routes/api.lessons.$lessonId.beat": {
    cases: (s) => [
      {
        url: `/api/lessons/${s.ids.lessonOther}/beat`,
        view: "nobody",
        post: "nobody",
        postBody: json({ tabId: "authz-matrix-tab", segments: [[0, 5]], position: 5, visible: true }),
      },
    ],
    sweep: (s) => ({
      as: "traineeA",
      url: `/api/lessons/${s.ids.lessonDemo}/beat`,
      json: { tabId: "bad-input-tab-1", segments: [[0, 5]], position: 5, visible: true, duration: 60, takeover: true },
    }),
    note: "the lesson is of a course for 发展对象: none of the actors is one",
  },
  "routes/api.lessons.$lessonId.presence": {
    cases: (s) => [{ url: `/api/lessons/${s.ids.lessonOther}/presence`, view: "nobody", post: "signed-in", postBody: json({}) }],
    note: "answers { ok: true } for any lesson id, visible or not: it only clears the caller's own pending check, so nothing of anyone else is reached",
    sweep: (s) => ({ as: "traineeA", url: `/api/lessons/${s.ids.lessonDemo}/presence`, json: {} }),
  },
  "routes/progress._index": { cases: () => [{ url: "/progress", view: "signed-in" }] },
  "routes/progress.$slug": {
    cases: (s) => {
      const credit = form({ intent: "credit", userIds: String(s.users.traineeB.id), kind: "分组研讨", hours: "1", activityDate: "2026-05-01", reason: "测试" });
      return [
        // secretaryA may open the roster (their subtree) but not credit B, who is outside it.
        { url: `/progress/${DEMO}`, view: ["instructor", "secretaryA", "secretaryB", "admin"], post: ["instructor", "secretaryB", "admin"], postBody: credit },
        { url: `/progress/${s.ids.draftSlug}`, view: DRAFT_EDITORS, postBody: credit, reveals: ["draftOther"] },
      ];
    },
    sweep: () => ({ as: "instructor", url: `/progress/${DEMO}` }),
  },

  // ---------------------------------------------------------------- 答疑, 通知公告, notifications
  "routes/courses.$slug.questions": {
    cases: (s) => [
      { url: `/courses/${OTHER_COURSE}/questions`, view: DEMO_EDITORS, postBody: form({ body: "权限探测" }) },
      { url: `/courses/${s.ids.draftSlug}/questions`, view: DRAFT_EDITORS, postBody: form({ body: "权限探测" }), reveals: ["draftOther"] },
      { url: `/courses/${DEMO}/questions`, view: ["traineeA", "traineeB", "instructor", "admin"] },
    ],
    sweep: () => ({ as: "traineeA", url: `/courses/${DEMO}/questions` }),
  },
  "routes/questions.$id.image": { cases: (s) => [{ url: `/questions/${s.ids.questionB}/image`, view: ["traineeB", "instructor", "admin"] }] },
  "routes/teach.questions": {
    cases: () => [{ url: "/teach/questions", view: INSTRUCTORS, postBody: unknownIntent }],
    sweep: () => ({ as: "instructor" }),
    note: "each instructor sees the questions of their own courses; B's question is in the demo course (instructor), which the matrix's leak check holds instructorOther to",
  },
  "routes/admin.interaction": {
    cases: () => [{ url: "/admin/interaction", view: ["admin"], postBody: form({ limitHours: "48" }) }],
    sweep: () => ({ as: "admin" }),
  },
  "routes/inbox": { cases: () => [{ url: "/inbox", view: "signed-in", postBody: form({ intent: "read-all" }) }], sweep: () => ({ as: "traineeA" }) },
  "routes/unsubscribe": {
    cases: (s) => [
      { url: `/unsubscribe?t=${s.ids.unsubscribe}`, view: "public", post: "nobody", postBody: form({ t: "1.notice_published.forged" }) },
      { url: "/unsubscribe?t=1.notice_published.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", view: "nobody", post: "nobody" },
    ],
    sweep: (s) => ({ as: "anon", url: `/unsubscribe?t=${s.ids.unsubscribe}` }),
    note: "no session: the signed token names the person and kind; a forged or altered token is 404",
  },
  "routes/notices._index": { cases: () => [{ url: "/notices", view: "signed-in" }] },
  "routes/notices.new": {
    cases: () => [{ url: "/notices/new", view: ["secretaryA", "secretaryB", "admin"], postBody: unknownIntent }],
    sweep: () => ({ as: "secretaryA" }),
  },
  "routes/notices.webhooks": {
    cases: () => [{ url: "/notices/webhooks", view: ["secretaryA", "secretaryB", "admin"], postBody: unknownIntent }],
    sweep: () => ({ as: "secretaryA" }),
    note: "each secretary lists and sets the robots of their own subtree; a unit outside it is 404 (tests/unit/webhooks.test.ts)",
  },
  "routes/notices.$id._index": {
    cases: (s) => [{ url: `/notices/${s.ids.notice}`, view: ["traineeB", "secretaryB", "admin"], post: ["traineeB"], postBody: form({ intent: "ack" }) }],
    sweep: (s) => ({ as: "traineeB", url: `/notices/${s.ids.notice}`, form: { intent: "ack" } }),
  },
  "routes/notices.$id.edit": {
    cases: (s) => [{ url: `/notices/${s.ids.notice}/edit`, view: ["secretaryB", "admin"], postBody: form({ title: "探测", body: "探测" }) }],
    sweep: (s) => ({ as: "secretaryB", url: `/notices/${s.ids.notice}/edit` }),
  },
  "routes/notices.$id.reads": { cases: (s) => [{ url: `/notices/${s.ids.notice}/reads?show=all`, view: ["secretaryB", "admin"] }] },
  "routes/notices.$id.reads[.]xlsx": { cases: (s) => [{ url: `/notices/${s.ids.notice}/reads.xlsx`, view: ["secretaryB", "admin"] }] },
  "routes/notices.$id.files.$fileId": {
    cases: (s) => [{ url: `/notices/${s.ids.notice}/files/${s.ids.noticeFile}`, view: ["traineeB", "secretaryB", "admin"] }],
  },

  // ---------------------------------------------------------------- exams and assignments (trainees)
  "routes/courses.$slug.exams.$key": {
    cases: () => [{ url: `/courses/${OTHER_COURSE}/exams/${DEMO_EXAM}`, view: DEMO_EDITORS, postBody: form({}) }],
    sweep: () => ({ as: "traineeA", url: `/courses/${DEMO}/exams/${DEMO_EXAM}` }),
  },
  "routes/exam-attempts.$id._index": {
    cases: (s) => [
      { url: `/exam-attempts/${s.ids.attemptOpen}`, view: ["traineeB"], reveals: ["attemptB"], postBody: form({ intent: "save", qid: "1" }) },
      { url: `/exam-attempts/${s.ids.attemptDone}`, view: ["traineeB"], status: 302, postBody: form({ intent: "submit" }) },
    ],
    sweep: (s) => ({ as: "traineeA", url: `/exam-attempts/${s.ids.attemptA}` }),
  },
  "routes/exam-attempts.$id.answers": {
    cases: (s) => [
      {
        url: `/exam-attempts/${s.ids.attemptOpen}/answers`,
        view: "nobody",
        post: ["traineeB"],
        postBody: json({ questionId: 1, seq: 999, answer: { text: "x" } }),
      },
    ],
    sweep: (s) => ({
      as: "traineeA",
      cookie: s.extra.saver.cookie,
      url: `/exam-attempts/${s.extra.saver.attempt}/answers`,
      json: { questionId: s.extra.saver.essay, seq: 1, answer: { text: "答案" } },
    }),
  },
  "routes/exam-attempts.$id.result": { cases: (s) => [{ url: `/exam-attempts/${s.ids.attemptDone}/result`, view: ["traineeB"], reveals: ["attemptB"] }] },
  "routes/courses.$slug.assignments.$key": {
    cases: () => [{ url: `/courses/${OTHER_COURSE}/assignments/01-xuexi-xinde`, view: DEMO_EDITORS, postBody: form({ intent: "save", text: "x" }) }],
    sweep: () => ({ as: "traineeA", url: `/courses/${DEMO}/assignments/${DEMO_ASSIGNMENT}` }),
  },
  "routes/submission-files.$id": {
    cases: (s) => [
      { url: `/submission-files/${s.ids.file}`, view: ["traineeB", "instructor", "admin"] },
      { url: `/submission-files/${s.ids.file}?inline=1`, view: ["traineeB", "instructor", "admin"] },
    ],
  },

  // ---------------------------------------------------------------- instructors
  "routes/grading._index": { cases: () => [{ url: "/grading", view: INSTRUCTORS }] },
  "routes/teach._index": { cases: () => [{ url: "/teach", view: INSTRUCTORS }] },
  "routes/teach.new": { cases: () => [{ url: "/teach/new", view: INSTRUCTORS, postBody: form({ slug: "x" }) }], sweep: () => ({ as: "instructorOther" }) },
  "routes/teach.import": { cases: () => [{ url: "/teach/import", view: INSTRUCTORS, postBody: form({}) }], sweep: () => ({ as: "instructorOther" }) },
  "routes/teach.$slug._index": {
    cases: (s) => [
      { url: `/teach/${s.ids.draftSlug}`, view: DRAFT_EDITORS, postBody: unknownIntent, reveals: ["draftOther"] },
      { url: `/teach/${DEMO}`, view: DEMO_EDITORS, postBody: unknownIntent },
    ],
    sweep: (s) => ({ as: "instructorOther", url: `/teach/${s.ids.draftSlug}` }),
  },
  "routes/teach.$slug.edit.$": {
    cases: (s) => [
      { url: `/teach/${s.ids.draftSlug}/edit/course.md`, view: DRAFT_EDITORS, postBody: form({ intent: "preview", text: "x" }), reveals: ["draftOther"] },
    ],
    sweep: (s) => ({ as: "instructorOther", url: `/teach/${s.ids.draftSlug}/edit/course.md` }),
  },
  "routes/teach.$slug.export": { cases: (s) => [{ url: `/teach/${s.ids.draftSlug}/export`, view: DRAFT_EDITORS }] },
  "routes/teach.$slug.media": {
    cases: (s) => [{ url: `/teach/${s.ids.draftSlug}/media`, view: DRAFT_EDITORS, postBody: form({ file: "none.png" }) }],
    sweep: (s) => ({ as: "instructorOther", url: `/teach/${s.ids.draftSlug}/media` }),
  },
  "routes/teach.$slug.preview": {
    cases: (s) => [
      { url: `/teach/${s.ids.draftSlug}/preview?file=/${s.ids.draftMedia.replace(/^media\//, "")}`, view: DRAFT_EDITORS, postBody: form({ text: "# x" }) },
    ],
    sweep: (s) => ({ as: "instructorOther", url: `/teach/${s.ids.draftSlug}/preview`, form: { text: "# 标题" } }),
  },
  // The whole-course preview of the draft: its editors only; everyone else gets 404 (the draft is not said to exist).
  "routes/teach.$slug.trainee-preview._index": {
    cases: (s) => [
      { url: `/teach/${s.ids.draftSlug}/trainee-preview`, view: DRAFT_EDITORS, reveals: ["draftOther"] },
      { url: `/teach/${DEMO}/trainee-preview`, view: DEMO_EDITORS },
    ],
  },
  "routes/teach.$slug.trainee-preview.lessons.$key": {
    cases: () => [{ url: `/teach/${DEMO}/trainee-preview/lessons/01-dang-de-xingzhi-zongzhi`, view: DEMO_EDITORS }],
  },
  "routes/teach.$slug.trainee-preview.assignments.$key": {
    cases: () => [{ url: `/teach/${DEMO}/trainee-preview/assignments/${DEMO_ASSIGNMENT}`, view: DEMO_EDITORS }],
  },
  "routes/teach.$slug.trainee-preview.exams.$key": { cases: () => [{ url: `/teach/${DEMO}/trainee-preview/exams/${DEMO_EXAM}`, view: DEMO_EDITORS }] },
  "routes/teach.$slug.bank._index": {
    cases: () => [{ url: `/teach/${DEMO}/bank`, view: DEMO_EDITORS, postBody: form({ intent: "cancel", sha256: "0".repeat(64) }) }],
    sweep: (s) => ({ as: "instructorOther", url: `/teach/${s.ids.draftSlug}/bank` }),
  },
  "routes/teach.$slug.bank.template[.]xlsx": { cases: () => [{ url: `/teach/${DEMO}/bank/template.xlsx`, view: DEMO_EDITORS }] },
  "routes/teach.$slug.bank.$bankKey.export[.]xlsx": { cases: () => [{ url: `/teach/${DEMO}/bank/${DEMO_BANK}/export.xlsx`, view: DEMO_EDITORS }] },
  "routes/teach.$slug.bank.import.$sha.download": {
    cases: (s) => [{ url: `/teach/${DEMO}/bank/import/${s.ids.pendingImport}/download`, view: ["instructor"] }],
    note: "only the uploader's own pending import: even an admin gets 404",
  },
  "routes/teach.$slug.assignments.$key._index": {
    cases: () => [{ url: `/teach/${DEMO}/assignments/${DEMO_ASSIGNMENT}`, view: DEMO_EDITORS, postBody: form({ intent: "recompute" }) }],
    sweep: () => ({ as: "instructor", url: `/teach/${DEMO}/assignments/${DEMO_ASSIGNMENT}` }),
  },
  "routes/teach.$slug.assignments.$key.$submissionId": {
    cases: (s) => [
      { url: `/teach/${DEMO}/assignments/${DEMO_ASSIGNMENT}/${s.ids.submission}`, view: DEMO_EDITORS, postBody: form({ intent: "grade", score: "1" }) },
    ],
    sweep: (s) => ({ as: "instructor", url: `/teach/${DEMO}/assignments/${DEMO_ASSIGNMENT}/${s.ids.submission}` }),
  },
  "routes/teach.$slug.assignments.$key.download[.]zip": {
    cases: () => [{ url: `/teach/${DEMO}/assignments/${DEMO_ASSIGNMENT}/download.zip`, view: DEMO_EDITORS }],
  },
  "routes/teach.$slug.exams.$key._index": {
    cases: () => [
      {
        url: `/teach/${DEMO}/exams/${DEMO_EXAM}`,
        view: DEMO_EDITORS,
        postBody: form({ intent: "override", username: "x", extra_minutes: "1", extra_attempts: "0", reason: "x" }),
      },
    ],
    sweep: () => ({ as: "instructor", url: `/teach/${DEMO}/exams/${DEMO_EXAM}` }),
  },
  "routes/teach.$slug.exams.$key.grading": {
    cases: () => [{ url: `/teach/${DEMO}/exams/${DEMO_EXAM}/grading`, view: DEMO_EDITORS, postBody: form({ questionId: "1" }) }],
    sweep: () => ({ as: "instructor", url: `/teach/${DEMO}/exams/${DEMO_EXAM}/grading` }),
  },
};

export function allows(who: Who, actor: Actor): boolean {
  if (who === "public") return true;
  if (who === "nobody") return false;
  if (actor === "anon") return false;
  return who === "signed-in" || who.includes(actor);
}
