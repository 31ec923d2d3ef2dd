// Ledger export benchmark: 100,000 generated ledger rows (25,000 trainees in 100 branches, each in 4
// of 100 training classes of 1,000 members over the demo course; half of the classes confirmed with
// certificates, half still live so their standing is computed row by row), exported from the running
// production server as XLSX and as CSV by an admin. For each export: wall time, time to first byte,
// bytes, rows read back, the server's peak RSS (sampled every 20 ms) and the latency of /healthz
// requested every 10 ms while the export runs (against the same probe on the idle server). Then the
// same two exports from the bare baseline (scripts/bench/bare/ledger.ts: node:http + better-sqlite3,
// live standings by the same computeResult, cells by the same ledgerCells, csvLines and xlsxStream),
// measured the same way on a copy of the data, and the two files compared: the CSV byte for byte,
// the XLSX by its sheet.
//
//   npm run bench ledger-export          (needs a build: BUILD_DIR, default build)
//   LEDGER_ROWS=20000 npm run bench ledger-export
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { unzipSync } from "fflate";
import { DEFAULT_RULES } from "../../../app/utils/class-rules.ts";
import { chineseName, generatedResult, generatedSchool, sessionCookie, type GeneratedTrainee } from "../fixtures.ts";
import { compared, describe, onBothServers, pct, round, timedRequest, type Server } from "../servers.ts";
import type { Measurement } from "../types.ts";

const CLASS_SIZE = 1000;
const CLASSES_PER_TRAINEE = 4;
const SUBCOMMITTEES = 10;
const BRANCHES_PER_SUB = 10;

/** Writes the generated school into `dataDir/app.db` (migrated, demo seeded, demo courses synced). */
export async function generateLedgerSchool(dataDir: string, rows: number) {
  const classes = Math.ceil(rows / CLASS_SIZE);
  const trainees = Math.max(CLASS_SIZE, Math.ceil((classes * CLASS_SIZE) / CLASSES_PER_TRAINEE));
  const { db, w } = await generatedSchool(dataDir);
  const { t, lessons, assignment, exam } = w;

  db.transaction(() => {
    const branches: number[] = [];
    for (let s = 0; s < SUBCOMMITTEES; s++) {
      const sub = w.unit(`压测第${s + 1}学院党委`, "subcommittee", w.root);
      for (let b = 0; b < BRANCHES_PER_SUB; b++) branches.push(w.unit(`压测第${s + 1}学院第${b + 1}党支部`, "branch", sub).id);
    }
    const userIds: number[] = [];
    const inputs: GeneratedTrainee[] = [];
    for (let i = 0; i < trainees; i++) {
      const x: GeneratedTrainee = {
        username: `B${String(i).padStart(7, "0")}`,
        name: chineseName(i),
        gender: i % 2 ? "男" : "女",
        unitId: branches[i % branches.length]!,
        done: i % (lessons.length + 1),
        essay: i % 3 === 0 ? null : i % 7 === 0 ? "submitted" : 50 + (i % 50),
        examScore: i % 4 === 0 ? null : 40 + (i % 60),
      };
      userIds.push(w.trainee(x));
      inputs.push(x);
    }
    const cert = db.prepare(
      "insert into certificates (class_id, user_id, number, code, holder_name, holder_username, subcommittee_name, branch_name, class_name, term, start_date, end_date, hours, composite, band, issued_at, issued_by) values (?, ?, ?, ?, '', '', '', '', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const rules = { ...DEFAULT_RULES, requiredHours: 20 };
    for (let c = 0; c < classes; c++) {
      const start = new Date(Date.UTC(2024, 0, 1 + c * 7)).toISOString().slice(0, 10);
      const end = new Date(Date.UTC(2024, 0, 1 + c * 7 + 60)).toISOString().slice(0, 10);
      const decided = c % 2 === 0;
      const name = `${start.slice(0, 4)}年第${c + 1}期入党积极分子培训班`;
      const classId = w.trainingClass({ name, term: c + 1, start, end, rules, completed: decided });
      let seq = 0;
      for (let k = 0; k < CLASS_SIZE; k++) {
        const i = (c * (CLASS_SIZE / CLASSES_PER_TRAINEE) + k) % trainees;
        if (!decided) {
          w.member(classId, userIds[i]!);
          continue;
        }
        const result = generatedResult({ lessons, assignment, exam }, inputs[i]!, rules);
        w.member(classId, userIds[i]!, { result });
        if (result.passed)
          cert.run(
            classId,
            userIds[i]!,
            `BEN-${start.slice(0, 4)}-${c + 1}-${String(++seq).padStart(4, "0")}`,
            randomBytes(16).toString("hex"),
            name,
            c + 1,
            start,
            end,
            result.hours,
            result.composite,
            result.band,
            t,
            w.admin.id,
          );
      }
    }
  })();
  const cookie = sessionCookie(db, w.admin.id);
  const count = (db.prepare("select count(*) as n from class_members").get() as { n: number }).n;
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return { cookie, members: count, trainees, classes };
}

/** Requests /healthz every 10 ms until `stop` resolves; returns the latencies in ms. */
async function probe(url: string, stop: Promise<unknown>): Promise<number[]> {
  let done = false;
  void stop.finally(() => (done = true));
  const lat: number[] = [];
  while (!done) {
    const t0 = performance.now();
    const r = await fetch(`${url}/healthz`);
    await r.arrayBuffer();
    lat.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 10));
  }
  return lat;
}

const latencies = (lat: number[]) => `${round(pct(lat, 50))} / ${round(pct(lat, 99))} / ${round(Math.max(...lat))} (${lat.length})`;

/** One export by the admin, timed, with /healthz probed meanwhile on the app; the file's rows counted and its content hashed. */
export async function exportOnce(s: Server, cookie: string, format: "xlsx" | "csv", dir: string) {
  const file = path.join(dir, `${s.kind}.${format}`);
  const run = timedRequest(s, `/admin/ledger/export.${format}`, { headers: { cookie }, file });
  const [r, lat] = await Promise.all([run, s.kind === "app" ? probe(s.url, run) : null]);
  if (r.status !== 200) throw new Error(`${s.kind} ${format} export: ${r.status}`);
  const bytes = new Uint8Array(fs.readFileSync(file));
  fs.rmSync(file);
  // The CSV must be the same bytes from both; the XLSX the same sheet (its properties carry the time).
  const content = format === "csv" ? bytes : unzipSync(bytes, { filter: (f) => f.name === "xl/worksheets/sheet1.xml" })["xl/worksheets/sheet1.xml"]!;
  const text = new TextDecoder().decode(content);
  const rows = format === "csv" ? text.split("\r\n").filter(Boolean).length - 1 : (text.match(/<row /g) ?? []).length - 1;
  return { ...r, lat, rows, digest: createHash("sha256").update(content).digest("hex") };
}

type Export = Awaited<ReturnType<typeof exportOnce>>;

/** The idle /healthz, the ledger page and the dashboard on the app (no baseline for these). */
async function appPages(s: Server, cookie: string) {
  const idle = await probe(s.url, new Promise((r) => setTimeout(r, 3000)));
  const page = await timedRequest(s, "/admin/ledger", { headers: { cookie } });
  if (page.status !== 200) throw new Error(`ledger page: ${page.status}`);
  const dashboard = await timedRequest(s, "/admin/dashboard", { headers: { cookie } });
  if (dashboard.status !== 200) throw new Error(`dashboard: ${dashboard.status}`);
  return { idle, pageMs: page.ms, dashboardMs: dashboard.ms };
}

function exportLines(label: string, app: Export, base: Export) {
  return {
    ...compared(
      `${label} export`,
      `GET /admin/ledger/export.${label.toLowerCase()} (no filter), to the last byte`,
      { ms: app.ms, text: `${describe(app)}; ${app.rows} rows read back` },
      { ms: base.ms, text: `${describe(base)}; ${base.rows} rows read back` },
    ),
    [`${label} /healthz on the app during its export p50 / p99 / max ms (n)`]: latencies(app.lat!),
    [`${label} the same ${label === "CSV" ? "bytes" : "sheet"} from app and baseline`]: app.digest === base.digest ? "yes" : "NO",
  };
}

export const ledgerExport: Measurement = {
  name: "ledger-export",
  what: "export of 100,000 generated ledger rows as XLSX and CSV by an admin (half the classes confirmed, half computed live), from the production server with /healthz probed every 10 ms meanwhile, and from the bare baseline (node:http + better-sqlite3, the same rows through the same cell and file writers)",
  run: async () => {
    const wanted = Number(process.env.LEDGER_ROWS ?? 100_000);
    let generateS = 0;
    const generated = async (dir: string) => {
      const g0 = performance.now();
      const data = await generateLedgerSchool(dir, wanted);
      generateS = (performance.now() - g0) / 1000;
      return data;
    };
    const { data, app, baseline } = await onBothServers("ledger", generated, async (s, dir, d) => {
      const pages = s.kind === "app" ? await appPages(s, d.cookie) : null;
      return { pages, xlsx: await exportOnce(s, d.cookie, "xlsx", dir), csv: await exportOnce(s, d.cookie, "csv", dir) };
    });
    const pages = app.pages!;
    return {
      "ledger rows (class members)": data.members,
      "trainees / classes": `${data.trainees} / ${data.classes}`,
      "data generation s": round(generateS, 1),
      "/healthz idle p50 / p99 ms": `${round(pct(pages.idle, 50))} / ${round(pct(pages.idle, 99))}`,
      "/admin/ledger page (counts + first 50 rows) ms, app only": Math.round(pages.pageMs),
      "/admin/dashboard (the 30 most recent unconfirmed classes, 30,000 standings) ms, app only": Math.round(pages.dashboardMs),
      ...exportLines("XLSX", app.xlsx, baseline.xlsx),
      ...exportLines("CSV", app.csv, baseline.csv),
    };
  },
};
