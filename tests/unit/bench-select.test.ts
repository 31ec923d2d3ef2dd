// The bench's row selection (scripts/bench/postgres.ts): which SQLite and PostgreSQL rows a command line runs.
import { describe, expect, it } from "vitest";
import { selectNames, withPostgresVariants } from "../../scripts/bench/postgres.ts";
import type { Scenario } from "../../scripts/bench/types.ts";

const ALL = ["signin", "autosave", "heartbeat-peak", "ledger-export", "course-sync"];

describe("bench row selection", () => {
  it("runs every SQLite row and the PostgreSQL rows at 1 and 3 instances when nothing is named", () => {
    expect(selectNames([], ALL)).toEqual([
      "signin",
      "autosave",
      "autosave@pg1",
      "autosave@pg3",
      "autosave@pg1+lb",
      "heartbeat-peak",
      "heartbeat-peak@pg1",
      "heartbeat-peak@pg3",
      "ledger-export",
      "ledger-export@pg1",
      "ledger-export@pg3",
      "course-sync",
    ]);
  });

  it("keeps plain names on SQLite, as before, and takes @pgN as given", () => {
    expect(selectNames(["autosave", "heartbeat-peak@pg3"], ALL)).toEqual(["autosave", "heartbeat-peak@pg3"]);
    expect(selectNames(["autosave@pg"], ALL)).toEqual(["autosave@pg1", "autosave@pg3", "autosave@pg1+lb"]);
  });

  it("--engine and --instances widen plain names; scenarios without a PostgreSQL row stay SQLite-only", () => {
    expect(selectNames(["--engine=pg", "--instances=3"], ALL)).toEqual(["autosave@pg3", "heartbeat-peak@pg3", "ledger-export@pg3"]);
    expect(selectNames(["--engine=both", "signin", "autosave"], ALL)).toEqual(["signin", "autosave", "autosave@pg1", "autosave@pg3", "autosave@pg1+lb"]);
    expect(() => selectNames(["--engine=mysql"], ALL)).toThrow(/--engine/);
  });

  it("puts each PostgreSQL row right after its SQLite scenario, with its instances and proxy", () => {
    const s = (name: string) => ({ name }) as Scenario;
    const rows = withPostgresVariants([s("signin"), s("autosave")], ["autosave@pg3", "autosave@pg1+lb", "signin@pg1"]);
    expect(rows.map((r) => [r.name, "variant" in r ? r.variant : null])).toEqual([
      ["signin", null],
      ["autosave", null],
      ["autosave@pg3", { instances: 3, proxy: true }],
      ["autosave@pg1+lb", { instances: 1, proxy: true }],
    ]);
  });
});
