import { beat } from "~/endpoints/hot-writes.server.ts";
import { endpointAction } from "~/utils/endpoint.server.ts";

export const loader = () => new Response("Method Not Allowed", { status: 405 });

/** One heartbeat from a lesson page (server.ts serves it before Remix with the same function). */
export const action = endpointAction(beat);
