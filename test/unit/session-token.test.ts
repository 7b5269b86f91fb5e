import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import type { Random } from "../../src/domain/ports.ts";
import {
  hashSecret,
  issueSessionToken,
  parseSessionToken,
  secretMatches,
} from "../../src/domain/sessions/session-token.ts";
import { systemRandom } from "../../src/infra/system.ts";

/** A Random that hands out known bytes and records how many were asked for. */
function recordingRandom(): Random & { readonly requests: number[] } {
  const requests: number[] = [];
  let next = 0;
  return {
    requests,
    bytes(length) {
      requests.push(length);
      return Buffer.from(Array.from({ length }, () => next++ % 256));
    },
    uuid: () => "00000000-0000-4000-8000-000000000000",
  };
}

const sample = issueSessionToken(systemRandom);
const [sampleId = "", sampleSecret = ""] = sample.token.split(".");

describe("session tokens", () => {
  test("a token is `id.secret`: 16 random bytes of id and 32 of secret, base64url-encoded", () => {
    const random = recordingRandom();
    const issued = issueSessionToken(random);
    assert.deepEqual(random.requests, [16, 32]);
    const id = Buffer.from(Array.from({ length: 16 }, (_, i) => i));
    const secret = Buffer.from(Array.from({ length: 32 }, (_, i) => i + 16));
    assert.equal(issued.sessionId, id.toString("base64url"));
    assert.equal(issued.token, `${id.toString("base64url")}.${secret.toString("base64url")}`);
    assert.match(issued.token, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
  });

  test("only the SHA-256 of the secret is kept, never the secret itself", () => {
    const secret = sample.token.split(".")[1] ?? "";
    assert.equal(sample.secretHash, createHash("sha256").update(secret).digest("hex"));
    assert.equal(sample.secretHash, hashSecret(secret));
    assert.ok(!sample.secretHash.includes(secret));
  });

  test("10,000 issued tokens, session ids and secret hashes have no duplicates", () => {
    const tokens = new Set<string>();
    const ids = new Set<string>();
    const hashes = new Set<string>();
    for (let i = 0; i < 10_000; i += 1) {
      const issued = issueSessionToken(systemRandom);
      tokens.add(issued.token);
      ids.add(issued.sessionId);
      hashes.add(issued.secretHash);
    }
    assert.equal(tokens.size, 10_000);
    assert.equal(ids.size, 10_000);
    assert.equal(hashes.size, 10_000);
  });

  test("an issued token parses back into its session id and a secret that matches the stored hash", () => {
    const parsed = parseSessionToken(sample.token);
    assert.deepEqual(parsed, { sessionId: sample.sessionId, secret: sampleSecret });
    assert.equal(secretMatches(parsed?.secret ?? "", sample.secretHash), true);
  });

  test("parseSessionToken returns null for every malformed shape", () => {
    const malformed: (string | undefined)[] = [
      undefined,
      "",
      ".",
      "garbage",
      sampleId,
      `${sampleId}.`,
      `.${sampleSecret}`,
      `${sampleId}${sampleSecret}`,
      `${sampleId}${sampleSecret}A`,
      `${sampleId}.${sampleSecret}.`,
      `${sampleId}..${sampleSecret.slice(1)}`,
      `${sampleId.slice(1)}.${sampleSecret}A`,
      `${sampleId}A.${sampleSecret.slice(1)}`,
      `${sampleId}.${sampleSecret.slice(1)}`,
      `${sampleId}.${sampleSecret}A`,
      `${sample.token} `,
      ` ${sample.token}`,
      `${sample.token}\n`,
      `${sample.token.slice(0, -1)}\n`,
      `${sampleId.slice(0, -1)}+.${sampleSecret}`,
      `${sampleId}.${sampleSecret.slice(0, -1)}/`,
      `${sampleId}.${sampleSecret.slice(0, -1)}=`,
      `${sampleId.slice(0, -1)}é.${sampleSecret}`,
      `${sampleId.slice(0, -1)}\u0000.${sampleSecret}`,
      `${sampleId}%2E${sampleSecret.slice(2)}`,
      `${sample.token}.${sample.token}`,
      "A".repeat(66),
      `${"A".repeat(22)}.${"B".repeat(43)}`.replace(".", ","),
      "x".repeat(100_000),
    ];
    for (const token of malformed) {
      assert.equal(parseSessionToken(token), null, JSON.stringify(token));
    }
  });

  test("secretMatches is false for a wrong secret", () => {
    const other = issueSessionToken(systemRandom).token.split(".")[1] ?? "";
    assert.equal(secretMatches(other, sample.secretHash), false);
    const flipped = `${sampleSecret.slice(0, -1)}${sampleSecret.endsWith("A") ? "B" : "A"}`;
    assert.equal(secretMatches(flipped, sample.secretHash), false);
    assert.equal(secretMatches("", sample.secretHash), false);
  });

  test("secretMatches is false, and does not throw, for a malformed stored hash", () => {
    const malformedHashes = [
      "",
      "not hex at all",
      "z".repeat(64),
      "abc",
      sample.secretHash.slice(0, 62),
      sample.secretHash.slice(0, 63),
      `${sample.secretHash}00`,
      sample.secretHash.replace(/^../, ""),
      Buffer.from(sample.secretHash, "hex").toString("base64"),
    ];
    for (const stored of malformedHashes) {
      assert.equal(secretMatches(sampleSecret, stored), false, stored);
    }
  });

  test("secretMatches is false for a stored hash with trailing non-hex characters", () => {
    assert.equal(secretMatches(sampleSecret, `${sample.secretHash}zz`), false);
    assert.equal(secretMatches(sampleSecret, `${sample.secretHash}\n`), false);
  });
});
