import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createUser, goodPassword, signIn, signInMany } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { tokenOf } from "../support/cookies.ts";
import { engines } from "../support/databases.ts";
import { statusOf } from "../support/devices.ts";
import { assertProblem } from "../support/http-assertions.ts";

const newPassword = "a brand new passphrase for gatehouse";

for (const engine of engines) {
  describe(`the caller's own account (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("GET /api/account answers with the caller and no one else, whatever the request names", async () => {
      const alice = await createUser(t);
      const bob = await createUser(t);
      const aliceDevice = await signIn(t, alice);
      const bobDevice = await signIn(t, bob);
      const attempts = [
        aliceDevice.get("/api/account"),
        aliceDevice.get(`/api/account?id=${bob.id}&userId=${bob.id}&email=${encodeURIComponent(bob.email)}`),
        aliceDevice.get("/api/account", { headers: { "x-user-id": bob.id, "x-original-url": `/api/users/${bob.id}` } }),
      ];
      for (const response of await Promise.all(attempts)) {
        assert.equal(response.statusCode, 200);
        const { user } = response.json();
        assert.equal(user.id, alice.id);
        assert.equal(user.email, alice.email);
        assert.equal(user.passwordHash, undefined);
        assert.doesNotMatch(response.body, new RegExp(bob.id));
      }
      assert.equal((await bobDevice.get("/api/account")).json().user.id, bob.id);
      assertProblem(await t.client().get("/api/account"), 401, "UNAUTHENTICATED");
    });

    test("PATCH /api/account with a name changes the caller's name and nothing else", async () => {
      const alice = await createUser(t);
      const bob = await createUser(t);
      const device = await signIn(t, alice);
      const response = await device.patch("/api/account", { name: "  Alice Liddell  " });
      assert.equal(response.statusCode, 200);
      assert.equal(response.json().user.name, "Alice Liddell");
      const stored = await t.store.getUserById(alice.id);
      assert.equal(stored?.name, "Alice Liddell");
      assert.deepEqual({ ...stored, name: alice.name, updatedAt: alice.updatedAt }, alice);
      assert.deepEqual(await t.store.getUserById(bob.id), bob);
      assert.equal((await device.get("/api/account")).json().user.name, "Alice Liddell");
    });

    test("PATCH /api/account with role, status, email, id or isAdmin is refused with 400 and changes nothing", async () => {
      const alice = await createUser(t);
      const bob = await createUser(t);
      const device = await signIn(t, alice);
      const tampered: Record<string, unknown>[] = [
        { role: "superuser" },
        { name: "Mallory", role: "admin" },
        { name: "Mallory", status: "disabled" },
        { name: "Mallory", email: "mallory@evil.test" },
        { name: "Mallory", id: bob.id },
        { name: "Mallory", isAdmin: true },
        { name: "Mallory", passwordHash: "$argon2id$v=19$m=1024,t=1,p=1$AAAA$AAAA" },
        { name: "Mallory", purgeAfter: null },
      ];
      for (const body of tampered) {
        assertProblem(await device.patch("/api/account", body), 400, "VALIDATION_FAILED", JSON.stringify(body));
      }
      assert.deepEqual(await t.store.getUserById(alice.id), alice);
      assert.deepEqual(await t.store.getUserById(bob.id), bob);
      assert.equal((await device.get("/api/account")).json().user.role, "user");
    });
  });

  describe(`changing the password (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("without the current password, or with a wrong one, the change is refused and nothing changes", async () => {
      const user = await createUser(t);
      const [caller, other] = await signInMany(t, user, 2);
      assert.ok(caller !== undefined && other !== undefined);
      const token = tokenOf(caller).token;
      assertProblem(await caller.post("/api/account/password", { newPassword }), 400, "VALIDATION_FAILED");
      assertProblem(
        await caller.post("/api/account/password", { currentPassword: null, newPassword }),
        400,
        "VALIDATION_FAILED",
      );
      for (const currentPassword of ["", "not the password", `${goodPassword} `, goodPassword.toUpperCase()]) {
        const response = await caller.post("/api/account/password", { currentPassword, newPassword });
        assertProblem(response, 403, "WRONG_PASSWORD", currentPassword);
        assert.equal(response.headers["set-cookie"], undefined);
      }
      assert.deepEqual(await t.store.getUserById(user.id), user);
      assert.equal(tokenOf(caller).token, token);
      assert.equal(await statusOf(caller), 200);
      assert.equal(await statusOf(other), 200);
      assert.equal(
        (await t.client().post("/api/auth/login", { email: user.email, password: newPassword })).statusCode,
        401,
      );
      await signIn(t, user);
    });

    test("a weak new password is refused and every session stays as it was", async () => {
      const user = await createUser(t);
      const [caller, other] = await signInMany(t, user, 2);
      assert.ok(caller !== undefined && other !== undefined);
      for (const weak of ["short", "password123"]) {
        const response = await caller.post("/api/account/password", {
          currentPassword: goodPassword,
          newPassword: weak,
        });
        assertProblem(response, 400, "VALIDATION_FAILED", weak);
      }
      assert.deepEqual(await t.store.getUserById(user.id), user);
      assert.equal((await t.store.listUserSessions(user.id)).length, 2);
      assert.equal(await statusOf(other), 200);
    });

    test("a password change signs every other device out at once and gives this device a new session", async () => {
      const user = await createUser(t);
      const bystander = await createUser(t);
      const bystanderDevice = await signIn(t, bystander);
      const [caller, ...others] = await signInMany(t, user, 4);
      assert.ok(caller !== undefined && others.length === 3);
      const stolen = caller.clone();
      const before = tokenOf(caller);

      const response = await caller.post("/api/account/password", { currentPassword: goodPassword, newPassword });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().sessionsRevoked, 3);
      const after = tokenOf(caller);
      assert.notEqual(after.id, before.id);
      assert.notEqual(after.secret, before.secret);
      assert.ok(!response.body.includes(after.secret), "the new token travels only in Set-Cookie");

      for (const device of others) assertProblem(await device.get("/api/account"), 401, "UNAUTHENTICATED");
      assertProblem(await stolen.get("/api/account"), 401, "UNAUTHENTICATED");
      assert.equal(await statusOf(caller), 200);
      const sessions = await t.store.listUserSessions(user.id);
      assert.deepEqual(
        sessions.map((session) => session.id),
        [after.id],
      );

      const oldLogin = await t.client().post("/api/auth/login", { email: user.email, password: goodPassword });
      assertProblem(oldLogin, 401, "INVALID_CREDENTIALS");
      await signIn(t, user, newPassword);
      assert.equal(await statusOf(bystanderDevice), 200);
    });
  });

  describe(`re-authentication (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("the right password answers 204 and marks the session freshly authenticated", async () => {
      const user = await createUser(t);
      const device = await signIn(t, user);
      const { id } = tokenOf(device);
      t.clock.advance(10 * 60_000);
      const response = await device.post("/api/auth/reauthenticate", { password: goodPassword });
      assert.equal(response.statusCode, 204);
      assert.equal(response.body, "");
      const [session] = await t.store.listUserSessions(user.id);
      assert.equal(session?.id, id);
      assert.equal(session?.authenticatedAt, t.clock.now());
      assert.equal(await statusOf(device), 200);
    });

    test("a wrong password answers 403 WRONG_PASSWORD, keeps the session and does not refresh it", async () => {
      const user = await createUser(t);
      const device = await signIn(t, user);
      const [before] = await t.store.listUserSessions(user.id);
      t.clock.advance(10 * 60_000);
      for (const password of ["not the password", "", goodPassword.slice(0, -1)]) {
        assertProblem(await device.post("/api/auth/reauthenticate", { password }), 403, "WRONG_PASSWORD", password);
      }
      assertProblem(await device.post("/api/auth/reauthenticate", {}), 400, "VALIDATION_FAILED");
      const [after] = await t.store.listUserSessions(user.id);
      assert.equal(after?.authenticatedAt, before?.authenticatedAt);
      assert.equal(await statusOf(device), 200);
    });

    test("without a session re-authentication answers 401", async () => {
      const response = await t.client().post("/api/auth/reauthenticate", { password: goodPassword });
      assertProblem(response, 401, "UNAUTHENTICATED");
    });
  });
}
