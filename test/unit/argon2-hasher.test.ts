import assert from "node:assert/strict";
import { describe, test } from "node:test";
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
