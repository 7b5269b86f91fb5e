import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { PasswordHasher } from "../../src/domain/ports.ts";
import { createUser, goodPassword, signIn, uniqueEmail } from "../support/accounts.ts";
import { fastHasher, startTestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";

/**
 * Issue 9.3, found by the attack review (actor re-check). Every admin act locks and re-reads its actor's *account* inside its
 * transaction, but not the *session* the act came from. An act started by a session that is ended while it
 * runs (the owner changes the password to throw a thief out, or another superuser ends every session of
 * the account) still commits. Account creation hashes the new password before its transaction, which can
 * take seconds while a login storm queues the hashes: a thief's backdoor administrator, requested just
 * before the owner reacts, is created after the owner was told every other session is gone.
 */
class HeldHasher implements PasswordHasher {
  readonly #holdPassword: string;
  #release: () => void = () => {};
  readonly #held: Promise<void>;
  #notify: () => void = () => {};
  /** Resolves once a hash of the held password is waiting. */
  readonly waiting: Promise<void>;

  constructor(holdPassword: string) {
    this.#holdPassword = holdPassword;
    this.#held = new Promise<void>((resolve) => {
      this.#release = resolve;
    });
    this.waiting = new Promise<void>((resolve) => {
      this.#notify = resolve;
    });
  }

  async hash(password: string): Promise<string> {
    if (password === this.#holdPassword) {
      this.#notify();
      await this.#held;
    }
    return fastHasher.hash(password);
  }

  verify(hash: string | null, password: string): Promise<boolean> {
    return fastHasher.verify(hash, password);
  }

  release(): void {
    this.#release();
  }
}

const backdoorPassword = "the thief's own backdoor password";

for (const engine of engines) {
  describe(`an admin act from a session ended while it runs (${engine})`, () => {
    for (const [label, endSessions] of [
      [
        "the owner changes the password",
        async (owner: Awaited<ReturnType<typeof signIn>>) => {
          const answer = await owner.post("/api/account/password", {
            currentPassword: goodPassword,
            newPassword: "a brand new passphrase for the owner",
          });
          assert.equal(answer.statusCode, 200, answer.body);
        },
      ],
      [
        "another superuser ends every session of the account",
        async (_owner: Awaited<ReturnType<typeof signIn>>, other?: Awaited<ReturnType<typeof signIn>>, id?: string) => {
          const answer = await other?.delete(`/api/users/${id}/sessions`);
          assert.equal(answer?.statusCode, 200, answer?.body);
        },
      ],
    ] as const) {
      test(`issue 9.3: a creation in flight from a session that ends because ${label} creates nothing (401)`, async () => {
        const hasher = new HeldHasher(backdoorPassword);
        const t = await startTestApp(engine, { hasher });
        try {
          const superuser = await createUser(t, "superuser");
          const colleague = await signIn(t, await createUser(t, "superuser"));
          const owner = await signIn(t, superuser);
          const thief = await signIn(t, superuser);
          const email = uniqueEmail("backdoor");
          const creation = thief.post("/api/users", { email, password: backdoorPassword, role: "admin" });
          await hasher.waiting;
          await endSessions(owner, colleague, superuser.id);
          assert.equal((await thief.get("/api/auth/session")).statusCode, 401, "the thief's session is over");
          hasher.release();
          const answer = await creation;
          assert.equal(
            answer.statusCode,
            401,
            `the creation answered ${answer.statusCode}: ${answer.body.slice(0, 120)}`,
          );
          assert.equal(await t.store.getUserByEmail(email), null, "no backdoor account exists");
        } finally {
          hasher.release();
          await t.close();
        }
      });
    }
  });
}
