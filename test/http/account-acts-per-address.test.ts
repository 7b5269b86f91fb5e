import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defaultDenialLimits } from "../../src/domain/audit/denial-budget.ts";
import { defaultLimits } from "../../src/http/app-options.ts";
import { goodPassword, uniqueEmail } from "../support/accounts.ts";
import { startTestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import type { HttpClient } from "../support/http-client.ts";

/**
 * Issue 9.5 (unbounded audit writes). Audited acts on one's own account (saving the profile,
 * ending the other sessions, signing out) are limited per account only: 60 a minute each. Accounts are free
 * (sign-up is open and allows 30 a minute per address), so one address holding N accounts writes N × 60
 * durable rows a minute, and N grows by 30 every minute. Refusals are bounded per address (100 a minute);
 * these rows are not.
 */
const accounts = 25;
const requests = 1_000;

for (const engine of engines) {
  describe(`audited own-account acts from one address (${engine})`, () => {
    test(`issue 9.5: 1,000 own-account acts from one address over ${accounts} fresh accounts write at most the per-address budget of audit rows in a minute`, async () => {
      const t = await startTestApp(engine, { limits: defaultLimits, denialLimits: defaultDenialLimits });
      try {
        const address = "192.0.2.77";
        const devices: HttpClient[] = [];
        for (let i = 0; i < accounts; i += 1) {
          const device = t.client(address);
          const signedUp = await device.post("/api/auth/signup", {
            email: uniqueEmail("farm"),
            password: goodPassword,
          });
          assert.equal(signedUp.statusCode, 201, signedUp.body);
          devices.push(device);
        }
        const acts = ["user.update_profile", "session.revoke_others"];
        const countActs = async () =>
          (await Promise.all(acts.map((action) => t.store.listAudit({ action, limit: 100_000 })))).flat().length;
        const before = await countActs();
        const statuses = new Map<number, number>();
        for (let batch = 0; batch < requests / 50; batch += 1) {
          const answers = await Promise.all(
            Array.from({ length: 50 }, (_, j) => {
              const i = batch * 50 + j;
              const device = devices[i % devices.length] as HttpClient;
              return i % 2 === 0
                ? device.patch("/api/account", { name: `n${i}` })
                : device.post("/api/account/sessions/revoke-others");
            }),
          );
          for (const answer of answers) statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
        }
        const written = (await countActs()) - before;
        assert.ok(
          written <= defaultDenialLimits.perAddress,
          `${requests} requests from one address wrote ${written} audit rows in one minute (answers: ${JSON.stringify(Object.fromEntries(statuses))})`,
        );
      } finally {
        await t.close();
      }
    });
  });
}
