import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { percentileOf } from "../../bench/stats.ts";
import { deletedArrivals, waitUntil } from "../../bench/webhook-endpoint.ts";
import { BenchWebhookReceiver } from "../../bench/webhook-receiver.ts";

/** The bench's delivery figures (issue 14) are only as good as what its receiver records. */
function post(url: string, id: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: "POST", headers: { "webhook-id": id } }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

const event = (type: string, userId: string, timestamp: string) =>
  JSON.stringify({ type, id: "ignored", timestamp, data: { user_id: userId, audit_seq: 1 } });

describe("bench webhook receiver and delivery figures", () => {
  const receiver = new BenchWebhookReceiver();
  before(() => receiver.start());
  after(() => receiver.stop());

  test("records each event's id, type, user and timestamp, and its arrival on this clock", async () => {
    const sentAt = Date.now();
    const occurred = new Date(sentAt - 250).toISOString();
    assert.equal(await post(receiver.url, "evt_1", event("user.deleted", "u1", occurred)), 200);
    const [arrival] = receiver.arrivals;
    assert.ok(arrival !== undefined);
    assert.equal(arrival.id, "evt_1");
    assert.equal(arrival.type, "user.deleted");
    assert.equal(arrival.userId, "u1");
    assert.equal(arrival.occurredAt, Date.parse(occurred));
    assert.ok(arrival.receivedAt >= sentAt && arrival.receivedAt - arrival.occurredAt >= 250);
  });

  test("a body that is not an event is counted as malformed, never as a delivery", async () => {
    const before = receiver.arrivals.length;
    assert.equal(await post(receiver.url, "evt_x", "not json"), 200);
    assert.equal(await post(receiver.url, "evt_y", JSON.stringify({ type: "user.deleted", data: {} })), 200);
    assert.equal(await post(receiver.url, "evt_z", event("user.deleted", "u9", "not a date")), 200);
    assert.equal(receiver.malformed, 3);
    assert.equal(receiver.arrivals.length, before);
  });

  test("told it is gone, it answers 410 (what retires the endpoint)", async () => {
    receiver.gone = true;
    try {
      assert.equal(await post(receiver.url, "evt_2", event("sessions.revoked", "u2", new Date().toISOString())), 410);
    } finally {
      receiver.gone = false;
    }
  });

  test("deletedArrivals keeps the first user.deleted of each wanted user only", () => {
    const at = (id: string, type: string, userId: string, receivedAt: number) => ({
      id,
      type,
      userId,
      occurredAt: 0,
      receivedAt,
    });
    const arrivals = [
      at("a", "sessions.revoked", "u1", 1),
      at("b", "user.deleted", "u1", 2),
      at("b", "user.deleted", "u1", 3),
      at("c", "user.deleted", "u2", 4),
      at("d", "user.deleted", "other", 5),
    ];
    const first = deletedArrivals(arrivals, ["u1", "u2", "u3"]);
    assert.deepEqual(
      [...first.entries()].map(([user, arrival]) => [user, arrival.receivedAt]),
      [
        ["u1", 2],
        ["u2", 4],
      ],
    );
  });

  test("percentileOf is nearest-rank over raw samples", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(percentileOf(samples, 50), 50);
    assert.equal(percentileOf(samples, 99), 99);
    assert.equal(percentileOf(samples, 100), 100);
    assert.equal(percentileOf([7], 99), 7);
    assert.ok(Number.isNaN(percentileOf([], 50)));
  });

  test("waitUntil gives up after its bound", async () => {
    const startedAt = Date.now();
    assert.equal(await waitUntil(() => false, 120), false);
    assert.ok(Date.now() - startedAt >= 120);
    assert.equal(await waitUntil(() => true, 10_000), true);
  });
});
