// A throwaway PostgreSQL cluster for tests, fault runs and benchmarks: initdb in a new temporary folder (as the
// unprivileged `nobody` when run as root, since PostgreSQL refuses root), a free port on 127.0.0.1, fsync off,
// no system service. Nothing here runs unless a caller asks for a cluster.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
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

/** Starts a cluster in a new temporary folder; returns its URL and how to stop it. */
export async function startCluster(): Promise<{ url: string; stop: () => void }> {
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
