import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  isExpired,
  isRecentlyAuthenticated,
  needsTouch,
  type SessionLifetimes,
  type SessionRecord,
} from "../../src/domain/sessions/session-record.ts";

const minute = 60_000;
const hour = 60 * minute;
const lifetimes: SessionLifetimes = {
  idleMs: 30 * minute,
  absoluteMs: 12 * hour,
  touchIntervalMs: minute,
  reauthWindowMs: 15 * minute,
};
const start = Date.UTC(2026, 10, 26, 12, 0, 0);

function session(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: "id",
    userId: "user",
    secretHash: "0".repeat(64),
    createdAt: start,
    lastSeenAt: start,
    authenticatedAt: start,
    expiresAt: start + lifetimes.absoluteMs,
    ip: "192.0.2.1",
    userAgent: "test",
    ...overrides,
  };
}

describe("session lifetimes", () => {
  test("a session is live until one millisecond before the idle limit and expired exactly at it", () => {
    const s = session();
    assert.equal(isExpired(s, start, lifetimes), false);
    assert.equal(isExpired(s, start + lifetimes.idleMs - 1, lifetimes), false);
    assert.equal(isExpired(s, start + lifetimes.idleMs, lifetimes), true);
  });

  test("activity pushes the idle limit forward but never past the absolute limit", () => {
    const expiresAt = start + lifetimes.absoluteMs;
    const s = session({ lastSeenAt: expiresAt - minute });
    assert.equal(isExpired(s, expiresAt - 1, lifetimes), false);
    assert.equal(isExpired(s, expiresAt, lifetimes), true);
    assert.equal(isExpired(session({ lastSeenAt: expiresAt + minute }), expiresAt + minute, lifetimes), true);
  });

  test("needsTouch is false inside the touch interval and true from the interval on", () => {
    const s = session();
    assert.equal(needsTouch(s, start, lifetimes), false);
    assert.equal(needsTouch(s, start + lifetimes.touchIntervalMs - 1, lifetimes), false);
    assert.equal(needsTouch(s, start + lifetimes.touchIntervalMs, lifetimes), true);
  });

  test("an authentication counts as recent strictly inside the re-authentication window", () => {
    const s = session({ authenticatedAt: start, lastSeenAt: start + 10 * minute });
    assert.equal(isRecentlyAuthenticated(s, start, lifetimes), true);
    assert.equal(isRecentlyAuthenticated(s, start + lifetimes.reauthWindowMs - 1, lifetimes), true);
    assert.equal(isRecentlyAuthenticated(s, start + lifetimes.reauthWindowMs, lifetimes), false);
  });

  test("activity alone does not make an old authentication recent", () => {
    const s = session({ authenticatedAt: start, lastSeenAt: start + hour });
    assert.equal(isRecentlyAuthenticated(s, start + hour, lifetimes), false);
  });
});
