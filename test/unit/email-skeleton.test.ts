import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { normalizeEmail } from "../../src/domain/users/email.ts";
import { emailSkeleton } from "../../src/domain/users/email-skeleton.ts";

const skeletonOf = (email: string) => emailSkeleton(normalizeEmail(email));

describe("e-mail confusable skeletons (UTS #39)", () => {
  test("issue 9.9: addresses that look alike have one skeleton", () => {
    const pairs: [string, string][] = [
      ["paypal@example.com", "p\u0430ypal@example.com"], // Cyrillic а
      ["paypal@example.com", "\u0440\u0430y\u0440\u0430l@example.com"], // Cyrillic р and а
      ["scope@example.com", "\u0455\u0441\u043e\u0440\u0435@example.com"], // all Cyrillic
      ["ada@paypal.example", "ada@p\u0430ypal.example"], // in the domain
      ["ada@paypal.example", "ada@xn--pypal-4ve.example"], // the same, as punycode
      ["bill1@example.com", "billl@example.com"],
      ["modern@example.com", "rnodern@example.com"],
      ["\u03bfscar@example.com", "oscar@example.com"], // Greek omicron
      ["\u{1d5ba}da@example.com", "ada@example.com"], // mathematical sans-serif a (NFKC folds it first)
    ];
    for (const [a, b] of pairs) assert.equal(skeletonOf(a), skeletonOf(b), `${a} / ${b}`);
  });

  test("addresses that merely share letters keep distinct skeletons", () => {
    const pairs: [string, string][] = [
      ["muller@example.com", "m\u00fcller@example.com"], // not an English-only table: ü is not u
      ["ada@example.com", "ida@example.com"],
      ["first.last@example.com", "firstlast@example.com"],
      ["ada@example.com", "ada@example.org"],
    ];
    for (const [a, b] of pairs) assert.notEqual(skeletonOf(a), skeletonOf(b), `${a} / ${b}`);
  });

  test("the skeleton ignores default-ignorable characters and composition", () => {
    assert.equal(emailSkeleton("pay\u200dpal@example.com"), emailSkeleton("paypal@example.com"));
    assert.equal(emailSkeleton("jos\u00e9@example.com"), emailSkeleton("jose\u0301@example.com"));
  });
});
