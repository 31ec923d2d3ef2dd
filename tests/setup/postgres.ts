// PostgreSQL for the tests. `TEST_PG=1` starts a throwaway cluster for the run (initdb in a temporary folder,
// as the unprivileged `nobody` when run as root, on a free port of 127.0.0.1, no system service);
// `TEST_PG=postgres://user@host:port` uses a server that runs already (the user may create databases). The
// schema is migrated once into a template database; createTestDb() then makes a fresh database per call
// (CREATE DATABASE … TEMPLATE), so every test file starts from an empty, migrated schema as with SQLite.
// Without TEST_PG nothing here runs and the tests use in-memory SQLite.
import { openPostgres, type DB } from "../../app/utils/db.server.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import { startCluster, withClient, withDatabase } from "../../scripts/pg-cluster.ts";

const TEMPLATE = "dangxiao_template";

/** The server's address without a database name, as the global setup hands it to the test workers. */
const serverUrl = () => process.env.TEST_PG_SERVER;

export const testingOnPostgres = () => Boolean(serverUrl());

/** Vitest global setup: the cluster and the migrated template, once per run. */
export default async function setup(): Promise<(() => void) | undefined> {
  const choice = process.env.TEST_PG;
  if (!choice || choice === "0") return undefined;
  const cluster = choice === "1" ? await startCluster() : { url: choice, stop: () => {} };
  try {
    await withClient(cluster.url, async (c) => {
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
const urlOf = new WeakMap<DB, string>();

/** The URL of a fresh, migrated PostgreSQL database (a copy of the template), e.g. for a server under test. */
export async function createPostgresTestUrl(): Promise<string> {
  const url = serverUrl();
  if (!url) throw new Error("TEST_PG is not set");
  const name = `t${process.pid}_${++made}`;
  await withClient(url, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`));
  return withDatabase(url, name);
}

/** A fresh, migrated PostgreSQL database (a copy of the template). */
export async function createPostgresTestDb(): Promise<DB> {
  const url = await createPostgresTestUrl();
  const db = openPostgres(url, { max: 4 });
  urlOf.set(db, url);
  return db;
}

/** Another pool on the database of `db` (made by createPostgresTestDb), as a second app instance has. */
export function reopenPostgresTestDb(db: DB): DB {
  const url = urlOf.get(db);
  if (!url) throw new Error("not a database made by createPostgresTestDb");
  const again = openPostgres(url, { max: 4 });
  urlOf.set(again, url);
  return again;
}

/** A fresh, empty database (not migrated), as a URL: for tests of what happens to a new database (db:to-postgres). */
export async function createEmptyPostgresDb(): Promise<string> {
  const url = serverUrl();
  if (!url) throw new Error("TEST_PG is not set");
  const name = `e${process.pid}_${++made}`;
  await withClient(url, (c) => c.query(`CREATE DATABASE ${name}`));
  return withDatabase(url, name);
}
