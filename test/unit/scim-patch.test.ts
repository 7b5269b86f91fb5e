import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { applyScimPatch } from "../../src/domain/scim/scim-patch.ts";

const target = { id: "u1", email: "ada@example.test" };
const patch = (...operations: unknown[]) => ({
  schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
  Operations: operations,
});

function change(body: unknown) {
  const result = applyScimPatch(target, body);
  assert.ok(result.ok, JSON.stringify(result));
  return result.change;
}

function refusal(body: unknown): string {
  const result = applyScimPatch(target, body);
  assert.ok(!result.ok, "should be refused");
  return result.code;
}

describe("SCIM PATCH application", () => {
  test("Entra: capitalised ops, string booleans, emails[type eq work].value with the same address", () => {
    assert.deepEqual(change(patch({ op: "Replace", path: "active", value: "False" })), { active: false });
    assert.deepEqual(change(patch({ op: "Replace", path: "active", value: "true" })), { active: true });
    assert.deepEqual(change(patch({ op: "Add", path: 'emails[type eq "work"].value', value: "ADA@example.test" })), {});
    assert.deepEqual(
      change(
        patch(
          { op: "Replace", path: "name.givenName", value: "Augusta" },
          { op: "Replace", path: "name.familyName", value: "King" },
        ),
      ),
      { name: "Augusta King" },
    );
  });

  test("Okta: path-less value maps, dotted and URN-prefixed keys inside them", () => {
    assert.deepEqual(change(patch({ op: "replace", value: { active: false } })), { active: false });
    assert.deepEqual(
      change(
        patch({
          op: "replace",
          value: {
            "name.givenName": "Ada",
            "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName": "Byron",
            externalId: "x1",
          },
        }),
      ),
      { name: "Ada Byron", externalId: "x1" },
    );
    assert.deepEqual(change(patch({ op: "replace", value: { displayName: "Countess", name: { givenName: "A" } } })), {
      name: "Countess",
    });
  });

  test("later operations win; remove clears", () => {
    assert.deepEqual(
      change(
        patch(
          { op: "replace", path: "active", value: false },
          { op: "replace", path: "active", value: true },
          { op: "remove", path: "externalId" },
          { op: "remove", path: "displayName" },
        ),
      ),
      { active: true, externalId: null, name: "" },
    );
  });

  test("refusals by kind", () => {
    assert.equal(refusal(patch({ op: "replace", path: "userName", value: "eve@example.test" })), "IMMUTABLE_ATTRIBUTE");
    assert.equal(refusal(patch({ op: "remove", path: "emails" })), "IMMUTABLE_ATTRIBUTE");
    assert.equal(
      refusal(patch({ op: "add", path: "emails", value: [{ value: "eve@example.test" }] })),
      "IMMUTABLE_ATTRIBUTE",
    );
    assert.equal(refusal(patch({ op: "add", path: "password", value: "x" })), "IMMUTABLE_ATTRIBUTE");
    assert.equal(refusal(patch({ op: "add", path: "meta.created", value: "x" })), "IMMUTABLE_ATTRIBUTE");
    assert.equal(refusal(patch({ op: "add", path: 'roles[value eq "x"]', value: "x" })), "UNSUPPORTED_ATTRIBUTE");
    assert.equal(refusal(patch({ op: "add", path: "x509Certificates", value: [] })), "UNSUPPORTED_ATTRIBUTE");
    assert.equal(refusal(patch({ op: "add", path: "urn:example:ext:2.0:User:level", value: 1 })), "INVALID_PATH");
    assert.equal(refusal(patch({ op: "add", path: "emails[type eq ", value: 1 })), "INVALID_PATH");
    assert.equal(refusal(patch({ op: "add", path: 7, value: 1 })), "INVALID_PATH");
    assert.equal(refusal(patch({ op: "add", path: "name.constructor", value: "x" })), "INVALID_PATH");
    assert.equal(refusal(patch({ op: "add", path: "name", value: { constructor: "x" } })), "INVALID_PATH");
    assert.equal(
      refusal(patch({ op: "add", path: `emails[${"(".repeat(600)}type eq "work"${")".repeat(600)}]`, value: "x" })),
      "INVALID_PATH",
    );
    assert.equal(refusal(patch({ op: "remove", path: 'emails[type eq "home"]' })), "NO_TARGET");
    assert.equal(refusal(patch({ op: "remove" })), "NO_TARGET");
    assert.equal(refusal(patch({ op: "remove", path: "active" })), "VALIDATION_FAILED");
    assert.equal(refusal(patch({ op: "replace", path: "externalId", value: "x".repeat(513) })), "VALIDATION_FAILED");
    assert.equal(refusal(patch({ op: "replace", path: "externalId", value: "a\u0007b" })), "VALIDATION_FAILED");
    assert.equal(refusal(patch({ op: "replace", path: "displayName", value: "x".repeat(201) })), "VALIDATION_FAILED");
    assert.equal(
      refusal(patch(...Array.from({ length: 101 }, () => ({ op: "add", path: "title", value: "x" })))),
      "VALIDATION_FAILED",
    );
    assert.equal(refusal(patch({ op: "copy", path: "active" })), "MALFORMED_BODY");
    assert.equal(refusal(patch("replace")), "MALFORMED_BODY");
    assert.equal(refusal({ Operations: [] }), "MALFORMED_BODY");
    assert.equal(refusal([]), "MALFORMED_BODY");
    assert.equal(refusal(null), "MALFORMED_BODY");
  });
});
