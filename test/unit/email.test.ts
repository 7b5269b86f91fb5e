import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isPlausibleEmail, normalizeEmail } from "../../src/domain/email.ts";

describe("e-mail addresses", () => {
  test("normalization trims, lower-cases and composes to NFC", () => {
    assert.equal(normalizeEmail("  Ada.Lovelace@Example.COM\t"), "ada.lovelace@example.com");
    assert.equal(normalizeEmail("Jose\u0301@example.com"), "jos\u00e9@example.com");
    assert.equal(normalizeEmail("JOS\u00c9@EXAMPLE.COM"), normalizeEmail("jose\u0301@example.com"));
    assert.equal(normalizeEmail("ÄRGER@Beispiel.DE"), "ärger@beispiel.de");
  });

  test("normalization does not fold dots or plus tags: they may be distinct mailboxes", () => {
    assert.equal(normalizeEmail("first.last+tag@example.com"), "first.last+tag@example.com");
    assert.notEqual(normalizeEmail("firstlast@example.com"), normalizeEmail("first.last@example.com"));
  });

  test("normalization is idempotent", () => {
    for (const email of ["  MiXeD@Case.Example ", "Jose\u0301@x.io", "already@normal.test"]) {
      assert.equal(normalizeEmail(normalizeEmail(email)), normalizeEmail(email));
    }
  });

  test("plausible addresses have one @, a dot in the domain and no whitespace", () => {
    for (const email of ["a@b.co", "first.last+tag@sub.example.com", " padded@example.com ", "jos\u00e9@exämple.de"]) {
      assert.equal(isPlausibleEmail(email), true, email);
    }
    for (const email of [
      "",
      "plain",
      "@example.com",
      "user@",
      "user@localhost",
      "user@@example.com",
      "us er@example.com",
      "user@exam ple.com",
      "user@example.",
      "a@b@c.com",
      "user\n@example.com",
    ]) {
      assert.equal(isPlausibleEmail(email), false, email);
    }
  });

  test("addresses longer than 254 characters are refused", () => {
    const domain = "@example.com";
    assert.equal(isPlausibleEmail(`${"a".repeat(254 - domain.length)}${domain}`), true);
    assert.equal(isPlausibleEmail(`${"a".repeat(255 - domain.length)}${domain}`), false);
  });
});
