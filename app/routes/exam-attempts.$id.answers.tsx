import { answers } from "~/endpoints/hot-writes.server.ts";
import { endpointAction } from "~/utils/endpoint.server.ts";

export const loader = () => new Response("Method Not Allowed", { status: 405 });

/** Autosave of one answer or a leave-page event (server.ts serves it before Remix with the same function). */
export const action = endpointAction(answers);
