import type { Kysely } from "kysely";
import type { Database } from "../db/types.ts";
import type { AppConfig } from "./utils/env.server.ts";
import type { Storage } from "./utils/storage.server.ts";

/** What server.ts hands every loader and action (tests build the same object). */
export type AppContext = {
  db: Kysely<Database>;
  cspNonce: string;
  clientIp: string;
  cookieSecure: boolean;
  schoolName: string;
  storage: Storage;
  /** Settings read once from the environment at start (`configOf`); models get them from here, never from the environment. */
  config: AppConfig;
};

declare module "@remix-run/node" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AppLoadContext extends AppContext {}
}
