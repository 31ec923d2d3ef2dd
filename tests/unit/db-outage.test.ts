// What counts as "the database is away" and what the person then gets: a 503 in Chinese, JSON for resource routes.
import type { ServerBuild } from "@remix-run/node";
import { describe, expect, it } from "vitest";
import { answeringOutages, DATABASE_UNAVAILABLE, VALUE_REFUSED } from "../../app/utils/db-outage.server.ts";
import { isDatabaseUnavailable, isRefusedValue } from "../../app/utils/db.server.ts";

describe("isDatabaseUnavailable", () => {
  it("is true for a refused or broken connection, pg's own connection errors and PostgreSQL's shutdown codes", () => {
    for (const e of [
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }),
      new Error("Connection terminated unexpectedly"),
      new Error("timeout exceeded when trying to connect"),
      new Error("Client has encountered a connection error and is not queryable"),
      Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }),
      Object.assign(new Error("the database system is starting up"), { code: "57P03" }),
      Object.assign(new Error("connection failure"), { code: "08006" }),
    ])
      expect(isDatabaseUnavailable(e), e.message).toBe(true);
  });

  it("is false for errors of the query itself", () => {
    for (const e of [
      Object.assign(new Error("duplicate key"), { code: "23505" }),
      Object.assign(new Error("could not serialize access"), { code: "40001" }),
      Object.assign(new Error("UNIQUE constraint failed"), { code: "SQLITE_CONSTRAINT_UNIQUE" }),
      new TypeError("x is undefined"),
      null,
    ])
      expect(isDatabaseUnavailable(e)).toBe(false);
  });
});

describe("answeringOutages", () => {
  const unavailable = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
  const build = {
    routes: {
      page: { id: "page", module: { default: () => null, loader: async () => Promise.reject(unavailable) } },
      api: { id: "api", module: { action: async () => Promise.reject(unavailable), loader: async () => Promise.reject(new Error("a bug")) } },
      plain: { id: "plain", module: { default: () => null } },
    },
  } as unknown as ServerBuild;
  const wrapped = answeringOutages(build).routes;
  const thrown = async (fn: unknown) => (fn as (a: unknown) => Promise<unknown>)({}).catch((e: unknown) => e);

  it("a page's loader throws a 503 with the Chinese message for the error page", async () => {
    const res = (await thrown(wrapped.page!.module.loader)) as Response;
    expect(res.status).toBe(503);
    expect(res.headers.get("Retry-After")).toBe("5");
    expect(await res.text()).toBe(DATABASE_UNAVAILABLE);
  });

  it("a resource route answers JSON a client can read and keep its queue for", async () => {
    const res = (await thrown(wrapped.api!.module.action)) as Response;
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false, reason: "unavailable", message: DATABASE_UNAVAILABLE });
  });

  it("other errors pass unchanged, and a route without a loader keeps none", async () => {
    expect(((await thrown(wrapped.api!.module.loader)) as Error).message).toBe("a bug");
    expect(wrapped.plain!.module.loader).toBeUndefined();
  });
});

describe("a value the database refuses (PostgreSQL's data exceptions)", () => {
  const nul = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: "22021" });
  const range = Object.assign(new Error('value "999999999999" is out of range for type integer'), { code: "22003" });
  const build = {
    routes: {
      page: { id: "page", module: { default: () => null, action: async () => Promise.reject(nul) } },
      api: { id: "api", module: { action: async () => Promise.reject(range) } },
    },
  } as unknown as ServerBuild;
  const wrapped = answeringOutages(build).routes;
  const thrown = async (fn: unknown) => (fn as (a: unknown) => Promise<unknown>)({}).catch((e: unknown) => e);

  it("is told apart from faults: class 22 only", () => {
    expect([nul, range].every(isRefusedValue)).toBe(true);
    for (const e of [{ code: "23505" }, { code: "40001" }, { code: "SQLITE_MISMATCH" }, new Error("a bug"), null]) expect(isRefusedValue(e)).toBe(false);
  });

  it("is answered 400 with a Chinese reason, as text for a page and as JSON for a resource route (they were 500s)", async () => {
    const page = (await thrown(wrapped.page!.module.action)) as Response;
    expect(page.status).toBe(400);
    expect(await page.text()).toBe(VALUE_REFUSED);
    const api = (await thrown(wrapped.api!.module.action)) as Response;
    expect(api.status).toBe(400);
    expect(await api.json()).toEqual({ ok: false, reason: "invalid", message: VALUE_REFUSED });
  });
});
