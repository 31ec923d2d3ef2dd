// Certificate batch: a class of N trainees (default 1,000, the size; CERT_COUNT=200 for a quick
// run) over the demo course 入党积极分子培训, every one of whom did the work (lessons, a graded 思想汇报,
// a passed exam). Through the running production server, as the organization department does it:
// 确认结业 (POST /admin/classes/:id/completion, intent=confirm: results computed, outcomes recorded, N
// certificates numbered and issued in one transaction), then the class zip (GET
// /admin/classes/:id/certificates.zip: N PDFs rendered one at a time and streamed into a zip). Each
// timed to its last byte with the server's RSS sampled every 20 ms. Then the same two requests to the
// bare baseline (scripts/bench/bare/certificates.ts) on a copy of the same starting data, and the
// results compared: the same certificate number for every trainee, the same entries in both zips.
//
//   npm run bench certificate-batch      (needs a build: BUILD_DIR, default build)
import Database from "better-sqlite3";
import fs from "node:fs";
import path from "node:path";
import { unzipSync } from "fflate";
import { DEFAULT_RULES } from "../../../app/utils/class-rules.ts";
import { chineseName, generatedSchool, sessionCookie } from "../fixtures.ts";
import { compared, describe, formPost, onBothServers, round, timedRequest, type Server, type Timed } from "../servers.ts";
import type { Measurement } from "../types.ts";

const BRANCHES = 10;

/** The school, the trainees and their class (not yet confirmed); returns the admin's cookie and the class id. */
async function generate(dataDir: string, count: number) {
  const { db, w } = await generatedSchool(dataDir);
  const classId = db.transaction(() => {
    const sub = w.unit("计算机科学与技术学院党委", "subcommittee", w.root);
    const branches = Array.from({ length: BRANCHES }, (_, b) => w.unit(`计算机学院本科生第${b + 1}党支部`, "branch", sub).id);
    const id = w.trainingClass({
      name: "2026年秋季第12期入党积极分子培训班",
      term: 12,
      start: "2026-09-01",
      end: "2026-11-30",
      rules: DEFAULT_RULES,
      completed: false,
    });
    for (let i = 0; i < count; i++) {
      const userId = w.trainee({
        username: String(2023_00001 + i),
        name: chineseName(i),
        gender: i % 2 ? "男" : "女",
        unitId: branches[i % BRANCHES]!,
        done: w.lessons.length,
        essay: 70 + (i % 30),
        examScore: 60 + (i % 40),
      });
      w.member(id, userId);
    }
    return id;
  })();
  const cookie = sessionCookie(db, w.admin.id);
  db.close();
  return { cookie, classId };
}

/** 确认结业 and the zip on one server, the zip read back and the numbers issued read from its database. */
async function batch(s: Server, dataDir: string, { cookie, classId }: { cookie: string; classId: number }) {
  const confirm = await timedRequest(s, `/admin/classes/${classId}/completion.data`, formPost(cookie, { intent: "confirm" }));
  if (confirm.status !== 200) throw new Error(`${s.kind} confirm: ${confirm.status} ${confirm.body}`);
  const file = path.join(dataDir, "certificates.zip");
  const zip = await timedRequest(s, `/admin/classes/${classId}/certificates.zip`, { headers: { cookie }, file });
  if (zip.status !== 200) throw new Error(`${s.kind} zip: ${zip.status}`);
  const files = unzipSync(new Uint8Array(fs.readFileSync(file)));
  fs.rmSync(file);
  const pdfs = Object.values(files);
  const db = new Database(path.join(dataDir, "app.db"), { readonly: true });
  const issued = db.prepare("select user_id, number from certificates where class_id = ? order by user_id").all(classId) as {
    user_id: number;
    number: string;
  }[];
  db.close();
  const numbers = issued.map((r) => r.number).sort();
  return {
    confirm,
    zip,
    entries: Object.keys(files).sort().join("\n"),
    check: `${pdfs.length} entries, all %PDF ${pdfs.every((e) => Buffer.from(e.subarray(0, 4)).toString() === "%PDF") ? "yes" : "NO"}, largest PDF ${round(Math.max(...pdfs.map((e) => e.length)) / 1024)} KB`,
    issued: issued.map((r) => `${r.user_id}:${r.number}`).join(","),
    numbers: `${numbers.length} (${numbers[0]} … ${numbers.at(-1)})`,
  };
}

export const certificateBatch: Measurement = {
  name: "certificate-batch",
  what: "确认结业 and the class zip for 1,000 trainees (CERT_COUNT), through the production server by an admin and through the bare baseline (better-sqlite3, the same pdfkit renderer and fonts, fflate)",
  run: async () => {
    const count = Number(process.env.CERT_COUNT ?? 1000);
    const { app, baseline } = await onBothServers("cert", (dir) => generate(dir, count), batch);
    const perPdf = (t: Timed) => `${round(t.ms / count, 1)} ms per certificate`;
    const total = (x: typeof app) => ({ ms: x.confirm.ms + x.zip.ms, text: `${round((x.confirm.ms + x.zip.ms) / 1000, 2)} s` });
    return {
      trainees: count,
      ...compared(
        "确认结业",
        `POST of the 确认结业 form: ${count} results computed, outcomes recorded, certificates numbered, issued and audited in one transaction`,
        { ms: app.confirm.ms, text: describe(app.confirm, { size: false }) },
        { ms: baseline.confirm.ms, text: describe(baseline.confirm, { size: false }) },
      ),
      "certificates issued — app / baseline": `${app.numbers} / ${baseline.numbers}`,
      "the same number for every trainee in app and baseline": app.issued === baseline.issued ? "yes" : "NO",
      ...compared(
        "class zip",
        `GET of the class's certificates.zip: ${count} PDFs rendered one at a time and zipped while streaming, to the last byte`,
        { ms: app.zip.ms, text: `${describe(app.zip)}; ${perPdf(app.zip)}` },
        { ms: baseline.zip.ms, text: `${describe(baseline.zip)}; ${perPdf(baseline.zip)}` },
      ),
      "zip check — app / baseline": `${app.check} / ${baseline.check}`,
      "the same entry names in both zips": app.entries === baseline.entries ? "yes" : "NO",
      ...compared("total", "确认结业 + class zip", total(app), total(baseline)),
    };
  },
};
