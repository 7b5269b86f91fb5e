import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, test } from "node:test";
import { logRedactions } from "../../src/server.ts";
import { createUser, signIn } from "../support/accounts.ts";
import { startTestApp } from "../support/app.ts";

/**
 * Attack on the request-log redaction (LOG_REQUESTS=true). The URL is redacted, but the two other
 * caller-chosen fields of the request line are logged as sent: `host` (the Host header) and, behind
 * TRUST_PROXY, `remoteAddress` (request.ip, the forwarded text even when it is no address: the audit log
 * and sessions fall back to the peer, the log does not). An e-mail address in either outlives the
 * account's erasure in the log. Paths, queries, aliases, `;` and fragments were redacted in the probe.
 */
function logSink() {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe("attack: e-mail addresses in request log lines (sqlite)", () => {
  for (const [label, headers] of [
    ["the Host header", { host: "carol.host@example.test" }],
    ["a forwarded client address that is no address", { "x-forwarded-for": "carol.forwarded@example.test" }],
  ] as const) {
    test(`issue 9 (logging): with LOG_REQUESTS, an e-mail address in ${label} does not reach the log`, async () => {
      const sink = logSink();
      const t = await startTestApp("sqlite", {
        logger: { level: "info", stream: sink.stream, redact: [...logRedactions] },
        logRequests: true,
        trustProxy: 1,
      });
      try {
        const device = await signIn(t, await createUser(t));
        assert.equal((await device.get("/api/account", { headers })).statusCode, 200);
        const leaking = sink
          .text()
          .split("\n")
          .filter((line) => line.includes("carol."));
        assert.deepEqual(leaking, []);
      } finally {
        await t.close();
      }
    });
  }
});
