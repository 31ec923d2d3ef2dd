import path from "node:path";
import { openDatabase } from "../../../app/utils/db.server.ts";
import { createSession } from "../../../app/utils/session.server.ts";
import { DEMO_PASSWORD } from "../../../app/models/demo.server.ts";
import type { Scenario } from "../types.ts";

export const authScenarios: Scenario[] = [
  {
    name: "signin",
    what: "POST /login with the right password (argon2id verify + session insert)",
    connections: 4,
    seconds: 10,
    requests: async () => [
      { method: "POST", path: "/login", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `username=2023001&password=${DEMO_PASSWORD}` },
    ],
  },
  {
    name: "home",
    what: "GET / as a signed-in trainee (session check + user, roles, unit + render)",
    connections: 10,
    seconds: 10,
    requests: async (dataDir) => {
      const db = openDatabase(path.join(dataDir, "app.db"));
      const ids = await db.selectFrom("users").select("id").where("username", "like", "2%").execute();
      const cookies = await Promise.all(ids.map(async (u) => `__Host-dx_session=${(await createSession(db, u.id)).token}`));
      await db.destroy();
      return cookies.map((c) => ({ path: "/", headers: { cookie: c } }));
    },
  },
];
