import { Link, useSearchParams } from "@remix-run/react";

/** Previous/next links that keep the page's other query parameters (filters). */
export function Pager({ page, hasNext, pages }: { page: number; hasNext: boolean; pages?: number }) {
  const [params] = useSearchParams();
  const to = (p: number) => {
    const next = new URLSearchParams(params);
    next.set("page", String(p));
    return `?${next}`;
  };
  return (
    <nav className="pager" aria-label="分页">
      {page > 1 ? <Link to={to(page - 1)}>上一页</Link> : null}
      <span>{pages ? `第 ${page} / ${pages} 页` : `第 ${page} 页`}</span>
      {hasNext ? <Link to={to(page + 1)}>下一页</Link> : null}
    </nav>
  );
}
