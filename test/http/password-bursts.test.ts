import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defaultDenialLimits } from "../../src/domain/audit/denial-budget.ts";
import { defaultLimits } from "../../src/http/app-options.ts";
import { createUser, goodPassword, loginFrom, signIn } from "../support/accounts.ts";
import { fastHasher, startTestApp, type TestApp } from "../support/app.ts";
import { type EngineName, engines } from "../support/databases.ts";
import { burstAtGate, GatedHasher } from "../support/gated-hasher.ts";

/**
 * Issue 9.4: the password limits must hold however the attempts are timed. Each burst below is sent with
 * every password verification held at a gate, so all of it is in flight at once: without a reservation
 * taken before the hash, every attempt passes the "too many failures?" check before any failure is known.
 */
const wrongPassword = "definitely not the password";

async function withApp(engine: EngineName, run: (t: TestApp, hasher: GatedHasher) => Promise<void>) {
  const hasher = new GatedHasher(fastHasher);
  // The limits a deployment runs with, not the generous ones other suites use.
  const t = await startTestApp(engine, { limits: defaultLimits, hasher });
  try {
    await run(t, hasher);
  } finally {
    hasher.open();
    await t.close();
  }
}

async function loginFailureRows(t: TestApp): Promise<number> {
  return (await t.store.listAudit({ action: "session.login", outcome: "failure", limit: 10_000 })).length;
}

for (const engine of engines) {
  describe(`password limits under concurrent bursts (${engine})`, () => {
    test("issue 9.4: 30 concurrent wrong passwords from one address get at most 10 verdicts, the rest 429", async () => {
      await withApp(engine, async (t, hasher) => {
        const victim = await createUser(t);
        const before = hasher.verifications;
        const burst = Array.from({ length: 30 }, () => () => loginFrom(t, "192.0.2.66", victim.email, wrongPassword));
        const pending = await burstAtGate(hasher, burst);
        hasher.open();
        const statuses = (await Promise.all(pending)).map((response) => response.statusCode);
        const checked = hasher.verifications - before;
        assert.ok(checked <= defaultLimits.failuresPerAccount, `${checked} of 30 passwords were checked`);
        assert.equal(await loginFailureRows(t), checked, "one failure row per verdict");
        assert.equal(statuses.filter((status) => status === 401).length, checked);
        assert.equal(statuses.filter((status) => status === 429).length, 30 - checked);
      });
    });

    test("issue 9.4: 160 concurrent wrong passwords from 160 addresses get at most 100 verdicts on the account", async () => {
      await withApp(engine, async (t, hasher) => {
        const victim = await createUser(t);
        const before = hasher.verifications;
        const burst = Array.from(
          { length: 160 },
          (_, i) => () => loginFrom(t, `198.18.${Math.floor(i / 200)}.${(i % 200) + 1}`, victim.email, wrongPassword),
        );
        const pending = await burstAtGate(hasher, burst);
        hasher.open();
        const statuses = (await Promise.all(pending)).map((response) => response.statusCode);
        const checked = hasher.verifications - before;
        assert.ok(checked <= defaultLimits.failuresPerAccountAllAddresses, `${checked} of 160 passwords were checked`);
        assert.equal(await loginFailureRows(t), checked);
        assert.equal(statuses.filter((status) => status === 429).length, 160 - checked);
        // The owner, from an address of their own, still signs in once the window has passed.
        t.clock.advance(defaultLimits.failureWindowMs + 1);
        assert.equal((await loginFrom(t, "203.0.113.5", victim.email, goodPassword)).statusCode, 200);
      });
    });

    test("issue 9.4: a burst of 200 step-up guesses on the admin role page from one address stops at the limit, and the right password sent after it is not accepted", async () => {
      await withApp(engine, async (t, hasher) => {
        const owner = await createUser(t, "superuser");
        const target = await createUser(t, "user");
        // A thief holding the superuser's cookie, after the last password proof has gone stale.
        const stolen = await signIn(t, owner);
        t.clock.advance(t.deps.lifetimes.reauthWindowMs + 60_000);
        const promote = (password: string) => () =>
          stolen.request("POST", `/admin/users/${target.id}/role`, {
            payload: new URLSearchParams({ role: "superuser", password }).toString(),
            headers: { "content-type": "application/x-www-form-urlencoded" },
          });
        const before = hasher.verifications;
        const guesses = await burstAtGate(
          hasher,
          Array.from({ length: 199 }, (_, i) => promote(`guess ${i}`)),
        );
        const right = await burstAtGate(hasher, [promote(goodPassword)]);
        hasher.open();
        const answers = await Promise.all([...guesses, ...right]);
        const checked = hasher.verifications - before;
        const limit = Math.min(defaultLimits.failuresPerAccount, defaultLimits.passwordAttemptsPerIpPerMinute);
        assert.ok(checked <= limit, `${checked} of 200 passwords were checked`);
        const verdictRows = await t.store.listAudit({ action: "session.reauthenticate", limit: 10_000 });
        assert.equal(verdictRows.length, checked);
        assert.equal(answers.at(-1)?.statusCode, 429, "the right password, past the limit, is refused unchecked");
        assert.equal((await t.store.getUserById(target.id))?.role, "user", "the role was not changed");
        assert.equal(answers.filter((answer) => answer.statusCode === 429).length, 200 - checked);
      });
    });

    test("wrong passwords answered 429 by the denial budget instead of 403 still count against the password limit", async () => {
      const hasher = new GatedHasher(fastHasher);
      const t = await startTestApp(engine, { limits: defaultLimits, denialLimits: defaultDenialLimits, hasher });
      try {
        const user = await createUser(t);
        const device = await signIn(t, user);
        // The user spends their denial budget on refused admin requests first.
        for (let i = 0; i <= defaultDenialLimits.perAccount; i += 1) await device.get("/api/users");
        const before = hasher.verifications;
        for (let i = 0; i < 3 * defaultLimits.failuresPerAccount; i += 1) {
          assert.equal((await device.post("/api/auth/reauthenticate", { password: `guess ${i}` })).statusCode, 429);
        }
        // 204 or 429 still tells a guess right from wrong: those answers are verdicts, and limited as such.
        assert.equal(hasher.verifications - before, defaultLimits.failuresPerAccount);
      } finally {
        await t.close();
      }
    });
  });
}
