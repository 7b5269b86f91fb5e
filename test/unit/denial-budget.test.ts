import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { DenialBudget } from "../../src/domain/audit/denial-budget.ts";
import { TestClock } from "../support/test-clock.ts";

const limits = { perAccount: 3, perAddress: 5, windowMs: 60_000 };

describe("denial budget", () => {
  let clock: TestClock;
  let budget: DenialBudget;
  beforeEach(() => {
    clock = new TestClock();
    budget = new DenialBudget(clock, limits);
  });

  function admitted(account: string | null, address: string, times: number): boolean[] {
    return Array.from({ length: times }, () => budget.admit(account, address).admitted);
  }

  test("refusals within the account's budget are admitted, the next are held back until the window ends", () => {
    assert.deepEqual(admitted("ada", "192.0.2.1", 3), [true, true, true]);
    clock.advance(10_000);
    const held = budget.admit("ada", "192.0.2.1");
    assert.deepEqual(held, { admitted: false, retryAfterMs: 50_000, newlyThrottled: ["account"] });
    clock.advance(50_000);
    assert.equal(budget.admit("ada", "192.0.2.1").admitted, true);
  });

  test("only the first refusal held back in a burst is marked as new, and the next burst is marked again", () => {
    admitted("ada", "192.0.2.1", 3);
    const marks = Array.from({ length: 4 }, () => {
      const admission = budget.admit("ada", "192.0.2.1");
      return admission.admitted ? null : admission.newlyThrottled;
    });
    assert.deepEqual(marks, [["account"], [], [], []]);
    clock.advance(limits.windowMs);
    admitted("ada", "192.0.2.1", 3);
    const next = budget.admit("ada", "192.0.2.1");
    assert.deepEqual(next.admitted ? null : next.newlyThrottled, ["account"]);
  });

  test("refusals held back count against no key, so one account's flood leaves its address's budget to others", () => {
    admitted("ada", "192.0.2.1", 50);
    // Ada's 3 admitted refusals used 3 of the address's 5; her 47 held back used none.
    assert.deepEqual(admitted("grace", "192.0.2.1", 3), [true, true, false]);
  });

  test("the address budget spans every account behind it, and other addresses are untouched", () => {
    const accounts = ["a", "b", "c", "d", "e", "f"];
    assert.deepEqual(
      accounts.map((account) => budget.admit(account, "192.0.2.1").admitted),
      [true, true, true, true, true, false],
    );
    const held = budget.admit("g", "192.0.2.1");
    assert.deepEqual(held.admitted ? null : held.newlyThrottled, []);
    assert.equal(budget.admit("g", "198.51.100.2").admitted, true);
  });

  test("the operator and the server's own jobs, with no account and no address, are never held back", () => {
    assert.ok(admitted(null, "", 1_000).every(Boolean));
  });
});
