import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { noRequest } from "../../src/domain/actor.ts";
import { purgeDueUsers } from "../../src/domain/deletion/delete-user.ts";
import { pruneOldEvents } from "../../src/domain/events/event-feed.ts";
import { createSignedInUser, createUser, goodPassword, signIn, signInMany } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { allEvents, eventMark, eventsSince, summary } from "../support/events.ts";
import { problemCode } from "../support/http-assertions.ts";
import { rawQuery } from "../support/raw-database.ts";
import { createTokenOwner } from "../support/tokens.ts";

const graceMs = 7 * 86_400_000;

for (const engine of engines) {
  describe(`events written by the acts themselves (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { deletionGraceMs: graceMs });
    });
    after(() => t.close());

    test("every act on a user leaves its events, tied to its audit row, in order", async () => {
      const superuser = await createSignedInUser(t, "superuser");
      const mark = await eventMark(t);
      const created = await superuser.device.post("/api/users", {
        email: "evt-bob@example.test",
        password: goodPassword,
      });
      assert.equal(created.statusCode, 201, created.body);
      const bob = (created.json() as { user: { id: string } }).user;
      await signInMany(t, { email: "evt-bob@example.test" }, 2);
      const steps: [string, () => Promise<{ statusCode: number; body: string }>][] = [
        ["promote", () => superuser.device.patch(`/api/users/${bob.id}`, { role: "admin" })],
        ["rename", () => superuser.device.patch(`/api/users/${bob.id}`, { name: "Robert" })],
        ["disable", () => superuser.device.patch(`/api/users/${bob.id}`, { status: "disabled" })],
        ["enable", () => superuser.device.patch(`/api/users/${bob.id}`, { status: "active" })],
        ["schedule", () => superuser.device.delete(`/api/users/${bob.id}`)],
        ["restore", () => superuser.device.post(`/api/users/${bob.id}/restore`)],
      ];
      for (const [name, step] of steps) {
        const response = await step();
        assert.equal(response.statusCode, 200, `${name}: ${response.body}`);
      }
      await signIn(t, { email: "evt-bob@example.test" });
      const erased = await superuser.device.delete(`/api/users/${bob.id}`);
      assert.equal(erased.statusCode, 200, erased.body);
      const events = await eventsSince(t, mark);
      assert.ok(events.every((event) => event.data.user_id === bob.id));
      assert.deepEqual(events.map(summary), [
        "user.created",
        "user.updated role",
        "sessions.revoked role_change s2 t0",
        "user.updated name",
        "user.updated status",
        "user.disabled",
        "user.updated status",
        "user.enabled",
        "user.deletion_scheduled",
        "user.restored",
        // Restored to admin (its status before) and signed in again, then deleted during the grace period:
        // the second deletion erases at once.
        "sessions.revoked deletion s1 t0",
        "user.deletion_scheduled",
      ]);
      for (const event of events) {
        assert.match(event.id, /^evt_[A-Za-z0-9_-]{22}$/);
        assert.deepEqual(event.data.actor, { type: "user", id: superuser.user.id });
        const [audit] = await t.store.listAudit({ before: event.data.audit_seq + 1, limit: 1 });
        assert.equal(audit?.seq, event.data.audit_seq);
        assert.equal(audit?.hash, event.data.audit_hash);
        assert.equal(audit?.targetId, bob.id);
      }
    });

    test("own acts, the CLI's and the purge's carry their actor; a token's act names the token", async () => {
      const mark = await eventMark(t);
      const self = await createSignedInUser(t, "user");
      await signInMany(t, self.user, 2);
      const other = await self.device.post("/api/account/sessions/revoke-others");
      assert.equal(other.statusCode, 200, other.body);
      const renamed = await self.device.patch("/api/account", { name: "Me" });
      assert.equal(renamed.statusCode, 200, renamed.body);
      const changed = await self.device.post("/api/account/password", {
        currentPassword: goodPassword,
        newPassword: "another correct horse battery",
      });
      assert.equal(changed.statusCode, 200, changed.body);
      const owner = await createTokenOwner(t, "admin", ["users:write"]);
      const victim = await createUser(t);
      const byToken = await owner.service.delete(`/api/users/${victim.id}`);
      assert.equal(byToken.statusCode, 200, byToken.body);
      t.clock.advance(graceMs + 60_000);
      assert.ok((await purgeDueUsers(t.deps, noRequest)) >= 1);
      const events = (await eventsSince(t, mark)).filter((e) => [self.user.id, victim.id].includes(e.data.user_id));
      assert.deepEqual(
        events.map((event) => `${summary(event)} by ${event.data.actor.type}`),
        [
          "user.created by cli",
          "sessions.revoked user s2 t0 by user",
          "user.updated name by user",
          "sessions.revoked password_change s1 t0 by user",
          "user.created by cli",
          "user.deletion_scheduled by token",
          "user.deleted by system",
        ],
      );
      const tokenEvent = events.find((event) => event.data.actor.type === "token");
      assert.deepEqual(tokenEvent?.data.actor, { type: "token", id: owner.user.id, token_id: owner.issued.view.id });
    });

    test("a refused act leaves no event", async () => {
      const admin = await createSignedInUser(t, "admin");
      const superuser = await createUser(t, "superuser");
      const plain = await createSignedInUser(t, "user");
      const mark = await eventMark(t);
      const refused = await admin.device.delete(`/api/users/${superuser.id}`);
      assert.equal(refused.statusCode, 403);
      const forbidden = await plain.device.patch(`/api/users/${admin.user.id}`, { status: "disabled" });
      assert.equal(forbidden.statusCode, 403);
      assert.deepEqual(await eventsSince(t, mark), []);
    });

    test("no event holds an e-mail address or a name, not even of an erased person", async () => {
      const superuser = await createSignedInUser(t, "superuser");
      const email = "evt-carol-unique@example.test";
      const created = await superuser.device.post("/api/users", { email, password: goodPassword, name: "Carol Zyx" });
      const carol = (created.json() as { user: { id: string } }).user;
      await superuser.device.patch(`/api/users/${carol.id}`, { name: "Carol Renamed Qwv" });
      await superuser.device.delete(`/api/users/${carol.id}`);
      await superuser.device.delete(`/api/users/${carol.id}`);
      const { rows } = await rawQuery<{ payload: string; user_id: string }>(
        t.database,
        "SELECT payload, user_id FROM events",
      );
      const text = JSON.stringify(rows);
      for (const secret of [email, "Carol Zyx", "Carol Renamed", "evt-carol"])
        assert.ok(!text.includes(secret), secret);
      assert.ok(
        rows.some((row) => row.user_id === carol.id),
        "the erased user's events stay, by id",
      );
    });
  });

  describe(`the events feed (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { deletionGraceMs: 0 });
    });
    after(() => t.close());

    test("pages in commit order with a cursor; a token needs events:read", async () => {
      const reader = await createTokenOwner(t, "admin", ["events:read"]);
      for (let i = 0; i < 5; i += 1) await createUser(t);
      const seen: string[] = [];
      let cursor: string | undefined;
      for (;;) {
        const response = await reader.service.get(
          `/api/events?limit=2${cursor === undefined ? "" : `&after=${cursor}`}`,
        );
        assert.equal(response.statusCode, 200, response.body);
        const page = response.json() as { events: { id: string }[]; nextCursor: string; hasMore: boolean };
        assert.ok(page.events.length <= 2);
        seen.push(...page.events.map((event) => event.id));
        cursor = page.nextCursor;
        if (!page.hasMore) break;
      }
      assert.deepEqual(
        seen,
        (await allEvents(t)).map((event) => event.id),
      );
      const again = await reader.service.get(`/api/events?after=${cursor}`);
      assert.deepEqual((again.json() as { events: unknown[]; nextCursor: string }).events, []);
      assert.equal((again.json() as { nextCursor: string }).nextCursor, cursor, "an empty page keeps the cursor");
      const wrong = await createTokenOwner(t, "admin", ["users:read"]);
      const refused = await wrong.service.get("/api/events");
      assert.equal(refused.statusCode, 403);
      assert.equal(problemCode(refused), "INSUFFICIENT_SCOPE");
      const plain = await createSignedInUser(t, "user");
      assert.equal((await plain.device.get("/api/events")).statusCode, 403);
      for (const bad of ["x", "1", "1.2.3", "-1.0", "01.0", "1.-2", `${"9".repeat(16)}.0`]) {
        const response = await reader.service.get(`/api/events?after=${encodeURIComponent(bad)}`);
        assert.equal(response.statusCode, 400, bad);
      }
    });

    test("a consumer polling during 20 concurrent deleters misses nothing and sees nothing twice", async () => {
      const superuser = await createSignedInUser(t, "superuser");
      const reader = await createTokenOwner(t, "admin", ["events:read"]);
      const start = await reader.service.get("/api/events?limit=500");
      let cursor = (start.json() as { nextCursor: string }).nextCursor;
      const victims = await Promise.all(Array.from({ length: 60 }, () => createUser(t)));
      const seen: string[] = [];
      let done = false;
      const poller = (async () => {
        while (!done) {
          const response = await reader.service.get(`/api/events?limit=7&after=${cursor}`);
          const page = response.json() as { events: { id: string; type: string }[]; nextCursor: string };
          seen.push(...page.events.map((event) => event.id));
          cursor = page.nextCursor;
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const queue = [...victims];
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          for (let victim = queue.pop(); victim !== undefined; victim = queue.pop()) {
            const response = await superuser.device.delete(`/api/users/${victim.id}`);
            assert.equal(response.statusCode, 200, response.body);
          }
        }),
      );
      done = true;
      await poller;
      for (;;) {
        const response = await reader.service.get(`/api/events?limit=500&after=${cursor}`);
        const page = response.json() as { events: { id: string }[]; nextCursor: string; hasMore: boolean };
        seen.push(...page.events.map((event) => event.id));
        cursor = page.nextCursor;
        if (!page.hasMore) break;
      }
      const deletedEvents = (await allEvents(t)).filter(
        (event) => event.type === "user.deleted" && victims.some((victim) => victim.id === event.data.user_id),
      );
      assert.equal(deletedEvents.length, 60);
      assert.equal(new Set(seen).size, seen.length, "no event twice");
      for (const event of deletedEvents) assert.ok(seen.includes(event.id), `missed ${event.id}`);
    });

    test("retention prunes old events; a cursor from before them is told so (410), not silently skipped", async () => {
      const reader = await createTokenOwner(t, "admin", ["events:read"]);
      const first = await reader.service.get("/api/events?limit=1");
      const oldCursor = (first.json() as { nextCursor: string }).nextCursor;
      t.clock.advance(t.deps.eventRetentionMs + 60_000);
      const fresh = await createUser(t);
      assert.ok((await pruneOldEvents(t.deps, 7)) > 0);
      const stale = await reader.service.get(`/api/events?after=${oldCursor}`);
      assert.equal(stale.statusCode, 410, stale.body);
      assert.equal(problemCode(stale), "EVENTS_CURSOR_EXPIRED");
      const restart = await reader.service.get("/api/events");
      assert.equal(restart.statusCode, 200, restart.body);
      const events = (restart.json() as { events: { type: string; data: { user_id: string } }[] }).events;
      assert.deepEqual(
        events.map((event) => [event.type, event.data.user_id]),
        [["user.created", fresh.id]],
      );
    });
  });
}
