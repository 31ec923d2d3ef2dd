import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteLoaderData } from "@remix-run/react";
import type { ReactNode } from "react";
import { AppShell } from "./components/AppShell.tsx";
import { GeneralErrorBoundary } from "./components/ErrorBoundary.tsx";
import styles from "./styles/app.css?url";
import { getCurrentUser } from "./guards/auth.server.ts";
import { unreadCount } from "./models/notifications.server.ts";
import { useNonce } from "./utils/nonce.tsx";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: styles },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [{ title: "网上党校" }];

export async function loader(args: LoaderFunctionArgs) {
  const user = await getCurrentUser(args);
  return {
    schoolName: args.context.schoolName,
    user: user && {
      id: user.id,
      name: user.name,
      username: user.username,
      stage: user.stage,
      roles: user.roles,
      mustChangePassword: user.must_change_password === 1,
      unread: await unreadCount(args.context.db, user.id),
    },
  };
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  const data = useRouteLoaderData<typeof loader>("root");
  return (
    <html lang="zh-CN">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
        <meta name="format-detection" content="telephone=no" />
        <meta name="theme-color" content="#b3121d" />
        <Meta />
        <Links />
      </head>
      <body>
        <AppShell user={data?.user ?? null} schoolName={data?.schoolName ?? "网上党校"}>
          {children}
        </AppShell>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
