// The bare baseline: node:http + better-sqlite3 doing the same database work as each app scenario,
// with no framework, no React and no Kysely. Started as its own process by scripts/bench.ts.
// Where the app does non-database work that is the point of the request (argon2, Markdown, coverage
// arithmetic), the baseline does it too with the same functions, so the ratio measures the framework.
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { verify } from "@node-rs/argon2";
import Sqlite from "better-sqlite3";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { creditSegments, type Interval } from "../../app/utils/coverage.ts";
import { parseRange } from "../../app/utils/files.server.ts";
import { renderMarkdown } from "../../app/utils/markdown.server.ts";

const dataDir = process.env.DATA_DIR!;
const db = new Sqlite(path.join(dataDir, "app.db"));
db.pragma("journal_mode = WAL");
db.pragma("busy_timeout = 5000");
db.pragma("synchronous = FULL");
db.pragma("foreign_keys = ON");

const q = {
  userByName: db.prepare("select id, password_hash from users where username = ?"),
  insertSession: db.prepare("insert into sessions (id, secret_hash, user_id, created_at, last_verified_at) values (?, ?, ?, ?, ?)"),
  sessionById: db.prepare("select * from sessions where id = ?"),
  userById: db.prepare("select id, name, username, stage, org_unit_id from users where id = ? and active = 1"),
  rolesOf: db.prepare("select role from user_roles where user_id = ?"),
  unitById: db.prepare("select name from org_units where id = ?"),
  lesson: db.prepare(
    "select l.*, c.title as course_title, c.progress as rules from lessons l join courses c on c.id = l.course_id where c.slug = ? and l.key = ? and c.published = 1 and c.audience like ?",
  ),
  progress: db.prepare("select * from lesson_progress where user_id = ? and lesson_id = ?"),
  lessonForBeat: db.prepare(
    "select l.id, l.video_duration, c.progress from lessons l join courses c on c.id = l.course_id where l.id = ? and c.published = 1 and c.audience like ?",
  ),
  presence: db.prepare("select * from learning_presence where user_id = ?"),
  upsertPresence: db.prepare(
    "insert into learning_presence (user_id, lesson_id, tab_id, last_seen) values (?, ?, ?, ?) on conflict (user_id) do update set lesson_id = excluded.lesson_id, tab_id = excluded.tab_id, last_seen = excluded.last_seen",
  ),
  upsertProgress: db.prepare(
    `insert into lesson_progress (user_id, lesson_id, covered, furthest, position, seconds_credited, last_beat_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (user_id, lesson_id) do update set covered = excluded.covered, furthest = excluded.furthest, position = excluded.position,
     seconds_credited = excluded.seconds_credited, last_beat_at = excluded.last_beat_at, updated_at = excluded.updated_at`,
  ),
  media: db.prepare("select m.sha256, m.mime from course_media m join courses c on c.id = m.course_id where c.slug = ? and m.path = ? and c.audience like ?"),
};

type User = { id: number; name: string; username: string; stage: string; org_unit_id: number };
const hex = (s: string) => encodeHexLowerCase(sha256(new TextEncoder().encode(s)));
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const now = () => Math.floor(Date.now() / 1000);

function currentUser(req: http.IncomingMessage): User | undefined {
  const m = /dx_session=([^;]+)/.exec(req.headers.cookie ?? "");
  if (!m) return undefined;
  const [id, secret] = m[1]!.split(".");
  const s = q.sessionById.get(id) as { secret_hash: string; user_id: number } | undefined;
  if (!s || s.secret_hash !== hex(secret ?? "")) return undefined;
  return q.userById.get(s.user_id) as User | undefined;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

async function login(req: http.IncomingMessage, res: http.ServerResponse) {
  const form = new URLSearchParams(await readBody(req));
  const user = q.userByName.get(form.get("username")) as { id: number; password_hash: string } | undefined;
  if (!user || !(await verify(user.password_hash, form.get("password") ?? ""))) return res.writeHead(401).end();
  const id = randomBytes(15).toString("hex");
  const secret = randomBytes(15).toString("hex");
  q.insertSession.run(id, hex(secret), user.id, now(), now());
  res.writeHead(302, { Location: "/", "Set-Cookie": `dx_session=${id}.${secret}; Path=/; HttpOnly` }).end();
}

function home(user: User, res: http.ServerResponse) {
  const roles = (q.rolesOf.all(user.id) as { role: string }[]).map((r) => r.role);
  const unit = q.unitById.get(user.org_unit_id) as { name: string };
  res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
  res.end(`<!doctype html><html lang="zh-CN"><body><h1>您好，${esc(user.name)}</h1><p>${esc(user.username)} · ${esc(unit.name)} · ${roles.join()}</p></body></html>`);
}

function lesson(user: User, slug: string, key: string, res: http.ServerResponse) {
  const l = q.lesson.get(slug, key, `%"${user.stage}"%`) as { id: number; title: string; body_md: string; course_title: string } | undefined;
  if (!l) return res.writeHead(404).end();
  const p = q.progress.get(user.id, l.id) as { position: number } | undefined;
  const html = renderMarkdown(l.body_md, { mediaBase: `/media/courses/${slug}/` });
  res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
  res.end(`<!doctype html><html lang="zh-CN"><body><p>${esc(l.course_title)}</p><h1>${esc(l.title)}</h1><div class="prose">${html}</div><p>${p?.position ?? 0}</p></body></html>`);
}

async function beat(user: User, lessonId: number, req: http.IncomingMessage, res: http.ServerResponse) {
  const body = JSON.parse(await readBody(req)) as { tabId: string; segments: Interval[]; position: number };
  const t = now();
  const result = db.transaction(() => {
    const l = q.lessonForBeat.get(lessonId, `%"${user.stage}"%`) as { id: number; video_duration: number; progress: string } | undefined;
    if (!l) return null;
    const presence = q.presence.get(user.id) as { tab_id: string; last_seen: number } | undefined;
    if (presence && presence.tab_id !== body.tabId && presence.last_seen > t - 45) return { ok: false };
    q.upsertPresence.run(user.id, l.id, body.tabId, t);
    const row = q.progress.get(user.id, l.id) as { covered: string; furthest: number; last_beat_at: number | null } | undefined;
    const elapsed = row?.last_beat_at ? Math.min(60, t - row.last_beat_at) : 0;
    const r = creditSegments({
      covered: row ? JSON.parse(row.covered) : [],
      furthest: row?.furthest ?? 0,
      segments: body.segments,
      budget: elapsed ? elapsed + 2 : 0,
      tolerance: 3,
      lockSeek: true,
      duration: l.video_duration,
    });
    const total = r.covered.reduce((n, [s, e]) => n + e - s, 0);
    q.upsertProgress.run(user.id, l.id, JSON.stringify(r.covered), r.furthest, body.position, total, t, t);
    return { ok: true, credited: r.credited, furthest: r.furthest };
  }).immediate();
  if (!result) return res.writeHead(404).end();
  res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(result));
}

function media(user: User, slug: string, file: string, req: http.IncomingMessage, res: http.ServerResponse) {
  const m = q.media.get(slug, `media/${file}`, `%"${user.stage}"%`) as { sha256: string; mime: string } | undefined;
  if (!m) return res.writeHead(404).end();
  const abs = path.join(dataDir, "files", m.sha256.slice(0, 2), m.sha256);
  const size = fs.statSync(abs).size;
  const range = parseRange(req.headers.range ?? null, size);
  if (range === "unsatisfiable") return res.writeHead(416, { "Content-Range": `bytes */${size}` }).end();
  const { start, end } = range ?? { start: 0, end: size - 1 };
  res.writeHead(range ? 206 : 200, {
    "Content-Type": m.mime,
    "Content-Length": end - start + 1,
    "Accept-Ranges": "bytes",
    ...(range ? { "Content-Range": `bytes ${start}-${end}/${size}` } : {}),
  });
  fs.createReadStream(abs, { start, end }).pipe(res);
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "POST" && url.pathname === "/login") return await login(req, res);
    const user = currentUser(req);
    if (!user) return res.writeHead(302, { Location: "/login" }).end();
    let m: RegExpExecArray | null;
    if (req.method === "GET" && url.pathname === "/") return home(user, res);
    if (req.method === "GET" && (m = /^\/courses\/([^/]+)\/lessons\/([^/]+)$/.exec(url.pathname))) return lesson(user, m[1]!, m[2]!, res);
    if (req.method === "POST" && (m = /^\/api\/lessons\/(\d+)\/beat$/.exec(url.pathname))) return await beat(user, Number(m[1]), req, res);
    if (req.method === "GET" && (m = /^\/media\/courses\/([^/]+)\/(.+)$/.exec(url.pathname))) return media(user, m[1]!, m[2]!, req, res);
    res.writeHead(404).end();
  } catch (e) {
    res.writeHead(500).end(String(e));
  }
});

server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("baseline ready"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
