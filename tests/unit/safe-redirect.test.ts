// The one redirect check against known open-redirect bypasses, and the sign-in route that uses it.
import { describe, expect, it } from "vitest";
import * as loginRoute from "../../app/routes/login.tsx";
import { safeRedirect } from "../../app/utils/safe-redirect.ts";
import { createTestDb, createTestTree, createTestUser, makeRequest, outcome, TEST_PASSWORD, testContext } from "../setup/db.ts";

const ORIGIN = "https://dangxiao.example.edu.cn";

// Each of these, put in a Location header, sends some browser to another origin or runs script.
const BYPASSES = [
  "//evil.example",
  "///evil.example",
  "////evil.example",
  "/\\evil.example",
  "\\\\evil.example",
  "\\/evil.example",
  "/\t/evil.example", // the reported one: /login?redirectTo=%2F%09%2Fevil.example
  "/\t\\evil.example", // /%09%5Cevil.example
  "/\n/evil.example",
  "/\r\n/evil.example",
  "\t//evil.example",
  " //evil.example",
  "//evil.example ",
  "/\u0000/evil.example",
  "/%2f%2fevil.example/",
  "/%2F%2Fevil.example",
  "/%5cevil.example",
  "/%5C%5Cevil.example",
  "/%252f%252fevil.example",
  "/%09/evil.example",
  "https://evil.example",
  "https:evil.example",
  "https:/evil.example",
  "http://dangxiao.example.edu.cn@evil.example",
  "//dangxiao.example.edu.cn@evil.example",
  "/\\dangxiao.example.edu.cn@evil.example",
  "//evil。example",
  "//ｅｖｉｌ.example",
  "//xn--80ak6aa92e.com",
  "//аррӏе.com",
  "javascript:alert(1)",
  "JaVaScRiPt:alert(1)",
  "java\tscript:alert(1)",
  "/javascript:alert(1)//\n//evil.example",
  "data:text/html,<script>alert(1)</script>",
  "evil.example",
  ".evil.example",
  "",
  "/".repeat(3000),
];

describe("safeRedirect", () => {
  it.each(BYPASSES.map((b) => [JSON.stringify(b).slice(0, 60), b]))("refuses %s", (_label, to) => {
    const out = safeRedirect(to, "/fallback");
    expect(new URL(out, ORIGIN).origin).toBe(ORIGIN);
    expect(out).toBe("/fallback");
  });

  it.each([
    ["/admin/users", "/admin/users"],
    ["/courses/x?tab=1#part", "/courses/x?tab=1#part"],
    ["/exam-attempts/12/result", "/exam-attempts/12/result"],
    ["/teach/a/assignments/b?status=submitted&unit=3", "/teach/a/assignments/b?status=submitted&unit=3"],
    ["/courses/党课", "/courses/%E5%85%9A%E8%AF%BE"],
    ["/a/../b", "/b"],
    ["/a?next=//evil.example", "/a?next=//evil.example"],
  ])("keeps the same-origin path %s", (to, expected) => {
    expect(safeRedirect(to)).toBe(expected);
  });

  it("refuses what is not a string", () => {
    for (const v of [undefined, null, 1, ["/a"], { toString: () => "/a" }]) expect(safeRedirect(v)).toBe("/");
  });
});

describe("sign-in redirect", () => {
  it("a valid sign-in with a tab-smuggled redirectTo lands on our home page", async () => {
    const db = await createTestDb();
    const tree = await createTestTree(db);
    const user = await createTestUser(db, { orgUnitId: tree.branchA });
    for (const redirectTo of ["/\t/evil.example", "/\t\\evil.example", "/%2f%2fevil.example", "/courses"]) {
      const request = makeRequest("/login", { form: { username: user.username, password: TEST_PASSWORD, redirectTo } });
      const r = await outcome(loginRoute.action({ request, context: testContext(db), params: {} }));
      expect(r.status).toBe(302);
      expect(r.location).toBe(redirectTo === "/courses" ? "/courses" : "/");
    }
  });
});
