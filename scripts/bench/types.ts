export type Request = { method?: "GET" | "POST"; path: string; headers?: Record<string, string>; body?: string };

/** An HTTP scenario: the same requests go to the app and to the bare baseline. */
export type Scenario = {
  name: string;
  what: string;
  connections: number;
  seconds: number;
  /** Requests per second across all connections; unset = as fast as possible (peak throughput). */
  rate?: number;
  /** Requests for one run; called separately for app and baseline so each gets fresh state. */
  requests: (dataDir: string) => Promise<Request[]>;
};

/** A measurement that is not an HTTP load (e.g. syncing 200 courses); prints its own figures. */
export type Measurement = { name: string; what: string; run: () => Promise<Record<string, number | string>> };
