import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { scimFilterCondition } from "../../src/domain/scim/scim-filter.ts";

function condition(filter: string) {
  const result = scimFilterCondition(filter);
  assert.ok(result.ok, `${filter}: ${JSON.stringify(result)}`);
  return result.condition;
}

function refused(filter: string): void {
  const result = scimFilterCondition(filter);
  assert.ok(!result.ok, `${filter} should be refused`);
  assert.equal(result.code, "INVALID_FILTER");
}

describe("SCIM filters as store conditions", () => {
  test("userName and emails compare the address's normalized key", () => {
    assert.deepEqual(condition('userName eq "Ada@EXAMPLE.test"'), {
      kind: "eq",
      field: "email",
      value: "ada@example.test",
    });
    assert.deepEqual(condition('emails.value EQ "ＡＤＡ@example.test"'), {
      kind: "eq",
      field: "email",
      value: "ada@example.test",
    });
    assert.deepEqual(condition('emails[type eq "work"].value eq "a@b.test"'), {
      kind: "and",
      conditions: [{ kind: "always" }, { kind: "eq", field: "email", value: "a@b.test" }],
    });
    assert.deepEqual(condition('emails[type eq "WORK"]'), { kind: "always" });
    assert.deepEqual(condition('emails[type eq "home"]'), { kind: "never" });
    assert.deepEqual(condition("emails[primary eq false]"), { kind: "never" });
  });

  test("externalId, id and active; and, or, pr; any case", () => {
    assert.deepEqual(condition('EXTERNALID eq "E-1"'), { kind: "eq", field: "externalId", value: "E-1" });
    assert.deepEqual(condition('id eq "u1"'), { kind: "eq", field: "id", value: "u1" });
    assert.deepEqual(condition("active eq true"), { kind: "status", value: "active" });
    assert.deepEqual(condition('active eq "False"'), { kind: "status", value: "disabled" });
    assert.deepEqual(condition("externalId pr"), { kind: "hasExternalId" });
    assert.deepEqual(condition("userName pr"), { kind: "always" });
    assert.deepEqual(condition('id eq "a" OR id eq "b"'), {
      kind: "or",
      conditions: [
        { kind: "eq", field: "id", value: "a" },
        { kind: "eq", field: "id", value: "b" },
      ],
    });
  });

  test("what cannot be answered exactly is refused, never a partial match", () => {
    for (const filter of [
      'userName co "a"',
      'userName sw "a"',
      'userName ne "a"',
      'meta.created gt "2020-01-01T00:00:00Z"',
      'not (id eq "a")',
      'name.familyName eq "x"',
      "userName eq true",
      "externalId eq 5",
      "active eq 1",
      'emails[value co "x"]',
      'groups[value eq "x"]',
      "userName",
      "userName eq",
      'userName eq "a" and',
      "((((",
      "",
      `userName eq "${"a".repeat(1000)}"`,
    ]) {
      refused(filter);
    }
  });

  test("a deeply nested filter within the length bound translates without exhausting the stack", () => {
    const depth = 450;
    const nested = `${"(".repeat(depth)}id eq "a"${")".repeat(depth)}`;
    assert.ok(nested.length <= 1000);
    assert.deepEqual(condition(nested), { kind: "eq", field: "id", value: "a" });
    const wide = Array.from({ length: 60 }, (_, i) => `id eq "${i}"`).join(" or ");
    const result = condition(wide.slice(0, 1000).replace(/ or id eq "\d*$/, ""));
    assert.equal(result.kind, "or");
  });
});
