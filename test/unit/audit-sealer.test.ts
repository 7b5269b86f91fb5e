import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { type AuditInput, createAuditSealer, genesisHash } from "../../src/domain/audit/audit-chain.ts";
import { deriveKey } from "../../src/infra/keys.ts";

const secret = randomBytes(32);
const seal = createAuditSealer(deriveKey(secret, "audit"));

const base: AuditInput = {
  at: Date.UTC(2026, 10, 26, 12, 0, 0),
  actorType: "user",
  actorId: "3f1c2a4e-0000-4000-8000-000000000001",
  action: "user.delete",
  targetId: "3f1c2a4e-0000-4000-8000-000000000002",
  outcome: "success",
  reason: null,
  requestId: "req-1",
  ip: "192.0.2.1",
  details: { sessionsRevoked: 2, erased: true, note: "x" },
};

/** Every single-field change an edit to the log could make. */
const variants: Record<string, AuditInput> = {
  at: { ...base, at: base.at + 1 },
  actorType: { ...base, actorType: "system" },
  actorId: { ...base, actorId: "3f1c2a4e-0000-4000-8000-000000000003" },
  "actorId null": { ...base, actorId: null },
  action: { ...base, action: "user.restore" },
  targetId: { ...base, targetId: "3f1c2a4e-0000-4000-8000-000000000001" },
  "targetId null": { ...base, targetId: null },
  outcome: { ...base, outcome: "denied" },
  reason: { ...base, reason: "last superuser" },
  "reason 'null'": { ...base, reason: "null" },
  requestId: { ...base, requestId: "req-2" },
  ip: { ...base, ip: "192.0.2.2" },
  "details value": { ...base, details: { ...base.details, sessionsRevoked: 3 } },
  "details type": { ...base, details: { ...base.details, sessionsRevoked: "2" } },
  "details key added": { ...base, details: { ...base.details, extra: null } },
  "details key removed": { ...base, details: { sessionsRevoked: 2, erased: true } },
  "details key renamed": { ...base, details: { sessionsRevoked: 2, erased: true, nope: "x" } },
  "details empty": { ...base, details: {} },
};

describe("audit sealer", () => {
  test("the same entry, seq and previous hash always give the same 64-hex-digit hash", () => {
    const hash = seal(genesisHash, 1, base);
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.equal(seal(genesisHash, 1, { ...base, details: { ...base.details } }), hash);
    assert.equal(createAuditSealer(deriveKey(secret, "audit"))(genesisHash, 1, base), hash);
  });

  test("changing any one field changes the hash", () => {
    const hash = seal(genesisHash, 1, base);
    const seen = new Map<string, string>([[hash, "base"]]);
    for (const [name, variant] of Object.entries(variants)) {
      const changed = seal(genesisHash, 1, variant);
      assert.equal(seen.get(changed), undefined, `${name} collides with ${seen.get(changed)}`);
      seen.set(changed, name);
    }
  });

  test("the hash depends on the sequence number and on the previous hash", () => {
    const hash = seal(genesisHash, 1, base);
    assert.notEqual(seal(genesisHash, 2, base), hash);
    assert.notEqual(seal("1".repeat(64), 1, base), hash);
  });

  test("the order of the keys in details does not matter", () => {
    const reordered: AuditInput = { ...base, details: { note: "x", erased: true, sessionsRevoked: 2 } };
    assert.equal(seal(genesisHash, 1, reordered), seal(genesisHash, 1, base));
  });

  test("without the key the hash cannot be recomputed: another secret gives another hash", () => {
    const other = createAuditSealer(deriveKey(randomBytes(32), "audit"));
    assert.notEqual(other(genesisHash, 1, base), seal(genesisHash, 1, base));
    const csrfKeyed = createAuditSealer(deriveKey(secret, "csrf"));
    assert.notEqual(csrfKeyed(genesisHash, 1, base), seal(genesisHash, 1, base));
  });
});
