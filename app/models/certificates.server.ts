// 结业证书: confirming a class's completion (outcomes recorded, certificates issued with numbers from a
// counter, all in one transaction), revocation, the public verification view, downloads (one PDF or a
// class's zip) and who may download what. PDFs are rendered on demand from the certificate row, which
// holds everything printed on it, so a certificate reads the same years later.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";
import { Zip, ZipPassThrough } from "fflate";
import type { Selectable } from "kysely";
import type { CertificateTable, ClassKind, Role } from "../../db/types.ts";
import { chineseDate, renderCertificatePdf, type CertificateData } from "~/utils/certificate-pdf.server.ts";
import { decisionResult, DEFAULT_TEMPLATE, type CertificateTemplate, type Decision } from "~/utils/completion.ts";
import { inSubtree, now as nowSeconds, writeTransaction, type DB } from "~/utils/db.server.ts";
import { sniff } from "~/utils/sniff.server.ts";
import { safeSegment } from "~/utils/uploads.server.ts";
import { audit } from "./audit.server.ts";
import { ClassError, classResults, memberNotes, requireClass } from "./classes.server.ts";
import { notify } from "./notifications.server.ts";
import { compareUnitPaths } from "./org.server.ts";
import { cstDate } from "~/utils/cst.ts";
import { pathInSubtree } from "~/utils/org-path.ts";

type Actor = { actorId: number; ip?: string | null };
type CertificateViewer = { id: number; roles: readonly Role[]; org_unit_id: number };

/**
 * CERT_SEAL_PATH when it is a readable PNG or JPEG; otherwise the problem is reported once (server.ts
 * calls this at start) and the drawn seal is used instead, so a wrong path never stops certificates.
 */
export function usableSeal(file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    const head = new Uint8Array(8);
    const fd = fs.openSync(file, "r");
    fs.readSync(fd, head, 0, 8, 0);
    fs.closeSync(fd);
    if (["png", "jpg"].includes(sniff(head) ?? "")) return file;
    console.error(`CERT_SEAL_PATH=${file} 不是 PNG/JPEG 图片，证书将使用绘制的印章`);
  } catch {
    console.error(`CERT_SEAL_PATH=${file} 无法读取，证书将使用绘制的印章`);
  }
  return undefined;
}

/** The public origin for links printed on certificates: ORIGIN when set, else the request's own. */
export function publicOrigin(request: Request, origin: string | undefined): string {
  return (origin ?? new URL(request.url).origin).replace(/\/+$/, "");
}

export const verifyPath = (code: string) => `/verify/${code}`;

// ------------------------------------------------------------------------------------------ numbers and codes

type NumberParts = { school: string; year: string; term: number };

/** The number with every token but {seq} filled in: the key of the counter. */
export function numberPrefix(format: string, p: NumberParts): string {
  return format.replaceAll("{school}", p.school).replaceAll("{year}", p.year).replaceAll("{term}", String(p.term));
}

export function formatNumber(prefix: string, seq: number): string {
  return prefix.replace("{seq}", String(seq).padStart(4, "0"));
}

/** 128 random bits in base32 (26 characters): the verification URL cannot be guessed or enumerated. */
export function newVerificationCode(): string {
  return encodeBase32LowerCaseNoPadding(randomBytes(16));
}

export const CODE_PATTERN = /^[a-z2-7]{26}$/;

/**
 * Takes `count` numbers from the prefix's counter. Runs inside the issuing transaction, so two
 * confirmations can never get the same numbers, and a number once taken is never given again.
 */
async function takeNumbers(trx: DB, prefix: string, count: number): Promise<number[]> {
  const row = await trx.selectFrom("certificate_counters").select("last_seq").where("prefix", "=", prefix).executeTakeFirst();
  const last = row?.last_seq ?? 0;
  if (row)
    await trx
      .updateTable("certificate_counters")
      .set({ last_seq: last + count })
      .where("prefix", "=", prefix)
      .execute();
  else await trx.insertInto("certificate_counters").values({ prefix, last_seq: count }).execute();
  return Array.from({ length: count }, (_, i) => last + i + 1);
}

// ------------------------------------------------------------------------------------------ completion

/** 二级党委 and 党支部 names of every unit, from the tree. */
async function unitNames(db: DB) {
  const units = await db.selectFrom("org_units").select(["id", "name", "kind", "path"]).execute();
  const byId = new Map(units.map((u) => [u.id, u]));
  return (path: string) => {
    const chain = path
      .split("/")
      .filter(Boolean)
      .map((id) => byId.get(Number(id)));
    return {
      subcommittee: chain.find((u) => u?.kind === "subcommittee")?.name ?? chain[0]?.name ?? "",
      branch: chain.find((u) => u?.kind === "branch")?.name ?? "—",
    };
  };
}

type CompletionSummary = { completed: number; notCompleted: number; studying: number; issued: { userId: number; number: string }[]; closed: boolean };

/** The certificate wording of a class kind (the default narrative one when none was saved). */
export async function certificateTemplate(db: DB, kind: ClassKind): Promise<CertificateTemplate> {
  const row = await db.selectFrom("certificate_templates").selectAll().where("kind", "=", kind).executeTakeFirst();
  return row ? { layout: row.layout, showUsername: row.show_username === 1, showScore: row.show_score === 1 } : DEFAULT_TEMPLATE;
}

export async function saveCertificateTemplate(db: DB, kind: ClassKind, tpl: CertificateTemplate, actor: Actor) {
  const t = nowSeconds();
  const values = { layout: tpl.layout, show_username: tpl.showUsername ? 1 : 0, show_score: tpl.showScore ? 1 : 0, updated_by: actor.actorId, updated_at: t };
  await writeTransaction(db, async (trx) => {
    await trx
      .insertInto("certificate_templates")
      .values({ kind, ...values })
      .onConflict((oc) => oc.column("kind").doUpdateSet(values))
      .execute();
    await audit(trx, { ...actor, action: "certificate.template", targetType: "class_kind", targetId: kind, detail: { ...tpl } });
  });
}

/**
 * Confirms completion, in rounds: each member who meets the class's rules, or holds a 准予结业 exception,
 * is recorded as completed and gets a certificate numbered from the class's counter; a 不予结业
 * exception is recorded as not completed; everyone else stays 学习中 (undecided) while the class is
 * open. `close` ends the class: the rest are recorded as not completed. Closing before the end date
 * needs `early`. A certificate's training period ends on its issue date when it is issued early, so
 * the dates printed agree. One transaction; audited (the class, and each certificate).
 */
export async function confirmCompletion(
  db: DB,
  input: { classId: number; schoolCode: string; close?: boolean; early?: boolean; email?: boolean },
  actor: Actor,
  t = nowSeconds(),
): Promise<CompletionSummary> {
  return writeTransaction(db, async (trx) => {
    const cls = await requireClass(trx, input.classId);
    if (cls.completed_at !== null && input.close) throw new ClassError("培训班已经结班", 409);
    const today = cstDate(t);
    if (input.close && today <= cls.end_date && !input.early)
      throw new ClassError(`培训班尚未结束（结束日期 ${cls.end_date}），提前结班须勾选确认`, 400, "early");
    const rows = await classResults(trx, cls);
    if (!rows.length) throw new ClassError("培训班还没有学员");
    const closing = input.close || cls.completed_at !== null;
    const names = await unitNames(trx);
    const extras = await memberNotes(trx, cls.id);
    const template = await certificateTemplate(trx, cls.kind);
    const outcomeOf = (r: (typeof rows)[number]) =>
      r.certificate || r.result.passed ? ("completed" as const) : r.result.forced === "fail" || closing ? ("not_completed" as const) : null;
    for (const r of rows) {
      const outcome = outcomeOf(r);
      await trx
        .updateTable("class_members")
        .set({ outcome, result: outcome ? JSON.stringify(r.result) : null, decided_at: outcome ? t : null })
        .where("class_id", "=", cls.id)
        .where("user_id", "=", r.userId)
        .execute();
    }
    const toIssue = rows
      .filter((r) => r.result.passed && !r.certificate)
      .sort((a, b) => compareUnitPaths(a.unitPath, b.unitPath) || a.username.localeCompare(b.username));
    const prefix = numberPrefix(cls.number_format, { school: input.schoolCode, year: cls.start_date.slice(0, 4), term: cls.term });
    const seqs = toIssue.length ? await takeNumbers(trx, prefix, toIssue.length) : [];
    const issued: CompletionSummary["issued"] = [];
    const values = toIssue.map((r, i) => {
      const n = names(r.unitPath);
      const number = formatNumber(prefix, seqs[i]!);
      issued.push({ userId: r.userId, number });
      const exception = r.result.forced === "complete";
      return {
        class_id: cls.id,
        user_id: r.userId,
        number,
        code: newVerificationCode(),
        holder_name: r.name,
        holder_username: r.username,
        subcommittee_name: n.subcommittee,
        branch_name: n.branch,
        class_name: cls.name,
        term: cls.term,
        start_date: cls.start_date,
        end_date: today < cls.end_date ? today : cls.end_date,
        hours: r.result.hours,
        composite: r.result.composite,
        band: exception ? "—" : r.result.band,
        issued_at: t,
        issued_by: actor.actorId,
        decision: exception ? ("exception" as const) : ("rules" as const),
        exception_basis: exception ? (extras.get(r.userId)?.basis ?? null) : null,
        layout: template.layout,
        show_username: template.showUsername ? 1 : 0,
        show_score: template.showScore ? 1 : 0,
      };
    });
    for (let i = 0; i < values.length; i += 200) {
      const inserted = await trx
        .insertInto("certificates")
        .values(values.slice(i, i + 200))
        .returning(["id", "number", "user_id", "decision"])
        .execute();
      for (const c of inserted) {
        await audit(trx, {
          ...actor,
          action: "certificate.issue",
          targetType: "certificate",
          targetId: c.id,
          detail: { classId: cls.id, userId: c.user_id, number: c.number, decision: c.decision },
        });
      }
      await notify(
        trx,
        inserted.map((c) => ({
          userId: c.user_id,
          kind: "certificate_issued" as const,
          title: `您的结业证书已颁发（${cls.name}）`,
          body: `证书编号 ${c.number}`,
          link: "/my/certificates",
          key: `certificate:${c.id}:issued`,
        })),
        { t, email: input.email },
      );
    }
    if (input.close)
      await trx.updateTable("training_classes").set({ completed_at: t, completed_by: actor.actorId, updated_at: t }).where("id", "=", cls.id).execute();
    const outcomes = rows.map(outcomeOf);
    const summary = {
      completed: outcomes.filter((o) => o === "completed").length,
      notCompleted: outcomes.filter((o) => o === "not_completed").length,
      studying: outcomes.filter((o) => o === null).length,
      issued,
      closed: closing,
    };
    await audit(trx, {
      ...actor,
      action: input.close ? "class.close" : "class.complete",
      targetType: "class",
      targetId: cls.id,
      detail: { completed: summary.completed, notCompleted: summary.notCompleted, studying: summary.studying, issued: issued.length },
    });
    return summary;
  });
}

/**
 * Revokes a certificate with a reason (audited). Its number stays taken. Unless `reissuable` (e.g. a
 * misspelt name to be corrected), the holder is also marked 不予结业 so a later confirmation does not
 * simply issue a new one.
 */
export async function revokeCertificate(
  db: DB,
  input: { classId: number; certificateId: number; reason: string; reissuable: boolean; email?: boolean },
  actor: Actor,
  t = nowSeconds(),
) {
  await writeTransaction(db, async (trx) => {
    const cert = await trx
      .selectFrom("certificates")
      .select(["id", "user_id", "number", "revoked_at"])
      .where("id", "=", input.certificateId)
      .where("class_id", "=", input.classId)
      .executeTakeFirst();
    if (!cert) throw new ClassError("证书不存在", 404);
    if (cert.revoked_at !== null) throw new ClassError("该证书已经撤销", 409);
    await trx.updateTable("certificates").set({ revoked_at: t, revoked_by: actor.actorId, revoke_reason: input.reason }).where("id", "=", cert.id).execute();
    if (!input.reissuable) {
      await trx
        .updateTable("class_members")
        .set({ exception: "fail", exception_reason: `证书已撤销：${input.reason}`, exception_by: actor.actorId, exception_at: t, outcome: "not_completed" })
        .where("class_id", "=", input.classId)
        .where("user_id", "=", cert.user_id)
        .execute();
    }
    await notify(
      trx,
      [
        {
          userId: cert.user_id,
          kind: "certificate_revoked",
          title: "您的结业证书已被撤销",
          body: `证书编号 ${cert.number}。原因：${input.reason}`,
          link: "/my/certificates",
          key: `certificate:${cert.id}:revoked`,
        },
      ],
      { t, email: input.email },
    );
    await audit(trx, {
      ...actor,
      action: "certificate.revoke",
      targetType: "certificate",
      targetId: cert.id,
      detail: { classId: input.classId, userId: cert.user_id, number: cert.number, reason: input.reason, reissuable: input.reissuable },
    });
  });
}

// ------------------------------------------------------------------------------------------ reading

/** 张*明; two characters 张*; one character *; longer names keep the first and last character. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return "*";
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}*${chars[chars.length - 1]}`;
}

const PUBLIC_COLUMNS = [
  "number",
  "code",
  "holder_name",
  "class_name",
  "term",
  "start_date",
  "end_date",
  "hours",
  "band",
  "decision",
  "exception_basis",
  "issued_at",
  "revoked_at",
] as const;

type PublicRow = Omit<Selectable<CertificateTable>, "decision"> & { decision: Decision };

function publicView(c: Pick<PublicRow, (typeof PUBLIC_COLUMNS)[number]>) {
  return {
    number: c.number,
    code: c.code,
    maskedName: maskName(c.holder_name),
    className: c.class_name,
    term: c.term,
    startDate: c.start_date,
    endDate: c.end_date,
    hours: c.hours,
    result: decisionResult({ decision: c.decision, band: c.band, exceptionBasis: c.exception_basis }),
    issuedAt: c.issued_at,
    revokedAt: c.revoked_at,
  };
}

/** The public view of a certificate by its verification code (any letter case); undefined for anything unknown. */
export async function verifyCertificate(db: DB, code: string) {
  const lower = code.trim().toLowerCase();
  if (!CODE_PATTERN.test(lower)) return undefined;
  const c = await db.selectFrom("certificates").select(PUBLIC_COLUMNS).where("code", "=", lower).executeTakeFirst();
  return c && publicView(c);
}

/** Spaces and full-width forms folded, as people type a number or a name from paper. */
const folded = (s: string) => s.normalize("NFKC").replace(/\s+/g, "");

/**
 * A certificate by its number and the holder's full name, as someone checking a paper copy does. The
 * number alone finds nothing (the name must match), so numbers cannot be walked to collect names;
 * callers rate-limit misses per address. Letter case of the number does not matter.
 */
export async function lookupCertificate(db: DB, input: { number: string; name: string }) {
  const number = folded(input.number).toUpperCase();
  const name = folded(input.name);
  if (!number || !name || number.length > 60 || name.length > 40) return undefined;
  const rows = await db
    .selectFrom("certificates")
    .select(PUBLIC_COLUMNS)
    .where((eb) => eb.or([eb("number", "=", number), eb("number", "=", folded(input.number))]))
    .execute();
  const c = rows.find((r) => folded(r.holder_name) === name);
  return c && publicView(c);
}

const CERT_COLUMNS = [
  "c.id",
  "c.class_id",
  "c.user_id",
  "c.number",
  "c.code",
  "c.holder_name",
  "c.holder_username",
  "c.subcommittee_name",
  "c.branch_name",
  "c.class_name",
  "c.term",
  "c.start_date",
  "c.end_date",
  "c.hours",
  "c.composite",
  "c.band",
  "c.issued_at",
  "c.revoked_at",
  "c.revoke_reason",
  "c.decision",
  "c.exception_basis",
  "c.layout",
  "c.show_username",
  "c.show_score",
] as const;
export type CertificateRow = Awaited<ReturnType<typeof certificatesOfClass>>[number];

/** A trainee's own certificates, newest first (revoked ones included, marked). */
export async function certificatesOfUser(db: DB, userId: number) {
  return db
    .selectFrom("certificates as c")
    .select(CERT_COLUMNS)
    .where("c.user_id", "=", userId)
    .orderBy("c.issued_at", "desc")
    .orderBy("c.id", "desc")
    .execute();
}

export async function certificatesOfClass(db: DB, classId: number, opts: { validOnly?: boolean; unitPath?: string } = {}) {
  let q = db.selectFrom("certificates as c").select(CERT_COLUMNS).where("c.class_id", "=", classId).orderBy("c.number");
  if (opts.validOnly) q = q.where("c.revoked_at", "is", null);
  if (opts.unitPath) {
    const inScope = db.selectFrom("users as u").innerJoin("org_units as o", "o.id", "u.org_unit_id").select("u.id").where(inSubtree("o.path", opts.unitPath));
    q = q.where("c.user_id", "in", inScope);
  }
  return q.execute();
}

/**
 * A certificate the viewer may download: their own, any for admins, their subtree's for secretaries.
 * Undefined for everyone and everything else, so the route answers 404 either way.
 */
export async function certificateForViewer(db: DB, id: number, viewer: CertificateViewer): Promise<CertificateRow | undefined> {
  const row = await db
    .selectFrom("certificates as c")
    .innerJoin("users as u", "u.id", "c.user_id")
    .innerJoin("org_units as o", "o.id", "u.org_unit_id")
    .select(CERT_COLUMNS)
    .select("o.path as holder_path")
    .where("c.id", "=", id)
    .executeTakeFirst();
  if (!row) return undefined;
  const { holder_path, ...cert } = row;
  if (cert.user_id === viewer.id || viewer.roles.includes("admin")) return cert;
  if (viewer.roles.includes("secretary")) {
    const mine = await db.selectFrom("org_units").select("path").where("id", "=", viewer.org_unit_id).executeTakeFirst();
    if (mine && pathInSubtree(holder_path, mine.path)) return cert;
  }
  return undefined;
}

/** What the PDF prints for a certificate row. */
export function certificateData(c: CertificateRow, opts: { schoolName: string; origin: string }): CertificateData {
  return {
    number: c.number,
    holderName: c.holder_name,
    holderUsername: c.holder_username,
    subcommitteeName: c.subcommittee_name,
    branchName: c.branch_name,
    className: c.class_name,
    term: c.term,
    startDate: c.start_date,
    endDate: c.end_date,
    hours: c.hours,
    composite: c.composite,
    band: c.band,
    issuedAt: c.issued_at,
    revokedAt: c.revoked_at,
    schoolName: opts.schoolName,
    verifyUrl: `${opts.origin}${verifyPath(c.code)}`,
    code: c.code,
    decision: c.decision,
    exceptionBasis: c.exception_basis,
    layout: c.layout,
    showUsername: c.show_username === 1,
    showScore: c.show_score === 1,
  };
}

type PdfOptions = { schoolName: string; origin: string; sealPath?: string };

export async function certificatePdf(c: CertificateRow, opts: PdfOptions) {
  return renderCertificatePdf(certificateData(c, opts), { sealPath: opts.sealPath });
}

/** 学号-姓名.pdf, safe as a file name. */
export const certificateFileName = (c: Pick<CertificateRow, "holder_username" | "holder_name">) =>
  `${safeSegment(`${c.holder_username}-${c.holder_name}`, "证书")}.pdf`;

/**
 * Every valid certificate of a class as a zip of 学号-姓名.pdf, rendered one at a time as the reader
 * pulls (memory holds one PDF and the zip's pending chunks, not the archive). Audited as an export of
 * personal data.
 */
export async function classCertificatesZip(
  db: DB,
  classId: number,
  opts: PdfOptions & { unitPath?: string },
  actor: Actor,
): Promise<{ stream: ReadableStream<Uint8Array>; count: number }> {
  const certs = await certificatesOfClass(db, classId, { validOnly: true, unitPath: opts.unitPath });
  await audit(db, {
    ...actor,
    action: "certificate.export",
    targetType: "class",
    targetId: classId,
    detail: { certificates: certs.length, ...(opts.unitPath ? { scope: opts.unitPath } : {}) },
  });
  const pending: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure = err;
    else pending.push(chunk);
  });
  const used = new Set<string>();
  let next = 0;
  let ended = false;
  const drain = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (failure) throw failure;
    for (const chunk of pending.splice(0)) controller.enqueue(chunk);
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (next < certs.length) {
        const c = certs[next++]!;
        let name = certificateFileName(c);
        for (let n = 2; used.has(name); n++) name = certificateFileName(c).replace(/\.pdf$/, `(${n}).pdf`);
        used.add(name);
        const { bytes } = await certificatePdf(c, opts);
        const entry = new ZipPassThrough(name); // page streams and fonts are compressed by pdfkit already
        zip.add(entry);
        entry.push(bytes, true);
      } else if (!ended) {
        ended = true;
        zip.end();
      }
      drain(controller);
      if (ended) controller.close();
    },
  });
  return { stream, count: certs.length };
}

/** What the public verification page prints of a certificate (dates in words, the decision in words). */
export function verificationFields(c: NonNullable<Awaited<ReturnType<typeof verifyCertificate>>>) {
  return {
    number: c.number,
    code: c.code.toUpperCase(),
    name: c.maskedName,
    className: c.className,
    term: c.term,
    period: `${chineseDate(c.startDate)}至${chineseDate(c.endDate)}`,
    hours: c.hours,
    result: c.result,
    issued: chineseDate(cstDate(c.issuedAt)),
    revoked: c.revokedAt === null ? null : chineseDate(cstDate(c.revokedAt)),
  };
}
export type VerificationFields = ReturnType<typeof verificationFields>;
