declare module "autocannon" {
  type Result = {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number; p97_5: number };
    errors: number;
    timeouts: number;
    non2xx: number;
    "2xx": number;
    "3xx"?: number;
  };
  export default function autocannon(opts: Record<string, unknown>): Promise<Result>;
}
