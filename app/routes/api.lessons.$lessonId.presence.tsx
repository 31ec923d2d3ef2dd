import { presence } from "~/endpoints/hot-writes.server.ts";
import { endpointAction } from "~/utils/endpoint.server.ts";

export const loader = () => new Response("Method Not Allowed", { status: 405 });

/** "继续学习" answered (server.ts serves it before Remix with the same function). */
export const action = endpointAction(presence);
