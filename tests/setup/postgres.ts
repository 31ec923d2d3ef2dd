// PostgreSQL for the tests. `TEST_PG=1` starts a throwaway cluster for the run (initdb in a temporary folder,
// as the unprivileged `nobody` when run as root, on a free port of 127.0.0.1, no system service);
// `TEST_PG=postgres://user@host:port` uses a server that runs already (the user may create databases). The
// schema is migrated once into a template database; createTestDb() then makes a fresh database per call
// (CREATE DATABASE … TEMPLATE), so every test file starts from an empty, migrated schema as with SQLite.
// Without TEST_PG nothing here runs and the tests use in-memory SQLite.
import pg from "pg";
import { openPostgres, type DB } from "../../app/utils/db.server.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import { startCluster, withDatabase } from "../../scripts/pg-cluster.ts";

const TEMPLATE = "dangxiao_template";

/** The server's address without a database name, as the global setup hands it to the test workers. */
const serverUrl = () => process.env.TEST_PG_SERVER;

export const testingOnPostgres = () => Boolean(serverUrl());

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

/** The URL of a fresh, migrated PostgreSQL database (a copy of the template), e.g. for a server under test. */
export async function createPostgresTestUrl(): Promise<string> {
  const url = serverUrl();
  if (!url) throw new Error("TEST_PG is not set");
  const name = `t${process.pid}_${++made}`;
  await admin(url, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`));
  return withDatabase(url, name);
}

/** A fresh, migrated PostgreSQL database (a copy of the template). */
export async function createPostgresTestDb(): Promise<DB> {
  return openPostgres(await createPostgresTestUrl(), { max: 4 });
}
