import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createUser, goodPassword, loginFrom } from "../support/accounts.ts";
import { startTestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";

/** A login from a given client address, as a same-origin browser would send it. */
for (const engine of engines) {
  describe(`the failed-login limit cannot lock an owner out (${engine})`, () => {
    test("a guesser on one address is blocked there while the owner still signs in from another address", async () => {
      const t = await startTestApp(engine, {
        limits: { failuresPerAccount: 10, failuresPerAccountAllAddresses: 100, passwordAttemptsPerIpPerMinute: 1000 },
      });
      try {
        const victim = await createUser(t);
        const statuses: number[] = [];
        for (let i = 0; i < 15; i++)
          statuses.push((await loginFrom(t, "192.0.2.66", victim.email, "guess")).statusCode);
        assert.equal(statuses.at(-1), 429, "the guessing address is throttled");
        const fromHome = await loginFrom(t, "198.51.100.7", victim.email, goodPassword);
        assert.equal(fromHome.statusCode, 200, "the owner is not locked out from elsewhere");
      } finally {
        await t.close();
      }
    });

    test("a guessing attack spread over many addresses still meets the per-account limit", async () => {
      const t = await startTestApp(engine, {
        limits: { failuresPerAccount: 10, failuresPerAccountAllAddresses: 30, passwordAttemptsPerIpPerMinute: 1000 },
      });
      try {
        const victim = await createUser(t);
        let limitedAt: number | null = null;
        for (let i = 0; i < 40 && limitedAt === null; i++) {
          const response = await loginFrom(t, `203.0.113.${i + 1}`, victim.email, "guess");
          if (response.statusCode === 429) limitedAt = i + 1;
        }
        assert.equal(limitedAt, 31, "the 31st distributed guess is refused");
        t.clock.advance(15 * 60_000 + 1);
        assert.equal((await loginFrom(t, "198.51.100.7", victim.email, goodPassword)).statusCode, 200);
      } finally {
        await t.close();
      }
    });
  });
}
