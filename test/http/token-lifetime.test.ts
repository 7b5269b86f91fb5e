import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import type { PasswordHasher } from "../../src/domain/ports.ts";
import { createSignedInUser, uniqueEmail } from "../support/accounts.ts";
import { fastHasher, startTestApp, type TestApp } from "../support/app.ts";
import { wholeAudit } from "../support/audit.ts";
import { engines } from "../support/databases.ts";
import { problemCode } from "../support/http-assertions.ts";
import { createToken, createTokenOwner, serviceClient } from "../support/tokens.ts";

/** Holds every new password's hash until the test opens the gate: an account creation stays in flight. */
class HashGate implements PasswordHasher {
  #release: (() => void) | null = null;
  #gate: Promise<void> | null = null;
  reached = 0;

  close(): void {
    this.#gate = new Promise((release) => {
      this.#release = release;
    });
  }

  open(): void {
    this.#release?.();
    this.#gate = null;
  }

  async hash(password: string): Promise<string> {
    this.reached += 1;
    if (this.#gate !== null) await this.#gate;
    return fastHasher.hash(password);
  }

  verify(hash: string | null, password: string): Promise<boolean> {
    return fastHasher.verify(hash, password);
  }
}

/**
 * Issue 13 (token lifetime): a token lives no longer than its expiry, its revocation or its owner's
 * access, and an act in flight when the owner is deleted never commits after the deletion.
 */
const dayMs = 86_400_000;

function assertInvalidToken(response: LightMyRequestResponse, label: string): void {
  assert.equal(response.statusCode, 401, `${label}: ${response.body}`);
  assert.equal(problemCode(response), "INVALID_TOKEN", label);
}

for (const engine of engines) {
  describe(`API token lifetime (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { deletionGraceMs: 7 * dayMs });
    });
    after(() => t.close());

    test("a token works until the last millisecond of its lifetime and never after", async () => {
      const owner = await createSignedInUser(t, "admin");
      const issued = await createToken(owner.device, ["users:read"], { expiresInDays: 1 });
      const service = serviceClient(t, issued.token);
      t.clock.advance(dayMs - 1);
      assert.equal((await service.get("/api/users")).statusCode, 200);
      t.clock.advance(1);
      assertInvalidToken(await service.get("/api/users"), "at its expiry");
      t.clock.advance(dayMs);
      assertInvalidToken(await service.get("/api/users"), "a day later");
    });

    test("a revoked token replayed is refused, on every route that accepts tokens", async () => {
      const owner = await createTokenOwner(t, "admin", ["users:read", "audit:read", "sessions:introspect"]);
      assert.equal((await owner.service.get("/api/users")).statusCode, 200);
      const revoked = await owner.device.delete(`/api/tokens/${owner.issued.view.id}`);
      assert.equal(revoked.statusCode, 200, revoked.body);
      for (const [method, url] of [
        ["GET", "/api/users"],
        ["GET", `/api/users/${owner.user.id}`],
        ["GET", "/api/audit"],
        ["POST", "/api/sessions/introspect"],
        ["GET", "/api/account"],
      ] as const) {
        const body = method === "POST" ? { body: { token: "x" } } : {};
        assertInvalidToken(await owner.service.request(method, url, body), `${method} ${url}`);
      }
      assert.deepEqual(await t.store.listUserApiTokens(owner.user.id), []);
    });

    test("the owner disabled: the token is dead at once, and re-enabling the owner does not revive it", async () => {
      const superuser = await createSignedInUser(t, "superuser");
      const owner = await createTokenOwner(t, "admin", ["users:read"]);
      const disabled = await superuser.device.patch(`/api/users/${owner.user.id}`, { status: "disabled" });
      assert.equal(disabled.statusCode, 200, disabled.body);
      assertInvalidToken(await owner.service.get("/api/users"), "owner disabled");
      const enabled = await superuser.device.patch(`/api/users/${owner.user.id}`, { status: "active" });
      assert.equal(enabled.statusCode, 200, enabled.body);
      assertInvalidToken(await owner.service.get("/api/users"), "owner enabled again");
    });

    test("the owner's deletion scheduled then restored: the token stays dead", async () => {
      const superuser = await createSignedInUser(t, "superuser");
      const owner = await createTokenOwner(t, "admin", ["users:read"]);
      const scheduled = await superuser.device.delete(`/api/users/${owner.user.id}`, { reason: "leaver" });
      assert.equal(scheduled.statusCode, 200, scheduled.body);
      assert.equal((scheduled.json() as { status: string; tokensRevoked: number }).tokensRevoked, 1);
      assertInvalidToken(await owner.service.get("/api/users"), "deletion scheduled");
      const restored = await superuser.device.post(`/api/users/${owner.user.id}/restore`);
      assert.equal(restored.statusCode, 200, restored.body);
      assertInvalidToken(await owner.service.get("/api/users"), "owner restored");
      assert.deepEqual(await t.store.listUserApiTokens(owner.user.id), []);
    });

    test("the owner demoted then promoted back: the token follows the owner's role at each request", async () => {
      const superuser = await createSignedInUser(t, "superuser");
      const owner = await createTokenOwner(t, "admin", ["users:read"]);
      const demote = await superuser.device.patch(`/api/users/${owner.user.id}`, { role: "user" });
      assert.equal(demote.statusCode, 200, demote.body);
      const refused = await owner.service.get("/api/users");
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(problemCode(refused), "FORBIDDEN");
      const promote = await superuser.device.patch(`/api/users/${owner.user.id}`, { role: "admin" });
      assert.equal(promote.statusCode, 200, promote.body);
      assert.equal((await owner.service.get("/api/users")).statusCode, 200);
    });

    test("owner deleted while a creation by its token is in flight (past the bearer check): the creation fails, nothing is created", async () => {
      const gate = new HashGate();
      const gated = await startTestApp(engine, { hasher: gate });
      try {
        const superuser = await createSignedInUser(gated, "superuser");
        const owner = await createTokenOwner(gated, "admin", ["users:read", "users:write"]);
        const email = uniqueEmail("in-flight");
        gate.close();
        const reached = gate.reached;
        const creation = owner.service.post("/api/users", { email, password: "a long enough password for this" });
        while (gate.reached === reached) await new Promise((resolve) => setImmediate(resolve));
        // The creation holds a valid token's grant and waits at its hash; the owner is deleted meanwhile.
        const deleted = await superuser.device.delete(`/api/users/${owner.user.id}`, { reason: "leaver" });
        assert.equal(deleted.statusCode, 200, deleted.body);
        gate.open();
        const created = await creation;
        assert.equal(created.statusCode, 401, created.body);
        assert.equal(problemCode(created), "INVALID_TOKEN");
        assert.deepEqual(await gated.store.listUsers({ limit: 5, search: email }), []);
      } finally {
        await gated.close();
      }
    });

    test("owner deleted mid-request: of a creation by token and the owner's deletion, never a committed act by a deleted owner", async () => {
      const superuser = await createSignedInUser(t, "superuser");
      const rounds = 12;
      let createdFirst = 0;
      let deletedFirst = 0;
      for (let round = 0; round < rounds; round += 1) {
        const owner = await createTokenOwner(t, "admin", ["users:read", "users:write"]);
        const email = uniqueEmail("raced");
        // The creation hashes a password (an act in flight for a while); the deletion starts at once.
        const [created, deleted] = await Promise.all([
          owner.service.post("/api/users", { email, password: "a long enough password for this", role: "user" }),
          superuser.device.delete(`/api/users/${owner.user.id}`, { reason: "raced" }),
        ]);
        assert.equal(deleted.statusCode, 200, deleted.body);
        const audit = await wholeAudit(t);
        const deletion = audit.find((entry) => entry.action === "users.delete" && entry.targetId === owner.user.id);
        assert.ok(deletion !== undefined && deletion.outcome === "success", "the deletion is audited");
        const creation = audit.find(
          // createAccount's success row (the one way an account comes to exist) is "user.create".
          (entry) => entry.action === "user.create" && entry.outcome === "success" && entry.actorId === owner.user.id,
        );
        if (created.statusCode === 201) {
          createdFirst += 1;
          assert.ok(creation !== undefined, "a created account has its audit row");
          assert.ok(creation.seq < deletion.seq, "the creation committed before the owner's deletion");
        } else {
          deletedFirst += 1;
          assert.equal(created.statusCode, 401, created.body);
          assert.equal(problemCode(created), "INVALID_TOKEN");
          assert.equal(creation, undefined, "no creation by the deleted owner is recorded");
          const listed = await t.store.listUsers({ limit: 5, search: email });
          assert.deepEqual(listed, [], "no account was created by the deleted owner");
        }
      }
      assert.equal(createdFirst + deletedFirst, rounds);
    });
  });
}
