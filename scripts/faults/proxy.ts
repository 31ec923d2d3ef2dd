// A tiny round-robin HTTP proxy (node:http) in front of several app instances, for the two-instance
// rehearsal: each request goes to the next upstream, the Host header is passed on unchanged (so the
// app's same-origin check sees the proxy's origin), and every answer says which upstream gave it in
// `X-Upstream` (0, 1, …).
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Proxy = { url: string; served: number[]; close: () => Promise<void> };

export async function startProxy(upstreams: string[]): Promise<Proxy> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const served = upstreams.map(() => 0);
  let next = 0;
  const server = http.createServer((req, res) => {
    const i = next++ % upstreams.length;
    served[i]!++;
    const target = new URL(req.url ?? "/", upstreams[i]);
    const up = http.request(target, { method: req.method, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, { ...answer.headers, "x-upstream": String(i) });
      answer.pipe(res);
    });
    up.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "Content-Type": "text/plain; charset=utf-8", "x-upstream": String(i) });
      res.end("上游服务不可用 (upstream unavailable)");
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
