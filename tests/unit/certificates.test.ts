// 结业证书: the PDF read back with pdftotext and its QR code decoded, rare characters, numbering that
// never reuses a number, public verification, and who may download what (through the real loaders).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { unzipSync } from "fflate";
import jsQR from "jsqr";
import { PNG } from "pngjs";
import { beforeEach, describe, expect, it } from "vitest";
import * as completionPage from "../../app/routes/admin.classes.$id_.completion.tsx";
import * as zipRoute from "../../app/routes/admin.classes.$id.certificates[.]zip.tsx";
import * as pdfRoute from "../../app/routes/certificates.$id[.]pdf.tsx";
import * as myCertificates from "../../app/routes/my.certificates.tsx";
import * as verifyPage from "../../app/routes/verify.$code.tsx";
import {
  certificatePdf,
  certificatesOfClass,
  confirmCompletion,
  maskName,
  newVerificationCode,
  revokeCertificate,
  verifyCertificate,
  usableSeal,
  type CertificateRow,
} from "../../app/models/certificates.server.ts";
import type { ClassView } from "../../app/models/classes.server.ts";
import { enrollUsernames, setException } from "../../app/models/classes.server.ts";
import { renderCertificatePdf } from "../../app/utils/certificate-pdf.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { classWorld, didTheWork, makeClass, type ClassWorld } from "../setup/classes.ts";
import { createTestUser, makeRequest, outcome } from "../setup/db.ts";

let db: DB;
let ctx: ClassWorld["ctx"];
let tree: ClassWorld["tree"];
let users: ClassWorld["users"];
let courseId: number;
let cls: ClassView;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-cert-"));
const PDF_OPTS = { schoolName: "中共测试大学委员会党校", origin: "https://dangxiao.example.edu.cn" };
const SENTENCE = "经考核合格，准予结业，特发此证";

beforeEach(async () => {
  ({ db, ctx, tree, users, courseId, cls } = await classWorld());
  await enrollUsernames(
    db,
    { classId: cls.id, entries: ["2023001", "2023002", "2023101"].map((username) => ({ username })), source: "pick", skipProblems: false },
    { actorId: users.admin!.id },
  );
  for (const who of ["traineeA", "traineeA2", "traineeB"] as const) await didTheWork(db, users[who]!.id, courseId, { essay: 85, exam: 90 });
});

const admin = () => ({ actorId: users.admin!.id });
const issue = () => confirmCompletion(db, { classId: cls.id, schoolCode: "JSU" }, admin());
const certOf = async (userId: number) => (await certificatesOfClass(db, cls.id)).find((c) => c.user_id === userId && c.revoked_at === null)!;

function pdftotext(bytes: Uint8Array): string {
  const file = path.join(tmp, `${Math.random().toString(36).slice(2)}.pdf`);
  fs.writeFileSync(file, bytes);
  // The narrative wording wraps where the line is full: compare the text without its line breaks.
  return execFileSync("pdftotext", ["-layout", file, "-"]).toString("utf8").replace(/\s+/g, "");
}

function decodeQr(bytes: Uint8Array): string | null {
  const base = path.join(tmp, Math.random().toString(36).slice(2));
  fs.writeFileSync(`${base}.pdf`, bytes);
  execFileSync("pdftoppm", ["-r", "150", "-png", "-singlefile", `${base}.pdf`, base]);
  const png = PNG.sync.read(fs.readFileSync(`${base}.png`));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}

describe("the certificate PDF", () => {
  it("holds the name, class, number and the sentence as text, stays small, and its QR code opens the verification page", async () => {
    await issue();
    const cert = await certOf(users.traineeA!.id);
    expect(cert.number).toBe("JSU-2026-12-0001");
    const { bytes, warnings } = await certificatePdf(cert, PDF_OPTS);
    expect(warnings).toEqual([]);
    expect(bytes.subarray(0, 5).toString()).toBe("%PDF-");
    expect(bytes.length).toBeLessThan(300 * 1024);
    const text = pdftotext(bytes);
    for (const s of [
      "张晓明",
      "2023001",
      "2026年秋季第12期入党积极分子培训班",
      "JSU-2026-12-0001",
      SENTENCE,
      "甲学院第一党支部",
      "中共测试大学委员会党校",
      "2026年9月1日至2026年11月30日",
    ]) {
      expect(text).toContain(s);
    }
    expect(text).toMatch(/共完成5\.5学时，综合成绩\d+(\.\d)?分（(优秀|良好|合格)）/);
    expect(decodeQr(bytes)).toBe(`https://dangxiao.example.edu.cn/verify/${cert.code}`);
  });

  it("prints 䶮 (in the font) as text, and reports 𠮷 (not in the font) clearly instead of failing silently", async () => {
    const base = (await (async () => {
      await issue();
      return certOf(users.traineeA!.id);
    })()) as CertificateRow;
    const ok = await certificatePdf({ ...base, holder_name: "王䶮" }, PDF_OPTS);
    expect(ok.warnings).toEqual([]);
    expect(pdftotext(ok.bytes)).toContain("王䶮");
    const lacking = await certificatePdf({ ...base, holder_name: "李𠮷" }, PDF_OPTS);
    expect(lacking.warnings).toHaveLength(1);
    expect(lacking.warnings[0]).toContain("「𠮷」(U+20BB7)");
    expect(lacking.warnings[0]).toContain("证书字体中没有");
    expect(lacking.bytes.subarray(0, 5).toString()).toBe("%PDF-");
  });

  it("the completion review warns about a name the font cannot print before certificates are issued", async () => {
    await db.updateTable("users").set({ name: "吉𠮷" }).where("id", "=", users.traineeA2!.id).execute();
    const r = await outcome(
      completionPage.loader({
        request: makeRequest(`/admin/classes/${cls.id}/completion`, { cookie: users.admin!.cookie }),
        context: ctx,
        params: { id: String(cls.id) },
      }),
    );
    expect(r.status).toBe(200);
    expect(r.data.warnings.join()).toContain("U+20BB7");
  });

  it("marks a revoked certificate on the PDF", async () => {
    await issue();
    const cert = await certOf(users.traineeA!.id);
    await revokeCertificate(db, { classId: cls.id, certificateId: cert.id, reason: "材料不实", reissuable: false }, admin(), 1_800_000_000);
    const revoked = (await certificatesOfClass(db, cls.id)).find((c) => c.id === cert.id)!;
    const text = pdftotext((await certificatePdf(revoked, PDF_OPTS)).bytes);
    expect(text).toContain("本证书已于2027年1月15日撤销，不再有效");
    expect(text).toContain("张晓明");
  });

  it("prints the seal image from CERT_SEAL_PATH when it is a PNG, and falls back to the drawn seal for a bad path", async () => {
    await issue();
    const cert = await certOf(users.traineeA!.id);
    const png = "tests/fixtures/courses/sample/media/cover.png";
    expect(usableSeal(png)).toBe(png);
    const withImage = await certificatePdf(cert, { ...PDF_OPTS, sealPath: png });
    const drawn = await certificatePdf(cert, PDF_OPTS);
    expect(withImage.bytes.includes("/Subtype /Image")).toBe(true);
    expect(drawn.bytes.includes("/Subtype /Image")).toBe(false);
    expect(pdftotext(withImage.bytes)).toContain(SENTENCE);
    const quiet = console.error;
    console.error = () => {};
    try {
      expect(usableSeal("/nonexistent/seal.png")).toBeUndefined();
      expect(usableSeal("tests/fixtures/courses/sample/lessons/01-dang-de-xingzhi.md")).toBeUndefined();
    } finally {
      console.error = quiet;
    }
  });

  it("shrinks a very long class name onto one line rather than wrapping it", async () => {
    const name = "2026年秋季第12期计算机科学与技术学院暨人工智能学院联合举办的入党积极分子集中培训班";
    const { bytes } = await renderCertificatePdf({
      number: "X-1",
      holderName: "张三",
      holderUsername: "1",
      subcommitteeName: "甲",
      branchName: "乙",
      className: name,
      term: 12,
      startDate: "2026-09-01",
      endDate: "2026-11-30",
      hours: 24,
      composite: 80,
      band: "良好",
      issuedAt: 1_790_000_000,
      revokedAt: null,
      schoolName: "党校",
      verifyUrl: "https://x/verify/a",
      code: "a".repeat(26),
      decision: "rules",
      exceptionBasis: null,
      layout: "labels",
      showUsername: true,
      showScore: true,
    });
    expect(pdftotext(bytes).replace(/\s+/g, "")).toContain(name);
  });
});

describe("numbering", () => {
  it("takes the school code from the load context the server built, not from the environment", async () => {
    const request = makeRequest(`/admin/classes/${cls.id}/completion`, { cookie: users.admin!.cookie, method: "POST", form: { intent: "confirm" } });
    const r = await outcome(
      completionPage.action({ request, context: { ...ctx, config: { ...ctx.config, schoolCode: "CFG" } }, params: { id: String(cls.id) } }),
    );
    expect(r.data.message).toContain("（CFG-2026-12-0001 起）");
  });

  it("numbers in order, never twice, and never reuses a revoked number", async () => {
    const first = await issue();
    expect(first.issued.map((i) => i.number).sort()).toEqual(["JSU-2026-12-0001", "JSU-2026-12-0002", "JSU-2026-12-0003"]);
    const again = await issue();
    expect(again.issued).toEqual([]);
    const a = await certOf(users.traineeA!.id);
    await revokeCertificate(db, { classId: cls.id, certificateId: a.id, reason: "姓名有误", reissuable: true }, admin());
    const re = await issue();
    expect(re.issued).toEqual([{ userId: users.traineeA!.id, number: "JSU-2026-12-0004" }]);
    const all = await certificatesOfClass(db, cls.id);
    expect(all).toHaveLength(4);
    expect(new Set(all.map((c) => c.number)).size).toBe(4);
    expect(all.find((c) => c.id === a.id)!.revoked_at).not.toBeNull();
    expect(new Set(all.map((c) => c.code)).size).toBe(4);
  });

  it("a revocation without reissue marks the holder 不予结业, so confirming again issues nothing", async () => {
    await issue();
    const a = await certOf(users.traineeA!.id);
    await revokeCertificate(db, { classId: cls.id, certificateId: a.id, reason: "违反培训纪律", reissuable: false }, admin());
    const told = await db.selectFrom("notifications").select(["kind", "body"]).where("user_id", "=", users.traineeA!.id).orderBy("id").execute();
    expect(told.map((n) => n.kind)).toEqual(["certificate_issued", "certificate_revoked"]);
    expect(told[1]!.body).toContain("违反培训纪律");
    const re = await issue();
    expect(re.issued).toEqual([]);
    const m = await db
      .selectFrom("class_members")
      .select(["outcome", "exception"])
      .where("class_id", "=", cls.id)
      .where("user_id", "=", users.traineeA!.id)
      .executeTakeFirstOrThrow();
    expect(m).toEqual({ outcome: "not_completed", exception: "fail" });
  });

  it("two classes with the same prefix share one counter; another 期次 starts its own", async () => {
    await issue();
    const twin = await makeClass(db, { adminId: users.admin!.id, hostUnitId: tree.subA, courseId, term: 12, name: "甲学院分党校第12期" });
    await enrollUsernames(db, { classId: twin.id, entries: [{ username: "2023001" }], source: "pick", skipProblems: false }, admin());
    expect((await confirmCompletion(db, { classId: twin.id, schoolCode: "JSU" }, admin())).issued[0]!.number).toBe("JSU-2026-12-0004");
    const next = await makeClass(db, { adminId: users.admin!.id, hostUnitId: tree.root, courseId, term: 13 });
    await enrollUsernames(db, { classId: next.id, entries: [{ username: "2023002" }], source: "pick", skipProblems: false }, admin());
    expect((await confirmCompletion(db, { classId: next.id, schoolCode: "JSU" }, admin())).issued[0]!.number).toBe("JSU-2026-13-0001");
  });

  it("issues only to those who complete, and an exception with a reason can force it (audited)", async () => {
    const late = await createTestUser(db, { orgUnitId: tree.branchA, name: "赵晚", username: "2023009" });
    await enrollUsernames(db, { classId: cls.id, entries: [{ username: "2023009" }], source: "pick", skipProblems: false }, admin());
    const r = await issue();
    expect(r.issued.map((i) => i.userId)).not.toContain(late.id);
    expect(r.studying).toBe(1);
    await setException(db, { classId: cls.id, userIds: [late.id], kind: "complete", basis: "makeup", reason: "因公出差，线下补学补考合格" }, admin());
    expect((await issue()).issued.map((i) => i.userId)).toEqual([late.id]);
    const actions = (await db.selectFrom("audit_log").select("action").execute()).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["class.exception", "class.complete", "certificate.issue"]));
  });
});

describe("public verification", () => {
  const verify = (code: string) => outcome(verifyPage.loader({ request: makeRequest(`/verify/${code}`), context: ctx, params: { code } }));

  it("shows a valid certificate with a masked name, without signing in", async () => {
    await issue();
    const cert = await certOf(users.traineeA!.id);
    const r = await verify(cert.code);
    expect(r.status).toBe(200);
    expect(r.data.cert).toMatchObject({ name: "张*明", number: cert.number, className: cls.name, result: cert.band, revoked: null });
    expect(JSON.stringify(r.data)).not.toContain("张晓明");
    expect(JSON.stringify(r.data)).not.toContain("2023001");
  });

  it("shows a revocation at once, with its date", async () => {
    await issue();
    const cert = await certOf(users.traineeA!.id);
    await revokeCertificate(db, { classId: cls.id, certificateId: cert.id, reason: "材料不实", reissuable: false }, admin(), 1_800_000_000);
    const r = await verify(cert.code);
    expect(r.status).toBe(200);
    expect(r.data.cert.revoked).toBe("2027年1月15日");
    expect(JSON.stringify(r.data)).not.toContain("材料不实");
  });

  it("answers 404 证书不存在 for an unknown code, a certificate number or an id", async () => {
    await issue();
    const cert = await certOf(users.traineeA!.id);
    for (const code of [newVerificationCode(), cert.number, String(cert.id), "", "../etc"]) {
      const r = await verify(code);
      expect(r.status).toBe(404);
      expect(r.data).toBe("证书不存在");
    }
  });

  it("sequential codes find nothing: neighbours of a real code and counted codes are all unknown", async () => {
    await issue();
    const real = (await certificatesOfClass(db, cls.id)).map((c) => c.code);
    const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    const tried: string[] = [];
    for (const code of real) {
      // Change the last character to every other symbol: a step of one in any counting order.
      for (const ch of alphabet) if (code.at(-1) !== ch) tried.push(code.slice(0, -1) + ch);
    }
    for (let i = 0; i < 200; i++)
      tried.push(
        i
          .toString(32)
          .padStart(26, "a")
          .replace(/[0-9]/g, (d) => alphabet[Number(d) + 22]!),
      );
    let found = 0;
    for (const code of tried) if (!real.includes(code) && (await verifyCertificate(db, code))) found++;
    expect(tried.length).toBeGreaterThan(250);
    expect(found).toBe(0);
    expect(real.every((c) => /^[a-z2-7]{26}$/.test(c))).toBe(true);
  });

  it("masks names as 张*明, 张*, and first*last for longer names", () => {
    expect(maskName("张晓明")).toBe("张*明");
    expect(maskName("张明")).toBe("张*");
    expect(maskName("欧阳晓明")).toBe("欧*明");
    expect(maskName("王")).toBe("*");
    expect(maskName("吉𠮷")).toBe("吉*");
  });
});

describe("downloads and who may have them", () => {
  const download = (who: keyof typeof users | null, id: number) =>
    pdfRoute
      .loader({ request: makeRequest(`/certificates/${id}.pdf`, { cookie: who ? users[who]!.cookie : undefined }), context: ctx, params: { id: String(id) } })
      .catch((e: unknown) => e as Response);

  it("the holder downloads their own as an attachment named 学号-姓名.pdf", async () => {
    await issue();
    const cert = await certOf(users.traineeA!.id);
    const res = await download("traineeA", cert.id);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/pdf");
    expect(decodeURIComponent(res.headers.get("Content-Disposition")!)).toContain("2023001-张晓明.pdf");
    expect(
      Buffer.from(await res.arrayBuffer())
        .subarray(0, 4)
        .toString(),
    ).toBe("%PDF");
  });

  it("another trainee, an instructor and a secretary of another subtree get 404; anonymous is sent to sign in", async () => {
    await issue();
    const cert = await certOf(users.traineeA!.id);
    for (const who of ["traineeA2", "traineeB", "instructor", "secretaryB"] as const) expect((await download(who, cert.id)).status).toBe(404);
    expect((await download("traineeA", 999_999)).status).toBe(404);
    expect((await download(null, cert.id)).status).toBe(302);
  });

  it("a secretary downloads only within their subtree (audited); an admin any", async () => {
    await issue();
    const a = await certOf(users.traineeA!.id);
    const b = await certOf(users.traineeB!.id);
    expect((await download("secretaryA", a.id)).status).toBe(200);
    expect((await download("secretaryA", b.id)).status).toBe(404);
    expect((await download("secretaryB", b.id)).status).toBe(200);
    expect((await download("admin", b.id)).status).toBe(200);
    const audits = await db.selectFrom("audit_log").select(["action", "actor_id"]).where("action", "=", "certificate.download").execute();
    expect(audits.map((x) => x.actor_id)).toEqual([users.secretaryA!.id, users.secretaryB!.id, users.admin!.id]);
  });

  it("我的证书 lists only the trainee's own certificates", async () => {
    await issue();
    const r = await outcome(myCertificates.loader({ request: makeRequest("/my/certificates", { cookie: users.traineeA!.cookie }), context: ctx, params: {} }));
    expect(r.data.certificates).toHaveLength(1);
    expect(r.data.certificates[0].number).toBe((await certOf(users.traineeA!.id)).number);
  });

  it("the class zip holds every valid certificate as 学号-姓名.pdf, for admins only, audited as an export", async () => {
    await issue();
    await revokeCertificate(db, { classId: cls.id, certificateId: (await certOf(users.traineeB!.id)).id, reason: "重复", reissuable: false }, admin());
    const res = (await zipRoute.loader({
      request: makeRequest(`/admin/classes/${cls.id}/certificates.zip`, { cookie: users.admin!.cookie }),
      context: ctx,
      params: { id: String(cls.id) },
    })) as Response;
    expect(res.headers.get("Content-Type")).toBe("application/zip");
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(["2023001-张晓明.pdf", "2023002-陈思雨.pdf"]);
    for (const f of Object.values(files)) expect(Buffer.from(f.subarray(0, 5)).toString()).toBe("%PDF-");
    expect(await db.selectFrom("audit_log").select("detail").where("action", "=", "certificate.export").executeTakeFirst()).toEqual({
      detail: JSON.stringify({ certificates: 2 }),
    });
    for (const who of ["traineeA", "secretaryA", "instructor"] as const) {
      const r = await outcome(
        zipRoute.loader({
          request: makeRequest(`/admin/classes/${cls.id}/certificates.zip`, { cookie: users[who]!.cookie }),
          context: ctx,
          params: { id: String(cls.id) },
        }),
      );
      expect(r.status).toBe(403);
    }
  });
});
