// A throwaway PostgreSQL cluster for tests, fault runs and benchmarks: initdb in a new temporary folder (as the
// unprivileged `nobody` when run as root, since PostgreSQL refuses root), a free port on 127.0.0.1, fsync off,
// no system service. Nothing here runs unless a caller asks for a cluster.
import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs `fn` with one client connected to `url` (to create or drop databases, read statistics), then disconnects. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function locate(name: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? "").split(":"), ...listVersions()]) {
    const file = path.join(dir, name);
    if (dir && fs.existsSync(file)) return file;
  }
  return undefined;
}

function findBinary(name: string): string {
  const file = locate(name);
  if (!file) throw new Error(`TEST_PG=1 needs PostgreSQL's ${name} (apt-get install postgresql)`);
  return file;
}

/** Whether a throwaway cluster can be started here (PostgreSQL's initdb and pg_ctl are installed). */
export const postgresInstalled = () => Boolean(locate("initdb") && locate("pg_ctl"));

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

export type Cluster = {
  url: string;
  /** Stops the server and deletes the cluster. */
  stop: () => void;
  /** Stops the server and keeps the cluster (`fast`: clients are told and disconnected; `immediate`: no shutdown checkpoint, recovery at the next start). */
  shutDown: (mode: "fast" | "immediate") => Promise<void>;
  /** Starts the server again on the same folder and port; resolves once it accepts connections. */
  startAgain: () => Promise<void>;
};

/**
 * Starts a cluster in a new temporary folder; returns its URL and how to stop it. `durable` keeps
 * synchronous_commit on, so that a commit PostgreSQL acknowledged survives a stop of the server (the fault
 * runs stop it under load); fsync stays off either way, as the machine itself does not fail in these runs.
 */
export async function startCluster(opts: { durable?: boolean } = {}): Promise<Cluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-pg-"));
  const asRoot = process.getuid?.() === 0;
  // PostgreSQL refuses to run as root: the cluster belongs to `nobody` then.
  const command = (file: string, args: string[]): [string, string[]] => (asRoot ? ["runuser", ["-u", "nobody", "--", file, ...args]] : [file, args]);
  const run = (file: string, args: string[]) => execFileSync(...command(file, args), { stdio: "pipe" });
  // Without blocking the caller's event loop: a fault run stops and starts the server under load.
  const runAsync = (file: string, args: string[]) =>
    new Promise<void>((resolve, reject) => execFile(...command(file, args), (error) => (error ? reject(error) : resolve())));
  if (asRoot) fs.chownSync(dir, Number(execFileSync("id", ["-u", "nobody"]).toString().trim()), Number(execFileSync("id", ["-g", "nobody"]).toString().trim()));
  const data = path.join(dir, "data");
  run(findBinary("initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C"]);
  const port = await freePort();
  // fsync off: a test cluster is thrown away, and a crash of the machine is not what these runs test.
  const commit = opts.durable ? "" : " -c synchronous_commit=off";
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off${commit} -c full_page_writes=off`;
  const start = ["-D", data, "-o", options, "-l", path.join(dir, "log"), "-w", "start"];
  const stop = (mode: "fast" | "immediate") => ["-D", data, "-m", mode, "-w", "stop"];
  run(findBinary("pg_ctl"), start);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    shutDown: (mode) => runAsync(findBinary("pg_ctl"), stop(mode)),
    startAgain: () => runAsync(findBinary("pg_ctl"), start),
    stop: () => {
      try {
        run(findBinary("pg_ctl"), stop("immediate"));
      } catch {
        // already stopped
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
