import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createSignedInUser, createUser, goodPassword, leaveReauthWindow, signInMany } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { auditOf } from "../support/audit.ts";
import { sessionSetCookie } from "../support/cookies.ts";
import { engines } from "../support/databases.ts";
import { statusOf } from "../support/devices.ts";
import { assertProblem } from "../support/http-assertions.ts";
import { snapshotStore } from "../support/store-snapshot.ts";

/** Self-deletion (SECURITY.md 1.3, ASVS 7.5.1/7.5.3, 7.4.2, 14.3.1): proof of the password, then gone everywhere. */
for (const engine of engines) {
  describe(`deleting one's own account (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("without a password and outside the step-up window it is refused and nothing changes", async () => {
      const alice = await createUser(t);
      const [device, other] = await signInMany(t, alice, 2);
      assert.ok(device !== undefined && other !== undefined);
      leaveReauthWindow(t);
      const before = await snapshotStore(t);
      assertProblem(await device.delete("/api/account"), 403, "REAUTH_REQUIRED");
      assertProblem(await device.delete("/api/account", {}), 403, "REAUTH_REQUIRED");
      assert.deepEqual(await snapshotStore(t), before);
      assert.equal(await statusOf(device), 200);
      assert.equal(await statusOf(other), 200);
    });

    test("with a wrong password it is refused, audited, and nothing changes", async () => {
      const alice = await createUser(t);
      const [device] = await signInMany(t, alice, 1);
      assert.ok(device !== undefined);
      const before = await snapshotStore(t);
      for (const password of ["not the password", `${goodPassword} `, goodPassword.toUpperCase(), ""]) {
        const response = await device.delete("/api/account", { password });
        assertProblem(response, 403, "WRONG_PASSWORD", JSON.stringify(password));
        assert.equal(response.headers["clear-site-data"], undefined);
      }
      assert.deepEqual(await snapshotStore(t), before);
      assert.equal(await statusOf(device), 200);
      const denied = await auditOf(t, { targetId: alice.id, action: "users.delete", outcome: "denied" });
      assert.equal(denied.length, 4);
      assert.ok(denied.every((entry) => entry.actorId === alice.id && entry.reason === "WRONG_PASSWORD"));
    });

    test("with the right password: a receipt, the cookie cleared, Clear-Site-Data, and every other device 401", {}, async () => {
      const alice = await createUser(t);
      const [device, laptop, phone] = await signInMany(t, alice, 3);
      assert.ok(device !== undefined && laptop !== undefined && phone !== undefined);
      leaveReauthWindow(t);
      const stolen = device.clone();

      const response = await device.delete("/api/account", { password: goodPassword });
      assert.equal(response.statusCode, 200, response.body);
      const receipt = response.json();
      assert.equal(receipt.id, alice.id);
      assert.equal(receipt.status, "deleted");
      assert.equal(receipt.sessionsRevoked, 3);
      assert.equal(response.headers["clear-site-data"], '"cache", "cookies", "storage"');
      const cleared = sessionSetCookie(response);
      assert.equal(cleared.value, "");
      assert.ok(
        cleared.attributes.get("max-age") === "0" || new Date(cleared.attributes.get("expires") ?? "").getTime() <= 0,
        cleared.raw,
      );
      assert.equal(device.cookies.size, 0);

      const statuses = await Promise.all([laptop, phone, stolen].map(statusOf));
      assert.deepEqual(statuses, [401, 401, 401]);
      assert.equal(await t.store.getUserById(alice.id), null);
      assertProblem(await t.client().post("/api/auth/login", { email: alice.email, password: goodPassword }), 401);
      const success = await auditOf(t, { targetId: alice.id, action: "users.delete", outcome: "success" });
      assert.equal(success.length, 1);
      assert.equal(success[0]?.actorId, alice.id);
      assert.equal(success[0]?.details.selfService, true);
    });

    test("within the step-up window a fresh sign-in is proof enough", async () => {
      const alice = await createSignedInUser(t);
      const response = await alice.device.delete("/api/account");
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().status, "deleted");
      assert.equal(await t.store.getUserById(alice.user.id), null);
    });

    test("a deleted account's cookie cannot delete anything again", async () => {
      const alice = await createSignedInUser(t);
      const stolen = alice.device.clone();
      assert.equal((await alice.device.delete("/api/account", { password: goodPassword })).statusCode, 200);
      assertProblem(await stolen.delete("/api/account", { password: goodPassword }), 401, "UNAUTHENTICATED");
    });

    test("password guesses through self-deletion are rate limited like every other password check", async () => {
      const limited = await startTestApp(engine, { limits: { passwordAttemptsPerIpPerMinute: 3 } });
      try {
        const alice = await createSignedInUser(limited);
        const statuses: number[] = [];
        for (let guess = 0; guess < 6; guess += 1) {
          statuses.push((await alice.device.delete("/api/account", { password: `guess number ${guess}` })).statusCode);
        }
        assert.ok(statuses.includes(429), `statuses: ${statuses.join(", ")}`);
      } finally {
        await limited.close();
      }
    });
  });

  describe(`the last superuser deleting themselves (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("the last active superuser cannot delete their own account, and nothing changes", async () => {
      const root = await createSignedInUser(t, "superuser");
      await createUser(t, "admin");
      const before = await snapshotStore(t);
      assertProblem(await root.device.delete("/api/account", { password: goodPassword }), 409, "LAST_SUPERUSER");
      assert.deepEqual(await snapshotStore(t), before);
      assert.equal(await statusOf(root.device), 200);
    });

    test("once a second superuser exists, a superuser may delete their own account", async () => {
      const [root] = await t.store.listUsers({ role: "superuser", limit: 10 });
      assert.ok(root !== undefined);
      const second = await createSignedInUser(t, "superuser");
      const response = await second.device.delete("/api/account", { password: goodPassword });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(
        (await t.store.listUsers({ role: "superuser", limit: 10 })).map((user) => user.id),
        [root.id],
      );
    });
  });
}
