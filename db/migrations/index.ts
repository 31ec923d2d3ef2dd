// Static name → module map: Vitest cannot load .ts migrations through FileMigrationProvider.
import type { Migration } from "kysely";
import * as m0001 from "./0001_foundation.ts";

export const migrations: Record<string, Migration> = {
  "0001_foundation": m0001,
};
