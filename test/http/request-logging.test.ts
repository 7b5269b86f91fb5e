import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, test } from "node:test";
import { parseConfig } from "../../src/config.ts";
import { logRedactions } from "../../src/main.ts";
import { createUser, signIn } from "../support/fixtures.ts";
import { startTestApp } from "../support/test-app.ts";

/** Collects the JSON log lines a pino logger writes. */
function logSink(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const lines = () =>
    text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { stream, lines };
}

describe("request logging (LOG_REQUESTS)", () => {
  test("it is off by default", () => {
    assert.equal(parseConfig({ GATEHOUSE_SECRET: "x".repeat(32) }).logRequests, false);
    assert.equal(parseConfig({ GATEHOUSE_SECRET: "x".repeat(32), LOG_REQUESTS: "true" }).logRequests, true);
    assert.throws(() => parseConfig({ GATEHOUSE_SECRET: "x".repeat(32), LOG_REQUESTS: "maybe" }), /LOG_REQUESTS/);
  });

  for (const logRequests of [false, true]) {
    test(`with logRequests ${logRequests}, info-level request lines are ${logRequests ? "written, without the cookie" : "not written"}`, async () => {
      const sink = logSink();
      const t = await startTestApp("sqlite", {
        logger: { level: "info", stream: sink.stream, redact: [...logRedactions] },
        logRequests,
      });
      try {
        const device = await signIn(t, await createUser(t));
        assert.equal((await device.get("/api/auth/session")).statusCode, 200);
        const completed = sink.lines().filter((line) => line.msg === "request completed");
        if (!logRequests) {
          assert.deepEqual(completed, []);
          return;
        }
        assert.ok(completed.length >= 2, JSON.stringify(sink.lines()));
        const token = device.cookies.get("gatehouse_session") ?? "";
        assert.ok(token.length > 0 && !sink.lines().some((line) => JSON.stringify(line).includes(token)));
      } finally {
        await t.close();
      }
    });
  }
});
