// @vitest-environment jsdom
// The 组织部's desk, round two: the smaller items that are about pages rather than data.
import { createRemixStub } from "@remix-run/testing";
import { render, screen } from "@testing-library/react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { AppShell } from "../../app/components/AppShell.tsx";
import { GeneralErrorBoundary } from "../../app/components/ErrorBoundary.tsx";
import { handleError } from "../../app/entry.server.tsx";

describe("7. the smaller items (pages)", () => {
  it("a 404 shows the Chinese message, not the router's text, and is not logged", () => {
    const Stub = createRemixStub([
      {
        path: "/",
        Component: () => null,
        loader: () => {
          throw new Response('Error: No route matches URL "/admin"', { status: 404 });
        },
        ErrorBoundary: GeneralErrorBoundary,
      },
    ]);
    render(<Stub initialEntries={["/"]} />);
    return screen.findByText("页面不存在").then(() => {
      expect(document.body.textContent).not.toContain("No route matches");
      const logged: unknown[] = [];
      const quiet = console.error;
      console.error = (...a: unknown[]) => logged.push(a);
      try {
        const notFound = Object.assign(Object.create(null), {
          status: 404,
          statusText: "Not Found",
          internal: true,
          data: "Error: No route matches URL",
          error: new Error("No route matches URL"),
        });
        handleError(new Error("boom"), { request: new Request("http://x/") });
        handleError(notFoundResponse(notFound), { request: new Request("http://x/admin") });
      } finally {
        console.error = quiet;
      }
      expect(logged).toHaveLength(1);
    });
  });

  it("one tab is current on /branch/dashboard", () => {
    const user = { id: 1, name: "赵志强", username: "sj001", roles: ["secretary"] as const, stage: "full" as const, mustChangePassword: false };
    const Stub = createRemixStub([
      {
        path: "/branch/dashboard",
        Component: () => (
          <AppShell user={user as never} schoolName="测试党校">
            <p>统计</p>
          </AppShell>
        ),
      },
    ]);
    const html = renderToString(<Stub initialEntries={["/branch/dashboard"]} />);
    expect(html.match(/aria-current="page"/g)).toHaveLength(1);
  });
});

/** The router's own 404 as Remix hands it to handleError. */
function notFoundResponse(fields: { status: number; statusText: string; internal: boolean; data: string; error: Error }) {
  class ErrorResponseImpl {
    status = fields.status;
    statusText = fields.statusText;
    internal = fields.internal;
    data = fields.data;
    error = fields.error;
  }
  return new ErrorResponseImpl();
}
