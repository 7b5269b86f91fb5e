import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  createSignedInUser,
  createUser,
  goodPassword,
  type SignedInUser,
  signIn,
  uniqueEmail,
} from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { auditOf } from "../support/audit.ts";
import { engines } from "../support/databases.ts";
import { assertProblem } from "../support/http-assertions.ts";
import { failEveryTransactionAt } from "../support/store-faults.ts";

/**
 * Issue 9.3 and 9.8: every administrative act locks and re-reads its actor inside its own transaction, in
 * one lock order, so concurrent acts neither outlive a demotion of their actor nor deadlock, and an act
 * that fails anyway is still in the audit log.
 */
async function seqOf(t: TestApp, query: { action: string; targetId: string }): Promise<number> {
  const [entry] = await auditOf(t, { ...query, outcome: "success" });
  assert.ok(entry !== undefined, `a successful ${query.action} on ${query.targetId} is audited`);
  return entry.seq;
}

for (const engine of engines) {
  describe(`administrative acts racing each other (${engine})`, () => {
    let t: TestApp;
    let root: SignedInUser;
    before(async () => {
      t = await startTestApp(engine);
      root = await createSignedInUser(t, "superuser");
    });
    after(() => t.close());

    for (const [label, strike] of [
      ["demotion", (s: SignedInUser) => root.device.patch(`/api/users/${s.user.id}`, { role: "user" })],
      ["deletion", (s: SignedInUser) => root.device.delete(`/api/users/${s.user.id}`, { reason: "race" })],
    ] as const) {
      test(`issue 9.3: creations fired by a superuser racing its ${label} never commit after it`, async () => {
        const actor = await createSignedInUser(t, "superuser");
        const creations = Array.from({ length: 30 }, () =>
          actor.device.post("/api/users", { email: uniqueEmail("minted"), password: goodPassword, role: "superuser" }),
        );
        const struck = strike(actor);
        const [strikeAnswer, ...answers] = await Promise.all([struck, ...creations]);
        assert.equal(strikeAnswer.statusCode, 200, strikeAnswer.body);
        for (const answer of answers) assert.ok([201, 401, 403].includes(answer.statusCode), answer.body);

        const struckAt = await seqOf(t, {
          action: label === "demotion" ? "users.update" : "users.delete",
          targetId: actor.user.id,
        });
        const created = (await auditOf(t, { actorId: actor.user.id, action: "user.create" })).filter(
          (entry) => entry.outcome === "success",
        );
        const late = created.filter((entry) => entry.seq > struckAt);
        assert.deepEqual(
          late.map((entry) => entry.targetId),
          [],
          `${late.length} of ${created.length} creations committed after the ${label}`,
        );
        assert.equal(created.length, answers.filter((answer) => answer.statusCode === 201).length);
      });
    }

    test("issue 9.8: four superusers demoting each other while they are promoted again, round after round, get no 5xx and every act is audited", async () => {
      const ring: SignedInUser[] = [];
      for (let index = 0; index < 4; index += 1) ring.push(await createSignedInUser(t, "superuser"));
      const rounds = 8;
      for (let round = 0; round < rounds; round += 1) {
        const before = (await auditOf(t, { action: "users.update" })).length;
        // Every member demotes every other member while the root promotes them all again.
        const demotions = ring.flatMap((member) =>
          ring
            .filter((other) => other !== member)
            .map((other) => member.device.patch(`/api/users/${other.user.id}`, { role: "admin" })),
        );
        const promotions = ring.map((member) =>
          root.device.patch(`/api/users/${member.user.id}`, { role: "superuser" }),
        );
        const answers = await Promise.all([...demotions, ...promotions]);
        for (const answer of answers) {
          assert.ok(answer.statusCode < 500, `round ${round}: ${answer.statusCode} ${answer.body}`);
          assert.ok([200, 401, 403, 409].includes(answer.statusCode), answer.body);
        }
        // A request whose session was revoked before its session check is refused at the door (401, no
        // act, no row); one whose session was revoked while it waited for its locks is an act refused
        // inside (401 too, audited). Every other answer is an act. No request leaves two rows.
        const acts = answers.filter((answer) => answer.statusCode !== 401).length;
        const entries = await auditOf(t, { action: "users.update" });
        const audited = entries.length - before;
        assert.ok(audited >= acts && audited <= answers.length, `round ${round}: ${acts} acts, ${audited} audit rows`);
        // Newest first: the round's own rows.
        const requests = new Set(entries.slice(0, audited).map((entry) => entry.requestId));
        assert.equal(requests.size, audited, `round ${round}: no request wrote two rows`);
        // Put the ring back for the next round: superusers again, signed in again.
        for (let index = 0; index < ring.length; index += 1) {
          const member = ring[index];
          assert.ok(member !== undefined);
          const promoted = await root.device.patch(`/api/users/${member.user.id}`, { role: "superuser" });
          assert.equal(promoted.statusCode, 200, promoted.body);
          ring[index] = { user: member.user, device: await signIn(t, member.user) };
        }
      }
    });

    test("issue 9.8: an act whose transaction keeps failing answers 500, changes nothing, and is audited as a failure", async () => {
      const admin = await createSignedInUser(t, "admin");
      const target = await createUser(t);
      // Every revocation fails as a deadlock would: the act cannot complete, however often it is tried.
      const restore = failEveryTransactionAt(t, "deleteUserSessions");
      try {
        const answer = await admin.device.patch(`/api/users/${target.id}`, { status: "disabled" });
        assertProblem(answer, 500, "INTERNAL");
      } finally {
        restore();
      }
      assert.equal((await t.store.getUserById(target.id))?.status, "active");
      const [failure] = await auditOf(t, { action: "users.update", targetId: target.id });
      assert.equal(failure?.outcome, "failure");
      assert.equal(failure?.actorId, admin.user.id);
    });
  });
}
