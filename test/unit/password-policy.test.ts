import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { checkPassword, passwordMaxLength, passwordMinLength } from "../../src/domain/users/password-policy.ts";
import { seededRandom } from "../support/seeded-random.ts";

/** Code points from several planes: ASCII, Latin-1, a combining accent, CJK, emoji (surrogate pairs), a ZWJ. */
const alphabet = ["a", "Z", "7", " ", "~", "é", "\u0301", "ß", "中", "😀", "👍", "\u{1F3FD}", "\u200D", "𝔸"];

function generate(random: () => number, codePoints: number): string {
  let text = "";
  for (let i = 0; i < codePoints; i += 1) text += alphabet[Math.floor(random() * alphabet.length)] ?? "a";
  return text;
}

const commonSamples = ["password", "PASSWORD", "Password123", "12345678", "qwerty123", "iloveyou", "GateHouse"];

describe("password policy", () => {
  test("any string of 8 to 1024 code points is accepted unless it is on the common list", () => {
    const random = seededRandom(20_261_126);
    for (let run = 0; run < 2_000; run += 1) {
      const length = passwordMinLength + Math.floor(random() * (passwordMaxLength - passwordMinLength + 1));
      const password = generate(random, length);
      assert.equal([...password].length, length);
      assert.equal(checkPassword(password), null, `length ${length}: ${JSON.stringify(password.slice(0, 40))}`);
    }
  });

  test("any string of fewer than 8 or more than 1024 code points is refused", () => {
    const random = seededRandom(7);
    for (let run = 0; run < 500; run += 1) {
      const short = generate(random, Math.floor(random() * passwordMinLength));
      assert.equal(checkPassword(short)?.code, "VALIDATION_FAILED", JSON.stringify(short));
      const long = generate(random, passwordMaxLength + 1 + Math.floor(random() * 100));
      assert.equal(checkPassword(long)?.code, "VALIDATION_FAILED");
    }
  });

  test("the exact bounds are 8 and 1024 code points", () => {
    assert.equal(checkPassword("x".repeat(7))?.code, "VALIDATION_FAILED");
    assert.equal(checkPassword("x".repeat(8)), null);
    assert.equal(checkPassword("x".repeat(1024)), null);
    assert.equal(checkPassword("x".repeat(1025))?.code, "VALIDATION_FAILED");
  });

  test("emoji count as one character each, not as their UTF-16 length", () => {
    // Seven emoji are 14 UTF-16 units but only 7 code points: too short.
    assert.equal(checkPassword("😀".repeat(7))?.code, "VALIDATION_FAILED");
    assert.equal(checkPassword("😀".repeat(8)), null);
    // 1024 emoji are 2048 UTF-16 units: still within the limit.
    assert.equal(checkPassword("😀".repeat(1024)), null);
    assert.equal(checkPassword("😀".repeat(1025))?.code, "VALIDATION_FAILED");
  });

  test("combining characters count as code points of their own", () => {
    // "e" + U+0301 is one visible character but two code points: four of them make 8.
    assert.equal(checkPassword("e\u0301".repeat(4)), null);
    assert.equal(checkPassword(`${"e\u0301".repeat(3)}e`)?.code, "VALIDATION_FAILED");
  });

  test("common passwords are refused in any letter case", () => {
    for (const password of commonSamples) {
      assert.equal(checkPassword(password)?.code, "VALIDATION_FAILED", password);
    }
  });

  test("a common password with anything added is no longer the common password", () => {
    assert.equal(checkPassword("password!"), null);
    assert.equal(checkPassword(" password"), null);
  });

  test("a refusal says what is wrong", () => {
    assert.match(checkPassword("short")?.detail ?? "", /at least 8/);
    assert.match(checkPassword("x".repeat(1025))?.detail ?? "", /at most 1024/);
    assert.match(checkPassword("password")?.detail ?? "", /too common/);
  });
});
