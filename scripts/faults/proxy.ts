// A tiny round-robin HTTP proxy (node:http) in front of several app instances, for the multi-instance
// rehearsals: each request goes to the next upstream in service, the Host header is passed on unchanged (so
// the app's same-origin check sees the proxy's origin), and every answer says which upstream gave it in
// `X-Upstream` (0, 1, …). As a load balancer takes a dead backend out and a new one in, `replace` swaps an
// upstream's address or takes it out of service (null). A request the upstream could not answer gets a 502
// with `X-Upstream-Error` (the error code); an answer cut off after it began cuts the client's connection too, so the client never takes half an answer
// for a whole one.
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Proxy = { url: string; served: number[]; replace: (i: number, url: string | null) => void; close: () => Promise<void> };

export async function startProxy(initial: string[]): Promise<Proxy> {
  const upstreams: (string | null)[] = [...initial];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const served = upstreams.map(() => 0);
  let next = 0;
  const server = http.createServer((req, res) => {
    const live = upstreams.flatMap((u, i) => (u ? [i] : []));
    if (!live.length) {
      res.writeHead(502, { "Content-Type": "text/plain; charset=utf-8", "x-upstream-error": "none in service" });
      return void res.end("上游服务不可用 (no upstream in service)");
    }
    const i = live[next++ % live.length]!;
    served[i]!++;
    const target = new URL(req.url ?? "/", upstreams[i]!);
    // The body is read first, so that a request that failed on a reused keep-alive connection before any answer
    // (the upstream closed it while idle, so it never read the request) is sent once more on a new one, as
    // browsers and nginx do.
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const send = (fresh: boolean) => {
        const up = http.request(target, { method: req.method, headers: req.headers, agent: fresh ? false : agent }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, { ...answer.headers, "x-upstream": String(i) });
          answer.pipe(res);
          answer.on("aborted", () => res.destroy());
          answer.on("error", () => res.destroy());
        });
        up.on("error", (e: NodeJS.ErrnoException) => {
          if (res.headersSent) return void res.destroy();
          if (up.reusedSocket && !fresh && ["ECONNRESET", "EPIPE"].includes(e.code ?? "")) return send(true);
          res.writeHead(502, { "Content-Type": "text/plain; charset=utf-8", "x-upstream": String(i), "x-upstream-error": e.code ?? e.message });
          res.end("上游服务不可用 (upstream unavailable)");
        });
        up.end(body);
      };
      send(false);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    replace: (i, url) => {
      upstreams[i] = url;
    },
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
