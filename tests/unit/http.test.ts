import { describe, expect, it } from "vitest";
import { loadEnv } from "../../app/utils/env.server.ts";
import { downloadResponse, isAllowedOrigin, newNonce, securityHeaders, securityTxt } from "../../app/utils/http.server.ts";

const expectedOrigin = "https://dangxiao.example.edu.cn";

describe("same-origin check for state changes", () => {
  it.each([
    [{ method: "GET" }, true],
    [{ method: "POST", secFetchSite: "same-origin" }, true],
    [{ method: "POST", secFetchSite: "cross-site" }, false],
    [{ method: "POST", secFetchSite: "same-site" }, false],
    [{ method: "POST", origin: expectedOrigin }, true],
    [{ method: "POST", origin: "https://evil.example" }, false],
    [{ method: "POST", origin: "null" }, false],
    [{ method: "DELETE", origin: "http://dangxiao.example.edu.cn" }, false],
    [{ method: "POST" }, false],
    [{ method: "PUT", secFetchSite: "same-origin", origin: "https://evil.example" }, true],
  ])("%j → %s", (req, allowed) => {
    expect(isAllowedOrigin({ expectedOrigin, ...req })).toBe(allowed);
  });
});

describe("security headers", () => {
  it("sends CSP with the nonce and frame-ancestors in production, nosniff and referrer policy always", () => {
    const h = securityHeaders("abc", { production: true, secure: true });
    expect(h["Content-Security-Policy"]).toContain("'nonce-abc'");
    expect(h["Content-Security-Policy"]).toContain("frame-ancestors 'none'");
    expect(h["X-Content-Type-Options"]).toBe("nosniff");
    expect(h["Referrer-Policy"]).toBe("same-origin");
    expect(securityHeaders("abc", { production: false, secure: false })["Content-Security-Policy"]).toBeUndefined();
  });

  it("gives every response a nonce of its own: 16 random bytes in base64, none repeated across pool refills", () => {
    const nonces = Array.from({ length: 1000 }, () => newNonce());
    for (const n of nonces) expect(Buffer.from(n, "base64")).toHaveLength(16);
    expect(new Set(nonces).size).toBe(1000);
  });
});

describe("environment", () => {
  it("applies defaults", () => {
    const env = loadEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.dataDir).toMatch(/data$/);
    expect(env.cookieSecure).toBe(false);
    expect(loadEnv({ NODE_ENV: "production" }).cookieSecure).toBe(true);
  });
  it("names every bad variable in one message", () => {
    expect(() => loadEnv({ PORT: "abc", ORIGIN: "not a url" })).toThrow(/PORT[\s\S]*ORIGIN|ORIGIN[\s\S]*PORT/);
  });
});

describe("security.txt", () => {
  it("takes its contact from a validated SECURITY_CONTACT", () => {
    expect(loadEnv({ SECURITY_CONTACT: "mailto:security@example.edu.cn" }).SECURITY_CONTACT).toBe("mailto:security@example.edu.cn");
    expect(loadEnv({ SECURITY_CONTACT: "https://example.edu.cn/security" }).SECURITY_CONTACT).toBe("https://example.edu.cn/security");
    for (const bad of [
      "security@example.edu.cn",
      "http://example.edu.cn/x",
      "mailto:nobody",
      "javascript:alert(1)",
      "mailto:a@b.cn\nContact: mailto:evil@x.com",
    ]) {
      expect(() => loadEnv({ SECURITY_CONTACT: bad }), bad).toThrow(/SECURITY_CONTACT/);
    }
  });
  it("says Contact, Expires (within a year), Preferred-Languages and Canonical (RFC 9116)", () => {
    const now = Date.UTC(2026, 11, 3, 10, 0, 0);
    const text = securityTxt("mailto:security@example.edu.cn", "https://dangxiao.example.edu.cn", now);
    expect(text).toBe(
      "Contact: mailto:security@example.edu.cn\nExpires: 2027-06-03T00:00:00.000Z\nPreferred-Languages: zh, en\nCanonical: https://dangxiao.example.edu.cn/.well-known/security.txt\n",
    );
  });
});

describe("downloads", () => {
  it("name the file for every browser: an ASCII fallback and an RFC 5987 filename* with reserved characters escaped", async () => {
    const res = downloadResponse({ filename: "培训档案-2023001-张三 (O'Neil).pdf", contentType: "application/pdf", body: new Uint8Array([37, 80, 68, 70]) });
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Disposition")).toBe(
      `attachment; filename="????-2023001-?? (O'Neil).pdf"; filename*=UTF-8''%E5%9F%B9%E8%AE%AD%E6%A1%A3%E6%A1%88-2023001-%E5%BC%A0%E4%B8%89%20%28O%27Neil%29.pdf`,
    );
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(res.headers.get("Cache-Control")).toBe("private, no-store");
    expect(res.headers.get("Content-Length")).toBe("4");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([37, 80, 68, 70]));
  });

  it("an ASCII name needs no filename*; a quote in it stays inside the quoted string", () => {
    const res = downloadResponse({ filename: 'bank "a".md', contentType: "text/markdown; charset=utf-8", body: "x" });
    expect(res.headers.get("Content-Disposition")).toBe('attachment; filename="bank \\"a\\".md"');
  });

  it("a refused download is a 400 with the reason as text", async () => {
    const res = downloadResponse({ refused: "超过 Excel 的行数上限" });
    expect(res.status).toBe(400);
    expect(res.headers.get("Content-Type")).toBe("text/plain; charset=utf-8");
    expect(await res.text()).toBe("超过 Excel 的行数上限");
  });
});
