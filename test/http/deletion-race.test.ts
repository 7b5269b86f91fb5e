import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { actorOf, noRequest } from "../../src/domain/actor.ts";
import { deleteUser } from "../../src/domain/deletion/delete-user.ts";
import { checkSession } from "../../src/domain/sessions/session-check.ts";
import { adminDeletes, createSignedInUser, createUser, goodPassword } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { auditOf } from "../support/audit.ts";
import { tokenOf } from "../support/cookies.ts";
import { engines } from "../support/databases.ts";
import type { HttpClient } from "../support/http-client.ts";

/** DESIGN.md 5 (issue requirement 7): a login that races a deletion never leaves a live session behind. */
const loginsPerRound = 30;
const strikeAfter = [0, 1, 5, 15, 29];
const rounds = strikeAfter.length;

/** Resolves once `count` of the promises have settled. */
function afterAnswers(promises: readonly Promise<unknown>[], count: number): Promise<void> {
  return new Promise((resolve) => {
    let settled = 0;
    const tally = () => {
      settled += 1;
      if (settled === count) resolve();
    };
    if (count === 0) resolve();
    for (const promise of promises) promise.then(tally, tally);
  });
}

async function activeSuperuserIds(t: TestApp): Promise<string[]> {
  return (await t.store.listUsers({ role: "superuser", status: "active", limit: 100 })).map((user) => user.id);
}

for (const engine of engines) {
  describe(`deletions racing logins and each other (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("30 logins racing one deletion leave no session, and every cookie they handed out is dead", async () => {
      const admin = await createSignedInUser(t, "admin");
      for (let round = 0; round < rounds; round += 1) {
        const bob = await createUser(t);
        const devices: HttpClient[] = Array.from({ length: loginsPerRound }, () => t.client());
        const logins = devices.map((device) =>
          device.post("/api/auth/login", { email: bob.email, password: goodPassword }),
        );
        // The deletion strikes after a different number of logins have answered each round, the rest in flight.
        const trigger = afterAnswers(logins, strikeAfter[round] ?? 0);
        const deletion = trigger.then(() => admin.device.delete(`/api/users/${bob.id}`, { reason: `race ${round}` }));
        const [deleted, ...loginResults] = await Promise.all([deletion, ...logins]);
        assert.equal(deleted.statusCode, 200, deleted.body);
        for (const response of loginResults) assert.ok([200, 401].includes(response.statusCode), response.body);
        assert.equal(await t.store.getUserById(bob.id), null);
        assert.deepEqual(await t.store.listUserSessions(bob.id), [], `round ${round}`);
        const winners = devices.filter((_, index) => loginResults[index]?.statusCode === 200);
        for (const device of winners) {
          const { id } = tokenOf(device);
          assert.equal(await t.store.getSessionAndUser(id), null);
          assert.equal((await device.get("/api/auth/session")).statusCode, 401);
          assert.equal((await device.get("/api/account")).statusCode, 401);
        }
        // A login that won committed before the deletion (after it, there is no user to sign in), so the
        // deletion revoked exactly the winners' sessions; from round 1 on, the logins that triggered it had won.
        assert.equal(deleted.json().sessionsRevoked, winners.length, `round ${round}`);
        assert.ok(winners.length >= (strikeAfter[round] ?? 0), `round ${round}`);
      }
    });

    test("10 concurrent deletions of one user: exactly one 200, nine 404, one success in the audit", async () => {
      const admin = await createSignedInUser(t, "admin");
      const bob = await createUser(t);
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, index) => admin.device.delete(`/api/users/${bob.id}`, { reason: `#${index}` })),
      );
      const statuses = responses.map((response) => response.statusCode).sort();
      assert.deepEqual(statuses, [200, ...new Array(9).fill(404)]);
      assert.equal(await t.store.getUserById(bob.id), null);
      assert.equal((await auditOf(t, { targetId: bob.id, action: "users.delete", outcome: "success" })).length, 1);
      // Refused once bob is erased, so his id names no user any more: its pseudonym is recorded (issue 9.10).
      const denied = [bob.id, t.deps.auditPseudonym(bob.id)].map((targetId) =>
        auditOf(t, { targetId, action: "users.delete", outcome: "denied" }),
      );
      assert.equal((await Promise.all(denied)).flat().length, 9);
    });
  });

  describe(`two superusers deleting each other (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("when they are the only two, at most one succeeds and an active superuser always remains", async () => {
      await createUser(t, "superuser");
      for (let round = 0; round < 5; round += 1) {
        // Top up to exactly two active superusers, then both sign in and strike at once.
        while ((await activeSuperuserIds(t)).length < 2) await createUser(t, "superuser");
        const [firstId, secondId] = await activeSuperuserIds(t);
        assert.ok(firstId !== undefined && secondId !== undefined);
        const [first, second] = await Promise.all(
          [firstId, secondId].map(async (id) => {
            const user = await t.store.getUserById(id);
            assert.ok(user !== null);
            const device = t.client();
            const login = await device.post("/api/auth/login", { email: user.email, password: goodPassword });
            assert.equal(login.statusCode, 200, login.body);
            return device;
          }),
        );
        assert.ok(first !== undefined && second !== undefined);
        const responses = await Promise.all([
          first.delete(`/api/users/${secondId}`, { reason: "coup" }),
          second.delete(`/api/users/${firstId}`, { reason: "counter-coup" }),
        ]);
        const statuses = responses.map((response) => response.statusCode);
        assert.ok(statuses.filter((status) => status === 200).length <= 1, `round ${round}: ${statuses.join(", ")}`);
        for (const status of statuses) assert.ok([200, 401, 409].includes(status), `round ${round}: ${status}`);
        assert.ok((await activeSuperuserIds(t)).length >= 1, `round ${round}`);
      }
    });

    test("an admin deleted mid-request cannot finish a deletion of its own afterwards", async () => {
      const root = await createSignedInUser(t, "superuser");
      const admin = await createSignedInUser(t, "admin");
      const victim = await createUser(t);
      // The admin's request has passed its session check (what the onRequest hook hands the handler)...
      const inFlight = await checkSession(t.deps, tokenOf(admin.device).token);
      assert.ok(inFlight !== null);
      // ...when a superuser deletes the admin, and that deletion commits first.
      await adminDeletes(root.device, admin.user.id);
      const late = await deleteUser(t.deps, actorOf(inFlight), victim.id, { reason: "too late" }, noRequest);
      assert.equal(late.ok, false);
      assert.ok((await t.store.getUserById(victim.id)) !== null);
    });
  });
}
