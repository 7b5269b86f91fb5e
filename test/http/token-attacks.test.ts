import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { logRedactions } from "../../src/server.ts";
import { createSignedInUser, createUser, signIn } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { wholeAudit } from "../support/audit.ts";
import { engines } from "../support/databases.ts";
import { problemCode } from "../support/http-assertions.ts";
import { HttpClient } from "../support/http-client.ts";
import { rawQuery } from "../support/raw-database.ts";
import { snapshotStore } from "../support/store-snapshot.ts";
import { createTokenOwner, serviceClient } from "../support/tokens.ts";

/**
 * Issue 13 (attacking API tokens): the bearer throttle, hostile Authorization headers, cross-site requests,
 * the pages and the verify endpoint, and where a token's secret could leak. Each test fails if its
 * defence is taken away.
 */
const failureLimit = 5;

/** What the client sees of a refusal, but the request id. */
function visible(response: LightMyRequestResponse) {
  return {
    status: response.statusCode,
    challenge: response.headers["www-authenticate"],
    body: response.body.replace(/"instance":"[^"]*"/, '"instance":"-"'),
  };
}

function logSink(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

for (const engine of engines) {
  describe(`API token attacks (${engine})`, () => {
    let t: TestApp;
    const sink = logSink();
    before(async () => {
      t = await startTestApp(engine, {
        limits: { failedTokensPerAddressPerMinute: failureLimit },
        logger: { level: "debug", stream: sink.stream, redact: [...logRedactions] },
        logRequests: true,
      });
    });
    after(() => t.close());

    test("failed bearer authentications are throttled per address (an IPv6 /64 is one), valid tokens elsewhere unaffected", async () => {
      const owner = await createTokenOwner(t, "admin", ["users:read"]);
      const bad = `gatehouse_${"A".repeat(22)}_${"B".repeat(43)}`;
      const attacker = "2001:db8:1:2::10";
      for (let i = 0; i < failureLimit; i += 1) {
        assert.equal((await serviceClient(t, bad, attacker).get("/api/users")).statusCode, 401);
      }
      const limited = await serviceClient(t, bad, attacker).get("/api/users");
      assert.equal(limited.statusCode, 429, limited.body);
      assert.ok(Number(limited.headers["retry-after"]) > 0, "429 says when to retry");
      // Another address in the same /64 is the same client; the valid token from there waits too.
      const neighbour = await serviceClient(t, owner.issued.token, "2001:db8:1:2::99").get("/api/users");
      assert.equal(neighbour.statusCode, 429);
      // From another /64, or another IPv4 address, the valid token works.
      assert.equal((await serviceClient(t, owner.issued.token, "2001:db8:1:3::10").get("/api/users")).statusCode, 200);
      assert.equal((await serviceClient(t, owner.issued.token, "10.20.0.1").get("/api/users")).statusCode, 200);
      t.clock.advance(60_000);
      assert.equal((await serviceClient(t, owner.issued.token, attacker).get("/api/users")).statusCode, 200);
    });

    test("a concurrent burst of bad tokens ends throttled, and only 401 or 429 is ever answered", async () => {
      const address = "10.30.0.1";
      const burst = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          serviceClient(t, `gatehouse_${String(i).padStart(22, "C")}_${"D".repeat(43)}`, address).get("/api/users"),
        ),
      );
      for (const response of burst) assert.ok([401, 429].includes(response.statusCode), response.body);
      assert.equal((await serviceClient(t, "junk", address).get("/api/users")).statusCode, 429);
    });

    test("hostile Authorization headers: one 401 INVALID_TOKEN for all, nothing changes, no handler runs", async () => {
      const owner = await createTokenOwner(t, "admin", ["users:read", "users:write"]);
      const victim = await createUser(t);
      const session = await signIn(t, victim);
      const sessionToken = [...session.cookies.values()][0] ?? "";
      const token = owner.issued.token;
      const headers = [
        `Basic ${Buffer.from(`admin:${token}`).toString("base64")}`,
        "Bearer",
        "Bearer ",
        `Bearer ${token} ${token}`,
        `Bearer ${token},Bearer ${token}`,
        `Token ${token}`,
        `Bearer ${"x".repeat(10_240)}`,
        `Bearer ${encodeURIComponent(`${token.slice(0, -1)}=`)}`,
        `Bearer ${token.slice(0, -1)}\u00e9`,
        `Bearer ${sessionToken}`,
        `Bearer${token}`,
        `Bearer\t${token.slice(0, -2)}`,
      ];
      const seen = new Set<string>();
      for (const [index, authorization] of headers.entries()) {
        const before = await snapshotStore(t);
        const auditBefore = (await wholeAudit(t)).length;
        // Each from its own address: this is not the throttle's test.
        const client = new HttpClient(t.app, `10.40.0.${index + 1}`);
        const response = await client.delete(
          `/api/users/${victim.id}`,
          { reason: "x" },
          { headers: { authorization } },
        );
        assert.equal(response.statusCode, 401, `${JSON.stringify(authorization.slice(0, 40))}: ${response.body}`);
        assert.equal(problemCode(response), "INVALID_TOKEN");
        seen.add(JSON.stringify(visible(response)));
        assert.deepEqual(await snapshotStore(t), before, "nothing changed");
        assert.equal((await wholeAudit(t)).length, auditBefore, "no handler ran: nothing audited");
      }
      assert.equal(seen.size, 1, `one answer for every hostile header: ${[...seen].join("\n")}`);
      assert.notEqual(await t.store.getUserById(victim.id), null);
      // A token sent as the session cookie is no session: 401 as for no credential at all.
      const asCookie = await new HttpClient(t.app, "10.40.1.1").get("/api/users", {
        headers: { cookie: `gatehouse_session=${token}` },
      });
      assert.equal(asCookie.statusCode, 401);
      assert.equal(problemCode(asCookie), "UNAUTHENTICATED");
      // The scheme is case-insensitive (RFC 7235 section 2.1) and RFC 6750 allows one or more spaces: a valid
      // token written so is the same credential, not a bypass of anything.
      for (const written of [`bearer ${token}`, `BEARER  ${token}`]) {
        const read = await new HttpClient(t.app, "10.40.2.1").get("/api/users", {
          headers: { authorization: written },
        });
        assert.equal(read.statusCode, 200, written.slice(0, 8));
      }
    });

    test("a token request from a cross-site Origin works: it carries no ambient credential", async () => {
      const owner = await createTokenOwner(t, "admin", ["users:read", "users:write"]);
      const bob = await createUser(t);
      const response = await owner.service.patch(
        `/api/users/${bob.id}`,
        { name: "Renamed cross-site" },
        { bare: true, headers: { origin: "https://evil.test", "sec-fetch-site": "cross-site" } },
      );
      assert.equal(response.statusCode, 200, response.body);
      // The same request with the owner's cookie instead is refused as cross-site.
      const withCookie = await owner.device.patch(
        `/api/users/${bob.id}`,
        { name: "Renamed by a forged request" },
        { bare: true, headers: { origin: "https://evil.test", "sec-fetch-site": "cross-site" } },
      );
      assert.equal(withCookie.statusCode, 403, withCookie.body);
    });

    test("the pages ignore bearer tokens: a token cannot read or drive an admin page", async () => {
      const owner = await createTokenOwner(t, "admin", ["users:read", "users:write"]);
      const bob = await createUser(t);
      const page = await owner.service.get("/admin/users");
      assert.notEqual(page.statusCode, 200, "the user list page is not served to a token");
      assert.ok(!page.body.includes(bob.email), "no user data reaches a token through a page");
      const before = await snapshotStore(t);
      const drive = await owner.service.request("POST", `/admin/users/${bob.id}/status`, {
        bare: true,
        payload: new URLSearchParams({ status: "disabled" }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "same-origin" },
      });
      assert.ok(drive.statusCode >= 300, `a page form driven by a token is refused: ${drive.statusCode}`);
      assert.deepEqual(await snapshotStore(t), before, "nothing changed");
    });

    test("the verify endpoint ignores the app's own Authorization header", async () => {
      const browser = await createSignedInUser(t, "user");
      for (const authorization of ["Bearer an-apps-own-token", "Basic dXNlcjpwYXNz", "Bearer gatehouse_x"]) {
        const answer = await browser.device.get("/api/authz/verify", { headers: { authorization } });
        assert.equal(answer.statusCode, 200, `${authorization}: ${answer.body}`);
      }
      const owner = await createTokenOwner(t, "admin", ["users:read"]);
      const noSession = await owner.service.get("/api/authz/verify");
      assert.equal(noSession.statusCode, 401, "a token is not a session to the verify endpoint");
    });

    test("a token's secret never leaks: not in the logs, the audit log, any later answer or the stored row", async () => {
      const owner = await createTokenOwner(t, "admin", ["users:read", "users:write"]);
      const secret = owner.issued.token.slice(-43);
      await owner.service.get("/api/users");
      await owner.service.get(`/api/users/${owner.user.id}`);
      await owner.service.delete("/api/users/not-a-user", { reason: "x" });
      await owner.service.get("/api/account");
      const answers = [
        await owner.device.get("/api/tokens"),
        await owner.device.get(`/api/users/${owner.user.id}/tokens`),
        await owner.device.get("/api/audit"),
      ];
      for (const answer of answers) {
        assert.equal(answer.statusCode, 200, answer.body);
        assert.ok(!answer.body.includes(secret), "no answer after creation holds the secret");
      }
      assert.ok(sink.text().includes("request completed"), "request lines were written");
      assert.ok(!sink.text().includes(secret), "the logs never hold the secret");
      assert.ok(!sink.text().includes(owner.issued.token), "the logs never hold the token");
      assert.ok(!JSON.stringify(await wholeAudit(t)).includes(secret), "the audit log never holds it");
      const rows = await rawQuery<Record<string, unknown>>(t.database, "SELECT * FROM api_tokens WHERE id = ?", [
        owner.issued.view.id,
      ]);
      assert.equal(rows.rows.length, 1);
      const stored = JSON.stringify(rows.rows[0]);
      assert.ok(!stored.includes(secret), "the row holds no secret");
      assert.match(String(rows.rows[0]?.secret_hash), /^[A-Za-z0-9_\-+/=]{43,64}$/, "only a hash of it");
    });
  });
}
