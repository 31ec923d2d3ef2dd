// The bare baseline: node:http + better-sqlite3 doing the same database work as each app scenario,
// with no framework, no React and no Kysely. Started as its own process by scripts/bench.ts.
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { verify } from "@node-rs/argon2";
import Sqlite from "better-sqlite3";
import { randomBytes } from "node:crypto";
import http from "node:http";
import path from "node:path";

const db = new Sqlite(path.join(process.env.DATA_DIR!, "app.db"));
db.pragma("journal_mode = WAL");
db.pragma("busy_timeout = 5000");
db.pragma("synchronous = FULL");

const userByName = db.prepare("select id, password_hash from users where username = ?");
const insertSession = db.prepare("insert into sessions (id, secret_hash, user_id, created_at, last_verified_at) values (?, ?, ?, ?, ?)");
const sessionById = db.prepare("select * from sessions where id = ?");
const userById = db.prepare("select id, name, username, stage, org_unit_id from users where id = ? and active = 1");
const rolesOf = db.prepare("select role from user_roles where user_id = ?");
const unitById = db.prepare("select name from org_units where id = ?");

const hex = (s: string) => encodeHexLowerCase(sha256(new TextEncoder().encode(s)));
const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function currentUser(req: http.IncomingMessage) {
  const m = /dx_session=([^;]+)/.exec(req.headers.cookie ?? "");
  if (!m) return null;
  const [id, secret] = m[1]!.split(".");
  const s = sessionById.get(id) as { secret_hash: string; user_id: number } | undefined;
  if (!s || s.secret_hash !== hex(secret ?? "")) return null;
  return userById.get(s.user_id) as { id: number; name: string; username: string; stage: string; org_unit_id: number } | undefined;
}

async function readBody(req: http.IncomingMessage) {
  let body = "";
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.method === "POST" && req.url === "/login") {
      const form = await readBody(req);
      const user = userByName.get(form.get("username")) as { id: number; password_hash: string } | undefined;
      if (!user || !(await verify(user.password_hash, form.get("password") ?? ""))) {
        res.writeHead(401).end();
        return;
      }
      const id = randomBytes(15).toString("hex");
      const secret = randomBytes(15).toString("hex");
      const t = Math.floor(Date.now() / 1000);
      insertSession.run(id, hex(secret), user.id, t, t);
      res.writeHead(302, { Location: "/", "Set-Cookie": `dx_session=${id}.${secret}; Path=/; HttpOnly` }).end();
      return;
    }
    if (req.method === "GET" && req.url === "/") {
      const user = currentUser(req);
      if (!user) {
        res.writeHead(302, { Location: "/login" }).end();
        return;
      }
      const roles = (rolesOf.all(user.id) as { role: string }[]).map((r) => r.role);
      const unit = unitById.get(user.org_unit_id) as { name: string };
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><html lang="zh-CN"><body><h1>您好，${esc(user.name)}</h1><p>${esc(user.username)} · ${esc(unit.name)} · ${roles.join()}</p><p>${user.stage}</p></body></html>`);
      return;
    }
    res.writeHead(404).end();
  } catch (e) {
    res.writeHead(500).end(String(e));
  }
});

server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("baseline ready"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
