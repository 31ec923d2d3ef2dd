// PostgreSQL for the tests. `TEST_PG=1` starts a throwaway cluster for the run (initdb in a temporary folder,
// as the unprivileged `nobody` when run as root, on a free port of 127.0.0.1, no system service);
// `TEST_PG=postgres://user@host:port` uses a server that runs already (the user may create databases). The
// schema is migrated once into a template database; createTestDb() then makes a fresh database per call
// (CREATE DATABASE … TEMPLATE), so every test file starts from an empty, migrated schema as with SQLite.
// Without TEST_PG nothing here runs and the tests use in-memory SQLite.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { openPostgres, type DB } from "../../app/utils/db.server.ts";
import { migrateToLatest } from "../../db/migrate.ts";

const TEMPLATE = "dangxiao_template";

/** The server's address without a database name, as the global setup hands it to the test workers. */
const serverUrl = () => process.env.TEST_PG_SERVER;

export const testingOnPostgres = () => Boolean(serverUrl());

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

function findBinary(name: string): string {
  for (const dir of [...(process.env.PATH ?? "").split(":"), ...listVersions()]) {
    const file = path.join(dir, name);
    if (dir && fs.existsSync(file)) return file;
  }
  throw new Error(`TEST_PG=1 needs PostgreSQL's ${name} (apt-get install postgresql)`);
}

/** Debian keeps initdb and pg_ctl under /usr/lib/postgresql/<version>/bin, off the PATH. */
function listVersions(): string[] {
  const root = "/usr/lib/postgresql";
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => path.join(root, v, "bin"));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a cluster in a new temporary folder; returns its URL and how to stop it. */
async function startCluster(): Promise<{ url: string; stop: () => void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-pg-"));
  const asRoot = process.getuid?.() === 0;
  // PostgreSQL refuses to run as root: the cluster belongs to `nobody` then.
  const run = (file: string, args: string[]) =>
    asRoot ? execFileSync("runuser", ["-u", "nobody", "--", file, ...args], { stdio: "pipe" }) : execFileSync(file, args, { stdio: "pipe" });
  if (asRoot) fs.chownSync(dir, Number(execFileSync("id", ["-u", "nobody"]).toString().trim()), Number(execFileSync("id", ["-g", "nobody"]).toString().trim()));
  const data = path.join(dir, "data");
  run(findBinary("initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C"]);
  const port = await freePort();
  // fsync off: a test cluster is thrown away, and durability is not what these tests measure.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  run(findBinary("pg_ctl"), ["-D", data, "-o", options, "-l", path.join(dir, "log"), "-w", "start"]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      try {
        run(findBinary("pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Vitest global setup: the cluster and the migrated template, once per run. */
export default async function setup(): Promise<(() => void) | undefined> {
  const choice = process.env.TEST_PG;
  if (!choice || choice === "0") return undefined;
  const cluster = choice === "1" ? await startCluster() : { url: choice, stop: () => {} };
  try {
    await admin(cluster.url, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${TEMPLATE}`);
      await c.query(`CREATE DATABASE ${TEMPLATE}`);
    });
    const template = openPostgres(withDatabase(cluster.url, TEMPLATE), { max: 1 });
    await migrateToLatest(template);
    await template.destroy();
  } catch (e) {
    cluster.stop();
    throw e;
  }
  process.env.TEST_PG_SERVER = cluster.url;
  return cluster.stop;
}

let made = 0;

/** A fresh, migrated PostgreSQL database (a copy of the template). */
export async function createPostgresTestDb(): Promise<DB> {
  const url = serverUrl();
  if (!url) throw new Error("TEST_PG is not set");
  const name = `t${process.pid}_${++made}`;
  await admin(url, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`));
  return openPostgres(withDatabase(url, name), { max: 4 });
}
