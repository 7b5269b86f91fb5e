import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { LoginThrottle } from "../../src/domain/users/login-throttle.ts";
import { TestClock } from "../support/test-clock.ts";

const minute = 60_000;
const windowMs = 15 * minute;
const maxFailures = 5;

describe("login throttle", () => {
  let clock: TestClock;
  let throttle: LoginThrottle;
  beforeEach(() => {
    clock = new TestClock();
    throttle = new LoginThrottle(clock, maxFailures, windowMs);
  });

  /** Wrong passwords, one after another; past the limit there is nothing left to reserve. */
  function fail(key: string, times: number): void {
    for (let i = 0; i < times; i += 1) throttle.reserve(key)?.count();
  }

  test("an account with no failures may try at once", () => {
    assert.equal(throttle.retryAfterMs("ada@example.test"), 0);
  });

  test("fewer than the allowed failures never block", () => {
    fail("ada@example.test", maxFailures - 1);
    assert.equal(throttle.retryAfterMs("ada@example.test"), 0);
  });

  test("the Nth failure blocks the account until the window that began with the first failure ends", () => {
    fail("ada@example.test", 1);
    clock.advance(2 * minute);
    fail("ada@example.test", maxFailures - 1);
    assert.equal(throttle.retryAfterMs("ada@example.test"), windowMs - 2 * minute);
  });

  test("the wait shrinks as the clock moves and ends exactly at the end of the window", () => {
    fail("ada@example.test", maxFailures);
    assert.equal(throttle.retryAfterMs("ada@example.test"), windowMs);
    clock.advance(4 * minute);
    assert.equal(throttle.retryAfterMs("ada@example.test"), windowMs - 4 * minute);
    clock.advance(windowMs - 4 * minute - 1);
    assert.equal(throttle.retryAfterMs("ada@example.test"), 1);
    clock.advance(1);
    assert.equal(throttle.retryAfterMs("ada@example.test"), 0);
  });

  test("more failures while blocked do not extend the wait", () => {
    fail("ada@example.test", maxFailures);
    clock.advance(minute);
    fail("ada@example.test", 10);
    assert.equal(throttle.retryAfterMs("ada@example.test"), windowMs - minute);
  });

  test("a success resets the count", () => {
    fail("ada@example.test", maxFailures - 1);
    throttle.reserve("ada@example.test")?.clear();
    assert.equal(throttle.retryAfterMs("ada@example.test"), 0);
    clock.advance(minute);
    fail("ada@example.test", maxFailures - 1);
    assert.equal(throttle.retryAfterMs("ada@example.test"), 0);
    fail("ada@example.test", 1);
    assert.equal(throttle.retryAfterMs("ada@example.test"), windowMs, "a new window began after the success");
  });

  test("failures from an expired window are forgotten", () => {
    fail("ada@example.test", maxFailures - 1);
    clock.advance(windowMs);
    fail("ada@example.test", 1);
    assert.equal(throttle.retryAfterMs("ada@example.test"), 0);
    fail("ada@example.test", maxFailures - 1);
    assert.equal(throttle.retryAfterMs("ada@example.test"), windowMs);
  });

  test("accounts are counted separately", () => {
    fail("ada@example.test", maxFailures);
    assert.equal(throttle.retryAfterMs("grace@example.test"), 0);
    throttle.reserve("grace@example.test")?.clear();
    assert.equal(throttle.retryAfterMs("ada@example.test"), windowMs);
  });

  test("issue 9.4: attempts in flight count against the limit, so a concurrent burst gets no more than the limit", () => {
    const burst = Array.from({ length: 3 * maxFailures }, () => throttle.reserve("ada@example.test"));
    assert.equal(burst.filter((attempt) => attempt !== null).length, maxFailures);
    assert.ok(throttle.retryAfterMs("ada@example.test") > 0);
    for (const attempt of burst) attempt?.count();
    assert.equal(throttle.retryAfterMs("ada@example.test"), windowMs);
  });

  test("while only attempts in flight fill the limit, the wait is a second, not the whole window", () => {
    const inFlight = Array.from({ length: maxFailures }, () => throttle.reserve("ada@example.test"));
    assert.equal(throttle.retryAfterMs("ada@example.test"), 1_000);
    for (const attempt of inFlight) attempt?.cancel();
    assert.equal(throttle.retryAfterMs("ada@example.test"), 0, "cancelled attempts give their places back");
  });

  test("a success clears the counted failures but not the attempts still in flight", () => {
    fail("ada@example.test", 2);
    const success = throttle.reserve("ada@example.test");
    const others = Array.from({ length: maxFailures - 3 }, () => throttle.reserve("ada@example.test"));
    assert.equal(throttle.reserve("ada@example.test"), null);
    success?.clear();
    for (const attempt of others) attempt?.count();
    fail("ada@example.test", maxFailures);
    assert.equal(throttle.retryAfterMs("ada@example.test"), windowMs);
    assert.equal(throttle.reserve("ada@example.test"), null);
  });

  test("an attempt settles once: counting it twice or cancelling it after counting changes nothing", () => {
    const attempt = throttle.reserve("ada@example.test");
    attempt?.count();
    attempt?.count();
    attempt?.cancel();
    fail("ada@example.test", maxFailures - 2);
    assert.equal(throttle.retryAfterMs("ada@example.test"), 0);
    fail("ada@example.test", 1);
    assert.equal(throttle.retryAfterMs("ada@example.test"), windowMs);
  });

  test("an attempt that settles after its window ended does not count in the next one", () => {
    const late = throttle.reserve("ada@example.test");
    clock.advance(windowMs);
    fail("ada@example.test", maxFailures - 1);
    late?.count();
    assert.equal(throttle.retryAfterMs("ada@example.test"), 0);
  });
});
