import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createSignedInUser, createUser, leaveReauthWindow } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { assertProblem } from "../support/http-assertions.ts";

/**
 * Issue 9.2, found by the attack review (step-up). The fix requires a fresh password proof to grant a role above `user` and to
 * disable a privileged account, but the reverse acts change who may administer just as much: re-enabling a
 * disabled administrator, and restoring one whose deletion is pending, hand administrative power back to an
 * account the other administrators had taken it from. A stolen session past REAUTH_WINDOW_MINUTES still
 * does both, on the API and on the pages.
 */
const graceMs = 7 * 24 * 3_600_000;

function form(fields: Record<string, string>) {
  return {
    payload: new URLSearchParams(fields).toString(),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  };
}

for (const engine of engines) {
  describe(` step-up for acts that give administrative power back (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { deletionGraceMs: graceMs });
    });
    after(() => t.close());

    for (const role of ["admin", "superuser"] as const) {
      test(`issue 9.2: a stale session cannot re-enable a disabled ${role} (PATCH status active needs REAUTH_REQUIRED)`, async () => {
        const thief = await createSignedInUser(t, "superuser");
        const target = await createUser(t, role);
        const disabled = await thief.device.patch(`/api/users/${target.id}`, { status: "disabled" });
        assert.equal(disabled.statusCode, 200, disabled.body);
        leaveReauthWindow(t);
        const answer = await thief.device.patch(`/api/users/${target.id}`, { status: "active" });
        assertProblem(answer, 403, "REAUTH_REQUIRED");
        assert.equal((await t.store.getUserById(target.id))?.status, "disabled", "the account stays disabled");
      });

      test(`issue 9.2: a stale session cannot restore the ${role} whose deletion is pending (restore needs REAUTH_REQUIRED)`, async () => {
        const thief = await createSignedInUser(t, "superuser");
        const target = await createUser(t, role);
        const scheduled = await thief.device.delete(`/api/users/${target.id}`, {});
        assert.equal(scheduled.statusCode, 200, scheduled.body);
        leaveReauthWindow(t);
        const answer = await thief.device.post(`/api/users/${target.id}/restore`);
        assertProblem(answer, 403, "REAUTH_REQUIRED");
        const after = await t.store.getUserById(target.id);
        assert.equal(after?.status, "disabled", "the account stays disabled");
        assert.notEqual(after?.purgeAfter, null, "its erasure stays scheduled");
      });
    }

    test("issue 9.2: the admin pages' status and restore forms, from a stale session, do not give a disabled admin its access back", async () => {
      const thief = await createSignedInUser(t, "superuser");
      const disabledAdmin = await createUser(t, "admin");
      const pendingAdmin = await createUser(t, "admin");
      assert.equal(
        (await thief.device.patch(`/api/users/${disabledAdmin.id}`, { status: "disabled" })).statusCode,
        200,
      );
      assert.equal((await thief.device.delete(`/api/users/${pendingAdmin.id}`, {})).statusCode, 200);
      leaveReauthWindow(t);
      const enable = await thief.device.request(
        "POST",
        `/admin/users/${disabledAdmin.id}/status`,
        form({ status: "active" }),
      );
      const restore = await thief.device.request("POST", `/admin/users/${pendingAdmin.id}/restore`, form({}));
      assert.equal(enable.statusCode, 403, "status form answers REAUTH_REQUIRED");
      assert.equal(restore.statusCode, 403, "restore form answers REAUTH_REQUIRED");
      assert.equal((await t.store.getUserById(disabledAdmin.id))?.status, "disabled");
      assert.equal((await t.store.getUserById(pendingAdmin.id))?.status, "disabled");
    });
  });
}
