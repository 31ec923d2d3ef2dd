// Generated data for the growth benchmark (scripts/bench/scenarios/growth.ts): a school after years of use at
// `scale` × the 1× cohort (2,000 trainees in 40 branches). Written straight into SQLite with prepared
// statements in one transaction, with the journal and fsync off for the load only; the database is put back
// into WAL mode afterwards, as the server expects it. Shapes per trainee (averages): 1–3 courses taken by
// stage, ~10 lesson_progress rows, ~1 exam attempt of 37 questions (paper + answers), 1–3 class memberships
// (earlier ones confirmed with a certificate), 1–3 submissions, 2 思想汇报 (half reviewed), 1–4 stage
// events, a 培养联系人, 3 notice recipients, 5 notifications, 3 audit rows.
import type Database from "better-sqlite3";
import { randomBytes } from "node:crypto";
import { DEFAULT_RULES } from "../../app/utils/class-rules.ts";
import { CLASS_KINDS, type Stage } from "../../db/types.ts";
import { chineseName, generatedResult, generatedSchool, sessionCookie } from "./fixtures.ts";

const TRAINEES_PER_SCALE = 2000;
const BRANCHES_PER_SCALE = 40;
const CLASS_SIZE = 200;
const PAPER = 37;
const YEAR = 365 * 86400;
/** Trainees (activists, no attempt yet) who start the activists' exam during the measurement. */
const STARTERS = 200;

const COURSE_SLUGS = ["jijifenzi-peixun", "fazhan-duixiang", "yubei-dangyuan"] as const;
const STAGE_OF: Stage[] = ["activist", "activist", "activist", "activist", "activist", "activist", "activist", "activist", "activist", "activist"]
  .concat(["candidate", "candidate", "candidate", "candidate", "candidate", "probationary", "probationary", "probationary", "probationary", "full"])
  .map((s) => s as Stage);
const COURSES_TAKEN: Record<string, number> = { activist: 1, candidate: 2, probationary: 3, full: 3 };
const ANSWER: Record<string, string> = {
  单选: '{"choices":[1]}',
  多选: '{"choices":[0,2]}',
  判断: '{"judge":true}',
  填空: '{"blanks":["为人民服务"]}',
  简答: '{"text":"党的性质决定了党必须始终坚持全心全意为人民服务的根本宗旨，这是我们党区别于其他政党的显著标志。"}',
};
const ESSAY =
  "通过本阶段的学习，我对党的性质和宗旨有了更深刻的认识。作为一名入党积极分子，我要在思想上、学习上、工作上严格要求自己，自觉学习党的理论，积极参加组织生活，主动向党组织汇报思想。";

export type GrowthData = {
  scale: number;
  trainees: number;
  rows: Record<string, number>;
  adminCookie: string;
  secretaryCookie: string;
  /** Activists with progress in the activists' course (for the trainee pages). */
  readerCookies: string[];
  starterCookies: string[];
  lessonPath: string;
  examPath: string;
};

export async function generateGrowth(dataDir: string, scale: number): Promise<GrowthData> {
  const { db } = await generatedSchool(dataDir);
  // For the load only: no journal, no fsync, a big page cache, no foreign-key checks (ids are ours).
  db.pragma("journal_mode = OFF");
  db.pragma("synchronous = OFF");
  db.pragma("locking_mode = EXCLUSIVE");
  db.pragma("cache_size = -400000");
  db.pragma("temp_store = MEMORY");
  db.pragma("foreign_keys = OFF");
  const data = db.transaction(() => fill(db, scale))();
  db.pragma("locking_mode = NORMAL");
  db.pragma("journal_mode = WAL");
  const rows: Record<string, number> = {};
  for (const t of ["users", "org_units", "lesson_progress", "exam_attempts", "attempt_questions", "attempt_answers", "class_members", "certificates"].concat([
    "submissions",
    "thought_reports",
    "notifications",
    "notice_recipients",
    "audit_log",
  ]))
    rows[t] = (db.prepare(`select count(*) as n from ${t}`).get() as { n: number }).n;
  db.close();
  return { ...data, rows };
}

function fill(db: Database.Database, scale: number) {
  const t = Math.floor(Date.now() / 1000);
  const t0 = t - 5 * YEAR;
  const n = TRAINEES_PER_SCALE * scale;
  const one = <T>(q: string, ...p: unknown[]) => db.prepare(q).get(...p) as T;
  const root = one<{ id: number; path: string }>("select id, path from org_units where parent_id is null");
  const admin = one<{ id: number }>("select id from users where username = 'zzb001'").id;
  const instructor = one<{ id: number }>("select id from users where username = 'js001'").id;
  const hash = one<{ password_hash: string }>("select password_hash from users where username = 'zzb001'").password_hash;
  const courses = COURSE_SLUGS.map((slug) => {
    const c = one<{ id: number }>("select id from courses where slug = ?", slug);
    const lessons = db.prepare("select id, key, hours, required, video from lessons where course_id = ? and archived = 0 order by position").all(c.id) as {
      id: number;
      key: string;
      hours: number;
      required: number;
      video: string | null;
    }[];
    const assignment = one<{ id: number; title: string; hours: number; max_score: number; pass_score: number }>(
      "select id, title, hours, max_score, pass_score from assignments where course_id = ? order by position limit 1",
      c.id,
    );
    const exam = one<{ id: number; key: string; title: string }>("select id, key, title from exams where course_id = ? order by position limit 1", c.id);
    const questions = db
      .prepare("select q.id, q.type, q.score from questions q join question_banks b on b.id = q.bank_id where b.course_id = ? and q.archived = 0 order by q.id")
      .all(c.id) as { id: number; type: string; score: number }[];
    // A confirmed member's standing: all lessons, the essay graded 85, the exam 88.
    const result = generatedResult({ lessons, assignment, exam }, { done: lessons.length, essay: 85, examScore: 88 }, { ...DEFAULT_RULES, requiredHours: 0 });
    return { slug, id: c.id, lessons, assignment, exam, questions, result: JSON.stringify(result), parsed: result };
  });

  const st = {
    unit: db.prepare("insert into org_units (name, kind, parent_id, path, active, created_at) values (?, ?, ?, '', 1, ?)"),
    unitPath: db.prepare("update org_units set path = ? where id = ?"),
    user: db.prepare(
      "insert into users (username, name, gender, org_unit_id, stage, password_hash, must_change_password, active, created_at, updated_at) values (?, ?, ?, ?, ?, ?, 0, 1, ?, ?)",
    ),
    role: db.prepare("insert into user_roles (user_id, role) values (?, ?)"),
    stage: db.prepare("insert into stage_events (user_id, stage, decided_on, entered_by, created_at) values (?, ?, ?, ?, ?)"),
    liaison: db.prepare("insert into liaison_assignments (trainee_id, liaison_id, start_on, assigned_by, created_at) values (?, ?, ?, ?, ?)"),
    progress: db.prepare(
      "insert into lesson_progress (user_id, lesson_id, position, furthest, covered, seconds_credited, completed_at, updated_at, last_beat_at, read_seconds) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    attempt: db.prepare(
      "insert into exam_attempts (exam_id, user_id, attempt_no, started_at, deadline_at, grace_seconds, submitted_at, finalized_by, status, max_score, auto_score, score, passed) values (?, ?, ?, ?, ?, 30, ?, 'user', 'graded', 100, ?, ?, ?)",
    ),
    paper: db.prepare("insert into attempt_questions (attempt_id, position, question_id, option_order, score) values (?, ?, ?, null, ?)"),
    answer: db.prepare(
      "insert into attempt_answers (attempt_id, question_id, answer, seq, saved_at, auto_score, needs_manual, manual_score, grader_id, graded_at) values (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
    ),
    submission: db.prepare(
      "insert into submissions (assignment_id, user_id, status, current_version, graded_version, raw_score, score, graded_by, graded_at, created_at, updated_at) values (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
    ),
    version: db.prepare("insert into submission_versions (submission_id, version, text_md, text_length, submitted_at) values (?, 1, ?, ?, ?)"),
    klass: db.prepare(
      "insert into training_classes (name, kind, term, host_unit_id, start_date, end_date, rules, number_format, completed_at, completed_by, created_by, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, '{school}-{year}-{term}-{seq}', ?, ?, ?, ?, ?)",
    ),
    classCourse: db.prepare("insert into class_courses (class_id, course_id, required, position) values (?, ?, 1, 0)"),
    member: db.prepare(
      "insert into class_members (class_id, user_id, source, added_by, added_at, outcome, result, decided_at) values (?, ?, 'pick', ?, ?, ?, ?, ?)",
    ),
    cert: db.prepare(
      "insert into certificates (class_id, user_id, number, code, holder_name, holder_username, subcommittee_name, branch_name, class_name, term, start_date, end_date, hours, composite, band, issued_at, issued_by) values (?, ?, ?, ?, ?, ?, '', '', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    report: db.prepare(
      "insert into thought_reports (user_id, title, status, text_md, stage, submitted_at, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    review: db.prepare("insert into thought_report_reviews (report_id, reviewer_id, kind, body_md, reviewed_on, created_at) values (?, ?, 'opinion', ?, ?, ?)"),
    notice: db.prepare(
      "insert into notices (title, body_md, audience_kind, org_unit_id, requires_ack, published_by, published_at, updated_at) values (?, ?, 'org', ?, ?, ?, ?, ?)",
    ),
    noticeVersion: db.prepare("insert into notice_versions (notice_id, version, title, body_md, edited_by, edited_at) values (?, 1, ?, ?, ?, ?)"),
    recipient: db.prepare("insert into notice_recipients (notice_id, user_id, read_at) values (?, ?, ?)"),
    notification: db.prepare("insert into notifications (user_id, kind, title, body, link, dedupe_key, created_at, read_at) values (?, ?, ?, ?, ?, ?, ?, ?)"),
    audit: db.prepare("insert into audit_log (at, actor_id, action, target_type, target_id, ip) values (?, ?, 'login.success', 'user', ?, '10.0.0.1')"),
    offline: db.prepare(
      "insert into offline_hours (user_id, course_id, kind, hours, reason, activity_date, credited_by, created_at) values (?, ?, '分组研讨', 2, '支部组织的分组研讨', ?, ?, ?)",
    ),
  };
  const day = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);

  // The tree: ⌈4√scale⌉ 二级党委, 40 × scale 党支部 shared out among them in order; a secretary per 二级党委, a 培养联系人 per branch.
  const subs: { id: number; path: string; secretary: number; notices: number[] }[] = [];
  const branches: { id: number; sub: number; liaison: number }[] = [];
  const nSubs = Math.ceil(4 * Math.sqrt(scale));
  const nBranches = BRANCHES_PER_SCALE * scale;
  let staff = 0;
  const staffUser = (unitId: number, role: string) => {
    const id = Number(
      st.user.run(`G${role[0]}${String(++staff).padStart(6, "0")}`, chineseName(staff + 7), "女", unitId, "full", hash, t0, t0).lastInsertRowid,
    );
    st.role.run(id, role);
    return id;
  };
  for (let s = 0; s < nSubs; s++) {
    const id = Number(st.unit.run(`第${s + 1}学院党委`, "subcommittee", root.id, t0).lastInsertRowid);
    const path = `${root.path}${id}/`;
    st.unitPath.run(path, id);
    subs.push({ id, path, secretary: staffUser(id, "secretary"), notices: [] });
  }
  for (let b = 0; b < nBranches; b++) {
    const s = Math.floor((b * nSubs) / nBranches);
    const id = Number(st.unit.run(`第${s + 1}学院第${b + 1}党支部`, "branch", subs[s]!.id, t0).lastInsertRowid);
    st.unitPath.run(`${subs[s]!.path}${id}/`, id);
    branches.push({ id, sub: s, liaison: staffUser(id, "liaison") });
  }
  // Three notices a year per 二级党委 over five years would be 15; three is enough to fan out to everyone.
  for (const sub of subs)
    for (let k = 0; k < 3; k++) {
      const at = t0 + (k + 1) * YEAR;
      const title = `关于做好第${k + 1}季度思想汇报的通知`;
      const id = Number(st.notice.run(title, ESSAY, sub.id, k % 2, admin, at, at).lastInsertRowid);
      st.noticeVersion.run(id, title, ESSAY, admin, at);
      sub.notices.push(id);
    }

  // Classes fill up as trainees are written: one stream per (course, confirmed or not).
  type Stream = { classId: number; size: number; term: number; start: number; seq: number };
  const streams = new Map<string, Stream>();
  let terms = 0;
  const classFor = (c: number, decided: boolean, at: number): Stream => {
    const key = `${c}:${decided}`;
    let s = streams.get(key);
    if (!s || s.size >= CLASS_SIZE) {
      const term = ++terms;
      const name = `${day(at).slice(0, 4)}年第${term}期${["入党积极分子", "发展对象", "预备党员"][c]}培训班`;
      const classId = Number(
        st.klass.run(
          name,
          CLASS_KINDS[c],
          term,
          root.id,
          day(at),
          day(at + 60 * 86400),
          JSON.stringify({ ...DEFAULT_RULES, requiredHours: 0 }),
          decided ? at + 90 * 86400 : null,
          decided ? admin : null,
          admin,
          at,
          at,
        ).lastInsertRowid,
      );
      st.classCourse.run(classId, courses[c]!.id);
      s = { classId, size: 0, term, start: at, seq: 0 };
      streams.set(key, s);
    }
    s.size++;
    return s;
  };

  let attemptSeq = 0;
  function attempt(c: number, userId: number, no: number, at: number, score: number, offset: number) {
    const course = courses[c]!;
    const id = Number(st.attempt.run(course.exam.id, userId, no, at, at + 2400, at + 1800, score, score, score >= 60 ? 1 : 0).lastInsertRowid);
    const qs = course.questions;
    for (let j = 0; j < Math.min(PAPER, qs.length); j++) {
      const q = qs[(offset + j) % qs.length]!;
      st.paper.run(id, j + 1, q.id, q.score);
      const manual = q.type === "简答";
      st.answer.run(
        id,
        q.id,
        ANSWER[q.type] ?? "{}",
        ++attemptSeq,
        at + 60 + j * 30,
        manual ? null : q.score,
        manual ? q.score / 2 : null,
        manual ? instructor : null,
        manual ? at + 3 * 86400 : null,
      );
    }
  }

  const readers: number[] = [];
  const starters: number[] = [];
  for (let i = 0; i < n; i++) {
    const stage = STAGE_OF[i % 20]!;
    // 50 trainees per branch, in 学号 order: a class (200 of one stage, filled in 学号 order) spans a few branches.
    const branch = branches[Math.floor(i / 50) % nBranches]!;
    const joined = t0 + Math.floor((i / n) * 4 * YEAR);
    const name = chineseName(i);
    const username = `G${String(i).padStart(7, "0")}`;
    const id = Number(st.user.run(username, name, i % 2 ? "男" : "女", branch.id, stage, hash, joined, joined).lastInsertRowid);
    st.role.run(id, "trainee");
    const taken = COURSES_TAKEN[stage]!;
    const current = stage === "full" ? -1 : taken - 1; // the course still being studied
    const isStarter = stage === "activist" && starters.length < STARTERS && i % 3 === 0;
    for (let c = 0; c < taken; c++) {
      const course = courses[c]!;
      const at = joined + c * 200 * 86400;
      st.stage.run(id, ["activist", "candidate", "probationary"][c], day(at), admin, at);
      const done = c === current ? i % (course.lessons.length + 1) : course.lessons.length;
      course.lessons.slice(0, done + (c === current ? 1 : 0)).forEach((l, k) => {
        const complete = k < done;
        const secs = complete ? 600 : 240;
        st.progress.run(
          id,
          l.id,
          secs,
          secs,
          l.video ? `[[0,${secs}]]` : "[]",
          secs,
          complete ? at + k * 86400 : null,
          at + k * 86400,
          at + k * 86400,
          l.video ? 0 : secs,
        );
      });
      const finished = c !== current;
      if (finished || (done === course.lessons.length && !isStarter)) {
        const retake = i % 7 === 0;
        if (retake) attempt(c, id, 1, at + 30 * 86400, 48, i);
        attempt(c, id, retake ? 2 : 1, at + 40 * 86400, 60 + (i % 40), i + 11);
      }
      if (finished || done * 2 >= course.lessons.length) {
        const a = course.assignment;
        const graded = finished;
        const sid = Number(
          st.submission.run(
            a.id,
            id,
            graded ? "graded" : "submitted",
            graded ? 1 : null,
            graded ? 85 : null,
            graded ? 85 : null,
            graded ? instructor : null,
            graded ? at + 50 * 86400 : null,
            at + 20 * 86400,
            at + 20 * 86400,
          ).lastInsertRowid,
        );
        st.version.run(sid, ESSAY, ESSAY.length, at + 20 * 86400);
      }
      const stream = classFor(c, finished, at);
      if (finished) {
        st.member.run(stream.classId, id, admin, at, "completed", course.result, stream.start + 90 * 86400);
        const r = course.parsed;
        const className = `第${stream.term}期`;
        st.cert.run(
          stream.classId,
          id,
          `GRW-${day(stream.start).slice(0, 4)}-${stream.term}-${String(++stream.seq).padStart(4, "0")}`,
          randomBytes(12).toString("hex"),
          name,
          username,
          className,
          stream.term,
          day(stream.start),
          day(stream.start + 60 * 86400),
          r.hours,
          r.composite,
          r.band,
          stream.start + 90 * 86400,
          admin,
        );
      } else st.member.run(stream.classId, id, admin, at, null, null, null);
    }
    if (stage === "activist" || stage === "candidate") st.liaison.run(id, branch.liaison, day(joined), admin, joined);
    for (let k = 0; k < 1 + (i % 3); k++) {
      const at = joined + (k + 1) * 90 * 86400;
      const reviewed = (i + k) % 2 === 0;
      const rid = Number(st.report.run(id, `${k + 1}季度思想汇报`, reviewed ? "reviewed" : "submitted", ESSAY, stage, at, at, at).lastInsertRowid);
      if (reviewed) st.review.run(rid, branch.liaison, "该同志思想上积极要求进步，学习认真。", day(at + 7 * 86400), at + 7 * 86400);
    }
    for (const [k, notice] of subs[branch.sub]!.notices.entries()) st.recipient.run(notice, id, k < 2 ? joined + YEAR : null);
    for (let k = 0; k < 5; k++) {
      const at = joined + k * 30 * 86400;
      st.notification.run(id, "report.reviewed", "思想汇报已阅", "你的思想汇报已有考察意见。", "/my/reports", `g:${k}`, at, k < 4 ? at + 86400 : null);
    }
    for (let k = 0; k < 3; k++) st.audit.run(joined + k * 86400, id, String(id));
    if (i % 10 === 0) st.offline.run(id, courses[0]!.id, day(joined + 30 * 86400), admin, joined + 30 * 86400);
    if (isStarter) starters.push(id);
    else if (stage === "activist" && readers.length < 50 && i % (courses[0]!.lessons.length + 1) >= 3) readers.push(id);
  }

  const activists = courses[0]!;
  return {
    scale,
    trainees: n,
    adminCookie: sessionCookie(db, admin),
    secretaryCookie: sessionCookie(db, subs[0]!.secretary),
    readerCookies: readers.map((id) => sessionCookie(db, id)),
    starterCookies: starters.map((id) => sessionCookie(db, id)),
    lessonPath: `/courses/${activists.slug}/lessons/${activists.lessons[2]!.key}`,
    examPath: `/courses/${activists.slug}/exams/${activists.exam.key}`,
  };
}
