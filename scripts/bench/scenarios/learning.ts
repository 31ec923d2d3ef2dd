import { lessonId, makeTrainees } from "../fixtures.ts";
import type { Request, Scenario } from "../types.ts";

function beats(dataDir: string, viewers: number): Request[] {
  const id = lessonId(dataDir, "01-dang-de-xingzhi-zongzhi");
  return makeTrainees(dataDir, viewers, { prefix: "hb" }).map((cookie, i) => ({
    method: "POST",
    path: `/api/lessons/${id}/beat`,
    headers: { cookie, "content-type": "application/json" },
    body: JSON.stringify({ tabId: `bench-tab-${i}`, segments: [[0, 10]], position: 10, visible: true }),
  }));
}

export const learningScenarios: Scenario[] = [
  {
    name: "heartbeat-1000",
    what: "1,000 viewers beating every 10 s (100 beats/s): credit + progress upsert, synchronous=FULL",
    connections: 50,
    seconds: 20,
    rate: 100,
    requests: async (dataDir) => beats(dataDir, 1000),
  },
  {
    name: "heartbeat-peak",
    what: "heartbeats as fast as they are answered (peak sustainable beats/s)",
    connections: 50,
    seconds: 15,
    requests: async (dataDir) => beats(dataDir, 1000),
  },
  {
    name: "media-range",
    what: "GET 64 KiB byte ranges of the 492 KB lecture video as a trainee",
    connections: 10,
    seconds: 10,
    requests: async (dataDir) =>
      makeTrainees(dataDir, 50, { prefix: "mr" }).map((cookie, i) => {
        const start = (i * 65536) % 400_000;
        return { path: "/media/courses/jijifenzi-peixun/lecture-01.mp4", headers: { cookie, range: `bytes=${start}-${start + 65535}` } };
      }),
  },
];
