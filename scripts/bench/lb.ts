// The load balancer of the bench's multi-instance rows, as its own process (so its CPU is its own and the
// load generator keeps its event loop): the fault runs' round-robin proxy in front of the upstreams given as
// arguments. Prints its URL on the first line, stops on SIGTERM.
import { startProxy } from "../faults/proxy.ts";

const proxy = await startProxy(process.argv.slice(2));
console.log(proxy.url);
process.on("SIGTERM", () => void proxy.close().then(() => process.exit(0)));
