import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, test } from "node:test";
import { parseConfig } from "../../src/config.ts";
import { logRedactions } from "../../src/server.ts";
import { createUser, signIn } from "../support/accounts.ts";
import { startTestApp } from "../support/app.ts";

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

  test("issue 9 (logging): e-mail addresses in paths and queries never reach the log, the route path does", async () => {
    const sink = logSink();
    const t = await startTestApp("sqlite", {
      logger: { level: "info", stream: sink.stream, redact: [...logRedactions] },
      logRequests: true,
    });
    try {
      const admin = await signIn(t, await createUser(t, "superuser"));
      const known = await createUser(t);
      const probes = [
        "/api/users/alice@example.test",
        "/api/users/alice%40example.test",
        "/%61pi/users/alice@example.test/sessions",
        "/api/users?search=alice@example.test&role=user",
        "/api/users?search=alice%40example.test",
        "/api/users?alice@example.test",
        "/admin/users?search=alice%2Bsmith%40example.test",
        "/admin/users/alice@example.test",
        "/alice@example.test",
        "/api/users/%E0%A4%A@alice",
        `/api/users/${known.id}`,
      ];
      for (const url of probes) await admin.get(url);
      const urls = sink
        .lines()
        .filter((line) => line.msg === "incoming request")
        .map((line) => String((line.req as { url?: unknown } | undefined)?.url));
      const everything = JSON.stringify(sink.lines()).toLowerCase();
      assert.ok(!everything.includes("alice"), `an e-mail address was logged: ${JSON.stringify(urls)}`);
      for (const logged of [
        "/api/users/[Redacted]",
        "/api/users/[Redacted]/sessions",
        "/api/users?search=[Redacted]&role=[Redacted]",
        "/api/users?[Redacted]",
        "/admin/users?search=[Redacted]",
        "/admin/users/[Redacted]",
        "/[Redacted]",
        `/api/users/${known.id}`,
      ]) {
        assert.ok(urls.includes(logged), `${logged} in ${JSON.stringify(urls)}`);
      }
    } finally {
      await t.close();
    }
  });
});
