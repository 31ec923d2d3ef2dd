// `npx tsx scripts/bench/profile-top.ts <file.cpuprofile> [n]`: the top of a V8 CPU profile (as written
// by BENCH_CPU_PROF) in text — self time by function, and self time by package (node_modules/<name>,
// the app's bundle, node internals), as shares of the busy (non-idle) time.
import fs from "node:fs";

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
const [file, n = "25"] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-top.ts <file.cpuprofile> [n]");
const profile = JSON.parse(fs.readFileSync(file, "utf8")) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(profile.nodes.map((x) => [x.id, x]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

function where(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes("/build/server/")) return "app bundle (build/server)";
  if (url.startsWith("node:")) return "node internals";
  if (!url) return "(native / V8)";
  return url.replace(/^file:\/\/.*?\/(app|scripts|db|server\.ts)/, "$1");
}
const fns = new Map<string, number>();
const pkgs = new Map<string, number>();
let busy = 0;
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  if (functionName === "(idle)" || functionName === "(program)") continue;
  busy += us;
  const key = `${functionName || "(anonymous)"} ${where(url)}:${lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
  pkgs.set(where(url), (pkgs.get(where(url)) ?? 0) + us);
}
const top = (m: Map<string, number>, k: number) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([name, us]) => `${((us / busy) * 100).toFixed(1).padStart(5)} %  ${name}`)
    .join("\n");
console.log(`busy ${(busy / 1e6).toFixed(2)} s\n\nself time by function:\n${top(fns, Number(n))}\n\nself time by package:\n${top(pkgs, 15)}`);
