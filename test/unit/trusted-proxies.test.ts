import assert from "node:assert/strict";
import { describe, test } from "node:test";
import Fastify from "fastify";
import { fastifyTrustProxy, parseTrustedProxies } from "../../src/http/trusted-proxies.ts";

/** The address fastify settles on for a request from `peer` carrying `forwardedFor`. */
async function clientAddress(setting: string, peer: string, forwardedFor: string): Promise<string> {
  const parsed = parseTrustedProxies(setting);
  assert.ok(parsed.ok, setting);
  const app = Fastify({ trustProxy: fastifyTrustProxy(parsed.value) });
  app.get("/", async (request) => request.ip);
  try {
    const response = await app.inject({ url: "/", remoteAddress: peer, headers: { "x-forwarded-for": forwardedFor } });
    return response.body;
  } finally {
    await app.close();
  }
}

describe("trusted proxies", () => {
  test("every accepted form is one fastify takes: only hops trust a peer outside the listed ranges", async () => {
    const answers: readonly (readonly [string, string])[] = [
      ["false", "192.0.2.1"],
      ["1", "198.51.100.1"],
      ["7", "198.51.100.1"],
      ["127.0.0.1", "192.0.2.1"],
      ["10.0.0.0/8,::1,fd00::/8,fe80::1%eth0", "192.0.2.1"],
      ["loopback,uniquelocal,linklocal", "192.0.2.1"],
      ["192.0.2.0/24", "198.51.100.1"],
    ];
    for (const [setting, client] of answers) {
      assert.equal(await clientAddress(setting, "192.0.2.1", "198.51.100.1"), client, setting);
    }
  });

  test("the client is the address the last trusted proxy saw, whatever the client wrote to the left of it", async () => {
    const header = "198.18.0.1, 203.0.113.50, 10.0.0.2";
    assert.equal(await clientAddress("1", "127.0.0.1", header), "10.0.0.2");
    assert.equal(await clientAddress("2", "127.0.0.1", header), "203.0.113.50");
    assert.equal(await clientAddress("127.0.0.1,10.0.0.0/8", "127.0.0.1", header), "203.0.113.50");
    assert.equal(await clientAddress("loopback", "127.0.0.1", header), "10.0.0.2");
    assert.equal(await clientAddress("false", "127.0.0.1", header), "127.0.0.1");
    assert.equal(
      await clientAddress("10.0.0.0/8", "127.0.0.1", header),
      "127.0.0.1",
      "an untrusted peer is the client",
    );
  });
});
