import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { defaultLimits } from "../../src/http/app-options.ts";
import { createUser, goodPassword, uniqueEmail } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";

/**
 * Issue 9.4/9.6 (per-address limits and the client address). Three ways one client still gets
 * many addresses, or puts its own text where an address belongs:
 *  - every per-address budget is keyed by the full IPv6 address, and any IPv6 client holds a /64
 *    (2^64 addresses): one machine sprays passwords over many accounts without ever meeting the
 *    30-verdicts-a-minute limit that holds it on IPv4;
 *  - a proxy that writes the client's port with its address (`203.0.113.9:51234`, `[2001:db8::9]:51234`,
 *    as Azure Application Gateway does) makes each connection a new "address" for the throttles, while the
 *    audit log and sessions get the proxy's address instead of the client's;
 *  - `net.isIP` accepts an IPv6 zone identifier of any letters, digits, dots and dashes, so
 *    `fe80::1%carol-smith.example.test` passes the "only an IP address is kept" check and is sealed into the
 *    audit chain and stored with the session.
 */
const wrongPassword = "not the password at all";

function loginVia(t: TestApp, forwarded: string | null, email: string, password: string, peer?: string) {
  return t.app.inject({
    method: "POST",
    url: "/api/auth/login",
    ...(peer === undefined ? {} : { remoteAddress: peer }),
    headers: {
      "content-type": "application/json",
      "sec-fetch-site": "same-origin",
      ...(forwarded === null ? {} : { "x-forwarded-for": forwarded }),
    },
    payload: JSON.stringify({ email, password }),
  });
}

function tally(statuses: readonly number[]) {
  return {
    verdicts: statuses.filter((status) => status === 401 || status === 200).length,
    limited: statuses.filter((status) => status === 429).length,
  };
}

for (const engine of engines) {
  describe(`one client, many addresses (${engine})`, () => {
    test("issue 9.6: one IPv6 /64 is one client for the per-address password limit: 60 sprayed guesses get at most 30 verdicts", async () => {
      const t = await startTestApp(engine, { limits: defaultLimits });
      try {
        // 60 accounts, one guess each: the per-account limits never trigger, only the per-address one can.
        const victims = await Promise.all(Array.from({ length: 60 }, () => createUser(t)));
        const statuses: number[] = [];
        for (const [i, victim] of victims.entries()) {
          // A server listening on IPv6: the peer is the client itself, a new interface id each time.
          const peer = `2001:db8:1:2::${(i + 1).toString(16)}`;
          statuses.push((await loginVia(t, null, victim.email, wrongPassword, peer)).statusCode);
        }
        const { verdicts } = tally(statuses);
        assert.ok(
          verdicts <= defaultLimits.passwordAttemptsPerIpPerMinute,
          `${verdicts} of 60 guesses from one /64 got a verdict (one IPv4 address gets ${defaultLimits.passwordAttemptsPerIpPerMinute})`,
        );
      } finally {
        await t.close();
      }
    });

    for (const [label, forwarded] of [
      ["IPv4 address and port", (i: number) => `203.0.113.9:${40_000 + i}`],
      ["bracketed IPv6 address and port", (i: number) => `[2001:db8::9]:${40_000 + i}`],
    ] as const) {
      test(`issue 9.6: behind a proxy that forwards the client's ${label}, 40 wrong logins from one client get at most 10 verdicts and are audited with the client's address`, async () => {
        const t = await startTestApp(engine, { limits: defaultLimits, trustProxy: 1 });
        try {
          const victim = await createUser(t);
          const statuses: number[] = [];
          for (let i = 0; i < 40; i += 1) {
            // What the proxy writes: the client's address with the source port of this connection.
            statuses.push((await loginVia(t, forwarded(i), victim.email, wrongPassword)).statusCode);
          }
          const { verdicts } = tally(statuses);
          const rows = await t.store.listAudit({ action: "session.login", outcome: "failure", limit: 100 });
          const addresses = [...new Set(rows.map((row) => row.ip))];
          assert.ok(
            verdicts <= defaultLimits.failuresPerAccount,
            `${verdicts} of 40 wrong passwords from one client got a verdict; audited from ${addresses.join(", ")}`,
          );
          assert.ok(
            addresses.every((ip) => ip === "203.0.113.9" || ip === "2001:db8::9"),
            `the audit log names ${addresses.join(", ")} instead of the client`,
          );
        } finally {
          await t.close();
        }
      });
    }

    test("issue 9.6: an IPv6 zone identifier forwarded by the client is neither sealed into the audit log nor kept with the session", async () => {
      const t = await startTestApp(engine, { trustProxy: 1 });
      try {
        const user = await createUser(t, "user", uniqueEmail("zone"));
        const forged = "fe80::1%carol-smith.example.test";
        const failed = await loginVia(t, forged, user.email, wrongPassword);
        assert.equal(failed.statusCode, 401);
        const signedIn = await loginVia(t, forged, user.email, goodPassword);
        assert.equal(signedIn.statusCode, 200);
        const rows = await t.store.listAudit({ action: "session.login", limit: 10 });
        const sessions = await t.store.listUserSessions(user.id);
        const stored = [...rows.map((row) => row.ip ?? ""), ...sessions.map((session) => session.ip)];
        assert.ok(
          stored.every((ip) => !ip.includes("carol")),
          `caller-chosen text stored as the client address: ${JSON.stringify(stored)}`,
        );
      } finally {
        await t.close();
      }
    });
  });
}
