// Trainee pages, each against the fair page baseline (scripts/bench/pages/render.tsx: the same loaders
// and components rendered without Remix and Express), so app ÷ baseline is the framework's share.
import path from "node:path";
import { openDatabase } from "../../../app/utils/db.server.ts";
import { createSession } from "../../../app/utils/session.server.ts";
import { makeTrainees } from "../fixtures.ts";
import { sameContent } from "../pages/content.ts";
import type { Scenario } from "../types.ts";

const COURSE = "/courses/jijifenzi-peixun";

/** The demo school's trainees (several stages, with their own progress, reports and notices), a session each. */
async function demoTrainees(dataDir: string): Promise<string[]> {
  const db = openDatabase(path.join(dataDir, "app.db"));
  const ids = await db.selectFrom("users").select("id").where("username", "like", "2%").execute();
  const cookies = await Promise.all(ids.map(async (u) => `__Host-dx_session=${(await createSession(db, u.id)).token}`));
  await db.destroy();
  return cookies;
}

function page(name: string, at: string, what: string, cookies: (dataDir: string) => Promise<string[]>): Scenario {
  return {
    name,
    what: `GET ${at} as a trainee (${what})`,
    connections: 10,
    seconds: 10,
    requests: async (dataDir) => (await cookies(dataDir)).map((cookie) => ({ path: at, headers: { cookie } })),
    sameContent,
  };
}
const activists = (prefix: string) => async (dataDir: string) => makeTrainees(dataDir, 200, { prefix });

export const pageScenarios: Scenario[] = [
  page("home", "/", "session, courses with progress, notices, reports", demoTrainees),
  page("lesson", `${COURSE}/lessons/01-dang-de-xingzhi-zongzhi`, "video lesson: session, lesson, progress, Markdown render", activists("lp")),
  page("lesson-text", `${COURSE}/lessons/02-zhidao-sixiang`, "text lesson", activists("lt")),
  page("course", COURSE, "chapters, progress, standings, assignments, exams", activists("cp")),
  page("exam", `${COURSE}/exams/jieye-kaoshi`, "exam rules, window, attempts", activists("ep")),
];
