// The JSON endpoints every trainee's page calls every few seconds (heartbeats, presence, answer autosave)
// are each written once, as an `Endpoint`, and served two ways with the same answer:
// - by server.ts before Remix (`mountEndpoints`), after the central security headers, CSRF check and body
//   limits: no route matching over every route, no Fetch Request/Response conversion of the body;
// - by their thin Remix route (`endpointAction`), which keeps them in the route manifest (the
//   authorization matrix and the bad-input sweep find them there) and is what unit tests call.
import type { Express, Request as ExpressRequest, Response as ExpressResponse } from "express";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppContext } from "~/load-context.ts";
import type { GuardedRequest } from "./session.server.ts";
import { databaseAnswer } from "./db-outage.server.ts";

type EndpointArgs = {
  request: GuardedRequest;
  params: Record<string, string | undefined>;
  context: AppContext;
  /** The body as JSON, or null when it is not JSON (as `request.json().catch(() => null)`). */
  json: () => Promise<unknown>;
};
/** The JSON answer. Refusals that guards throw (a redirect, a 403/404 Response) are thrown through. */
export type EndpointReply = { status: number; body: unknown; headers?: Record<string, string> };
export type Endpoint = (args: EndpointArgs) => Promise<EndpointReply>;

/** The Remix route's action for an endpoint. */
export function endpointAction(endpoint: Endpoint) {
  return async (args: { request: Request; params: Record<string, string | undefined>; context: AppContext }): Promise<Response> => {
    const reply = await endpoint({ ...args, json: () => args.request.json().catch(() => null) });
    return Response.json(reply.body, { status: reply.status, headers: reply.headers });
  };
}

/**
 * An Express handler for an endpoint. It answers as Remix answers the route: the JSON with its status and
 * headers (Content-Type `application/json; charset=utf-8`, as Express writes Remix's), a thrown Response
 * as it is, the database away as the 503 every route gives then, anything else as Remix's production 500 (logged).
 */
function serveEndpoint(endpoint: Endpoint, contextOf: ContextOf) {
  return (req: ExpressRequest, res: ExpressResponse) => {
    const args: EndpointArgs = {
      request: { url: `${req.protocol}://${req.get("host")}${req.originalUrl}`, headers: { get: (name) => req.get(name) ?? null } },
      params: req.params,
      context: contextOf(req, res),
      json: () => readJson(req),
    };
    endpoint(args)
      .then((reply) => send(res, reply.status, { "Content-Type": "application/json; charset=utf-8", ...reply.headers }, JSON.stringify(reply.body)))
      .catch(async (thrown: unknown) => {
        // The database away or refusing a value: the same Chinese answer as the Remix routes give (db-outage.server.ts).
        const error = databaseAnswer(thrown, "json") ?? thrown;
        if (error instanceof Response) return send(res, error.status, Object.fromEntries(error.headers), await error.text());
        console.error(error);
        send(res, 500, { "Content-Type": "text/plain;charset=UTF-8" }, "Unexpected Server Error");
      });
  };
}

type ContextOf = (req: ExpressRequest, res: ExpressResponse) => AppContext;
const ACTION_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Serves endpoints by Remix route id on an Express app, for the methods Remix sends to an action; a GET,
 * HEAD or OPTIONS goes on to Remix (the route's loader answers 405 there).
 */
export function mountEndpoints(app: Express, endpoints: Record<string, Endpoint>, contextOf: ContextOf) {
  for (const [routeId, endpoint] of Object.entries(endpoints)) {
    const serve = serveEndpoint(endpoint, contextOf);
    app.all(routePath(routeId), (req, res, next) => (ACTION_METHODS.has(req.method) ? serve(req, res) : next()));
  }
}

/** The Express path of a flat route id made of plain segments and `$params`: "routes/a.$id.b" → "/a/:id/b". */
export function routePath(routeId: string): string {
  const segments = routeId.replace(/^routes\//, "").split(".");
  if (!segments.every((s) => /^\$?[A-Za-z][\w-]*$/.test(s))) throw new Error(`not a plain flat route id: ${routeId}`);
  return `/${segments.map((s) => s.replace(/^\$/, ":")).join("/")}`;
}

/** The body read to its end and parsed as fetch's `json()` does (UTF-8, a leading BOM dropped); null when it is not JSON. */
function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    // A body cut off (over its limit, or the client gone) is no JSON.
    req.once("error", () => resolve(null));
    req.once("close", () => resolve(null));
    // The body-limit check paused the stream so that nothing flows before the app reads it.
    req.resume();
    req.once("end", () => {
      try {
        resolve(JSON.parse(new TextDecoder().decode(Buffer.concat(chunks))));
      } catch {
        resolve(null);
      }
    });
  });
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string) {
  // A body over its limit was already answered 413 while it streamed (app/utils/body-limits.server.ts).
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, "Content-Length": String(Buffer.byteLength(body)) });
  res.end(body);
}
