import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  createSignedInUser,
  createUser,
  goodPassword,
  leaveReauthWindow,
  reauthenticate,
  uniqueEmail,
} from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { auditOf } from "../support/audit.ts";
import { engines } from "../support/databases.ts";
import { assertProblem } from "../support/http-assertions.ts";
import { form } from "../support/http-client.ts";

/**
 * Issue 9.2: granting a role above `user`, by creation or by change, and disabling a privileged account need
 * the same recent password proof as a role change: a stolen session past the step-up window can neither
 * mint a backdoor superuser nor lock the other administrators out.
 */
for (const engine of engines) {
  describe(`step-up for privileged creations and disables (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    for (const role of ["superuser", "admin"] as const) {
      test(`issue 9.2: a stale session cannot create an account with the role ${role}, and the refusal is audited`, async () => {
        const thief = await createSignedInUser(t, "superuser");
        leaveReauthWindow(t);
        const email = uniqueEmail("backdoor");
        const answer = await thief.device.post("/api/users", { email, password: goodPassword, role });
        assertProblem(answer, 403, "REAUTH_REQUIRED");
        assert.equal(await t.store.getUserByEmail(email), null, "no account was created");
        const [denied] = await auditOf(t, { actorId: thief.user.id, action: "users.create" });
        assert.equal(denied?.outcome, "denied");
        assert.equal(denied?.reason, "REAUTH_REQUIRED");

        await reauthenticate(thief.device);
        const fresh = await thief.device.post("/api/users", { email, password: goodPassword, role });
        assert.equal(fresh.statusCode, 201, fresh.body);
      });
    }

    test("issue 9.2: a stale session may still create an ordinary user", async () => {
      const admin = await createSignedInUser(t, "admin");
      leaveReauthWindow(t);
      const answer = await admin.device.post("/api/users", { email: uniqueEmail(), password: goodPassword });
      assert.equal(answer.statusCode, 201, answer.body);
    });

    test("issue 9.2: a stale session cannot disable another admin or a superuser, but can disable a user", async () => {
      const thief = await createSignedInUser(t, "superuser");
      const admins = [await createUser(t, "admin"), await createUser(t, "superuser")];
      const plain = await createUser(t);
      leaveReauthWindow(t);
      for (const target of admins) {
        const answer = await thief.device.patch(`/api/users/${target.id}`, { status: "disabled" });
        assertProblem(answer, 403, "REAUTH_REQUIRED", target.role);
        assert.equal((await t.store.getUserById(target.id))?.status, "active", `${target.role} is still active`);
        const [denied] = await auditOf(t, { targetId: target.id, action: "users.update" });
        assert.equal(denied?.reason, "REAUTH_REQUIRED");
      }
      const plainAnswer = await thief.device.patch(`/api/users/${plain.id}`, { status: "disabled" });
      assert.equal(plainAnswer.statusCode, 200, plainAnswer.body);

      await reauthenticate(thief.device);
      for (const target of admins) {
        const answer = await thief.device.patch(`/api/users/${target.id}`, { status: "disabled" });
        assert.equal(answer.statusCode, 200, answer.body);
      }
    });

    test("issue 9.2: the admin page's disable form asks for the password for a privileged account, and takes it", async () => {
      const root = await createSignedInUser(t, "superuser");
      const admin = await createUser(t, "admin");
      leaveReauthWindow(t);
      // Issue 16: the user's page links a confirmation page, which holds the disable form.
      const userPage = await root.device.get(`/admin/users/${admin.id}`);
      assert.match(userPage.body, new RegExp(`href="/admin/users/${admin.id}/status\\?to=disabled"`));
      const page = await root.device.get(`/admin/users/${admin.id}/status?to=disabled`);
      assert.equal(page.statusCode, 200);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
      assert.ok(csrf !== undefined);
      const statusForm = page.body.slice(page.body.indexOf(`action="/admin/users/${admin.id}/status"`));
      assert.match(statusForm.slice(0, statusForm.indexOf("</form>")), /type="password"/);

      const stale = await root.device.post(`/admin/users/${admin.id}/status`, undefined, {
        ...form({ _csrf: csrf, status: "disabled" }),
      });
      assert.equal(stale.statusCode, 403, stale.body);
      assert.match(stale.body, /REAUTH_REQUIRED/);
      assert.equal((await t.store.getUserById(admin.id))?.status, "active");

      const proven = await root.device.post(`/admin/users/${admin.id}/status`, undefined, {
        ...form({ _csrf: csrf, status: "disabled", password: goodPassword }),
      });
      assert.equal(proven.statusCode, 303, proven.body);
      assert.equal((await t.store.getUserById(admin.id))?.status, "disabled");
    });
  });
}
