import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { noPasswordHash } from "../../src/domain/users/user.ts";
import { createArgon2Hasher, owaspArgon2id } from "../../src/infra/argon2-hasher.ts";

const hasher = createArgon2Hasher();
const password = "correct horse battery staple";

describe("argon2id password hasher", () => {
  test("the default parameters are OWASP's argon2id: 19 MiB, 2 iterations, 1 lane", async () => {
    assert.deepEqual(owaspArgon2id, { memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    const hash = await hasher.hash(password);
    assert.ok(hash.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), hash);
  });

  test("a hash verifies its own password and no other", async () => {
    const hash = await hasher.hash(password);
    assert.equal(await hasher.verify(hash, password), true);
    assert.equal(await hasher.verify(hash, `${password} `), false);
    assert.equal(await hasher.verify(hash, password.toUpperCase()), false);
    assert.equal(await hasher.verify(hash, ""), false);
  });

  test("two hashes of one password differ: each has its own salt", async () => {
    assert.notEqual(await hasher.hash(password), await hasher.hash(password));
  });

  test("verify with no stored hash (no such account) is false", async () => {
    assert.equal(await hasher.verify(null, password), false);
    assert.equal(await hasher.verify(null, "gatehouse-no-such-account"), false);
  });

  test("an account without a password (SCIM's): nothing verifies, after the full work of a verification", async () => {
    for (const attempt of [password, noPasswordHash, "", "!"]) {
      assert.equal(await hasher.verify(noPasswordHash, attempt), false, attempt);
    }
    // No timing here (benchmarks measure, tests do not): the proof that no shortcut is taken is that the
    // verification queues for an argon2 slot like any other. With one slot busy hashing, a shortcut would
    // answer first; a real verification answers after the hash it waited behind.
    const oneSlot = createArgon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 }, 1);
    for (const stored of [null, noPasswordHash, "!", ""]) {
      const finished: string[] = [];
      const busy = oneSlot.hash(password).then(() => finished.push("hash"));
      const verified = oneSlot.verify(stored, password).then((ok) => finished.push(`verify ${ok}`));
      await Promise.all([busy, verified]);
      assert.deepEqual(finished, ["hash", "verify false"], String(stored));
    }
  });

  test("a malformed stored hash is false rather than an exception", async () => {
    const valid = await hasher.hash(password);
    for (const stored of [
      "",
      "not a hash",
      "$argon2id$",
      "$argon2id$v=19$m=19456,t=2,p=1$",
      "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$garbage!",
      valid.slice(0, -10),
      valid.replace("argon2id", "argon2xx"),
      "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
    ]) {
      assert.equal(await hasher.verify(stored, password), false, stored);
    }
  });
});

describe("argon2id hashing concurrency", () => {
  test("at most `concurrency` hashes run at once; the rest wait their turn and all complete", async () => {
    const capped = createArgon2Hasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 }, 2);
    const stored = await capped.hash(password);
    const seen: { running: number; waiting: number }[] = [];
    const watching = setInterval(() => seen.push(capped.load()), 0);
    const results = await Promise.all([
      ...Array.from({ length: 6 }, () => capped.verify(stored, password)),
      capped.verify(null, password),
      capped.verify(stored, "wrong"),
    ]);
    clearInterval(watching);
    assert.deepEqual(results, [true, true, true, true, true, true, false, false]);
    assert.ok(seen.length > 0);
    assert.ok(Math.max(...seen.map((load) => load.running)) <= 2, JSON.stringify(seen));
    assert.ok(
      seen.some((load) => load.waiting > 0),
      "some verifications had to wait",
    );
    assert.deepEqual(capped.load(), { running: 0, waiting: 0 });
  });
});
