// ESLint: TypeScript and React-hooks correctness, plus the layer rule (routes → guards → models → utils → db).
// `npm run lint` runs this and `prettier --check`; the README's test command runs `npm run lint` first.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import { importX } from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";

// One zone per layer rule: files matching `target` may not import files matching `from`.
// Paths are resolved (the `~/` alias and relative imports alike), so a rename cannot dodge the rule.
const layerZones = [
  {
    target: "app/utils/**",
    from: ["app/models/**", "app/guards/**", "app/routes/**", "app/components/**"],
    message: "utils are the bottom layer: they never import models, guards, routes or components.",
  },
  {
    target: "app/models/**",
    from: ["app/routes/**", "app/components/**", "app/guards/**"],
    message: "models return data: they never import routes, components or guards.",
  },
  {
    target: "app/guards/**",
    from: ["app/routes/**", "app/components/**"],
    message: "guards sit below routes: they never import routes or components.",
  },
  {
    target: ["app/**", "db/**", "server.ts"],
    from: ["scripts/**"],
    message: "the running app never imports command-line scripts; move the shared code into app/ or db/.",
  },
];

const NO_LOAD_ENV = { selector: "ImportSpecifier[imported.name='loadEnv']", message: "only server.ts and scripts call loadEnv; app/ gets context.config." };

export default tseslint.config(
  {
    ignores: ["build*/**", "data/**", "node_modules/**", "public/**", "courses/**", "test-results/**", "playwright-report/**", "bench-results/**", ".cache/**"],
  },
  { linterOptions: { reportUnusedDisableDirectives: "error" } },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx,js}"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "tsconfig.json" })],
    },
    rules: {
      "import-x/no-restricted-paths": ["error", { zones: layerZones }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      // Input cleaning strips control characters on purpose (file names, CSV/XLSX cells, redirects).
      "no-control-regex": "off",
      // Chinese layout uses the ideographic space (U+3000) inside template strings.
      "no-irregular-whitespace": ["error", { skipTemplates: true }],
    },
  },
  {
    // React code only: Playwright fixtures also call a function named `use`.
    files: ["app/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
  {
    // Configuration comes from the load context (`context.config`, built once by server.ts with `configOf`):
    // nothing in app/ reads the environment except the module that validates it.
    files: ["app/**/*.{ts,tsx}"],
    ignores: ["app/utils/env.server.ts"],
    rules: {
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "read settings from context.config, not the environment." }],
      "no-restricted-syntax": ["error", NO_LOAD_ENV],
    },
  },
  {
    // Models return data (a download is a `Download` from http.server.ts); routes and guards make Responses.
    files: ["app/models/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        NO_LOAD_ENV,
        { selector: "NewExpression[callee.name='Response']", message: "models return data; the route (or a guard) makes the Response." },
      ],
    },
  },
  {
    // Kysely migrations are written against `Kysely<any>` (they must not depend on today's schema types);
    // test helpers inspect whatever a loader returned.
    files: ["db/migrations/**", "tests/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // Components run in the browser: no value import of a server module or a model. `import type` is allowed,
    // since it is erased at build time and lets a component name the shape of its loader's data.
    files: ["app/components/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "\\.server(\\.tsx?)?$", allowTypeImports: true, message: "components run in the browser: import server modules as `import type` only." },
            { regex: "^(~|\\.\\.)/models/", allowTypeImports: true, message: "components never import models (types only)." },
          ],
        },
      ],
    },
  },
);
