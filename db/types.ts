// The one Database interface. Conventions: unix seconds for times, 0/1 for booleans,
// `T | null` for optional columns, Generated<> for columns the database fills.
import type { Generated, Selectable } from "kysely";

export const ROLES = ["trainee", "instructor", "secretary", "admin", "liaison"] as const;
export type Role = (typeof ROLES)[number];

export const STAGES = ["applicant", "activist", "candidate", "probationary", "full"] as const;
export type Stage = (typeof STAGES)[number];

export const ORG_KINDS = ["committee", "subcommittee", "branch"] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

export interface OrgUnitTable {
  id: Generated<number>;
  name: string;
  kind: OrgKind;
  parent_id: number | null;
  /** Materialized path of ids, e.g. "/1/4/9/", so a subtree is `path LIKE '/1/4/%'`. */
  path: string;
  active: Generated<number>;
  created_at: number;
}

export interface UserTable {
  id: Generated<number>;
  /** 学号/工号 */
  username: string;
  name: string;
  gender: "男" | "女";
  org_unit_id: number;
  stage: Stage;
  phone: string | null;
  email: string | null;
  password_hash: string;
  must_change_password: Generated<number>;
  active: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface UserRoleTable {
  user_id: number;
  role: Role;
}

export interface SessionTable {
  id: string;
  secret_hash: string;
  user_id: number;
  created_at: number;
  last_verified_at: number;
}

export interface LoginThrottleTable {
  key: string;
  failures: number;
  locked_until: number;
  updated_at: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor_id: number | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  detail: string | null;
  ip: string | null;
}

export type OrgUnit = Selectable<OrgUnitTable>;
export type User = Selectable<UserTable>;
export type Session = Selectable<SessionTable>;

// ---- Courses (migration 0002_courses). JSON columns hold text; the model parses them.

export const COURSE_SOURCES = ["files", "browser"] as const;
export type CourseSource = (typeof COURSE_SOURCES)[number];

/** Columns every synced course item shares. */
interface SyncedColumns {
  content_hash: string;
  archived: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface CourseTable extends SyncedColumns {
  id: Generated<number>;
  slug: string;
  title: string;
  summary: string;
  /** JSON array of Stage codes. */
  audience: string;
  hours: number;
  /** JSON array of 工号. */
  instructors: string;
  cover: string | null;
  published: Generated<number>;
  source: Generated<CourseSource>;
  /** Absolute path of the courses root a file course was last synced from (migration 0013); null before. */
  source_root: string | null;
  /** JSON { lock_seek, lock_rate, presence_check }. */
  progress: string;
  intro_md: string;
}

/** The stages a course is for, one row each (migration 0014); written together with courses.audience. */
export interface CourseAudienceTable {
  course_id: number;
  stage: Stage;
}

export interface LessonTable extends SyncedColumns {
  id: Generated<number>;
  course_id: number;
  /** File name without .md, e.g. "01-dang-de-xingzhi". */
  key: string;
  position: number;
  chapter: string;
  title: string;
  hours: number;
  required: Generated<number>;
  video: string | null;
  captions: string | null;
  complete_read_minutes: number;
  complete_watch_percent: number;
  /** Seconds, from the MP4 header; null for URL videos (then the first player report is kept). */
  video_duration: number | null;
  body_md: string;
}

export interface AssignmentTable extends SyncedColumns {
  id: Generated<number>;
  course_id: number;
  key: string;
  position: number;
  title: string;
  kind: "思想汇报" | "学习心得" | "读书报告";
  due_at: number | null;
  cutoff_at: number | null;
  max_score: number;
  pass_score: number;
  hours: number;
  min_length: number | null;
  /** JSON array of allowed extensions. */
  attachments: string;
  max_attachment_mb: number;
  resubmit: Generated<number>;
  body_md: string;
}

export interface QuestionBankTable extends SyncedColumns {
  id: Generated<number>;
  course_id: number;
  key: string;
  title: string;
}

export interface QuestionTable extends SyncedColumns {
  id: Generated<number>;
  bank_id: number;
  key: string;
  version: number;
  type: "单选" | "多选" | "判断" | "填空" | "简答";
  stem_md: string;
  /** JSON array of option texts, for 单选/多选. */
  options: string | null;
  /** JSON QuestionAnswer (app/utils/course-format.server.ts). */
  answer: string;
  explanation: string | null;
  score: number;
  difficulty: "易" | "中" | "难";
  knowledge: string | null;
  /** JSON array. */
  tags: string;
}

export interface ExamTable extends SyncedColumns {
  id: Generated<number>;
  course_id: number;
  key: string;
  position: number;
  title: string;
  /** JSON ExamSettings (app/utils/course-format.server.ts), draw rules included. */
  settings: string;
  instructions_md: string;
}

export interface CourseMediaTable extends Omit<SyncedColumns, "content_hash"> {
  id: Generated<number>;
  course_id: number;
  /** Relative to the course folder, e.g. "media/lecture-01.mp4". */
  path: string;
  size: number;
  sha256: string;
  mime: string;
}

export interface LessonProgressTable {
  user_id: number;
  lesson_id: number;
  position: Generated<number>;
  furthest: Generated<number>;
  /** JSON [[start, end], …] in seconds of the video that were watched. */
  covered: Generated<string>;
  seconds_credited: Generated<number>;
  completed_at: number | null;
  updated_at: number;
  /** Server time of the last accepted beat: the budget for the next one is measured from it. */
  last_beat_at: number | null;
  /** Visible reading time credited to a text lesson. */
  read_seconds: Generated<number>;
  /** With presence checks on: credited seconds after which "继续学习" must be answered. */
  check_after: number | null;
  check_pending: Generated<number>;
}

export interface LearningPresenceTable {
  user_id: number;
  lesson_id: number;
  tab_id: string;
  last_seen: number;
}

export const OFFLINE_KINDS = ["分组研讨", "社会实践", "现场党课", "其他"] as const;
export type OfflineKind = (typeof OFFLINE_KINDS)[number];

export interface OfflineHoursTable {
  id: Generated<number>;
  user_id: number;
  course_id: number | null;
  kind: OfflineKind;
  hours: number;
  reason: string;
  /** YYYY-MM-DD */
  activity_date: string;
  credited_by: number;
  created_at: number;
}

// ---- Exams (migration 0004_exams). JSON columns hold text; app/models/exams.server.ts parses them.

export const ATTEMPT_STATUSES = ["in_progress", "submitted", "graded"] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];
export type FinalizedBy = "user" | "deadline_read" | "sweep";

export interface ExamAttemptTable {
  id: Generated<number>;
  exam_id: number;
  user_id: number;
  attempt_no: number;
  started_at: number;
  /** min(started_at + duration, closes), plus any extra minutes; fixed at start. */
  deadline_at: number;
  grace_seconds: number;
  submitted_at: number | null;
  finalized_by: FinalizedBy | null;
  status: Generated<AttemptStatus>;
  max_score: number;
  auto_score: number | null;
  score: number | null;
  passed: number | null;
  pending_manual: Generated<number>;
  leave_count: Generated<number>;
  last_leave_at: number | null;
  extra_minutes: Generated<number>;
}

export interface AttemptQuestionTable {
  attempt_id: number;
  position: number;
  /** The exact version row the trainee saw. */
  question_id: number;
  /** JSON array of original option indexes in display order (choice questions). */
  option_order: string | null;
  score: number;
}

export interface AttemptAnswerTable {
  attempt_id: number;
  question_id: number;
  /** JSON ExamResponse (app/models/exams.server.ts). */
  answer: string;
  seq: number;
  saved_at: number;
  auto_score: number | null;
  needs_manual: Generated<number>;
  manual_score: number | null;
  grader_id: number | null;
  graded_at: number | null;
  comment: string | null;
}

export interface ExamOverrideTable {
  exam_id: number;
  user_id: number;
  extra_minutes: Generated<number>;
  extra_attempts: Generated<number>;
  reason: string;
  granted_by: number;
  updated_at: number;
}

// ---- Assignments (migration 0005_assignments).

export const SUBMISSION_STATUSES = ["draft", "submitted", "late", "returned", "graded"] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];
export const ATTACHMENT_TYPES = ["pdf", "doc", "docx", "jpg", "png"] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

export interface SubmissionTable {
  id: Generated<number>;
  assignment_id: number;
  user_id: number;
  status: Generated<SubmissionStatus>;
  /** Number of the latest submitted version; 0 before the first submission. */
  current_version: Generated<number>;
  draft_md: Generated<string>;
  draft_seq: Generated<number>;
  draft_saved_at: number | null;
  raw_score: number | null;
  penalty_percent: number | null;
  /** raw_score less the late penalty: the score that counts. */
  score: number | null;
  graded_version: number | null;
  feedback_md: string | null;
  graded_by: number | null;
  graded_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface SubmissionVersionTable {
  id: Generated<number>;
  submission_id: number;
  version: number;
  text_md: string;
  text_length: number;
  submitted_at: number;
  late: Generated<number>;
  /** 128 little-endian uint32 MinHash values; null when the text is too short to compare. */
  minhash: Uint8Array | null;
  returned_comment_md: string | null;
  returned_by: number | null;
  returned_at: number | null;
}

export interface SubmissionFileTable {
  id: Generated<number>;
  submission_id: number;
  /** null while the file belongs to the draft. */
  version_id: number | null;
  sha256: string;
  name: string;
  type: AttachmentType;
  size: number;
  created_at: number;
}

export interface AssignmentExtensionTable {
  id: Generated<number>;
  assignment_id: number;
  user_id: number;
  due_at: number;
  cutoff_at: number;
  reason: string;
  granted_by: number;
  created_at: number;
}

export interface AssignmentSettingsTable {
  assignment_id: number;
  blind: Generated<number>;
  late_penalty_percent: Generated<number>;
  similarity_threshold: Generated<number>;
  released_at: number | null;
  updated_by: number | null;
  updated_at: number;
}

export interface SimilarityFlagTable {
  id: Generated<number>;
  assignment_id: number;
  /** The smaller version id of the pair. */
  version_a: number;
  version_b: number;
  score: number;
  computed_at: number;
}

// ---- Question-bank imports awaiting confirmation (migration 0007_pending_imports).

export interface PendingImportTable {
  id: Generated<number>;
  user_id: number;
  course_slug: string;
  /** The uploaded file in the content-addressed store. */
  sha256: string;
  /** As uploaded; its extension helps tell the format. */
  file_name: string;
  /** Target bank: an existing bank's key, or the file name (without .md) of a new one. */
  bank_key: string;
  /** Title of a new bank; null when importing into an existing one. */
  bank_title: string | null;
  created_at: number;
}

// ---- Roster imports awaiting confirmation (migration 0008_desk).

export interface RosterImportTable {
  id: Generated<number>;
  user_id: number;
  /** The uploaded file in the content-addressed store. */
  sha256: string;
  /** As uploaded; its extension helps tell the format. */
  file_name: string;
  created_at: number;
}

// ---- Training classes and certificates (migration 0009_classes).

export const CLASS_KINDS = ["activist", "candidate", "probationary"] as const;
export type ClassKind = (typeof CLASS_KINDS)[number];

export interface TrainingClassTable {
  id: Generated<number>;
  name: string;
  /** The member stage the class trains. */
  kind: ClassKind;
  /** 期次 */
  term: number;
  host_unit_id: number;
  /** YYYY-MM-DD */
  start_date: string;
  end_date: string;
  /** JSON ClassRules (app/utils/class-rules.ts). */
  rules: string;
  /** null: every exam of the required courses counts. */
  final_exam_id: number | null;
  /** e.g. "{school}-{year}-{term}-{seq}" */
  number_format: string;
  completed_at: number | null;
  completed_by: number | null;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

export interface ClassCourseTable {
  class_id: number;
  course_id: number;
  required: Generated<number>;
  position: number;
}

export interface ClassMemberTable {
  class_id: number;
  user_id: number;
  source: "pick" | "unit" | "upload" | "carryover";
  added_by: number | null;
  added_at: number;
  usual_score: number | null;
  usual_by: number | null;
  cheating: Generated<number>;
  cheating_note: string | null;
  exception: "complete" | "fail" | null;
  exception_reason: string | null;
  exception_by: number | null;
  exception_at: number | null;
  /** What the exception rests on (EXCEPTION_BASES in app/utils/completion.ts); null for 不予结业. */
  exception_basis: string | null;
  /** 备注 the organization department writes for the ledger (audited). */
  note: string | null;
  note_by: number | null;
  note_at: number | null;
  outcome: "completed" | "not_completed" | null;
  /** JSON ClassResult when completion was confirmed. */
  result: string | null;
  decided_at: number | null;
}

export interface CertificateCounterTable {
  prefix: string;
  last_seq: number;
}

export interface CertificateTable {
  id: Generated<number>;
  class_id: number;
  user_id: number;
  number: string;
  /** Random verification code used in the public URL. */
  code: string;
  holder_name: string;
  holder_username: string;
  subcommittee_name: string;
  branch_name: string;
  class_name: string;
  term: number;
  start_date: string;
  end_date: string;
  hours: number;
  composite: number;
  band: string;
  issued_at: number;
  issued_by: number | null;
  revoked_at: number | null;
  revoked_by: number | null;
  revoke_reason: string | null;
  /** rules: the class's rules were met; exception: the Party school decided (exception_basis says on what). */
  decision: Generated<"rules" | "exception">;
  exception_basis: string | null;
  layout: Generated<"narrative" | "labels">;
  show_username: Generated<number>;
  show_score: Generated<number>;
}

/** The certificate wording of each class kind (migration 0013). */
export interface CertificateTemplateTable {
  kind: ClassKind;
  layout: "narrative" | "labels";
  show_username: number;
  show_score: number;
  updated_by: number | null;
  updated_at: number;
}

/** The one Database interface: every table of every migration. */
/** A user's import in progress (one per user and kind). */
export interface ImportLockTable {
  user_id: number;
  kind: string;
  started_at: number;
}

// ---- The branch's side (migration 0015_branch_side). Days a branch decided are YYYY-MM-DD text.

export interface LiaisonAssignmentTable {
  id: Generated<number>;
  trainee_id: number;
  liaison_id: number;
  start_on: string;
  /** Null while current. */
  end_on: string | null;
  assigned_by: number;
  ended_by: number | null;
  created_at: number;
  ended_at: number | null;
}

export interface StageEventTable {
  id: Generated<number>;
  user_id: number;
  stage: Stage;
  decided_on: string;
  note: string | null;
  entered_by: number | null;
  created_at: number;
  withdrawn_by: number | null;
  withdrawn_at: number | null;
}

export interface ReportRhythmTable {
  org_unit_id: number;
  stage: Stage;
  /** 0 = no rhythm for this stage in this subtree. */
  period_months: number;
  min_count: number;
  updated_by: number;
  updated_at: number;
}

export const THOUGHT_REPORT_STATUSES = ["draft", "submitted", "returned", "reviewed"] as const;
export type ThoughtReportStatus = (typeof THOUGHT_REPORT_STATUSES)[number];

export interface ThoughtReportTable {
  id: Generated<number>;
  user_id: number;
  title: string;
  status: Generated<ThoughtReportStatus>;
  draft_md: Generated<string>;
  text_md: string | null;
  stage: Stage | null;
  submitted_at: number | null;
  created_at: number;
  updated_at: number;
  /** The browser's sequence number of the last applied draft save (0: none yet). */
  draft_seq: Generated<number>;
}

export interface ThoughtReportFileTable {
  id: Generated<number>;
  report_id: number;
  /** The 考察意见 this file is attached to; null for the trainee's own attachment. */
  review_id: number | null;
  sha256: string;
  name: string;
  type: string;
  size: number;
  created_at: number;
}

export interface ThoughtReportReviewTable {
  id: Generated<number>;
  report_id: number;
  reviewer_id: number;
  kind: "opinion" | "return";
  body_md: string;
  reviewed_on: string;
  created_at: number;
}

// ---------------------------------------------------------------- interaction (migration 0016)

export interface AppSettingTable {
  key: string;
  value: string;
  updated_by: number | null;
  updated_at: number;
}

export interface CourseQuestionTable {
  id: Generated<number>;
  course_id: number;
  lesson_id: number | null;
  user_id: number;
  body_md: string;
  image_sha256: string | null;
  image_type: "jpg" | "png" | null;
  created_at: number;
  answer_md: string | null;
  answered_by: number | null;
  answered_at: number | null;
  /** Shown to every trainee of the course (the asker's name hidden from them). */
  public: Generated<number>;
  hidden: Generated<number>;
  hidden_by: number | null;
  hidden_at: number | null;
}

export const NOTICE_AUDIENCES = ["org", "class", "stage"] as const;
export type NoticeAudience = (typeof NOTICE_AUDIENCES)[number];

export interface NoticeTable {
  id: Generated<number>;
  title: string;
  body_md: string;
  audience_kind: NoticeAudience;
  /** org: the subtree it goes to; stage: the subtree the stage is taken from. */
  org_unit_id: number | null;
  class_id: number | null;
  stage: Stage | null;
  requires_ack: Generated<number>;
  version: Generated<number>;
  published_by: number;
  published_at: number;
  updated_at: number;
}

export interface NoticeVersionTable {
  notice_id: number;
  version: number;
  title: string;
  body_md: string;
  edited_by: number;
  edited_at: number;
}

export interface NoticeFileTable {
  id: Generated<number>;
  notice_id: number;
  sha256: string;
  name: string;
  type: AttachmentType;
  size: number;
}

export interface NoticeRecipientTable {
  notice_id: number;
  user_id: number;
  read_at: number | null;
  acked_at: number | null;
}

export interface NotificationTable {
  id: Generated<number>;
  user_id: number;
  kind: string;
  title: string;
  body: string;
  link: string;
  /** The event's idempotency key: one notification per person and key. */
  dedupe_key: string;
  created_at: number;
  read_at: number | null;
}

export interface NotificationPrefTable {
  user_id: number;
  kind: string;
  email: number;
}

export const OUTBOX_CHANNELS = ["email", "wecom", "dingtalk"] as const;
export type OutboxChannel = (typeof OUTBOX_CHANNELS)[number];

export interface OutboxTable {
  id: Generated<number>;
  /** email: the notification it carries; null for a webhook message. */
  notification_id: number | null;
  /** The idempotency key: one row per e-mail of a notification, per notice and webhook. */
  dedupe_key: string;
  channel: OutboxChannel;
  /** email: the address; webhook: the org unit id whose webhook it goes to. */
  recipient: string;
  /** webhook: the message as JSON ({ title, text }). */
  payload: string | null;
  status: "pending" | "sent" | "failed";
  attempts: Generated<number>;
  next_at: number;
  lease_owner: string | null;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

// ---- Group-robot webhooks per org unit (migration 0018_org_webhooks).

export const WEBHOOK_KINDS = ["wecom", "dingtalk"] as const;
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];

export interface OrgWebhookTable {
  org_unit_id: number;
  kind: WebhookKind;
  url: string;
  /** 钉钉 加签 secret (SEC…); null when the robot does not sign. */
  secret: string | null;
  updated_by: number | null;
  updated_at: number;
}

export interface JobLeaseTable {
  name: string;
  owner: string;
  until: number;
}

export interface Database {
  org_units: OrgUnitTable;
  users: UserTable;
  user_roles: UserRoleTable;
  sessions: SessionTable;
  login_throttle: LoginThrottleTable;
  certificate_templates: CertificateTemplateTable;
  import_locks: ImportLockTable;
  audit_log: AuditLogTable;
  courses: CourseTable;
  course_audiences: CourseAudienceTable;
  lessons: LessonTable;
  assignments: AssignmentTable;
  question_banks: QuestionBankTable;
  questions: QuestionTable;
  exams: ExamTable;
  course_media: CourseMediaTable;
  lesson_progress: LessonProgressTable;
  learning_presence: LearningPresenceTable;
  offline_hours: OfflineHoursTable;
  exam_attempts: ExamAttemptTable;
  attempt_questions: AttemptQuestionTable;
  attempt_answers: AttemptAnswerTable;
  exam_overrides: ExamOverrideTable;
  submissions: SubmissionTable;
  submission_versions: SubmissionVersionTable;
  submission_files: SubmissionFileTable;
  assignment_extensions: AssignmentExtensionTable;
  assignment_settings: AssignmentSettingsTable;
  similarity_flags: SimilarityFlagTable;
  pending_imports: PendingImportTable;
  roster_imports: RosterImportTable;
  training_classes: TrainingClassTable;
  class_courses: ClassCourseTable;
  class_members: ClassMemberTable;
  certificate_counters: CertificateCounterTable;
  certificates: CertificateTable;
  liaison_assignments: LiaisonAssignmentTable;
  stage_events: StageEventTable;
  report_rhythms: ReportRhythmTable;
  thought_reports: ThoughtReportTable;
  thought_report_files: ThoughtReportFileTable;
  thought_report_reviews: ThoughtReportReviewTable;
  app_settings: AppSettingTable;
  course_questions: CourseQuestionTable;
  notices: NoticeTable;
  notice_versions: NoticeVersionTable;
  notice_files: NoticeFileTable;
  notice_recipients: NoticeRecipientTable;
  notifications: NotificationTable;
  notification_prefs: NotificationPrefTable;
  outbox: OutboxTable;
  job_leases: JobLeaseTable;
  org_webhooks: OrgWebhookTable;
}
