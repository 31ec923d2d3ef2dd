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
];
