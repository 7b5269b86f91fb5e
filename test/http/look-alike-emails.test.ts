import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createUser, goodPassword, signIn } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { type Answer, assertProblem } from "../support/http-assertions.ts";
import type { HttpClient } from "../support/http-client.ts";

/**
 * Issue 9, item 9: an address that displays like an existing account's must never create a second account,
 * whether it arrives by sign-up or by an administrator's create. Invisible and control characters are
 * refused outright (400); every other look-alike gets the answer a taken address gets (409 EMAIL_TAKEN).
 */

let sequence = 0;

/** A fresh local part per case, so that the cases of one suite never collide with each other. */
function localPart(label: string): string {
  sequence += 1;
  return `${label}-${sequence}-${process.pid}`;
}

/** The fullwidth form of printable ASCII (U+FF01..U+FF5E): what a CJK input method types. */
function fullwidth(text: string): string {
  return text.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
}

/** Inserts `mark` after the first character of the address. */
function inject(email: string, mark: string): string {
  return `${email.slice(0, 1)}${mark}${email.slice(1)}`;
}

type Expected = { status: 400; code: "VALIDATION_FAILED" } | { status: 409; code: "EMAIL_TAKEN" };
const invisible: Expected = { status: 400, code: "VALIDATION_FAILED" };
const taken: Expected = { status: 409, code: "EMAIL_TAKEN" };

for (const engine of engines) {
  describe(`look-alike e-mail addresses (${engine})`, () => {
    let t: TestApp;
    let admin: HttpClient;
    before(async () => {
      t = await startTestApp(engine);
      admin = await signIn(t, await createUser(t, "admin"));
    });
    after(() => t.close());

    /** Tries every variant against the existing account through both creating routes; none may succeed. */
    async function refusedEverywhere(existing: string, variants: readonly string[], expected: Expected) {
      await createUser(t, "user", existing);
      for (const variant of variants) {
        const attempts: [string, () => Promise<Answer>][] = [
          ["sign-up", () => t.client().post("/api/auth/signup", { email: variant, password: goodPassword })],
          ["admin create", () => admin.post("/api/users", { email: variant, password: goodPassword })],
        ];
        for (const [route, attempt] of attempts) {
          const users = await t.store.countUsers();
          const response = await attempt();
          const label = `${route} with ${JSON.stringify(variant)} beside ${JSON.stringify(existing)}`;
          assertProblem(response, expected.status, expected.code, label);
          assert.equal(await t.store.countUsers(), users, `${label}: a second account was created`);
        }
      }
    }

    test("issue 9.9: fullwidth letters do not create a second account", async () => {
      const local = localPart("fullwidth");
      await refusedEverywhere(
        `${local}@example.test`,
        [`${fullwidth(local)}@example.test`, `${fullwidth(`${local}@example.test`)}`],
        taken,
      );
    });

    test("issue 9.9: a Cyrillic homoglyph does not create a second account", async () => {
      const local = localPart("paypal");
      // U+0430 CYRILLIC SMALL LETTER A and U+0440 CYRILLIC SMALL LETTER ER in place of Latin a and p.
      await refusedEverywhere(
        `${local}@example.test`,
        [`p\u0430ypal${local.slice(6)}@example.test`, `\u0440aypal${local.slice(6)}@example.test`],
        taken,
      );
    });

    test("issue 9.9: a Cyrillic homoglyph in the domain does not create a second account", async () => {
      const local = localPart("shop");
      await refusedEverywhere(`${local}@paypal.example`, [`${local}@p\u0430ypal.example`], taken);
    });

    test("issue 9.9: zero-width space, non-joiner and joiner are refused", async () => {
      const email = `${localPart("zw")}@example.test`;
      await refusedEverywhere(
        email,
        [inject(email, "\u200b"), inject(email, "\u200c"), inject(email, "\u200d"), inject(email, "\u2060")],
        invisible,
      );
    });

    test("issue 9.9: bidirectional controls are refused", async () => {
      const email = `${localPart("bidi")}@example.test`;
      await refusedEverywhere(
        email,
        [
          inject(email, "\u202e"),
          `${email}\u202c`,
          inject(email, "\u2066"),
          `\u2067${email}\u2069`,
          inject(email, "\u200f"),
        ],
        invisible,
      );
    });

    test("issue 9.9: a soft hyphen is refused, in the local part and in the domain", async () => {
      const local = localPart("soft");
      await refusedEverywhere(
        `${local}@example.test`,
        [`${inject(local, "\u00ad")}@example.test`, `${local}@exam\u00adple.test`],
        invisible,
      );
    });

    test("issue 9.9: control characters are refused", async () => {
      const email = `${localPart("ctl")}@example.test`;
      await refusedEverywhere(
        email,
        [inject(email, "\u0007"), inject(email, "\u001b"), inject(email, "\u007f"), inject(email, "\u0085")],
        invisible,
      );
    });

    test("issue 9.9: other invisible characters are refused (BOM, variation selector, Hangul filler, tag)", async () => {
      const email = `${localPart("invisible")}@example.test`;
      await refusedEverywhere(
        email,
        [inject(email, "\ufeff"), inject(email, "\ufe0f"), inject(email, "\u3164"), inject(email, "\u{e0041}")],
        invisible,
      );
    });

    test("issue 9.9: a trailing dot on the domain does not create a second account", async () => {
      const email = `${localPart("dot")}@example.test`;
      await refusedEverywhere(email, [`${email}.`, `${email.toUpperCase()}.`], taken);
    });

    test("issue 9.9: the punycode and the Unicode form of an IDN domain are one address", async () => {
      const unicodeFirst = localPart("idn");
      await refusedEverywhere(
        `${unicodeFirst}@b\u00fccher.example`,
        [
          `${unicodeFirst}@xn--bcher-kva.example`,
          `${unicodeFirst}@B\u00dcCHER.example`,
          `${unicodeFirst}@bu\u0308cher.example`,
        ],
        taken,
      );
      const punycodeFirst = localPart("idn");
      await refusedEverywhere(
        `${punycodeFirst}@xn--bcher-kva.example`,
        [`${punycodeFirst}@b\u00fccher.example`],
        taken,
      );
    });

    test("issue 9.9: another letter case does not create a second account", async () => {
      const local = localPart("MixedCase");
      await refusedEverywhere(
        `${local}@Example.test`,
        [`${local.toLowerCase()}@example.test`, `${local.toUpperCase()}@EXAMPLE.TEST`],
        taken,
      );
    });

    test("issue 9.9: an account signs in with its address typed in any of the forms that name it", async () => {
      const local = localPart("signin");
      await createUser(t, "user", `${local}@b\u00fccher.example`);
      for (const typed of [
        `${local}@b\u00fccher.example`,
        `${local}@xn--bcher-kva.example`,
        `${local}@b\u00fccher.example.`,
        `${fullwidth(local)}@B\u00dcCHER.example`,
        `  ${local.toUpperCase()}@bu\u0308cher.EXAMPLE `,
      ]) {
        const response = await t.client().post("/api/auth/login", { email: typed, password: goodPassword });
        assert.equal(response.statusCode, 200, JSON.stringify(typed));
      }
    });

    test("issue 9.9: two sign-ups racing with look-alike addresses create exactly one account", async () => {
      const local = localPart("race");
      const users = await t.store.countUsers();
      const [latin, cyrillic] = await Promise.all([
        t.client().post("/api/auth/signup", { email: `a${local}@example.test`, password: goodPassword }),
        t.client().post("/api/auth/signup", { email: `\u0430${local}@example.test`, password: goodPassword }),
      ]);
      assert.deepEqual([latin.statusCode, cyrillic.statusCode].sort(), [201, 409]);
      assert.equal(await t.store.countUsers(), users + 1);
    });
  });
}
