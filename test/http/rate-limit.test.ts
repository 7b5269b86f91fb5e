import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Limits } from "../../src/http/app-options.ts";
import { createUser, goodPassword, signIn, uniqueEmail } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { type EngineName, engines } from "../support/databases.ts";
import { statusOf } from "../support/devices.ts";
import { type Answer, assertProblem } from "../support/http-assertions.ts";

const failureWindowMs = 15 * 60_000;
const wrongPassword = "definitely not the password";

function retryAfterSeconds(response: Answer, label = ""): number {
  const seconds = Number(response.headers["retry-after"]);
  assert.ok(Number.isInteger(seconds) && seconds > 0, `${label}: Retry-After is a positive number of seconds`);
  return seconds;
}

/** Sends bad logins for an address and returns the 1-based attempt that first got 429, or null. */
async function firstLimitedAttempt(t: TestApp, email: string, attempts: number): Promise<number | null> {
  let first: number | null = null;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const response = await t.client().post("/api/auth/login", { email, password: wrongPassword });
    if (response.statusCode === 429) {
      assertProblem(response, 429, "RATE_LIMITED", `attempt ${attempt}`);
      assert.ok(retryAfterSeconds(response, `attempt ${attempt}`) <= failureWindowMs / 1000);
      first ??= attempt;
    } else {
      assert.equal(first, null, `attempt ${attempt} was let through after a 429`);
      assertProblem(response, 401, "INVALID_CREDENTIALS", `attempt ${attempt}`);
    }
  }
  return first;
}

async function withApp(engine: EngineName, limits: Partial<Limits>, run: (t: TestApp) => Promise<void>) {
  const t = await startTestApp(engine, { limits });
  try {
    await run(t);
  } finally {
    await t.close();
  }
}

for (const engine of engines) {
  describe(`brute-force limits (${engine})`, () => {
    const perAccount = { failuresPerAccount: 10, passwordAttemptsPerIpPerMinute: 1000 };

    test("20 bad logins on one account get 429 with Retry-After, even for the right password, until the window passes", async () => {
      await withApp(engine, perAccount, async (t) => {
        const victim = await createUser(t);
        const bystander = await createUser(t);
        const victimDevice = await signIn(t, victim);
        const first = await firstLimitedAttempt(t, victim.email, 20);
        assert.ok(first !== null && first < 12, `limited from attempt ${first}`);

        const right = await t.client().post("/api/auth/login", { email: victim.email, password: goodPassword });
        assertProblem(right, 429, "RATE_LIMITED");
        assert.equal(right.headers["set-cookie"], undefined);
        assert.ok(retryAfterSeconds(right) <= failureWindowMs / 1000);
        const shouted = await t
          .client()
          .post("/api/auth/login", { email: ` ${victim.email.toUpperCase()}`, password: goodPassword });
        assertProblem(shouted, 429, "RATE_LIMITED");

        assert.equal(await statusOf(victimDevice), 200, "sessions already open are untouched");
        await signIn(t, bystander);
        assertProblem(
          await t.client().post("/api/auth/login", { email: bystander.email, password: wrongPassword }),
          401,
        );

        t.clock.advance(failureWindowMs - 60_000);
        assertProblem(await t.client().post("/api/auth/login", { email: victim.email, password: goodPassword }), 429);
        t.clock.advance(60_000 + 1);
        await signIn(t, victim);
      });
    });

    test("an unknown address is limited exactly like a real one, so the limit reveals no account", async () => {
      await withApp(engine, perAccount, async (t) => {
        const real = await createUser(t);
        const forReal = await firstLimitedAttempt(t, real.email, 14);
        const forUnknown = await firstLimitedAttempt(t, uniqueEmail("nobody"), 14);
        assert.equal(forUnknown, forReal);
      });
    });

    test("the sixth password attempt from one IP within a minute gets 429 with Retry-After", async () => {
      await withApp(engine, { passwordAttemptsPerIpPerMinute: 5 }, async (t) => {
        const [first, second, third] = [await createUser(t), await createUser(t), await createUser(t)];
        for (const [index, user] of [first, second, third, first, second].entries()) {
          const response = await t.client().post("/api/auth/login", { email: user.email, password: goodPassword });
          assert.equal(response.statusCode, 200, `attempt ${index + 1}`);
        }
        const sixth = await t.client().post("/api/auth/login", { email: third.email, password: goodPassword });
        assertProblem(sixth, 429, "RATE_LIMITED");
        retryAfterSeconds(sixth);
        assert.equal(sixth.headers["set-cookie"], undefined);

        const spoofed = await t
          .client()
          .post(
            "/api/auth/login",
            { email: second.email, password: goodPassword },
            { headers: { "x-forwarded-for": "203.0.113.9" } },
          );
        assertProblem(spoofed, 429, "RATE_LIMITED", "X-Forwarded-For buys no fresh budget");
        const signup = await t.client().post("/api/auth/signup", { email: uniqueEmail(), password: goodPassword });
        assertProblem(signup, 429, "RATE_LIMITED", "sign-up shares the password budget");

        const elsewhere = await t.app.inject({
          method: "POST",
          url: "/api/auth/login",
          remoteAddress: "198.51.100.7",
          headers: { "sec-fetch-site": "same-origin" },
          payload: { email: third.email, password: goodPassword },
        });
        assert.equal(elsewhere.statusCode, 200, "another IP has its own budget");
      });
    });

    test("wrong passwords on re-authentication and password change count against the account like bad logins", {}, async () => {
      await withApp(engine, perAccount, async (t) => {
        const user = await createUser(t);
        const device = await signIn(t, user);
        const statuses: number[] = [];
        for (let attempt = 0; attempt < 10; attempt += 1) {
          statuses.push((await device.post("/api/auth/reauthenticate", { password: wrongPassword })).statusCode);
          const change = await device.post("/api/account/password", {
            currentPassword: wrongPassword,
            newPassword: "the thief's new passphrase",
          });
          statuses.push(change.statusCode);
        }
        const first = statuses.indexOf(429);
        assert.ok(first !== -1 && first < 11, `statuses: ${statuses.join(",")}`);
      });
    });
  });
}
