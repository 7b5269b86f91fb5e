import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { Webhook } from "standardwebhooks";
import { deliverDue, type WorkerSettings } from "../../src/domain/webhooks/delivery-worker.ts";
import { createSignedInUser, createUser, leaveReauthWindow, type SignedInUser } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { wholeAudit } from "../support/audit.ts";
import { engines } from "../support/databases.ts";
import { assertProblem } from "../support/http-assertions.ts";
import { rawReads } from "../support/raw-database.ts";
import { WebhookReceiver } from "../support/webhook-receiver.ts";

/**
 * Issue 14 point 5: endpoints managed through the API as an admin uses it — change, disable with a reason and
 * enable (what committed meanwhile arrives), rotate (the old secret ends when asked), send a test event, read
 * the delivery log with every attempt, redeliver, delete — each audited; bad input is a 400 that changes
 * nothing. The receiver is a real loopback server; the worker's rounds are run by the test.
 */
const settings: WorkerSettings = { pollMs: 10, batch: 50, claimMs: 60_000 };

interface Endpoint {
  readonly id: string;
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly eventTypes: readonly string[];
  readonly description: string;
  readonly url: string;
}
interface Delivery {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: string;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly position: string;
}

for (const engine of engines) {
  describe(`managing webhook endpoints through the API (${engine})`, () => {
    let t: TestApp;
    let admin: SignedInUser;
    let receiver: WebhookReceiver;
    beforeEach(async () => {
      t = await startTestApp(engine, {
        webhooks: { timeoutMs: 2_000, allowHttp: true, allowPrivateAddresses: true },
      });
      // Signatures carry the test clock's time, which the receiver's library checks against the wall clock.
      t.clock.advance(Date.now() - t.clock.now());
      receiver = await new WebhookReceiver().start();
      admin = await createSignedInUser(t, "admin");
    });
    afterEach(async () => {
      await receiver.stop();
      await t.close();
    });

    async function drain(): Promise<void> {
      for (let round = 0; round < 100; round += 1) {
        if ((await deliverDue(t.deps, t.deps.webhookSender, settings)) === 0) return;
      }
      assert.fail("the worker never ran out of due deliveries");
    }

    async function register(body: Record<string, unknown> = {}): Promise<{ secret: string; endpoint: Endpoint }> {
      const response = await admin.device.post("/api/webhooks", { url: receiver.url, ...body });
      assert.equal(response.statusCode, 201, response.body);
      return JSON.parse(response.body) as { secret: string; endpoint: Endpoint };
    }

    async function log(id: string, query = ""): Promise<{ deliveries: Delivery[]; nextBefore: string | null }> {
      const response = await admin.device.get(`/api/webhooks/${id}/deliveries${query}`);
      assert.equal(response.statusCode, 200, response.body);
      return JSON.parse(response.body) as { deliveries: Delivery[]; nextBefore: string | null };
    }

    const typesReceived = () => receiver.received.map((r) => (JSON.parse(r.body) as { type: string }).type);

    test("disabled with a reason it gets nothing; enabled again it gets what committed meanwhile, in order", async () => {
      const { endpoint } = await register();
      const off = await admin.device.patch(`/api/webhooks/${endpoint.id}`, {
        enabled: false,
        reason: "receiver moving",
      });
      assert.equal(off.statusCode, 200, off.body);
      const disabled = JSON.parse(off.body) as { endpoint: Endpoint; changed: string[] };
      assert.deepEqual(disabled.changed, ["enabled"]);
      assert.equal(disabled.endpoint.disabledReason, "disabled by an admin: receiver moving");
      const user = await createUser(t);
      await drain();
      assert.equal(receiver.received.length, 0, "a disabled endpoint gets nothing");
      const on = await admin.device.patch(`/api/webhooks/${endpoint.id}`, { enabled: true });
      assert.equal((JSON.parse(on.body) as { endpoint: Endpoint }).endpoint.disabledReason, null);
      await drain();
      assert.deepEqual(typesReceived(), ["user.created"]);
      assert.equal(
        (JSON.parse(receiver.received[0]?.body ?? "{}") as { data: { user_id: string } }).data.user_id,
        user.id,
      );
      const audit = (await wholeAudit(t)).filter((entry) => entry.details.endpointId === endpoint.id);
      assert.deepEqual(
        audit.map((entry) => entry.action),
        ["webhooks.create", "webhooks.disable", "webhooks.enable"],
      );
    });

    test("description and event filter change; a request that changes nothing is not an act", async () => {
      const { endpoint } = await register();
      const changed = await admin.device.patch(`/api/webhooks/${endpoint.id}`, {
        description: "  only deletions  ",
        eventTypes: ["user.deleted"],
      });
      const body = JSON.parse(changed.body) as { endpoint: Endpoint; changed: string[] };
      assert.deepEqual(body.changed, ["description", "eventTypes"]);
      assert.equal(body.endpoint.description, "only deletions");
      const auditBefore = (await wholeAudit(t)).length;
      const same = await admin.device.patch(`/api/webhooks/${endpoint.id}`, { eventTypes: ["user.deleted"] });
      assert.deepEqual((JSON.parse(same.body) as { changed: string[] }).changed, []);
      assert.equal((await wholeAudit(t)).length, auditBefore, "no audit row for nothing");
      await createUser(t);
      await drain();
      assert.equal(receiver.received.length, 0, "user.created is filtered out");
    });

    test("bad input is a 400 that changes nothing", async () => {
      const { endpoint } = await register();
      const before = await rawReads(t.database, ["SELECT * FROM webhook_endpoints ORDER BY id"]);
      const bad: Record<string, unknown>[] = [
        { url: "ftp://example.test/hook" },
        { url: "http://user:pass@example.test/hook" },
        { url: "https://example.test/hook#frag" },
        { url: "not a url" },
        { eventTypes: ["user.exploded"] },
        { reason: "no disable with it" },
        { enabled: false, reason: "x".repeat(201) },
        { description: "x".repeat(201) },
        { enabled: "false" },
        { description: "pay\u202Eroll" },
        { description: "two\nlines" },
        { enabled: false, reason: "zero\u200Bwidth" },
        { unknown: true },
      ];
      for (const body of bad) {
        assertProblem(
          await admin.device.patch(`/api/webhooks/${endpoint.id}`, body),
          400,
          undefined,
          JSON.stringify(body),
        );
      }
      assert.deepEqual(await rawReads(t.database, ["SELECT * FROM webhook_endpoints ORDER BY id"]), before);
    });

    test("a new URL needs a recent password proof; the description does not", async () => {
      const { endpoint } = await register();
      leaveReauthWindow(t);
      assertProblem(
        await admin.device.patch(`/api/webhooks/${endpoint.id}`, { url: `${receiver.url}/moved` }),
        403,
        "REAUTH_REQUIRED",
      );
      assert.equal((await admin.device.patch(`/api/webhooks/${endpoint.id}`, { description: "fine" })).statusCode, 200);
    });

    test("rotation with no grace: only the new secret signs from then on", async () => {
      const { secret: old, endpoint } = await register();
      const rotated = await admin.device.post(`/api/webhooks/${endpoint.id}/rotate-secret`, { graceSeconds: 0 });
      assert.equal(rotated.statusCode, 200, rotated.body);
      assert.match(String(rotated.headers["cache-control"]), /no-store/);
      const { secret } = JSON.parse(rotated.body) as { secret: string };
      assert.notEqual(secret, old);
      await createUser(t);
      await drain();
      const [request] = receiver.received;
      assert.ok(request !== undefined);
      const headers = {
        "webhook-id": String(request.headers["webhook-id"]),
        "webhook-timestamp": String(request.headers["webhook-timestamp"]),
        "webhook-signature": String(request.headers["webhook-signature"]),
      };
      assert.doesNotThrow(() => new Webhook(secret).verify(request.body, headers));
      assert.throws(() => new Webhook(old).verify(request.body, headers), "the old secret signs no more");
      assert.equal(headers["webhook-signature"].split(" ").length, 1);
    });

    test("a test event reaches the receiver signed, and a failing receiver's answer is shown, cut", async () => {
      const { secret, endpoint } = await register({ eventTypes: ["user.deleted"] });
      const sent = await admin.device.post(`/api/webhooks/${endpoint.id}/test`);
      assert.equal(sent.statusCode, 200, sent.body);
      const { outcome } = JSON.parse(sent.body) as { outcome: { delivered: boolean; httpStatus: number } };
      assert.deepEqual([outcome.delivered, outcome.httpStatus], [true, 200]);
      const [request] = receiver.received;
      assert.ok(request !== undefined);
      const verified = new Webhook(secret).verify(request.body, {
        "webhook-id": String(request.headers["webhook-id"]),
        "webhook-timestamp": String(request.headers["webhook-timestamp"]),
        "webhook-signature": String(request.headers["webhook-signature"]),
      }) as { type: string; data: { endpoint_id: string } };
      assert.deepEqual([verified.type, verified.data.endpoint_id], ["webhook.test", endpoint.id]);
      receiver.answers.push({ status: 500, body: `no: whsec_${"A".repeat(43)}= leaked` });
      const failed = JSON.parse((await admin.device.post(`/api/webhooks/${endpoint.id}/test`)).body) as {
        outcome: { delivered: boolean; httpStatus: number; error: string };
      };
      assert.deepEqual([failed.outcome.delivered, failed.outcome.httpStatus], [false, 500]);
      assert.equal(failed.outcome.error, "no: [cut] leaked");
      assert.deepEqual((await log(endpoint.id)).deliveries, [], "a test event is not a delivery");
      const actions = (await wholeAudit(t)).filter((e) => e.action === "webhooks.test").map((e) => e.outcome);
      assert.deepEqual(actions.slice(-2), ["success", "failure"]);
    });

    test("the delivery log pages newest first, filters by status, and lists every attempt", async () => {
      const { endpoint } = await register();
      receiver.answers.push({ status: 500, body: "first fails" });
      for (let i = 0; i < 3; i += 1) await createUser(t);
      await drain();
      const all = await log(endpoint.id);
      assert.equal(all.deliveries.length, 3);
      const page = await log(endpoint.id, "?limit=2");
      assert.equal(page.deliveries.length, 2);
      assert.ok(page.nextBefore !== null);
      const rest = await log(endpoint.id, `?limit=2&before=${page.nextBefore}`);
      assert.deepEqual(
        [...page.deliveries, ...rest.deliveries].map((d) => d.id),
        all.deliveries.map((d) => d.id),
      );
      assert.equal(rest.nextBefore, null);
      const [failing] = (await log(endpoint.id, "?status=pending")).deliveries;
      assert.ok(failing !== undefined);
      assert.deepEqual([failing.lastStatus, failing.lastError], [500, "first fails"]);
      t.clock.advance(10_000);
      await drain();
      const detail = await admin.device.get(`/api/webhooks/${endpoint.id}/deliveries/${failing.id}`);
      const read = JSON.parse(detail.body) as {
        delivery: Delivery;
        attempts: { attempt: number; httpStatus: number }[];
      };
      assert.equal(read.delivery.status, "delivered");
      assert.deepEqual(
        read.attempts.map((a) => [a.attempt, a.httpStatus]),
        [
          [1, 500],
          [2, 200],
        ],
      );
      assertProblem(await admin.device.get(`/api/webhooks/${endpoint.id}/deliveries?before=1e9`), 400);
      assertProblem(await admin.device.get(`/api/webhooks/${endpoint.id}/deliveries?status=lost`), 400);
      assertProblem(
        await admin.device.get(`/api/webhooks/${endpoint.id}/deliveries/whd_nothing`),
        404,
        "WEBHOOK_DELIVERY_NOT_FOUND",
      );
    });

    test("redelivery sends the same webhook-id again; refused while disabled or in flight", async () => {
      const { endpoint } = await register();
      await createUser(t);
      await drain();
      const [done] = (await log(endpoint.id)).deliveries;
      assert.ok(done !== undefined && done.status === "delivered");
      const again = await admin.device.post(`/api/webhooks/${endpoint.id}/deliveries/${done.id}/redeliver`);
      assert.equal(again.statusCode, 200, again.body);
      await drain();
      assert.deepEqual(receiver.ids(), [done.eventId, done.eventId]);
      // In flight: claimed by a worker that has not finished.
      assert.equal(
        (await admin.device.post(`/api/webhooks/${endpoint.id}/deliveries/${done.id}/redeliver`)).statusCode,
        200,
      );
      const claimed = await t.store.webhooks.claimDueDeliveries(t.clock.now(), t.clock.now() + 60_000, 10);
      assert.deepEqual(
        claimed.map((c) => c.id),
        [done.id],
      );
      assertProblem(
        await admin.device.post(`/api/webhooks/${endpoint.id}/deliveries/${done.id}/redeliver`),
        409,
        "WEBHOOK_DELIVERY_IN_FLIGHT",
      );
      await admin.device.patch(`/api/webhooks/${endpoint.id}`, { enabled: false });
      assertProblem(
        await admin.device.post(`/api/webhooks/${endpoint.id}/deliveries/${done.id}/redeliver`),
        409,
        "WEBHOOK_DISABLED",
      );
    });

    test("a 410 disables the endpoint, audited as the system's act in the same transaction", async () => {
      const { endpoint } = await register();
      receiver.answers.push({ status: 410 });
      await createUser(t);
      await drain();
      const read = JSON.parse((await admin.device.get(`/api/webhooks/${endpoint.id}`)).body) as {
        endpoint: Endpoint;
        deliveryCounts: Record<string, number>;
      };
      assert.equal(read.endpoint.enabled, false);
      assert.deepEqual(read.deliveryCounts, { pending: 0, delivered: 0, failed: 1 });
      const entry = (await wholeAudit(t)).find(
        (e) => e.action === "webhooks.disable" && e.details.endpointId === endpoint.id,
      );
      assert.equal(entry?.actorType, "system");
      assert.match(String(entry?.details.reason), /410/);
    });

    test("deleting an endpoint takes its deliveries and attempts with it", async () => {
      const { endpoint } = await register();
      receiver.answers.push({ status: 500 });
      await createUser(t);
      await createUser(t);
      await drain();
      const deleted = await admin.device.delete(`/api/webhooks/${endpoint.id}`);
      assert.equal(deleted.statusCode, 200, deleted.body);
      assert.deepEqual(JSON.parse(deleted.body), { deleted: endpoint.id, pendingDropped: 1 });
      const [deliveries = [], attempts = []] = await rawReads<Record<string, unknown>>(t.database, [
        `SELECT id FROM webhook_deliveries WHERE endpoint_id = '${endpoint.id}'`,
        `SELECT a.delivery_id FROM webhook_attempts a LEFT JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.id IS NULL`,
      ]);
      assert.deepEqual([deliveries.length, attempts.length], [0, 0]);
      assertProblem(await admin.device.get(`/api/webhooks/${endpoint.id}`), 404, "WEBHOOK_NOT_FOUND");
      await createUser(t);
      await drain();
      assert.equal(receiver.received.length, 2, "nothing more after the deletion");
    });
  });
}
