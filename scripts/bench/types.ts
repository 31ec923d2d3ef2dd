import type { DB } from "../../app/utils/db.server.ts";

export type Request = {
  method?: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** autocannon hooks, for requests that differ per call (a new trainee each, a rising seq). */
  setupRequest?: (req: Request, context: Record<string, unknown>) => Request;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
};

/** An HTTP scenario: the same requests go to the app and to the bare baseline. */
export type Scenario = {
  name: string;
  what: string;
  connections: number;
  seconds: number;
  /** Requests per second, arriving at random moments (open loop, see paced() in bench.ts); unset = as fast as answered (peak throughput, autocannon). */
  rate?: number;
  /** Requests for one run; called separately for app and baseline so each gets fresh state. */
  requests: (dataDir: string) => Promise<Request[]>;
  /** Send exactly this many requests instead of running for `seconds` (a storm: time until all are done). */
  amount?: number;
  /** Redirects are the expected answer (e.g. a start that lands on the attempt page). */
  redirectsOk?: boolean;
  /** Extra environment for both servers (e.g. DB_SYNCHRONOUS=NORMAL). */
  env?: Record<string, string>;
  /** Pages: the first request's answer from the app and from the baseline must carry the same content (null), else says where not. */
  sameContent?: (app: string, baseline: string) => string | null;
  /** Checks after each run (app, then baseline), e.g. every acknowledged save is in the database (`db`: on PostgreSQL; else DATA_DIR/app.db). */
  verify?: (dataDir: string, db?: DB) => Promise<Record<string, number | string>>;
};

/** A measurement that is not an HTTP load (e.g. syncing 200 courses); prints its own figures. */
export type Measurement = { name: string; what: string; run: () => Promise<Record<string, number | string>> };
