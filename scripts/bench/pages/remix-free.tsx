// What the fair page baseline gives the production bundle instead of @remix-run/react (see ./hooks.mjs):
// the same names, each doing what a page rendered on the server needs and nothing more — a link is an
// <a>, a form a <form>, loader data comes from a React context, the document's head and scripts are the
// plain tags a hand-made server would write. No router, no route matching, no serialized turbo-stream.
import { createContext, useContext, type ComponentProps, type ReactNode } from "react";

export type Descriptor = Record<string, string | undefined>;

/** One rendered page: its address, nonce, every route's loader data, and what goes into <head> and before </body>. */
export type PageState = {
  url: URL;
  nonce: string;
  data: Record<string, unknown>;
  meta: Descriptor[];
  links: Descriptor[];
  /** Module URLs to preload and the entry to import. */
  modules: string[];
  entry: string;
};

export const PageContext = createContext<PageState | null>(null);
const RouteContext = createContext<{ id: string; outlet: ReactNode }>({ id: "root", outlet: null });

const page = () => useContext(PageContext)!;

/** A route's element with its id (for useLoaderData) and its child route (for <Outlet/>). */
export function Route({ id, outlet, children }: { id: string; outlet: ReactNode; children: ReactNode }) {
  return <RouteContext.Provider value={{ id, outlet }}>{children}</RouteContext.Provider>;
}

export const Outlet = () => <>{useContext(RouteContext).outlet}</>;
export const useLoaderData = () => page().data[useContext(RouteContext).id];
export const useRouteLoaderData = (id: string) => page().data[id];
export const useActionData = () => undefined;
export const useRouteError = () => undefined;
export const useNavigation = () => ({ state: "idle" as const });
export const useNavigate = () => () => {};
export const useLocation = () => {
  const { url } = page();
  return { pathname: url.pathname, search: url.search, hash: "", state: null, key: "default" };
};
export const useSearchParams = () => [page().url.searchParams, () => {}] as const;

type To = string | { pathname?: string; search?: string; hash?: string };
/** A link's address; a relative one is resolved against the page's path, as the router does for a leaf route. */
function useHref(to: To): string {
  const { pathname } = page().url;
  const s = typeof to === "string" ? to : `${to.pathname ?? ""}${to.search ?? ""}${to.hash ?? ""}`;
  if (/^(\/|[a-z]+:)/i.test(s)) return s;
  const u = new URL(s, `http://x${pathname.replace(/\/?$/, "/")}`);
  return u.pathname.replace(/(.)\/$/, "$1") + u.search + u.hash;
}
type LinkProps = Omit<ComponentProps<"a">, "href"> & { to: To; prefetch?: string; replace?: boolean; reloadDocument?: boolean; preventScrollReset?: boolean };

/** A link's props without the router's own. */
const strip = ({ prefetch: _p, replace: _r, reloadDocument: _d, preventScrollReset: _s, ...rest }: Omit<LinkProps, "to">) => rest;

export function Link({ to, ...rest }: LinkProps) {
  return <a {...strip(rest)} href={useHref(to)} />;
}

export function NavLink({
  to,
  end,
  className,
  children,
  ...rest
}: Omit<LinkProps, "className" | "children"> & {
  end?: boolean;
  className?: string | ((s: { isActive: boolean }) => string);
  children?: ReactNode | ((s: { isActive: boolean }) => ReactNode);
}) {
  const path = useLocation().pathname;
  const target = useHref(to);
  const isActive = path === target || (!end && target !== "/" && path.startsWith(`${target}/`));
  const cls = typeof className === "function" ? className({ isActive }) : [className, isActive ? "active" : null].filter(Boolean).join(" ");
  return (
    <a aria-current={isActive ? "page" : undefined} className={cls} href={target} {...strip(rest)}>
      {typeof children === "function" ? children({ isActive }) : children}
    </a>
  );
}

type FormProps = ComponentProps<"form"> & {
  navigate?: boolean;
  replace?: boolean;
  reloadDocument?: boolean;
  preventScrollReset?: boolean;
  fetcherKey?: string;
};

export function Form({ method, action, navigate: _n, replace: _r, reloadDocument: _d, preventScrollReset: _s, fetcherKey: _k, ...rest }: FormProps) {
  const { url } = page();
  return <form method={method?.toLowerCase() === "get" ? "get" : "post"} action={action ?? url.pathname} {...rest} />;
}

export const useFetcher = () => ({ state: "idle" as const, data: undefined, formData: undefined, Form, submit: () => {}, load: () => {} });

export function isRouteErrorResponse(e: unknown): boolean {
  const r = e as { status?: unknown; statusText?: unknown; internal?: unknown } | null;
  return !!r && typeof r.status === "number" && typeof r.statusText === "string" && typeof r.internal === "boolean";
}

export function Meta() {
  return <>{page().meta.map(({ title, ...m }, i) => (title !== undefined ? <title key={i}>{title}</title> : <meta key={i} {...m} />))}</>;
}

export function Links() {
  return (
    <>
      {page().links.map((l, i) => (
        <link key={i} {...l} />
      ))}
    </>
  );
}

/** The module preloads, the loader data as JSON for hydration, and the entry: what any server-rendered React page ships. */
export function Scripts() {
  const { modules, entry, data, nonce } = page();
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  return (
    <>
      {modules.map((m) => (
        <link key={m} rel="modulepreload" href={m} />
      ))}
      <script nonce={nonce} dangerouslySetInnerHTML={{ __html: `window.__pageData=${json};` }} />
      <script nonce={nonce} type="module" src={entry} />
    </>
  );
}

export const ScrollRestoration = () => null;

export function RemixServer(): never {
  throw new Error("the fair page baseline renders without RemixServer");
}
