import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createSignedInUser, goodPassword } from "../support/accounts.ts";
import { startTestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { assertProblem } from "../support/http-assertions.ts";
import { failEveryTransactionAt } from "../support/store-faults.ts";

/**
 * Issue 9.8, found by the attack review: "a failed act is still audited". Only the administrative use cases are wrapped in
 * auditFailures; the security acts on one's own account are not. A password change whose transaction
 * faults (a deadlock past its retries, a lost connection) answers 500 and leaves no row at all, so the log
 * cannot show that someone tried to take the account over and failed; the same for a sign-in whose session
 * could not be written. Faults are injected with test/support/store-faults.ts.
 */
for (const engine of engines) {
  describe(`own-account acts that fault are audited as failures (${engine})`, () => {
    test("issue 9.8: a password change whose transaction keeps failing answers 500 and is audited as a failure", async () => {
      const t = await startTestApp(engine);
      try {
        const user = await createSignedInUser(t);
        const restore = failEveryTransactionAt(t, "deleteUserSessions");
        let answer: Awaited<ReturnType<typeof user.device.post>>;
        try {
          answer = await user.device.post("/api/account/password", {
            currentPassword: goodPassword,
            newPassword: "another long passphrase",
          });
        } finally {
          restore();
        }
        assertProblem(answer, 500, "INTERNAL");
        const rows = await t.store.listAudit({ action: "user.password_change", limit: 10 });
        assert.equal(rows[0]?.outcome, "failure", `rows: ${JSON.stringify(rows.map((row) => row.outcome))}`);
      } finally {
        await t.close();
      }
    });

    test("issue 9.8: a sign-in whose session cannot be written answers 500 and is audited as a failure", async () => {
      const t = await startTestApp(engine);
      try {
        const user = await createSignedInUser(t);
        const before = (await t.store.listAudit({ action: "session.login", limit: 100 })).length;
        const restore = failEveryTransactionAt(t, "insertSession");
        let answer: Awaited<ReturnType<typeof user.device.post>>;
        try {
          answer = await t.client().post("/api/auth/login", { email: user.user.email, password: goodPassword });
        } finally {
          restore();
        }
        assertProblem(answer, 500, "INTERNAL");
        const rows = await t.store.listAudit({ action: "session.login", limit: 100 });
        assert.equal(rows.length, before + 1, "the failed sign-in left a row");
        assert.equal(rows[0]?.outcome, "failure");
      } finally {
        await t.close();
      }
    });
  });
}
