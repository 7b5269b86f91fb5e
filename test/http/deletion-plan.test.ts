import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createSignedInUser, createUser, signIn } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";

/**
 * What a deletion would remove, before it is done: the API's plan and the confirmation page word the same
 * list (issue 10.8: the plan carries codes, the edges word them; the API's wording is part of the API).
 */
const plans = [
  {
    graceMs: 0,
    mode: "erase",
    removes: ["every session", "every API token", "the account and its personal data (e-mail, name, password hash)"],
    listed: [/^the account and its personal data \(e-mail, name, password hash\), at once$/],
  },
  {
    graceMs: 7 * 86_400_000,
    mode: "schedule",
    removes: [
      "every session (now)",
      "every API token (now)",
      "sign-in (now)",
      "the account and its personal data (at purgeAfter)",
    ],
    // The pages' words (web/deletion-words.ts): when, in the one date format; never the field name purgeAfter.
    listed: [
      /^sign-in, at once$/,
      /^the account and its personal data \(e-mail, name, password hash\), on \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC$/,
    ],
  },
] as const;

for (const engine of engines) {
  for (const expected of plans) {
    describe(`the deletion plan, ${expected.mode} (${engine})`, () => {
      let t: TestApp;
      before(async () => {
        t = await startTestApp(engine, { deletionGraceMs: expected.graceMs });
      });
      after(() => t.close());

      test("the API's plan lists what the deletion removes, worded as it always was", async () => {
        const admin = await createSignedInUser(t, "admin");
        const bob = await createUser(t);
        await signIn(t, bob);
        const response = await admin.device.get(`/api/users/${bob.id}/deletion-plan`);
        assert.equal(response.statusCode, 200, response.body);
        const plan = response.json() as { mode: string; sessionsToRevoke: number | null; removes: unknown };
        assert.equal(plan.mode, expected.mode);
        assert.equal(plan.sessionsToRevoke, 1);
        assert.deepEqual(plan.removes, expected.removes);
      });

      test("the delete page counts the sessions once and lists the rest of what goes", async () => {
        const admin = await createSignedInUser(t, "admin");
        const bob = await createUser(t);
        await signIn(t, bob);
        const page = await admin.device.get(`/admin/users/${bob.id}/delete`);
        assert.equal(page.statusCode, 200, page.body);
        assert.match(page.body, /<li>1 session\(s\) end at once\.<\/li>/);
        assert.match(page.body, /<li>0 API token\(s\) revoked at once\.<\/li>/);
        const listed = [...page.body.matchAll(/<li>Removes ([^<]*)\.<\/li>/g)].map((match) => match[1]);
        assert.equal(listed.length, expected.listed.length, listed.join(" | "));
        for (const [index, pattern] of expected.listed.entries()) assert.match(listed[index] ?? "", pattern);
      });
    });
  }
}
