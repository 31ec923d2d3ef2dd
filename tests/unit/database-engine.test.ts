// Which engine the app opens, and how the environment names a bad choice.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isPostgres, openConfiguredDatabase } from "../../app/utils/db.server.ts";
import { loadEnv } from "../../app/utils/env.server.ts";

describe("DATABASE_URL", () => {
  it("is unset by default (the embedded SQLite file), and an empty value counts as unset", () => {
    expect(loadEnv({}).DATABASE_URL).toBeUndefined();
    expect(loadEnv({ DATABASE_URL: "" }).DATABASE_URL).toBeUndefined();
    expect(loadEnv({}).DB_POOL_MAX).toBe(10);
  });

  it("takes postgres:// and postgresql:// URLs and a pool size", () => {
    const env = loadEnv({ DATABASE_URL: "postgres://dangxiao:secret@db.example.edu.cn:5432/dangxiao", DB_POOL_MAX: "25" });
    expect(env.DATABASE_URL).toBe("postgres://dangxiao:secret@db.example.edu.cn:5432/dangxiao");
    expect(env.DB_POOL_MAX).toBe(25);
    expect(loadEnv({ DATABASE_URL: "postgresql://localhost/dangxiao" }).DATABASE_URL).toBe("postgresql://localhost/dangxiao");
  });

  it("names a bad URL in Chinese and English", () => {
    for (const bad of ["mysql://localhost/dangxiao", "db.example.edu.cn:5432", "postgres://", "postgres://host/db name"]) {
      expect(() => loadEnv({ DATABASE_URL: bad }), bad).toThrow(/环境变量无效[\s\S]*DATABASE_URL: .*postgres:\/\/ 地址 \(a postgres:\/\/ URL\)/);
    }
    expect(() => loadEnv({ DB_POOL_MAX: "0" })).toThrow(/DB_POOL_MAX/);
  });

  it("selects PostgreSQL when set and the SQLite file in DATA_DIR when not", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "dangxiao-engine-"));
    const sqlite = openConfiguredDatabase(loadEnv({ DATA_DIR: dataDir }));
    expect(isPostgres(sqlite)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, "app.db"))).toBe(true);
    await sqlite.destroy();
    // The pool connects lazily: choosing the engine opens no connection.
    const postgres = openConfiguredDatabase(loadEnv({ DATA_DIR: dataDir, DATABASE_URL: "postgres://127.0.0.1:1/none" }));
    expect(isPostgres(postgres)).toBe(true);
    await postgres.destroy();
  });
});
