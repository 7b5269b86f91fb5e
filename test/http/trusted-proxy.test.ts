import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseConfig } from "../../src/config.ts";
import { defaultLimits } from "../../src/http/app-options.ts";
import { createUser, goodPassword } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { type EngineName, engines } from "../support/databases.ts";

/**
 * Issue 9.6: behind a proxy that appends to X-Forwarded-For (nginx's $proxy_add_x_forwarded_for), the
 * left-most entries are whatever the client sent. The client address is the one the last trusted proxy
 * saw: light-my-request connects from 127.0.0.1, which plays the proxy here.
 */
const realClient = "203.0.113.50";

/** The app as an operator configures it: TRUST_PROXY read by the configuration, as at start. */
async function withProxyApp(engine: EngineName, trustProxy: string, run: (t: TestApp) => Promise<void>) {
  const config = parseConfig({ GATEHOUSE_SECRET: "x".repeat(32), TRUST_PROXY: trustProxy });
  const t = await startTestApp(engine, { trustProxy: config.trustProxy, limits: defaultLimits });
  try {
    await run(t);
  } finally {
    await t.close();
  }
}

function login(t: TestApp, forwardedFor: string, email: string, password: string, remoteAddress = "127.0.0.1") {
  return t.app.inject({
    method: "POST",
    url: "/api/auth/login",
    remoteAddress,
    headers: { "content-type": "application/json", "sec-fetch-site": "same-origin", "x-forwarded-for": forwardedFor },
    payload: JSON.stringify({ email, password }),
  });
}

for (const engine of engines) {
  describe(`the client address behind trusted proxies (${engine})`, () => {
    test("issue 9.6: behind a trusted proxy, 45 wrong logins with forged X-Forwarded-For addresses are limited as one client, and sessions and audit rows carry the real address", async () => {
      await withProxyApp(engine, "127.0.0.1", async (t) => {
        const victim = await createUser(t);
        const statuses: number[] = [];
        for (let i = 0; i < 45; i += 1) {
          const forged = `198.18.${Math.floor(i / 200)}.${(i % 200) + 1}`;
          statuses.push((await login(t, `${forged}, ${realClient}`, victim.email, "a guess")).statusCode);
        }
        const limit = defaultLimits.failuresPerAccount;
        assert.deepEqual(
          statuses,
          [...Array<number>(limit).fill(401), ...Array<number>(45 - limit).fill(429)],
          "limited as one client from the 11th guess",
        );
        const failures = await t.store.listAudit({ action: "session.login", outcome: "failure", limit: 100 });
        assert.equal(failures.length, limit);
        assert.ok(
          failures.every((entry) => entry.ip === realClient),
          "failure rows carry the real address",
        );

        // The owner, from another machine behind the same proxy, with a forged entry of its own.
        const owner = await login(t, `198.18.99.99, 192.0.2.77`, victim.email, goodPassword);
        assert.equal(owner.statusCode, 200);
        const [session] = await t.store.listUserSessions(victim.id);
        assert.equal(session?.ip, "192.0.2.77");
        const [success] = await t.store.listAudit({ action: "session.login", outcome: "success", limit: 1 });
        assert.equal(success?.ip, "192.0.2.77");
      });
    });

    test("a hop count trusts that many proxies: with 2, the address the second proxy saw is the client's", async () => {
      await withProxyApp(engine, "2", async (t) => {
        const user = await createUser(t);
        const response = await login(t, `198.18.0.1, ${realClient}, 10.0.0.2`, user.email, goodPassword);
        assert.equal(response.statusCode, 200);
        const [session] = await t.store.listUserSessions(user.id);
        assert.equal(session?.ip, realClient);
      });
    });

    test("a client connecting directly, not through a trusted proxy, cannot choose its address with X-Forwarded-For", async () => {
      await withProxyApp(engine, "10.0.0.0/8, loopback", async (t) => {
        const user = await createUser(t);
        const response = await login(t, "198.18.0.1", user.email, goodPassword, realClient);
        assert.equal(response.statusCode, 200);
        const [session] = await t.store.listUserSessions(user.id);
        assert.equal(session?.ip, realClient);
      });
    });
  });
}
