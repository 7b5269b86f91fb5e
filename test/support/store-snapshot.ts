import type { UserRecord } from "../../src/domain/users/user.ts";
import type { TestApp } from "./app.ts";
import { rawReads } from "./raw-database.ts";

/**
 * @module
 * What the store holds, read straight from it: the before and after of a request that must change nothing
 * (a refusal, a read), and a session's last-seen time once its pending touch has landed.
 */

/**
 * Everything about users and their credentials that a refused request must leave exactly as it was: every
 * user column, and every session and API token column but last-seen and last-used, which any authenticated
 * read may move; every webhook endpoint and delivery (a refused webhook act changes none); and every
 * recovery link (a refused issue leaves none, a refused redemption burns none).
 */
export interface StoreSnapshot {
  readonly users: readonly UserRecord[];
  readonly sessions: readonly Record<string, unknown>[];
  readonly tokens: readonly Record<string, unknown>[];
  readonly webhooks: readonly Record<string, unknown>[];
  readonly deliveries: readonly Record<string, unknown>[];
  readonly recoveryLinks: readonly Record<string, unknown>[];
  readonly pendingSignups: readonly Record<string, unknown>[];
}

/**
 * Users through the store (their record, as the app reads it); credentials straight from their tables, one
 * query each: a matrix route's app holds a few hundred accounts by its last cell, and one read per account
 * made the snapshots most of the suite's time.
 */
export async function snapshotStore(t: TestApp): Promise<StoreSnapshot> {
  const users: UserRecord[] = [];
  for (;;) {
    const last = users.at(-1);
    const page = await t.store.listUsers({ limit: 500, ...(last === undefined ? {} : { after: last.id }) });
    users.push(...page);
    if (page.length < 500) break;
  }
  const [sessions = [], tokens = [], webhooks = [], deliveries = [], recoveryLinks = [], pendingSignups = []] =
    await rawReads<Record<string, unknown>>(t.database, [
      "SELECT id, user_id, secret_hash, created_at, authenticated_at, expires_at, ip, user_agent FROM sessions ORDER BY id",
      "SELECT id, owner_id, name, scopes, secret_hash, created_at, expires_at FROM api_tokens ORDER BY id",
      "SELECT * FROM webhook_endpoints ORDER BY id",
      "SELECT * FROM webhook_deliveries ORDER BY id",
      "SELECT * FROM recovery_links ORDER BY id",
      "SELECT * FROM pending_signups ORDER BY id",
    ]);
  return { users, sessions, tokens, webhooks, deliveries, recoveryLinks, pendingSignups };
}

/**
 * The last-seen time the store holds for a session once its pending touch has landed. The session check
 * sends that write without waiting for it, so a test that jumps the clock reads the store until it shows
 * the expected value (bounded, no timers) before moving on.
 */
export async function settledLastSeen(
  t: TestApp,
  userId: string,
  sessionId: string,
  expected: number,
): Promise<number> {
  let seen = Number.NaN;
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const session = (await t.store.listUserSessions(userId)).find((candidate) => candidate.id === sessionId);
    seen = session?.lastSeenAt ?? Number.NaN;
    if (seen === expected) return seen;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return seen;
}
