// The short version of scripts/faults/notice-mail.ts (`npm run test:crash-mail` runs 2,000 recipients and
// 10 kills): a notice to 200 trainees with e-mail on, the server SIGKILLed 3 times while its outbox sends to
// a local SMTP sink. Every notification arrives at least once and under one Message-ID only; a message
// the sink accepted just before a kill may arrive twice with the same Message-ID (reported, not hidden).
import { describe, expect, it } from "vitest";
import { runNoticeMailCrash } from "../../scripts/faults/notice-mail.ts";

describe("notice e-mail through SIGKILLs", () => {
  it("200 recipients, 3 kills while sending: every notification arrives, none under two Message-IDs, the database is intact", async () => {
    const s = await runNoticeMailCrash({ recipients: 200, kills: 3 });
    console.log(`notice mail crash: kills at ${s.killedAt.join(", ")} accepted; arrivals ${s.arrivals}, sent again ${s.resent}; drained in ${s.drainMs} ms`);
    expect(s.recipients).toBe(200);
    expect(s.missing).toEqual([]);
    expect(s.duplicates).toEqual([]);
    expect(s.distinctMessageIds).toBe(200);
    expect(s.notSent).toBe(0);
    expect(s.integrity).toBe("ok");
    expect(s.ok).toBe(true);
  }, 180_000);
});
