// `npm run test:pg`: the Vitest files that touch the database (tests/setup/engines.ts picks them) on a throwaway
// PostgreSQL cluster (TEST_PG=1; TEST_PG=postgres://… uses a running server). Extra arguments go to Vitest.
// Without PostgreSQL's initdb the run is skipped with a loud warning, except under CI=true, where that fails:
// the same rule as for Chromium and the browser tests.
import { spawnSync } from "node:child_process";
import { postgresInstalled } from "./pg-cluster.ts";

const server = process.env.TEST_PG && process.env.TEST_PG !== "0" ? process.env.TEST_PG : "1";
if (server === "1" && !postgresInstalled()) {
  const msg = "\n!!! PostgreSQL's initdb not found (apt-get install postgresql; it need not run as a service).\n";
  if (process.env.CI) {
    console.error(`${msg}The PostgreSQL tests cannot be skipped under CI=true.\n`);
    process.exit(1);
  }
  console.warn(`${msg}!!! THE POSTGRESQL TESTS ARE SKIPPED.\n`);
  process.exit(0);
}

const started = performance.now();
const run = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, TEST_PG: server },
});
console.log(`PostgreSQL run: ${Math.round((performance.now() - started) / 1000)} s`);
process.exit(run.status ?? 1);
