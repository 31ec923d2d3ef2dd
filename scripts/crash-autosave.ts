// `npx tsx scripts/crash-autosave.ts [rounds]` (after `npm run build`; BUILD_DIR is honoured).
// Kills the production server with SIGKILL at random moments during autosave load, at least 50 times.
// After each kill it checks that every save the server ever acknowledged is in the database (the
// stored seq is at least the acknowledged one, with that answer when equal) and that
// `PRAGMA integrity_check` is ok, then restarts the server on the same data. Prints a summary and
// exits non-zero on any lost save or integrity failure. Traffic goes to 127.0.0.1 only.
// The machinery is scripts/faults (crash.ts, load.ts), shared with `npm run test:crash`, which runs the
// same kills under mixed load (answers, heartbeats, submissions, sign-ins).
import { runCrash } from "./faults/crash.ts";
import { ANSWERS_ONLY } from "./faults/load.ts";

const ROUNDS = Math.max(50, Number(process.argv[2] ?? 50));

const s = await runCrash({
  kills: ROUNDS,
  mix: ANSWERS_ONLY,
  world: { examinees: 40, beaters: 0, drafters: 0, submitters: 0, logins: 0 },
  prefix: "crash",
  log: console.log,
});
console.log("\nsummary");
console.log(`  kills (SIGKILL during autosave load): ${s.kills}`);
console.log(`  saves sent: ${s.ops.answer.sent}, acknowledged: ${s.ops.answer.acked}`);
console.log(`  acknowledged saves missing after a kill: ${s.lost.answers}; exams whose deadline changed: ${s.lost.deadlines}`);
for (const e of s.lostExamples) console.log(`    ${e}`);
console.log(`  integrity_check failures: ${s.integrityFailures.length}`);
console.log(`  unexpected answers while the server was up: ${s.unexpected.length}`);
console.log(`  kill moment: ${s.killAfterMs.min}–${s.killAfterMs.max} ms into the load; restart to healthy: avg ${s.restartMs.avg} ms`);
process.exit(s.ok ? 0 : 1);
