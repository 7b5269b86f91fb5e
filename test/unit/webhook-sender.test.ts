import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { after, describe, test } from "node:test";
import { createWebhookSender } from "../../src/infra/webhook-sender.ts";

/**
 * The sender keeps connections between attempts (src/infra/webhook-sender.ts): these tests count the TCP
 * connections a real loopback server sees, and play the two cases where a kept connection must not be
 * trusted: an answer read only in part, and a connection the endpoint dropped while it was idle.
 */
interface Seen {
  connections: number;
  requests: number;
}

/** A server whose behaviour per request is decided by how many requests its connection has carried. */
function startServer(handle: (nthOnConnection: number, socket: Socket) => "ok" | "long" | "drop"): Promise<{
  server: Server;
  url: string;
  seen: Seen;
}> {
  const seen: Seen = { connections: 0, requests: 0 };
  const perSocket = new WeakMap<Socket, number>();
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      seen.requests += 1;
      const nth = (perSocket.get(request.socket) ?? 0) + 1;
      perSocket.set(request.socket, nth);
      const what = handle(nth, request.socket);
      if (what === "drop") {
        request.socket.destroy();
        return;
      }
      response.end(what === "long" ? "x".repeat(64 * 1024) : "ok");
    });
  });
  server.on("connection", () => {
    seen.connections += 1;
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}/hook`, seen });
    }),
  );
}

const loopback = { timeoutMs: 5_000, allowHttp: true, allowPrivateAddresses: true };

describe("the webhook sender's kept connections", () => {
  const servers: Server[] = [];
  const started = async (handle: Parameters<typeof startServer>[0]) => {
    const running = await startServer(handle);
    servers.push(running.server);
    return running;
  };
  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test("attempts to one endpoint, one after another, share one connection", async () => {
    const { url, seen } = await started(() => "ok");
    const sender = createWebhookSender(loopback);
    try {
      for (let i = 0; i < 5; i += 1) {
        const outcome = await sender.send(url, {}, `{"n":${i}}`);
        assert.ok(outcome.kind === "response" && outcome.status === 200, `attempt ${i}`);
      }
      assert.deepEqual(seen, { connections: 1, requests: 5 });
    } finally {
      sender.close();
    }
  });

  test("an answer read only in part closes its connection: the next attempt connects again", async () => {
    const { url, seen } = await started(() => "long");
    const sender = createWebhookSender(loopback);
    try {
      for (let i = 0; i < 3; i += 1) {
        const outcome = await sender.send(url, {}, "{}");
        assert.ok(outcome.kind === "response" && outcome.status === 200);
        assert.equal(outcome.snippet.length, 2_048, "only the snippet was read");
      }
      assert.deepEqual(seen, { connections: 3, requests: 3 });
    } finally {
      sender.close();
    }
  });

  test("a kept connection the endpoint dropped is tried again once on a new one, and the attempt succeeds", async () => {
    // Every connection's second request is dropped unanswered, as when an idle connection is closed by the
    // endpoint just as the sender reuses it.
    const { url, seen } = await started((nth) => (nth === 2 ? "drop" : "ok"));
    const sender = createWebhookSender(loopback);
    try {
      const first = await sender.send(url, {}, "{}");
      assert.ok(first.kind === "response" && first.status === 200);
      const second = await sender.send(url, {}, "{}");
      assert.ok(second.kind === "response" && second.status === 200, "answered on the new connection");
      assert.deepEqual(seen, { connections: 2, requests: 3 });
    } finally {
      sender.close();
    }
  });

  test("a new connection that is dropped is a failed attempt, not retried", async () => {
    const { url, seen } = await started(() => "drop");
    const sender = createWebhookSender(loopback);
    try {
      const outcome = await sender.send(url, {}, "{}");
      assert.equal(outcome.kind, "error");
      assert.deepEqual(seen, { connections: 1, requests: 1 });
    } finally {
      sender.close();
    }
  });
});
