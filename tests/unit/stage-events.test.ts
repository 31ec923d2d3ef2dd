import { beforeEach, describe, expect, it } from "vitest";
import { listStageEvents, recordStageEvent, withdrawLatestStageEvent } from "../../app/models/branch-stages.server.ts";
import { recordSubjectFor, trainingRecord } from "../../app/models/record.server.ts";
import { getUserWithRoles } from "../../app/models/users.server.ts";
import type { DB } from "../../app/utils/db.server.ts";
import { addMonthsToDay } from "../../app/utils/cst.ts";
import { timelineProblem } from "../../app/utils/stage-rules.ts";
import { createTestDb, createTestTree, createTestUser } from "../setup/db.ts";

const today = "2026-12-03";

describe("stage rules (细则 and 党章)", () => {
  it("needs a year as 积极分子 before 发展对象 and a one-year 预备期 before 转正, counted in calendar days", () => {
    const activist = [{ stage: "activist" as const, decidedOn: "2024-03-15" }];
    expect(timelineProblem(activist, { stage: "candidate", decidedOn: "2025-03-14" }, "activist", today)).toContain("列为发展对象的时间最早为 2025-03-15");
    expect(timelineProblem(activist, { stage: "candidate", decidedOn: "2025-03-15" }, "activist", today)).toBeNull();
    const probationary = [...activist, { stage: "candidate" as const, decidedOn: "2025-04-01" }, { stage: "probationary" as const, decidedOn: "2025-06-30" }];
    expect(timelineProblem(probationary, { stage: "full", decidedOn: "2026-06-29" }, "probationary", today)).toBe(
      "预备期为一年：接收为预备党员的时间为 2025-06-30，转正时间最早为 2026-06-30",
    );
    expect(timelineProblem(probationary, { stage: "full", decidedOn: "2026-06-30" }, "probationary", today)).toBeNull();
    expect(addMonthsToDay("2024-02-29", 12)).toBe("2025-02-28");
  });

  it("keeps the order of stages, refuses future or unreal days and a stage entered twice", () => {
    expect(timelineProblem([{ stage: "activist", decidedOn: "2024-01-01" }], { stage: "probationary", decidedOn: "2026-01-01" }, "activist", today)).toBe(
      "发展阶段须依次录入：请先录入“列为发展对象的时间”",
    );
    expect(timelineProblem([], { stage: "activist", decidedOn: "2026-12-04" }, "applicant", today)).toBe("列为入党积极分子的时间不能晚于今天（2026-12-03）");
    expect(timelineProblem([], { stage: "activist", decidedOn: "2026-02-30" }, "applicant", today)).toContain("不是有效日期");
    expect(timelineProblem([], { stage: "activist", decidedOn: "2026-13-45" }, "applicant", today)).toContain("不是有效日期");
    expect(timelineProblem([{ stage: "activist", decidedOn: "2024-01-01" }], { stage: "activist", decidedOn: "2024-02-01" }, "activist", today)).toContain(
      "已录入",
    );
    // A 发展对象 without recorded days: their own stage's day first, then earlier ones, which must come before it.
    expect(timelineProblem([], { stage: "activist", decidedOn: "2024-01-01" }, "candidate", today)).toContain("请先录入“列为发展对象的时间”");
    const backfill = [{ stage: "candidate" as const, decidedOn: "2025-01-01" }];
    expect(timelineProblem(backfill, { stage: "activist", decidedOn: "2024-06-01" }, "candidate", today)).toContain("一年以上");
    expect(timelineProblem(backfill, { stage: "activist", decidedOn: "2023-12-31" }, "candidate", today)).toBeNull();
  });
});

describe("stage events", () => {
  let db: DB;
  let t: Awaited<ReturnType<typeof createTestTree>>;
  beforeEach(async () => {
    db = await createTestDb();
    t = await createTestTree(db);
  });

  it("the stage is the latest decision; withdrawing steps back; each write audited; only the governed subtree", async () => {
    const sec = (await getUserWithRoles(db, (await createTestUser(db, { orgUnitId: t.branchA, roles: ["secretary"], stage: "full" })).id))!;
    const trainee = await createTestUser(db, { orgUnitId: t.branchA, stage: "applicant" });
    const stage = async () => (await getUserWithRoles(db, trainee.id))!.stage;
    await recordStageEvent(db, { userId: trainee.id, stage: "activist", decidedOn: "2025-01-10" }, sec, { today });
    expect(await stage()).toBe("activist");
    await expect(recordStageEvent(db, { userId: trainee.id, stage: "candidate", decidedOn: "2025-12-01" }, sec, { today })).rejects.toThrow("一年以上");
    expect(await stage()).toBe("activist");
    await recordStageEvent(db, { userId: trainee.id, stage: "candidate", decidedOn: "2026-01-10" }, sec, { today });
    expect(await stage()).toBe("candidate");
    await withdrawLatestStageEvent(db, { userId: trainee.id }, sec);
    expect(await stage()).toBe("activist");
    expect((await listStageEvents(db, trainee.id)).map((e) => e.stage)).toEqual(["activist"]);
    // The trainee's 培训档案 carries the days.
    const subject = (await recordSubjectFor(db, trainee.id, sec))!;
    expect((await trainingRecord(db, subject, { forTrainee: false })).person.stageDays).toEqual({ activist: "2025-01-10" });
    const actions = await db.selectFrom("audit_log").select("action").where("action", "like", "stage.%").orderBy("id").execute();
    expect(actions.map((a) => a.action)).toEqual(["stage.event", "stage.event", "stage.withdraw"]);

    const far = await createTestUser(db, { orgUnitId: t.branchB, stage: "applicant" });
    await expect(recordStageEvent(db, { userId: far.id, stage: "activist", decidedOn: "2025-01-10" }, sec, { today })).rejects.toThrow("不在您管理的组织内");
    const admin = (await getUserWithRoles(db, (await createTestUser(db, { orgUnitId: t.root, roles: ["admin"], stage: "full" })).id))!;
    await recordStageEvent(db, { userId: far.id, stage: "activist", decidedOn: "2025-01-10" }, admin, { today });
    expect((await getUserWithRoles(db, far.id))!.stage).toBe("activist");
  });
});
