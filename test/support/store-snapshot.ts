import type { SessionRecord } from "../../src/domain/sessions/session-record.ts";
import type { UserRecord } from "../../src/domain/users/user.ts";
import type { TestApp } from "./app.ts";

/**
 * @module
 * What the store holds, read straight from it: the before and after of a request that must change nothing
 * (a refusal, a read), and a session's last-seen time once its pending touch has landed.
 */

/**
 * Everything about users and sessions that a refused request must leave exactly as it was: every user
 * column, and every session but its last-seen time, which any authenticated read may move.
 */
export interface StoreSnapshot {
  readonly users: readonly UserRecord[];
  readonly sessions: readonly Pick<SessionRecord, "id" | "userId" | "authenticatedAt" | "expiresAt">[];
}

export async function snapshotStore(t: TestApp): Promise<StoreSnapshot> {
  const users: UserRecord[] = [];
  for (;;) {
    const last = users.at(-1);
    const page = await t.store.listUsers({ limit: 500, ...(last === undefined ? {} : { after: last.id }) });
    users.push(...page);
    if (page.length < 500) break;
  }
  const sessions: StoreSnapshot["sessions"][number][] = [];
  for (const user of users) {
    for (const { id, userId, authenticatedAt, expiresAt } of await t.store.listUserSessions(user.id)) {
      sessions.push({ id, userId, authenticatedAt, expiresAt });
    }
  }
  sessions.sort((a, b) => a.id.localeCompare(b.id));
  return { users, sessions };
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
