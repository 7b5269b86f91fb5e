import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { LoginThrottle } from "../../src/domain/login-throttle.ts";
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

  function fail(key: string, times: number): void {
    for (let i = 0; i < times; i += 1) throttle.recordFailure(key);
  }

  test("an account with no failures may try at once", () => {
    assert.equal(throttle.retryAfterMs("ada@example.test"), 0);
  });

  test("fewer than the allowed failures never block", () => {
    fail("ada@example.test", maxFailures - 1);
    assert.equal(throttle.retryAfterMs("ada@example.test"), 0);
  });

  test("the Nth failure blocks the account until the window that began with the first failure ends", () => {
    throttle.recordFailure("ada@example.test");
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
    fail("ada@example.test", maxFailures);
    throttle.recordSuccess("ada@example.test");
    assert.equal(throttle.retryAfterMs("ada@example.test"), 0);
    fail("ada@example.test", maxFailures - 1);
    assert.equal(throttle.retryAfterMs("ada@example.test"), 0);
    throttle.recordFailure("ada@example.test");
    assert.equal(throttle.retryAfterMs("ada@example.test"), windowMs);
  });

  test("failures from an expired window are forgotten", () => {
    fail("ada@example.test", maxFailures - 1);
    clock.advance(windowMs);
    throttle.recordFailure("ada@example.test");
    assert.equal(throttle.retryAfterMs("ada@example.test"), 0);
    fail("ada@example.test", maxFailures - 1);
    assert.equal(throttle.retryAfterMs("ada@example.test"), windowMs);
  });

  test("accounts are counted separately", () => {
    fail("ada@example.test", maxFailures);
    assert.equal(throttle.retryAfterMs("grace@example.test"), 0);
    throttle.recordSuccess("grace@example.test");
    assert.equal(throttle.retryAfterMs("ada@example.test"), windowMs);
  });
});
