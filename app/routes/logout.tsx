import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { logout } from "~/guards/auth.server.ts";
import { clearSessionCookie } from "~/utils/session.server.ts";

export const loader = () => redirect("/");

export async function action(args: ActionFunctionArgs) {
  await logout(args);
  return redirect("/login", { headers: { "Set-Cookie": clearSessionCookie(args.context.cookieSecure) } });
}
