// @vitest-environment jsdom
import { createRemixStub } from "@remix-run/testing";
import { fireEvent, render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { AppShell, navFor } from "../../app/components/AppShell.tsx";
import Login from "../../app/routes/login.tsx";

describe("navigation per role", () => {
  it("shows each role only the pages it may use", () => {
    const labels = (roles: Parameters<typeof navFor>[0]) => navFor(roles).map((i) => i.label);
    expect(labels(["trainee"])).toEqual(["首页", "我的课程", "学习进度", "培训班", "我的证书", "思想汇报", "通知公告", "修改密码"]);
    expect(labels(["trainee", "liaison"])).toContain("培养联系");
    expect(labels(["trainee"])).not.toContain("培养联系");
    expect(labels(["secretary"])).toContain("思想汇报审阅");
    expect(labels(["instructor"])).toContain("答疑");
    expect(labels(["trainee"])).not.toContain("答疑");
    expect(labels(["secretary"])).toContain("本支部学员");
    expect(labels(["secretary"])).not.toContain("用户管理");
    expect(labels(["admin"])).toEqual(expect.arrayContaining(["用户管理", "组织架构", "审计日志"]));
    expect(labels(["trainee", "secretary"])).toContain("本支部学员");
  });

  it("renders the shell with the user's name and hides navigation until a one-time password is changed", () => {
    const user = { name: "张晓明", username: "2023001", stage: "activist" as const, roles: ["trainee" as const], mustChangePassword: false };
    const Stub = createRemixStub([
      {
        path: "/",
        Component: () => (
          <AppShell user={user} schoolName="测试党校">
            <p>内容</p>
          </AppShell>
        ),
      },
      {
        path: "/unread",
        Component: () => (
          <AppShell user={{ ...user, unread: 3 }} schoolName="测试党校">
            <p>内容</p>
          </AppShell>
        ),
      },
      {
        path: "/forced",
        Component: () => (
          <AppShell user={{ ...user, mustChangePassword: true }} schoolName="测试党校">
            <p>内容</p>
          </AppShell>
        ),
      },
    ]);
    const { unmount } = render(<Stub initialEntries={["/"]} />);
    expect(screen.getByText("张晓明")).toBeInTheDocument();
    const nav = screen.getByRole("navigation", { name: "主导航" });
    expect(within(nav).getByRole("link", { name: "首页" })).toHaveAttribute("href", "/");
    expect(screen.getByTestId("bell")).toHaveAttribute("aria-label", "消息");
    unmount();
    const bell = render(<Stub initialEntries={["/unread"]} />);
    expect(screen.getByTestId("bell")).toHaveAttribute("aria-label", "消息，3 条未读");
    expect(within(screen.getByTestId("bell")).getByText("3")).toBeInTheDocument();
    bell.unmount();
    render(<Stub initialEntries={["/forced"]} />);
    expect(screen.queryByRole("navigation", { name: "主导航" })).toBeNull();
  });
});

describe("login page", () => {
  it("shows the server's error message", async () => {
    const Stub = createRemixStub([{ path: "/login", Component: Login, action: () => ({ ok: false, message: "学号/工号或密码不正确", errors: {} }) }]);
    render(<Stub initialEntries={["/login"]} />);
    expect(await screen.findByLabelText("学号/工号")).toBeRequired();
    expect(screen.getByLabelText("密码")).toHaveAttribute("type", "password");
    fireEvent.change(screen.getByLabelText("学号/工号"), { target: { value: "2023001" } });
    fireEvent.change(screen.getByLabelText("密码"), { target: { value: "wrong" } });
    fireEvent.click(screen.getByRole("button", { name: "登录" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("学号/工号或密码不正确");
  });
});
