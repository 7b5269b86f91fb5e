import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sweepIdleSessions } from "../../src/domain/sessions/session-sweep.ts";
import { createUser, signIn, signInMany } from "../support/accounts.ts";
import { startTestApp, type TestApp, testLifetimes } from "../support/app.ts";
import { tokenOf } from "../support/cookies.ts";
import { engines } from "../support/databases.ts";
import { statusOf } from "../support/devices.ts";
import { assertProblem } from "../support/http-assertions.ts";
import { settledLastSeen } from "../support/store-snapshot.ts";

const twentyMinutes = 20 * 60_000;

for (const engine of engines) {
  describe(`session expiry with the injected clock (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("a session idle for the whole inactivity limit gets 401; one a millisecond short does not", async () => {
      const user = await createUser(t);
      const [early, late] = await signInMany(t, user, 2);
      assert.ok(early !== undefined && late !== undefined);
      t.clock.advance(testLifetimes.idleMs - 1);
      assert.equal(await statusOf(early), 200);
      t.clock.advance(1);
      assertProblem(await late.get("/api/account"), 401, "UNAUTHENTICATED");
      assertProblem(await late.get("/api/auth/session"), 401, "UNAUTHENTICATED");
    });

    test("activity every 20 minutes keeps a session alive until its absolute lifetime, then 401", async () => {
      const user = await createUser(t);
      const device = await signIn(t, user);
      const { id } = tokenOf(device);
      const startedAt = t.clock.now();
      const lastActiveAt = startedAt + testLifetimes.absoluteMs - twentyMinutes;
      while (t.clock.now() < lastActiveAt) {
        t.clock.advance(twentyMinutes);
        assert.equal(await statusOf(device), 200, `alive after ${(t.clock.now() - startedAt) / 60_000} minutes`);
        assert.equal(await settledLastSeen(t, user.id, id, t.clock.now()), t.clock.now());
      }
      t.clock.advance(twentyMinutes - 1);
      assert.equal(await statusOf(device), 200, "alive a millisecond before the absolute lifetime");
      t.clock.advance(1);
      assertProblem(await device.get("/api/account"), 401, "UNAUTHENTICATED");
    });

    test("an expired cookie sent again later never revives its session", async () => {
      const user = await createUser(t);
      const [idle, other] = await signInMany(t, user, 2);
      assert.ok(idle !== undefined && other !== undefined);
      t.clock.advance(testLifetimes.idleMs);
      assertProblem(await idle.get("/api/account"), 401, "UNAUTHENTICATED");
      // A fresh login by the same user, more waiting and more retries change nothing for the dead cookie.
      const fresh = await signIn(t, user);
      for (const wait of [1, 60_000, testLifetimes.idleMs, testLifetimes.absoluteMs]) {
        t.clock.advance(wait);
        assertProblem(await idle.get("/api/account"), 401, "UNAUTHENTICATED");
        assertProblem(await other.get("/api/account"), 401, "UNAUTHENTICATED");
      }
      assertProblem(await fresh.get("/api/account"), 401, "UNAUTHENTICATED");
      const listed = await t.store.listUserSessions(user.id);
      for (const session of listed) assert.ok(session.lastSeenAt < t.clock.now() - testLifetimes.idleMs);
    });

    test("a read does not write on every request: last_seen_at moves only once per touch interval", async () => {
      const user = await createUser(t);
      const device = await signIn(t, user);
      const { id } = tokenOf(device);
      const signedInAt = t.clock.now();
      const lastSeen = async () => (await t.store.listUserSessions(user.id)).find((s) => s.id === id)?.lastSeenAt;

      t.clock.advance(testLifetimes.touchIntervalMs / 2);
      assert.equal(await statusOf(device), 200);
      t.clock.advance(testLifetimes.touchIntervalMs / 2 - 1);
      assert.equal(await statusOf(device), 200);
      assert.equal((await device.get("/api/account/sessions")).statusCode, 200);
      assert.equal(await lastSeen(), signedInAt, "no write within the touch interval");

      t.clock.advance(1);
      assert.equal(await statusOf(device), 200);
      const touchedAt = t.clock.now();
      assert.equal(await settledLastSeen(t, user.id, id, touchedAt), touchedAt, "one write once the interval passed");

      t.clock.advance(testLifetimes.touchIntervalMs - 1);
      assert.equal(await statusOf(device), 200);
      assert.equal(await lastSeen(), touchedAt);
    });
  });

  describe(`the idle-session sweeper (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("it removes every idle session in bounded batches and keeps every live one", async () => {
      const idleUser = await createUser(t);
      const liveUser = await createUser(t);
      const idle = await signInMany(t, idleUser, 7);
      t.clock.advance(testLifetimes.idleMs - 1);
      const live = await signInMany(t, liveUser, 3);
      // One millisecond later the first seven are idle past the limit; the three fresh ones are not.
      t.clock.advance(1);
      // A callback queued for the next turn of the event loop runs before the sweep ends only if the sweep
      // gives the loop a turn between batches (SQLite's statements are synchronous: nothing else would).
      let sweepEnded = false;
      let loopRanMidSweep = false;
      setImmediate(() => {
        loopRanMidSweep = !sweepEnded;
      });
      const swept = await sweepIdleSessions(t.deps, 2);
      sweepEnded = true;
      assert.equal(swept, 7);
      assert.ok(loopRanMidSweep, "the event loop ran between batches");
      assert.deepEqual(await t.store.listUserSessions(idleUser.id), []);
      assert.equal((await t.store.listUserSessions(liveUser.id)).length, 3);
      for (const device of idle) assertProblem(await device.get("/api/account"), 401, "UNAUTHENTICATED");
      for (const device of live) assert.equal(await statusOf(device), 200);
      assert.equal(await sweepIdleSessions(t.deps, 2), 0, "a second sweep finds nothing");
    });

    test("a session in use is never swept, even when it outlived its absolute limit", async () => {
      const user = await createUser(t);
      const device = await signIn(t, user);
      const { id } = tokenOf(device);
      for (let elapsed = 0; elapsed < testLifetimes.absoluteMs; elapsed += 20 * 60_000) {
        t.clock.advance(20 * 60_000);
        if ((await statusOf(device)) === 200) await settledLastSeen(t, user.id, id, t.clock.now());
        await sweepIdleSessions(t.deps);
        assert.equal((await t.store.listUserSessions(user.id)).length, 1);
      }
      // Refused since its absolute limit; its row goes once it has also been idle for the idle limit.
      assertProblem(await device.get("/api/account"), 401, "UNAUTHENTICATED");
      assert.equal((await t.store.listUserSessions(user.id)).length, 1);
      t.clock.advance(testLifetimes.idleMs);
      await sweepIdleSessions(t.deps);
      assert.deepEqual(await t.store.listUserSessions(user.id), []);
    });
  });
}
