// The bad-input sweep: every route with an action (from the route manifest) gets empty, oversized
// (1 MB), wrong-type and hostile values — script, SQL-looking, very long Unicode, RTL override, NUL
// and control characters, emoji, 𠮷 — and hostile files, from a session of a role that reaches its
// validation. Page forms are found in the page's HTML; JSON and resource routes use the bodies in
// tests/setup/route-table.ts. No 500, no script reflected or stored (every page is read again
// afterwards), a Chinese message whenever the input is refused, and redirects only to our own pages.
import { zipSync, strToU8 } from "fflate";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIG, HOSTILE, WRONG_TYPE, encode, formsOf, parseHtml, variants, type FoundForm } from "../setup/forms.ts";
import { ROUTES, allows } from "../setup/route-table.ts";
import { appRoutes } from "../setup/routes.ts";
import { ACTORS, DEMO, DEMO_BANK, TINY_PDF, TINY_PNG, seedScenario, type Scenario } from "../setup/scenario.ts";
import { startServer, type TestServer } from "../setup/server.ts";

const routes = await appRoutes();
const withAction = routes.filter((r) => r.hasAction);
let server: TestServer;
let s: Scenario;
const tally = { requests: 0, refused: 0, accepted: 0, cutAfterAnswer: 0 };

beforeAll(async () => {
  server = await startServer({ COURSES_DIR: "courses" });
  s = await seedScenario(server);
}, 120_000);

afterAll(async () => {
  console.log(
    `bad-input sweep: ${tally.requests} requests to ${withAction.length} routes with an action; ${tally.refused} refused with a message, ${tally.accepted} accepted; ${tally.cutAfterAnswer} uploads cut by the server after its answer`,
  );
  await s?.db.destroy();
  await server?.stop();
});

/** Hostile markup that must never reach a page unescaped. */
const UNSAFE = [/<script>alert\(1\)/i, /<img src=x onerror=alert/i, /<iframe src="\/\/evil/i, /\s(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:/i];
const unsafeIn = (html: string) => UNSAFE.filter((re) => re.test(html)).map(String);
const CJK = /[\u4e00-\u9fff]/;

/** The messages shown for a refused input: alerts on a page, `message`/`error` in JSON, or the plain-text body. */
function messagesOf(type: string, body: string): string[] {
  if (type.includes("json")) {
    try {
      const j = JSON.parse(body) as { message?: unknown; error?: unknown };
      return [j.message, j.error].filter((m): m is string => typeof m === "string");
    } catch {
      return [];
    }
  }
  if (type.includes("html")) {
    const document = parseHtml(body);
    return Array.from(document.querySelectorAll('[role="alert"], .alert, .field-error, .error-page')).map((el) => (el.textContent ?? "").trim());
  }
  return [body.slice(0, 200)];
}

type Sent = { status: number; type: string; body: string; location: string };

/**
 * A POST the way a browser or curl sends it: the answer counts once it has arrived, even when the
 * server stops reading the upload and the connection is cut behind it (counted in `cutAfterAnswer`).
 */
async function post(url: string, cookie: string, body: BodyInit, contentType?: string): Promise<Sent> {
  tally.requests++;
  const encoded = new Request(s.url + url, { method: "POST", body, headers: contentType ? { "Content-Type": contentType } : {} });
  const bytes = Buffer.from(await encoded.arrayBuffer());
  const headers: Record<string, string | number> = { Origin: s.url, "Content-Length": bytes.length };
  if (cookie) headers.Cookie = cookie;
  const type = encoded.headers.get("content-type");
  if (type) headers["Content-Type"] = type;
  return new Promise((resolve, reject) => {
    let done = false;
    const req = http.request(s.url + url, { method: "POST", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        done = true;
        const location = res.headers.location ?? "";
        resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"] ?? "", body: Buffer.concat(chunks).toString("utf8"), location });
      });
    });
    req.setTimeout(20_000, () => req.destroy(Object.assign(new Error("no answer in 20 s"), { code: "TIMEOUT" })));
    req.on("error", (e) => {
      if (done) tally.cutAfterAnswer++;
      else reject(new Error(`POST ${url}: no answer (${(e as NodeJS.ErrnoException).code ?? e.message})`));
    });
    req.end(bytes);
  });
}

/** What is wrong with one answer to bad input (nothing: []). */
function judge(got: Sent, what: string): string[] {
  const problems: string[] = [];
  if (got.status >= 500) return [`${what}: ${got.status} ${got.body.slice(0, 200)}`];
  if (got.status >= 300 && got.status < 400) {
    if (!/^\/(?![/\\])/.test(got.location)) problems.push(`${what}: redirect off site → ${got.location}`);
    tally.accepted++;
  } else if (got.status >= 400) {
    tally.refused++;
    const messages = messagesOf(got.type, got.body);
    if (!messages.some((m) => CJK.test(m))) problems.push(`${what}: ${got.status} without a Chinese message: ${JSON.stringify(messages).slice(0, 200)}`);
  } else tally.accepted++;
  if (got.type.includes("html")) for (const u of unsafeIn(got.body)) problems.push(`${what}: reflects ${u} unescaped`);
  return problems;
}

// ------------------------------------------------------------------------------------------ files

function hostileCsv() {
  const rows = [
    "学号/工号,姓名,性别,二级党委,党支部,发展阶段,角色",
    `bad${Date.now() % 100000},<script>alert(1)</script>,男,计算机学院党委,计算机学院本科生第一党支部,入党积极分子,学员`,
    `"' OR 1=1 --","\u202E名单",女,计算机学院党委,计算机学院本科生第一党支部,入党积极分子,学员`,
    `=HYPERLINK("http://evil.example"),"a\u0000b",男,不存在的党委,不存在的支部,火星人,学员`,
  ];
  return new Blob([`\uFEFF${rows.join("\r\n")}\r\n`], { type: "text/csv" });
}

function hostileFiles(accept: string): { label: string; file: Blob; name: string }[] {
  const a = accept.toLowerCase();
  const [ext, good, special] = a.includes(".zip")
    ? [
        "zip",
        new Blob([zipSync({ "course.md": strToU8("---\ntitle: <script>alert(1)</script>\n---\n") })]),
        new Blob([zipSync({ "../../evil.md": strToU8("x"), "course.md": strToU8("x") })]),
      ]
    : a.includes(".gift")
      ? [
          "txt",
          new Blob(["<script>alert(1)</script> 题干？\nA. 对\nB. 错\nANSWER: A\n"]),
          new Blob(["::t::<img src=x onerror=alert(1)>{=是 ~否}\n\n' OR 1=1 -- {T}\n"]),
        ]
      : a.includes(".csv")
        ? ["csv", hostileCsv(), hostileCsv()]
        : a.includes("image")
          ? ["png", new Blob([TINY_PNG]), new Blob([TINY_PNG, "<script>alert(1)</script>"])]
          : ["pdf", new Blob([TINY_PDF]), new Blob([TINY_PDF, "<script>alert(1)</script>"])];
  return [
    { label: "script in the name", file: good, name: `<script>alert(1)</script>.${ext}` },
    { label: "RTL override, NUL and control characters in the name", file: good, name: `\u202Egnp\u0000\u0007${"名".repeat(300)}.${ext}` },
    { label: "a path as the name", file: good, name: `../../../etc/passwd.${ext}` },
    { label: "HTML posing as the type", file: new Blob(["<html><body><script>alert(1)</script></body></html>"]), name: `page.${ext}` },
    { label: "an empty file", file: new Blob([]), name: `empty.${ext}` },
    { label: "1 MB of random bytes", file: new Blob([randomBytes(1024 * 1024)]), name: `random.${ext}` },
    { label: "hostile content", file: special, name: `hostile.${ext}` },
  ];
}

// ------------------------------------------------------------------------------------------ sweeps

async function sweepForm(form: FoundForm, cookie: () => Promise<string>, where: string, follow: Set<string>): Promise<string[]> {
  const problems: string[] = [];
  for (const submitter of form.submitters.length ? form.submitters : [undefined]) {
    for (const v of variants(form, submitter, hostileFiles)) {
      const { body } = encode(form, v);
      const what = `${where} [${submitter ? `${submitter.name}=${submitter.value}` : "form"}] ${v.label}`;
      const got = await post(form.action, await cookie(), body).catch((e: Error) => ({ status: 0, type: "", body: e.message, location: "" }));
      if (got.status === 0) {
        problems.push(`${what}: ${got.body}`);
        continue;
      }
      problems.push(...judge(got, what));
      // A step of a flow on the same page (an import's preview): its forms are swept too.
      const to = got.location && new URL(got.location, s.url);
      if (to && to.pathname === new URL(form.action, s.url).pathname && to.search) follow.add(to.pathname + to.search);
    }
  }
  return problems;
}

async function sweepPage(url: string, cookie: () => Promise<string>): Promise<{ problems: string[]; forms: number }> {
  const problems: string[] = [];
  const follow = new Set<string>();
  const seen = new Set<string>();
  let forms = 0;
  const visit = async (page: string) => {
    const c = await cookie();
    const res = await fetch(s.url + page, { redirect: "manual", headers: c ? { Cookie: c } : {} });
    const html = await res.text();
    if (res.status !== 200) return problems.push(`GET ${page}: ${res.status} ${html.slice(0, 160)}`);
    for (const form of formsOf(html, s.url + page)) {
      const key = `${form.action} ${form.fields.map((f) => f.name).join(",")} ${form.submitters.map((b) => b.value).join(",")}`;
      if (seen.has(key)) continue;
      seen.add(key);
      forms++;
      problems.push(...(await sweepForm(form, cookie, `POST ${form.action}`, follow)));
    }
  };
  await visit(url);
  // One step further: the first follow-up page of each kind (e.g. ?file= for the roster preview).
  const kinds = new Set<string>();
  for (const next of follow) {
    const kind = [...new URL(next, s.url).searchParams.keys()].join("&");
    if (kinds.has(kind)) continue;
    kinds.add(kind);
    await visit(next);
  }
  return { problems, forms };
}

/** Hostile values in each field (and one level down) of a JSON body, and bodies that are not the JSON expected. */
async function sweepJson(url: string, sample: Record<string, unknown>, cookie: () => Promise<string>): Promise<string[]> {
  const problems: string[] = [];
  const bodies: [string, string, string?][] = [
    ["not JSON", "{questionId: 1"],
    ["empty body", ""],
    ["null", "null"],
    ["an array", "[]"],
    ["a string", JSON.stringify(HOSTILE.script)],
    ["deep nesting", `${"[".repeat(5000)}${"]".repeat(5000)}`],
    ["1 MB string", JSON.stringify({ ...sample, x: BIG.oversized })],
    ["__proto__", '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'],
    ["as text/plain", JSON.stringify(sample), "text/plain"],
    ["as a form", new URLSearchParams(Object.entries(sample).map(([k, v]) => [k, String(v)])).toString(), "application/x-www-form-urlencoded"],
  ];
  const values: [string, unknown][] = [
    ...Object.entries(HOSTILE),
    ...Object.entries(BIG),
    ...WRONG_TYPE.map((v) => [`"${v.slice(0, 10)}"`, v] as [string, unknown]),
    ["null", null],
    ["true", true],
    ["-1", -1],
    ["1e308", 1e308],
    ["2^53+1", 2 ** 53 + 1],
    ["[]", []],
    ["{}", {}],
    ["nested", { a: [{ b: HOSTILE.script }] }],
  ];
  const paths: string[][] = [];
  for (const [k, v] of Object.entries(sample)) {
    paths.push([k]);
    if (v && typeof v === "object" && !Array.isArray(v)) for (const k2 of Object.keys(v)) paths.push([k, k2]);
  }
  let seq = 1000;
  for (const p of paths) {
    for (const [label, value] of values) {
      const body = structuredClone(sample) as Record<string, unknown>;
      if (p.length === 1) body[p[0]!] = value;
      else (body[p[0]!] as Record<string, unknown>)[p[1]!] = value;
      if ("seq" in sample && p[0] !== "seq") body.seq = ++seq;
      bodies.push([`${p.join(".")}=${label}`, JSON.stringify(body)]);
    }
  }
  for (const [label, body, type] of bodies) problems.push(...judge(await post(url, await cookie(), body, type ?? "application/json"), `POST ${url} ${label}`));
  // Bytes that are not UTF-8 at all.
  problems.push(
    ...judge(
      await post(url, await cookie(), new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0xc0, 0x80, 0x22, 0x7d]), "application/json"),
      `POST ${url} invalid UTF-8`,
    ),
  );
  return problems;
}

describe("bad input", () => {
  it("every route with an action has a sweep in tests/setup/route-table.ts", () => {
    const missing = withAction.filter((r) => !ROUTES[r.id]?.sweep).map((r) => `${r.id} (${r.pattern})`);
    expect(missing, `routes with an action but no sweep (say whose session reaches its validation): ${missing.join(", ")}`).toEqual([]);
  });

  it.each(withAction.map((r) => [r.id, r] as const))(
    "%s: no 500, no script, a Chinese message",
    async (id, route) => {
      const row = ROUTES[id]!;
      const spec = row.sweep!(s);
      const url = spec.url ?? row.cases(s)[0]!.url;
      const cookie = async () => (spec.as === "anon" ? "" : spec.fresh ? await s.newCookie(spec.as) : (spec.cookie ?? s.cookies[spec.as]));
      const before = tally.requests;
      let problems: string[];
      if (spec.json) problems = await sweepJson(url, spec.json, cookie);
      else if (spec.form || !route.hasDefault) {
        const fields = Object.entries(spec.form ?? {}).map(([name, value]) => ({ name, kind: "text", value }));
        problems = await sweepForm({ action: url, multipart: false, fields, submitters: [] }, cookie, `POST ${url}`, new Set());
      } else {
        const swept = await sweepPage(url, cookie);
        problems = swept.problems;
        expect(swept.forms, `no form posting to ${url} was found on the page: give the row a form or json body`).toBeGreaterThan(0);
      }
      expect(tally.requests - before).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    },
    600_000,
  );

  it("nothing that was accepted renders as script: every page read again as each of its viewers", async () => {
    const problems: string[] = [];
    let pages = 0;
    for (const r of routes.filter((x) => x.hasDefault && ROUTES[x.id])) {
      const row = ROUTES[r.id]!;
      const urls = row.cases(s).map((c) => ({ url: c.url, who: ACTORS.filter((a) => allows(c.view, a)) }));
      const sweep = row.sweep?.(s);
      if (sweep?.url && !sweep.json && !sweep.form) urls.push({ url: sweep.url, who: [sweep.as] });
      for (const { url, who } of urls) {
        for (const actor of who) {
          const cookie = actor === "anon" ? null : sweep?.url === url && sweep.cookie ? sweep.cookie : s.cookies[actor];
          const res = await fetch(s.url + url, { redirect: "manual", headers: cookie ? { Cookie: cookie } : {} });
          const html = await res.text();
          pages++;
          if (res.status >= 500) problems.push(`${actor} GET ${url}: ${res.status}`);
          for (const u of unsafeIn(html)) problems.push(`${actor} GET ${url}: ${u} unescaped`);
        }
      }
    }
    // Lists where imported or typed names end up.
    for (const url of ["/admin/users", "/admin/users?q=%3Cscript%3E", "/admin/audit", "/admin/org", "/admin/classes", "/branch"]) {
      const actor = url === "/branch" ? "secretaryA" : "admin";
      const html = await (await fetch(s.url + url, { headers: { Cookie: s.cookies[actor] } })).text();
      pages++;
      for (const u of unsafeIn(html)) problems.push(`${actor} GET ${url}: ${u} unescaped`);
    }
    console.log(`bad-input sweep: ${pages} pages read again`);
    expect(problems).toEqual([]);
  }, 300_000);
});

describe("sizes and file names, against the built server", () => {
  const MB = 1024 * 1024;
  const upload = (fields: Record<string, string>, file: { name: string; bytes: Uint8Array }) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append("file", new File([new Uint8Array(file.bytes)], file.name));
    return form;
  };
  const gift = new TextEncoder().encode("党的最高领导机关是 {=党的全国代表大会 ~中央委员会}\n");

  it("answers an oversized import or media upload with 413 and a Chinese size message, not 500", async () => {
    // The storage is created by server.ts and the routes live in the built bundle: each has its own copy of
    // the storage module, so the size error is recognized by its code, not by instanceof.
    const bank = await post(
      `/teach/${DEMO}/bank`,
      s.cookies.instructor,
      upload({ intent: "upload", bank: DEMO_BANK }, { name: "big.txt", bytes: new Uint8Array(10 * MB + 1024).fill(0x61) }),
    );
    expect([bank.status, messagesOf(bank.type, bank.body).join()]).toEqual([413, expect.stringContaining("超过大小限制")]);
    const roster = await post(
      "/admin/users/import",
      s.cookies.admin,
      upload({ intent: "upload" }, { name: "big.csv", bytes: new Uint8Array(10 * MB + 1024).fill(0x61) }),
    );
    expect([roster.status, messagesOf(roster.type, roster.body).join()]).toEqual([413, expect.stringContaining("超过大小限制")]);
    const png = new Uint8Array(10 * MB + 1024);
    png.set(TINY_PNG.subarray(0, 64));
    const media = await post(`/teach/${s.ids.draftSlug}/media`, s.cookies.instructorOther, upload({}, { name: "big.png", bytes: png }));
    expect([media.status, messagesOf(media.type, media.body).join()]).toEqual([413, expect.stringContaining("超过大小限制")]);
  }, 60_000);

  it("accepts a file name with = and ; in it", async () => {
    const bank = await post(
      `/teach/${DEMO}/bank`,
      s.cookies.instructor,
      upload({ intent: "upload", bank: DEMO_BANK }, { name: "题库=第1;2版.txt", bytes: gift }),
    );
    expect(bank.status, bank.body.slice(0, 300)).toBe(302);
    const page = await (await fetch(s.url + bank.location, { headers: { Cookie: s.cookies.instructor } })).text();
    expect(page).toContain("题库=第1;2版.txt");
    const roster = await post(
      "/admin/users/import",
      s.cookies.admin,
      upload({ intent: "upload" }, { name: "名单=2026;春.csv", bytes: new TextEncoder().encode("学号/工号,姓名\n") }),
    );
    expect(roster.status, roster.body.slice(0, 300)).toBeLessThan(500);
  }, 60_000);
});
