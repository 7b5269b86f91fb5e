import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createSignedInUser, createUser, type SignedInUser } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";

/**
 * Issue 10.7: the deletion plan evaluates the same rules as the deletion, on a plain read. It takes no row
 * lock and no write transaction, so an act that holds the active superusers' locks (or, on SQLite, the one
 * writer) does not hold the plan up.
 */
for (const engine of engines) {
  describe(`the deletion plan is a read (${engine})`, () => {
    let t: TestApp;
    let root: SignedInUser;
    before(async () => {
      t = await startTestApp(engine);
      root = await createSignedInUser(t, "superuser");
    });
    after(() => t.close());

    test("issue 10.7: a deletion plan answers while another act holds the active superusers' locks", async () => {
      const target = await createUser(t, "superuser");
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let lockTaken = () => {};
      const locked = new Promise<void>((resolve) => {
        lockTaken = resolve;
      });
      const holder = t.store.transaction(async (tx) => {
        await tx.lockActiveSuperusers();
        lockTaken();
        await released;
      });
      try {
        await locked;
        const plan = await Promise.race([
          root.device.get(`/api/users/${target.id}/deletion-plan`),
          sleep(5_000).then(() => null),
        ]);
        assert.ok(plan !== null, "the plan waited for the other act's locks");
        assert.equal(plan.statusCode, 200, plan.body);
        assert.equal((plan.json() as { allowed: boolean }).allowed, true);
      } finally {
        release();
        await holder;
      }
    });
  });
}
