import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";

const MESSAGES: Record<number, { title: string; text: string }> = {
  400: { title: "请求有误", text: "提交的内容无法处理，请检查后重试。" },
  403: { title: "没有权限", text: "您没有权限访问此页面。如有疑问，请联系组织部。" },
  404: { title: "页面不存在", text: "您要找的内容不存在，或您无权查看。" },
  405: { title: "不支持的操作", text: "此页面不支持该操作。" },
  429: { title: "操作过于频繁", text: "请稍后再试。" },
  503: { title: "服务暂时不可用", text: "系统暂时无法处理请求，请稍后再试。" },
};

/** One error page for every route, in Chinese, never with a stack trace. */
export function GeneralErrorBoundary() {
  const error = useRouteError();
  let status = 500;
  let detail: string | null = null;
  if (isRouteErrorResponse(error)) {
    status = error.status;
    // Our own responses carry a Chinese message; the router's ("Error: No route matches URL …") is not for readers.
    if (typeof error.data === "string" && error.data && error.data.length < 200 && !/^Error: /.test(error.data)) detail = error.data;
  } else if (error) {
    console.error(error);
  }
  const msg = MESSAGES[status] ?? { title: "系统出错了", text: "服务器处理请求时出现问题，请稍后再试。问题已记录。" };
  return (
    <section className="card error-page" role="alert">
      <p className="error-code">{status}</p>
      <h1>{msg.title}</h1>
      <p>{detail ?? msg.text}</p>
      <p>
        <Link to="/" className="btn">
          返回首页
        </Link>
      </p>
    </section>
  );
}
