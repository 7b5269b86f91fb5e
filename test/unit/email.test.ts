import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { legacyEmailKey, normalizeEmail, parseEmail } from "../../src/domain/users/email.ts";
import { seededRandom } from "../support/seeded-random.ts";

const accepted = (email: string) => parseEmail(email).ok;
const detailOf = (email: string) => {
  const parsed = parseEmail(email);
  return parsed.ok ? null : (parsed.detail ?? "");
};

/** Pieces an attacker mixes: letters, look-alikes, compatibility forms, marks, invisibles, separators. */
const alphabet = [
  ..."abcxyzAZ019._-+@",
  "\u00e9",
  "e\u0301",
  "\u00df",
  "\u0130",
  "\u01c4",
  "\u0430",
  "\u0440",
  "\u03bf",
  "\uff41",
  "\uff20",
  "\uff0e",
  "\u3002",
  "\u2160",
  "\ufb01",
  "\u0301",
  "\u0308",
  "\u200b",
  "\u200d",
  "\u202e",
  "\u2066",
  "\u00ad",
  "\u0007",
  "\u007f",
  "\u0085",
  "\ufeff",
  "\ufe0f",
  "\u3164",
  "\u{e0041}",
  "\u2028",
  "\u00a0",
  "\ud800",
  "\udc00",
  "\u{1d41a}",
  "xn--",
  "xn--bcher-kva",
  "b\u00fccher",
  "example",
  ".com",
  ".",
];

function randomText(next: () => number): string {
  let text = "";
  const length = 1 + Math.floor(next() * 12);
  for (let i = 0; i < length; i += 1) text += alphabet[Math.floor(next() * alphabet.length)] ?? "";
  return text;
}

const controlOrFormat = /[\p{Cc}\p{Cf}]/u;
const invisible = /[\p{C}\p{Z}\p{Default_Ignorable_Code_Point}]/u;

describe("e-mail addresses", () => {
  test("normalization trims, lower-cases and composes", () => {
    assert.equal(normalizeEmail("  Ada.Lovelace@Example.COM\t"), "ada.lovelace@example.com");
    assert.equal(normalizeEmail("Jose\u0301@example.com"), "jos\u00e9@example.com");
    assert.equal(normalizeEmail("JOS\u00c9@EXAMPLE.COM"), normalizeEmail("jose\u0301@example.com"));
    assert.equal(normalizeEmail("ÄRGER@Beispiel.DE"), "ärger@beispiel.de");
  });

  test("normalization does not fold dots or plus tags: they may be distinct mailboxes", () => {
    assert.equal(normalizeEmail("first.last+tag@example.com"), "first.last+tag@example.com");
    assert.notEqual(normalizeEmail("firstlast@example.com"), normalizeEmail("first.last@example.com"));
  });

  test("issue 9.9: fullwidth and other compatibility forms fold to one key", () => {
    assert.equal(normalizeEmail("\uff41\uff44\uff41@example.com"), "ada@example.com");
    assert.equal(
      normalizeEmail("\uff21\uff24\uff21\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d"),
      "ada@example.com",
    );
    assert.equal(normalizeEmail("\ufb01le@example.com"), "file@example.com");
    assert.equal(normalizeEmail("\u{1d41a}da@example.com"), "ada@example.com");
  });

  test("issue 9.9: the Unicode, upper-case, decomposed, punycode and trailing-dot forms of a domain are one key", () => {
    const key = "kunde@b\u00fccher.example";
    for (const form of [
      "kunde@b\u00fccher.example",
      "kunde@B\u00dcCHER.EXAMPLE",
      "kunde@bu\u0308cher.example",
      "kunde@xn--bcher-kva.example",
      "kunde@XN--BCHER-KVA.example",
      "kunde@b\u00fccher.example.",
      "kunde@xn--bcher-kva.example.",
      "kunde@b\u00fccher\u3002example",
      "kunde@\uff42\u00fccher.example",
    ]) {
      assert.equal(normalizeEmail(form), key, form);
      assert.deepEqual(parseEmail(form), { ok: true, email: key }, form);
    }
    // Only one trailing dot is the root; two leave an empty label.
    assert.equal(accepted("kunde@b\u00fccher.example.."), false);
  });

  test("issue 9.9: a Cyrillic look-alike is another key (the skeleton, not the key, catches it)", () => {
    assert.notEqual(normalizeEmail("p\u0430ypal@example.com"), normalizeEmail("paypal@example.com"));
    assert.equal(accepted("p\u0430ypal@example.com"), true);
  });

  test("issue 9.9: control, format, separator and other invisible characters are refused anywhere", () => {
    const invisibles = {
      "zero-width space": "\u200b",
      "zero-width non-joiner": "\u200c",
      "zero-width joiner": "\u200d",
      "word joiner": "\u2060",
      "right-to-left override": "\u202e",
      "left-to-right isolate": "\u2066",
      "pop directional isolate": "\u2069",
      "right-to-left mark": "\u200f",
      "soft hyphen": "\u00ad",
      bell: "\u0007",
      escape: "\u001b",
      delete: "\u007f",
      "next line": "\u0085",
      "byte order mark": "\ufeff",
      "variation selector": "\ufe0f",
      "Hangul filler": "\u3164",
      "combining grapheme joiner": "\u034f",
      "tag letter": "\u{e0041}",
      "private use": "\ue000",
      unassigned: "\u0378",
      "lone surrogate": "\ud800",
      "braille blank": "\u2800",
    };
    for (const [name, mark] of Object.entries(invisibles)) {
      // At either end, U+FEFF is whitespace to JavaScript and trimmed like a space: it never reaches the key.
      const ends = /\s/u.test(mark) ? [] : [`${mark}ada@example.com`, `ada@example.com${mark}`];
      for (const email of [`a${mark}da@example.com`, `ada@exa${mark}mple.com`, ...ends]) {
        assert.match(detailOf(email) ?? "accepted", /invisible characters/, `${name} in ${JSON.stringify(email)}`);
      }
    }
    for (const separator of ["\u2028", "\u2029", "\u00a0", "\u3000", " "]) {
      assert.equal(accepted(`a${separator}da@example.com`), false, JSON.stringify(separator));
    }
  });

  test("plausible addresses have one @, a domain name after it and no whitespace", () => {
    for (const email of ["a@b.co", "first.last+tag@sub.example.com", " padded@example.com ", "jos\u00e9@exämple.de"]) {
      assert.equal(accepted(email), true, email);
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
      "user@a..b.com",
      "user@xn--a.com",
      "user@exa%mple.com",
      "user@127.0.0.1",
      "user@0x7f.1",
      "user@[::1].com",
      `user@${"a".repeat(64)}.com`,
      "ada\uff20evil.com@example.com",
    ]) {
      assert.equal(accepted(email), false, email);
    }
  });

  test("addresses longer than 254 characters are refused", () => {
    const domain = "@example.com";
    assert.equal(accepted(`${"a".repeat(254 - domain.length)}${domain}`), true);
    assert.equal(accepted(`${"a".repeat(255 - domain.length)}${domain}`), false);
    // Compatibility folding can lengthen an address: the key must fit too (U+FDFA folds to 18 characters).
    assert.equal(accepted(`${"a".repeat(230)}\ufdfa${domain}`), false);
  });

  test("an accepted address's key is what normalizeEmail gives, and is itself accepted unchanged", () => {
    for (const email of ["Ada@Example.COM", "kunde@xn--bcher-kva.example.", "\uff41\uff44\uff41@example.com"]) {
      const parsed = parseEmail(email);
      assert.ok(parsed.ok, email);
      assert.equal(parsed.email, normalizeEmail(email));
      assert.deepEqual(parseEmail(parsed.email), parsed);
    }
  });

  test("the key of before schema version 4 is kept only for looking up accounts the upgrade left under it", () => {
    assert.equal(legacyEmailKey("  \uff21da@Example.COM. "), "\uff41da@example.com.");
  });

  test("property: normalization is idempotent and never yields a control or format character", () => {
    const next = seededRandom(9_9);
    const samples: string[] = ["  MiXeD@Case.Example ", "Jose\u0301@x.io", "already@normal.test"];
    for (let i = 0; i < 5_000; i += 1) samples.push(`${randomText(next)}@${randomText(next)}`, randomText(next));
    // Every code point between two letters of each part, in steps that reach every plane.
    for (let cp = 0; cp <= 0x10ffff; cp += cp < 0x10000 ? 1 : 97) {
      const c = String.fromCodePoint(cp);
      samples.push(`A${c}\u0301b@ex${c}ample.com`, `${c}@${c}.${c}`);
    }
    for (const sample of samples) {
      const key = normalizeEmail(sample);
      assert.equal(normalizeEmail(key), key, `not idempotent: ${JSON.stringify(sample)}`);
      assert.doesNotMatch(key, controlOrFormat, `control or format character kept: ${JSON.stringify(sample)}`);
      const parsed = parseEmail(sample);
      if (parsed.ok) {
        assert.equal(parsed.email, key, JSON.stringify(sample));
        assert.doesNotMatch(parsed.email, invisible, `invisible character accepted: ${JSON.stringify(sample)}`);
        assert.deepEqual(parseEmail(parsed.email), parsed, `key not accepted as is: ${JSON.stringify(sample)}`);
      }
    }
  });
});
