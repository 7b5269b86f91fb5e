import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createUser, goodPassword, signIn, uniqueEmail } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { problemCode } from "../support/http-assertions.ts";
import type { HttpClient } from "../support/http-client.ts";
import { form } from "../support/http-client.ts";

/**
 * ASVS 8.3.2 (L3): changes to authorization attributes apply at once. Gatehouse revokes every session of
 * a user whose role or status changes, in the same transaction, so the very next request with an old
 * cookie is signed out and a new sign-in carries the new role. WSTG-ATHZ-03: no route lets a user raise
 * their own privileges.
 */
async function roleInStore(t: TestApp, id: string) {
  return (await t.store.getUserById(id))?.role;
}

for (const engine of engines) {
  describe(`privilege changes apply to the very next request (${engine})`, () => {
    let t: TestApp;
    let superuser: HttpClient;
    before(async () => {
      t = await startTestApp(engine);
      superuser = await signIn(t, await createUser(t, "superuser"));
    });
    after(() => t.close());

    test("a demoted admin's next request on either device gets 401, and after signing in again 403", async () => {
      const admin = await createUser(t, "admin");
      const victim = await createUser(t, "user");
      const laptop = await signIn(t, admin);
      const phone = await signIn(t, admin);
      assert.equal((await laptop.get("/api/users")).statusCode, 200);
      assert.equal((await phone.get("/api/users")).statusCode, 200);

      const demoted = await superuser.patch(`/api/users/${admin.id}`, { role: "user" });
      assert.equal(demoted.statusCode, 200, demoted.body);
      assert.equal(demoted.json().sessionsRevoked, 2);

      const next = await laptop.get("/api/users");
      assert.equal(next.statusCode, 401);
      assert.equal(problemCode(next), "UNAUTHENTICATED");
      assert.equal((await phone.delete(`/api/users/${victim.id}`, { reason: "stale admin" })).statusCode, 401);
      assert.deepEqual(await t.store.listUserSessions(admin.id), []);

      const again = await signIn(t, admin);
      const refused = await again.get("/api/users");
      assert.equal(refused.statusCode, 403);
      assert.equal(problemCode(refused), "FORBIDDEN");
      assert.equal((await again.delete(`/api/users/${victim.id}`, { reason: "stale admin" })).statusCode, 403);
      assert.notEqual(await t.store.getUserById(victim.id), null, "the victim still exists");
    });

    test("raising a user to admin also signs out every one of their devices", async () => {
      const user = await createUser(t, "user");
      const devices = [await signIn(t, user), await signIn(t, user)];
      const raised = await superuser.patch(`/api/users/${user.id}`, { role: "admin" });
      assert.equal(raised.statusCode, 200, raised.body);
      assert.equal(raised.json().sessionsRevoked, 2);
      for (const device of devices) assert.equal((await device.get("/api/account")).statusCode, 401);
      const again = await signIn(t, user);
      assert.equal((await again.get("/api/users")).statusCode, 200);
    });

    test("repeating a user's current role changes nothing and signs nobody out", async () => {
      const user = await createUser(t, "user");
      const device = await signIn(t, user);
      const same = await superuser.patch(`/api/users/${user.id}`, { role: "user" });
      assert.equal(same.statusCode, 200, same.body);
      assert.equal(same.json().sessionsRevoked, 0);
      assert.equal((await device.get("/api/account")).statusCode, 200);
    });

    test("disabling a user ends all three of their devices at once, and their login then fails", async () => {
      const user = await createUser(t, "user");
      const devices = [await signIn(t, user), await signIn(t, user), await signIn(t, user)];
      const admin = await signIn(t, await createUser(t, "admin"));
      const disabled = await admin.patch(`/api/users/${user.id}`, { status: "disabled" });
      assert.equal(disabled.statusCode, 200, disabled.body);
      assert.equal(disabled.json().sessionsRevoked, 3);
      for (const device of devices) assert.equal((await device.get("/api/account")).statusCode, 401);
      assert.deepEqual(await t.store.listUserSessions(user.id), []);
      // Issue 16.4: told after the correct password only; a wrong one answers as for any account.
      const login = await t.client().post("/api/auth/login", { email: user.email, password: goodPassword });
      assert.equal(login.statusCode, 403);
      assert.equal(problemCode(login), "ACCOUNT_DISABLED");
      const guess = await t.client().post("/api/auth/login", { email: user.email, password: `${goodPassword}!` });
      assert.equal(guess.statusCode, 401);
      assert.equal(problemCode(guess), "INVALID_CREDENTIALS");
    });
  });

  describe(`no route lets a user make themselves an admin (WSTG-ATHZ-03) (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("PATCH /api/account refuses role, status and other privilege fields", async () => {
      const user = await createUser(t, "user");
      const device = await signIn(t, user);
      const bodies = [
        { role: "admin" },
        { name: "Mallory", role: "superuser" },
        { name: "Mallory", isAdmin: true },
        { name: "Mallory", status: "active", purgeAfter: null },
        { name: "Mallory", id: "someone-else" },
      ];
      for (const body of bodies) {
        const response = await device.patch("/api/account", body);
        assert.equal(response.statusCode, 400, JSON.stringify(body));
        assert.equal(problemCode(response), "VALIDATION_FAILED");
      }
      assert.equal(await roleInStore(t, user.id), "user");
      assert.equal((await device.get("/api/users")).statusCode, 403);
    });

    test("sign-up with a role is refused and creates no account", async () => {
      const email = uniqueEmail("climber");
      const response = await t.client().post("/api/auth/signup", { email, password: goodPassword, role: "admin" });
      assert.equal(response.statusCode, 400);
      assert.equal(await t.store.getUserByEmail(email), null);
    });

    test("the admin API refuses a user's own promotion and their creating an admin", async () => {
      const user = await createUser(t, "user");
      const device = await signIn(t, user);
      for (const role of ["admin", "superuser"]) {
        const promote = await device.patch(`/api/users/${user.id}`, { role });
        assert.equal(promote.statusCode, 403);
        assert.equal(problemCode(promote), "FORBIDDEN");
        const email = uniqueEmail("sock");
        const create = await device.post("/api/users", { email, password: goodPassword, role });
        assert.equal(create.statusCode, 403);
        assert.equal(await t.store.getUserByEmail(email), null);
      }
      assert.equal(await roleInStore(t, user.id), "user");
    });

    test("an admin cannot make themselves a superuser or create one", async () => {
      const admin = await createUser(t, "admin");
      const device = await signIn(t, admin);
      const promote = await device.patch(`/api/users/${admin.id}`, { role: "superuser" });
      assert.equal(promote.statusCode, 409);
      assert.equal(problemCode(promote), "SELF_ACTION_FORBIDDEN");
      const email = uniqueEmail("sock");
      const create = await device.post("/api/users", { email, password: goodPassword, role: "superuser" });
      assert.equal(create.statusCode, 403);
      assert.equal(await t.store.getUserByEmail(email), null);
      assert.equal(await roleInStore(t, admin.id), "admin");
    });

    test("the HTML forms ignore or refuse a role: profile, sign-up and the admin role form", async () => {
      const user = await createUser(t, "user");
      const device = await signIn(t, user);
      const profile = await device.request("POST", "/account/profile", form({ name: "Mallory", role: "admin" }));
      assert.equal(profile.statusCode, 303, "the name is saved, the role field ignored");
      assert.equal((await t.store.getUserById(user.id))?.name, "Mallory");
      const own = await device.request("POST", `/admin/users/${user.id}/role`, form({ role: "admin" }));
      assert.equal(own.statusCode, 403);
      assert.match(own.body, /\bFORBIDDEN\b/);
      assert.equal(await roleInStore(t, user.id), "user");

      const email = uniqueEmail("form-climber");
      const signup = await t
        .client()
        .request("POST", "/signup", form({ email, password: goodPassword, role: "superuser" }));
      assert.equal(signup.statusCode, 303);
      assert.equal((await t.store.getUserByEmail(email))?.role, "user", "the form's role field is ignored");
    });
  });
}
