import { Form, NavLink, useLocation } from "@remix-run/react";
import { useEffect, useState, type ReactNode } from "react";
import type { Role } from "../../db/types.ts";
import { ROLE_LABEL, STAGE_LABEL } from "~/utils/labels.ts";

type ShellUser = { name: string; username: string; stage: keyof typeof STAGE_LABEL; roles: Role[]; mustChangePassword: boolean; unread?: number };

/** Navigation per role; only pages that exist are listed. */
export function navFor(roles: Role[]): { to: string; label: string }[] {
  const items = [{ to: "/", label: "首页" }];
  if (roles.includes("trainee")) items.push({ to: "/courses", label: "我的课程" });
  items.push({ to: "/progress", label: "学习进度" });
  if (roles.includes("trainee"))
    items.push({ to: "/my/classes", label: "培训班" }, { to: "/my/certificates", label: "我的证书" }, { to: "/my/reports", label: "思想汇报" });
  if (roles.includes("secretary")) items.push({ to: "/branch", label: "本支部学员" });
  if (roles.includes("secretary") || roles.includes("admin"))
    items.push({ to: "/branch/reports", label: "思想汇报审阅" }, { to: "/branch/pack", label: "支部证书包" });
  if (roles.includes("liaison")) items.push({ to: "/liaison", label: "培养联系" });
  if (roles.includes("secretary") && !roles.includes("admin")) items.push({ to: "/branch/dashboard", label: "统计" });
  if (roles.includes("instructor") || roles.includes("admin")) items.push({ to: "/teach", label: "课程编写" });
  if (roles.includes("instructor")) items.push({ to: "/grading", label: "批改" });
  if (roles.includes("instructor") || roles.includes("admin")) items.push({ to: "/teach/questions", label: "答疑" });
  items.push({ to: "/notices", label: "通知公告" });
  if (roles.includes("admin")) {
    items.push({ to: "/admin/users", label: "用户管理" }, { to: "/admin/org", label: "组织架构" }, { to: "/admin/audit", label: "审计日志" });
    items.push({ to: "/admin/classes", label: "培训班" });
    items.push({ to: "/admin/dashboard", label: "统计" }, { to: "/admin/ledger", label: "培训台账" });
    items.push({ to: "/admin/interaction", label: "答疑与通知" });
  }
  items.push({ to: "/account/password", label: "修改密码" });
  return items;
}

/**
 * The main navigation. Without JavaScript its items wrap onto as many lines as they need; after
 * hydration a phone shows a 菜单 button in the header (a disclosure: Enter/Space/tap opens, Escape
 * closes and returns focus) so the header stays one line and no item is ever cut off.
 */
function useMenu() {
  const [open, setOpen] = useState(false);
  const [hydrated, setHydrated] = useState(false);
  const location = useLocation();
  useEffect(() => setHydrated(true), []);
  useEffect(() => setOpen(false), [location.pathname]);
  return { open, setOpen, hydrated };
}

export function AppShell({ user, schoolName, children }: { user: ShellUser | null; schoolName: string; children: ReactNode }) {
  const menu = useMenu();
  const navItems = user && !user.mustChangePassword ? navFor(user.roles) : null;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        跳到主要内容
      </a>
      <header
        className={`topbar${menu.hydrated ? " js" : ""}${menu.open ? " menu-open" : ""}`}
        onKeyDown={(e) => {
          if (e.key === "Escape" && menu.open) {
            menu.setOpen(false);
            document.getElementById("mainnav-toggle")?.focus();
          }
        }}
      >
        <div className="topbar-inner">
          <a href="/" className="brand">
            <span className="brand-mark" aria-hidden>
              ★
            </span>
            <span className="brand-text">
              <strong>网上党校</strong>
              <small>{schoolName}</small>
            </span>
          </a>
          {user ? (
            <div className="who">
              <a href="/inbox" className="bell" aria-label={user.unread ? `消息，${user.unread} 条未读` : "消息"} data-testid="bell">
                <svg
                  aria-hidden
                  viewBox="0 0 24 24"
                  width="20"
                  height="20"
                  fill="none"
                  stroke="currentColor"
                  strokeWidth="2"
                  strokeLinecap="round"
                  strokeLinejoin="round"
                >
                  <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
                  <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
                </svg>
                {user.unread ? <span className="bell-count">{user.unread > 99 ? "99+" : user.unread}</span> : null}
              </a>
              <span className="who-name">{user.name}</span>
              <span className="who-role">{user.roles.map((r) => ROLE_LABEL[r]).join(" · ")}</span>
              <Form method="post" action="/logout">
                <button type="submit" className="btn-link on-dark">
                  退出
                </button>
              </Form>
              {navItems && menu.hydrated ? (
                <button
                  type="button"
                  id="mainnav-toggle"
                  className="btn-link on-dark mainnav-toggle"
                  aria-expanded={menu.open}
                  aria-controls="mainnav"
                  onClick={() => menu.setOpen(!menu.open)}
                >
                  菜单
                </button>
              ) : null}
            </div>
          ) : null}
        </div>
        {navItems ? (
          <nav className="mainnav" id="mainnav" aria-label="主导航">
            {navItems.map((item) => (
              // One tab is current: the longest one that contains the page (统计 at /branch/dashboard, not 本支部学员 too).
              <NavLink key={item.to} to={item.to} end={item.to === "/" || navItems.some((o) => o.to.startsWith(`${item.to}/`))} prefetch="intent">
                {item.label}
              </NavLink>
            ))}
          </nav>
        ) : null}
      </header>
      <main className="content" id="main" tabIndex={-1}>
        {children}
      </main>
      <footer className="footer">
        {schoolName} · 网上党校{user ? ` · ${STAGE_LABEL[user.stage]}` : ""}
      </footer>
    </div>
  );
}
