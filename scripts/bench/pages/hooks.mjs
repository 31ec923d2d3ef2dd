// Module hooks for the fair page baseline (registered by ./render.tsx): the production server bundle's
// imports of @remix-run/react go to ./remix-free.tsx, so its route components render without Remix.
import { URL } from "node:url";

const SHIM = new URL("./remix-free.tsx", import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === "@remix-run/react" && context.parentURL?.endsWith("/server/index.js")) return { url: SHIM, shortCircuit: true };
  return next(specifier, context);
}
