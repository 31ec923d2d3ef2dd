// Starts the built production server on a free port with its own data directory. Under TEST_PG the server
// gets DATABASE_URL of a fresh PostgreSQL database (a copy of the migrated template) that belongs to the data
// directory: a server started again on the same directory, or a second instance on it, finds the same data.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { openDatabase, openPostgres, type DB } from "../../app/utils/db.server.ts";
import { createPostgresTestUrl, testingOnPostgres } from "./postgres.ts";

export type TestServer = {
  url: string;
  dataDir: string;
  /** The PostgreSQL database the server uses; undefined on SQLite (DATA_DIR/app.db). */
  databaseUrl: string | undefined;
  proc: ChildProcess;
  stop: () => Promise<void>;
  output: () => string;
};

const databases = new Map<string, string>();

async function databaseFor(dataDir: string, env: Record<string, string>): Promise<string | undefined> {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  if (!testingOnPostgres()) return undefined;
  const url = databases.get(dataDir) ?? (await createPostgresTestUrl());
  databases.set(dataDir, url);
  return url;
}

/** The database of a server under test, for seeding and reading back (either engine); the caller destroys it. */
export function openServerDb(server: Pick<TestServer, "dataDir" | "databaseUrl">): DB {
  return server.databaseUrl ? openPostgres(server.databaseUrl, { max: 4 }) : openDatabase(path.join(server.dataDir, "app.db"));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export async function startServer(env: Record<string, string> = {}, dataDir?: string): Promise<TestServer> {
  const buildDir = process.env.BUILD_DIR ?? "build";
  if (!fs.existsSync(`${buildDir}/server/index.js`)) throw new Error(`${buildDir}/server/index.js is missing: run \`npm run build\` first`);
  const port = await freePort();
  const dir = dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-it-"));
  const databaseUrl = await databaseFor(dir, env);
  let out = "";
  const proc = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dir,
      ...env,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited early:\n${out}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not start in 30 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dataDir: dir,
    databaseUrl,
    proc,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGTERM");
      }),
  };
}

/** A small HTTP client that behaves like a same-origin browser form post unless told otherwise. */
export function client(base: string) {
  return {
    get: (p: string, cookie?: string) => fetch(base + p, { redirect: "manual", headers: cookie ? { Cookie: cookie } : {} }),
    post: (p: string, form: Record<string, string>, opts: { cookie?: string; headers?: Record<string, string> } = {}) =>
      fetch(base + p, {
        method: "POST",
        redirect: "manual",
        headers: { Origin: base, "Content-Type": "application/x-www-form-urlencoded", ...(opts.cookie ? { Cookie: opts.cookie } : {}), ...opts.headers },
        body: new URLSearchParams(form),
      }),
  };
}

export function cookieFrom(res: Response): string | null {
  const set = res.headers.get("set-cookie");
  return set ? set.split(";")[0]! : null;
}
