import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import {
  adminDeletes,
  createSignedInUser,
  createUser,
  goodPassword,
  leaveReauthWindow,
  reauthenticate,
  signInMany,
} from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { auditOf } from "../support/audit.ts";
import { tokenOf } from "../support/cookies.ts";
import { engines } from "../support/databases.ts";
import { replayEverywhere, statusOf } from "../support/devices.ts";
import { assertProblem, problemCode } from "../support/http-assertions.ts";
import { snapshotStore } from "../support/store-snapshot.ts";

/** The core promise (SECURITY.md 1.1, ASVS 7.4.2): a deleted user is gone everywhere, at once. */
for (const engine of engines) {
  describe(`deleting a user through the admin API (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("every device of a deleted user gets 401 on its very next request, replayed all at once", async () => {
      const admin = await createSignedInUser(t, "admin");
      const bob = await createUser(t);
      const devices = await signInMany(t, bob, 3);
      const stolen = devices.map((device) => device.clone());

      const response = await admin.device.delete(`/api/users/${bob.id}`, { reason: "account closed" });
      assert.equal(response.statusCode, 200, response.body);
      const receipt = response.json();
      assert.equal(receipt.id, bob.id);
      assert.equal(receipt.status, "deleted");
      assert.equal(receipt.sessionsRevoked, 3);
      assert.equal(receipt.purgeAfter, null);

      const statuses = await replayEverywhere([...devices, ...stolen]);
      assert.deepEqual(statuses, new Array(statuses.length).fill(401));
      assert.equal(await t.store.getUserById(bob.id), null);
      assert.deepEqual(await t.store.listUserSessions(bob.id), []);
    });

    test("a deleted user's password no longer signs in, and nothing says the account ever existed", async () => {
      const admin = await createSignedInUser(t, "admin");
      const bob = await createUser(t);
      await adminDeletes(admin.device, bob.id);
      const login = await t.client().post("/api/auth/login", { email: bob.email, password: goodPassword });
      assertProblem(login, 401, "INVALID_CREDENTIALS");
      assert.equal(login.headers["set-cookie"], undefined);
      assertProblem(await admin.device.get(`/api/users/${bob.id}`), 404, "USER_NOT_FOUND");
    });

    test("an account re-created with a deleted user's e-mail inherits none of the old sessions", async () => {
      const admin = await createSignedInUser(t, "admin");
      const bob = await createUser(t);
      const devices = await signInMany(t, bob, 3);
      const oldIds = devices.map((device) => tokenOf(device).id);
      await adminDeletes(admin.device, bob.id);

      const newcomer = t.client();
      const signup = await newcomer.post("/api/auth/signup", { email: bob.email, password: goodPassword });
      assert.equal(signup.statusCode, 201, signup.body);
      const reborn = signup.json().user;
      assert.notEqual(reborn.id, bob.id);
      const sessions = await t.store.listUserSessions(reborn.id);
      assert.deepEqual(
        sessions.map((session) => session.id),
        [tokenOf(newcomer).id],
      );
      for (const id of oldIds) assert.ok(!sessions.some((session) => session.id === id));
      for (const device of devices) assert.equal(await statusOf(device), 401);
      assert.equal((await newcomer.get("/api/account")).json().user.id, reborn.id);
    });

    test("an admin whose password proof is older than the step-up window is refused and nothing changes", async () => {
      const admin = await createSignedInUser(t, "admin");
      const bob = await createUser(t);
      const [bobDevice] = await signInMany(t, bob, 1);
      assert.ok(bobDevice !== undefined);
      leaveReauthWindow(t);
      const before = await snapshotStore(t);

      assertProblem(await admin.device.delete(`/api/users/${bob.id}`, { reason: "x" }), 403, "REAUTH_REQUIRED");
      assert.deepEqual(await snapshotStore(t), before);
      assert.equal(await statusOf(bobDevice), 200);
      const denied = await auditOf(t, { targetId: bob.id, action: "users.delete", outcome: "denied" });
      assert.deepEqual(
        denied.map((entry) => [entry.actorId, entry.reason]),
        [[admin.user.id, "REAUTH_REQUIRED"]],
      );

      await reauthenticate(admin.device);
      const receipt = await adminDeletes(admin.device, bob.id);
      assert.equal(receipt.sessionsRevoked, 1);
      assert.equal(await statusOf(bobDevice), 401);
    });

    test("deleting an id that does not exist answers 404 to an admin and records the attempt", async () => {
      const admin = await createSignedInUser(t, "admin");
      for (const missing of [randomUUID(), "42", "../users/1"]) {
        const response = await admin.device.delete(`/api/users/${encodeURIComponent(missing)}`, { reason: "probe" });
        assertProblem(response, 404, "USER_NOT_FOUND", missing);
        // An id that names no user is recorded as its keyed pseudonym, never as sent (issue 9.10).
        const targetId = t.deps.auditPseudonym(missing);
        const denied = await auditOf(t, { targetId, action: "users.delete", outcome: "denied" });
        assert.equal(denied.length, 1, missing);
        assert.equal(denied[0]?.actorId, admin.user.id);
        assert.equal(denied[0]?.reason, "USER_NOT_FOUND");
      }
    });

    test("an ordinary user gets the same 403 for an existing and a missing id, and deletes nobody", async () => {
      const mallory = await createSignedInUser(t);
      const bob = await createUser(t);
      const existing = await mallory.device.delete(`/api/users/${bob.id}`, { reason: "x" });
      const missing = await mallory.device.delete(`/api/users/${randomUUID()}`, { reason: "x" });
      assertProblem(existing, 403, "FORBIDDEN");
      assertProblem(missing, 403, "FORBIDDEN");
      const strip = (body: { instance?: string }) => ({ ...body, instance: undefined });
      assert.deepEqual(strip(existing.json()), strip(missing.json()));
      assert.deepEqual(await t.store.getUserById(bob.id), bob);
    });

    test("an admin cannot delete another admin, who stays and stays signed in", async () => {
      const admin = await createSignedInUser(t, "admin");
      const peer = await createSignedInUser(t, "admin");
      const response = await admin.device.delete(`/api/users/${peer.user.id}`, { reason: "coup" });
      assertProblem(response, 403, "FORBIDDEN");
      assert.deepEqual(await t.store.getUserById(peer.user.id), peer.user);
      assert.equal(await statusOf(peer.device), 200);
      assert.equal(await statusOf(admin.device), 200);
    });

    test("an admin cannot delete their own account through the admin path", async () => {
      const admin = await createSignedInUser(t, "admin");
      const response = await admin.device.delete(`/api/users/${admin.user.id}`, { reason: "bye" });
      assertProblem(response, 409, "SELF_ACTION_FORBIDDEN");
      assert.deepEqual(await t.store.getUserById(admin.user.id), admin.user);
      assert.equal(await statusOf(admin.device), 200);
    });

    test("GET and HEAD on a user are reads: they never delete, whatever override they carry", async () => {
      const admin = await createSignedInUser(t, "admin");
      const bob = await createSignedInUser(t);
      const overrides = {
        "x-http-method-override": "DELETE",
        "x-http-method": "DELETE",
        "x-method-override": "DELETE",
      };
      const reads = [
        await admin.device.get(`/api/users/${bob.user.id}`),
        await admin.device.get(`/api/users/${bob.user.id}?_method=DELETE`, { headers: overrides }),
        await admin.device.request("HEAD", `/api/users/${bob.user.id}`, { headers: overrides }),
      ];
      for (const response of reads) assert.equal(response.statusCode, 200);
      assert.deepEqual(await t.store.getUserById(bob.user.id), bob.user);
      assert.equal(await statusOf(bob.device), 200);
    });

    test("POST with a method override (headers, ?_method or a _method field) never reaches the deletion", async () => {
      const admin = await createSignedInUser(t, "admin");
      const bob = await createSignedInUser(t);
      const url = `/api/users/${bob.user.id}`;
      const attempts = [
        await admin.device.post(url, undefined, { headers: { "x-http-method-override": "DELETE" } }),
        await admin.device.post(url, undefined, { headers: { "x-http-method": "DELETE" } }),
        await admin.device.post(url, undefined, { headers: { "x-method-override": "DELETE" } }),
        await admin.device.post(`${url}?_method=DELETE`, undefined),
        await admin.device.post(url, { _method: "DELETE" }),
        await admin.device.post(
          `${url}?_method=DELETE`,
          { _method: "DELETE", reason: "x" },
          {
            headers: { "x-http-method-override": "DELETE", "x-http-method": "DELETE", "x-method-override": "DELETE" },
          },
        ),
      ];
      for (const [index, response] of attempts.entries()) {
        assert.ok([404, 405].includes(response.statusCode), `attempt ${index}: ${response.statusCode}`);
        assert.ok(["METHOD_NOT_ALLOWED", "NOT_FOUND"].includes(problemCode(response)));
      }
      assert.deepEqual(await t.store.getUserById(bob.user.id), bob.user);
      assert.equal(await statusOf(bob.device), 200);
      assert.deepEqual(await auditOf(t, { targetId: bob.user.id, action: "users.delete" }), []);
    });
  });
}
