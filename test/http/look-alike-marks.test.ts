import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createUser, goodPassword } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";

/**
 * Issue 9.9, found by the attack review: look-alikes the confusables data misses.
 *
 * 1. A combining dot above (U+0307) on a letter that already shows a dot, or on a dotless i/j, draws as the
 *    plain letter: `ı̇nfo@…` (dotless i + dot) and `i̇nfo@…` (what `İnfo@…`, the Turkish capital İ, folds to)
 *    display as `info@…`. NFKC keeps both, and confusables.txt maps ı to i but leaves U+0307 alone, so the
 *    skeleton differs from `info@…`'s and a second account is created. Chromium's IDN spoof checker refuses
 *    exactly these sequences ([ijl] or dotless i/j followed by U+0307).
 */
for (const engine of engines) {
  describe(`look-alike accounts built from combining marks (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    let n = 0;
    const fresh = (local: string) => {
      n += 1;
      return `${local}@lookalike-${n}-${process.pid}.example`;
    };

    for (const [label, variant] of [
      ["a dotless i with a combining dot above", (email: string) => `\u0131\u0307${email.slice(1)}`],
      ["an i with a combining dot above", (email: string) => `i\u0307${email.slice(1)}`],
      ["the Turkish capital dotted I", (email: string) => `\u0130${email.slice(1)}`],
    ] as const) {
      test(`issue 9.9: ${label} in place of the i of an existing address does not create a second account`, async () => {
        const existing = fresh("info");
        await createUser(t, "user", existing);
        const users = await t.store.countUsers();
        const lookAlike = variant(existing);
        const answer = await t.client().post("/api/auth/signup", { email: lookAlike, password: goodPassword });
        assert.ok(
          answer.statusCode === 400 || answer.statusCode === 409,
          `${JSON.stringify(lookAlike)} beside ${existing}: ${answer.statusCode} ${answer.body.slice(0, 160)}`,
        );
        assert.equal(await t.store.countUsers(), users, "no second account");
      });
    }
  });
}
