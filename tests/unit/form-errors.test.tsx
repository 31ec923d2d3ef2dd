// @vitest-environment jsdom
// The one way forms show a refusal: the form-level message in an alert region, each field's own message
// next to it, tied to the field by aria-invalid and aria-describedby; nothing at all without a refusal.
import { createRemixStub } from "@remix-run/testing";
import { cleanup, render, screen } from "@testing-library/react";
import { Form, useActionData } from "@remix-run/react";
import { data } from "@remix-run/node";
import { afterEach, describe, expect, it } from "vitest";
import { FieldError, fieldProps, FormAlert } from "../../app/components/FormErrors.tsx";
import { fail } from "../../app/utils/form-result.server.ts";
import { fieldError, isFailure } from "../../app/utils/form-result.ts";

function Sample({ result }: { result: unknown }) {
  return (
    <form aria-label="样例">
      <FormAlert result={result} />
      <label>
        姓名
        <input {...fieldProps(result, "sample", "name")} />
        <FieldError result={result} form="sample" name="name" />
      </label>
      <label>
        期次
        <input {...fieldProps(result, "sample", "term")} />
        <FieldError result={result} form="sample" name="term" />
      </label>
    </form>
  );
}

describe("form errors", () => {
  afterEach(cleanup);

  it("ties each field's message to its field and announces the form's message", () => {
    render(<Sample result={{ ok: false, message: "请填写姓名", errors: { name: "请填写姓名" } }} />);
    expect(screen.getByRole("alert")).toHaveTextContent("请填写姓名");
    const name = screen.getByRole("textbox", { name: /^姓名/ });
    expect(name).toHaveAttribute("aria-invalid", "true");
    expect(name).toHaveAccessibleDescription("请填写姓名");
    const term = screen.getByRole("textbox", { name: /^期次/ });
    expect(term).not.toHaveAttribute("aria-invalid");
    expect(term).not.toHaveAttribute("aria-describedby");
  });

  it("shows nothing for a success or before any answer", () => {
    for (const result of [undefined, { ok: true, message: "已保存" }]) {
      const { unmount } = render(<Sample result={result} />);
      expect(screen.queryByRole("alert")).toBeNull();
      expect(screen.getByRole("textbox", { name: /^姓名/ })).not.toHaveAttribute("aria-invalid");
      unmount();
    }
  });

  it("keeps the fields of two forms on one page apart", () => {
    render(
      <>
        <input aria-label="一" {...fieldProps({ ok: false, message: "x", errors: { note: "太长" } }, "a", "note")} />
        <input aria-label="二" {...fieldProps({ ok: false, message: "x", errors: { note: "太长" } }, "b", "note")} />
      </>,
    );
    expect(screen.getByLabelText("一").getAttribute("aria-describedby")).not.toBe(screen.getByLabelText("二").getAttribute("aria-describedby"));
  });

  it("fail() answers the one shape, with the status given", () => {
    const r = fail("期次有误", { term: "请填写整数" }, 409);
    expect(r.data).toEqual({ ok: false, message: "期次有误", errors: { term: "请填写整数" } });
    expect(r.init?.status).toBe(409);
    expect(isFailure(r.data)).toBe(true);
    expect(fieldError(r.data, "term")).toBe("请填写整数");
    expect(isFailure({ ok: true })).toBe(false);
  });

  it("a refused post shows its field error on the page that sent it", async () => {
    function Page() {
      const result = useActionData();
      return (
        <Form method="post">
          <Sample result={result} />
          <button type="submit">保存</button>
        </Form>
      );
    }
    const Stub = createRemixStub([
      { path: "/", Component: Page, action: () => data({ ok: false, message: "期次必须是整数", errors: { term: "期次必须是整数" } }, { status: 400 }) },
    ]);
    render(<Stub />);
    (await screen.findByRole("button", { name: "保存" })).click();
    expect(await screen.findByRole("alert")).toHaveTextContent("期次必须是整数");
    expect(screen.getByRole("textbox", { name: /^期次/ })).toHaveAccessibleDescription("期次必须是整数");
  });
});
