import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { noRequest } from "../../src/domain/actor.ts";
import { purgeDueUsers } from "../../src/domain/deletion/delete-user.ts";
import { adminDeletes, createSignedInUser, createUser, goodPassword, signIn, signInMany } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { auditOf } from "../support/audit.ts";
import { engines } from "../support/databases.ts";
import { replayEverywhere, statusOf } from "../support/devices.ts";
import { assertProblem } from "../support/http-assertions.ts";

const graceMs = 7 * 86_400_000;

/** DESIGN.md 5: with a grace period the account is dead at once, restorable until its purge time, then erased. */
for (const engine of engines) {
  describe(`deletion with a grace period (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { deletionGraceMs: graceMs });
    });
    after(() => t.close());

    test("a scheduled deletion disables the account at once: every device 401 and sign-in refused", async () => {
      const admin = await createSignedInUser(t, "admin");
      const bob = await createUser(t);
      const devices = await signInMany(t, bob, 3);
      const now = t.clock.now();

      const receipt = await adminDeletes(admin.device, bob.id);
      assert.equal(receipt.status, "scheduled");
      assert.equal(receipt.sessionsRevoked, 3);
      assert.equal(receipt.purgeAfter, new Date(now + graceMs).toISOString());

      const statuses = await replayEverywhere(devices);
      assert.deepEqual(statuses, new Array(statuses.length).fill(401));
      const stored = await t.store.getUserById(bob.id);
      assert.equal(stored?.status, "disabled");
      assert.equal(stored?.purgeAfter, now + graceMs);
      assert.deepEqual(await t.store.listUserSessions(bob.id), []);
      // Issue 16.4: the correct password is told why (and until when); a wrong one learns nothing.
      const login = await t.client().post("/api/auth/login", { email: bob.email, password: goodPassword });
      assertProblem(login, 403, "ACCOUNT_DELETION_PENDING");
      assert.match(login.json<{ detail: string }>().detail, new RegExp(new Date(now + graceMs).toISOString()));
      const guess = await t.client().post("/api/auth/login", { email: bob.email, password: `${goodPassword}!` });
      assertProblem(guess, 401, "INVALID_CREDENTIALS");
    });

    test("an account waiting for its purge cannot be re-enabled by a status change, only restored", async () => {
      const admin = await createSignedInUser(t, "admin");
      const bob = await createUser(t);
      const [oldDevice] = await signInMany(t, bob, 1);
      assert.ok(oldDevice !== undefined);
      await adminDeletes(admin.device, bob.id);

      assertProblem(await admin.device.patch(`/api/users/${bob.id}`, { status: "active" }), 409, "DELETION_PENDING");
      assert.equal((await t.store.getUserById(bob.id))?.status, "disabled");
      assertProblem(
        await t.client().post("/api/auth/login", { email: bob.email, password: goodPassword }),
        403,
        "ACCOUNT_DELETION_PENDING",
      );

      const restored = await admin.device.post(`/api/users/${bob.id}/restore`);
      assert.equal(restored.statusCode, 200, restored.body);
      assert.equal(restored.json().user.status, "active");
      assert.equal(restored.json().user.purgeAfter, null);
      const stored = await t.store.getUserById(bob.id);
      assert.equal(stored?.status, "active");
      assert.equal(stored?.purgeAfter, null);
      // Restoring brings the account back, never the sessions that were revoked with it.
      assert.equal(await statusOf(oldDevice), 401);
      assert.equal(await statusOf(await signIn(t, bob)), 200);
      assertProblem(await admin.device.post(`/api/users/${bob.id}/restore`), 409, "USER_NOT_RESTORABLE");
    });

    test("an ordinary user can neither restore nor re-enable a scheduled account", async () => {
      const admin = await createSignedInUser(t, "admin");
      const mallory = await createSignedInUser(t);
      const bob = await createUser(t);
      await adminDeletes(admin.device, bob.id);
      assertProblem(await mallory.device.post(`/api/users/${bob.id}/restore`), 403, "FORBIDDEN");
      assertProblem(await mallory.device.patch(`/api/users/${bob.id}`, { status: "active" }), 403, "FORBIDDEN");
      assert.equal((await t.store.getUserById(bob.id))?.status, "disabled");
    });

    test("a second deletion during the grace period erases the account immediately", async () => {
      const admin = await createSignedInUser(t, "admin");
      const bob = await createUser(t);
      assert.equal((await adminDeletes(admin.device, bob.id)).status, "scheduled");
      const second = await adminDeletes(admin.device, bob.id, "erase now");
      assert.equal(second.status, "deleted");
      assert.equal(second.purgeAfter, null);
      assert.equal(await t.store.getUserById(bob.id), null);
      const rows = await auditOf(t, { targetId: bob.id, action: "users.delete", outcome: "success" });
      assert.deepEqual(rows.map((entry) => entry.details.mode).sort(), ["erased", "scheduled"]);
    });

    test("the purge erases the account only once purgeAfter has passed, and audits it", async () => {
      const admin = await createSignedInUser(t, "admin");
      const bob = await createUser(t);
      await adminDeletes(admin.device, bob.id);

      t.clock.advance(graceMs - 60_000);
      await purgeDueUsers(t.deps, noRequest);
      assert.equal((await t.store.getUserById(bob.id))?.status, "disabled", "not yet due");

      t.clock.advance(2 * 60_000);
      assert.ok((await purgeDueUsers(t.deps, noRequest)) >= 1);
      assert.equal(await t.store.getUserById(bob.id), null);
      assert.deepEqual(await t.store.listUserSessions(bob.id), []);
      const purge = await auditOf(t, { targetId: bob.id, action: "users.purge" });
      assert.equal(purge.length, 1);
      assert.equal(purge[0]?.actorType, "system");
      assert.equal(purge[0]?.outcome, "success");
      assert.equal(await purgeDueUsers(t.deps, noRequest), 0, "nothing is purged twice");

      // The admin's own session has expired across the week: sign in again.
      const fresh = await createSignedInUser(t, "admin");
      assertProblem(await fresh.device.post(`/api/users/${bob.id}/restore`), 404, "USER_NOT_FOUND");
      // Erased: the account is gone, so even its old password is told nothing.
      assertProblem(
        await t.client().post("/api/auth/login", { email: bob.email, password: goodPassword }),
        401,
        "INVALID_CREDENTIALS",
      );
    });

    test("a restored account is skipped by the purge even after its old purge time", async () => {
      const admin = await createSignedInUser(t, "admin");
      const bob = await createUser(t);
      await adminDeletes(admin.device, bob.id);
      assert.equal((await admin.device.post(`/api/users/${bob.id}/restore`)).statusCode, 200);
      t.clock.advance(graceMs + 60_000);
      await purgeDueUsers(t.deps, noRequest);
      assert.equal((await t.store.getUserById(bob.id))?.status, "active");
      assert.equal(await statusOf(await signIn(t, bob)), 200);
    });

    test("restoring the scheduled deletion of an account an admin had disabled leaves it disabled", async () => {
      const admin = await createSignedInUser(t, "admin");
      const mallory = await createUser(t);
      assert.equal((await admin.device.patch(`/api/users/${mallory.id}`, { status: "disabled" })).statusCode, 200);
      await adminDeletes(admin.device, mallory.id);
      assert.equal((await admin.device.post(`/api/users/${mallory.id}/restore`)).statusCode, 200);
      assert.equal((await t.store.getUserById(mallory.id))?.status, "disabled");
      const login = await t.client().post("/api/auth/login", { email: mallory.email, password: goodPassword });
      assertProblem(login, 403, "ACCOUNT_DISABLED");
    });
  });
}
