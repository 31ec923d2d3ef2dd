import { vitePlugin as remix } from "@remix-run/dev";
import { build } from "vite";
import { configDefaults, defineConfig } from "vitest/config";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { POSTGRES_ONLY_GLOB, postgresTestFiles } from "./tests/setup/engines.ts";

const isVitest = process.env.VITEST === "true";
// TEST_PG=1 (or a server's URL): the PostgreSQL run, of the files tests/setup/engines.ts picks.
const onPostgres = isVitest && Boolean(process.env.TEST_PG) && process.env.TEST_PG !== "0";
const alias = { "~": fileURLToPath(new URL("./app", import.meta.url)) };

declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

export default defineConfig(({ isSsrBuild }) => ({
  resolve: { alias },
  server: { port: 3000 },
  build: {
    target: "es2020",
    // On a phone's slow network every extra file can cost another round trip (about 0.56 s on slow 4G): the
    // packages every page needs (React, React DOM, Remix) travel as one file, our shared utils and
    // components as another (about 27 KB compressed, fetched once and cached); video.js stays apart. The
    // browser's files only: the server bundle stays one file (its worker entry is found beside it).
    rollupOptions: isSsrBuild
      ? {}
      : {
          output: {
            manualChunks: (id) =>
              /\/node_modules\/(react|react-dom|scheduler|@remix-run|react-router|react-router-dom|turbo-stream)\//.test(id)
                ? "vendor"
                : /\/app\/(utils|components)\/(?!LessonPlayer)[^/]+\.tsx?$/.test(id)
                  ? "shared"
                  : undefined,
          },
        },
  },
  plugins: isVitest
    ? []
    : [
        remix({
          buildDirectory: process.env.BUILD_DIR ?? "build",
          // The worker threads' entry (app/utils/workers.server.ts) needs a file of its own at run time:
          // built next to the server bundle as server/worker.js, packages left to node_modules as there.
          buildEnd: async ({ remixConfig }) => {
            await build({
              configFile: false,
              logLevel: "warn",
              resolve: { alias },
              build: {
                ssr: "app/utils/worker-tasks.server.ts",
                outDir: path.join(remixConfig.buildDirectory, "server"),
                emptyOutDir: false,
                copyPublicDir: false,
                target: "node20",
                rollupOptions: { output: { entryFileNames: "worker.js" } },
              },
            });
          },
          ignoredRouteFiles: ["**/*.test.*"],
          future: {
            v3_fetcherPersist: true,
            v3_relativeSplatPath: true,
            v3_throwAbortReason: true,
            v3_singleFetch: true,
            v3_lazyRouteDiscovery: true,
          },
        }),
      ],
  test: {
    include: onPostgres ? postgresTestFiles() : ["tests/unit/**/*.test.{ts,tsx}", "tests/integration/**/*.test.ts"],
    exclude: onPostgres ? configDefaults.exclude : [...configDefaults.exclude, POSTGRES_ONLY_GLOB],
    environment: "node",
    setupFiles: ["tests/setup/vitest.setup.ts"],
    // Starts PostgreSQL for the run when TEST_PG is set; does nothing otherwise.
    globalSetup: ["tests/setup/postgres.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // On PostgreSQL a worker mostly waits for the server's answers: two forks keep both cores busy where one is Vitest's default.
    ...(onPostgres ? { poolOptions: { forks: { maxForks: 2, minForks: 1 } } } : {}),
  },
}));
