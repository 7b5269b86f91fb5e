import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { openStore } from "../../src/store/open-store.ts";
import { touchFlushDelayMs } from "../../src/store/touch-batcher.ts";
import { createTestDatabase, engines } from "../support/databases.ts";
import { addSession, addUser, newSession, openSealer, t0, useFreshStore } from "./store-fixtures.ts";

const minute = 60_000;
const idleMs = 30 * minute;

for (const engine of engines) {
  describe(`store contract: sessions (${engine})`, () => {
    const fixture = useFreshStore(engine);

    test("an inserted session reads back with its user, all but the password hash, through getSessionAndUser", async () => {
      const { store } = fixture();
      const { passwordHash, ...user } = await addUser(store);
      const session = await addSession(store, user.id, { ip: "2001:db8::1", userAgent: "Firefox/140" });
      assert.deepEqual(await store.getSessionAndUser(session.id), { session, user });
      assert.equal(await store.getPasswordHash(user.id), passwordHash);
    });

    test("getPasswordHash reads the hash as it is now, and null for no such user", async () => {
      const { store } = fixture();
      const user = await addUser(store);
      await store.transaction((tx) => tx.updateUser(user.id, { passwordHash: "$argon2id$changed" }, t0 + 1));
      assert.equal(await store.getPasswordHash(user.id), "$argon2id$changed");
      assert.equal(await store.getPasswordHash("no-such-user"), null);
    });

    test("an unknown session id reads as null", async () => {
      const { store } = fixture();
      assert.equal(await store.getSessionAndUser(newSession("nobody").id), null);
    });

    test("getSessionAndUser joins the user row as it is now, not as it was at login", async () => {
      const { store } = fixture();
      const user = await addUser(store, { role: "admin" });
      const session = await addSession(store, user.id);
      await store.transaction((tx) => tx.updateUser(user.id, { role: "user", status: "disabled" }, t0 + 5));
      const found = await store.getSessionAndUser(session.id);
      const { passwordHash: _, ...signedIn } = user;
      assert.deepEqual(found?.user, { ...signedIn, role: "user", status: "disabled", updatedAt: t0 + 5 });
      assert.deepEqual(found?.session, session);
    });

    test("listUserSessions lists only that user's sessions, newest first", async () => {
      const { store } = fixture();
      const user = await addUser(store);
      const other = await addUser(store);
      const older = await addSession(store, user.id, { createdAt: t0 });
      const newer = await addSession(store, user.id, { createdAt: t0 + minute });
      await addSession(store, other.id);
      assert.deepEqual(await store.listUserSessions(user.id), [newer, older]);
    });

    test("touchSession moves last_seen_at and nothing else", async () => {
      const { store } = fixture();
      const user = await addUser(store);
      const session = await addSession(store, user.id);
      await store.touchSession(session.id, t0 + 7 * minute);
      const found = await store.getSessionAndUser(session.id);
      assert.deepEqual(found?.session, { ...session, lastSeenAt: t0 + 7 * minute });
    });

    test("touches gather for the flush delay and are written together; close() writes any still pending", async () => {
      const database = await createTestDatabase(engine);
      try {
        const seal = openSealer(randomBytes(32));
        const { store } = await openStore(database.location, seal);
        const user = await addUser(store);
        const [first, second] = [await addSession(store, user.id), await addSession(store, user.id)];
        const startedAt = performance.now();
        const touched = [store.touchSession(first.id, t0 + minute), store.touchSession(second.id, t0 + 2 * minute)];
        const lastSeen = async (id: string) => (await store.getSessionAndUser(id))?.session.lastSeenAt;
        assert.equal(await lastSeen(first.id), first.lastSeenAt, "not written at once");
        await Promise.all(touched);
        assert.ok(performance.now() - startedAt >= touchFlushDelayMs - 50, "written after the delay");
        assert.equal(await lastSeen(first.id), t0 + minute);
        assert.equal(await lastSeen(second.id), t0 + 2 * minute);

        const pending = store.touchSession(first.id, t0 + 3 * minute);
        const closingAt = performance.now();
        await store.close();
        await pending;
        assert.ok(performance.now() - closingAt < touchFlushDelayMs / 2, "close() does not wait for the delay");
        const reopened = await openStore(database.location, seal);
        try {
          assert.equal((await reopened.store.getSessionAndUser(first.id))?.session.lastSeenAt, t0 + 3 * minute);
        } finally {
          await reopened.store.close();
        }
      } finally {
        await database.drop();
      }
    });

    test("a burst of 1,200 touches (several write transactions) is written in full", async () => {
      const { store } = fixture();
      const user = await addUser(store);
      const sessions = Array.from({ length: 1_200 }, () => newSession(user.id));
      await store.transaction(async (tx) => {
        for (const session of sessions) await tx.insertSession(session);
      });
      await Promise.all(sessions.map((session, i) => store.touchSession(session.id, t0 + minute + i)));
      const seen = new Map((await store.listUserSessions(user.id)).map((session) => [session.id, session.lastSeenAt]));
      assert.deepEqual(
        sessions.map((session) => seen.get(session.id)),
        sessions.map((_, i) => t0 + minute + i),
      );
    });

    test("markReauthenticated records the authentication time and counts as activity", async () => {
      const { store } = fixture();
      const user = await addUser(store);
      const session = await addSession(store, user.id);
      await store.transaction((tx) => tx.markReauthenticated(session.id, t0 + 9 * minute));
      const found = await store.getSessionAndUser(session.id);
      assert.deepEqual(found?.session, { ...session, authenticatedAt: t0 + 9 * minute, lastSeenAt: t0 + 9 * minute });
    });

    test("deleteSession deletes once and then reports false", async () => {
      const { store } = fixture();
      const user = await addUser(store);
      const session = await addSession(store, user.id);
      assert.equal(await store.transaction((tx) => tx.deleteSession(session.id)), true);
      assert.equal(await store.getSessionAndUser(session.id), null);
      assert.equal(await store.transaction((tx) => tx.deleteSession(session.id)), false);
    });

    test("deleteUserSession with another user's session id deletes nothing", async () => {
      const { store } = fixture();
      const owner = await addUser(store);
      const intruder = await addUser(store);
      const session = await addSession(store, owner.id);
      assert.equal(await store.transaction((tx) => tx.deleteUserSession(intruder.id, session.id)), false);
      assert.deepEqual((await store.getSessionAndUser(session.id))?.session, session);
      assert.equal(await store.transaction((tx) => tx.deleteUserSession(owner.id, session.id)), true);
      assert.equal(await store.getSessionAndUser(session.id), null);
    });

    test("deleteUserSessions revokes every session of the user and returns the count", async () => {
      const { store } = fixture();
      const user = await addUser(store);
      const other = await addUser(store);
      for (let i = 0; i < 3; i += 1) await addSession(store, user.id);
      const bystander = await addSession(store, other.id);
      assert.equal(await store.transaction((tx) => tx.deleteUserSessions(user.id)), 3);
      assert.deepEqual(await store.listUserSessions(user.id), []);
      assert.deepEqual(await store.listUserSessions(other.id), [bystander]);
      assert.equal(await store.transaction((tx) => tx.deleteUserSessions(user.id)), 0);
    });

    test("deleteUserSessions with exceptSessionId keeps that one session and counts the others", async () => {
      const { store } = fixture();
      const user = await addUser(store);
      const current = await addSession(store, user.id);
      for (let i = 0; i < 2; i += 1) await addSession(store, user.id);
      assert.equal(await store.transaction((tx) => tx.deleteUserSessions(user.id, current.id)), 2);
      assert.deepEqual(await store.listUserSessions(user.id), [current]);
      assert.equal(await store.transaction((tx) => tx.deleteUserSessions(user.id, current.id)), 0);
    });

    test("deleteUserSessions with another user's session as the exception still revokes all of this user's", async () => {
      const { store } = fixture();
      const user = await addUser(store);
      const other = await addUser(store);
      const foreign = await addSession(store, other.id);
      for (let i = 0; i < 2; i += 1) await addSession(store, user.id);
      assert.equal(await store.transaction((tx) => tx.deleteUserSessions(user.id, foreign.id)), 2);
      assert.deepEqual(await store.listUserSessions(other.id), [foreign]);
    });
  });

  describe(`store contract: idle sessions (${engine})`, () => {
    const fixture = useFreshStore(engine);

    test("deleteIdleSessions removes sessions last seen at or before the cut-off, and only those", async () => {
      const { store } = fixture();
      const user = await addUser(store);
      const now = t0 + 10 * 3_600_000;
      const idleSince = now - idleMs;
      const live = { lastSeenAt: now - minute, expiresAt: now + 3_600_000 };
      const idlePast = await addSession(store, user.id, { ...live, lastSeenAt: idleSince - 1 });
      const idleNow = await addSession(store, user.id, { ...live, lastSeenAt: idleSince });
      const idleSoon = await addSession(store, user.id, { ...live, lastSeenAt: idleSince + 1 });
      // Past its absolute limit but used a minute ago: refused by the check, swept once it is idle too.
      const absolutePast = await addSession(store, user.id, { ...live, expiresAt: now - 1 });
      const fresh = await addSession(store, user.id, live);

      assert.equal(await store.deleteIdleSessions(idleSince, 100), 2);
      for (const gone of [idlePast, idleNow]) assert.equal(await store.getSessionAndUser(gone.id), null);
      const left = (await store.listUserSessions(user.id)).map((session) => session.id).sort();
      assert.deepEqual(left, [idleSoon.id, absolutePast.id, fresh.id].sort());
      assert.equal(await store.deleteIdleSessions(idleSince, 100), 0);
    });

    test("deleteIdleSessions deletes at most the limit, the longest idle first", async () => {
      const { store } = fixture();
      const user = await addUser(store);
      const now = t0 + 10 * 3_600_000;
      const idleSince = now - idleMs;
      const sessions = [];
      for (let i = 0; i < 5; i += 1) {
        sessions.push(await addSession(store, user.id, { lastSeenAt: idleSince - (i + 1) * minute, expiresAt: now }));
      }
      assert.equal(await store.deleteIdleSessions(idleSince, 2), 2);
      // The two oldest (i = 4, 3) are gone; the three more recent remain.
      const left = (await store.listUserSessions(user.id)).map((session) => session.id).sort();
      assert.deepEqual(
        left,
        sessions
          .slice(0, 3)
          .map((session) => session.id)
          .sort(),
      );
      assert.equal(await store.deleteIdleSessions(idleSince, 2), 2);
      assert.equal(await store.deleteIdleSessions(idleSince, 2), 1);
      assert.deepEqual(await store.listUserSessions(user.id), []);
    });
  });
}
