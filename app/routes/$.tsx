// Every address no other route claims. Without this route the router answers an unknown address
// itself, and its English message ("No route matches URL …") travels in the page's hydration data;
// here the 404 is ours and carries only Chinese, in the HTML and in a `.data` answer alike.
import { GeneralErrorBoundary } from "~/components/ErrorBoundary.tsx";

const notFound = () => {
  throw new Response("您要找的页面不存在。请检查地址，或从首页进入。", { status: 404 });
};

export const loader = notFound;
export const action = notFound;

/** Never rendered (the loader always throws); it makes this a page route, so the 404 keeps the app's header. */
export default function NotFound() {
  return null;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
