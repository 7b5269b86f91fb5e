import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createSignedInUser, createUser, leaveReauthWindow, signIn } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { problemCode } from "../support/http-assertions.ts";
import { createTokenOwner, serviceClient } from "../support/tokens.ts";

const invalidToken = 'Bearer realm="gatehouse", error="invalid_token"';
const insufficientScope = 'Bearer realm="gatehouse", error="insufficient_scope"';

for (const engine of engines) {
  describe(`API tokens (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("a token is shown once with its prefix, stored only as a hash, and lists without its secret", async () => {
      const owner = await createTokenOwner(t, "admin", ["users:read"]);
      assert.match(owner.issued.token, /^gatehouse_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}$/);
      const secret = owner.issued.token.slice(-43);
      const stored = await t.store.listUserApiTokens(owner.user.id);
      assert.equal(stored.length, 1);
      assert.notEqual(stored[0]?.secretHash, secret);
      assert.ok(!JSON.stringify(stored).includes(secret));
      const listed = await owner.device.get("/api/tokens");
      assert.equal(listed.statusCode, 200, listed.body);
      assert.ok(!listed.body.includes(secret));
      assert.deepEqual(
        (listed.json() as { tokens: { id: string }[] }).tokens.map((token) => token.id),
        [owner.issued.view.id],
      );
    });

    test("a token acts with its scope, without CSRF or Origin, and is audited as the token of its owner", async () => {
      const owner = await createTokenOwner(t, "admin", ["users:read", "users:write"]);
      const bob = await createUser(t);
      const read = await owner.service.get(`/api/users/${bob.id}`);
      assert.equal(read.statusCode, 200, read.body);
      const renamed = await owner.service.patch(`/api/users/${bob.id}`, { name: "Robert" }, { bare: true });
      assert.equal(renamed.statusCode, 200, renamed.body);
      const audit = await t.store.listAudit({ limit: 5 });
      const row = audit.find((entry) => entry.action === "users.update" && entry.targetId === bob.id);
      assert.equal(row?.actorType, "token");
      assert.equal(row?.actorId, owner.user.id);
      assert.equal(row?.details.tokenId, owner.issued.view.id);
    });

    test("missing scope: 403 INSUFFICIENT_SCOPE with the RFC 6750 challenge, audited, nothing changed", async () => {
      const owner = await createTokenOwner(t, "admin", ["users:read"]);
      const bob = await createUser(t);
      const refused = await owner.service.delete(`/api/users/${bob.id}`);
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(problemCode(refused), "INSUFFICIENT_SCOPE");
      assert.equal(refused.headers["www-authenticate"], insufficientScope);
      assert.notEqual(await t.store.getUserById(bob.id), null);
    });

    test("malformed, unknown, revoked and expired tokens are all the same 401 invalid_token", async () => {
      const owner = await createTokenOwner(t, "admin", ["users:read"]);
      const revoked = await createTokenOwner(t, "admin", ["users:read"]);
      const revoke = await revoked.device.delete(`/api/tokens/${revoked.issued.view.id}`);
      assert.equal(revoke.statusCode, 200, revoke.body);
      const unknown = `gatehouse_${"A".repeat(22)}_${"B".repeat(43)}`;
      const tampered = `${owner.issued.token.slice(0, -1)}${owner.issued.token.endsWith("A") ? "B" : "A"}`;
      const bodies = new Set<string>();
      for (const token of ["garbage", unknown, tampered, revoked.issued.token]) {
        const response = await serviceClient(t, token, "10.9.0.1").get("/api/users");
        assert.equal(response.statusCode, 401, `${token}: ${response.body}`);
        assert.equal(problemCode(response), "INVALID_TOKEN");
        assert.equal(response.headers["www-authenticate"], invalidToken);
        bodies.add(JSON.stringify({ ...(response.json() as object), instance: null }));
      }
      assert.equal(bodies.size, 1, "every invalid token gets the same body");
      t.clock.advance(91 * 86_400_000);
      const expired = await owner.service.get("/api/users");
      assert.equal(expired.statusCode, 401);
      assert.equal(problemCode(expired), "INVALID_TOKEN");
    });

    test("a cookie and a bearer token together are refused as ambiguous", async () => {
      const owner = await createTokenOwner(t, "admin", ["users:read"]);
      const both = owner.device.clone();
      both.bearer = owner.issued.token;
      const response = await both.get("/api/users");
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(problemCode(response), "AMBIGUOUS_CREDENTIALS");
    });

    test("the owner demoted: the token loses what the owner lost at the very next request", async () => {
      const superuser = await createSignedInUser(t, "superuser");
      const owner = await createTokenOwner(t, "admin", ["users:read"]);
      assert.equal((await owner.service.get("/api/users")).statusCode, 200);
      const demoted = await superuser.device.patch(`/api/users/${owner.user.id}`, { role: "user" });
      assert.equal(demoted.statusCode, 200, demoted.body);
      const after = await owner.service.get("/api/users");
      assert.equal(after.statusCode, 403, after.body);
      assert.equal(problemCode(after), "FORBIDDEN");
      assert.equal(after.headers["www-authenticate"], insufficientScope);
    });

    test("deleting or disabling the owner kills every token in the same act, counted in the receipt", async () => {
      const superuser = await createSignedInUser(t, "superuser");
      for (const act of ["delete", "disable"] as const) {
        const owner = await createTokenOwner(t, "admin", ["users:read"]);
        const response =
          act === "delete"
            ? await superuser.device.delete(`/api/users/${owner.user.id}`)
            : await superuser.device.patch(`/api/users/${owner.user.id}`, { status: "disabled" });
        assert.equal(response.statusCode, 200, response.body);
        assert.equal((response.json() as { tokensRevoked: number }).tokensRevoked, 1, act);
        assert.deepEqual(await t.store.listUserApiTokens(owner.user.id), []);
        const replay = await owner.service.get("/api/users");
        assert.equal(replay.statusCode, 401, act);
      }
    });

    test("creation needs a fresh password proof; a token cannot create, list or revoke tokens", async () => {
      const owner = await createTokenOwner(t, "admin", ["users:read", "users:write"]);
      for (const [method, url] of [
        ["POST", "/api/tokens"],
        ["GET", "/api/tokens"],
        ["DELETE", `/api/tokens/${owner.issued.view.id}`],
      ] as const) {
        const response = await owner.service.request(
          method,
          url,
          method === "POST" ? { body: { name: "x", scopes: ["users:read"] } } : {},
        );
        assert.equal(response.statusCode, 403, `${method} ${url}: ${response.body}`);
        assert.equal(problemCode(response), "INSUFFICIENT_SCOPE");
      }
      const account = await owner.service.get("/api/account");
      assert.equal(account.statusCode, 403, account.body);
      assert.equal(problemCode(account), "INSUFFICIENT_SCOPE");
      leaveReauthWindow(t);
      const stale = await owner.device.post("/api/tokens", { name: "late", scopes: ["users:read"] });
      assert.equal(stale.statusCode, 403, stale.body);
      assert.equal(problemCode(stale), "REAUTH_REQUIRED");
    });

    test("a plain user cannot create a token; an admin cannot grant a scope beyond the role", async () => {
      const plain = await signIn(t, await createUser(t));
      const response = await plain.post("/api/tokens", { name: "x", scopes: ["users:read"] });
      assert.equal(response.statusCode, 403);
      assert.equal(problemCode(response), "FORBIDDEN");
    });

    test("a token, even a superuser's, cannot grant a role above user; it may still demote", async () => {
      const owner = await createTokenOwner(t, "superuser", ["users:read", "users:write"]);
      const bob = await createUser(t);
      const carol = await createUser(t, "admin");
      for (const role of ["admin", "superuser"] as const) {
        const created = await owner.service.post("/api/users", {
          email: `minted-${role}-${bob.id}@example.test`,
          password: "correct horse battery staple",
          role,
        });
        assert.equal(created.statusCode, 403, created.body);
        assert.equal(problemCode(created), "FORBIDDEN");
        const promoted = await owner.service.patch(`/api/users/${bob.id}`, { role });
        assert.equal(promoted.statusCode, 403, promoted.body);
        assert.equal(problemCode(promoted), "FORBIDDEN");
        assert.equal(promoted.headers["www-authenticate"], insufficientScope);
      }
      assert.equal((await t.store.getUserById(bob.id))?.role, "user");
      const demoted = await owner.service.patch(`/api/users/${carol.id}`, { role: "user" });
      assert.equal(demoted.statusCode, 200, demoted.body);
      const plain = await owner.service.post("/api/users", {
        email: `plain-${bob.id}@example.test`,
        password: "correct horse battery staple",
      });
      assert.equal(plain.statusCode, 201, plain.body);
    });

    test("introspection: a live session answers who, anything else only active:false", async () => {
      const service = await createTokenOwner(t, "admin", ["sessions:introspect"]);
      const bob = await createUser(t);
      const browser = await signIn(t, bob);
      const cookie = [...browser.cookies.values()][0] ?? "";
      const live = await service.service.post("/api/sessions/introspect", { token: cookie }, { bare: true });
      assert.equal(live.statusCode, 200, live.body);
      const body = live.json() as Record<string, unknown>;
      assert.equal(body.active, true);
      assert.equal(body.sub, bob.id);
      assert.equal(body.email, bob.email);
      assert.equal(body.role, "user");
      assert.equal(typeof body.exp, "number");
      assert.equal(typeof body.iat, "number");
      for (const token of ["", "nonsense", `${cookie.slice(0, -1)}x`]) {
        const dead = await service.service.post("/api/sessions/introspect", { token }, { bare: true });
        assert.deepEqual(dead.json(), { active: false });
      }
      await browser.post("/api/auth/logout");
      const out = await service.service.post("/api/sessions/introspect", { token: cookie }, { bare: true });
      assert.deepEqual(out.json(), { active: false });
      const noScope = await createTokenOwner(t, "admin", ["users:read"]);
      const refused = await noScope.service.post("/api/sessions/introspect", { token: cookie }, { bare: true });
      assert.equal(refused.statusCode, 403);
    });
  });
}
