import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Webhook } from "standardwebhooks";
import { noRequest } from "../../src/domain/actor.ts";
import { deleteUser } from "../../src/domain/deletion/delete-user.ts";
import type { EventPayload } from "../../src/domain/events/user-event.ts";
import { createAccount } from "../../src/domain/users/accounts.ts";
import { createWebhookEndpoint } from "../../src/domain/webhooks/webhook-admin.ts";
import { openDeps, type RunningServer, startServer } from "../../src/server.ts";
import { goodPassword } from "../support/accounts.ts";
import { fastHasher, testConfig } from "../support/app.ts";
import { createTestDatabase, engines, type TestDatabase } from "../support/databases.ts";
import { WebhookReceiver } from "../support/webhook-receiver.ts";

const cli = { type: "cli" } as const;

for (const engine of engines) {
  describe(`the served process delivers webhooks on its own (${engine})`, () => {
    let database: TestDatabase;
    let server: RunningServer;
    let receiver: WebhookReceiver;
    before(async () => {
      database = await createTestDatabase(engine);
      receiver = await new WebhookReceiver().start();
    });
    after(async () => {
      await server?.stop();
      await receiver.stop();
      await database.drop();
    });

    test("a deletion committed by another instance reaches the receiver through the server's worker", async () => {
      const config = testConfig(database.location, {
        port: 0,
        host: "127.0.0.1",
        logLevel: "silent",
        webhooks: { timeoutMs: 2_000, allowHttp: true, allowPrivateAddresses: true },
      });
      server = await startServer(config);
      // A second instance on the same database does the acts: the server's worker only reads the outbox.
      const other = await openDeps(config, { hasher: fastHasher });
      try {
        const created = await createWebhookEndpoint(other.deps, cli, { url: receiver.url }, noRequest);
        assert.ok(created.ok);
        const account = await createAccount(
          other.deps,
          cli,
          { email: "served-hook@example.test", password: goodPassword, role: "user" },
          noRequest,
          null,
        );
        assert.ok(account.ok);
        const deleted = await deleteUser(other.deps, cli, account.user.id, {}, noRequest);
        assert.ok(deleted.ok);
        const deadline = Date.now() + 10_000;
        while (receiver.received.length < 2 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const types = receiver.received.map((request) => {
          const headers = {
            "webhook-id": String(request.headers["webhook-id"]),
            "webhook-timestamp": String(request.headers["webhook-timestamp"]),
            "webhook-signature": String(request.headers["webhook-signature"]),
          };
          return (new Webhook(created.secret).verify(request.body, headers) as EventPayload).type;
        });
        assert.deepEqual(types, ["user.created", "user.deleted"]);
      } finally {
        await other.store.close();
      }
    });
  });
}
