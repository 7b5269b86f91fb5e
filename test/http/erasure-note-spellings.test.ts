import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { adminDeletes, createSignedInUser, createUser, goodPassword } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";

/**
 * Issue 9.10, found by the attack review (caller-chosen text surviving erasure). An admin's deletion reason is a note, erased
 * with every account whose address it mentions, but the match is a case-insensitive substring of the
 * address's key as stored. The same address written any other way a person would recognise (the domain in
 * its punycode form, fullwidth letters, percent-encoded, with an invisible character inside) stayed in
 * the SQLite file after that person's erasure. (A person's name is not matched: names are not unique.) SQLite only: these are its bytes.
 */
function filesHolding(t: TestApp, text: string): string[] {
  const path = t.database.sqlitePath;
  assert.ok(path !== null);
  const needle = Buffer.from(text, "utf8");
  return [path, `${path}-wal`, `${path}-shm`].filter((file) => existsSync(file) && readFileSync(file).includes(needle));
}

function fullwidth(text: string): string {
  return text.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
}

/** How the person is named in another deletion's reason, and the bytes that must be gone afterwards. */
const mentions: Record<string, (local: string, name: string) => { reason: string; needle: string }> = {
  "the domain in punycode": (local) => ({
    reason: `spam ring, same person as ${local}@xn--bcher-kva.example`,
    needle: `${local}@xn--bcher-kva.example`,
  }),
  "fullwidth letters": (local) => ({
    reason: `duplicate of ${fullwidth(local)}@bücher.example`,
    needle: fullwidth(local),
  }),
  "the @ percent-encoded (copied from a URL)": (local) => ({
    reason: `see /admin/users?search=${local}%40b%C3%BCcher.example`,
    needle: `${local}%40`,
  }),
  "a zero-width space inside the address": (local) => ({
    reason: `alias of ${local}@bü\u200bcher.example`,
    needle: `${local}@bü`,
  }),
};

describe("the erased person named in another deletion's reason (sqlite)", () => {
  for (const [label, mention] of Object.entries(mentions)) {
    test(`issue 9.10: a reason naming the person with ${label} is gone from the SQLite files after the person's erasure`, async () => {
      const t = await startTestApp("sqlite");
      try {
        const admin = await createSignedInUser(t, "admin");
        const tag = randomBytes(4).toString("hex");
        const local = `carol.smith.${tag}`;
        const name = `Carolina Smithers-${tag}`;
        const signup = await t.client().post("/api/auth/signup", {
          email: `${local}@bücher.example`,
          password: goodPassword,
          name,
        });
        assert.equal(signup.statusCode, 201, signup.body);
        const person = (signup.json() as { user: { id: string } }).user;
        const { reason, needle } = mention(local, name);
        await adminDeletes(admin.device, (await createUser(t)).id, reason);
        assert.notDeepEqual(filesHolding(t, needle), [], "the reason is on disk while the person exists");

        assert.equal((await adminDeletes(admin.device, person.id, "erasure request")).status, "deleted");
        assert.deepEqual(filesHolding(t, needle), [], `still on disk after the erasure: ${JSON.stringify(needle)}`);
      } finally {
        await t.close();
      }
    });
  }
});
