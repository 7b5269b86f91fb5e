import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { defaultDenialLimits } from "../../src/domain/audit/denial-budget.ts";
import { defaultLimits } from "../../src/http/app-options.ts";
import { createUser, signIn } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { type EngineName, engines } from "../support/databases.ts";
import { type Answer, assertProblem } from "../support/http-assertions.ts";
import type { HttpClient } from "../support/http-client.ts";

/**
 * Issue 9.5: every refused request is an audited row, so refusals open to any signed-in user must be
 * bounded, or one plain user fills the disk and buries the log. Within the budget each refusal is audited
 * as before; past it the answer is 429 and nothing is written but one row per burst saying so.
 */
async function withApp(engine: EngineName, run: (t: TestApp) => Promise<void>) {
  // The budgets a deployment runs with, not the generous ones other suites use.
  const t = await startTestApp(engine, { denialLimits: defaultDenialLimits, limits: defaultLimits });
  try {
    await run(t);
  } finally {
    await t.close();
  }
}

/** Sends `total` requests made by `make(i)` in batches of mixed sizes: one at a time up to 200 at once. */
async function inMixedBatches(total: number, make: (i: number) => Promise<Answer>): Promise<Answer[]> {
  const sizes = [1, 7, 50, 200, 3, 120];
  const answers: Answer[] = [];
  for (let batch = 0; answers.length < total; batch += 1) {
    const size = Math.min(sizes[batch % sizes.length] ?? 1, total - answers.length);
    const start = answers.length;
    answers.push(...(await Promise.all(Array.from({ length: size }, (_, i) => make(start + i)))));
  }
  return answers;
}

function assertThrottledAnswers(answers: readonly Answer[], refusedStatus: number, budget: number): void {
  const refused = answers.filter((answer) => answer.statusCode === refusedStatus).length;
  const limited = answers.filter((answer) => answer.statusCode === 429);
  assert.equal(refused + limited.length, answers.length, "every answer is the refusal or 429");
  assert.ok(refused <= budget, `${refused} refusals answered (and audited) past a budget of ${budget}`);
  for (const answer of limited) {
    assertProblem(answer, 429, "RATE_LIMITED");
    assert.ok(Number(answer.headers["retry-after"]) > 0, "429 says when to retry");
  }
}

const refusedAdminRequest = (device: HttpClient) => (i: number) =>
  i % 2 === 0 ? device.get(`/api/users/${randomUUID()}`) : device.delete(`/api/users/${randomUUID()}`);

for (const engine of engines) {
  describe(`audited refusals are rate-limited (${engine})`, () => {
    test("issue 9.5: a plain user firing 2,000 refused admin requests writes at most the budget and one throttle row, and an admin elsewhere is unaffected", async () => {
      await withApp(engine, async (t) => {
        const plain = await createUser(t, "user");
        const device = await signIn(t, plain);
        const answers = await inMixedBatches(2_000, refusedAdminRequest(device));
        const rows = await t.store.listAudit({ actorId: plain.id, limit: 10_000 });
        const written = rows.filter((entry) => entry.action !== "session.login");
        assert.ok(
          written.length <= defaultDenialLimits.perAccount + 1,
          `2,000 refused requests wrote ${written.length} audit rows`,
        );
        assertThrottledAnswers(answers, 403, defaultDenialLimits.perAccount);
        const notices = written.filter((entry) => entry.action === "audit.denials_throttled");
        assert.equal(notices.length, 1, "one row says the burst is being throttled");
        assert.equal(notices[0]?.reason, "RATE_LIMITED");

        // Another admin, from another address, still has every refusal answered and audited.
        const admin = await createUser(t, "admin");
        const adminDevice = await signIn(t, admin, undefined, "198.51.100.20");
        assertProblem(await adminDevice.get(`/api/users/${randomUUID()}`), 404, "USER_NOT_FOUND");
        const adminRows = await t.store.listAudit({ actorId: admin.id, outcome: "denied", limit: 10 });
        assert.equal(adminRows.length, 1);

        // A rate, not a ban: once the window has passed, refusals are answered and audited again.
        t.clock.advance(defaultDenialLimits.windowMs);
        assertProblem(await device.get(`/api/users/${randomUUID()}`), 403, "FORBIDDEN");
        const after = await t.store.listAudit({ actorId: plain.id, outcome: "denied", limit: 10_000 });
        assert.equal(after.length, written.length + 1);
      });
    });

    test("issue 9.5: refused session revocations, open to every user, are held to the same budget", async () => {
      await withApp(engine, async (t) => {
        const plain = await createUser(t, "user");
        const device = await signIn(t, plain);
        const answers = await inMixedBatches(300, () => device.delete(`/api/account/sessions/${randomUUID()}`));
        const rows = await t.store.listAudit({ actorId: plain.id, outcome: "denied", limit: 10_000 });
        assert.ok(
          rows.length <= defaultDenialLimits.perAccount + 1,
          `300 refused revocations wrote ${rows.length} rows`,
        );
        assertThrottledAnswers(answers, 404, defaultDenialLimits.perAccount);
      });
    });

    test("issue 9.5: audited account acts open to every user are limited per account: past 60 a minute they get 429 and write nothing", async () => {
      await withApp(engine, async (t) => {
        const plain = await createUser(t, "user");
        const device = await signIn(t, plain);
        const answers = await inMixedBatches(300, (i) =>
          i % 2 === 0
            ? device.post("/api/account/sessions/revoke-others")
            : device.patch("/api/account", { name: `name ${i}` }),
        );
        const rows = await t.store.listAudit({ actorId: plain.id, outcome: "success", limit: 10_000 });
        const acts = rows.filter((entry) => entry.action !== "session.login");
        assert.ok(acts.length <= 60, `300 account acts wrote ${acts.length} rows`);
        assertThrottledAnswers(answers, 200, 60);
        // Another user of the same address is not held back by this one.
        const other = await signIn(t, await createUser(t, "user"));
        assert.equal((await other.patch("/api/account", { name: "me" })).statusCode, 200);
      });
    });
  });
}
