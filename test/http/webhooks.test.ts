import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, mock, test } from "node:test";
import { Webhook } from "standardwebhooks";
import { noRequest } from "../../src/domain/actor.ts";
import { deleteUser } from "../../src/domain/deletion/delete-user.ts";
import type { Deps } from "../../src/domain/deps.ts";
import type { EventPayload } from "../../src/domain/events/user-event.ts";
import { maxAttempts, retryDelaysMs } from "../../src/domain/webhooks/delivery-schedule.ts";
import { deliverDue, type WorkerSettings } from "../../src/domain/webhooks/delivery-worker.ts";
import {
  createWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookSecret,
} from "../../src/domain/webhooks/webhook-admin.ts";
import { listWebhookDeliveries } from "../../src/domain/webhooks/webhook-log.ts";
import { createWebhookSender, type SenderSettings } from "../../src/infra/webhook-sender.ts";
import { createUser } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { WebhookReceiver } from "../support/webhook-receiver.ts";

const cli = { type: "cli" } as const;
const settings: WorkerSettings = { pollMs: 10, batch: 50, claimMs: 60_000 };
const loopback: SenderSettings = { timeoutMs: 2_000, allowHttp: true, allowPrivateAddresses: true };

for (const engine of engines) {
  describe(`signed webhooks from the events outbox (${engine})`, () => {
    let t: TestApp;
    let deps: Deps;
    let receiver: WebhookReceiver;
    beforeEach(async () => {
      t = await startTestApp(engine);
      // Signatures carry the wall-clock time, which the receiver's library checks: the test clock starts there.
      t.clock.advance(Date.now() - t.clock.now());
      deps = { ...t.deps, webhookAllowHttp: true };
      receiver = await new WebhookReceiver().start();
    });
    afterEach(async () => {
      await receiver.stop();
      await t.close();
    });

    async function endpointFor(url: string, eventTypes?: string[]) {
      const created = await createWebhookEndpoint(
        deps,
        cli,
        { url, description: "test receiver", ...(eventTypes === undefined ? {} : { eventTypes }) },
        noRequest,
      );
      assert.ok(created.ok, JSON.stringify(created));
      return created;
    }

    /** Rounds until one finds nothing due. */
    async function drain(sender = createWebhookSender(loopback)): Promise<void> {
      for (let round = 0; round < 100; round += 1) {
        if ((await deliverDue(deps, sender, settings)) === 0) return;
      }
      assert.fail("the worker never ran out of due deliveries");
    }

    async function erase(id: string): Promise<void> {
      const result = await deleteUser(deps, cli, id, {}, noRequest);
      assert.ok(result.ok, JSON.stringify(result));
    }

    function payloadOf(index: number): EventPayload {
      const request = receiver.received[index];
      assert.ok(request !== undefined, `request ${index} arrived`);
      return JSON.parse(request.body) as EventPayload;
    }

    /** The endpoint and its delivery log's first page, as an admin reads them. */
    async function deliveries(endpointId: string) {
      const read = await getWebhookEndpoint(deps, cli, endpointId, noRequest);
      assert.ok(read.ok);
      const log = await listWebhookDeliveries(deps, cli, endpointId, {}, noRequest);
      assert.ok(log.ok);
      return { endpoint: read.endpoint, deliveries: log.deliveries };
    }

    test("a deletion reaches the receiver, signed: the library verifies it and refuses forgeries and replays", async () => {
      const { secret, endpoint } = await endpointFor(receiver.url);
      assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      const user = await createUser(t);
      await erase(user.id);
      await drain();
      assert.deepEqual(
        receiver.received.map((r) => (JSON.parse(r.body) as EventPayload).type),
        ["user.created", "user.deleted"],
      );
      const request = receiver.received[1];
      assert.ok(request !== undefined);
      assert.equal(request.method, "POST");
      assert.equal(request.headers["content-type"], "application/json");
      const headers = {
        "webhook-id": String(request.headers["webhook-id"]),
        "webhook-timestamp": String(request.headers["webhook-timestamp"]),
        "webhook-signature": String(request.headers["webhook-signature"]),
      };
      const verified = new Webhook(secret).verify(request.body, headers) as EventPayload;
      assert.equal(verified.type, "user.deleted");
      assert.equal(verified.data.user_id, user.id);
      assert.equal(headers["webhook-id"], verified.id, "webhook-id is the event's id");
      assert.ok(Math.abs(Number(headers["webhook-timestamp"]) - Date.now() / 1_000) < 60);
      assert.ok(!request.body.includes(user.email), "no e-mail address in the payload");
      assert.throws(() => new Webhook(secret).verify(request.body.replace(user.id, "someone-else"), headers));
      const otherSecret = (await endpointFor(receiver.url)).secret;
      assert.throws(() => new Webhook(otherSecret).verify(request.body, headers));
      // The same request replayed six minutes later: outside the library's five-minute tolerance.
      mock.timers.enable({ apis: ["Date"], now: Date.now() + 6 * 60_000 });
      try {
        assert.throws(() => new Webhook(secret).verify(request.body, headers), /timestamp/i);
      } finally {
        mock.timers.reset();
      }
      const log = await deliveries(endpoint.id);
      assert.deepEqual(
        log.deliveries.map((d) => [d.status, d.attempts, d.lastStatus]),
        [
          ["delivered", 1, 200],
          ["delivered", 1, 200],
        ],
      );
    });

    test("an endpoint receives what commits after its creation, and only the types it asked for", async () => {
      await createUser(t);
      await endpointFor(receiver.url, ["user.deleted"]);
      const user = await createUser(t);
      await erase(user.id);
      await drain();
      assert.deepEqual(
        receiver.received.map((r) => (JSON.parse(r.body) as EventPayload).type),
        ["user.deleted"],
      );
    });

    test("a 500 is tried again on the schedule, with the same webhook-id, until it succeeds", async () => {
      const { endpoint } = await endpointFor(receiver.url);
      receiver.answers.push({ status: 500, body: "boom" });
      await createUser(t);
      await drain();
      assert.equal(receiver.received.length, 1);
      const [pending] = (await deliveries(endpoint.id)).deliveries;
      assert.equal(pending?.status, "pending");
      assert.equal(pending?.lastStatus, 500);
      assert.equal(pending?.lastError, "boom");
      const wait = Date.parse(pending?.nextAttemptAt ?? "") - t.clock.now();
      const first = retryDelaysMs[0] ?? 0;
      assert.ok(wait >= first * 0.8 && wait <= first * 1.2, `the first retry waits 5 s ± 20 % (${wait} ms)`);
      await drain();
      assert.equal(receiver.received.length, 1, "not before it is due");
      t.clock.advance(first * 1.2 + 1);
      await drain();
      assert.equal(receiver.received.length, 2);
      assert.deepEqual(receiver.ids()[0], receiver.ids()[1]);
      const [done] = (await deliveries(endpoint.id)).deliveries;
      assert.deepEqual([done?.status, done?.attempts, done?.lastStatus], ["delivered", 2, 200]);
    });

    test("Retry-After on 429 and 503 sets the next attempt", async () => {
      const { endpoint } = await endpointFor(receiver.url);
      receiver.answers.push({ status: 503, headers: { "retry-after": "120" } });
      await createUser(t);
      await drain();
      const [pending] = (await deliveries(endpoint.id)).deliveries;
      assert.equal(pending?.nextAttemptAt, new Date(t.clock.now() + 120_000).toISOString());
      t.clock.advance(60_000);
      await drain();
      assert.equal(receiver.received.length, 1, "the receiver asked for two minutes");
      receiver.answers.push({ status: 429, headers: { "retry-after": "30" } });
      t.clock.advance(60_001);
      await drain();
      assert.equal(receiver.received.length, 2);
      const [again] = (await deliveries(endpoint.id)).deliveries;
      assert.equal(again?.nextAttemptAt, new Date(t.clock.now() + 30_000).toISOString());
      t.clock.advance(30_001);
      await drain();
      assert.equal(receiver.received.length, 3);
      assert.equal((await deliveries(endpoint.id)).deliveries[0]?.status, "delivered");
    });

    test("410 Gone disables the endpoint, with the reason; nothing more is sent to it", async () => {
      const { endpoint } = await endpointFor(receiver.url);
      receiver.answers.push({ status: 410 });
      await createUser(t);
      await drain();
      await createUser(t);
      await drain();
      assert.equal(receiver.received.length, 1);
      const read = await deliveries(endpoint.id);
      assert.equal(read.endpoint.enabled, false);
      assert.match(read.endpoint.disabledReason ?? "", /410/);
      // A disabled endpoint's cursor stays where it was: what commits meanwhile waits for it to be enabled.
      assert.deepEqual(
        read.deliveries.map((d) => d.status),
        ["failed"],
      );
    });

    test("failing past the schedule fails the delivery and disables the endpoint with a reason", async () => {
      const { endpoint } = await endpointFor(receiver.url);
      receiver.fallback = { status: 500 };
      await createUser(t);
      for (let attempt = 0; attempt < maxAttempts + 2; attempt += 1) {
        await drain();
        t.clock.advance(11 * 3_600_000);
      }
      assert.equal(receiver.received.length, maxAttempts);
      const read = await deliveries(endpoint.id);
      assert.equal(read.endpoint.enabled, false);
      assert.match(read.endpoint.disabledReason ?? "", new RegExp(`failed ${maxAttempts} attempts.*HTTP 500`));
      assert.deepEqual(
        read.deliveries.map((d) => [d.status, d.attempts]),
        [["failed", maxAttempts]],
      );
    });

    test("a user's events arrive in order: a later one waits while an earlier one is retried", async () => {
      await endpointFor(receiver.url);
      receiver.answers.push({ status: 500 });
      const first = await createUser(t);
      const second = await createUser(t);
      await erase(first.id);
      await drain();
      // The first user's creation failed; their deletion waits. The second user's creation went.
      assert.deepEqual(
        receiver.received.map((_, i) => `${payloadOf(i).type} ${payloadOf(i).data.user_id}`),
        [`user.created ${first.id}`, `user.created ${second.id}`],
      );
      t.clock.advance(10_000);
      await drain();
      assert.deepEqual(
        receiver.received.slice(2).map((_, i) => `${payloadOf(i + 2).type} ${payloadOf(i + 2).data.user_id}`),
        [`user.created ${first.id}`, `user.deleted ${first.id}`],
      );
    });

    test("a receiver down for a while gets everything once it is back, in order per user, each once", async () => {
      const { endpoint } = await endpointFor(receiver.url);
      const port = receiver.port;
      await receiver.stop();
      const users = [await createUser(t), await createUser(t), await createUser(t)];
      for (const user of users) await erase(user.id);
      for (let round = 0; round < 3; round += 1) {
        await drain();
        t.clock.advance(6 * 60_000);
      }
      const log = await deliveries(endpoint.id);
      assert.ok(log.deliveries.every((d) => d.status === "pending" && d.lastStatus === null));
      // Each user's creation was tried (connection refused); each deletion waits behind it, never tried.
      assert.deepEqual(
        log.deliveries.filter((d) => d.attempts > 0).map((d) => d.lastError !== null),
        [true, true, true],
      );
      receiver = await new WebhookReceiver().start(port);
      t.clock.advance(3 * 3_600_000);
      for (let round = 0; round < 4; round += 1) {
        await drain();
        t.clock.advance(3 * 3_600_000);
      }
      const arrived = receiver.received.map((_, i) => payloadOf(i));
      assert.equal(new Set(arrived.map((e) => e.id)).size, 6, "six events, each once");
      for (const user of users) {
        assert.deepEqual(
          arrived.filter((e) => e.data.user_id === user.id).map((e) => e.type),
          ["user.created", "user.deleted"],
        );
      }
    });

    test("SSRF: a loopback address is refused at delivery time, by address and by name; redirects are not followed", async () => {
      const guarded = createWebhookSender({ ...loopback, allowPrivateAddresses: false });
      const byAddress = await endpointFor(receiver.url);
      const byName = await endpointFor(`http://localhost:${receiver.port}/hook`);
      await createUser(t);
      await drain(guarded);
      assert.equal(receiver.received.length, 0, "nothing reached the loopback receiver");
      for (const { endpoint } of [byAddress, byName]) {
        const [refused] = (await deliveries(endpoint.id)).deliveries;
        assert.equal(refused?.status, "pending");
        assert.match(refused?.lastError ?? "", /refused: .*non-public|not public/);
      }
      const direct = await guarded.send("http://[::ffff:127.0.0.1]:1/x", {}, "{}");
      assert.equal(direct.kind, "error");
      const strict = createWebhookSender({ ...loopback, allowHttp: false });
      const plain = await strict.send(receiver.url, {}, "{}");
      assert.ok(plain.kind === "error" && /not https/.test(plain.error));

      const target = await new WebhookReceiver().start();
      try {
        receiver.answers.push({ status: 302, headers: { location: target.url } });
        const sent = await createWebhookSender(loopback).send(receiver.url, {}, "{}");
        assert.ok(sent.kind === "response" && sent.status === 302);
        assert.equal(target.received.length, 0, "the redirect was not followed");
      } finally {
        await target.stop();
      }
    });

    test("an endpoint's URL must be https unless WEBHOOK_ALLOW_HTTP, and carry no credentials", async () => {
      for (const url of ["http://example.test/hook", "ftp://example.test/", "not a url", "https://u:p@example.test/"]) {
        const refused = await createWebhookEndpoint(t.deps, cli, { url }, noRequest);
        assert.ok(!refused.ok && refused.code === "VALIDATION_FAILED", url);
      }
      const unknownType = await createWebhookEndpoint(
        t.deps,
        cli,
        { url: "https://example.test/hook", eventTypes: ["user.exploded"] },
        noRequest,
      );
      assert.ok(!unknownType.ok && unknownType.code === "VALIDATION_FAILED");
      assert.deepEqual((await listWebhookEndpoints(t.deps, cli, noRequest)).ok && [], []);
    });

    test("a rotation signs with both secrets during its grace period, then with the new one only", async () => {
      const { secret: old, endpoint } = await endpointFor(receiver.url);
      const rotated = await rotateWebhookSecret(deps, cli, endpoint.id, noRequest, 3_600_000);
      assert.ok(rotated.ok);
      assert.notEqual(rotated.secret, old);
      assert.equal(rotated.endpoint.previousSecretUntil, new Date(t.clock.now() + 3_600_000).toISOString());
      await createUser(t);
      await drain();
      t.clock.advance(3_600_000);
      await createUser(t);
      await drain();
      const headersOf = (i: number) => {
        const request = receiver.received[i];
        assert.ok(request !== undefined);
        return {
          body: request.body,
          headers: {
            "webhook-id": String(request.headers["webhook-id"]),
            "webhook-timestamp": String(request.headers["webhook-timestamp"]),
            "webhook-signature": String(request.headers["webhook-signature"]),
          },
        };
      };
      const during = headersOf(0);
      assert.equal(during.headers["webhook-signature"].split(" ").length, 2);
      // A receiver on either secret accepts it: the old one until it switches, the new one after.
      new Webhook(old).verify(during.body, during.headers);
      new Webhook(rotated.secret).verify(during.body, during.headers);
      const afterGrace = headersOf(1);
      assert.equal(afterGrace.headers["webhook-signature"].split(" ").length, 1);
      // The test clock is an hour ahead of the wall clock here: verify as of the signing time, so that the
      // old secret's refusal is the signature's, not the timestamp's.
      mock.timers.enable({ apis: ["Date"], now: t.clock.now() });
      try {
        new Webhook(rotated.secret).verify(afterGrace.body, afterGrace.headers);
        assert.throws(() => new Webhook(old).verify(afterGrace.body, afterGrace.headers), /signature/i);
      } finally {
        mock.timers.reset();
      }
      const missing = await rotateWebhookSecret(deps, cli, "whe_nobody", noRequest);
      assert.ok(!missing.ok && missing.code === "WEBHOOK_NOT_FOUND");
      const listed = JSON.stringify(await listWebhookEndpoints(deps, cli, noRequest));
      assert.ok(!listed.includes(rotated.secret.slice(6)) && !listed.includes(old.slice(6)));
    });

    test("no secret in answers after creation, nor in the delivery log when a receiver echoes it", async () => {
      const { secret, endpoint } = await endpointFor(receiver.url);
      receiver.answers.push({ status: 500, body: `bad signature for ${secret} Authorization: Bearer abc.def` });
      await createUser(t);
      await drain();
      const listed = await listWebhookEndpoints(deps, cli, noRequest);
      const read = await deliveries(endpoint.id);
      const answers = JSON.stringify([listed, read]);
      assert.ok(!answers.includes(secret.slice(6)), "the secret is in no answer");
      assert.ok(!answers.includes("abc.def"));
      assert.match(read.deliveries[0]?.lastError ?? "", /\[cut\]/);
    });

    test("a claim held by a crashed instance is taken again once it runs out, never before", async () => {
      await endpointFor(receiver.url);
      await createUser(t);
      const now = t.clock.now();
      await t.store.webhooks.enqueueDeliveries(now, 100);
      const crashed = await t.store.webhooks.claimDueDeliveries(now, now + settings.claimMs, 10);
      assert.equal(crashed.length, 1);
      assert.deepEqual(await t.store.webhooks.claimDueDeliveries(now + 1, now + 1 + settings.claimMs, 10), []);
      t.clock.advance(settings.claimMs);
      await drain();
      assert.equal(receiver.received.length, 1);
      assert.equal(receiver.ids()[0], crashed[0]?.eventId);
    });

    test("concurrent claims never hand one delivery out twice", async () => {
      await endpointFor(receiver.url);
      for (let i = 0; i < 12; i += 1) await createUser(t);
      const now = t.clock.now();
      await t.store.webhooks.enqueueDeliveries(now, 100);
      const claims = await Promise.all(
        Array.from({ length: 4 }, () => t.store.webhooks.claimDueDeliveries(now, now + 60_000, 5)),
      );
      const ids = claims.flat().map((d) => d.id);
      assert.equal(ids.length, 12);
      assert.equal(new Set(ids).size, 12);
    });
  });
}
